"""Booking: whole courses all-or-nothing, single sessions, moves, cancellations, check-in,
no-shows, the calendar, and the receptionist's "next free slot".

A session holds a clinician and a procedure room for its procedure block, then a recovery place
(bed or chair with heat packs) for the rest; the patient is busy for both. The block lengths are
the clinic's session rules (procedure.max_minutes; the longest rest, rest.max_minutes: CLINIC).

Double booking is refused twice: here, inside the booking transaction (which on SQLite holds the
database's write lock from its first statement), with a message naming the busy resource; and by
the database itself (exclusion constraints on PostgreSQL, triggers on SQLite) for anything that
slips past, e.g. two PostgreSQL transactions at once. Either way the caller gets 409 and nothing
of the booking is kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from prolo.domain.clock import require_aware
from prolo.domain.course import Problem, check_dates, plan_windows
from prolo.services import clinic as clinic_service
from prolo.services.context import Actor, audit, authorize, refused, require_own
from prolo.services.courses import active, local_date, require_course
from prolo.services.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
    use_case,
)
from prolo.services.permissions import Permission, allows
from prolo.store.records import (
    Appointment,
    AppointmentStatus,
    Clinic,
    Course,
    CourseStatus,
    NewAppointment,
    Page,
    Role,
    StaffMember,
)
from prolo.store.unit_of_work import UnitOfWork

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Intervals = list[tuple[datetime, datetime]]
Busy = dict[uuid.UUID, Intervals]


@dataclass(frozen=True, slots=True)
class SlotRequest:
    """One session to book: when it starts and who/where."""

    session_number: int
    starts_at: datetime
    clinician_id: uuid.UUID
    room_id: uuid.UUID
    recovery_place_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class FreeSlot:
    """A start time at which a clinician, a room and a recovery place are all free."""

    starts_at: datetime
    ends_at: datetime
    recovery_starts_at: datetime
    recovery_ends_at: datetime
    clinician_id: uuid.UUID
    room_id: uuid.UUID
    recovery_place_id: uuid.UUID

    def request(self, session_number: int) -> SlotRequest:
        return SlotRequest(
            session_number,
            self.starts_at,
            self.clinician_id,
            self.room_id,
            self.recovery_place_id,
        )


def block_lengths(uow: UnitOfWork, clinic_id: uuid.UUID) -> tuple[timedelta, timedelta]:
    """(procedure, recovery) from the clinic's session rules."""
    rules = clinic_service.session_rules(uow, clinic_id)
    return timedelta(minutes=rules.procedure.max_minutes), timedelta(
        minutes=rules.rest.max_minutes
    )


def new_appointment(
    course: Course,
    request: SlotRequest,
    procedure: timedelta,
    recovery: timedelta,
    *,
    override: str | None,
    actor: Actor,
) -> NewAppointment:
    starts = require_aware(request.starts_at, "starts_at")
    ends = starts + procedure
    return NewAppointment(
        course_id=course.id,
        patient_id=course.patient_id,
        session_number=request.session_number,
        clinician_id=request.clinician_id,
        room_id=request.room_id,
        recovery_place_id=request.recovery_place_id,
        starts_at=starts,
        ends_at=ends,
        recovery_starts_at=ends,
        recovery_ends_at=ends + recovery,
        timing_override_reason=override,
        timing_override_by=actor.user_id if override else None,
    )


# --------------------------------------------------------------------------- availability


@dataclass
class ClinicResources:
    clinic: Clinic
    zone: ZoneInfo
    clinicians: dict[uuid.UUID, StaffMember]
    rooms: set[uuid.UUID]
    places: set[uuid.UUID]


def load_resources(uow: UnitOfWork, clinic_id: uuid.UUID) -> ClinicResources:
    found = uow.clinics.get(clinic_id)
    if found is None:
        raise NotFoundError("the clinic does not exist")
    return ClinicResources(
        clinic=found,
        zone=ZoneInfo(found.timezone),
        clinicians={s.id: s for s in uow.staff.members(clinic_id, role=Role.clinician)},
        rooms={r.id for r in uow.clinics.rooms(clinic_id, active_only=True)},
        places={p.id for p in uow.clinics.recovery_places(clinic_id, active_only=True)},
    )


