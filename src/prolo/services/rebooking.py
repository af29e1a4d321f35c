"""Cancel, no-show or rebook one session, and repair the rest of its course automatically.

A course is a chain: each session 14-21 days after the one before (the clinic's course rules).
When session k is cancelled or missed, it is rebooked, and the later sessions are moved only when
their date no longer fits the chain. The repair:

- keeps every session before k where it is (done or booked);
- rebooks session k on the free slot closest to its old date inside its window (after session
  k-1 by the rules' gap; never on the day it was cancelled or missed, never in the past);
- keeps each later session where it is when its date still fits after the one before it, else
  moves it to the free slot closest to its old date inside its new window;
- prefers, on a day, the session's own clinician (continuity), then the course's preferred one,
  then the time of day closest to the old one; and backtracks (a bounded depth-first search)
  when a choice leaves a later session with no date.

Only FREE slots are used (the clinic's bookings, rosters, leave and opening hours, read once by
`booking.SlotFinder`), so no other patient ever moves. When no repair exists that way, nothing is
moved: the result says so in plain words and lists the nearest dates for session k (inside its
window, or the nearest after it, which would need a clinician's override). Every function is one
transaction, authorised (`booking.write`) and audited; the final plan is re-checked against the
course rules and the resources (`booking.check_available`) before anything is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from prolo.domain.course import CourseRules, check_dates
from prolo.services import booking, waitlist
from prolo.services import clinic as clinic_service
from prolo.services.booking import ClinicResources, FreeSlot, SlotFinder, SlotRequest
from prolo.services.context import Actor, audit, authorize
from prolo.services.courses import active, local_date, require_course
from prolo.services.errors import (
    ConflictError,
    NotFoundError,
    RuleViolationError,
    use_case,
)
from prolo.services.permissions import Permission
from prolo.store.records import (
    Appointment,
    AppointmentStatus,
    Course,
    CourseStatus,
    WaitlistStatus,
)
from prolo.store.unit_of_work import UnitOfWork

SEARCH_BUDGET = 400
"""At most this many candidate placements are tried per repair (the search is bounded)."""

OPTIONS = 5
"""How many nearest dates are offered when no repair exists."""


@dataclass(frozen=True, slots=True)
class SessionChange:
    """One session the repair books again or moves (`from_starts_at` None: booked anew)."""

    session_number: int
    appointment_id: uuid.UUID
    from_starts_at: datetime | None
    to_starts_at: datetime
    clinician_id: uuid.UUID
    room_id: uuid.UUID
    recovery_place_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class RepairResult:
    """What happened to a course after a disruption.

    `repaired`: the chain holds again (`changes` lists what moved; possibly nothing).
    Otherwise `problem` says why in plain words and `options` are the nearest free slots for
    `session_number` (`options_need_override`: they lie outside its window, so booking one
    needs a clinician's override). No other patient is ever moved (`other_patients_moved` is 0
    by construction; the tests check the calendar)."""

    course_id: uuid.UUID
    session_number: int
    disrupted: Appointment | None
    repaired: bool
    changes: tuple[SessionChange, ...]
    problem: str | None
    options: tuple[FreeSlot, ...]
    options_need_override: bool = False
    other_patients_moved: int = 0


@dataclass(frozen=True, slots=True)
class _Target:
    """A session to place: its number, its current appointment (None: to book anew), the date
    to stay close to, and the day it must not use."""

    number: int
    current: Appointment | None
    near: datetime
    skip_day: date | None = None


class _Search:
    """The bounded depth-first search for a chain of free slots."""

    def __init__(
        self,
        res: ClinicResources,
        finder: SlotFinder,
        rules: CourseRules,
        preferred: uuid.UUID | None,
        today: date,
    ) -> None:
        self.res = res
        self.finder = finder
        self.rules = rules
        self.preferred = preferred
        self.today = today
        self.budget = SEARCH_BUDGET

    def _day(self, moment: datetime) -> date:
        return local_date(moment, self.res.zone)

    def window(self, previous: date | None, target: _Target) -> tuple[date, date]:
        if (
            previous is None
        ):  # the first session: from today, up to a gap after its old date
            near = self._day(target.near)
            return self.today, max(self.today, near) + timedelta(
                days=self.rules.max_gap_days
            )
        return (
            previous + timedelta(days=self.rules.min_gap_days),
            previous + timedelta(days=self.rules.max_gap_days),
        )

    def candidates(self, first: date, last: date, target: _Target) -> list[FreeSlot]:
        """One slot per free day of the window, the days closest to the old date first."""
        first = max(first, self.today)
        if last < first:
            return []
        slots = self.finder.slots(
            first,
            last,
            limit=5000,
            every_clinician=True,
            skip_days=[target.skip_day] if target.skip_day else [],
        )
        own = target.current.clinician_id if target.current else None
        old_minutes = _minutes(target.near, self.res)
        best: dict[date, tuple[tuple[int, int, int], FreeSlot]] = {}
        for slot in slots:
            key = (
                0 if slot.clinician_id == own else 1,
                0 if slot.clinician_id == self.preferred else 1,
                abs(_minutes(slot.starts_at, self.res) - old_minutes),
            )
            day = self._day(slot.starts_at)
            if day not in best or key < best[day][0]:
                best[day] = (key, slot)
        near = self._day(target.near)
        days = sorted(best, key=lambda d: (abs((d - near).days), d))
        return [best[d][1] for d in days]

    def chain(
        self,
        targets: Sequence[_Target],
        previous: date | None,
        pinned: FreeSlot | None = None,
    ) -> list[FreeSlot | None] | None:
        """A placement per target (None: stays where it is), or None when there is none."""
        if not targets:
            return []
        if self.budget <= 0:
            return None
        target, rest = targets[0], targets[1:]
        if pinned is not None:
            tail = self.chain(rest, self._day(pinned.starts_at))
            return None if tail is None else [pinned, *tail]
        first, last = self.window(previous, target)
        current = target.current
        if current is not None and current.status is AppointmentStatus.booked:
            day = self._day(current.starts_at)
            if first <= day <= last:
                self.budget -= 1
                tail = self.chain(rest, day)
                if tail is not None:
                    return [None, *tail]
        for slot in self.candidates(first, last, target):
            if current is not None and self._day(slot.starts_at) == self._day(
                current.starts_at
            ):
                continue  # staying on its day was tried above
            self.budget -= 1
            if self.budget <= 0:
                return None
            tail = self.chain(rest, self._day(slot.starts_at))
            if tail is not None:
                return [slot, *tail]
        return None


def _minutes(moment: datetime, res: ClinicResources) -> int:
    local = moment.astimezone(res.zone)
    return local.hour * 60 + local.minute


@dataclass
class _CourseState:
    course: Course
    res: ClinicResources
    rules: CourseRules
    chain: dict[int, Appointment]
    """The course's active appointments by session number."""


