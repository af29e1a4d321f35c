"""Switching a test's PostgreSQL database to read-only and back: `default_transaction_read_only`
set on the database, which is what a hot standby gives every session. Sessions opened afterwards
get the setting; those already open keep the one they started with (dispose of the engine, or
let the app replace them, as `tests/reliability/test_database_faults.py` checks)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import make_url

from prolo.store.unit_of_work import Database


def make_read_only(database: Database) -> None:
    name = make_url(database.url).database
    with database.engine.connect() as conn:
        conn.execute(
            text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        )
        conn.commit()


def make_writable(database: Database) -> None:
    """Lift `make_read_only` (from a session that may itself have started read-only)."""
    name = make_url(database.url).database
    with database.engine.connect().execution_options(
        isolation_level="AUTOCOMMIT"
    ) as conn:
        conn.execute(text("SET default_transaction_read_only = off"))
        conn.execute(
            text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
        )