def _within(blocks: Iterable[tuple[time, time]], start: time, end: time) -> bool:
    return any(a <= start and end <= b for a, b in blocks)


def _unavailable(res: ClinicResources, item: NewAppointment) -> str | None:
    """Why the clinic or the clinician cannot take this session (None: they can)."""
    start = item.starts_at.astimezone(res.zone)
    proc_end = item.ends_at.astimezone(res.zone)
    end = item.recovery_ends_at.astimezone(res.zone)
    day = start.date()
    if end.date() != day:
        return "the session would run past midnight"
    minutes = start.hour * 60 + start.minute
    if start.second or start.microsecond or minutes % res.clinic.slot_minutes:
        return f"sessions start on the clinic's {res.clinic.slot_minutes}-minute grid"
    hours = res.clinic.opening_hours.get(WEEKDAY_KEYS[day.weekday()], [])
    if not _within(hours, start.time(), end.time()):
        return f"the clinic is closed at {start:%a %Y-%m-%d %H:%M}-{end:%H:%M} ({res.clinic.timezone})"
    clinician = res.clinicians.get(item.clinician_id)
    if clinician is None:
        return "no such active clinician"
    roster = [
        (s.starts, s.ends) for s in clinician.roster if s.weekday == day.weekday()
    ]
    if not _within(roster, start.time(), proc_end.time()):
        return f"{clinician.name} does not work at {start:%a %H:%M}-{proc_end:%H:%M}"
    if any(v.start_date <= day <= v.end_date for v in clinician.leave):
        return f"{clinician.name} is on leave on {day.isoformat()}"
    if item.room_id not in res.rooms:
        return "no such active procedure room"
    if item.recovery_place_id not in res.places:
        return "no such active recovery place"
    return None


def check_available(
    uow: UnitOfWork,
    res: ClinicResources,
    item: NewAppointment,
    *,
    ignore: Sequence[uuid.UUID] = (),
) -> None:
    why = _unavailable(res, item)
    if why is not None:
        raise RuleViolationError(
            f"session {item.session_number}: {why}", field="sessions"
        )
    busy = uow.appointments.conflicts(item, ignore_ids=ignore)
    if busy:
        names = ", ".join(b.replace("_", " ") for b in busy)
        raise ConflictError(
            f"session {item.session_number} at {item.starts_at.astimezone(res.zone):%Y-%m-%d %H:%M}:"
            f" already booked: {names}",
            reason="slot-taken",
            resource=busy[0],
        )


def _check_course_rules(
    uow: UnitOfWork,
    actor: Actor,
    course: Course,
    dates: dict[int, date],
    override_reason: str | None,
) -> str | None:
    """Check the course's session dates against the clinic's rules. Returns the override reason
    to record, or raises with every problem in plain words."""
    numbers = sorted(dates)
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuleViolationError(
            f"sessions must be booked in order from 1; booked numbers would be {numbers}",
            field="sessions",
        )
    if numbers and numbers[-1] > course.planned_sessions:
        raise RuleViolationError(
            f"the course plans {course.planned_sessions} sessions; change the plan to book more",
            field="sessions",
        )
    rules = clinic_service.course_rules(uow, course.clinic_id)
    problems = check_dates(
        [dates[n] for n in numbers],
        rules,
        partial=True,
        extension_reason=course.extra_sessions_reason,
    )
    if not problems:
        return None
    text = "; ".join(p.message for p in problems)
    reason = (override_reason or "").strip() or None
    if reason is None:
        raise RuleViolationError(
            f"the course rules forbid these dates: {text} A clinician may override with a reason.",
            field="sessions",
            problems=[p.code.value for p in problems],
        )
    if not allows(actor.role, Permission.course_timing_override):
        raise RuleViolationError(
            f"only a clinician may override a course timing rule ({text})",
            field="override_reason",
        )
    return reason


def _check_not_past(
    uow: UnitOfWork, actor: Actor, items: Sequence[NewAppointment], historical: bool
) -> None:
    now = uow.now()
    past = [i for i in items if i.starts_at < now]
    if not past:
        return
    if not historical:
        raise RuleViolationError(
            f"session {past[0].session_number} starts in the past", field="sessions"
        )
    if actor.role is not Role.clinician and actor.user_id is not None:
        raise RuleViolationError(
            "only a clinician records past sessions", field="historical"
        )


