"""The unit of work: one commit at the edge, rollback otherwise, optimistic concurrency."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from factories import save_clinic, save_course, save_patient
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


class TestRowsKeptForTheUnitOfWork:
    """A unit of work keeps the rows it read: the identity map is weak, and without this a
    row read twice in one request was selected twice (a session event read its record three
    times)."""

    def test_a_row_read_twice_is_selected_once(self, scratch_url: str) -> None:
        db = Database(scratch_url)
        try:
            with db.unit_of_work() as uow:
                clinic = save_clinic(uow)
                patient = save_patient(uow, clinic)
                uow.commit()
            statements: list[str] = []

            def count(_c: object, _cur: object, statement: str, *_a: object) -> None:
                statements.append(statement)

            event.listen(db.engine, "before_cursor_execute", count)
            with db.unit_of_work() as uow:
                first = uow.patients.get(clinic.id, patient.id)
                after_first = len(statements)
                second = uow.patients.get(clinic.id, patient.id)
                assert after_first >= 1
                assert len(statements) == after_first
                assert first == second
            with db.unit_of_work() as uow:  # a new unit of work reads afresh
                uow.patients.get(clinic.id, patient.id)
            assert len(statements) == 2 * after_first
        finally:
            db.dispose()

    @pytest.mark.only_db(
        "postgresql"
    )  # SQLite: BEGIN IMMEDIATE, the other writer waits
    def test_a_course_lock_sees_what_committed_after_the_first_read(
        self, scratch_url: str
    ) -> None:
        db = Database(scratch_url)
        try:
            with db.unit_of_work() as uow:
                clinic = save_clinic(uow)
                course = save_course(uow, clinic, save_patient(uow, clinic))
                uow.commit()
            with db.unit_of_work() as booking:
                before = booking.courses.get(clinic.id, course.id)
                assert before is not None
                assert before.planned_sessions == 4
                with (
                    db.unit_of_work() as other
                ):  # commits between the read and the lock
                    other.courses.update(
                        course.id,
                        expected_version=None,
                        changes={"planned_sessions": 6},
                        updated_at=other.now(),
                    )
                    other.commit()
                locked = booking.courses.lock(clinic.id, course.id)
                assert locked is not None
                assert (locked.planned_sessions, locked.version) == (
                    6,
                    before.version + 1,
                )
        finally:
            db.dispose()
