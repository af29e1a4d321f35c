"""The clinic, its settings, procedure rooms and recovery places."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from prolo.store.base import Base, Timestamps, UUIDPrimaryKey, Versioned
from prolo.store.records import RecoveryPlaceKind
from prolo.store.tables.columns import enum_type


class ClinicRow(UUIDPrimaryKey, Timestamps, Versioned, Base):
    __tablename__ = "clinics"

    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    # {"mon": [["08:30", "17:00"]], ...}: local times in the clinic's timezone
    opening_hours: Mapped[dict[str, Any]]
    slot_minutes: Mapped[int] = mapped_column(default=5)


class ClinicSettingRow(Timestamps, Versioned, Base):
    """One named settings document per clinic (course_rules, session_rules, screening_rules,
    aftercare, questionnaire_schedule ...). Absent -> the domain's published defaults."""

    __tablename__ = "clinic_settings"

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]]


class RoomRow(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "procedure_rooms"
    __table_args__ = (UniqueConstraint("clinic_id", "name"),)

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)


class RecoveryPlaceRow(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "recovery_places"
    __table_args__ = (UniqueConstraint("clinic_id", "name"),)

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[RecoveryPlaceKind] = mapped_column(
        enum_type(RecoveryPlaceKind, "recovery_place_kind")
    )
    has_heat_pack: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
