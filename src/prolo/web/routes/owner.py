"""The clinic owner's pages (role admin): outcomes, utilisation, exports.

    GET /owner                                  the outcome report
    GET /owner/charts/responders.png            responder rate by sessions done, per condition
    GET /owner/utilisation                      clinicians and rooms, last 28 days
    GET /owner/exports                          the downloads
    GET /owner/exports/outcomes.csv             per condition
    GET /owner/exports/responders-by-session.csv
    GET /owner/exports/utilisation.csv
    GET /owner/courses/{course_id}/summary.pdf  a patient's course for the referring doctor

Every number comes from prolo.services.reports (admin only: other roles get 403 there).
"""

from __future__ import annotations

import io
import threading
import uuid

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from prolo.reports.charts import cohort_chart_from_summaries, cohort_figure
from prolo.reports.csv import to_csv
from prolo.reports.pdf import course_summary_pdf
from prolo.services import reports
from prolo.web.contexts.owner import (
    ConditionRow,
    CourseLink,
    OwnerExportsPage,
    OwnerReportPage,
    OwnerUtilisationPage,
    SessionRateRow,
    UtilisationRow,
)
from prolo.web.deps import PageDep
from prolo.web.rendering import render

router = APIRouter()
_DRAWING = threading.Lock()


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"  # noqa: RUF001 (en dash: no value)


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}"


@router.get("/owner", name="owner_report")
def owner_report(request: Request, page: PageDep) -> Response:
    report = reports.outcome_report(page.uow, page.actor)
    median = report.overall_time_to_response.median
    context = OwnerReportPage(
        lang=page.lang,
        shell=page.shell,
        generated=report.generated_at.strftime("%Y-%m-%d %H:%M"),
        patients=report.patients,
        courses=report.courses,
        conditions=tuple(
            ConditionRow(
                name=c.condition_name,
                instrument=c.instrument.upper(),
                patients=c.patients,
                courses=c.summary.courses,
                judged=c.summary.judged,
                responders=c.summary.responders,
                rate=percent(c.summary.rate),
                median_sessions=None
                if c.summary.median_sessions_to_response is None
                else str(c.summary.median_sessions_to_response),
            )
            for c in report.conditions
        ),
        by_session=tuple(
            SessionRateRow(r.key, r.judged, r.responders, percent(r.rate))
            for r in report.overall_by_session
        ),
        median_sessions=None if median is None else str(median),
        adverse_sessions=report.adverse_events.sessions,
        adverse_with_event=report.adverse_events.sessions_with_event,
        adverse_events=report.adverse_events.events,
        adverse_rate=percent(report.adverse_events.rate),
        chart_src="/owner/charts/responders.png",
    )
    return render(request, "pages/owner/report.html", context)


@router.get("/owner/charts/responders.png", name="owner_responders_chart")
def owner_chart(page: PageDep) -> Response:
    report = reports.outcome_report(page.uow, page.actor)
    figure = cohort_figure(cohort_chart_from_summaries(report.summaries))
    buffer = io.BytesIO()
    with _DRAWING:
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return Response(
        buffer.getvalue(),
        media_type="image/png",
        headers={"Cache-Control": "private, no-store"},
    )


@router.get("/owner/utilisation", name="owner_utilisation")
def owner_utilisation(request: Request, page: PageDep) -> Response:
    report = reports.outcome_report(page.uow, page.actor)
    context = OwnerUtilisationPage(
        lang=page.lang,
        shell=page.shell,
        period_start=report.period_start.isoformat(),
        period_end=report.period_end.isoformat(),
        rows=tuple(
            UtilisationRow(
                u.kind,
                u.name,
                _hours(u.booked_minutes),
                _hours(u.available_minutes),
                percent(u.rate),
                min(u.rate or 0.0, 1.0),
            )
            for u in report.utilisation
        ),
    )
    return render(request, "pages/owner/utilisation.html", context)


@router.get("/owner/exports", name="owner_exports")
def owner_exports(request: Request, page: PageDep) -> Response:
    listed = reports.list_courses(page.uow, page.actor)
    context = OwnerExportsPage(
        lang=page.lang,
        shell=page.shell,
        courses=tuple(
            CourseLink(
                c.patient_name,
                c.condition_name,
                c.status,
                f"/owner/courses/{c.course_id}/summary.pdf",
            )
            for c in listed
        ),
    )
    return render(request, "pages/owner/exports.html", context)


def _csv(text: str, name: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/owner/exports/outcomes.csv", name="owner_outcomes_csv")
def owner_outcomes_csv(page: PageDep) -> Response:
    report = reports.outcome_report(page.uow, page.actor)
    return _csv(
        to_csv(
            (
                "condition_id",
                "condition",
                "instrument",
                "patients",
                "courses",
                "judged",
                "responders",
                "responder_rate",
                "median_sessions_to_response",
            ),
            (
                (
                    c.condition_id,
                    c.condition_name,
                    c.instrument,
                    c.patients,
                    c.summary.courses,
                    c.summary.judged,
                    c.summary.responders,
                    c.summary.rate,
                    c.summary.median_sessions_to_response,
                )
                for c in report.conditions
            ),
        ),
        "prolo-outcomes.csv",
    )


@router.get("/owner/exports/responders-by-session.csv", name="owner_sessions_csv")
def owner_sessions_csv(page: PageDep) -> Response:
    report = reports.outcome_report(page.uow, page.actor)
    return _csv(
        to_csv(
            ("condition_id", "sessions_done", "judged", "responders", "responder_rate"),
            (
                (c.condition_id, r.key, r.judged, r.responders, r.rate)
                for c in report.conditions
                for r in c.summary.by_session
            ),
        ),
        "prolo-responders-by-session.csv",
    )


@router.get("/owner/exports/utilisation.csv", name="owner_utilisation_csv")
def owner_utilisation_csv(page: PageDep) -> Response:
    report = reports.outcome_report(page.uow, page.actor)
    return _csv(
        to_csv(
            (
                "kind",
                "name",
                "period_start",
                "period_end",
                "booked_minutes",
                "available_minutes",
                "utilisation",
            ),
            (
                (
                    u.kind,
                    u.name,
                    report.period_start.isoformat(),
                    report.period_end.isoformat(),
                    u.booked_minutes,
                    u.available_minutes,
                    u.rate,
                )
                for u in report.utilisation
            ),
        ),
        "prolo-utilisation.csv",
    )


@router.get("/owner/courses/{course_id}/summary.pdf", name="owner_course_pdf")
def owner_course_pdf(page: PageDep, course_id: uuid.UUID) -> Response:
    doc = reports.course_summary(page.uow, page.actor, course_id=course_id)
    with _DRAWING:
        body = course_summary_pdf(doc)
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="course-summary-{course_id}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )
