"""The session runner: open a session at check-in, record each protocol event, notes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import ValidationError

from prolo.api.deps import ActorDep, UoWDep
from prolo.api.etag import if_match_version, set_etag
from prolo.api.schemas.common import PROBLEM_RESPONSES
from prolo.api.schemas.sessions import (
    AbortCreate,
    AdverseEventCreate,
    ConsentCreate,
    DischargeCreate,
    InjectionCreate,
    LocalAnaesthesiaCreate,
    NoteRead,
    NotesUpdate,
    PreparationCreate,
    RestCreate,
    SessionEventCreate,
    SessionRead,
    SessionRecordRead,
)
from prolo.domain import protocol
from prolo.services import sessions
from prolo.services.errors import InvalidInputError

router = APIRouter(tags=["sessions"], responses=PROBLEM_RESPONSES)

PENDING = "-"  # the service replaces `by` with the logged-in user


def to_event(body: SessionEventCreate) -> protocol.SessionEvent:
    """The domain event for a request body (InvalidInputError naming the field if the domain
    refuses a value)."""
    try:
        if isinstance(body, ConsentCreate):
            return protocol.GiveConsent(by=PENDING)
        if isinstance(body, PreparationCreate):
            return protocol.StartPreparation()
        if isinstance(body, LocalAnaesthesiaCreate):
            return protocol.GiveLocalAnaesthesia(
                agent=body.agent,
                concentration_percent=body.concentration_percent,
                volume_ml=body.volume_ml,
            )
        if isinstance(body, InjectionCreate):
            return protocol.GiveInjection(
                site=body.site,
                laterality=protocol.Laterality(body.laterality),
                solution=body.solution,
                concentration_percent=body.concentration_percent,
                volume_ml=body.volume_ml,
                anaesthetic=body.anaesthetic,
                guidance=protocol.Guidance(body.guidance),
                lot_number=body.lot_number,
                points=body.points,
            )
        if isinstance(body, RestCreate):
            return protocol.StartRest(heat_packs_applied=body.heat_packs_applied)
        if isinstance(body, DischargeCreate):
            override = (
                protocol.Override(by=PENDING, reason=body.override_reason)
                if body.override_reason and body.override_reason.strip()
                else None
            )
            return protocol.Discharge(override=override)
        if isinstance(body, AbortCreate):
            return protocol.Abort(reason=body.reason)
        assert isinstance(body, AdverseEventCreate)
        return protocol.ReportAdverseEvent(
            event=body.event,
            description=body.description,
            severity=body.severity,
            onset=body.onset,
            action=body.action,
            outcome=body.outcome,
            site=body.site,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or body.kind
        raise InvalidInputError(f"{field}: {first['msg']}", field=field) from exc


def session_read(detail: sessions.SessionDetail) -> SessionRead:
    return SessionRead(
        record=SessionRecordRead.model_validate(detail.record),
        allowed_events=detail.allowed_events,
        earliest_discharge=detail.earliest_discharge,
        procedure_minutes=detail.procedure_minutes,
        rest_minutes=detail.rest_minutes,
        flagged=detail.protocol.flagged,
        protocol_notes=[
            NoteRead(code=n.code, severity=n.severity.value, message=n.message, at=n.at)
            for n in detail.protocol.notes
        ],
    )


@router.post(
    "/appointments/{appointment_id}/session",
    response_model=SessionRead,
    status_code=201,
)
def start_session(
    appointment_id: uuid.UUID, response: Response, uow: UoWDep, actor: ActorDep
) -> SessionRead:
    """Open the session (checks the patient in)."""
    detail = sessions.start_session(uow, actor, appointment_id=appointment_id)
    set_etag(response, detail.record.version)
    return session_read(detail)


@router.get("/appointments/{appointment_id}/session", response_model=SessionRead)
def session_of_appointment(
    appointment_id: uuid.UUID, response: Response, uow: UoWDep, actor: ActorDep
) -> SessionRead:
    detail = sessions.session_for_appointment(uow, actor, appointment_id=appointment_id)
    set_etag(response, detail.record.version)
    return session_read(detail)


@router.get("/sessions/{session_id}", response_model=SessionRead)
def get_session(
    session_id: uuid.UUID, response: Response, uow: UoWDep, actor: ActorDep
) -> SessionRead:
    detail = sessions.get_session(uow, actor, session_id=session_id)
    set_etag(response, detail.record.version)
    return session_read(detail)


@router.post("/sessions/{session_id}/events", response_model=SessionRead)
def record_event(
    session_id: uuid.UUID,
    body: SessionEventCreate,
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
) -> SessionRead:
    """One protocol step, recorded now. Out-of-order steps and an early discharge are refused
    (422 rule-violation); a clinician may discharge early with `override_reason`."""
    detail = sessions.record_event(
        uow, actor, session_id=session_id, event=to_event(body)
    )
    set_etag(response, detail.record.version)
    return session_read(detail)


@router.put("/sessions/{session_id}/notes", response_model=SessionRecordRead)
def set_notes(
    session_id: uuid.UUID,
    body: NotesUpdate,
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
    version: Annotated[int, Depends(if_match_version)],
) -> SessionRecordRead:
    record = sessions.set_notes(
        uow, actor, session_id=session_id, expected_version=version, notes=body.notes
    )
    set_etag(response, record.version)
    return SessionRecordRead.model_validate(record)


@router.get("/patients/{patient_id}/sessions", response_model=list[SessionRecordRead])
def list_sessions(
    patient_id: uuid.UUID, uow: UoWDep, actor: ActorDep
) -> list[SessionRecordRead]:
    """The patient's session history with injections (and lots) and adverse events."""
    return [
        SessionRecordRead.model_validate(r)
        for r in sessions.list_sessions(uow, actor, patient_id=patient_id)
    ]


@router.get("/lots/{lot_number}/patients", response_model=list[uuid.UUID])
def lot_recall(lot_number: str, uow: UoWDep, actor: ActorDep) -> list[uuid.UUID]:
    """Every patient injected from a solution lot (for a recall)."""
    return sessions.patients_from_lot(uow, actor, lot_number=lot_number)
