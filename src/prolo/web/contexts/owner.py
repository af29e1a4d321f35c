"""Contexts of the clinic owner's pages (role admin).

    PageContext
    ├── OwnerReportPage       outcomes: per condition, by session, sessions to response, adverse events
    ├── OwnerUtilisationPage  clinicians' and rooms' booked time over the period
    └── OwnerExportsPage      CSV downloads, a course summary PDF per patient

Numbers are formatted by the route (prolo.web.routes.owner) from prolo.services.reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from prolo.web.contexts import PageContext, template_contract


@dataclass(frozen=True)
class ConditionRow:
    name: str
    instrument: str
    patients: int
    courses: int
    judged: int
    responders: int
    rate: str
    median_sessions: str | None


@dataclass(frozen=True)
class SessionRateRow:
    sessions_done: int
    judged: int
    responders: int
    rate: str


@template_contract("pages/owner/report.html")
@dataclass(frozen=True, kw_only=True)
class OwnerReportPage(PageContext):
    generated: str
    patients: int
    courses: int
    conditions: tuple[ConditionRow, ...]
    by_session: tuple[SessionRateRow, ...]
    median_sessions: str | None
    adverse_sessions: int
    adverse_with_event: int
    adverse_events: int
    adverse_rate: str
    chart_src: str


@dataclass(frozen=True)
class UtilisationRow:
    kind: str
    name: str
    booked_hours: str
    available_hours: str
    rate: str
    fraction: float


@template_contract("pages/owner/utilisation.html")
@dataclass(frozen=True, kw_only=True)
class OwnerUtilisationPage(PageContext):
    period_start: str
    period_end: str
    rows: tuple[UtilisationRow, ...]


@dataclass(frozen=True)
class CourseLink:
    patient_name: str
    condition: str
    status: str
    href: str


@template_contract("pages/owner/exports.html")
@dataclass(frozen=True, kw_only=True)
class OwnerExportsPage(PageContext):
    courses: tuple[CourseLink, ...]
