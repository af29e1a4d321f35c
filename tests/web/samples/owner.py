"""Sample contexts of the clinic owner's pages."""

from __future__ import annotations

from collections.abc import Callable

from prolo.web.contexts import ShellUser, TemplateContext
from prolo.web.contexts.owner import (
    ConditionRow,
    CourseLink,
    OwnerExportsPage,
    OwnerReportPage,
    OwnerUtilisationPage,
    SessionRateRow,
    UtilisationRow,
)
from prolo.web.i18n import Lang
from prolo.web.shell import build_shell

from . import make_request


def _shell(lang: Lang, path: str):
    return build_shell(make_request(path), lang, ShellUser("admin@demo.prolo", "admin"))


def report(lang: Lang) -> OwnerReportPage:
    return OwnerReportPage(
        lang=lang,
        shell=_shell(lang, "/owner"),
        generated="2025-06-02 09:30",
        patients=17,
        courses=17,
        conditions=(
            ConditionRow("Knee osteoarthritis", "NRS", 3, 3, 2, 1, "50%", "3"),
            ConditionRow("Neck pain", "NRS", 1, 1, 1, 0, "0%", None),
        ),
        by_session=(SessionRateRow(1, 6, 1, "17%"), SessionRateRow(2, 5, 3, "60%")),
        median_sessions="3",
        adverse_sessions=40,
        adverse_with_event=5,
        adverse_events=5,
        adverse_rate="12%",
        chart_src="/owner/charts/responders.png",
    )


def utilisation(lang: Lang) -> OwnerUtilisationPage:
    return OwnerUtilisationPage(
        lang=lang,
        shell=_shell(lang, "/owner/utilisation"),
        period_start="2025-05-06",
        period_end="2025-06-02",
        rows=(
            UtilisationRow("clinician", "Dr. Ayşe Demir", "6.0", "170.0", "4%", 0.04),
            UtilisationRow("room", "Procedure room 1", "5.5", "200.0", "3%", 0.03),
        ),
    )


def exports(lang: Lang) -> OwnerExportsPage:
    return OwnerExportsPage(
        lang=lang,
        shell=_shell(lang, "/owner/exports"),
        courses=(
            CourseLink(
                "Fatma Arslan",
                "Knee osteoarthritis",
                "completed",
                "/owner/courses/c/summary.pdf",
            ),
        ),
    )


SAMPLES: dict[type[TemplateContext], Callable[[Lang], TemplateContext]] = {
    OwnerReportPage: report,
    OwnerUtilisationPage: utilisation,
    OwnerExportsPage: exports,
}
