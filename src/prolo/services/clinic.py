"""The clinic: its settings documents (per clinic, defaulting to the domain's published rules),
procedure rooms, recovery places and staff (roles, weekly roster, leave).

The domain functions take their rules as arguments; these loaders hand them the clinic's own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from prolo.domain.aftercare import (
    AftercareSettings,
    load_aftercare_settings,
    patient_instructions,
)
from prolo.domain.course import CourseRules, load_course_rules
from prolo.domain.instruments.schedule import (
    QuestionnaireSchedule,
    load_questionnaire_schedule,
)
from prolo.domain.protocol import SessionRules, check_session_rules, load_session_rules
from prolo.domain.screening import ScreeningRules, load_screening_rules
from prolo.services.context import Actor, audit, authorize
from prolo.services.errors import InvalidInputError, NotFoundError, use_case
from prolo.services.permissions import Permission
from prolo.store.records import (
    Clinic,
    RecoveryPlace,
    RecoveryPlaceKind,
    Role,
    Room,
    RosterSlot,
    StaffMember,
)
from prolo.store.unit_of_work import UnitOfWork

M = TypeVar("M", bound=BaseModel)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_OPENING_HOURS: dict[str, list[tuple[time, time]]] = {
    day: [(time(9, 0), time(18, 0))] for day in WEEKDAYS[:5]
}

# settings document name -> (model, default loader)
SETTINGS: dict[str, tuple[type[BaseModel], Callable[[], BaseModel]]] = {
    "course_rules": (CourseRules, load_course_rules),
    "session_rules": (SessionRules, load_session_rules),
    "screening_rules": (ScreeningRules, load_screening_rules),
    "aftercare": (AftercareSettings, load_aftercare_settings),
    "questionnaire_schedule": (QuestionnaireSchedule, load_questionnaire_schedule),
}


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(f"unknown timezone {name!r}", field="timezone") from exc
    return name


def ensure_clinic(
    uow: UnitOfWork,
    *,
    name: str = "Prolo clinic",
    timezone: str = "Europe/Istanbul",
) -> Clinic:
    """The installation's clinic (the oldest), created with defaults when there is none.
    Used by the operator's commands (`prolo user add` on a fresh database)."""
    existing = uow.clinics.first()
    if existing is not None:
        return existing
    return uow.clinics.add(
        name=name,
        timezone=check_timezone(timezone),
        opening_hours=DEFAULT_OPENING_HOURS,
    )


@use_case
def get_clinic(uow: UnitOfWork, actor: Actor) -> Clinic:
    authorize(actor, Permission.education_read)
    clinic = uow.clinics.get(actor.clinic_id)
    if clinic is None:
        raise NotFoundError("the clinic does not exist")
    return clinic


@use_case
def update_clinic(
    uow: UnitOfWork,
    actor: Actor,
    *,
    expected_version: int,
    name: str | None = None,
    timezone: str | None = None,
    opening_hours: dict[str, list[tuple[time, time]]] | None = None,
) -> Clinic:
    authorize(actor, Permission.clinic_manage)
    if timezone is not None:
        check_timezone(timezone)
    if opening_hours is not None:
        _check_hours(opening_hours)
    clinic = uow.clinics.update(
        actor.clinic_id,
        expected_version=expected_version,
        name=name,
        timezone=timezone,
        opening_hours=opening_hours,
    )
    audit(uow, actor, "clinic.update", resource_type="clinic", resource_id=clinic.id)
    return clinic


def _check_hours(hours: dict[str, list[tuple[time, time]]]) -> None:
    for day, blocks in hours.items():
        if day not in WEEKDAYS:
            raise InvalidInputError(
                f"opening_hours: unknown weekday {day!r} (use {', '.join(WEEKDAYS)})",
                field=f"opening_hours.{day}",
            )
        for i, (opens, closes) in enumerate(blocks):
            if not opens < closes:
                raise InvalidInputError(
                    f"opening_hours.{day}.{i}: opens at {opens} but closes at {closes}",
                    field=f"opening_hours.{day}.{i}",
                )


