"""The clinician's pages: today's list, the patient list, the patient chart and screening sign-off.

Everything is read and written through prolo.services (each call authorises and audits). A nurse
sees the same pages read-only where the role matrix says so: the sign-off form is shown only to
roles holding `screening.sign_off`, and the service refuses anyone else (403).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Final, Literal, cast
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query
from starlette.requests import Request
from starlette.responses import Response

from prolo.domain.catalog import load_catalog
from prolo.domain.course import SessionWindow
from prolo.domain.errors import DomainError
from prolo.domain.instruments import get_instrument
from prolo.domain.outcomes import CourseOutcome
from prolo.gateway.requests import note_refusal
from prolo.services import clinic as clinic_service
from prolo.services import courses as course_service
from prolo.services import patients as patient_service
from prolo.services import questionnaires, screening, sessions
from prolo.services.errors import (
    ConflictError,
    ForbiddenError,
    RuleViolationError,
    ServiceError,
)
from prolo.services.permissions import Permission, allows
from prolo.services.values import (
    Appointment,
    AppointmentStatus,
    Patient,
    ScreeningOutcome,
    SessionRecord,
)
from prolo.web.contexts.clinician import (
    AdverseEventRow,
    AdviceReasonRow,
    ChartPointRow,
    ClinicianTodayPage,
    CourseView,
    DayRow,
    DayStatusCode,
    HistoryRow,
    InjectionRow,
    IntakeAnswer,
    OutcomeChart,
    PatientChartPage,
    PatientListPage,
    PatientRow,
    ReasonRow,
    ScreeningView,
    SessionSlot,
    SignOffError,
)
from prolo.web.deps import Page, PageDep
from prolo.web.htmx import redirect_after_post
from prolo.web.i18n import Lang
from prolo.web.rendering import render
from prolo.web.routes.charts import trajectory

router = APIRouter()

PREFIX: Final = "/clinician"


# --- shared formatting -----------------------------------------------------------------------------


def clinic_zone(page: Page) -> ZoneInfo:
    """The clinic's timezone (every time on the pages is shown in it)."""
    return ZoneInfo(clinic_service.get_clinic(page.uow, page.actor).timezone)


def day_label(day: date, lang: Lang) -> str:
    return day.strftime("%d.%m.%Y") if lang == "tr" else day.isoformat()


def clock_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def date_time(moment: datetime, zone: ZoneInfo, lang: Lang) -> str:
    local = moment.astimezone(zone)
    return f"{day_label(local.date(), lang)} {local:%H:%M}"


def number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def condition_name(condition_id: str) -> str:
    found = load_catalog().conditions.get(condition_id)
    return found.name if found else condition_id


def site_name(site_id: str) -> str:
    found = load_catalog().sites.get(site_id)
    return found.name if found else site_id


def chart_href(patient_id: uuid.UUID) -> str:
    return f"{PREFIX}/patients/{patient_id}"


def runner_href(appointment_id: uuid.UUID) -> str:
    return f"/runner/{appointment_id}"


def day_rows(page: Page, zone: ZoneInfo) -> tuple[DayRow, ...]:
    """The day's sessions (sessions.day_list) as rows of the lists."""
    rows = []
    for entry in sessions.day_list(page.uow, page.actor):
        status: DayStatusCode = entry.status.value
        runnable = status not in ("cancelled", "no_show")
        rows.append(
            DayRow(
                time=clock_time(entry.appointment.starts_at, zone),
                patient_name=entry.patient.name,
                chart_href=chart_href(entry.patient.id),
                condition=condition_name(entry.condition_id),
                session_number=entry.appointment.session_number,
                clinician=entry.clinician_name,
                status=status,
                runner_href=runner_href(entry.appointment.id) if runnable else None,
                red_flags=tuple(f.message for f in entry.red_flags),
            )
        )
    return tuple(rows)


# --- today ---------------------------------------------------------------------------------------


@router.get(PREFIX, name="clinician_today")
def today(request: Request, page: PageDep) -> Response:
    """The day's sessions with their status and links to the chart and the runner."""
    zone = clinic_zone(page)
    context = ClinicianTodayPage(
        lang=page.lang,
        shell=page.shell,
        day=day_label(page.uow.now().astimezone(zone).date(), page.lang),
        rows=day_rows(page, zone),
    )
    return render(request, "pages/clinician/today.html", context)


# --- patients ------------------------------------------------------------------------------------


@router.get(f"{PREFIX}/patients", name="clinician_patients")
def patient_list(
    request: Request,
    page: PageDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    found = patient_service.list_patients(
        page.uow, page.actor, query=q.strip() or None, limit=100
    )
    context = PatientListPage(
        lang=page.lang,
        shell=page.shell,
        query=q,
        patients=tuple(
            PatientRow(
                name=p.name,
                birth_date=day_label(p.birth_date, page.lang) if p.birth_date else "",
                href=chart_href(p.id),
            )
            for p in found.items
        ),
        total=found.total,
    )
    return render(request, "pages/clinician/patients.html", context)


# --- the chart -----------------------------------------------------------------------------------


def _intake(answers: dict[str, object]) -> tuple[IntakeAnswer, ...]:
    shown: list[IntakeAnswer] = []
    for field, value in answers.items():
        if value is None:
            continue
        if isinstance(value, bool):
            shown.append(IntakeAnswer(field, "yes" if value else "no", ""))
            continue
        if field == "conditions" and isinstance(value, list):
            text = ", ".join(condition_name(str(v)) for v in value)
        elif field == "body_sites" and isinstance(value, list):
            text = ", ".join(site_name(str(v)) for v in value)
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value) or "-"
        elif isinstance(value, float):
            text = number(value)
        else:
            text = str(value)
        shown.append(IntakeAnswer(field, "text", text))
    return tuple(shown)


