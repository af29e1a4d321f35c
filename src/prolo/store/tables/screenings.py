"""Intakes (the patient's answers) and screening results with the clinician's sign-off."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from prolo.store.base import Base, UUIDPrimaryKey, Versioned
from prolo.store.records import ScreeningOutcome, SignOffStatus
from prolo.store.tables.columns import enum_type


class IntakeRow(UUIDPrimaryKey, Base):
    __tablename__ = "intakes"

    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # the domain's Intake model, dumped as JSON (its field names are a stable contract)
    answers: Mapped[dict[str, Any]]


class ScreeningRow(UUIDPrimaryKey, Versioned, Base):
    __tablename__ = "screenings"
    __table_args__ = (
        CheckConstraint(
            "status = 'pending' OR (final_outcome IS NOT NULL AND signed_off_at IS NOT NULL)",
            name="signed_off_complete",
        ),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    intake_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intakes.id", ondelete="CASCADE"), index=True
    )
    screened_at: Mapped[datetime]
    outcome: Mapped[ScreeningOutcome] = mapped_column(
        enum_type(ScreeningOutcome, "screening_outcome")
    )
    # [{code, severity, message, source}]: the domain's reasons, as decided at the time
    reasons: Mapped[list[Any]]
    status: Mapped[SignOffStatus] = mapped_column(
        enum_type(SignOffStatus, "sign_off_status"), default=SignOffStatus.pending
    )
    final_outcome: Mapped[ScreeningOutcome | None] = mapped_column(
        enum_type(ScreeningOutcome, "screening_final_outcome")
    )
    override_reason: Mapped[str | None] = mapped_column(Text)
    signed_off_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    signed_off_at: Mapped[datetime | None]
    rules_version: Mapped[str | None] = mapped_column(String(40))
