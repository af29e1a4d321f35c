"""The values the store hands out: frozen dataclasses and enums, free of SQLAlchemy.

Rows (`prolo.store.tables`) and these values are separate classes (ADR-0003): repositories map
one to the other, so nothing above the store can lazy-load, mutate or leak a session. Clinical
rules (screening, course windows, session protocol, scoring) live in `prolo.domain`; these records
carry what was decided, with the domain's own output stored alongside as plain data.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Role(StrEnum):
    admin = "admin"
    clinician = "clinician"
    nurse = "nurse"
    reception = "reception"
    patient = "patient"


STAFF_ROLES = (Role.admin, Role.clinician, Role.nurse, Role.reception)


class AppointmentStatus(StrEnum):
    booked = "booked"
    checked_in = "checked_in"
    done = "done"
    cancelled = "cancelled"
    no_show = "no_show"


# Statuses that hold the clinician, room, recovery place and patient (cancelled / no-show free them).
ACTIVE_APPOINTMENT_STATUSES = (
    AppointmentStatus.booked,
    AppointmentStatus.checked_in,
    AppointmentStatus.done,
)


class CourseStatus(StrEnum):
    planned = "planned"
    active = "active"
    completed = "completed"
    stopped = "stopped"


class ScreeningOutcome(StrEnum):
    eligible = "eligible"
    needs_review = "needs_review"
    not_eligible = "not_eligible"


class SignOffStatus(StrEnum):
    pending = "pending"
    signed_off = "signed_off"


class WaitlistStatus(StrEnum):
    waiting = "waiting"
    offered = "offered"
    booked = "booked"
    removed = "removed"


class RecoveryPlaceKind(StrEnum):
    bed = "bed"
    chair = "chair"


class Sex(StrEnum):
    female = "female"
    male = "male"
    other = "other"
    unknown = "unknown"


class TokenKind(StrEnum):
    api = "api"
    web = "web"


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: the items, the total count and where the page starts."""

    items: Sequence[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class Clinic:
    id: uuid.UUID
    name: str
    timezone: str
    opening_hours: dict[str, list[tuple[time, time]]]
    slot_minutes: int
    version: int


@dataclass(frozen=True, slots=True)
class Room:
    id: uuid.UUID
    clinic_id: uuid.UUID
    name: str
    active: bool


@dataclass(frozen=True, slots=True)
class RecoveryPlace:
    id: uuid.UUID
    clinic_id: uuid.UUID
    name: str
    kind: RecoveryPlaceKind
    has_heat_pack: bool
    active: bool


@dataclass(frozen=True, slots=True)
class RosterSlot:
    weekday: int  # 0 = Monday
    starts: time
    ends: time


@dataclass(frozen=True, slots=True)
class Leave:
    id: uuid.UUID
    start_date: date
    end_date: date
    reason: str | None


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: uuid.UUID
    clinic_id: uuid.UUID
    name: str
    roles: tuple[Role, ...]
    active: bool
    roster: tuple[RosterSlot, ...] = ()
    leave: tuple[Leave, ...] = ()


@dataclass(frozen=True, slots=True)
class User:
    id: uuid.UUID
    clinic_id: uuid.UUID
    email: str
    role: Role
    active: bool
    patient_id: uuid.UUID | None
    staff_member_id: uuid.UUID | None
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True, slots=True)
class UserCredentials:
    """A user with its password hash (only the accounts service sees this)."""

    user: User
    password_hash: str


@dataclass(frozen=True, slots=True)
class AuthToken:
    id: uuid.UUID
    user_id: uuid.UUID
    kind: TokenKind
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class PatientIdentifier:
    system: str
    value: str


@dataclass(frozen=True, slots=True)
class Patient:
    id: uuid.UUID
    clinic_id: uuid.UUID
    given_name: str
    family_name: str
    birth_date: date | None
    sex: Sex
    phone: str | None
    email: str | None
    address: str | None
    preferred_language: str
    identifiers: tuple[PatientIdentifier, ...]
    created_at: datetime
    updated_at: datetime
    version: int

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


@dataclass(frozen=True, slots=True)
class Intake:
    id: uuid.UUID
    patient_id: uuid.UUID
    recorded_at: datetime
    recorded_by: uuid.UUID | None
    answers: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Screening:
    id: uuid.UUID
    patient_id: uuid.UUID
    intake_id: uuid.UUID
    screened_at: datetime
    outcome: ScreeningOutcome
    reasons: list[dict[str, Any]]
    status: SignOffStatus
    final_outcome: ScreeningOutcome | None
    override_reason: str | None
    signed_off_by: uuid.UUID | None
    signed_off_at: datetime | None
    version: int


@dataclass(frozen=True, slots=True)
class Course:
    id: uuid.UUID
    clinic_id: uuid.UUID
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


@dataclass(frozen=True, slots=True)
class Appointment:
    id: uuid.UUID
    clinic_id: uuid.UUID
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
    timing_override_by: uuid.UUID | None
    checked_in_at: datetime | None
    version: int


@dataclass(frozen=True, slots=True)
class NewAppointment:
    """What a booking inserts (ids are given; statuses start at booked)."""

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
    timing_override_reason: str | None = None
    timing_override_by: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class SessionStep:
    step: str
    at: datetime
    by_user_id: uuid.UUID | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Injection:
    id: uuid.UUID
    site_id: str
    laterality: str | None
    solution: str
    concentration_pct: float
    volume_ml: float
    lot_number: str
    anaesthetic: str | None
    guidance: str | None
    injected_at: datetime


@dataclass(frozen=True, slots=True)
class AdverseEvent:
    id: uuid.UUID
    kind: str
    severity: str
    description: str | None
    occurred_at: datetime
    action_taken: str | None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: uuid.UUID
    appointment_id: uuid.UUID
    patient_id: uuid.UUID
    state: str
    started_at: datetime
    discharged_at: datetime | None
    discharge_override_reason: str | None
    notes: str | None
    steps: tuple[SessionStep, ...]
    injections: tuple[Injection, ...]
    adverse_events: tuple[AdverseEvent, ...]
    version: int


@dataclass(frozen=True, slots=True)
class WaitlistEntry:
    id: uuid.UUID
    clinic_id: uuid.UUID
    patient_id: uuid.UUID
    course_id: uuid.UUID | None
    session_number: int | None
    earliest_date: date
    latest_date: date | None
    note: str | None
    status: WaitlistStatus
    created_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class QuestionnaireResponse:
    id: uuid.UUID
    patient_id: uuid.UUID
    course_id: uuid.UUID | None
    appointment_id: uuid.UUID | None
    instrument_id: str
    timepoint: str
    session_number: int | None
    answers: list[float | None]
    score: float | None
    subscales: dict[str, float | None]
    completed_at: datetime
    entered_by: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: int
    at: datetime
    clinic_id: uuid.UUID
    actor_user_id: uuid.UUID | None
    actor_role: str
    action: str
    patient_id: uuid.UUID | None
    resource_type: str
    resource_id: str | None
    client_address: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewAuditEvent:
    at: datetime
    clinic_id: uuid.UUID
    actor_user_id: uuid.UUID | None
    actor_role: str
    action: str
    patient_id: uuid.UUID | None
    resource_type: str
    resource_id: str | None
    client_address: str | None
    detail: dict[str, Any] = field(default_factory=dict)
