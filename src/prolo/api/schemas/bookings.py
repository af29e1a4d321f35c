from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from prolo.api.schemas.common import InputModel, Moment, OutputModel
from prolo.services.values import AppointmentStatus, CourseStatus, WaitlistStatus


class CourseCreate(InputModel):
    condition_id: str = Field(max_length=80, examples=["knee_osteoarthritis"])
    planned_sessions: int = Field(ge=1, le=20)
    body_site: str | None = Field(default=None, max_length=80)
    laterality: str | None = Field(default=None, max_length=20)
    start_date: date | None = None
    preferred_clinician_id: uuid.UUID | None = None
    extension_reason: str | None = Field(default=None, max_length=2000)


class CourseUpdate(InputModel):
    status: CourseStatus | None = None
    planned_sessions: int | None = Field(default=None, ge=1, le=20)
    extension_reason: str | None = Field(default=None, max_length=2000)
    preferred_clinician_id: uuid.UUID | None = None


class CourseRead(OutputModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    condition_id: str
    body_site: str | None
    laterality: str | None
    planned_sessions: int
    status: CourseStatus
    screening_id: uuid.UUID | None
    start_date: date | None
    extra_sessions_reason: str | None
    preferred_clinician_id: uuid.UUID | None
    created_at: datetime
    version: int


class WindowRead(OutputModel):
    number: int
    earliest: date
    latest: date
    booked: bool


class AppointmentRead(OutputModel):
    id: uuid.UUID
    course_id: uuid.UUID
    patient_id: uuid.UUID
    session_number: int
    clinician_id: uuid.UUID
    room_id: uuid.UUID
    recovery_place_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    recovery_starts_at: datetime
    recovery_ends_at: datetime
    status: AppointmentStatus
    status_reason: str | None
    timing_override_reason: str | None
    checked_in_at: datetime | None
    version: int


class CourseDetailRead(OutputModel):
    course: CourseRead
    appointments: list[AppointmentRead]
    windows: list[WindowRead]


class SlotCreate(InputModel):
    session_number: int = Field(ge=1, le=20)
    starts_at: Moment = Field(
        description="With its UTC offset, e.g. 2026-03-03T10:00:00+03:00"
    )
    clinician_id: uuid.UUID
    room_id: uuid.UUID
    recovery_place_id: uuid.UUID


class CourseBooking(InputModel):
    """Sessions of one course, booked all together or not at all."""

    sessions: list[SlotCreate] = Field(min_length=1, max_length=20)
    override_reason: str | None = Field(
        default=None,
        max_length=2000,
        description="A clinician's reason to break a timing rule.",
    )
    historical: bool = Field(
        default=False,
        description="Record sessions that took place in the past (clinicians).",
    )


class Move(InputModel):
    slot: SlotCreate
    override_reason: str | None = Field(default=None, max_length=2000)


class Cancellation(InputModel):
    reason: str = Field(min_length=1, max_length=500)


class FreeSlotRead(OutputModel):
    starts_at: datetime
    ends_at: datetime
    recovery_starts_at: datetime
    recovery_ends_at: datetime
    clinician_id: uuid.UUID
    room_id: uuid.UUID
    recovery_place_id: uuid.UUID


class Proposal(InputModel):
    first_day: date


class WaitlistCreate(InputModel):
    patient_id: uuid.UUID
    earliest_date: date
    latest_date: date | None = None
    course_id: uuid.UUID | None = None
    session_number: int | None = Field(default=None, ge=1, le=20)
    note: str | None = Field(default=None, max_length=500)


class WaitlistUpdate(InputModel):
    status: WaitlistStatus


class WaitlistEntryRead(OutputModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    course_id: uuid.UUID | None
    session_number: int | None
    earliest_date: date
    latest_date: date | None
    note: str | None
    status: WaitlistStatus
    created_at: datetime
    version: int