# --------------------------------------------------------------------------- booking


@use_case
def book_sessions(
    uow: UnitOfWork,
    actor: Actor,
    *,
    course_id: uuid.UUID,
    sessions: Sequence[SlotRequest],
    override_reason: str | None = None,
    historical: bool = False,
) -> list[Appointment]:
    """Book sessions of one course together: every session is checked (clinic hours, rosters,
    leave, busy resources, the course's 14-21-day rules) and all are booked or none."""
    if not sessions:
        raise InvalidInputError("no sessions to book", field="sessions")
    course = uow.courses.lock(actor.clinic_id, course_id)
    if course is None:
        raise NotFoundError(f"no course {course_id}")
    require_own(
        actor,
        Permission.booking_write,
        course.patient_id,
        not_found=f"no course {course_id}",
    )
    authorize(actor, Permission.booking_write, patient_id=course.patient_id)
    if course.status in (CourseStatus.completed, CourseStatus.stopped):
        raise ConflictError(f"the course is {course.status.value}", field="course_id")
    numbers = [s.session_number for s in sessions]
    if len(set(numbers)) != len(numbers):
        raise InvalidInputError("a session number is listed twice", field="sessions")
    existing = active(uow.appointments.for_course(course.id))
    taken = {a.session_number for a in existing} & set(numbers)
    if taken:
        raise ConflictError(
            f"session(s) {sorted(taken)} are already booked; move them instead",
            reason="duplicate",
        )
    res = load_resources(uow, actor.clinic_id)
    procedure, recovery = block_lengths(uow, actor.clinic_id)
    drafts = [
        new_appointment(course, s, procedure, recovery, override=None, actor=actor)
        for s in sessions
    ]
    dates = {a.session_number: local_date(a.starts_at, res.zone) for a in existing}
    dates.update({d.session_number: local_date(d.starts_at, res.zone) for d in drafts})
    override = _check_course_rules(uow, actor, course, dates, override_reason)
    items = [
        new_appointment(course, s, procedure, recovery, override=override, actor=actor)
        for s in sessions
    ]
    _check_not_past(uow, actor, items, historical)
    for item in sorted(items, key=lambda i: i.starts_at):
        check_available(uow, res, item)
    booked = uow.appointments.add_many(actor.clinic_id, items)
    first = min(dates.items())[1]
    changes: dict[str, object] = {}
    if course.status is CourseStatus.planned:
        changes["status"] = CourseStatus.active
    if course.start_date != first:
        changes["start_date"] = first
    if changes:
        uow.courses.update(
            course.id, expected_version=None, changes=changes, updated_at=uow.now()
        )
    for appointment in booked:
        audit(
            uow,
            actor,
            "appointment.book",
            resource_type="appointment",
            resource_id=appointment.id,
            patient_id=course.patient_id,
            detail={
                "course_id": str(course.id),
                "session_number": appointment.session_number,
                "starts_at": appointment.starts_at.isoformat(),
                **({"override_reason": override} if override else {}),
            },
        )
    return booked


def _appointment(
    uow: UnitOfWork,
    actor: Actor,
    appointment_id: uuid.UUID,
    *,
    permission: Permission,
) -> Appointment:
    found = uow.appointments.get(actor.clinic_id, appointment_id)
    if found is None:
        raise NotFoundError(f"no appointment {appointment_id}")
    require_own(
        actor,
        permission,
        found.patient_id,
        not_found=f"no appointment {appointment_id}",
    )
    return found


@use_case
def get_appointment(
    uow: UnitOfWork, actor: Actor, *, appointment_id: uuid.UUID
) -> Appointment:
    found = _appointment(uow, actor, appointment_id, permission=Permission.booking_read)
    authorize(actor, Permission.booking_read, patient_id=found.patient_id)
    audit(
        uow,
        actor,
        "appointment.read",
        resource_type="appointment",
        resource_id=found.id,
        patient_id=found.patient_id,
    )
    return found