# --------------------------------------------------------------------------- settings documents


def _load(
    uow: UnitOfWork,
    clinic_id: uuid.UUID,
    name: str,
    model: type[M],
    default: Callable[[], M],
) -> M:
    raw = uow.clinics.get_setting(clinic_id, name)
    if raw is None:
        return default()
    return model.model_validate(raw)


def course_rules(uow: UnitOfWork, clinic_id: uuid.UUID) -> CourseRules:
    return _load(uow, clinic_id, "course_rules", CourseRules, load_course_rules)


def session_rules(uow: UnitOfWork, clinic_id: uuid.UUID) -> SessionRules:
    return _load(uow, clinic_id, "session_rules", SessionRules, load_session_rules)


def screening_rules(uow: UnitOfWork, clinic_id: uuid.UUID) -> ScreeningRules:
    return _load(
        uow, clinic_id, "screening_rules", ScreeningRules, load_screening_rules
    )


def aftercare(uow: UnitOfWork, clinic_id: uuid.UUID) -> AftercareSettings:
    return _load(
        uow, clinic_id, "aftercare", AftercareSettings, load_aftercare_settings
    )


def questionnaire_schedule(
    uow: UnitOfWork, clinic_id: uuid.UUID
) -> QuestionnaireSchedule:
    return _load(
        uow,
        clinic_id,
        "questionnaire_schedule",
        QuestionnaireSchedule,
        load_questionnaire_schedule,
    )


@use_case
def get_settings(uow: UnitOfWork, actor: Actor, *, name: str) -> dict[str, Any]:
    """A settings document as JSON (the clinic's own, or the published default)."""
    authorize(actor, Permission.clinic_read)
    model, default = _setting_kind(name)
    return _load(uow, actor.clinic_id, name, model, default).model_dump(mode="json")


@use_case
def put_settings(
    uow: UnitOfWork, actor: Actor, *, name: str, value: dict[str, Any]
) -> dict[str, Any]:
    """Replace a settings document after validating it with the domain's own model."""
    authorize(actor, Permission.clinic_manage)
    model, _ = _setting_kind(name)
    try:
        parsed = model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise InvalidInputError(
            f"{name}.{loc}: {first['msg']}", field=f"{name}.{loc}"
        ) from exc
    if isinstance(parsed, SessionRules):
        check_session_rules(parsed)
    stored = parsed.model_dump(mode="json")
    uow.clinics.put_setting(actor.clinic_id, name, stored)
    audit(
        uow, actor, "clinic.settings", resource_type="clinic_setting", resource_id=name
    )
    return stored


def _setting_kind(name: str) -> tuple[type[BaseModel], Callable[[], BaseModel]]:
    if name not in SETTINGS:
        raise NotFoundError(
            f"no settings document {name!r} (known: {', '.join(SETTINGS)})",
            field="name",
        )
    return SETTINGS[name]


# --------------------------------------------------------------------------- rooms and places


@use_case
def list_rooms(uow: UnitOfWork, actor: Actor) -> list[Room]:
    authorize(actor, Permission.clinic_read)
    return uow.clinics.rooms(actor.clinic_id)


@use_case
def add_room(uow: UnitOfWork, actor: Actor, *, name: str) -> Room:
    authorize(actor, Permission.clinic_manage)
    room = uow.clinics.add_room(actor.clinic_id, _name(name))
    audit(uow, actor, "room.create", resource_type="room", resource_id=room.id)
    return room


@use_case
def list_recovery_places(uow: UnitOfWork, actor: Actor) -> list[RecoveryPlace]:
    authorize(actor, Permission.clinic_read)
    return uow.clinics.recovery_places(actor.clinic_id)


