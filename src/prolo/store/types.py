"""Column types shared by every table.

- `UTCDateTime`: aware datetimes only; stored in UTC (PostgreSQL `timestamptz`; SQLite text in
  SQLAlchemy's fixed `YYYY-MM-DD HH:MM:SS.ffffff` format, so string order is time order, which the
  SQLite overlap triggers rely on). Naive datetimes are refused on the way in.
- `JSONValue`: JSON on SQLite, JSONB on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

JSONValue: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")


class NaiveDatetimeError(ValueError):
    """A naive datetime was about to be written: every Prolo time carries its timezone."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC; reads come back aware (UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(
                f"naive datetime {value.isoformat()} refused: pass a timezone-aware value"
            )
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002  (TypeDecorator's signature)
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
