"""The reception desk: calendar, booking a course, cancel / no-show / rebook with the course
repaired, check-in and the waitlist.

Every page first asks the services whether the signed-in role may open the desk
(`booking.require_desk`: reception and admin; a nurse or a patient gets 403); what can be done
there is then decided by each service call (an admin sees the calendar but cannot book: 403).
Reads and writes go through prolo.services only, which authorise and audit them. A page that
shows a refusal itself hands it to `note_refusal`, so it is audited like one that ends a request.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Final, cast
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query
from starlette.requests import Request
from starlette.responses import Response

from prolo.domain.catalog import load_catalog
from prolo.gateway.requests import note_refusal
from prolo.services import booking, rebooking, waitlist
from prolo.services import clinic as clinic_service
from prolo.services import courses as course_service
from prolo.services import patients as patient_service
from prolo.services.booking import CalendarEntry, FreeSlot, PlanCheck, SlotRequest
from prolo.services.errors import ServiceError
from prolo.services.values import (
    ACTIVE_APPOINTMENT_STATUSES,
    Appointment,
    AppointmentStatus,
    Clinic,
    CourseStatus,
    Role,
    StaffMember,
    WaitlistStatus,
)
from prolo.web.contexts.reception import (
    AppointmentPage,
    ArrivalRow,
    BookPage,
    CalendarCell,
    CalendarColumn,
    CalendarEvent,
    CalendarPage,
    CalendarRow,
    CalendarView,
    CellKind,
    ChainRow,
    CheckInPage,
    Choice,
    ConditionRow,
    CourseRow,
    FreedSlotRow,
    Link,
    MovedRow,
    OfferRow,
    PatientHit,
    PlanPage,
    PlanRow,
    RepairView,
    ResourceKind,
    RuleProblem,
    SelectedPatient,
    SlotOption,
    Status,
    WaitingRow,
    WaitlistPage,
)
from prolo.web.deps import FormDep, Page, PageDep
from prolo.web.htmx import redirect_after_post
from prolo.web.rendering import render

router = APIRouter(prefix="/reception")

CALENDAR_FRAGMENT: Final = "calendar"
"""The block of pages/reception/calendar.html that htmx swaps when navigating."""


# --------------------------------------------------------------------------- shared


@dataclass(frozen=True)
class _Desk:
    """The clinic as the desk shows it: zone, hours, and names of its resources."""

    clinic: Clinic
    zone: ZoneInfo
    clinicians: list[StaffMember]
    rooms: dict[uuid.UUID, str]
    places: dict[uuid.UUID, str]

    @property
    def clinician_names(self) -> dict[uuid.UUID, str]:
        return {c.id: c.name for c in self.clinicians}

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def hm(self, moment: datetime) -> str:
        return f"{self.local(moment):%H:%M}"


def _desk(page: Page) -> _Desk:
    booking.require_desk(page.actor)
    clinic = clinic_service.get_clinic(page.uow, page.actor)
    return _Desk(
        clinic=clinic,
        zone=ZoneInfo(clinic.timezone),
        clinicians=[
            s
            for s in clinic_service.list_staff(
                page.uow, page.actor, role=Role.clinician
            )
            if s.active
        ],
        rooms={
            r.id: r.name
            for r in clinic_service.list_rooms(page.uow, page.actor)
            if r.active
        },
        places={
            p.id: p.name
            for p in clinic_service.list_recovery_places(page.uow, page.actor)
            if p.active
        },
    )


def _today(page: Page, desk: _Desk) -> date:
    return page.uow.now().astimezone(desk.zone).date()


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _parse_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _status(value: AppointmentStatus) -> Status:
    return value.value


def _condition_name(condition_id: str, lang: str) -> str:
    """The condition's name from the catalog (the catalog names conditions in English only)."""
    del lang
    condition = load_catalog().conditions.get(condition_id)
    return condition.name if condition else condition_id


# --------------------------------------------------------------------------- calendar


def _href(**params: str) -> str:
    return "/reception?" + urlencode({k: v for k, v in params.items() if v})


def _opening(desk: _Desk, day: date) -> list[tuple[time, time]]:
    return desk.clinic.opening_hours.get(booking.WEEKDAY_KEYS[day.weekday()], [])


def _inside(blocks: Sequence[tuple[time, time]], start: time, end: time) -> bool:
    return any(a <= start and end <= b for a, b in blocks)


def _cell_kind(
    desk: _Desk, day: date, start: time, end: time, clinician: StaffMember | None
) -> str:
    if not _inside(_opening(desk, day), start, end):
        return "closed"
    if clinician is not None:
        if any(v.start_date <= day <= v.end_date for v in clinician.leave):
            return "leave"
        roster = [
            (s.starts, s.ends) for s in clinician.roster if s.weekday == day.weekday()
        ]
        if not _inside(roster, start, end):
            return "off"
    return "free"


