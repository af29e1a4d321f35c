"""The session runner: the protocol as a checklist for the treatment room.

    GET  /runner                               the day's sessions to run
    GET  /runner/{appointment or session id}   one session
    POST /runner/{appointment_id}/start        check in and open the session record
    POST /runner/{appointment_id}/event        one protocol step (consent ... discharge, abort)
    POST /runner/{appointment_id}/adverse-event

Every write goes through prolo.services.sessions, which applies the domain's state machine with
the clinic's session rules: steps out of order, a discharge before the minimum heat-pack rest
(unless a clinician overrides it with a reason) and a nurse's override are refused there, and the
page shows why. Each form posts the session's version, so a double tap cannot record a step twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Final, Literal

from fastapi import APIRouter, Form
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from prolo.domain import errors as domain_errors
from prolo.domain import protocol
from prolo.gateway.requests import note_refusal
from prolo.services import checkin, sessions
from prolo.services.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ServiceError,
)
from prolo.services.permissions import Permission, allows
from prolo.services.sessions import RunnerView
from prolo.web.contexts.clinician import InjectionRow
from prolo.web.contexts.runner import (
    Choice,
    InjectionPrefill,
    RunnerAdverseEvent,
    RunnerClock,
    RunnerError,
    RunnerIndexPage,
    RunnerNote,
    RunnerPage,
    SiteOption,
    StepState,
    StepView,
)
from prolo.web.deps import Page, PageDep
from prolo.web.htmx import redirect_after_post
from prolo.web.rendering import render
from prolo.web.routes.clinician import (
    chart_href,
    clinic_zone,
    clock_time,
    condition_name,
    date_time,
    day_label,
    day_rows,
    number,
    site_name,
)

router = APIRouter(prefix="/runner")

CHECKLIST: Final = (
    protocol.SessionStep.check_in,
    protocol.SessionStep.consent,
    protocol.SessionStep.preparation,
    protocol.SessionStep.local_anaesthesia,
    protocol.SessionStep.injections,
    protocol.SessionStep.rest,
    protocol.SessionStep.discharged,
)

EventKind = Literal[
    "consent",
    "preparation",
    "local_anaesthesia",
    "injection",
    "rest",
    "discharge",
    "abort",
]


def action_base(appointment_id: uuid.UUID) -> str:
    return f"{router.prefix}/{appointment_id}"


@router.get("", name="runner_index")
def runner_index(request: Request, page: PageDep) -> Response:
    """The day's sessions, each a big link into the runner."""
    zone = clinic_zone(page)
    context = RunnerIndexPage(
        lang=page.lang,
        shell=page.shell,
        day=day_label(page.uow.now().astimezone(zone).date(), page.lang),
        rows=day_rows(page, zone),
    )
    return render(request, "pages/runner/index.html", context)


# --- building the page -----------------------------------------------------------------------------


def _steps(view: RunnerView, page: Page) -> tuple[StepView, ...]:
    zone = clinic_zone(page)
    if view.session is None:
        return tuple(
            StepView(
                kind=step.value,
                state="current" if step is protocol.SessionStep.check_in else "todo",
                at=None,
                by=None,
            )
            for step in CHECKLIST
        )
    state = view.session.protocol
    steps = []
    for step in CHECKLIST:
        entry = next((e for e in state.log if e.step is step), None)
        status: StepState
        if state.step is step and not state.is_final:
            status = "current"
        elif entry is not None:
            status = "done"
        elif (
            step is protocol.SessionStep.local_anaesthesia
            and state.entered_at(protocol.SessionStep.injections) is not None
        ):
            status = "skipped"
        else:
            status = "todo"
        steps.append(
            StepView(
                kind=step.value,
                state=status,
                at=clock_time(entry.at, zone) if entry else None,
                by=entry.by if entry else None,
            )
        )
    return tuple(steps)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _clock(view: RunnerView, page: Page) -> RunnerClock:
    rules = view.rules
    detail = view.session
    state = detail.protocol if detail else None
    earliest = detail.earliest_discharge if detail else None
    procedure = detail.procedure_minutes if detail else None
    rest = detail.rest_minutes if detail else None
    return RunnerClock(
        server_now=view.now.isoformat(),
        procedure_started=_iso(state.preparation_started_at) if state else None,
        procedure_ended=_iso(
            state.rest_started_at or (state.log[-1].at if state.is_final else None)
        )
        if state and state.preparation_started_at
        else None,
        budget_minutes=rules.procedure.max_minutes,
        procedure_minutes=None if procedure is None else int(procedure),
        over_budget=procedure is not None and procedure > rules.procedure.max_minutes,
        rest_started=_iso(state.rest_started_at) if state else None,
        rest_minutes=None if rest is None else int(rest),
        rest_min_minutes=rules.rest.min_minutes,
        rest_max_minutes=rules.rest.max_minutes,
        earliest_discharge=_iso(earliest),
        earliest_discharge_time=clock_time(earliest, clinic_zone(page))
        if earliest
        else None,
        may_discharge=earliest is not None and view.now >= earliest,
    )