@use_case
def list_appointments(
    uow: UnitOfWork,
    actor: Actor,
    *,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
    clinician_id: uuid.UUID | None = None,
    room_id: uuid.UUID | None = None,
    recovery_place_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    statuses: Sequence[AppointmentStatus] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Appointment]:
    """The calendar. A patient's login sees only their own appointments."""
    if actor.role is Role.patient:
        if patient_id is not None:
            # whether or not that patient exists (the audit log records only those who do)
            require_own(
                actor,
                Permission.booking_read,
                patient_id,
                not_found=f"no patient {patient_id}",
            )
        patient_id = actor.patient_id
    authorize(actor, Permission.booking_read, patient_id=patient_id)
    page = uow.appointments.page(
        actor.clinic_id,
        starts_from=starts_from,
        starts_before=starts_before,
        clinician_id=clinician_id,
        room_id=room_id,
        recovery_place_id=recovery_place_id,
        patient_id=patient_id,
        statuses=statuses,
        limit=limit,
        offset=offset,
    )
    for pid in dict.fromkeys(a.patient_id for a in page.items):
        audit(
            uow, actor, "appointment.list", resource_type="appointment", patient_id=pid
        )
    return page


def _set_status(
    uow: UnitOfWork,
    actor: Actor,
    appointment_id: uuid.UUID,
    *,
    expected_version: int,
    status: AppointmentStatus,
    allowed_from: Iterable[AppointmentStatus],
    reason: str | None = None,
    action: str,
) -> Appointment:
    found = _appointment(
        uow, actor, appointment_id, permission=Permission.booking_write
    )
    authorize(actor, Permission.booking_write, patient_id=found.patient_id)
    if found.status not in set(allowed_from):
        raise ConflictError(
            f"a {found.status.value} appointment cannot become {status.value}",
            field="status",
        )
    now = uow.now()
    if status is AppointmentStatus.no_show and now < found.starts_at:
        raise RuleViolationError(
            "a patient is a no-show only after the start time", field="status"
        )
    updated = uow.appointments.set_status(
        found.id,
        expected_version=expected_version,
        status=status,
        reason=reason,
        checked_in_at=now if status is AppointmentStatus.checked_in else None,
        updated_at=now,
    )
    audit(
        uow,
        actor,
        action,
        resource_type="appointment",
        resource_id=found.id,
        patient_id=found.patient_id,
        detail={"reason": reason} if reason else None,
    )
    return updated


@use_case
def cancel(
    uow: UnitOfWork,
    actor: Actor,
    *,
    appointment_id: uuid.UUID,
    expected_version: int,
    reason: str,
) -> Appointment:
    """Cancel a booked session (frees its clinician, room and recovery place)."""
    text = reason.strip()
    if not text:
        raise InvalidInputError("say why the session is cancelled", field="reason")
    return _set_status(
        uow,
        actor,
        appointment_id,
        expected_version=expected_version,
        status=AppointmentStatus.cancelled,
        allowed_from=(AppointmentStatus.booked, AppointmentStatus.checked_in),
        reason=text,
        action="appointment.cancel",
    )


@use_case
def mark_no_show(
    uow: UnitOfWork, actor: Actor, *, appointment_id: uuid.UUID, expected_version: int
) -> Appointment:
    return _set_status(
        uow,
        actor,
        appointment_id,
        expected_version=expected_version,
        status=AppointmentStatus.no_show,
        allowed_from=(AppointmentStatus.booked,),
        action="appointment.no_show",
    )


@use_case
def check_in(
    uow: UnitOfWork, actor: Actor, *, appointment_id: uuid.UUID, expected_version: int
) -> Appointment:
    return _set_status(
        uow,
        actor,
        appointment_id,
        expected_version=expected_version,
        status=AppointmentStatus.checked_in,
        allowed_from=(AppointmentStatus.booked,),
        action="appointment.check_in",
    )


