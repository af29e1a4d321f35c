"""The patient portal: upcoming sessions, questionnaires filled in on the page, the pain chart.

    GET  /portal                                     home: appointments, the course in brief
    GET  /portal/calendar.ics                        the patient's appointments (iCalendar)
    GET  /portal/questionnaires[?course=]            the questionnaires due before the next session
    POST /portal/questionnaires/{course}/{instrument}  scored at once; PRG to ?sent=<response>
    GET  /portal/progress[?course=]                  the patient's own charts
    GET  /portal/progress/{course}/{instrument}.png  one chart
    GET  /portal/check-in/{appointment}              the self check-in form of an own session

Only the patient role may open these pages (403 for staff). Every id in a path or query goes
through a service that answers 404 for anything that is not the signed-in patient's own.
"""

from __future__ import annotations

import dataclasses
import io
import threading
import uuid
from collections.abc import Sequence

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from prolo.domain.course import load_course_rules
from prolo.domain.errors import DomainError
from prolo.domain.instruments import get_instrument
from prolo.domain.instruments.base import Instrument
from prolo.domain.instruments.schedule import DueQuestionnaire
from prolo.domain.outcomes import CourseOutcome, TrajectoryPoint
from prolo.reports.charts import (
    ChartPoint,
    trajectory_chart_from_outcome,
    trajectory_figure,
)
from prolo.services import calendar, patients, questionnaires
from prolo.services import courses as course_service
from prolo.services.context import Actor
from prolo.services.errors import ForbiddenError, InvalidInputError, NotFoundError
from prolo.services.values import (
    AppointmentStatus,
    Course,
    CourseStatus,
    Role,
)
from prolo.web.contexts import CourseFacts
from prolo.web.contexts.portal import (
    AppointmentItem,
    FormItem,
    FormOption,
    PortalHomePage,
    PortalProgressPage,
    PortalQuestionnairesPage,
    ProgressChart,
    ProgressRow,
    QuestionnaireForm,
    ScoreMeaning,
    ScoreResult,
)
from prolo.web.deps import FormDep, Page, PageDep
from prolo.web.htmx import redirect_after_post
from prolo.web.i18n import Lang, translate
from prolo.web.rendering import render

router = APIRouter()

_DRAWING = threading.Lock()
ANSWER_PREFIX = "a."


# --------------------------------------------------------------------------- shared helpers


def patient_actor(page: Page) -> Actor:
    """The signed-in patient; staff get 403 (the portal is the patient's own)."""
    if page.actor.role is not Role.patient or page.actor.patient_id is None:
        raise ForbiddenError("the portal is for patients")
    return page.actor


def number(value: float | None) -> str:
    if value is None:
        return "\u2013"  # en dash: no value
    return f"{value:.1f}".removesuffix(".0")


def timepoint_text(key: str, lang: Lang) -> str:
    if key == "baseline":
        return translate("portal.timepoint.baseline", lang)
    if key.startswith("session-"):
        return translate(
            "portal.timepoint.session", lang, n=int(key.removeprefix("session-"))
        )
    months = int(key.removeprefix("follow-up-").removesuffix("m"))
    return translate("portal.timepoint.follow_up", lang, months=months)


def timepoint_parts(key: str) -> tuple[str, int]:
    if key == "baseline":
        return "portal.timepoint.baseline", 0
    if key.startswith("session-"):
        return "portal.timepoint.session", int(key.removeprefix("session-"))
    return "portal.timepoint.follow_up", int(
        key.removeprefix("follow-up-").removesuffix("m")
    )


def instrument_name(instrument: Instrument, lang: Lang) -> str:
    if instrument.id == "nrs":
        return translate("portal.nrs.name", lang)
    return instrument.name


def build_form(
    instrument: Instrument,
    *,
    timepoint: str,
    action: str,
    lang: Lang,
    selected: Sequence[int | None] = (),
    error: str | None = None,
    prefix: str = ANSWER_PREFIX,
) -> QuestionnaireForm:
    """The form of one instrument: item ids and neutral labels (docs/instruments.md); the NRS
    item with its free anchors in the page's language."""
    items: list[FormItem] = []
    for index, item in enumerate(instrument.items):
        option_set = instrument.item_options(index)
        options = tuple(
            FormOption(
                o.value,
                o.label if lang == "en" and instrument.id != "nrs" else str(o.value),
            )
            for o in option_set.options
        )
        label = (
            translate("portal.nrs.question", lang)
            if instrument.id == "nrs"
            else f"{item.id} · {item.label}"
        )
        items.append(
            FormItem(
                item_id=item.id,
                label=label,
                field_name=f"{prefix}{index}",
                field_id=f"q-{instrument.id}-{index}",
                options=options,
                selected=selected[index] if index < len(selected) else None,
            )
        )
    key, n = timepoint_parts(timepoint)
    return QuestionnaireForm(
        instrument_id=instrument.id,
        name=instrument_name(instrument, lang),
        timepoint_key=key,
        timepoint_number=n,
        action=action,
        items=tuple(items),
        is_nrs=instrument.id == "nrs",
        error=error,
    )


