"""The unit of work: one commit at the edge, rollback otherwise, optimistic concurrency."""

from __future__ import annotations

import pytest

from factories import save_clinic, save_patient
from prolo.store.errors import StaleVersionError
from prolo.store.unit_of_work import Database, UnitOfWork


class TestUnitOfWork:
    def test_leaving_without_commit_rolls_back(self, scratch_url: str) -> None:
        db = Database(scratch_url)
        try:
            with db.unit_of_work() as uow:
                save_clinic(uow, name="never committed")
            with db.unit_of_work() as uow:
                assert uow.clinics.find_by_name("never committed") is None
                save_clinic(uow, name="committed")
                uow.commit()
            with db.unit_of_work() as uow:
                assert uow.clinics.find_by_name("committed") is not None
        finally:
            db.dispose()

    def test_an_exception_rolls_back(self, scratch_url: str) -> None:
        db = Database(scratch_url)
        try:

            def half_done() -> None:
                with db.unit_of_work() as uow:
                    save_clinic(uow, name="half done")
                    raise RuntimeError("boom")

            with pytest.raises(RuntimeError):
                half_done()
            with db.unit_of_work() as uow:
                assert uow.clinics.find_by_name("half done") is None
        finally:
            db.dispose()

    def test_a_unit_of_work_must_be_opened(self, database: Database) -> None:
        uow = database.unit_of_work()
        with pytest.raises(RuntimeError, match="not open"):
            uow.commit()

    def test_a_stale_version_is_refused(self, uow: UnitOfWork) -> None:
        clinic = save_clinic(uow)
        patient = save_patient(uow, clinic)
        uow.patients.update(
            clinic.id,
            patient.id,
            expected_version=patient.version,
            changes={"phone": "+90 555 000 00 00"},
            updated_at=uow.now(),
        )
        with pytest.raises(StaleVersionError, match="changed by someone else"):
            uow.patients.update(
                clinic.id,
                patient.id,
                expected_version=patient.version,  # the version read before the first update
                changes={"phone": "+90 555 111 11 11"},
                updated_at=uow.now(),
            )

    def test_concurrent_writers_cannot_lose_an_update(self, scratch_url: str) -> None:
        """Two units of work read version 1; the second to write gets a conflict."""
        db = Database(scratch_url)
        try:
            with db.unit_of_work() as uow:
                clinic = save_clinic(uow)
                patient = save_patient(uow, clinic)
                uow.commit()
            with db.unit_of_work() as first:
                first.patients.update(
                    clinic.id,
                    patient.id,
                    expected_version=1,
                    changes={"phone": "1"},
                    updated_at=first.now(),
                )
                first.commit()
            with db.unit_of_work() as second, pytest.raises(StaleVersionError):
                second.patients.update(
                    clinic.id,
                    patient.id,
                    expected_version=1,
                    changes={"phone": "2"},
                    updated_at=second.now(),
                )
            with db.unit_of_work() as uow:
                final = uow.patients.get(clinic.id, patient.id)
                assert final is not None
                assert (final.phone, final.version) == ("1", 2)
        finally:
            db.dispose()