def _range(value: protocol.Range | None) -> str:
    """A reported single value (a range is left for the clinician to choose)."""
    if value is None or value.min != value.max:
        return ""
    return number(value.min)


def _prefill(view: RunnerView) -> InjectionPrefill:
    lateral = {s.id: s.lateral for s in view.sites}
    for template in view.templates:
        line = template.lines[0]
        volume = _range(line.total_volume_ml) or _range(line.volume_ml_per_point)
        guidance = (
            template.guidance.value
            if template.guidance is not protocol.TemplateGuidance.not_reported
            else ""
        )
        return InjectionPrefill(
            site=line.site,
            laterality="" if lateral.get(line.site, False) else "none",
            solution=line.solution or "",
            concentration=_range(line.concentration_percent),
            volume=volume,
            anaesthetic=line.anaesthetic or "",
            guidance=guidance,
            template_title=template.title,
            template_reported=line.as_reported,
            template_sources=", ".join(template.sources),
        )
    only = view.sites[0] if len(view.sites) == 1 else None
    return InjectionPrefill(
        site=only.id if only else "",
        laterality="none" if only and not only.lateral else "",
        solution="",
        concentration="",
        volume="",
        anaesthetic="",
        guidance="",
        template_title="",
        template_reported="",
        template_sources="",
    )


def runner_page(
    request: Request,
    page: Page,
    view: RunnerView,
    *,
    error: RunnerError | None = None,
    status_code: int = 200,
) -> Response:
    zone = clinic_zone(page)
    detail = view.session
    state = detail.protocol if detail else None
    kinds = {k.id: k.name for k in view.rules.adverse_event_kinds}
    context = RunnerPage(
        lang=page.lang,
        shell=page.shell,
        action_base=action_base(view.appointment.id),
        patient_name=view.patient.name,
        chart_href=chart_href(view.patient.id),
        condition=condition_name(view.course.condition_id),
        session_number=view.appointment.session_number,
        starts_at=date_time(view.appointment.starts_at, zone, page.lang),
        started=detail is not None,
        final=bool(state and state.is_final),
        outcome="open"
        if state is None or not state.is_final
        else (
            "aborted" if state.step is protocol.SessionStep.aborted else "discharged"
        ),
        step=state.step.value if state else None,
        allowed=tuple(detail.allowed_events) if detail else (),
        version=detail.record.version if detail else None,
        steps=_steps(view, page),
        clock=_clock(view, page),
        sites=tuple(SiteOption(s.id, s.name, s.lateral) for s in view.sites),
        prefill=_prefill(view),
        injections=tuple(
            InjectionRow(
                at=clock_time(i.given_at, zone),
                site=site_name(i.site),
                laterality=i.laterality.value,
                solution=i.solution,
                concentration=number(i.concentration_percent),
                volume=number(i.volume_ml),
                lot_number=i.lot_number or "",
                anaesthetic=i.anaesthetic or "",
                guidance=i.guidance.value,
            )
            for i in (state.injections if state else ())
        ),
        adverse_events=tuple(
            RunnerAdverseEvent(
                at=clock_time(e.onset, zone),
                kind=kinds.get(e.kind, e.kind),
                severity=e.severity,
                outcome=e.outcome,
                action=e.action or "",
                description=e.description or "",
            )
            for e in (state.adverse_events if state else ())
        ),
        adverse_kinds=tuple(
            Choice(k.id, k.name) for k in view.rules.adverse_event_kinds
        ),
        severities=tuple(view.rules.adverse_event_severities.codes),
        outcomes=tuple(view.rules.adverse_event_outcomes.codes),
        notes=tuple(
            RunnerNote(n.severity.value, n.message)
            for n in (state.notes if state else ())
        ),
        can_override=allows(page.actor.role, Permission.session_discharge_override),
        red_flags=tuple(f.message for f in view.red_flags),
        can_clear_flags=allows(page.actor.role, Permission.screening_sign_off),
        error=error,
    )
    return render(
        request, "pages/runner/session.html", context, status_code=status_code
    )