def parse_answers(
    instrument: Instrument, form: dict[str, str], prefix: str = ANSWER_PREFIX
) -> list[float | None]:
    """One answer per item from the posted form (empty = not answered); a value that is not a
    number is refused with the item named."""
    answers: list[float | None] = []
    for index, item in enumerate(instrument.items):
        raw = form.get(f"{prefix}{index}", "").strip()
        if not raw:
            answers.append(None)
            continue
        try:
            answers.append(int(raw))
        except ValueError:
            raise InvalidInputError(
                f"item {index + 1} ({item.id}): {raw!r} is not one of the options",
                field=f"{prefix}{index}",
            ) from None
    return answers


def _courses(page: Page, actor: Actor) -> list[Course]:
    assert actor.patient_id is not None
    return course_service.list_courses(page.uow, actor, patient_id=actor.patient_id)


def current_course(page: Page, actor: Actor, course: str | None) -> Course | None:
    """The course named by `?course=` (404 unless it is the patient's own), else the newest
    course still running, else the newest."""
    found = _courses(page, actor)
    if course is not None:
        try:
            wanted = uuid.UUID(course)
        except ValueError:
            raise NotFoundError(f"no course {course}") from None
        detail = course_service.get_course(page.uow, actor, course_id=wanted)
        return detail.course
    running = [
        c for c in found if c.status in (CourseStatus.planned, CourseStatus.active)
    ]
    pool = running or found
    return max(pool, key=lambda c: c.created_at) if pool else None


# --------------------------------------------------------------------------- home


@router.get("/portal", name="portal_home")
def portal_home(request: Request, page: PageDep) -> Response:
    actor = patient_actor(page)
    assert actor.patient_id is not None
    zone = course_service.clinic_zone(page.uow, actor.clinic_id)
    course = current_course(page, actor, None)
    appointments: list[AppointmentItem] = []
    done = 0
    planned = course.planned_sessions if course else 0
    due_count = 0
    if course is not None:
        detail = course_service.get_course(page.uow, actor, course_id=course.id)
        done = sum(1 for a in detail.appointments if a.status is AppointmentStatus.done)
        today = page.uow.now().astimezone(zone).date()
        for a in sorted(detail.appointments, key=lambda a: a.starts_at):
            if a.status not in (AppointmentStatus.booked, AppointmentStatus.checked_in):
                continue
            local = a.starts_at.astimezone(zone)
            if local.date() < today:
                continue
            appointments.append(
                AppointmentItem(
                    date=local.date().isoformat(),
                    time=local.strftime("%H:%M"),
                    session_number=a.session_number,
                    planned_sessions=course.planned_sessions,
                    checked_in=a.status is AppointmentStatus.checked_in,
                    check_in_href=f"/portal/check-in/{a.id}"
                    if local.date() == today and a.status is AppointmentStatus.booked
                    else None,
                )
            )
        due_count = len(questionnaires.due(page.uow, actor, course_id=course.id))
    patient = patients.get_patient(page.uow, actor, patient_id=actor.patient_id)
    rules = load_course_rules()
    context = PortalHomePage(
        lang=page.lang,
        shell=page.shell,
        given_name=patient.given_name,
        appointments=tuple(appointments),
        sessions_done=done,
        planned_sessions=planned,
        course=CourseFacts(
            min_sessions=rules.min_sessions,
            max_sessions=rules.max_sessions,
            min_gap_days=rules.min_gap_days,
            max_gap_days=rules.max_gap_days,
        ),
        due_count=due_count,
        calendar_href="/portal/calendar.ics" if course else None,
    )
    return render(request, "pages/portal/home.html", context)


@router.get("/portal/calendar.ics", name="portal_calendar")
def portal_calendar(page: PageDep) -> Response:
    """The patient's appointments as an iCalendar file (services.calendar.patient_feed)."""
    actor = patient_actor(page)
    assert actor.patient_id is not None
    body = calendar.patient_feed(page.uow, actor, patient_id=actor.patient_id)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="prolo-appointments.ics"',
            "Cache-Control": "private, no-store",
        },
    )


