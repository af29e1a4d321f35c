"""Contexts of the self check-in pages (a link before the session, the kiosk, the portal).

    PageContext
    ├── CheckinStartPage   who are you? (family name + date of birth)
    ├── CheckinFormPage    the screening questions asked again + the pre-session questionnaires
    └── CheckinDonePage    checked in; with a red flag: please wait, a clinician will see you

The forms post the identity proof (prolo.services.checkin) with the answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from prolo.web.contexts import PageContext, template_contract
from prolo.web.contexts.portal import QuestionnaireForm

StartError = Literal["mismatch", "locked", "not_found"]


@template_contract("pages/checkin/start.html")
@dataclass(frozen=True, kw_only=True)
class CheckinStartPage(PageContext):
    kiosk: bool
    clinic_name: str | None
    when: str | None
    """The appointment's date and time (a link), None at the kiosk."""
    on_the_day: bool
    action: str
    error: StartError | None
    family_name: str
    birth_date: str


@dataclass(frozen=True)
class CheckinQuestion:
    """One screening question asked again: the intake field, and the answer given so far."""

    field: str
    value: Literal["yes", "no"] | None


@template_contract("pages/checkin/form.html")
@dataclass(frozen=True, kw_only=True)
class CheckinFormPage(PageContext):
    kiosk: bool
    given_name: str
    when: str
    session_number: int
    action: str
    proof: str
    questions: tuple[CheckinQuestion, ...]
    forms: tuple[QuestionnaireForm, ...]
    error_field: str | None
    """The question left unanswered (the page says which)."""
    already_done: bool


@template_contract("pages/checkin/done.html")
@dataclass(frozen=True, kw_only=True)
class CheckinDonePage(PageContext):
    kiosk: bool
    given_name: str
    flagged: bool
    next_href: str | None
