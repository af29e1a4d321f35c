"""Opening the database for an edge (API app, CLI command), and committing units of work.

database = open_database(settings.database_url)
require_schema(database)               # SchemaNotReadyError with a plain message if not migrated
with database.unit_of_work() as uow:
    ...service calls...
    commit(uow)                        # store refusals become service errors here too
"""

from __future__ import annotations

from prolo.domain.clock import Clock
from prolo.services.errors import ServiceError, store_errors_translated
from prolo.store.migrations import SchemaStatus, head_revision
from prolo.store.migrations import check as _check
from prolo.store.migrations import upgrade as _upgrade
from prolo.store.unit_of_work import (
    Database,
    PoolSettings,
    UnitOfWork,
    UnitOfWorkFactory,
)

__all__ = [
    "Database",
    "PoolSettings",
    "SchemaNotReadyError",
    "SchemaStatus",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "check_migrations",
    "commit",
    "head_revision",
    "migrate",
    "open_database",
    "require_schema",
]


class SchemaNotReadyError(ServiceError):
    """The database is unreachable or not migrated to this version's head."""

    status = 503
    type = "database-not-ready"
    title = "Database not ready"


def open_database(
    url: str, *, clock: Clock | None = None, pool: PoolSettings | None = None
) -> Database:
    """An engine and unit-of-work factory for `url` (connects lazily)."""
    try:
        return Database(url, clock=clock, pool=pool)
    except (
        ValueError,
        ImportError,
    ) as exc:  # malformed URL, unsupported database, no driver
        raise SchemaNotReadyError(f"cannot use the database URL: {exc}") from exc


def require_schema(database: Database) -> SchemaStatus:
    """Return the status if the schema is at the head; else raise with the fix in the message."""
    status = database.status()
    if not status.up_to_date:
        raise SchemaNotReadyError(status.describe())
    return status


def migrate(url: str, revision: str = "head") -> None:
    """Apply the migrations (what `prolo db upgrade` runs)."""
    _upgrade(url, revision)


def check_migrations(url: str) -> None:
    """Raise when the models and the migrations differ (what `alembic check` reports)."""
    _check(url)


def commit(uow: UnitOfWork) -> None:
    """Commit the unit of work; database refusals at commit become service errors."""
    with store_errors_translated():
        uow.commit()
