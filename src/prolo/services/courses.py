"""Courses: create one for an eligible patient, read it with its sessions and windows, change it.

The course rules (sessions 4-8, 14-21 days apart by default) are the clinic's own
(`prolo.services.clinic.course_rules`), applied by `prolo.domain.course`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from prolo.domain.catalog import load_catalog
from prolo.domain.course import SessionWindow, plan_windows
from prolo.services import clinic as clinic_service
from prolo.services.context import Actor, audit, authorize, require_own
from prolo.services.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
    use_case,
)
from prolo.services.patients import require_patient
from prolo.services.permissions import Permission, allows
from prolo.services.screening import eligible_screening
from prolo.store.records import (
    ACTIVE_APPOINTMENT_STATUSES,
    Appointment,
    Course,
    CourseStatus,
    Role,
    SignOffStatus,
)
from prolo.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class CourseDetail:
    """A course, all its appointments (cancelled ones too) and the windows of its sessions."""

    course: Course
    appointments: list[Appointment]
    windows: list[SessionWindow]


def clinic_zone(uow: UnitOfWork, clinic_id: uuid.UUID) -> ZoneInfo:
    found = uow.clinics.get(clinic_id)
    return ZoneInfo(found.timezone if found else "UTC")


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def active(appointments: list[Appointment]) -> list[Appointment]:
    return [a for a in appointments if a.status in ACTIVE_APPOINTMENT_STATUSES]


def require_course(
    uow: UnitOfWork, actor: Actor, course_id: uuid.UUID, *, permission: Permission
) -> Course:
    """The course of the actor's clinic, or NotFoundError (also for another patient's course,
    asked for by a patient's login: that one is audited as a refusal of `permission`)."""
    course = uow.courses.get(actor.clinic_id, course_id)
    if course is None:
        raise NotFoundError(f"no course {course_id}")
    require_own(
        actor, permission, course.patient_id, not_found=f"no course {course_id}"
    )
    return course


def windows_for(
    uow: UnitOfWork,
    course: Course,
    appointments: list[Appointment],
    start: date | None = None,
) -> list[SessionWindow]:
    """Each session's window: from the first session's date (booked, or `start`), narrowed by
    the sessions already booked or done."""
    rules = clinic_service.course_rules(uow, course.clinic_id)
    zone = clinic_zone(uow, course.clinic_id)
    fixed = {
        a.session_number: local_date(a.starts_at, zone) for a in active(appointments)
    }
    first = fixed.get(1) or start or course.start_date
    if first is None:
        return []
    count = max(rules.min_sessions, min(course.planned_sessions, rules.max_sessions))
    fixed = {n: d for n, d in fixed.items() if n <= count}
    return plan_windows(first, count, rules, fixed)


