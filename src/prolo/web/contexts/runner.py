"""Contexts of the session runner (the treatment room's tablet).

    PageContext
    ├── RunnerIndexPage   the day's sessions to run
    └── RunnerPage        one session: the protocol as a checklist, the clocks, injection entry,
                          the heat-pack rest, discharge (and its override), adverse events, abort

The server's state is the truth: the page shows it, every tap is a form post, and
static/js/runner.js only runs the clocks between reloads (from the `data-*` times the page
carries, corrected for the difference between the server's and the tablet's clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from prolo.web.contexts import PageContext, template_contract
from prolo.web.contexts.clinician import DayRow, InjectionRow

StepState = Literal["done", "current", "todo", "skipped"]
RunnerErrorCode = Literal[
    "rest_minimum", "red_flags", "forbidden", "conflict", "invalid", "rule"
]


@template_contract("pages/runner/index.html")
@dataclass(frozen=True, kw_only=True)
class RunnerIndexPage(PageContext):
    day: str
    rows: tuple[DayRow, ...]


@dataclass(frozen=True)
class StepView:
    """One step of the checklist."""

    kind: str
    """A prolo.domain.protocol.SessionStep value (check_in ... discharged)."""
    state: StepState
    at: str | None
    by: str | None


@dataclass(frozen=True)
class RunnerClock:
    """The times the clocks run from (ISO 8601, UTC) and what they show without JavaScript."""

    server_now: str
    procedure_started: str | None
    procedure_ended: str | None
    budget_minutes: int
    procedure_minutes: int | None
    over_budget: bool
    rest_started: str | None
    rest_minutes: int | None
    rest_min_minutes: int
    rest_max_minutes: int
    earliest_discharge: str | None
    earliest_discharge_time: str | None
    may_discharge: bool


@dataclass(frozen=True)
class SiteOption:
    id: str
    name: str
    lateral: bool


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class InjectionPrefill:
    """The injection form's starting values, from the clinic's protocol template for the
    condition (empty strings where the template reports nothing)."""

    site: str
    laterality: str
    solution: str
    concentration: str
    volume: str
    anaesthetic: str
    guidance: str
    template_title: str
    template_reported: str
    template_sources: str


@dataclass(frozen=True)
class RunnerAdverseEvent:
    at: str
    kind: str
    severity: str
    outcome: str
    action: str
    description: str


@dataclass(frozen=True)
class RunnerNote:
    severity: str
    message: str


@dataclass(frozen=True)
class RunnerError:
    """Why the last tap was refused. `rested`/`minimum` fill the rest-minimum message."""

    code: RunnerErrorCode
    message: str
    rested: str = ""
    minimum: str = ""


@template_contract("pages/runner/session.html")
@dataclass(frozen=True, kw_only=True)
class RunnerPage(PageContext):
    action_base: str
    patient_name: str
    chart_href: str
    condition: str
    session_number: int
    starts_at: str
    started: bool
    final: bool
    outcome: Literal["open", "discharged", "aborted"]
    step: str | None
    allowed: tuple[str, ...]
    version: int | None
    steps: tuple[StepView, ...]
    clock: RunnerClock
    sites: tuple[SiteOption, ...]
    prefill: InjectionPrefill
    injections: tuple[InjectionRow, ...]
    adverse_events: tuple[RunnerAdverseEvent, ...]
    adverse_kinds: tuple[Choice, ...]
    severities: tuple[str, ...]
    outcomes: tuple[str, ...]
    notes: tuple[RunnerNote, ...]
    can_override: bool
    red_flags: tuple[str, ...]
    """Red flags from self check-in that stop the session until a clinician clears them."""
    can_clear_flags: bool
    error: RunnerError | None
