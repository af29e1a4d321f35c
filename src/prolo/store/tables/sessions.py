"""Session records: protocol steps with timestamps, injections (with lot numbers), adverse events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prolo.store.base import Base, Timestamps, UUIDPrimaryKey, Versioned


class SessionRecordRow(UUIDPrimaryKey, Timestamps, Versioned, Base):
    __tablename__ = "session_records"

    appointment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), unique=True
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    # the domain protocol's state name (check_in, consent, ..., discharged, aborted)
    state: Mapped[str] = mapped_column(String(40))
    # the domain protocol's full state, as JSON, so the state machine resumes exactly
    protocol_state: Mapped[dict[str, Any]]
    started_at: Mapped[datetime]
    discharged_at: Mapped[datetime | None]
    discharge_override_reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)

    steps: Mapped[list[SessionStepRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SessionStepRow.at"
    )
    injections: Mapped[list[InjectionRow]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="InjectionRow.injected_at",
    )
    adverse_events: Mapped[list[AdverseEventRow]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="AdverseEventRow.occurred_at",
    )


class SessionStepRow(UUIDPrimaryKey, Base):
    __tablename__ = "session_steps"

    session_record_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("session_records.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(Text)


class InjectionRow(UUIDPrimaryKey, Base):
    __tablename__ = "injections"
    __table_args__ = (
        CheckConstraint(
            "concentration_pct > 0 AND concentration_pct <= 100",
            name="concentration_range",
        ),
        CheckConstraint("volume_ml > 0", name="volume_positive"),
    )

    session_record_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("session_records.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[str] = mapped_column(String(80))
    laterality: Mapped[str | None] = mapped_column(String(20))
    solution: Mapped[str] = mapped_column(String(80))
    concentration_pct: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False))
    volume_ml: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False))
    # traceability: the solution's lot number (a recall finds every patient injected from a lot)
    lot_number: Mapped[str] = mapped_column(String(60), index=True)
    anaesthetic: Mapped[str | None] = mapped_column(String(80))
    guidance: Mapped[str | None] = mapped_column(String(20))
    injected_at: Mapped[datetime]
    by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class AdverseEventRow(UUIDPrimaryKey, Base):
    __tablename__ = "adverse_events"

    session_record_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("session_records.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime]
    action_taken: Mapped[str | None] = mapped_column(Text)
    by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