def _view(request: Request, page: Page, some_id: uuid.UUID) -> RunnerView:
    """The runner of an appointment, or of the appointment a session id belongs to."""
    try:
        return sessions.runner_view(page.uow, page.actor, appointment_id=some_id)
    except NotFoundError as not_an_appointment:
        # another patient's appointment is refused with the 404 of an id that is neither
        # (below); the refusal is recorded all the same
        note_refusal(request, not_an_appointment)
        return sessions.runner_view(page.uow, page.actor, session_id=some_id)


@router.get("/{some_id}", name="runner_session")
def runner(request: Request, page: PageDep, some_id: uuid.UUID) -> Response:
    """One session in the runner (an appointment id, or a session id)."""
    return runner_page(request, page, _view(request, page, some_id))


# --- writes --------------------------------------------------------------------------------------


def _refused(
    request: Request, page: Page, appointment_id: uuid.UUID, exc: Exception
) -> Response:
    """Re-render the runner with why the tap was refused (nothing of it is kept; a refusal by
    role is recorded in the audit log)."""
    page.uow.rollback()
    note_refusal(request, exc)
    view = sessions.runner_view(page.uow, page.actor, appointment_id=appointment_id)
    error: RunnerError
    if isinstance(exc, ForbiddenError):
        error, status = RunnerError("forbidden", exc.detail), 403
    elif isinstance(exc, ConflictError):
        error, status = RunnerError("conflict", exc.detail), 409
    elif (
        isinstance(exc, domain_errors.RuleViolationError)
        and exc.field == "override"
        and view.session is not None
    ):
        error = RunnerError(
            "rest_minimum",
            exc.message,
            rested=number(round(view.session.rest_minutes or 0.0, 1)),
            minimum=str(view.rules.rest.min_minutes),
        )
        status = 422
    elif isinstance(exc, domain_errors.RuleViolationError):
        error, status = RunnerError("rule", exc.message), 422
    elif isinstance(exc, ServiceError) and exc.field == "red_flags":
        error, status = RunnerError("red_flags", exc.detail), 422
    elif isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        error, status = RunnerError("invalid", f"{where}: {first['msg']}"), 422
    else:
        error, status = RunnerError("invalid", str(exc)), 422
    return runner_page(request, page, view, error=error, status_code=status)


def _done(request: Request, appointment_id: uuid.UUID) -> Response:
    return redirect_after_post(request, f"{action_base(appointment_id)}#checklist")


