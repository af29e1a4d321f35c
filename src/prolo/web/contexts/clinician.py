"""Contexts of the clinician's pages: today's list, the patient list and the patient chart.

    PageContext
    ├── ClinicianTodayPage    the day's sessions with where each stands (booked ... done)
    ├── PatientListPage       search, and the patients found
    └── PatientChartPage      intake, screening (sign-off), course timeline, outcome charts,
                              course advice, session history with injections and adverse events

Values are shaped for display by the route (prolo.web.routes.clinician): times already in the
clinic's timezone, ids as strings, codes kept as codes so the template can translate them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from prolo.web.contexts import PageContext, template_contract

DayStatusCode = Literal[
    "booked", "checked_in", "in_progress", "done", "aborted", "cancelled", "no_show"
]
"""The values of prolo.services.sessions.DayStatus (a test keeps them equal)."""


@dataclass(frozen=True)
class DayRow:
    """One session of the day."""

    time: str
    patient_name: str
    chart_href: str
    condition: str
    session_number: int
    clinician: str
    status: DayStatusCode
    runner_href: str | None
    """None when the session cannot be run (cancelled, no-show)."""
    red_flags: tuple[str, ...] = ()
    """Red flags the patient's self check-in raised (empty when no service reports them)."""


@template_contract("pages/clinician/today.html")
@dataclass(frozen=True, kw_only=True)
class ClinicianTodayPage(PageContext):
    """The clinician's and nurse's home: the day's sessions."""

    day: str
    rows: tuple[DayRow, ...]


@dataclass(frozen=True)
class PatientRow:
    name: str
    birth_date: str
    href: str


@template_contract("pages/clinician/patients.html")
@dataclass(frozen=True, kw_only=True)
class PatientListPage(PageContext):
    query: str
    patients: tuple[PatientRow, ...]
    total: int


# --- the chart -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeAnswer:
    """One answered intake question: the Intake field name and its answer for display."""

    field: str
    kind: Literal["yes", "no", "text"]
    text: str


@dataclass(frozen=True)
class ReasonRow:
    """One reason of a screening decision, as the domain gave it."""

    code: str
    severity: str
    message: str
    source: str


SignOffError = Literal["reason_required", "forbidden", "conflict", "invalid"]


@dataclass(frozen=True)
class ScreeningView:
    id: str
    screened_at: str
    outcome: Literal["eligible", "needs_review", "not_eligible"]
    reasons: tuple[ReasonRow, ...]
    signed_off: bool
    final_outcome: str | None
    override_reason: str | None
    signed_off_at: str | None
    version: int
    intake: tuple[IntakeAnswer, ...]
    sign_off_action: str


@dataclass(frozen=True)
class SessionSlot:
    """One session of the course on the timeline: its window and its appointment, if any."""

    number: int
    window_from: str | None
    window_to: str | None
    when: str | None
    status: Literal[
        "planned", "booked", "checked_in", "in_progress", "done", "aborted", "cancelled"
    ]
    runner_href: str | None


@dataclass(frozen=True)
class ChartPointRow:
    timepoint: str
    value: str
    change: str
    responded: bool | None


@dataclass(frozen=True)
class OutcomeChart:
    """One instrument's trajectory: the chart image and the same numbers as a table."""

    instrument: str
    instrument_name: str
    src: str
    baseline: str
    mcid: str
    points: tuple[ChartPointRow, ...]


@dataclass(frozen=True)
class AdviceReasonRow:
    code: str
    message: str
    source: str


@dataclass(frozen=True)
class CourseView:
    id: str
    condition: str
    status: str
    planned_sessions: int
    sessions_done: int
    slots: tuple[SessionSlot, ...]
    charts: tuple[OutcomeChart, ...]
    advice: Literal["continue", "review", "complete"] | None
    advice_reasons: tuple[AdviceReasonRow, ...]


@dataclass(frozen=True)
class InjectionRow:
    at: str
    site: str
    laterality: str
    solution: str
    concentration: str
    volume: str
    lot_number: str
    anaesthetic: str
    guidance: str


@dataclass(frozen=True)
class AdverseEventRow:
    at: str
    kind: str
    severity: str
    description: str
    action: str


@dataclass(frozen=True)
class HistoryRow:
    """One session as it happened."""

    session_number: int | None
    date: str
    state: str
    injections: tuple[InjectionRow, ...]
    adverse_events: tuple[AdverseEventRow, ...]
    override_reason: str | None
    runner_href: str


@template_contract("pages/clinician/chart.html")
@dataclass(frozen=True, kw_only=True)
class PatientChartPage(PageContext):
    """A patient's chart. `can_sign_off`: the signed-in role may sign off screenings (clinician);
    a nurse reads the same page without the form."""

    patient_name: str
    birth_date: str
    phone: str
    screenings: tuple[ScreeningView, ...]
    can_sign_off: bool
    sign_off_error: SignOffError | None
    sign_off_message: str
    courses: tuple[CourseView, ...]
    history: tuple[HistoryRow, ...]