# --------------------------------------------------------------------------- questionnaires


def _open_forms(
    due: Sequence[DueQuestionnaire], course: Course, lang: Lang
) -> tuple[QuestionnaireForm, ...]:
    return tuple(
        build_form(
            get_instrument(d.instrument),
            timepoint=d.timepoint.key,
            action=f"/portal/questionnaires/{course.id}/{d.instrument}",
            lang=lang,
        )
        for d in due
    )


def _meaning(point: TrajectoryPoint | None, outcome: CourseOutcome) -> ScoreMeaning:
    if point is None or point.value is None:
        return "withheld"
    if (
        outcome.baseline_timepoint is not None
        and outcome.baseline_timepoint.key == point.timepoint.key
    ) or point.improvement is None:
        return "first"
    if point.responded:
        return "better_meaningful"
    if point.improvement > 0:
        return "better_small"
    if point.improvement == 0:
        return "same"
    return "worse"


def _result(page: Page, actor: Actor, sent: str) -> ScoreResult:
    try:
        response_id = uuid.UUID(sent)
    except ValueError:
        raise NotFoundError(f"no questionnaire response {sent}") from None
    response = questionnaires.get_response(page.uow, actor, response_id=response_id)
    instrument = get_instrument(response.instrument_id)
    outcome: CourseOutcome | None = None
    if response.course_id is not None:
        outcomes = questionnaires.course_outcomes(
            page.uow, actor, course_id=response.course_id
        )
        outcome = next(
            (o for o in outcomes.outcomes if o.instrument == instrument.id), None
        )
    point = (
        next((p for p in outcome.points if p.timepoint.key == response.timepoint), None)
        if outcome
        else None
    )
    scale = outcome.scale if outcome else "score"
    lo, hi = instrument.scale_range(scale)
    value = point.value if point else response.score
    return ScoreResult(
        instrument_id=instrument.id,
        name=instrument_name(instrument, page.lang),
        score=None if value is None else number(value),
        min=number(lo),
        max=number(hi),
        higher_is_better=instrument.higher_is_better,
        meaning=_meaning(point, outcome) if outcome else "first",
        baseline=number(outcome.baseline)
        if outcome and outcome.baseline is not None
        else None,
        improvement=number(abs(point.improvement))
        if point and point.improvement is not None
        else None,
    )


def _questionnaires_page(
    request: Request,
    page: Page,
    actor: Actor,
    course: Course | None,
    *,
    result: ScoreResult | None = None,
    failed: QuestionnaireForm | None = None,
    status_code: int = 200,
) -> Response:
    forms: tuple[QuestionnaireForm, ...] = ()
    opens_on: str | None = None
    if course is not None:
        upcoming = questionnaires.upcoming(page.uow, actor, course_id=course.id)
        today = (
            page.uow.now()
            .astimezone(course_service.clinic_zone(page.uow, actor.clinic_id))
            .date()
        )
        open_now = [d for d in upcoming if d.window_start <= today]
        forms = _open_forms(open_now, course, page.lang)
        if failed is not None:
            forms = tuple(
                failed if f.instrument_id == failed.instrument_id else f for f in forms
            )
        later = [d for d in upcoming if d.window_start > today]
        if not open_now and later:
            opens_on = later[0].window_start.isoformat()
    context = PortalQuestionnairesPage(
        lang=page.lang,
        shell=page.shell,
        forms=forms,
        result=result,
        opens_on=opens_on,
        has_course=course is not None,
        progress_href=f"/portal/progress?course={course.id}" if course else None,
    )
    return render(
        request, "pages/portal/questionnaires.html", context, status_code=status_code
    )


@router.get("/portal/questionnaires", name="portal_questionnaires")
def portal_questionnaires(
    request: Request,
    page: PageDep,
    course: str | None = Query(default=None, max_length=64),
    sent: str | None = Query(default=None, max_length=64),
) -> Response:
    actor = patient_actor(page)
    chosen = current_course(page, actor, course)
    result = _result(page, actor, sent) if sent else None
    return _questionnaires_page(request, page, actor, chosen, result=result)


