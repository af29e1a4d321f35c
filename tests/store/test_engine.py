"""Engine settings: SQLite pragmas, BEGIN IMMEDIATE, refused URLs; aware UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from factories import save_clinic
from prolo.store.engine import SQLITE_BEGIN_OPTION, make_engine
from prolo.store.records import Sex
from prolo.store.types import NaiveDatetimeError
from prolo.store.unit_of_work import UnitOfWork


class TestSqliteEngine:
    def test_wal_and_foreign_keys_are_on(self, tmp_path) -> None:
        eng = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
        try:
            with eng.connect() as conn:
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        finally:
            eng.dispose()

    def test_transactions_take_the_write_lock_at_begin(self, tmp_path) -> None:
        eng = make_engine(f"sqlite:///{tmp_path / 'x.db'}", busy_timeout_s=0.1)
        try:
            with eng.connect() as first, eng.connect() as second:
                first.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: holds the write lock
                with pytest.raises(Exception, match="locked"):
                    second.execute(text("SELECT 1"))
                # a deferred transaction (health checks) does not wait for the writer
                reader = second.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
                second.rollback()
                assert reader.execute(text("SELECT 1")).scalar() == 1
        finally:
            eng.dispose()

    def test_in_memory_sqlite_is_refused(self) -> None:
        with pytest.raises(ValueError, match="in-memory"):
            make_engine("sqlite://")

    def test_unknown_database_is_refused(self) -> None:
        with pytest.raises(ValueError, match="unsupported database"):
            make_engine("mysql://u@localhost/db")


class TestUTCDateTime:
    def test_aware_times_come_back_in_utc(self, uow: UnitOfWork) -> None:
        clinic = save_clinic(uow)
        istanbul = timezone(timedelta(hours=3))
        patient = uow.patients.add(
            clinic.id,
            given_name="A",
            family_name="B",
            birth_date=None,
            sex=Sex.unknown,
            created_at=datetime(2025, 1, 1, 12, 0, tzinfo=istanbul),
        )
        uow.session.expire_all()
        again = uow.patients.get(clinic.id, patient.id)
        assert again is not None
        assert again.created_at == datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
        assert again.created_at.utcoffset() == timedelta(0)

    def test_naive_datetimes_are_refused(self, uow: UnitOfWork) -> None:
        clinic = save_clinic(uow)
        with pytest.raises(StatementError) as info:
            uow.patients.add(
                clinic.id,
                given_name="A",
                family_name="B",
                birth_date=None,
                sex=Sex.unknown,
                created_at=datetime(2025, 1, 1, 12, 0),
            )
        assert isinstance(info.value.orig, NaiveDatetimeError)
        assert "naive datetime" in str(info.value)
