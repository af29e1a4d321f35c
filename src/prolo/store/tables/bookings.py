"""Appointments (one session of a course) and the waitlist.

Double booking is impossible at the database level (see the first migration):
- PostgreSQL: four exclusion constraints (btree_gist) over `tstzrange(...)` per clinician, room,
  recovery place and patient, only for appointments that hold their resources
  (booked / checked_in / done);
- SQLite: BEFORE INSERT / BEFORE UPDATE triggers that abort an overlapping row; every unit of
  work runs in `BEGIN IMMEDIATE`, so the booking service's own check and its insert are atomic.
The ExcludeConstraint objects below mirror the PostgreSQL DDL so `alembic check` sees them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from prolo.store.base import Base, Timestamps, UUIDPrimaryKey, Versioned
from prolo.store.records import (
    ACTIVE_APPOINTMENT_STATUSES,
    AppointmentStatus,
    WaitlistStatus,
)
from prolo.store.tables.columns import enum_type

ACTIVE_STATUS_SQL = "status IN ({})".format(
    ", ".join(f"'{s.value}'" for s in ACTIVE_APPOINTMENT_STATUSES)
)


class AppointmentRow(UUIDPrimaryKey, Timestamps, Versioned, Base):
    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint(
            "starts_at < ends_at AND ends_at <= recovery_starts_at"
            " AND recovery_starts_at < recovery_ends_at",
            name="times_ordered",
        ),
        CheckConstraint("session_number >= 1", name="session_number_positive"),
        Index("ix_appointments_clinic_id_starts_at", "clinic_id", "starts_at"),
        Index("ix_appointments_clinician_id_starts_at", "clinician_id", "starts_at"),
        Index("ix_appointments_patient_id_starts_at", "patient_id", "starts_at"),
        Index(
            "uq_appointments_course_id_session_number_active",
            "course_id",
            "session_number",
            unique=True,
            postgresql_where=text(ACTIVE_STATUS_SQL),
            sqlite_where=text(ACTIVE_STATUS_SQL),
        ),
    )

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE")
    )
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE")
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE")
    )
    session_number: Mapped[int]
    clinician_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff_members.id", ondelete="RESTRICT")
    )
    room_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("procedure_rooms.id", ondelete="RESTRICT"), index=True
    )
    recovery_place_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("recovery_places.id", ondelete="RESTRICT"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    recovery_starts_at: Mapped[datetime]
    recovery_ends_at: Mapped[datetime]
    status: Mapped[AppointmentStatus] = mapped_column(
        enum_type(AppointmentStatus, "appointment_status"),
        default=AppointmentStatus.booked,
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    timing_override_reason: Mapped[str | None] = mapped_column(Text)
    timing_override_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    checked_in_at: Mapped[datetime | None]


def _exclusion(name: str, resource: str, start: str, end: str) -> ExcludeConstraint:
    table = AppointmentRow.__table__
    assert isinstance(table, Table)
    constraint = ExcludeConstraint(
        (table.c[resource], "="),
        (func.tstzrange(table.c[start], table.c[end], "[)"), "&&"),
        name=name,
        using="gist",
        where=table.c.status.in_([s.value for s in ACTIVE_APPOINTMENT_STATUSES]),
    )
    constraint.ddl_if(dialect="postgresql")
    return constraint


# (constraint name, resource column, start column, end column): the resource is busy in [start, end)
EXCLUSIONS: tuple[tuple[str, str, str, str], ...] = (
    ("ex_appointments_clinician_overlap", "clinician_id", "starts_at", "ends_at"),
    ("ex_appointments_room_overlap", "room_id", "starts_at", "ends_at"),
    (
        "ex_appointments_recovery_place_overlap",
        "recovery_place_id",
        "recovery_starts_at",
        "recovery_ends_at",
    ),
    ("ex_appointments_patient_overlap", "patient_id", "starts_at", "recovery_ends_at"),
)

for _name, _resource, _start, _end in EXCLUSIONS:
    _appointments_table = AppointmentRow.__table__
    assert isinstance(_appointments_table, Table)
    _appointments_table.append_constraint(_exclusion(_name, _resource, _start, _end))


class WaitlistEntryRow(UUIDPrimaryKey, Timestamps, Versioned, Base):
    __tablename__ = "waitlist_entries"
    __table_args__ = (
        Index("ix_waitlist_entries_clinic_id_status", "clinic_id", "status"),
    )

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE")
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE")
    )
    session_number: Mapped[int | None]
    earliest_date: Mapped[date]
    latest_date: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[WaitlistStatus] = mapped_column(
        enum_type(WaitlistStatus, "waitlist_status"), default=WaitlistStatus.waiting
    )