def _state(uow: UnitOfWork, actor: Actor, course_id: uuid.UUID) -> _CourseState:
    course = uow.courses.lock(actor.clinic_id, course_id)
    if course is None:
        raise NotFoundError(f"no course {course_id}")
    res = booking.load_resources(uow, actor.clinic_id)
    rules = clinic_service.course_rules(uow, actor.clinic_id)
    chain = {
        a.session_number: a for a in active(uow.appointments.for_course(course.id))
    }
    return _CourseState(course, res, rules, chain)


def _finder(
    uow: UnitOfWork, st: _CourseState, targets: Sequence[_Target], anchor: date | None
) -> SlotFinder:
    today = uow.now().astimezone(st.res.zone).date()
    latest = max([today, *(t.near.astimezone(st.res.zone).date() for t in targets)])
    start = anchor or today
    horizon = max(latest, start) + timedelta(
        days=st.rules.max_gap_days * (len(targets) + 1)
    )
    return SlotFinder(
        uow,
        st.res,
        first_day=today,
        last_day=horizon,
        not_before=uow.now(),
        patient_id=st.course.patient_id,
    )


def _targets(
    st: _CourseState, number: int, near: datetime, skip_day: date | None
) -> list[_Target]:
    """Session `number` (its current appointment, if active) and the later booked sessions."""
    later = [
        _Target(n, a, a.starts_at)
        for n, a in sorted(st.chain.items())
        if n > number and a.status is AppointmentStatus.booked
    ]
    return [_Target(number, st.chain.get(number), near, skip_day), *later]