@use_case
def create_course(
    uow: UnitOfWork,
    actor: Actor,
    *,
    patient_id: uuid.UUID,
    condition_id: str,
    planned_sessions: int,
    body_site: str | None = None,
    laterality: str | None = None,
    start_date: date | None = None,
    preferred_clinician_id: uuid.UUID | None = None,
    extension_reason: str | None = None,
) -> Course:
    """A course needs a signed-off eligible screening for the condition. More sessions than the
    rules allow needs a clinician and a written reason."""
    authorize(actor, Permission.course_write, patient_id=patient_id)
    require_patient(uow, actor, patient_id)
    catalog = load_catalog()
    if condition_id not in catalog.conditions:
        raise InvalidInputError(
            f"unknown condition {condition_id!r}; `prolo catalog` lists them",
            field="condition_id",
        )
    if (
        body_site is not None
        and body_site not in catalog.conditions[condition_id].sites
    ):
        raise InvalidInputError(
            f"{body_site!r} is not an injection site of {condition_id}",
            field="body_site",
        )
    rules = clinic_service.course_rules(uow, actor.clinic_id)
    reason = (extension_reason or "").strip() or None
    if planned_sessions < rules.min_sessions:
        raise InvalidInputError(
            f"a course has at least {rules.min_sessions} sessions",
            field="planned_sessions",
        )
    if planned_sessions > rules.max_sessions:
        if not allows(actor.role, Permission.course_timing_override):
            raise RuleViolationError(
                f"more than {rules.max_sessions} sessions needs a clinician's decision",
                field="planned_sessions",
            )
        if reason is None:
            raise RuleViolationError(
                f"more than {rules.max_sessions} sessions needs a written reason",
                field="extension_reason",
            )
    if preferred_clinician_id is not None:
        member = uow.staff.get(actor.clinic_id, preferred_clinician_id)
        if member is None or Role.clinician not in member.roles:
            raise NotFoundError(
                f"no clinician {preferred_clinician_id}", field="preferred_clinician_id"
            )
    screening = eligible_screening(uow, patient_id, condition_id)
    if screening is None:
        raise RuleViolationError(
            f"the patient has no signed-off eligible screening for {condition_id}:"
            " record an intake and have a clinician sign it off first",
            field="condition_id",
        )
    course = uow.courses.add(
        actor.clinic_id,
        patient_id=patient_id,
        condition_id=condition_id,
        planned_sessions=planned_sessions,
        screening_id=screening.id,
        body_site=body_site,
        laterality=laterality,
        start_date=start_date,
        extra_sessions_reason=reason,
        preferred_clinician_id=preferred_clinician_id,
        created_at=uow.now(),
    )
    audit(
        uow,
        actor,
        "course.create",
        resource_type="course",
        resource_id=course.id,
        patient_id=patient_id,
        detail={"condition_id": condition_id, "planned_sessions": planned_sessions},
    )
    return course


@use_case
def get_course(uow: UnitOfWork, actor: Actor, *, course_id: uuid.UUID) -> CourseDetail:
    course = require_course(uow, actor, course_id, permission=Permission.course_read)
    authorize(actor, Permission.course_read, patient_id=course.patient_id)
    appointments = uow.appointments.for_course(course.id)
    audit(
        uow,
        actor,
        "course.read",
        resource_type="course",
        resource_id=course.id,
        patient_id=course.patient_id,
    )
    return CourseDetail(course, appointments, windows_for(uow, course, appointments))


@use_case
def list_courses(
    uow: UnitOfWork, actor: Actor, *, patient_id: uuid.UUID
) -> list[Course]:
    authorize(actor, Permission.course_read, patient_id=patient_id)
    require_patient(uow, actor, patient_id)
    courses = uow.courses.for_patient(patient_id)
    audit(uow, actor, "course.list", resource_type="course", patient_id=patient_id)
    return courses


@use_case
def plan(
    uow: UnitOfWork, actor: Actor, *, course_id: uuid.UUID, start_date: date | None
) -> list[SessionWindow]:
    """The windows if the course started on `start_date` (or on its booked first session)."""
    course = require_course(uow, actor, course_id, permission=Permission.course_read)
    authorize(actor, Permission.course_read, patient_id=course.patient_id)
    windows = windows_for(
        uow, course, uow.appointments.for_course(course.id), start_date
    )
    if not windows:
        raise InvalidInputError(
            "give a start date: nothing is booked yet", field="start_date"
        )
    audit(
        uow,
        actor,
        "course.windows",
        resource_type="course",
        resource_id=course.id,
        patient_id=course.patient_id,
    )
    return windows


class Readiness(StrEnum):
    """Whether reception may start a course for a condition (no clinical reasons given)."""

    ready = "ready"
    """A clinician signed off an eligible screening for it."""
    awaiting_review = "awaiting_review"
    """Screened, but no clinician has signed it off yet."""
    not_eligible = "not_eligible"
    """The signed-off decision is: not eligible."""


@dataclass(frozen=True, slots=True)
class ConditionReadiness:
    condition_id: str
    readiness: Readiness