@use_case
def move(
    uow: UnitOfWork,
    actor: Actor,
    *,
    appointment_id: uuid.UUID,
    expected_version: int,
    slot: SlotRequest,
    override_reason: str | None = None,
) -> Appointment:
    """Move a booked session to another time or resources (same session number)."""
    found = _appointment(
        uow, actor, appointment_id, permission=Permission.booking_write
    )
    authorize(actor, Permission.booking_write, patient_id=found.patient_id)
    if found.status is not AppointmentStatus.booked:
        raise ConflictError(
            f"a {found.status.value} appointment cannot be moved", field="status"
        )
    if slot.session_number != found.session_number:
        raise InvalidInputError(
            "a move keeps the session number", field="session_number"
        )
    course = uow.courses.lock(actor.clinic_id, found.course_id)
    assert course is not None
    res = load_resources(uow, actor.clinic_id)
    procedure, recovery = block_lengths(uow, actor.clinic_id)
    draft = new_appointment(
        course, slot, procedure, recovery, override=None, actor=actor
    )
    others = [
        a for a in active(uow.appointments.for_course(course.id)) if a.id != found.id
    ]
    dates = {a.session_number: local_date(a.starts_at, res.zone) for a in others}
    dates[draft.session_number] = local_date(draft.starts_at, res.zone)
    override = _check_course_rules(uow, actor, course, dates, override_reason)
    item = new_appointment(
        course, slot, procedure, recovery, override=override, actor=actor
    )
    _check_not_past(uow, actor, [item], historical=False)
    check_available(uow, res, item, ignore=[found.id])
    moved = uow.appointments.move(
        found.id, expected_version=expected_version, item=item, updated_at=uow.now()
    )
    if slot.session_number == 1:
        uow.courses.update(
            course.id,
            expected_version=None,
            changes={"start_date": dates[1]},
            updated_at=uow.now(),
        )
    audit(
        uow,
        actor,
        "appointment.move",
        resource_type="appointment",
        resource_id=found.id,
        patient_id=found.patient_id,
        detail={"from": found.starts_at.isoformat(), "to": item.starts_at.isoformat()},
    )
    return moved


# --------------------------------------------------------------------------- the desk


def require_desk(actor: Actor) -> None:
    """Raise ForbiddenError unless `actor` may open the reception desk pages."""
    authorize(actor, Permission.reception_desk)


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """An appointment as the reception calendar shows it: who, and which session of how many."""

    appointment: Appointment
    patient_name: str
    planned_sessions: int
    condition_id: str


