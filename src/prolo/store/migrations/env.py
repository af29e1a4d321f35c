"""Alembic environment: runs online on a connection (given by the caller, or built from the URL).

SQLite: batch mode (`render_as_batch`), and foreign keys are switched off while migrating, as
SQLite's documentation prescribes for table rebuilds (a rebuild drops the old table, which with
foreign keys on would cascade deletes); `PRAGMA foreign_key_check` runs before switching them on.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

import prolo.store.tables  # noqa: F401  (registers every table on Base.metadata)
from prolo.store.base import Base
from prolo.store.engine import make_engine
from prolo.store.types import UTCDateTime

config = context.config
target_metadata = Base.metadata


def _render_item(
    type_: str,
    obj: Any,
    autogen_context: AutogenContext,  # noqa: ARG001  (Alembic's hook signature)
) -> str | Literal[False]:
    """Render our TypeDecorators as plain SQLAlchemy types: migrations must not import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _include_object(
    obj: Any,  # noqa: ARG001  (Alembic's hook signature)
    name: str | None,
    type_: str,
    reflected: bool,
    compare_to: Any,  # noqa: ARG001
) -> bool:
    # PostgreSQL reflects the gist index behind each exclusion constraint as an index; the
    # constraints themselves are declared on the model (ExcludeConstraint) and in the migration.
    return not (
        type_ == "index" and reflected and name is not None and name.startswith("ex_")
    )


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
        render_item=_render_item,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to the migrations")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                _sqlite_foreign_keys(conn, on=False)
            _run(conn)
            conn.commit()
            if sqlite:
                problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                conn.rollback()
                if problems:
                    raise RuntimeError(
                        f"foreign key violations after migrating: {problems}"
                    )
                _sqlite_foreign_keys(conn, on=True)
    finally:
        engine.dispose()


def _sqlite_foreign_keys(conn: Connection, *, on: bool) -> None:
    # outside any transaction (the pragma is a no-op inside one): straight on the driver connection
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run them online")
run_migrations_online()