def _screenings(
    page: Page, patient: Patient, zone: ZoneInfo
) -> tuple[ScreeningView, ...]:
    views = []
    for found in screening.list_screenings(page.uow, page.actor, patient_id=patient.id):
        detail = screening.get_screening(page.uow, page.actor, screening_id=found.id)
        s = detail.screening
        views.append(
            ScreeningView(
                id=str(s.id),
                screened_at=date_time(s.screened_at, zone, page.lang),
                outcome=s.outcome.value,
                reasons=tuple(
                    ReasonRow(
                        code=str(r.get("code", "")),
                        severity=str(r.get("severity", "")),
                        message=str(r.get("message", "")),
                        source=str(r.get("source", "")),
                    )
                    for r in s.reasons
                ),
                signed_off=s.signed_off_at is not None,
                final_outcome=s.final_outcome.value if s.final_outcome else None,
                override_reason=s.override_reason,
                signed_off_at=date_time(s.signed_off_at, zone, page.lang)
                if s.signed_off_at
                else None,
                version=s.version,
                intake=_intake(detail.intake.answers),
                sign_off_action=f"{chart_href(patient.id)}/screenings/{s.id}/sign-off",
            )
        )
    return tuple(views)


def _slot_status(
    appointment: Appointment | None, record: SessionRecord | None
) -> Literal[
    "planned", "booked", "checked_in", "in_progress", "done", "aborted", "cancelled"
]:
    if appointment is None:
        return "planned"
    status = sessions.day_status(appointment, record).value
    if status in ("cancelled", "no_show"):
        return "cancelled"
    return cast(
        Literal["booked", "checked_in", "in_progress", "done", "aborted"], status
    )


def _slots(
    windows: Sequence[SessionWindow],
    appointments: Sequence[Appointment],
    planned: int,
    records: dict[uuid.UUID, SessionRecord],
    zone: ZoneInfo,
    lang: Lang,
) -> tuple[SessionSlot, ...]:
    by_number: dict[int, Appointment] = {}
    for a in sorted(appointments, key=lambda a: a.starts_at):
        current = by_number.get(a.session_number)
        # an active appointment wins over a cancelled one of the same session
        if current is None or current.status in (
            AppointmentStatus.cancelled,
            AppointmentStatus.no_show,
        ):
            by_number[a.session_number] = a
    window_of = {w.number: w for w in windows}
    count = max([planned, *by_number, *window_of], default=planned)
    slots = []
    for n in range(1, count + 1):
        appointment = by_number.get(n)
        window = window_of.get(n)
        slots.append(
            SessionSlot(
                number=n,
                window_from=day_label(window.earliest, lang) if window else None,
                window_to=day_label(window.latest, lang) if window else None,
                when=date_time(appointment.starts_at, zone, lang)
                if appointment
                else None,
                status=_slot_status(
                    appointment, records.get(appointment.id) if appointment else None
                ),
                runner_href=runner_href(appointment.id)
                if appointment
                and appointment.status
                not in (AppointmentStatus.cancelled, AppointmentStatus.no_show)
                else None,
            )
        )
    return tuple(slots)


def _chart(
    outcome: CourseOutcome, patient_id: uuid.UUID, course_id: uuid.UUID
) -> OutcomeChart:
    instrument = get_instrument(outcome.instrument)
    data = trajectory(outcome)  # the same numbers the image draws
    return OutcomeChart(
        instrument=outcome.instrument,
        instrument_name=instrument.name,
        src=f"{chart_href(patient_id)}/courses/{course_id}/charts/{outcome.instrument}.svg",
        baseline=number(outcome.baseline),
        mcid=number(data.mcid),
        points=tuple(
            ChartPointRow(
                timepoint=p.timepoint.key,
                value=number(p.value),
                change=number(p.change),
                responded=p.responded,
            )
            for p in outcome.points
        ),
    )


def _courses(
    page: Page,
    patient: Patient,
    records: dict[uuid.UUID, SessionRecord],
    zone: ZoneInfo,
) -> tuple[CourseView, ...]:
    views = []
    for course in course_service.list_courses(
        page.uow, page.actor, patient_id=patient.id
    ):
        detail = course_service.get_course(page.uow, page.actor, course_id=course.id)
        outcomes = questionnaires.course_outcomes(
            page.uow, page.actor, course_id=course.id
        )
        views.append(
            CourseView(
                id=str(course.id),
                condition=condition_name(course.condition_id),
                status=course.status.value,
                planned_sessions=course.planned_sessions,
                sessions_done=outcomes.sessions_done,
                slots=_slots(
                    detail.windows,
                    detail.appointments,
                    course.planned_sessions,
                    records,
                    zone,
                    page.lang,
                ),
                charts=tuple(
                    _chart(o, patient.id, course.id)
                    for o in outcomes.outcomes
                    if o.points
                ),
                advice=outcomes.advice.action.value,
                advice_reasons=tuple(
                    AdviceReasonRow(r.code, r.message, r.source)
                    for r in outcomes.advice.reasons
                ),
            )
        )
    return tuple(views)


