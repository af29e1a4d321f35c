"""Contexts of the patient portal (/portal), shared with the self check-in forms.

    PageContext
    ├── PortalHomePage            upcoming appointments, the course in brief, the calendar file
    ├── PortalQuestionnairesPage  the questionnaires due before the next session, one form each,
    │                             and the score of the one just sent, in plain words
    └── PortalProgressPage        the patient's own outcome charts (pain first)

Values are shaped by the route (prolo.web.routes.portal): dates and times in the clinic's time
zone, text that the catalogs translate given as keys and parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from prolo.web.contexts import CourseFacts, PageContext, template_contract


@dataclass(frozen=True)
class AppointmentItem:
    """One upcoming session."""

    date: str
    time: str
    session_number: int
    planned_sessions: int
    checked_in: bool
    check_in_href: str | None
    """The self check-in form (only on the day of the session)."""


@template_contract("pages/portal/home.html")
@dataclass(frozen=True, kw_only=True)
class PortalHomePage(PageContext):
    given_name: str
    appointments: tuple[AppointmentItem, ...]
    sessions_done: int
    planned_sessions: int
    course: CourseFacts
    due_count: int
    calendar_href: str | None
    """The .ics download (None when there is no course yet)."""


@dataclass(frozen=True)
class FormOption:
    value: int
    label: str


@dataclass(frozen=True)
class FormItem:
    """One item of a questionnaire: its id, a neutral label (never licensed wording)."""

    item_id: str
    label: str
    field_name: str
    field_id: str
    options: tuple[FormOption, ...]
    selected: int | None


@dataclass(frozen=True)
class QuestionnaireForm:
    """One instrument's form. `nrs` is shown as a 0-10 scale with its (free) anchors."""

    instrument_id: str
    name: str
    timepoint_key: str
    """A catalog key: portal.timepoint.baseline / .session / .follow_up."""
    timepoint_number: int
    action: str
    items: tuple[FormItem, ...]
    is_nrs: bool
    error: str | None
    """The scoring's refusal, in its own words (e.g. too many items left empty)."""


ScoreMeaning = Literal[
    "first", "better_meaningful", "better_small", "same", "worse", "withheld"
]


@dataclass(frozen=True)
class ScoreResult:
    """The score of a questionnaire just sent, and what it means in plain words."""

    instrument_id: str
    name: str
    score: str | None
    min: str
    max: str
    higher_is_better: bool
    meaning: ScoreMeaning
    baseline: str | None
    improvement: str | None


@template_contract("pages/portal/questionnaires.html")
@dataclass(frozen=True, kw_only=True)
class PortalQuestionnairesPage(PageContext):
    forms: tuple[QuestionnaireForm, ...]
    result: ScoreResult | None
    opens_on: str | None
    """When the next questionnaires open, if none is open now."""
    has_course: bool
    progress_href: str | None


@dataclass(frozen=True)
class ProgressRow:
    timepoint_key: str
    """portal.timepoint.baseline / .session / .follow_up (with `number`)."""
    number: int
    value: str


@dataclass(frozen=True)
class ProgressChart:
    instrument_id: str
    name: str
    src: str
    rows: tuple[ProgressRow, ...]
    higher_is_better: bool


@template_contract("pages/portal/progress.html")
@dataclass(frozen=True, kw_only=True)
class PortalProgressPage(PageContext):
    charts: tuple[ProgressChart, ...]
    sessions_done: int