def _anchor(st: _CourseState, number: int) -> date | None:
    before = st.chain.get(number - 1)
    return local_date(before.starts_at, st.res.zone) if before else None


def _options(
    search: _Search, anchor: date | None, target: _Target
) -> tuple[tuple[FreeSlot, ...], bool]:
    """The nearest free slots for `target`: inside its window, else the first after it."""
    first, last = search.window(anchor, target)
    inside = search.candidates(first, last, target)[:OPTIONS]
    if inside:
        return tuple(sorted(inside, key=lambda s: s.starts_at)), False
    after = search.finder.slots(
        max(last + timedelta(days=1), search.today),
        last + timedelta(days=4 * search.rules.max_gap_days),
        limit=OPTIONS,
    )
    return tuple(after), True


def _apply(
    uow: UnitOfWork,
    actor: Actor,
    st: _CourseState,
    targets: Sequence[_Target],
    placements: Sequence[FreeSlot | None],
    *,
    reason: str,
    disrupted: Appointment | None,
    override_reason: str | None = None,
) -> tuple[SessionChange, ...]:
    """Write the repair: re-check the final chain (rules and resources), then book and move."""
    course, res = st.course, st.res
    procedure, recovery = booking.block_lengths(uow, actor.clinic_id)
    final = {n: local_date(a.starts_at, res.zone) for n, a in st.chain.items()}
    items = []
    for target, slot in zip(targets, placements, strict=True):
        if slot is None:
            continue
        item = booking.new_appointment(
            course,
            slot.request(target.number),
            procedure,
            recovery,
            override=override_reason,
            actor=actor,
        )
        items.append((target, item))
        final[target.number] = local_date(item.starts_at, res.zone)
    numbers = sorted(final)
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuleViolationError(
            f"sessions must follow each other from 1; they would be {numbers}",
            field="sessions",
        )
    changed = {t.number for t, _ in items}
    problems = [
        p
        for p in check_dates(
            [final[n] for n in numbers],
            st.rules,
            partial=True,
            extension_reason=course.extra_sessions_reason,
        )
        if changed & set(p.sessions) or not p.sessions
    ]
    if problems and not override_reason:
        raise RuleViolationError(
            " ".join(p.message for p in problems), field="sessions"
        )
    moving = [t.current.id for t, _ in items if t.current is not None]
    for _, item in items:
        booking.check_available(uow, res, item, ignore=moving)
    changes: list[SessionChange] = []
    for target, item in items:
        if target.current is None:
            (saved,) = uow.appointments.add_many(actor.clinic_id, [item])
            action, before = "appointment.book", None
        else:
            saved = uow.appointments.move(
                target.current.id,
                expected_version=target.current.version,
                item=item,
                updated_at=uow.now(),
            )
            action, before = "appointment.move", target.current.starts_at
        changes.append(
            SessionChange(
                target.number,
                saved.id,
                before,
                saved.starts_at,
                saved.clinician_id,
                saved.room_id,
                saved.recovery_place_id,
            )
        )
        audit(
            uow,
            actor,
            action,
            resource_type="appointment",
            resource_id=saved.id,
            patient_id=course.patient_id,
            detail={
                "course_id": str(course.id),
                "session_number": target.number,
                "from": before.isoformat() if before else None,
                "to": saved.starts_at.isoformat(),
                "repair": reason,
                **({"disrupted": str(disrupted.id)} if disrupted else {}),
                **({"override_reason": override_reason} if override_reason else {}),
            },
        )
    course_changes: dict[str, object] = {}
    if course.status is CourseStatus.planned and changes:
        course_changes["status"] = CourseStatus.active
    if numbers and course.start_date != final[1]:
        course_changes["start_date"] = final[1]
    if course_changes:
        uow.courses.update(
            course.id,
            expected_version=None,
            changes=course_changes,
            updated_at=uow.now(),
        )
    return tuple(changes)