def _span(
    entry: CalendarEntry, resource: ResourceKind
) -> tuple[datetime, datetime, uuid.UUID]:
    a = entry.appointment
    if resource == "clinician":
        return a.starts_at, a.ends_at, a.clinician_id
    if resource == "room":
        return a.starts_at, a.ends_at, a.room_id
    return a.recovery_starts_at, a.recovery_ends_at, a.recovery_place_id


def _event(desk: _Desk, entry: CalendarEntry) -> CalendarEvent:
    a = entry.appointment
    return CalendarEvent(
        href=f"/reception/appointments/{a.id}",
        patient_name=entry.patient_name,
        session_number=a.session_number,
        planned_sessions=entry.planned_sessions,
        status=_status(a.status),
        time_label=f"{desk.hm(a.starts_at)}\u2013{desk.hm(a.ends_at)}",
        resource_label=desk.clinician_names.get(a.clinician_id, "?"),
    )


@router.get("", name="reception_calendar")
def calendar_page(
    request: Request,
    page: PageDep,
    view: Annotated[str, Query(max_length=8)] = "day",
    resource: Annotated[str, Query(max_length=12)] = "clinician",
    day: Annotated[str | None, Query(alias="date", max_length=10)] = None,
    resource_id: Annotated[str | None, Query(alias="id", max_length=40)] = None,
    booked: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Day (every resource of a kind side by side) or week (one resource, day by day)."""
    desk = _desk(page)
    chosen_view: CalendarView = "week" if view == "week" else "day"
    kind: ResourceKind = (
        cast(ResourceKind, resource)
        if resource in ("clinician", "room", "place")
        else "clinician"
    )
    today = _today(page, desk)
    focus = _parse_date(day) or today
    if chosen_view == "week":
        first = focus - timedelta(days=focus.weekday())
        days = [first + timedelta(days=i) for i in range(7)]
        days = [d for d in days if _opening(desk, d)] or days
        step_days = 7
    else:
        first = focus
        days = [focus]
        step_days = 1
    resources: list[tuple[uuid.UUID, str]] = (
        [(c.id, c.name) for c in desk.clinicians]
        if kind == "clinician"
        else sorted(desk.rooms.items(), key=lambda r: r[1])
        if kind == "room"
        else sorted(desk.places.items(), key=lambda p: p[1])
    )
    picked = _parse_uuid(resource_id)
    if picked not in {r for r, _ in resources}:
        picked = resources[0][0] if resources else None
    staff = {c.id: c for c in desk.clinicians}
    start = datetime.combine(days[0], time(0), desk.zone)
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), desk.zone)
    entries = booking.calendar(
        page.uow, page.actor, starts_from=start, starts_before=end
    )
    active = [e for e in entries if e.appointment.status in ACTIVE_APPOINTMENT_STATUSES]
    inactive = tuple(
        _event(desk, e)
        for e in entries
        if e.appointment.status not in ACTIVE_APPOINTMENT_STATUSES
    )
    # columns: (day, resource id)
    if chosen_view == "week":
        columns = [(d, picked) for d in days]
    else:
        columns = [(focus, r) for r, _ in resources]
    hours = [h for d in days for h in _opening(desk, d)]
    opens = min((a for a, _ in hours), default=time(9, 0))
    closes = max((b for _, b in hours), default=time(17, 0))
    step = timedelta(minutes=desk.clinic.slot_minutes)
    times: list[time] = []
    cursor = datetime.combine(focus, opens)
    while cursor.time() < closes and cursor.date() == focus:
        times.append(cursor.time())
        cursor += step
    grid: dict[tuple[int, int], CalendarCell | None] = {}
    for col, (col_day, rid) in enumerate(columns):
        for entry in active:
            s, e, holder = _span(entry, kind)
            local = desk.local(s)
            if holder != rid or local.date() != col_day:
                continue
            row = next((i for i, t in enumerate(times) if t >= local.time()), None)
            if row is None or (row, col) in grid:
                continue
            span = max(1, -(-int((e - s).total_seconds()) // int(step.total_seconds())))
            span = min(span, len(times) - row)
            grid[(row, col)] = CalendarCell("event", span, _event(desk, entry))
            for covered in range(row + 1, row + span):
                grid[(covered, col)] = None
    rows = []
    for i, t in enumerate(times):
        cells = []
        for col, (col_day, rid) in enumerate(columns):
            if (i, col) in grid:
                cell = grid[(i, col)]
                if cell is not None:
                    cells.append(cell)
                continue
            end_t = (datetime.combine(col_day, t) + step).time()
            end_t = end_t if end_t > t else time(23, 59)
            clinician = staff.get(rid) if kind == "clinician" and rid else None
            cells.append(
                CalendarCell(
                    cast(CellKind, _cell_kind(desk, col_day, t, end_t, clinician))
                )
            )
        rows.append(
            CalendarRow(t.strftime("%H:%M") if t.minute % 30 == 0 else "", tuple(cells))
        )
    if chosen_view == "week":
        header = tuple(
            CalendarColumn(
                None,
                d,
                leave=bool(
                    kind == "clinician"
                    and picked in staff
                    and any(
                        v.start_date <= d <= v.end_date for v in staff[picked].leave
                    )
                ),
            )
            for d in days
        )
    else:
        header = tuple(
            CalendarColumn(
                name,
                None,
                leave=bool(
                    kind == "clinician"
                    and any(
                        v.start_date <= focus <= v.end_date for v in staff[rid].leave
                    )
                ),
            )
            for rid, name in resources
        )
    base = {
        "view": chosen_view,
        "resource": kind,
        "id": str(picked) if picked and chosen_view == "week" else "",
    }
    context = CalendarPage(
        lang=page.lang,
        shell=page.shell,
        view=chosen_view,
        resource=kind,
        first_day=days[0],
        last_day=days[-1],
        view_links=tuple(
            Link(
                v,
                _href(**{**base, "view": v, "date": focus.isoformat()}),
                v == chosen_view,
            )
            for v in ("day", "week")
        ),
        resource_links=tuple(
            Link(
                k,
                _href(view=chosen_view, resource=k, date=focus.isoformat()),
                k == kind,
            )
            for k in ("clinician", "room", "place")
        ),
        resource_choices=tuple(
            Link(
                name,
                _href(**{**base, "id": str(rid), "date": focus.isoformat()}),
                rid == picked,
            )
            for rid, name in resources
        )
        if chosen_view == "week"
        else (),
        previous_href=_href(
            **base, date=(focus - timedelta(days=step_days)).isoformat()
        ),
        next_href=_href(**base, date=(focus + timedelta(days=step_days)).isoformat()),
        today_href=_href(**base, date=today.isoformat()),
        step_minutes=desk.clinic.slot_minutes,
        columns=header,
        rows=tuple(rows),
        inactive=inactive,
        booked_notice=bool(booked),
    )
    return render(
        request, "pages/reception/calendar.html", context, fragment=CALENDAR_FRAGMENT
    )


# --------------------------------------------------------------------------- booking a course


def _book_page(
    request: Request,
    page: PageDep,
    desk: _Desk,
    *,
    query: str,
    patient_id: uuid.UUID | None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    hits: tuple[PatientHit, ...] = ()
    if query.strip():
        found = patient_service.list_patients(
            page.uow, page.actor, query=query.strip(), limit=20
        )
        hits = tuple(
            PatientHit(
                p.name,
                p.birth_date.isoformat() if p.birth_date else "",
                "/reception/book?" + urlencode({"patient": str(p.id)}),
            )
            for p in found.items
        )
    selected = None
    if patient_id is not None:
        patient = patient_service.get_patient(
            page.uow, page.actor, patient_id=patient_id
        )
        rules = clinic_service.course_rules(page.uow, page.actor.clinic_id)
        course_rows = []
        for course in course_service.list_courses(
            page.uow, page.actor, patient_id=patient.id
        ):
            detail = course_service.get_course(
                page.uow, page.actor, course_id=course.id
            )
            booked = len(
                [
                    a
                    for a in detail.appointments
                    if a.status in ACTIVE_APPOINTMENT_STATUSES
                ]
            )
            open_course = course.status in (CourseStatus.planned, CourseStatus.active)
            course_rows.append(
                CourseRow(
                    _condition_name(course.condition_id, page.lang),
                    course.status.value,
                    f"{booked}/{course.planned_sessions}",
                    f"/reception/book/{course.id}"
                    if open_course and booked < course.planned_sessions
                    else None,
                )
            )
        readiness = course_service.booking_readiness(
            page.uow, page.actor, patient_id=patient.id
        )
        selected = SelectedPatient(
            patient_id=str(patient.id),
            name=patient.name,
            detail=patient.birth_date.isoformat() if patient.birth_date else "",
            courses=tuple(course_rows),
            conditions=tuple(
                ConditionRow(
                    r.condition_id,
                    _condition_name(r.condition_id, page.lang),
                    r.readiness.value,
                )
                for r in readiness
            ),
            ready=tuple(
                Choice(r.condition_id, _condition_name(r.condition_id, page.lang))
                for r in readiness
                if r.readiness is course_service.Readiness.ready
            ),
            clinicians=tuple(Choice(str(c.id), c.name) for c in desk.clinicians),
            min_sessions=rules.min_sessions,
            max_sessions=rules.max_sessions,
        )
    context = BookPage(
        lang=page.lang,
        shell=page.shell,
        query=query,
        hits=hits,
        patient=selected,
        error=error,
    )
    return render(
        request, "pages/reception/book.html", context, status_code=status_code
    )


@router.get("/book", name="reception_book")
def book_page(
    request: Request,
    page: PageDep,
    q: Annotated[str, Query(max_length=100)] = "",
    patient: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Find a patient; see their courses and which conditions a course can be started for."""
    desk = _desk(page)
    return _book_page(request, page, desk, query=q, patient_id=_parse_uuid(patient))


@router.post("/book/course", name="reception_start_course")
def start_course(
    request: Request,
    page: PageDep,
    patient_id: Annotated[uuid.UUID, Form()],
    condition_id: Annotated[str, Form(max_length=80)],
    planned_sessions: Annotated[int, Form(ge=1, le=50)],
    preferred_clinician_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Create a course for a screened patient (the service refuses anyone not signed off
    eligible for the condition, and says why), then plan its sessions."""
    desk = _desk(page)
    try:
        course = course_service.create_course(
            page.uow,
            page.actor,
            patient_id=patient_id,
            condition_id=condition_id,
            planned_sessions=planned_sessions,
            preferred_clinician_id=_parse_uuid(preferred_clinician_id),
        )
    except ServiceError as exc:
        note_refusal(request, exc)
        return _book_page(
            request,
            page,
            desk,
            query="",
            patient_id=patient_id,
            error=exc.detail,
            status_code=exc.status,
        )
    return redirect_after_post(request, f"/reception/book/{course.id}")


def _choices(
    items: Sequence[tuple[uuid.UUID, str]], selected: uuid.UUID | None
) -> tuple[Choice, ...]:
    return tuple(Choice(str(i), name, i == selected) for i, name in items)


@dataclass(frozen=True)
class _Draft:
    number: int
    day: date | None
    at: time | None
    clinician: uuid.UUID | None
    room: uuid.UUID | None
    place: uuid.UUID | None

    def request(self, zone: ZoneInfo) -> SlotRequest | None:
        if (
            self.day is None
            or self.at is None
            or self.clinician is None
            or self.room is None
            or self.place is None
        ):
            return None
        return SlotRequest(
            self.number,
            datetime.combine(self.day, self.at, zone),
            self.clinician,
            self.room,
            self.place,
        )


def _rule_problems(
    check: PlanCheck, dates: dict[int, date], page: Page
) -> tuple[RuleProblem, ...]:
    rules = clinic_service.course_rules(page.uow, page.actor.clinic_id)
    found = []
    for problem in check.rule_problems:
        sessions = problem.sessions or (0,)
        first, second = sessions[0], sessions[-1]
        gap = (
            (dates[second] - dates[first]).days
            if first in dates and second in dates
            else 0
        )
        limit = {
            "gap_too_short": rules.min_gap_days,
            "gap_too_long": rules.max_gap_days,
            "too_many_sessions": rules.max_sessions,
            "too_few_sessions": rules.min_sessions,
        }.get(problem.code.value, 0)
        found.append(RuleProblem(problem.code.value, first, second, gap, limit))
    return tuple(found)


def _plan_page(
    request: Request,
    page: PageDep,
    desk: _Desk,
    course_id: uuid.UUID,
    *,
    drafts: Sequence[_Draft] | None,
    start: date,
    check: PlanCheck | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    detail = course_service.get_course(page.uow, page.actor, course_id=course_id)
    course = detail.course
    patient = patient_service.get_patient(
        page.uow, page.actor, patient_id=course.patient_id
    )
    booked = {
        a.session_number: a
        for a in detail.appointments
        if a.status in ACTIVE_APPOINTMENT_STATUSES
    }
    if drafts is None:
        try:
            proposal = booking.propose_course(
                page.uow, page.actor, course_id=course.id, first_day=start
            )
        except ServiceError as exc:
            note_refusal(request, exc)
            proposal, error = [], exc.detail
        unbooked = [n for n in range(1, course.planned_sessions + 1) if n not in booked]
        drafts = [
            _Draft(
                n,
                desk.local(s.starts_at).date(),
                desk.local(s.starts_at).time(),
                s.clinician_id,
                s.room_id,
                s.recovery_place_id,
            )
            for n, s in zip(unbooked, proposal, strict=False)
        ]
    dates = {n: desk.local(a.starts_at).date() for n, a in booked.items()}
    dates.update({d.number: d.day for d in drafts if d.day})
    rules = clinic_service.course_rules(page.uow, page.actor.clinic_id)
    clinicians = [(c.id, c.name) for c in desk.clinicians]
    rooms = sorted(desk.rooms.items(), key=lambda r: r[1])
    places = sorted(desk.places.items(), key=lambda p: p[1])
    rows = []
    for a in sorted(booked.values(), key=lambda a: a.session_number):
        rows.append(
            PlanRow(
                number=a.session_number,
                window_from=None,
                window_to=None,
                date_value=desk.local(a.starts_at).date().isoformat(),
                time_value=desk.hm(a.starts_at),
                clinicians=_choices(clinicians, a.clinician_id),
                rooms=_choices(rooms, a.room_id),
                places=_choices(places, a.recovery_place_id),
                problem=None,
                booked=True,
            )
        )
    for d in drafts:
        previous = dates.get(d.number - 1)
        rows.append(
            PlanRow(
                number=d.number,
                window_from=previous + timedelta(days=rules.min_gap_days)
                if previous
                else None,
                window_to=previous + timedelta(days=rules.max_gap_days)
                if previous
                else None,
                date_value=d.day.isoformat() if d.day else "",
                time_value=d.at.strftime("%H:%M") if d.at else "",
                clinicians=_choices(clinicians, d.clinician),
                rooms=_choices(rooms, d.room),
                places=_choices(places, d.place),
                problem=check.session_problems.get(d.number) if check else None,
                booked=False,
            )
        )
    rows.sort(key=lambda r: r.number)
    context = PlanPage(
        lang=page.lang,
        shell=page.shell,
        patient_name=patient.name,
        condition=_condition_name(course.condition_id, page.lang),
        planned_sessions=course.planned_sessions,
        start_value=start.isoformat(),
        rows=tuple(rows),
        rule_problems=_rule_problems(check, {k: v for k, v in dates.items() if v}, page)
        if check
        else (),
        checked_ok=bool(check and check.ok),
        error=error,
        action_href=f"/reception/book/{course.id}",
    )
    return render(
        request, "pages/reception/plan.html", context, status_code=status_code
    )


@router.get("/book/{course_id}", name="reception_plan")
def plan_page(
    request: Request,
    page: PageDep,
    course_id: uuid.UUID,
    start: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """The scheduler's proposal for every unbooked session, each in its window."""
    desk = _desk(page)
    first = _parse_date(start) or _today(page, desk) + timedelta(days=1)
    return _plan_page(request, page, desk, course_id, drafts=None, start=first)


def _drafts(form: dict[str, str], numbers: int) -> list[_Draft]:
    def text(name: str) -> str:
        return form.get(name, "")

    drafts = []
    for n in range(1, numbers + 1):
        if f"s{n}_date" not in form:
            continue
        at = None
        try:
            at = time.fromisoformat(text(f"s{n}_time")) if text(f"s{n}_time") else None
        except ValueError:
            at = None
        drafts.append(
            _Draft(
                n,
                _parse_date(text(f"s{n}_date")),
                at,
                _parse_uuid(text(f"s{n}_clinician")),
                _parse_uuid(text(f"s{n}_room")),
                _parse_uuid(text(f"s{n}_place")),
            )
        )
    return drafts


@router.post("/book/{course_id}", name="reception_plan_submit")
def plan_submit(
    request: Request,
    page: PageDep,
    course_id: uuid.UUID,
    form: FormDep,
    action: Annotated[str, Form(max_length=10)] = "check",
    start: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """`action=propose`: a new proposal from `start`; `check`: say what is wrong with the
    adjusted sessions; `book`: book them all or nothing."""
    desk = _desk(page)
    first = _parse_date(start) or _today(page, desk) + timedelta(days=1)
    if action == "propose":
        return _plan_page(request, page, desk, course_id, drafts=None, start=first)
    course = course_service.get_course(page.uow, page.actor, course_id=course_id).course
    drafts = _drafts(form, max(course.planned_sessions, 1))
    requests = [d.request(desk.zone) for d in drafts]
    if not drafts or any(r is None for r in requests):
        return _plan_page(
            request,
            page,
            desk,
            course_id,
            drafts=drafts,
            start=first,
            error="Fill in the date, time, clinician, room and recovery place of every session.",
            status_code=422,
        )
    slots = [r for r in requests if r is not None]
    check = booking.check_plan(
        page.uow, page.actor, course_id=course_id, sessions=slots
    )
    if action != "book" or not check.ok:
        return _plan_page(
            request,
            page,
            desk,
            course_id,
            drafts=drafts,
            start=first,
            check=check,
            # a check that finds problems did its job (200); a refused booking is a 422
            status_code=422 if action == "book" else 200,
        )
    try:
        booked = booking.book_sessions(
            page.uow, page.actor, course_id=course_id, sessions=slots
        )
    except ServiceError as exc:
        note_refusal(request, exc)
        return _plan_page(
            request,
            page,
            desk,
            course_id,
            drafts=drafts,
            start=first,
            check=check,
            error=exc.detail,
            status_code=exc.status,
        )
    first_day = min(desk.local(a.starts_at).date() for a in booked)
    return redirect_after_post(
        request,
        _href(
            view="day",
            resource="clinician",
            date=first_day.isoformat(),
            booked=str(course_id),
        ),
    )


# --------------------------------------------------------------------------- one appointment


def _slot_options(
    desk: _Desk, options: Sequence[FreeSlot], number: int
) -> tuple[SlotOption, ...]:
    return tuple(
        SlotOption(
            day=desk.local(o.starts_at).date(),
            time_label=desk.hm(o.starts_at),
            clinician=desk.clinician_names.get(o.clinician_id, "?"),
            session_number=number,
            starts_at=o.starts_at.isoformat(),
            clinician_id=str(o.clinician_id),
            room_id=str(o.room_id),
            place_id=str(o.recovery_place_id),
        )
        for o in options
    )


def _attempt(
    request: Request,
    page: PageDep,
    desk: _Desk,
    appointment_id: uuid.UUID,
    action: Callable[[], rebooking.RepairResult],
) -> rebooking.RepairResult | Response:
    """Run a cancel / no-show / rebook; a refusal re-renders the appointment page with why."""
    try:
        return action()
    except ServiceError as exc:
        note_refusal(request, exc)
        return _appointment_page(
            request,
            page,
            desk,
            appointment_id,
            error=exc.detail,
            status_code=exc.status,
        )


def _appointment_page(
    request: Request,
    page: PageDep,
    desk: _Desk,
    appointment_id: uuid.UUID,
    *,
    result: rebooking.RepairResult | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    a = booking.get_appointment(page.uow, page.actor, appointment_id=appointment_id)
    detail = course_service.get_course(page.uow, page.actor, course_id=a.course_id)
    patient = patient_service.get_patient(page.uow, page.actor, patient_id=a.patient_id)
    changed = {c.appointment_id for c in result.changes} if result else set()
    chain = tuple(
        ChainRow(
            number=x.session_number,
            day=desk.local(x.starts_at).date(),
            time_label=desk.hm(x.starts_at),
            status=_status(x.status),
            who=desk.clinician_names.get(x.clinician_id, "?"),
            href=None if x.id == a.id else f"/reception/appointments/{x.id}",
            changed=x.id in changed,
            current=x.id == a.id,
        )
        for x in sorted(
            detail.appointments, key=lambda x: (x.session_number, x.starts_at)
        )
    )
    now = page.uow.now()
    options: tuple[SlotOption, ...] = ()
    need_override = False
    if result is not None and not result.repaired:
        options = _slot_options(desk, result.options, result.session_number)
        need_override = result.options_need_override
    elif a.status is AppointmentStatus.booked and detail.course.status in (
        CourseStatus.planned,
        CourseStatus.active,
    ):
        found, need_override = rebooking.nearest_dates(
            page.uow, page.actor, course_id=a.course_id, session_number=a.session_number
        )
        options = _slot_options(desk, found, a.session_number)
    repair = None
    if result is not None:
        repair = RepairView(
            repaired=result.repaired,
            moved=tuple(
                MovedRow(
                    c.session_number,
                    desk.local(c.from_starts_at).date() if c.from_starts_at else None,
                    desk.hm(c.from_starts_at) if c.from_starts_at else "",
                    desk.local(c.to_starts_at).date(),
                    desk.hm(c.to_starts_at),
                )
                for c in result.changes
            ),
            problem=result.problem,
            need_override=result.options_need_override,
        )
    context = AppointmentPage(
        lang=page.lang,
        shell=page.shell,
        appointment_id=str(a.id),
        version=a.version,
        patient_name=patient.name,
        session_number=a.session_number,
        planned_sessions=detail.course.planned_sessions,
        day=desk.local(a.starts_at).date(),
        time_label=f"{desk.hm(a.starts_at)}\u2013{desk.hm(a.recovery_ends_at)}",
        clinician=desk.clinician_names.get(a.clinician_id, "?"),
        room=desk.rooms.get(a.room_id, "?"),
        place=desk.places.get(a.recovery_place_id, "?"),
        status=_status(a.status),
        status_reason=a.status_reason,
        chain=chain,
        can_cancel=a.status in (AppointmentStatus.booked, AppointmentStatus.checked_in),
        can_no_show=a.status is AppointmentStatus.booked and now >= a.starts_at,
        can_check_in=a.status is AppointmentStatus.booked
        and desk.local(a.starts_at).date() == _today(page, desk),
        options=options,
        options_need_override=need_override,
        repair=repair,
        error=error,
        calendar_href=_href(
            view="day",
            resource="clinician",
            date=desk.local(a.starts_at).date().isoformat(),
        ),
    )
    return render(
        request, "pages/reception/appointment.html", context, status_code=status_code
    )


@router.get("/appointments/{appointment_id}", name="reception_appointment")
def appointment_page(
    request: Request, page: PageDep, appointment_id: uuid.UUID
) -> Response:
    """One session: its course, and cancel / no-show / move to one of the nearest dates."""
    desk = _desk(page)
    return _appointment_page(request, page, desk, appointment_id)


@router.post("/appointments/{appointment_id}/cancel", name="reception_cancel")
def cancel(
    request: Request,
    page: PageDep,
    appointment_id: uuid.UUID,
    version: Annotated[int, Form()],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Cancel, then show how the course was repaired (or why it could not be, with options)."""
    desk = _desk(page)
    result = _attempt(
        request,
        page,
        desk,
        appointment_id,
        lambda: rebooking.cancel_session(
            page.uow,
            page.actor,
            appointment_id=appointment_id,
            expected_version=version,
            reason=reason,
        ),
    )
    if isinstance(result, Response):
        return result
    return _appointment_page(request, page, desk, appointment_id, result=result)


@router.post("/appointments/{appointment_id}/no-show", name="reception_no_show")
def no_show(
    request: Request,
    page: PageDep,
    appointment_id: uuid.UUID,
    version: Annotated[int, Form()],
) -> Response:
    desk = _desk(page)
    result = _attempt(
        request,
        page,
        desk,
        appointment_id,
        lambda: rebooking.mark_no_show(
            page.uow,
            page.actor,
            appointment_id=appointment_id,
            expected_version=version,
        ),
    )
    if isinstance(result, Response):
        return result
    return _appointment_page(request, page, desk, appointment_id, result=result)


@router.post("/appointments/{appointment_id}/rebook", name="reception_rebook")
def rebook(
    request: Request,
    page: PageDep,
    appointment_id: uuid.UUID,
    session_number: Annotated[int, Form(ge=1, le=50)],
    starts_at: Annotated[datetime, Form()],
    clinician_id: Annotated[uuid.UUID, Form()],
    room_id: Annotated[uuid.UUID, Form()],
    place_id: Annotated[uuid.UUID, Form()],
) -> Response:
    """Put the session at one of the offered slots; the later sessions are repaired."""
    desk = _desk(page)
    a = booking.get_appointment(page.uow, page.actor, appointment_id=appointment_id)
    result = _attempt(
        request,
        page,
        desk,
        appointment_id,
        lambda: rebooking.rebook_session(
            page.uow,
            page.actor,
            course_id=a.course_id,
            slot=SlotRequest(
                session_number, starts_at, clinician_id, room_id, place_id
            ),
        ),
    )
    if isinstance(result, Response):
        return result
    target = next(
        (
            x.id
            for x in course_service.get_course(
                page.uow, page.actor, course_id=a.course_id
            ).appointments
            if x.session_number == session_number
            and x.status is AppointmentStatus.booked
        ),
        appointment_id,
    )
    return _appointment_page(request, page, desk, target, result=result)


# --------------------------------------------------------------------------- check-in


def _check_in_page(
    request: Request,
    page: PageDep,
    desk: _Desk,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    today = _today(page, desk)
    start = datetime.combine(today, time(0), desk.zone)
    entries = booking.calendar(
        page.uow,
        page.actor,
        starts_from=start,
        starts_before=start + timedelta(days=1),
        statuses=[
            AppointmentStatus.booked,
            AppointmentStatus.checked_in,
            AppointmentStatus.done,
        ],
    )
    context = CheckInPage(
        lang=page.lang,
        shell=page.shell,
        day=today,
        arrivals=tuple(
            ArrivalRow(
                appointment_id=str(e.appointment.id),
                version=e.appointment.version,
                time_label=desk.hm(e.appointment.starts_at),
                patient_name=e.patient_name,
                session_label=f"{e.appointment.session_number}/{e.planned_sessions}",
                clinician=desk.clinician_names.get(e.appointment.clinician_id, "?"),
                room=desk.rooms.get(e.appointment.room_id, "?"),
                status=_status(e.appointment.status),
                href=f"/reception/appointments/{e.appointment.id}",
            )
            for e in entries
        ),
        error=error,
    )
    return render(
        request, "pages/reception/check_in.html", context, status_code=status_code
    )


@router.get("/check-in", name="reception_check_in")
def check_in_page(request: Request, page: PageDep) -> Response:
    """Today's arrivals, in time order."""
    return _check_in_page(request, page, _desk(page))


@router.post("/check-in/{appointment_id}", name="reception_check_in_submit")
def check_in(
    request: Request,
    page: PageDep,
    appointment_id: uuid.UUID,
    version: Annotated[int, Form()],
) -> Response:
    desk = _desk(page)
    try:
        booking.check_in(
            page.uow,
            page.actor,
            appointment_id=appointment_id,
            expected_version=version,
        )
    except ServiceError as exc:
        note_refusal(request, exc)
        return _check_in_page(
            request, page, desk, error=exc.detail, status_code=exc.status
        )
    return redirect_after_post(request, "/reception/check-in")


# --------------------------------------------------------------------------- waitlist


def _freed_row(desk: _Desk, a: Appointment, current: str | None) -> FreedSlotRow:
    return FreedSlotRow(
        day=desk.local(a.starts_at).date(),
        time_label=desk.hm(a.starts_at),
        clinician=desk.clinician_names.get(a.clinician_id, "?"),
        href="/reception/waitlist?" + urlencode({"slot": str(a.id)}),
        current=str(a.id) == current,
    )


def _waitlist_page(
    request: Request,
    page: PageDep,
    desk: _Desk,
    *,
    slot: str | None,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    freed = waitlist.freed_slots(page.uow, page.actor)
    chosen = next((a for a in freed if str(a.id) == slot), None)
    if chosen is None and freed and slot is None:
        chosen = freed[0]
    offers = (
        waitlist.offers_for_slot(page.uow, page.actor, appointment_id=chosen.id)
        if chosen
        else []
    )
    entries = waitlist.list_entries(page.uow, page.actor, limit=200).items
    today = _today(page, desk)
    names = {
        e.patient_id: patient_service.get_patient(
            page.uow, page.actor, patient_id=e.patient_id
        ).name
        for e in entries
    }
    context = WaitlistPage(
        lang=page.lang,
        shell=page.shell,
        freed=tuple(
            _freed_row(desk, a, str(chosen.id) if chosen else None) for a in freed
        ),
        slot=_freed_row(desk, chosen, str(chosen.id)) if chosen else None,
        slot_id=str(chosen.id) if chosen else None,
        offers=tuple(
            OfferRow(
                rank=o.rank,
                entry_id=str(o.entry.id),
                version=o.entry.version,
                patient_name=o.patient_name,
                window_from=o.window_earliest,
                window_to=o.window_latest,
                waited_days=o.waited_days,
                continuity=o.continuity,
                session_number=o.entry.session_number,
                bookable=o.bookable,
                offered=o.entry.status is WaitlistStatus.offered,
            )
            for o in offers
        ),
        waiting=tuple(
            WaitingRow(
                patient_name=names[e.patient_id],
                window_from=e.earliest_date,
                window_to=e.latest_date,
                session_number=e.session_number,
                status=e.status.value,
                note=e.note,
                waited_days=(today - desk.local(e.created_at).date()).days,
            )
            for e in entries
        ),
        notice="booked"
        if notice == "booked"
        else "offered"
        if notice == "offered"
        else None,
        error=error,
    )
    return render(
        request, "pages/reception/waitlist.html", context, status_code=status_code
    )


@router.get("/waitlist", name="reception_waitlist")
def waitlist_page(
    request: Request,
    page: PageDep,
    slot: Annotated[str | None, Query(max_length=40)] = None,
    done: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """Freed slots; for the chosen one, the waiting patients who fit it, ranked."""
    return _waitlist_page(request, page, _desk(page), slot=slot, notice=done)


@router.post("/waitlist/{slot_id}/book", name="reception_waitlist_book")
def waitlist_book(
    request: Request,
    page: PageDep,
    slot_id: uuid.UUID,
    entry_id: Annotated[uuid.UUID, Form()],
    version: Annotated[int, Form()],
) -> Response:
    """One click: the slot is booked for that patient and the rest of their course repaired."""
    desk = _desk(page)
    try:
        rebooking.fill_from_waitlist(
            page.uow,
            page.actor,
            freed_appointment_id=slot_id,
            entry_id=entry_id,
            entry_version=version,
        )
    except ServiceError as exc:
        note_refusal(request, exc)
        return _waitlist_page(
            request,
            page,
            desk,
            slot=str(slot_id),
            error=exc.detail,
            status_code=exc.status,
        )
    return redirect_after_post(request, "/reception/waitlist?done=booked")


@router.post("/waitlist/{slot_id}/offer", name="reception_waitlist_offer")
def waitlist_offer(
    request: Request,
    page: PageDep,
    slot_id: uuid.UUID,
    entry_id: Annotated[uuid.UUID, Form()],
    version: Annotated[int, Form()],
) -> Response:
    """Record that the slot was offered (by phone) to that patient."""
    desk = _desk(page)
    try:
        waitlist.set_status(
            page.uow,
            page.actor,
            entry_id=entry_id,
            expected_version=version,
            status=WaitlistStatus.offered,
        )
    except ServiceError as exc:
        note_refusal(request, exc)
        return _waitlist_page(
            request,
            page,
            desk,
            slot=str(slot_id),
            error=exc.detail,
            status_code=exc.status,
        )
    return redirect_after_post(
        request,
        "/reception/waitlist?" + urlencode({"slot": str(slot_id), "done": "offered"}),
    )
