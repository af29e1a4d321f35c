"""The reception desk's page contexts: calendar, booking a course, one appointment (cancel,
no-show, rebook, with the course repaired), check-in and the waitlist.

    PageContext
    ├── CalendarPage      day or week grid per clinician / room / recovery place
    ├── BookPage          find a patient, their courses, start a course
    ├── PlanPage          the proposed sessions of a course: accept, adjust, check, book
    ├── AppointmentPage   one session: its course chain, actions, the repair's outcome
    ├── CheckInPage       today's arrivals
    └── WaitlistPage      freed slots, the ranked waiting patients, all waiting entries

Everything is already shaped for display (labels, hrefs); the templates only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from prolo.web.contexts import PageContext, template_contract

CalendarView = Literal["day", "week"]
ResourceKind = Literal["clinician", "room", "place"]
CellKind = Literal["event", "free", "closed", "off", "leave"]
Status = Literal["booked", "checked_in", "done", "cancelled", "no_show"]
RuleCode = Literal[
    "too_few_sessions",
    "too_many_sessions",
    "not_increasing",
    "gap_too_short",
    "gap_too_long",
]
Readiness = Literal["ready", "awaiting_review", "not_eligible"]


@dataclass(frozen=True)
class Link:
    """A tab or a choice: its label (already translated or a name), where it goes, current."""

    label: str
    href: str
    current: bool = False


@dataclass(frozen=True)
class Choice:
    """One <option> of a select."""

    value: str
    label: str
    selected: bool = False


@dataclass(frozen=True)
class CalendarEvent:
    """An appointment in the calendar."""

    href: str
    patient_name: str
    session_number: int
    planned_sessions: int
    status: Status
    time_label: str
    resource_label: str


@dataclass(frozen=True)
class CalendarCell:
    """One cell of the grid; an event spans `rowspan` rows (the rows it covers have no cell)."""

    kind: CellKind
    rowspan: int = 1
    event: CalendarEvent | None = None


@dataclass(frozen=True)
class CalendarRow:
    time_label: str
    """Shown on the half hours; empty on the other rows."""
    cells: tuple[CalendarCell, ...]


@dataclass(frozen=True)
class CalendarColumn:
    """A resource (day view: `label` is its name) or a day (week view: `day`)."""

    label: str | None
    day: date | None
    leave: bool = False


@template_contract("pages/reception/calendar.html")
@dataclass(frozen=True, kw_only=True)
class CalendarPage(PageContext):
    view: CalendarView
    resource: ResourceKind
    first_day: date
    last_day: date
    view_links: tuple[Link, ...]
    resource_links: tuple[Link, ...]
    resource_choices: tuple[Link, ...]
    """Week view: which clinician / room / place the week shows."""
    previous_href: str
    next_href: str
    today_href: str
    step_minutes: int
    columns: tuple[CalendarColumn, ...]
    rows: tuple[CalendarRow, ...]
    inactive: tuple[CalendarEvent, ...]
    """Cancelled and no-show appointments of the period (they hold no resource)."""
    booked_notice: bool


# --- booking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatientHit:
    name: str
    detail: str
    href: str


@dataclass(frozen=True)
class CourseRow:
    condition: str
    status: str
    sessions_label: str
    plan_href: str | None


@dataclass(frozen=True)
class ConditionRow:
    condition_id: str
    condition: str
    readiness: Readiness


@dataclass(frozen=True)
class SelectedPatient:
    patient_id: str
    name: str
    detail: str
    courses: tuple[CourseRow, ...]
    conditions: tuple[ConditionRow, ...]
    ready: tuple[Choice, ...]
    clinicians: tuple[Choice, ...]
    min_sessions: int
    max_sessions: int


@template_contract("pages/reception/book.html")
@dataclass(frozen=True, kw_only=True)
class BookPage(PageContext):
    query: str
    hits: tuple[PatientHit, ...]
    patient: SelectedPatient | None
    error: str | None


@dataclass(frozen=True)
class RuleProblem:
    """A broken course rule, said plainly (translated from its code)."""

    code: RuleCode
    first: int
    second: int
    gap: int
    limit: int


@dataclass(frozen=True)
class PlanRow:
    number: int
    window_from: date | None
    window_to: date | None
    date_value: str
    time_value: str
    clinicians: tuple[Choice, ...]
    rooms: tuple[Choice, ...]
    places: tuple[Choice, ...]
    problem: str | None
    booked: bool
    """Already booked: shown, not editable here."""


@template_contract("pages/reception/plan.html")
@dataclass(frozen=True, kw_only=True)
class PlanPage(PageContext):
    patient_name: str
    condition: str
    planned_sessions: int
    start_value: str
    rows: tuple[PlanRow, ...]
    rule_problems: tuple[RuleProblem, ...]
    checked_ok: bool
    error: str | None
    action_href: str


# --- one appointment: cancel, no-show, rebook -------------------------------------------------------


@dataclass(frozen=True)
class ChainRow:
    number: int
    day: date
    time_label: str
    status: Status
    who: str
    href: str | None
    changed: bool
    current: bool


@dataclass(frozen=True)
class SlotOption:
    """A free slot reception can move (or rebook) a session to, as a one-click form."""

    day: date
    time_label: str
    clinician: str
    session_number: int
    starts_at: str
    clinician_id: str
    room_id: str
    place_id: str


@dataclass(frozen=True)
class MovedRow:
    """A session the repair booked again (`from_day` None) or moved."""

    number: int
    from_day: date | None
    from_time: str
    to_day: date
    to_time: str


@dataclass(frozen=True)
class RepairView:
    repaired: bool
    moved: tuple[MovedRow, ...]
    problem: str | None
    need_override: bool


@template_contract("pages/reception/appointment.html")
@dataclass(frozen=True, kw_only=True)
class AppointmentPage(PageContext):
    appointment_id: str
    version: int
    patient_name: str
    session_number: int
    planned_sessions: int
    day: date
    time_label: str
    clinician: str
    room: str
    place: str
    status: Status
    status_reason: str | None
    chain: tuple[ChainRow, ...]
    can_cancel: bool
    can_no_show: bool
    can_check_in: bool
    options: tuple[SlotOption, ...]
    options_need_override: bool
    repair: RepairView | None
    error: str | None
    calendar_href: str


# --- check-in -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArrivalRow:
    appointment_id: str
    version: int
    time_label: str
    patient_name: str
    session_label: str
    clinician: str
    room: str
    status: Status
    href: str


@template_contract("pages/reception/check_in.html")
@dataclass(frozen=True, kw_only=True)
class CheckInPage(PageContext):
    day: date
    arrivals: tuple[ArrivalRow, ...]
    error: str | None


# --- waitlist -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FreedSlotRow:
    day: date
    time_label: str
    clinician: str
    href: str
    current: bool


@dataclass(frozen=True)
class OfferRow:
    rank: int
    entry_id: str
    version: int
    patient_name: str
    window_from: date
    window_to: date | None
    waited_days: int
    continuity: bool
    session_number: int | None
    bookable: bool
    offered: bool


@dataclass(frozen=True)
class WaitingRow:
    patient_name: str
    window_from: date
    window_to: date | None
    session_number: int | None
    status: str
    note: str | None
    waited_days: int


@template_contract("pages/reception/waitlist.html")
@dataclass(frozen=True, kw_only=True)
class WaitlistPage(PageContext):
    freed: tuple[FreedSlotRow, ...]
    slot: FreedSlotRow | None
    slot_id: str | None
    offers: tuple[OfferRow, ...]
    waiting: tuple[WaitingRow, ...]
    notice: Literal["booked", "offered"] | None
    error: str | None