@use_case
def calendar(
    uow: UnitOfWork,
    actor: Actor,
    *,
    starts_from: datetime,
    starts_before: datetime,
    statuses: Sequence[AppointmentStatus] | None = None,
) -> list[CalendarEntry]:
    """Every appointment starting in [starts_from, starts_before) (cancelled and no-show ones
    too unless `statuses` says otherwise), with the patient's name and the course's size.
    Staff only: a patient reads their own appointments with `list_appointments`."""
    require_aware(starts_from, "starts_from")
    require_aware(starts_before, "starts_before")
    authorize(actor, Permission.booking_read)
    if actor.role is Role.patient:
        raise refused(
            NotFoundError("no calendar"), actor, Permission.booking_read, reason="role"
        )
    if starts_before - starts_from > timedelta(days=42):
        raise InvalidInputError("show at most six weeks at once", field="starts_before")
    found: list[Appointment] = []
    offset = 0
    while True:
        page = uow.appointments.page(
            actor.clinic_id,
            starts_from=starts_from,
            starts_before=starts_before,
            statuses=statuses,
            limit=200,
            offset=offset,
        )
        found.extend(page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            break
    names: dict[uuid.UUID, str] = {}
    course_of: dict[uuid.UUID, Course] = {}
    entries: list[CalendarEntry] = []
    for a in sorted(found, key=lambda a: (a.starts_at, a.session_number)):
        if a.patient_id not in names:
            patient = uow.patients.get(actor.clinic_id, a.patient_id)
            names[a.patient_id] = patient.name if patient else "?"
            audit(
                uow,
                actor,
                "appointment.list",
                resource_type="appointment",
                patient_id=a.patient_id,
            )
        if a.course_id not in course_of:
            course = uow.courses.get(actor.clinic_id, a.course_id)
            assert course is not None  # a foreign key
            course_of[a.course_id] = course
        course = course_of[a.course_id]
        entries.append(
            CalendarEntry(
                a, names[a.patient_id], course.planned_sessions, course.condition_id
            )
        )
    return entries


@dataclass(frozen=True, slots=True)
class PlanCheck:
    """What is wrong with a course's planned sessions, before booking them: the course rules
    broken (`prolo.domain.course` problems, in plain words) and, per session number, why that
    session cannot be booked where it is (closed, off roster, on leave, taken, in the past)."""

    rule_problems: tuple[Problem, ...]
    session_problems: dict[int, str]

    @property
    def ok(self) -> bool:
        return not self.rule_problems and not self.session_problems


@use_case
def check_plan(
    uow: UnitOfWork,
    actor: Actor,
    *,
    course_id: uuid.UUID,
    sessions: Sequence[SlotRequest],
) -> PlanCheck:
    """Check sessions as `book_sessions` would, without booking anything, and report every
    problem instead of stopping at the first."""
    course = require_course(uow, actor, course_id, permission=Permission.booking_write)
    authorize(actor, Permission.booking_write, patient_id=course.patient_id)
    if not sessions:
        raise InvalidInputError("no sessions to check", field="sessions")
    res = load_resources(uow, actor.clinic_id)
    procedure, recovery = block_lengths(uow, actor.clinic_id)
    existing = [
        a
        for a in active(uow.appointments.for_course(course.id))
        if a.session_number not in {s.session_number for s in sessions}
    ]
    drafts = [
        new_appointment(course, s, procedure, recovery, override=None, actor=actor)
        for s in sessions
    ]
    dates = {a.session_number: local_date(a.starts_at, res.zone) for a in existing}
    dates.update({d.session_number: local_date(d.starts_at, res.zone) for d in drafts})
    rules = clinic_service.course_rules(uow, course.clinic_id)
    numbers = sorted(dates)
    problems = check_dates(
        [dates[n] for n in numbers],
        rules,
        partial=True,
        extension_reason=course.extra_sessions_reason,
    )
    # check_dates numbers the dates 1..n in order; map them back to session numbers
    renumbered = tuple(
        Problem(
            p.code,
            p.message,
            tuple(numbers[i - 1] for i in p.sessions if i <= len(numbers)),
        )
        for p in problems
    )
    now = uow.now()
    per_session: dict[int, str] = {}
    for item in sorted(drafts, key=lambda d: d.starts_at):
        if item.starts_at < now:
            per_session[item.session_number] = "it starts in the past"
            continue
        why = _unavailable(res, item)
        if why is None:
            busy = uow.appointments.conflicts(
                item,
                ignore_ids=[
                    a.id for a in existing if a.session_number == item.session_number
                ],
            )
            if busy:
                why = "already booked: " + ", ".join(b.replace("_", " ") for b in busy)
        if why is not None:
            per_session[item.session_number] = why
    return PlanCheck(renumbered, per_session)


# --------------------------------------------------------------------------- free slots


class SlotFinder:
    """Free start times over a span of days, from one read of the clinic's bookings.

    Loads the active appointments of [first_day, last_day] once (and the patient's, when given),
    then answers any number of searches inside that span in memory. `ignore_ids`: appointments
    treated as free (none by default). `hold(slot)` marks a chosen slot busy for later searches."""

    def __init__(
        self,
        uow: UnitOfWork,
        res: ClinicResources,
        *,
        first_day: date,
        last_day: date,
        not_before: datetime,
        patient_id: uuid.UUID | None,
        ignore_ids: Sequence[uuid.UUID] = (),
    ) -> None:
        self.res = res
        self.first_day = first_day
        self.last_day = last_day
        self.not_before = not_before
        self.procedure, self.recovery = block_lengths(uow, res.clinic.id)
        window_start = datetime.combine(first_day, time(0), res.zone)
        window_end = datetime.combine(last_day + timedelta(days=1), time(0), res.zone)
        ignored = set(ignore_ids)
        busy = [
            a
            for a in uow.appointments.busy(
                res.clinic.id, start=window_start, end=window_end
            )
            if a.id not in ignored
        ]
        patient_busy = (
            uow.appointments.busy_for_patient(
                patient_id, start=window_start, end=window_end
            )
            if patient_id
            else []
        )
        self.by_clinician: Busy = {}
        self.by_room: Busy = {}
        self.by_place: Busy = {}
        for a in busy:
            self.by_clinician.setdefault(a.clinician_id, []).append(
                (a.starts_at, a.ends_at)
            )
            self.by_room.setdefault(a.room_id, []).append((a.starts_at, a.ends_at))
            self.by_place.setdefault(a.recovery_place_id, []).append(
                (a.recovery_starts_at, a.recovery_ends_at)
            )
        self.mine: Intervals = [
            (a.starts_at, a.recovery_ends_at)
            for a in patient_busy
            if a.id not in ignored
        ]

    def hold(self, slot: FreeSlot) -> None:
        """Count `slot` as taken (by this patient) in later searches."""
        self.by_clinician.setdefault(slot.clinician_id, []).append(
            (slot.starts_at, slot.ends_at)
        )
        self.by_room.setdefault(slot.room_id, []).append((slot.starts_at, slot.ends_at))
        self.by_place.setdefault(slot.recovery_place_id, []).append(
            (slot.recovery_starts_at, slot.recovery_ends_at)
        )
        self.mine.append((slot.starts_at, slot.recovery_ends_at))

    def slots(
        self,
        first_day: date,
        last_day: date,
        *,
        clinician_ids: Sequence[uuid.UUID] | None = None,
        limit: int = 10,
        every_clinician: bool = False,
        skip_days: Sequence[date] = (),
    ) -> list[FreeSlot]:
        """The earliest free starts in [first_day, last_day] (clipped to the loaded span), in
        time order. `every_clinician`: one slot per free clinician at each start, not only the
        first that fits (the order of `clinician_ids`, else by name)."""
        res = self.res
        clinicians = [
            c
            for c in res.clinicians.values()
            if clinician_ids is None or c.id in clinician_ids
        ]
        if clinician_ids:
            order = list(clinician_ids)
            clinicians.sort(key=lambda c: order.index(c.id))
        else:
            clinicians.sort(key=lambda c: c.name)
        rooms = sorted(res.rooms)
        places = sorted(res.places)
        busy = (self.by_clinician, self.by_room, self.by_place)
        step = timedelta(minutes=res.clinic.slot_minutes)
        found: list[FreeSlot] = []
        day = max(first_day, self.first_day)
        last = min(last_day, self.last_day)
        while day <= last and len(found) < limit:
            if day in skip_days:
                day += timedelta(days=1)
                continue
            for opens, closes in sorted(
                res.clinic.opening_hours.get(WEEKDAY_KEYS[day.weekday()], [])
            ):
                start = datetime.combine(day, opens, res.zone)
                close = datetime.combine(day, closes, res.zone)
                while (
                    start + self.procedure + self.recovery <= close
                    and len(found) < limit
                ):
                    s_utc = start.astimezone(self.not_before.tzinfo)
                    p_end = s_utc + self.procedure
                    r_end = p_end + self.recovery
                    if s_utc >= self.not_before and _free(self.mine, s_utc, r_end):
                        for clinician in clinicians:
                            slot = _first_fit(
                                res,
                                [clinician],
                                rooms,
                                places,
                                busy,
                                s_utc,
                                p_end,
                                r_end,
                            )
                            if slot is None:
                                continue
                            found.append(slot)
                            if not every_clinician or len(found) >= limit:
                                break
                    start += step
            day += timedelta(days=1)
        return found


def _free_slots(
    uow: UnitOfWork,
    res: ClinicResources,
    *,
    first_day: date,
    last_day: date,
    not_before: datetime,
    patient_id: uuid.UUID | None,
    clinician_ids: Sequence[uuid.UUID] | None,
    limit: int,
) -> list[FreeSlot]:
    finder = SlotFinder(
        uow,
        res,
        first_day=first_day,
        last_day=last_day,
        not_before=not_before,
        patient_id=patient_id,
    )
    return finder.slots(first_day, last_day, clinician_ids=clinician_ids, limit=limit)


def _free(pairs: Intervals, a: datetime, b: datetime) -> bool:
    return all(not (s < b and a < e) for s, e in pairs)


def _first_fit(
    res: ClinicResources,
    clinicians: Sequence[StaffMember],
    rooms: Sequence[uuid.UUID],
    places: Sequence[uuid.UUID],
    busy: tuple[Busy, Busy, Busy],
    start: datetime,
    p_end: datetime,
    r_end: datetime,
) -> FreeSlot | None:
    by_clinician, by_room, by_place = busy
    local = start.astimezone(res.zone)
    local_end = p_end.astimezone(res.zone)
    for c in clinicians:
        roster = [(s.starts, s.ends) for s in c.roster if s.weekday == local.weekday()]
        if not _within(roster, local.time(), local_end.time()):
            continue
        if any(v.start_date <= local.date() <= v.end_date for v in c.leave):
            continue
        if not _free(by_clinician.get(c.id, []), start, p_end):
            continue
        room = next((r for r in rooms if _free(by_room.get(r, []), start, p_end)), None)
        place = next(
            (p for p in places if _free(by_place.get(p, []), p_end, r_end)), None
        )
        if room is not None and place is not None:
            return FreeSlot(start, p_end, p_end, r_end, c.id, room, place)
    return None


@use_case
def find_free_slots(
    uow: UnitOfWork,
    actor: Actor,
    *,
    first_day: date,
    last_day: date,
    patient_id: uuid.UUID | None = None,
    clinician_id: uuid.UUID | None = None,
    limit: int = 10,
) -> list[FreeSlot]:
    """The earliest start times (on the clinic's grid, inside opening hours and rosters) at which
    a clinician, a room and a recovery place are free, and the patient too when given."""
    authorize(actor, Permission.booking_write)
    if last_day < first_day:
        raise InvalidInputError("last_day is before first_day", field="last_day")
    if (last_day - first_day).days > 92:
        raise InvalidInputError("search at most 92 days at once", field="last_day")
    if not 1 <= limit <= 200:
        raise InvalidInputError("limit must be 1-200", field="limit")
    res = load_resources(uow, actor.clinic_id)
    if clinician_id is not None and clinician_id not in res.clinicians:
        raise NotFoundError(f"no clinician {clinician_id}", field="clinician_id")
    if patient_id is not None:
        if uow.patients.get(actor.clinic_id, patient_id) is None:
            raise NotFoundError(f"no patient {patient_id}", field="patient_id")
        audit(
            uow,
            actor,
            "appointment.free_slots",
            resource_type="appointment",
            patient_id=patient_id,
        )
    return _free_slots(
        uow,
        res,
        first_day=first_day,
        last_day=last_day,
        not_before=uow.now(),
        patient_id=patient_id,
        clinician_ids=[clinician_id] if clinician_id else None,
        limit=limit,
    )


@use_case
def propose_course(
    uow: UnitOfWork,
    actor: Actor,
    *,
    course_id: uuid.UUID,
    first_day: date,
    not_before: datetime | None = None,
) -> list[FreeSlot]:
    """A first-fit proposal for every unbooked session of a course, as a receptionist books by
    hand: each session at the earliest free slot of its window (the windows narrow as sessions
    are placed; the course's preferred clinician first). Nothing is booked."""
    course = require_course(uow, actor, course_id, permission=Permission.booking_write)
    authorize(actor, Permission.booking_write, patient_id=course.patient_id)
    res = load_resources(uow, actor.clinic_id)
    rules = clinic_service.course_rules(uow, actor.clinic_id)
    existing = active(uow.appointments.for_course(course.id))
    fixed = {a.session_number: local_date(a.starts_at, res.zone) for a in existing}
    count = min(course.planned_sessions, rules.max_sessions)
    order = (
        [course.preferred_clinician_id]
        + [c for c in res.clinicians if c != course.preferred_clinician_id]
        if course.preferred_clinician_id in res.clinicians
        else None
    )
    earliest = not_before or uow.now()
    proposal: list[FreeSlot] = []
    for number in range(1, count + 1):
        if number in fixed:
            continue
        if number == 1:
            first, last = first_day, first_day + timedelta(days=rules.max_gap_days)
        else:
            start = fixed.get(1) or first_day
            window = plan_windows(start, count, rules, fixed)[number - 1]
            first, last = window.earliest, window.latest
        slots = _free_slots(
            uow,
            res,
            first_day=max(first, earliest.astimezone(res.zone).date()),
            last_day=last,
            not_before=earliest,
            patient_id=course.patient_id,
            clinician_ids=order,
            limit=1,
        )
        if not slots:
            raise RuleViolationError(
                f"no free slot for session {number} between {first} and {last}",
                field="first_day",
            )
        proposal.append(slots[0])
        fixed[number] = local_date(slots[0].starts_at, res.zone)
    audit(
        uow,
        actor,
        "course.proposal",
        resource_type="course",
        resource_id=course.id,
        patient_id=course.patient_id,
    )
    return proposal