def _repair(
    uow: UnitOfWork,
    actor: Actor,
    st: _CourseState,
    disrupted: Appointment,
    reason: str,
) -> RepairResult:
    course = st.course
    number = disrupted.session_number
    if course.status in (CourseStatus.completed, CourseStatus.stopped):
        return RepairResult(
            course.id,
            number,
            disrupted,
            False,
            (),
            f"the course is {course.status.value}: nothing to repair",
            (),
        )
    skip = local_date(disrupted.starts_at, st.res.zone)
    targets = _targets(st, number, disrupted.starts_at, skip)
    anchor = _anchor(st, number)
    finder = _finder(uow, st, targets, anchor)
    today = uow.now().astimezone(st.res.zone).date()
    search = _Search(st.res, finder, st.rules, course.preferred_clinician_id, today)
    placements = search.chain(targets, anchor)
    if placements is None:
        options, need_override = _options(search, anchor, targets[0])
        later = [t.number for t in targets[1:]]
        first, last = search.window(anchor, targets[0])
        chain_text = (
            f" while sessions {', '.join(map(str, later))} stay"
            f" {st.rules.min_gap_days}-{st.rules.max_gap_days} days apart"
            if later and not need_override
            else ""
        )
        problem = (
            f"Session {number} cannot be rebooked between {first:%d %b} and {last:%d %b}"
            f"{chain_text} without moving another patient."
        )
        audit(
            uow,
            actor,
            "course.repair_failed",
            resource_type="course",
            resource_id=course.id,
            patient_id=course.patient_id,
            detail={"session_number": number, "reason": reason},
        )
        return RepairResult(
            course.id, number, disrupted, False, (), problem, options, need_override
        )
    changes = _apply(
        uow, actor, st, targets, placements, reason=reason, disrupted=disrupted
    )
    audit(
        uow,
        actor,
        "course.repair",
        resource_type="course",
        resource_id=course.id,
        patient_id=course.patient_id,
        detail={
            "session_number": number,
            "reason": reason,
            "moved": [c.session_number for c in changes],
        },
    )
    return RepairResult(course.id, number, disrupted, True, changes, None, ())


@use_case
def cancel_session(
    uow: UnitOfWork,
    actor: Actor,
    *,
    appointment_id: uuid.UUID,
    expected_version: int,
    reason: str,
) -> RepairResult:
    """Cancel a booked session and repair its course (session rebooked, later ones re-chained
    only where needed). The cancellation stands even when no repair exists."""
    cancelled = booking.cancel(
        uow,
        actor,
        appointment_id=appointment_id,
        expected_version=expected_version,
        reason=reason,
    )
    st = _state(uow, actor, cancelled.course_id)
    return _repair(uow, actor, st, cancelled, "cancel")


@use_case
def mark_no_show(
    uow: UnitOfWork, actor: Actor, *, appointment_id: uuid.UUID, expected_version: int
) -> RepairResult:
    """Record a no-show and repair the course as after a cancellation (rebooked after the
    missed day)."""
    missed = booking.mark_no_show(
        uow, actor, appointment_id=appointment_id, expected_version=expected_version
    )
    st = _state(uow, actor, missed.course_id)
    return _repair(uow, actor, st, missed, "no_show")


@use_case
def nearest_dates(
    uow: UnitOfWork, actor: Actor, *, course_id: uuid.UUID, session_number: int
) -> tuple[tuple[FreeSlot, ...], bool]:
    """The nearest free slots for a session of a course (inside its window after the session
    before; else the first after it, which needs a clinician's override: the flag)."""
    course = require_course(uow, actor, course_id, permission=Permission.booking_write)
    authorize(actor, Permission.booking_write, patient_id=course.patient_id)
    st = _state(uow, actor, course_id)
    current = st.chain.get(session_number)
    near = current.starts_at if current else uow.now()
    target = _Target(
        session_number,
        current,
        near,
        local_date(current.starts_at, st.res.zone) if current else None,
    )
    anchor = _anchor(st, session_number)
    finder = _finder(uow, st, [target], anchor)
    today = uow.now().astimezone(st.res.zone).date()
    search = _Search(st.res, finder, st.rules, course.preferred_clinician_id, today)
    audit(
        uow,
        actor,
        "appointment.free_slots",
        resource_type="course",
        resource_id=course.id,
        patient_id=course.patient_id,
    )
    return _options(search, anchor, target)