@use_case
def add_recovery_place(
    uow: UnitOfWork,
    actor: Actor,
    *,
    name: str,
    kind: RecoveryPlaceKind,
    has_heat_pack: bool = True,
) -> RecoveryPlace:
    authorize(actor, Permission.clinic_manage)
    place = uow.clinics.add_recovery_place(
        actor.clinic_id, _name(name), kind, has_heat_pack=has_heat_pack
    )
    audit(
        uow,
        actor,
        "recovery_place.create",
        resource_type="recovery_place",
        resource_id=place.id,
    )
    return place


def _name(value: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInputError("a name is required", field="name")
    return text


# --------------------------------------------------------------------------- staff


@use_case
def list_staff(
    uow: UnitOfWork, actor: Actor, *, role: Role | None = None
) -> list[StaffMember]:
    authorize(actor, Permission.clinic_read)
    return uow.staff.members(actor.clinic_id, role=role)


@use_case
def add_staff(
    uow: UnitOfWork,
    actor: Actor,
    *,
    name: str,
    roles: Iterable[Role],
    roster: Iterable[RosterSlot] = (),
) -> StaffMember:
    authorize(actor, Permission.clinic_manage)
    wanted = list(roles)
    if not wanted:
        raise InvalidInputError("a staff member has at least one role", field="roles")
    if Role.patient in wanted:
        raise InvalidInputError("patient is not a staff role", field="roles")
    slots = list(roster)
    _check_roster(slots)
    member = uow.staff.add(
        actor.clinic_id, name=_name(name), roles=wanted, roster=slots
    )
    audit(
        uow, actor, "staff.create", resource_type="staff_member", resource_id=member.id
    )
    return member


@use_case
def set_roster(
    uow: UnitOfWork, actor: Actor, *, staff_id: uuid.UUID, roster: Iterable[RosterSlot]
) -> StaffMember:
    authorize(actor, Permission.clinic_manage)
    if uow.staff.get(actor.clinic_id, staff_id) is None:
        raise NotFoundError(f"no staff member {staff_id}")
    slots = list(roster)
    _check_roster(slots)
    member = uow.staff.set_roster(staff_id, slots)
    audit(
        uow, actor, "staff.roster", resource_type="staff_member", resource_id=staff_id
    )
    return member


@use_case
def add_leave(
    uow: UnitOfWork,
    actor: Actor,
    *,
    staff_id: uuid.UUID,
    start_date: date,
    end_date: date,
    reason: str | None = None,
) -> StaffMember:
    authorize(actor, Permission.clinic_manage)
    if uow.staff.get(actor.clinic_id, staff_id) is None:
        raise NotFoundError(f"no staff member {staff_id}")
    if end_date < start_date:
        raise InvalidInputError("leave ends before it starts", field="end_date")
    member = uow.staff.add_leave(
        staff_id, start_date=start_date, end_date=end_date, reason=reason
    )
    audit(uow, actor, "staff.leave", resource_type="staff_member", resource_id=staff_id)
    return member


def _check_roster(slots: list[RosterSlot]) -> None:
    for i, slot in enumerate(slots):
        if not 0 <= slot.weekday <= 6:
            raise InvalidInputError(
                f"roster.{i}.weekday must be 0 (Monday) to 6 (Sunday)",
                field=f"roster.{i}.weekday",
            )
        if not slot.starts < slot.ends:
            raise InvalidInputError(
                f"roster.{i}: starts at {slot.starts} but ends at {slot.ends}",
                field=f"roster.{i}",
            )


@use_case
def aftercare_instructions(uow: UnitOfWork, actor: Actor, *, language: str) -> str:
    """The patient's copy of the clinic's post-procedure instructions (en or tr), written from
    the clinic's aftercare settings by `prolo.domain.aftercare`."""
    authorize(actor, Permission.education_read)
    return patient_instructions(aftercare(uow, actor.clinic_id), language)