def _history(
    records: Sequence[SessionRecord],
    numbers: dict[uuid.UUID, int],
    zone: ZoneInfo,
    lang: Lang,
) -> tuple[HistoryRow, ...]:
    rows = []
    for record in sorted(records, key=lambda r: r.started_at, reverse=True):
        rows.append(
            HistoryRow(
                session_number=numbers.get(record.appointment_id),
                date=date_time(record.started_at, zone, lang),
                state=record.state,
                injections=tuple(
                    InjectionRow(
                        at=clock_time(i.injected_at, zone),
                        site=site_name(i.site_id),
                        laterality=i.laterality or "none",
                        solution=i.solution,
                        concentration=number(i.concentration_pct),
                        volume=number(i.volume_ml),
                        lot_number=i.lot_number,
                        anaesthetic=i.anaesthetic or "",
                        guidance=i.guidance or "",
                    )
                    for i in record.injections
                ),
                adverse_events=tuple(
                    AdverseEventRow(
                        at=clock_time(e.occurred_at, zone),
                        kind=e.kind,
                        severity=e.severity,
                        description=e.description or "",
                        action=e.action_taken or "",
                    )
                    for e in record.adverse_events
                ),
                override_reason=record.discharge_override_reason,
                runner_href=runner_href(record.appointment_id),
            )
        )
    return tuple(rows)


def chart_page(
    request: Request,
    page: Page,
    patient_id: uuid.UUID,
    *,
    sign_off_error: SignOffError | None = None,
    sign_off_message: str = "",
    status_code: int = 200,
) -> Response:
    zone = clinic_zone(page)
    patient = patient_service.get_patient(page.uow, page.actor, patient_id=patient_id)
    records = sessions.list_sessions(page.uow, page.actor, patient_id=patient.id)
    by_appointment = {r.appointment_id: r for r in records}
    courses = _courses(page, patient, by_appointment, zone)
    numbers: dict[uuid.UUID, int] = {}
    for course in course_service.list_courses(
        page.uow, page.actor, patient_id=patient.id
    ):
        for a in course_service.get_course(
            page.uow, page.actor, course_id=course.id
        ).appointments:
            numbers[a.id] = a.session_number
    context = PatientChartPage(
        lang=page.lang,
        shell=page.shell,
        patient_name=patient.name,
        birth_date=day_label(patient.birth_date, page.lang)
        if patient.birth_date
        else "",
        phone=patient.phone or "",
        screenings=_screenings(page, patient, zone),
        can_sign_off=allows(page.actor.role, Permission.screening_sign_off),
        sign_off_error=sign_off_error,
        sign_off_message=sign_off_message,
        courses=courses,
        history=_history(records, numbers, zone, page.lang),
    )
    return render(
        request, "pages/clinician/chart.html", context, status_code=status_code
    )


@router.get(f"{PREFIX}/patients/{{patient_id}}", name="clinician_chart")
def chart(request: Request, page: PageDep, patient_id: uuid.UUID) -> Response:
    """The patient's chart."""
    return chart_page(request, page, patient_id)


@router.post(
    f"{PREFIX}/patients/{{patient_id}}/screenings/{{screening_id}}/sign-off",
    name="clinician_sign_off",
)
def sign_off(
    request: Request,
    page: PageDep,
    patient_id: uuid.UUID,
    screening_id: uuid.UUID,
    decision: Annotated[Literal["eligible", "not_eligible"], Form()],
    version: Annotated[int, Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """A clinician confirms the rules' decision, or overrides it with a written reason."""
    error: SignOffError
    refused: ForbiddenError | None = None
    try:
        screening.sign_off(
            page.uow,
            page.actor,
            screening_id=screening_id,
            expected_version=version,
            decision=ScreeningOutcome(decision),
            reason=reason,
        )
    except ForbiddenError as exc:
        error, message, status = "forbidden", exc.detail, 403
        refused = exc
    except RuleViolationError as exc:
        error, message, status = "reason_required", exc.detail, 422
    except ConflictError as exc:
        error, message, status = "conflict", exc.detail, 409
    except (ServiceError, DomainError) as exc:
        if getattr(exc, "status", 422) == 404:
            raise
        error, message, status = "invalid", str(exc), 422
    else:
        return redirect_after_post(request, f"{chart_href(patient_id)}#screening")
    page.uow.rollback()
    if refused is not None:
        note_refusal(request, refused)
    return chart_page(
        request,
        page,
        patient_id,
        sign_off_error=error,
        sign_off_message=message,
        status_code=status,
    )
