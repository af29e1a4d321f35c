"""Opening the database for an edge (API app, CLI command), and committing units of work.

database = open_database(settings.database_url)
require_schema(database)               # SchemaNotReadyError with a plain message if not migrated
with database.unit_of_work() as uow:
    ...service calls...
    commit(uow)                        # store refusals become service errors here too

warm_up(database)                      # before a server process takes its first request
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import configure_mappers

from prolo.domain.aftercare import load_aftercare_settings
from prolo.domain.catalog import load_catalog
from prolo.domain.clock import Clock
from prolo.domain.course import load_course_rules
from prolo.domain.instruments.base import all_instruments
from prolo.domain.protocol import load_session_rules
from prolo.domain.reference import sources
from prolo.domain.screening import load_screening_rules
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
    "warm_up",
]

logger = logging.getLogger(__name__)


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


def warm_up(database: Database) -> None:
    """Do now what the first requests of a process would otherwise each wait for: read and check
    the reference tables (catalog, rules, instruments, sources; cached for the process), set up
    the ORM mappers, and open one pooled database connection. A database that cannot be reached
    now is not an error here: requests will answer 503 until it can."""
    load_catalog()
    load_screening_rules()
    load_course_rules()
    load_session_rules()
    load_aftercare_settings()
    all_instruments()
    sources()
    configure_mappers()
    try:
        with database.engine.connect():
            pass
    except SQLAlchemyError as exc:
        logger.warning(
            "warm-up: the database cannot be reached yet (%s)", type(exc).__name__
        )
