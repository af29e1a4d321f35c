"""Sample contexts of the patient portal pages (the contract and accessibility tests render them)."""

from __future__ import annotations

from collections.abc import Callable

from prolo.domain.instruments import get_instrument
from prolo.web.contexts import CourseFacts, ShellUser, TemplateContext
from prolo.web.contexts.portal import (
    AppointmentItem,
    PortalHomePage,
    PortalProgressPage,
    PortalQuestionnairesPage,
    ProgressChart,
    ProgressRow,
    ScoreResult,
)
from prolo.web.i18n import Lang
from prolo.web.routes.portal import build_form
from prolo.web.shell import build_shell

from . import make_request


def _shell(lang: Lang, path: str = "/portal"):
    return build_shell(
        make_request(path),
        lang,
        ShellUser("patient12@demo.prolo", "patient"),
        csrf_token="t",
    )


def home(lang: Lang) -> PortalHomePage:
    return PortalHomePage(
        lang=lang,
        shell=_shell(lang),
        given_name="Burak",
        appointments=(
            AppointmentItem("2025-06-03", "10:00", 2, 5, False, "/portal/check-in/x"),
            AppointmentItem("2025-06-19", "11:30", 3, 5, False, None),
        ),
        sessions_done=1,
        planned_sessions=5,
        course=CourseFacts(
            min_sessions=4, max_sessions=8, min_gap_days=14, max_gap_days=21
        ),
        due_count=2,
        calendar_href="/portal/calendar.ics",
    )


def questionnaires(lang: Lang) -> PortalQuestionnairesPage:
    forms = tuple(
        build_form(
            get_instrument(i),
            timepoint="session-2",
            action=f"/portal/questionnaires/c/{i}",
            lang=lang,
            error="item 3 (Q3): 7 is outside 0-5" if i == "odi" else None,
        )
        for i in ("nrs", "odi")
    )
    return PortalQuestionnairesPage(
        lang=lang,
        shell=_shell(lang, "/portal/questionnaires"),
        forms=forms,
        result=ScoreResult(
            "nrs", "Pain", "4", "0", "10", False, "better_meaningful", "7", "3"
        ),
        opens_on=None,
        has_course=True,
        progress_href="/portal/progress",
    )


def progress(lang: Lang) -> PortalProgressPage:
    return PortalProgressPage(
        lang=lang,
        shell=_shell(lang, "/portal/progress"),
        charts=(
            ProgressChart(
                "nrs",
                "Pain",
                "/portal/progress/c/nrs.png",
                (
                    ProgressRow("portal.timepoint.baseline", 0, "7"),
                    ProgressRow("portal.timepoint.session", 2, "6"),
                    ProgressRow("portal.timepoint.follow_up", 3, "2"),
                ),
                False,
            ),
        ),
        sessions_done=1,
    )


SAMPLES: dict[type[TemplateContext], Callable[[Lang], TemplateContext]] = {
    PortalHomePage: home,
    PortalQuestionnairesPage: questionnaires,
    PortalProgressPage: progress,
}