@use_case
def rebook_session(
    uow: UnitOfWork,
    actor: Actor,
    *,
    course_id: uuid.UUID,
    slot: SlotRequest,
    override_reason: str | None = None,
) -> RepairResult:
    """Put session `slot.session_number` of a course at `slot` (moving it if booked, booking it
    if not) and repair the later sessions. Refused, with nothing changed, when the slot is not
    free, breaks the chain with the session before (a clinician may override with a reason), or
    leaves a later session no date without moving another patient."""
    course = require_course(uow, actor, course_id, permission=Permission.booking_write)
    authorize(actor, Permission.booking_write, patient_id=course.patient_id)
    st = _state(uow, actor, course_id)
    if st.course.status in (CourseStatus.completed, CourseStatus.stopped):
        raise ConflictError(
            f"the course is {st.course.status.value}", field="course_id"
        )
    number = slot.session_number
    current = st.chain.get(number)
    if current is not None and current.status is not AppointmentStatus.booked:
        raise ConflictError(
            f"session {number} is {current.status.value}; it cannot be moved",
            field="session_number",
        )
    procedure, recovery = booking.block_lengths(uow, actor.clinic_id)
    pinned = FreeSlot(
        slot.starts_at,
        slot.starts_at + procedure,
        slot.starts_at + procedure,
        slot.starts_at + procedure + recovery,
        slot.clinician_id,
        slot.room_id,
        slot.recovery_place_id,
    )
    targets = _targets(st, number, slot.starts_at, None)
    anchor = _anchor(st, number)
    finder = _finder(uow, st, targets, anchor)
    today = uow.now().astimezone(st.res.zone).date()
    search = _Search(st.res, finder, st.rules, course.preferred_clinician_id, today)
    placements = search.chain(targets, anchor, pinned)
    if placements is None:
        later = ", ".join(str(t.number) for t in targets[1:])
        raise RuleViolationError(
            f"with session {number} on {slot.starts_at.astimezone(st.res.zone):%d %b},"
            f" sessions {later} have no free dates {st.rules.min_gap_days}-"
            f"{st.rules.max_gap_days} days apart without moving another patient",
            field="sessions",
        )
    if override_reason and not override_reason.strip():
        override_reason = None
    if override_reason is not None:
        authorize(
            actor, Permission.course_timing_override, patient_id=course.patient_id
        )
    changes = _apply(
        uow,
        actor,
        st,
        targets,
        placements,
        reason="rebook",
        disrupted=None,
        override_reason=override_reason,
    )
    audit(
        uow,
        actor,
        "course.repair",
        resource_type="course",
        resource_id=course.id,
        patient_id=course.patient_id,
        detail={
            "session_number": number,
            "reason": "rebook",
            "moved": [c.session_number for c in changes],
        },
    )
    return RepairResult(course.id, number, None, True, changes, None, ())


@use_case
def fill_from_waitlist(
    uow: UnitOfWork,
    actor: Actor,
    *,
    freed_appointment_id: uuid.UUID,
    entry_id: uuid.UUID,
    entry_version: int,
) -> RepairResult:
    """Give a freed slot (a cancelled or missed appointment's time and resources) to a waiting
    patient: book (or move) their course's session there, repair the rest of their course, and
    mark the waitlist entry booked. All or nothing."""
    authorize(actor, Permission.waitlist_write)
    freed = uow.appointments.get(actor.clinic_id, freed_appointment_id)
    if freed is None or freed.status not in (
        AppointmentStatus.cancelled,
        AppointmentStatus.no_show,
    ):
        raise NotFoundError(f"no freed slot {freed_appointment_id}")
    entry = uow.waitlist.get(actor.clinic_id, entry_id)
    if entry is None:
        raise NotFoundError(f"no waitlist entry {entry_id}")
    if entry.status not in (WaitlistStatus.waiting, WaitlistStatus.offered):
        raise ConflictError(f"the entry is {entry.status.value}", field="entry_id")
    if entry.course_id is None or entry.session_number is None:
        raise RuleViolationError(
            "this patient waits for a course that is not planned yet: offer the slot, then"
            " book the course",
            field="entry_id",
        )
    result = rebook_session(
        uow,
        actor,
        course_id=entry.course_id,
        slot=SlotRequest(
            entry.session_number,
            freed.starts_at,
            freed.clinician_id,
            freed.room_id,
            freed.recovery_place_id,
        ),
    )
    waitlist.set_status(
        uow,
        actor,
        entry_id=entry.id,
        expected_version=entry_version,
        status=WaitlistStatus.booked,
    )
    return result
