"""Courses of treatment (4-8 sessions of one condition)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from prolo.store.base import Base, Timestamps, UUIDPrimaryKey, Versioned
from prolo.store.records import CourseStatus
from prolo.store.tables.columns import enum_type


class CourseRow(UUIDPrimaryKey, Timestamps, Versioned, Base):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("planned_sessions >= 1", name="planned_sessions_positive"),
    )

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), index=True
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    condition_id: Mapped[str] = mapped_column(String(80))
    body_site: Mapped[str | None] = mapped_column(String(80))
    laterality: Mapped[str | None] = mapped_column(String(20))
    planned_sessions: Mapped[int]
    status: Mapped[CourseStatus] = mapped_column(
        enum_type(CourseStatus, "course_status"), default=CourseStatus.planned
    )
    screening_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("screenings.id", ondelete="SET NULL")
    )
    start_date: Mapped[date | None]
    extra_sessions_reason: Mapped[str | None] = mapped_column(Text)
    preferred_clinician_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
