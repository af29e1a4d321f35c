"""The audit log is append-only in the database itself."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from prolo.store.records import NewAuditEvent
from prolo.store.repositories.audit import AuditRepository
from prolo.store.unit_of_work import Database, UnitOfWork

CLINIC = uuid.uuid4()


def _event(uow: UnitOfWork, action: str = "patient.read") -> NewAuditEvent:
    return NewAuditEvent(
        at=uow.now(),
        clinic_id=CLINIC,
        actor_user_id=None,
        actor_role="admin",
        action=action,
        patient_id=None,
        resource_type="patient",
        resource_id="x",
        client_address="127.0.0.1",
        detail={"k": 1},
    )


class TestAuditLog:
    def test_events_are_listed_newest_first(self, uow: UnitOfWork) -> None:
        uow.audit.add(_event(uow, "first"))
        uow.audit.add(_event(uow, "second"))
        uow.audit.add(replace(_event(uow, "elsewhere"), clinic_id=uuid.uuid4()))
        page = uow.audit.page(CLINIC, limit=10, offset=0)
        assert [e.action for e in page.items] == ["second", "first"]
        assert page.total == 2  # another clinic's events are not listed
        assert page.items[0].detail == {"k": 1}

    def test_the_repository_offers_no_way_to_change_or_delete(self) -> None:
        public = {n for n in dir(AuditRepository) if not n.startswith("_")}
        assert public == {"add", "page", "flush"}

    @pytest.mark.parametrize(
        "statement",
        ["UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"],
    )
    def test_the_database_rejects_update_and_delete(
        self, scratch_url: str, statement: str
    ) -> None:
        db = Database(scratch_url)
        try:
            with db.unit_of_work() as uow:
                uow.audit.add(_event(uow))
                uow.commit()
            with (
                db.unit_of_work() as uow,
                pytest.raises(DBAPIError, match="append-only"),
            ):
                uow.session.execute(text(statement))
            with db.unit_of_work() as uow:
                assert (
                    uow.audit.page(CLINIC, limit=10, offset=0).items[0].action
                    == "patient.read"
                )
        finally:
            db.dispose()

    @pytest.mark.only_db("postgresql")  # TRUNCATE exists only there
    def test_postgresql_also_rejects_truncate(self, scratch_url: str) -> None:
        db = Database(scratch_url)
        try:
            with (
                db.unit_of_work() as uow,
                pytest.raises(DBAPIError, match="append-only"),
            ):
                uow.session.execute(text("TRUNCATE audit_events"))
        finally:
            db.dispose()
