"""Typed builders for tests: `make_*` build values, `save_*` write rows through repositories.

No global session (Polar style): every `save_*` takes the unit of work it writes with.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from prolo.services.booking import SlotRequest
from prolo.services.context import Actor
from prolo.store.records import (
    Appointment,
    Clinic,
    Course,
    NewAppointment,
    Patient,
    RecoveryPlace,
    RecoveryPlaceKind,
    Role,
    Room,
    RosterSlot,
    Sex,
    StaffMember,
    User,
)
from prolo.store.unit_of_work import UnitOfWork

_counter = itertools.count(1)

# A Monday morning in Istanbul (UTC+3): the default "now" of every test clock.
DEFAULT_NOW = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)


class MutableClock:
    """A test clock: fixed until a test moves it."""

    def __init__(self, at: datetime = DEFAULT_NOW) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **kwargs: float) -> datetime:
        self.at = self.at + timedelta(**kwargs)
        return self.at


def actor_for(
    clinic: Clinic,
    role: Role,
    *,
    patient_id: uuid.UUID | None = None,
    user: bool = False,
) -> Actor:
    """A staff or patient caller (services tests); `user=True` gives it a (made-up) user id,
    as a logged-in user has, instead of a trusted local process."""
    return Actor(
        user_id=uuid.uuid4() if user else None,
        role=role,
        clinic_id=clinic.id,
        patient_id=patient_id,
        client_address="192.0.2.10",
        via="test",
    )


WEEKDAY_HOURS = [(time(8, 0), time(18, 0))]
OPENING_HOURS = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), WEEKDAY_HOURS)
FULL_WEEK_ROSTER = tuple(
    RosterSlot(weekday=d, starts=time(8, 0), ends=time(18, 0)) for d in range(5)
)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


def save_clinic(
    uow: UnitOfWork, *, name: str | None = None, timezone: str = "Europe/Istanbul"
) -> Clinic:
    return uow.clinics.add(
        name=name or unique("Clinic"), timezone=timezone, opening_hours=OPENING_HOURS
    )


def save_staff(
    uow: UnitOfWork, clinic: Clinic, *roles: Role, name: str | None = None
) -> StaffMember:
    return uow.staff.add(
        clinic.id,
        name=name or unique("Dr"),
        roles=roles or (Role.clinician,),
        roster=FULL_WEEK_ROSTER,
    )


def save_room(uow: UnitOfWork, clinic: Clinic, name: str | None = None) -> Room:
    return uow.clinics.add_room(clinic.id, name or unique("Room"))


def save_recovery_place(
    uow: UnitOfWork, clinic: Clinic, name: str | None = None
) -> RecoveryPlace:
    return uow.clinics.add_recovery_place(
        clinic.id, name or unique("Bed"), RecoveryPlaceKind.bed
    )


def save_patient(
    uow: UnitOfWork,
    clinic: Clinic,
    *,
    given_name: str | None = None,
    family_name: str | None = None,
) -> Patient:
    return uow.patients.add(
        clinic.id,
        given_name=given_name or unique("Ayse"),
        family_name=family_name or unique("Yilmaz"),
        birth_date=date(1970, 5, 17),
        sex=Sex.female,
        created_at=uow.now(),
    )


def save_course(
    uow: UnitOfWork,
    clinic: Clinic,
    patient: Patient,
    *,
    condition_id: str = "knee_osteoarthritis",
    planned_sessions: int = 4,
) -> Course:
    return uow.courses.add(
        clinic.id,
        patient_id=patient.id,
        condition_id=condition_id,
        planned_sessions=planned_sessions,
        screening_id=None,
        created_at=uow.now(),
    )


def save_user(
    uow: UnitOfWork,
    clinic: Clinic,
    role: Role,
    *,
    email: str | None = None,
    password_hash: str = "not-a-real-hash",
    patient_id: uuid.UUID | None = None,
    staff_member_id: uuid.UUID | None = None,
) -> User:
    return uow.users.add(
        clinic.id,
        email=email or f"{unique(role.value)}@example.org",
        password_hash=password_hash,
        role=role,
        patient_id=patient_id,
        staff_member_id=staff_member_id,
        created_at=uow.now(),
    )


def make_slot(
    *,
    course: Course,
    clinician_id: uuid.UUID,
    room_id: uuid.UUID,
    recovery_place_id: uuid.UUID,
    starts_at: datetime,
    session_number: int = 1,
    procedure_minutes: int = 30,
    recovery_minutes: int = 15,
) -> NewAppointment:
    ends_at = starts_at + timedelta(minutes=procedure_minutes)
    return NewAppointment(
        course_id=course.id,
        patient_id=course.patient_id,
        session_number=session_number,
        clinician_id=clinician_id,
        room_id=room_id,
        recovery_place_id=recovery_place_id,
        starts_at=starts_at,
        ends_at=ends_at,
        recovery_starts_at=ends_at,
        recovery_ends_at=ends_at + timedelta(minutes=recovery_minutes),
    )


def at_utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


__all__ = [
    "Appointment",
    "at_utc",
    "make_slot",
    "save_clinic",
    "save_course",
    "save_patient",
    "save_recovery_place",
    "save_room",
    "save_staff",
    "save_user",
    "unique",
]


# --------------------------------------------------------------------------- a working clinic


@dataclass(frozen=True)
class ClinicSetup:
    """A clinic with two clinicians, two rooms and three recovery places, and who acts."""

    clinic: Clinic
    clinicians: tuple[StaffMember, ...]
    rooms: tuple[Room, ...]
    places: tuple[RecoveryPlace, ...]
    clinician: Actor
    nurse: Actor
    reception: Actor


def build_clinic(uow: UnitOfWork, clinic: Clinic) -> ClinicSetup:
    clinicians = (
        save_staff(uow, clinic, Role.clinician, name="Dr. Ada Aksoy"),
        save_staff(uow, clinic, Role.clinician, name="Dr. Bora Bulut"),
    )
    rooms = (save_room(uow, clinic, "Room 1"), save_room(uow, clinic, "Room 2"))
    places = tuple(save_recovery_place(uow, clinic, f"Bed {i}") for i in (1, 2, 3))
    return ClinicSetup(
        clinic,
        clinicians,
        rooms,
        places,
        actor_for(clinic, Role.clinician),
        actor_for(clinic, Role.nurse),
        actor_for(clinic, Role.reception),
    )


def screened_patient(
    uow: UnitOfWork, setup: ClinicSetup, *, given_name: str | None = None
) -> Patient:
    """A patient with a signed-off eligible screening for knee osteoarthritis."""
    from prolo.domain.screening import example_intake
    from prolo.services import patients, screening
    from prolo.store.records import ScreeningOutcome

    patient = patients.register_patient(
        uow,
        setup.reception,
        given_name=given_name or unique("Pat"),
        family_name="Screened",
        birth_date=date(1967, 1, 1),
        sex=Sex.female,
    )
    result = screening.record_intake(
        uow, setup.nurse, patient_id=patient.id, intake=example_intake()
    )
    screening.sign_off(
        uow,
        setup.clinician,
        screening_id=result.id,
        expected_version=result.version,
        decision=ScreeningOutcome.eligible,
    )
    return patient


def course_for(
    uow: UnitOfWork, setup: ClinicSetup, patient: Patient, sessions: int = 4
) -> Course:
    from prolo.services import courses

    return courses.create_course(
        uow,
        setup.reception,
        patient_id=patient.id,
        condition_id="knee_osteoarthritis",
        planned_sessions=sessions,
    )


def slot(
    setup: ClinicSetup,
    number: int,
    starts_at: datetime,
    *,
    clinician: int = 0,
    room: int = 0,
    place: int = 0,
) -> SlotRequest:
    return SlotRequest(
        number,
        starts_at,
        setup.clinicians[clinician].id,
        setup.rooms[room].id,
        setup.places[place].id,
    )