@use_case
def booking_readiness(
    uow: UnitOfWork, actor: Actor, *, patient_id: uuid.UUID
) -> list[ConditionReadiness]:
    """For each condition of the patient's intakes, whether a course can be created for it (the
    same test `create_course` applies). Tells reception what to do next without showing the
    screening's clinical reasons (reception may not read them)."""
    authorize(actor, Permission.course_write, patient_id=patient_id)
    require_patient(uow, actor, patient_id)
    pending: set[str] = set()
    conditions: list[str] = []
    for screening in uow.screenings.for_patient(patient_id):  # newest first
        intake = uow.screenings.get_intake(screening.intake_id)
        listed = [
            str(c) for c in (intake.answers.get("conditions", []) if intake else [])
        ]
        if screening.status is SignOffStatus.pending:
            pending.update(listed)
        conditions.extend(c for c in listed if c not in conditions)
    found = []
    for condition in conditions:
        if eligible_screening(uow, patient_id, condition) is not None:
            readiness = Readiness.ready
        elif condition in pending:
            readiness = Readiness.awaiting_review
        else:
            readiness = Readiness.not_eligible
        found.append(ConditionReadiness(condition, readiness))
    audit(uow, actor, "course.readiness", resource_type="course", patient_id=patient_id)
    return found


_TRANSITIONS = {
    CourseStatus.planned: {CourseStatus.active, CourseStatus.stopped},
    CourseStatus.active: {CourseStatus.completed, CourseStatus.stopped},
    CourseStatus.completed: set(),
    CourseStatus.stopped: set(),
}


@use_case
def update_course(
    uow: UnitOfWork,
    actor: Actor,
    *,
    course_id: uuid.UUID,
    expected_version: int,
    status: CourseStatus | None = None,
    planned_sessions: int | None = None,
    extension_reason: str | None = None,
    preferred_clinician_id: uuid.UUID | None = None,
) -> Course:
    """Complete or stop a course, change its planned sessions (beyond the rules: a clinician
    with a reason) or its preferred clinician."""
    course = require_course(uow, actor, course_id, permission=Permission.course_write)
    authorize(actor, Permission.course_write, patient_id=course.patient_id)
    changes: dict[str, object] = {}
    if status is not None and status is not course.status:
        if status not in _TRANSITIONS[course.status]:
            raise ConflictError(
                f"a {course.status.value} course cannot become {status.value}",
                field="status",
            )
        changes["status"] = status
    if planned_sessions is not None and planned_sessions != course.planned_sessions:
        rules = clinic_service.course_rules(uow, actor.clinic_id)
        booked = max(
            (a.session_number for a in active(uow.appointments.for_course(course.id))),
            default=0,
        )
        if planned_sessions < max(rules.min_sessions, booked):
            raise InvalidInputError(
                f"planned_sessions must be at least {max(rules.min_sessions, booked)}",
                field="planned_sessions",
            )
        if planned_sessions > rules.max_sessions:
            reason = (extension_reason or course.extra_sessions_reason or "").strip()
            if not allows(actor.role, Permission.course_timing_override) or not reason:
                raise RuleViolationError(
                    f"more than {rules.max_sessions} sessions needs a clinician and a written reason",
                    field="extension_reason",
                )
            changes["extra_sessions_reason"] = reason
        changes["planned_sessions"] = planned_sessions
    if preferred_clinician_id is not None:
        member = uow.staff.get(actor.clinic_id, preferred_clinician_id)
        if member is None or Role.clinician not in member.roles:
            raise NotFoundError(
                f"no clinician {preferred_clinician_id}", field="preferred_clinician_id"
            )
        changes["preferred_clinician_id"] = preferred_clinician_id
    updated = uow.courses.update(
        course.id,
        expected_version=expected_version,
        changes=changes,
        updated_at=uow.now(),
    )
    audit(
        uow,
        actor,
        "course.update",
        resource_type="course",
        resource_id=course.id,
        patient_id=course.patient_id,
        detail={k: str(v) for k, v in changes.items()},
    )
    return updated