@router.post(
    "/portal/questionnaires/{course_id}/{instrument_id}",
    name="portal_questionnaire_submit",
)
def portal_questionnaire_submit(
    request: Request,
    course_id: uuid.UUID,
    instrument_id: str,
    page: PageDep,
    form: FormDep,
) -> Response:
    """Score and store one questionnaire; a refusal re-renders the form with the reason."""
    actor = patient_actor(page)
    assert actor.patient_id is not None
    detail = course_service.get_course(page.uow, actor, course_id=course_id)
    due = {
        (d.instrument, d.timepoint.key): d
        for d in questionnaires.due(page.uow, actor, course_id=course_id)
    }
    timepoint = form.get("timepoint", "")
    if (instrument_id, timepoint) not in due:
        raise NotFoundError(f"{instrument_id} at {timepoint!r} is not due now")
    instrument = get_instrument(instrument_id)
    try:
        answers = parse_answers(instrument, form)
        response = questionnaires.submit(
            page.uow,
            actor,
            patient_id=actor.patient_id,
            instrument_id=instrument.id,
            answers=answers,
            timepoint=timepoint,
            course_id=detail.course.id,
        )
    except (InvalidInputError, DomainError) as exc:
        selected = [
            int(v) if isinstance(v, (int, float)) else None
            for v in _safe_answers(instrument, form)
        ]
        failed = build_form(
            instrument,
            timepoint=timepoint,
            action=f"/portal/questionnaires/{course_id}/{instrument.id}",
            lang=page.lang,
            selected=selected,
            error=str(exc),
        )
        return _questionnaires_page(
            request, page, actor, detail.course, failed=failed, status_code=422
        )
    return redirect_after_post(
        request,
        f"/portal/questionnaires?course={course_id}&sent={response.id}",
    )


def _safe_answers(instrument: Instrument, form: dict[str, str]) -> list[int | None]:
    values: list[int | None] = []
    for index in range(len(instrument.items)):
        raw = form.get(f"{ANSWER_PREFIX}{index}", "").strip()
        values.append(int(raw) if raw.isdigit() else None)
    return values


# --------------------------------------------------------------------------- progress


def localised_chart(outcome: CourseOutcome, lang: Lang) -> bytes:
    """The trajectory chart (prolo.reports.charts) with its title, labels and note in `lang`."""
    instrument = get_instrument(outcome.instrument)
    chart = trajectory_chart_from_outcome(outcome, instrument)
    chart = dataclasses.replace(
        chart,
        title=instrument_name(instrument, lang),
        points=tuple(
            ChartPoint(timepoint_text(p.timepoint.key, lang), c.value)
            for p, c in zip(outcome.points, chart.points, strict=True)
        ),
        note=translate("portal.progress.note", lang),
    )
    buffer = io.BytesIO()
    with _DRAWING:
        trajectory_figure(chart).savefig(
            buffer, format="png", metadata={"Software": None}
        )
    return buffer.getvalue()


@router.get("/portal/progress", name="portal_progress")
def portal_progress(
    request: Request,
    page: PageDep,
    course: str | None = Query(default=None, max_length=64),
) -> Response:
    actor = patient_actor(page)
    chosen = current_course(page, actor, course)
    charts: list[ProgressChart] = []
    done = 0
    if chosen is not None:
        outcomes = questionnaires.course_outcomes(page.uow, actor, course_id=chosen.id)
        done = outcomes.sessions_done
        for outcome in outcomes.outcomes:
            if not outcome.points:
                continue
            instrument = get_instrument(outcome.instrument)
            charts.append(
                ProgressChart(
                    instrument_id=instrument.id,
                    name=instrument.name,
                    src=f"/portal/progress/{chosen.id}/{instrument.id}.png",
                    rows=tuple(
                        ProgressRow(*timepoint_parts(p.timepoint.key), number(p.value))
                        for p in outcome.points
                    ),
                    higher_is_better=outcome.higher_is_better,
                )
            )
    context = PortalProgressPage(
        lang=page.lang, shell=page.shell, charts=tuple(charts), sessions_done=done
    )
    return render(request, "pages/portal/progress.html", context)


@router.get(
    "/portal/progress/{course_id}/{instrument_id}.png", name="portal_progress_chart"
)
def portal_progress_chart(
    page: PageDep, course_id: uuid.UUID, instrument_id: str
) -> Response:
    actor = patient_actor(page)
    outcomes = questionnaires.course_outcomes(page.uow, actor, course_id=course_id)
    found = [o for o in outcomes.outcomes if o.instrument == instrument_id]
    if not found or not found[0].points:
        raise NotFoundError(f"no {instrument_id} answers in this course")
    return Response(
        localised_chart(found[0], page.lang),
        media_type="image/png",
        headers={
            "Cache-Control": "private, no-store",
            "Vary": "Accept-Language, Cookie",
        },
    )
