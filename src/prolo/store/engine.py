"""Engines for the two supported databases. Nothing is created at import time.

SQLite (the embedded default):
- `journal_mode=WAL` (readers never block the writer), `foreign_keys=ON`, `synchronous=NORMAL`
  and a busy timeout, set on every new connection;
- SQLAlchemy emits BEGIN itself (the pysqlite driver's own transaction handling is switched off,
  as the SQLAlchemy SQLite dialect documentation describes) and the BEGIN is `BEGIN IMMEDIATE`:
  a unit of work takes SQLite's single write lock when it starts, so a check ("is the slot
  free?") and the insert that follows are atomic with respect to every other writer. Pass the
  execution option `sqlite_begin="DEFERRED"` for read-only work that must not wait (health).
  SAVEPOINTs work too (tests isolate each test in one).

PostgreSQL (production): psycopg 3, `pool_pre_ping`, READ COMMITTED; double booking is
prevented by exclusion constraints (see migrations), not by locks.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError

SQLITE_BEGIN_OPTION = "sqlite_begin"
PG_READ_ONLY_SQLSTATE = (
    "25006"  # read_only_sql_transaction (PostgreSQL manual, Appendix A)
)


def refuses_writes(error: BaseException | None) -> bool:
    """Whether the driver's `error` says the connection is read-only: PostgreSQL 25006 (a hot
    standby, default_transaction_read_only), SQLITE_READONLY* (a file SQLite could only open
    read-only)."""
    sqlstate = getattr(error, "sqlstate", None) or ""
    sqlite_name = getattr(error, "sqlite_errorname", None) or ""
    return sqlstate == PG_READ_ONLY_SQLSTATE or sqlite_name.startswith(
        "SQLITE_READONLY"
    )


def _drop_read_only_connections(engine: Engine) -> None:
    """A connection that was read-only stays so (SQLite opened the file read-only; a PostgreSQL
    session keeps the default it started with), so when the database becomes writable again the
    pool would keep handing out connections that refuse every write. Treat the error as a
    disconnect: SQLAlchemy then discards this connection and every older one in the pool."""

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        if refuses_writes(context.original_exception):
            context.is_disconnect = True


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(
    url: str,
    *,
    busy_timeout_s: float = 30.0,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout_s: float = 30.0,
    connect_timeout_s: int | None = None,
    echo: bool = False,
) -> Engine:
    """Build an engine for `url` (sqlite:///path or postgresql+psycopg://...).

    `pool_size` + `max_overflow` connections at most, a checkout waits `pool_timeout_s`;
    PostgreSQL connection attempts give up after `connect_timeout_s` (libpq's connect_timeout).
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"malformed database URL {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError(
                "in-memory SQLite is not supported (WAL needs a file): use sqlite:///path/to/file.db"
            )
        engine = create_engine(
            parsed,
            echo=echo,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout_s,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_s},
        )
        _install_sqlite_hooks(engine, busy_timeout_s)
        _drop_read_only_connections(engine)
        return engine
    if backend == "postgresql":
        engine = create_engine(
            parsed,
            echo=echo,
            pool_pre_ping=True,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout_s,
            connect_args=(
                {}
                if connect_timeout_s is None
                else {"connect_timeout": connect_timeout_s}
            ),
        )
        _drop_read_only_connections(engine)
        return engine
    raise ValueError(
        f"unsupported database {backend!r}: use sqlite:///file.db or postgresql+psycopg://..."
    )


def _install_sqlite_hooks(engine: Engine, busy_timeout_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite: SQLAlchemy's "begin" hook below emits it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        if mode not in ("IMMEDIATE", "DEFERRED", "EXCLUSIVE"):
            raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")