@router.post("/{appointment_id}/start", name="runner_start")
def start(request: Request, page: PageDep, appointment_id: uuid.UUID) -> Response:
    """Check the patient in and open the session record."""
    try:
        sessions.start_session(page.uow, page.actor, appointment_id=appointment_id)
    except (ServiceError, domain_errors.DomainError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        return _refused(request, page, appointment_id, exc)
    return _done(request, appointment_id)


def _float(text: str) -> float | None:
    value = text.strip().replace(",", ".")
    return float(value) if value else None


def build_event(
    kind: EventKind,
    *,
    site: str = "",
    laterality: str = "",
    solution: str = "",
    concentration: str = "",
    volume: str = "",
    lot_number: str = "",
    anaesthetic: str = "",
    guidance: str = "",
    agent: str = "",
    heat_packs: bool = True,
    override_reason: str = "",
    reason: str = "",
) -> protocol.SessionEvent:
    """The protocol event a runner form describes (pydantic validates the values; the
    services put the signed-in user's name in `by`)."""
    pending = "(signed-in user)"
    if kind == "consent":
        return protocol.GiveConsent(by=pending)
    if kind == "preparation":
        return protocol.StartPreparation()
    if kind == "local_anaesthesia":
        return protocol.GiveLocalAnaesthesia.model_validate(
            {
                "agent": agent,
                "concentration_percent": _float(concentration),
                "volume_ml": _float(volume),
            }
        )
    if kind == "injection":
        return protocol.GiveInjection.model_validate(
            {
                "site": site,
                "laterality": laterality,
                "solution": solution,
                "concentration_percent": _float(concentration),
                "volume_ml": _float(volume),
                "anaesthetic": anaesthetic.strip() or None,
                "guidance": guidance,
                "lot_number": lot_number.strip() or None,
            }
        )
    if kind == "rest":
        return protocol.StartRest(heat_packs_applied=heat_packs)
    if kind == "discharge":
        text = override_reason.strip()
        return protocol.Discharge(
            override=protocol.Override(by=pending, reason=text) if text else None
        )
    return protocol.Abort.model_validate({"reason": reason})


@router.post("/{appointment_id}/event", name="runner_event")
def event(
    request: Request,
    page: PageDep,
    appointment_id: uuid.UUID,
    kind: Annotated[EventKind, Form()],
    version: Annotated[int, Form()],
    site: Annotated[str, Form(max_length=100)] = "",
    laterality: Annotated[str, Form(max_length=20)] = "",
    solution: Annotated[str, Form(max_length=200)] = "",
    concentration: Annotated[str, Form(max_length=20)] = "",
    volume: Annotated[str, Form(max_length=20)] = "",
    lot_number: Annotated[str, Form(max_length=100)] = "",
    anaesthetic: Annotated[str, Form(max_length=200)] = "",
    guidance: Annotated[str, Form(max_length=20)] = "",
    agent: Annotated[str, Form(max_length=200)] = "",
    heat_packs: Annotated[str, Form(max_length=5)] = "",
    override_reason: Annotated[str, Form(max_length=2000)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record one protocol step of the appointment's session."""
    try:
        view = sessions.runner_view(page.uow, page.actor, appointment_id=appointment_id)
        if view.session is None:
            raise ConflictError("check the patient in first", field="kind")
        built = build_event(
            kind,
            site=site,
            laterality=laterality,
            solution=solution,
            concentration=concentration,
            volume=volume,
            lot_number=lot_number,
            anaesthetic=anaesthetic,
            guidance=guidance,
            agent=agent,
            heat_packs=heat_packs == "on",
            override_reason=override_reason,
            reason=reason,
        )
        sessions.record_event(
            page.uow,
            page.actor,
            session_id=view.session.record.id,
            event=built,
            expected_version=version,
        )
    except (
        ServiceError,
        domain_errors.DomainError,
        ValidationError,
        ValueError,
    ) as exc:
        if isinstance(exc, NotFoundError):
            raise
        return _refused(request, page, appointment_id, exc)
    return _done(request, appointment_id)


@router.post("/{appointment_id}/adverse-event", name="runner_adverse_event")
def adverse_event(
    request: Request,
    page: PageDep,
    appointment_id: uuid.UUID,
    version: Annotated[int, Form()],
    kind: Annotated[str, Form(max_length=100)],
    severity: Annotated[str, Form(max_length=50)],
    outcome: Annotated[str, Form(max_length=50)],
    action: Annotated[str, Form(max_length=2000)] = "",
    description: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record an adverse event (any step, also after discharge)."""
    try:
        view = sessions.runner_view(page.uow, page.actor, appointment_id=appointment_id)
        if view.session is None:
            raise ConflictError("check the patient in first", field="kind")
        sessions.report_adverse_event(
            page.uow,
            page.actor,
            session_id=view.session.record.id,
            kind=kind,
            severity=severity,
            outcome=outcome,
            action=action,
            description=description,
            expected_version=version,
        )
    except (ServiceError, domain_errors.DomainError, ValidationError) as exc:
        if isinstance(exc, NotFoundError):
            raise
        return _refused(request, page, appointment_id, exc)
    return _done(request, appointment_id)


@router.post("/{appointment_id}/clear-flags", name="runner_clear_flags")
def clear_flags(
    request: Request,
    page: PageDep,
    appointment_id: uuid.UUID,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """A clinician clears the red flags of the patient's self check-in, with a reason."""
    try:
        checkin.clear_red_flags(
            page.uow, page.actor, appointment_id=appointment_id, reason=reason
        )
    except ServiceError as exc:
        if isinstance(exc, NotFoundError):
            raise
        return _refused(request, page, appointment_id, exc)
    return _done(request, appointment_id)
