"""Column builders used by several table modules."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


def enum_type(enum_cls: type[StrEnum], name: str) -> Enum:
    """A portable enum: VARCHAR + a named CHECK constraint (no native PostgreSQL ENUM types,
    so adding a value is a plain constraint change on both databases)."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )
