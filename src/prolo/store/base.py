"""Declarative base of every table: one MetaData with a naming convention, typed columns.

Every constraint and index gets a deterministic name from `NAMING_CONVENTION`, so Alembic can
drop or alter it later (SQLite has almost no ALTER TABLE: migrations run in batch mode and need
the names to recreate tables).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from prolo.store.types import JSONValue, UTCDateTime

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Default for timestamp columns the application does not set itself."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base class of all Prolo tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(as_uuid=True),
        dict[str, Any]: JSONValue,
        list[Any]: JSONValue,
    }


class UUIDPrimaryKey:
    """A random UUID primary key: the id exposed outside (never a row number)."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class Timestamps:
    """created_at / updated_at, aware UTC."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Versioned:
    """An optimistic-concurrency counter (SQLAlchemy's version_id_col).

    Every UPDATE checks `WHERE version = <the version read>` and increments it; a row changed by
    someone else in between raises StaleDataError, which the unit of work turns into a conflict.
    """

    version: Mapped[int] = mapped_column(nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}
