"""Running a session: the protocol steps (`prolo.domain.protocol`) with timestamps, injections
with their solution lot numbers, adverse events, discharge after the heat-pack rest.

The domain's state machine decides what may happen next and under which rules (the clinic's
session rules: 30 minutes of procedure, 10-15 minutes of rest); this module keeps its state in
the database, records every step, and checks roles: a nurse runs the steps, only a clinician
discharges before the minimum rest (with a reason).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from prolo.domain import protocol
from prolo.domain.catalog import load_catalog
from prolo.services import clinic as clinic_service
from prolo.services.context import Actor, audit, authorize
from prolo.services.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    use_case,
)
from prolo.services.permissions import Permission
from prolo.store.records import AppointmentStatus, Role, SessionRecord
from prolo.store.unit_of_work import UnitOfWork

SessionEvent = protocol.SessionEvent


@dataclass(frozen=True, slots=True)
class SessionDetail:
    """A session as stored, the domain's state of it, and what may happen next."""

    record: SessionRecord
    protocol: protocol.SessionRecord
    allowed_events: list[str]
    earliest_discharge: datetime | None
    procedure_minutes: float | None
    rest_minutes: float | None


def _label(actor: Actor) -> str:
    return actor.email or f"{actor.role.value} ({actor.via})"


def _detail(uow: UnitOfWork, actor: Actor, record: SessionRecord) -> SessionDetail:
    rules = clinic_service.session_rules(uow, actor.clinic_id)
    state = protocol.SessionRecord.model_validate(
        uow.sessions.protocol_state(record.id)
    )
    now = uow.now()
    return SessionDetail(
        record=record,
        protocol=state,
        allowed_events=protocol.allowed_events(state, rules),
        earliest_discharge=protocol.earliest_discharge(state, rules),
        procedure_minutes=protocol.procedure_minutes(state, now),
        rest_minutes=protocol.rest_minutes(state, now),
    )


def _record(uow: UnitOfWork, actor: Actor, session_id: uuid.UUID) -> SessionRecord:
    record = uow.sessions.get(session_id)
    if record is None:
        raise NotFoundError(f"no session {session_id}")
    appointment = uow.appointments.get(actor.clinic_id, record.appointment_id)
    if appointment is None or (
        actor.role is Role.patient and record.patient_id != actor.patient_id
    ):
        raise NotFoundError(f"no session {session_id}")
    return record


@use_case
def start_session(
    uow: UnitOfWork, actor: Actor, *, appointment_id: uuid.UUID
) -> SessionDetail:
    """Open the session record at check-in (checks the appointment in if it was only booked)."""
    appointment = uow.appointments.get(actor.clinic_id, appointment_id)
    if appointment is None or (
        actor.role is Role.patient and appointment.patient_id != actor.patient_id
    ):
        raise NotFoundError(f"no appointment {appointment_id}")
    authorize(actor, Permission.session_run, patient_id=appointment.patient_id)
    if appointment.status not in (
        AppointmentStatus.booked,
        AppointmentStatus.checked_in,
    ):
        raise ConflictError(
            f"a {appointment.status.value} appointment cannot start a session",
            field="status",
        )
    if uow.sessions.by_appointment(appointment.id) is not None:
        raise ConflictError(
            "this appointment's session is already open", reason="duplicate"
        )
    course = uow.courses.get(actor.clinic_id, appointment.course_id)
    assert course is not None
    now = uow.now()
    state = protocol.check_in(
        [course.condition_id], now, by=_label(actor), catalog=load_catalog()
    )
    if appointment.status is AppointmentStatus.booked:
        uow.appointments.set_status(
            appointment.id,
            expected_version=None,
            status=AppointmentStatus.checked_in,
            checked_in_at=now,
            updated_at=now,
        )
    record = uow.sessions.start(
        appointment_id=appointment.id,
        patient_id=appointment.patient_id,
        state=state.step.value,
        protocol_state=state.model_dump(mode="json"),
        started_at=now,
    )
    record = uow.sessions.advance(
        record.id,
        expected_version=None,
        state=state.step.value,
        protocol_state=state.model_dump(mode="json"),
        step="check_in",
        at=now,
        by_user_id=actor.user_id,
        note=None,
    )
    audit(
        uow,
        actor,
        "session.start",
        resource_type="session",
        resource_id=record.id,
        patient_id=record.patient_id,
        detail={"appointment_id": str(appointment.id)},
    )
    return _detail(uow, actor, record)


def _with_actor(event: protocol.SessionEvent, label: str) -> protocol.SessionEvent:
    """The event as done by the caller: `by` always names the logged-in user."""
    if isinstance(event, protocol.Discharge) and event.override is not None:
        return event.model_copy(
            update={
                "by": label,
                "override": event.override.model_copy(update={"by": label}),
            }
        )
    if isinstance(event, protocol.GiveConsent):
        return event.model_copy(update={"by": label})
    return event.model_copy(update={"by": label})


@use_case
def record_event(
    uow: UnitOfWork,
    actor: Actor,
    *,
    session_id: uuid.UUID,
    event: protocol.SessionEvent,
    expected_version: int | None = None,
) -> SessionDetail:
    """Apply one protocol event now (consent, preparation, local anaesthesia, injection, rest,
    discharge, abort, adverse event). The domain refuses steps out of order and a discharge
    before the minimum rest; only a clinician may override that with a reason."""
    record = _record(uow, actor, session_id)
    authorize(actor, Permission.session_run, patient_id=record.patient_id)
    if isinstance(event, protocol.Discharge) and event.override is not None:
        authorize(
            actor, Permission.session_discharge_override, patient_id=record.patient_id
        )
    if (
        isinstance(event, protocol.GiveInjection)
        and not (event.lot_number or "").strip()
    ):
        raise InvalidInputError(
            "lot_number: the solution's lot number is required (traceability)",
            field="lot_number",
        )
    rules = clinic_service.session_rules(uow, actor.clinic_id)
    state = protocol.SessionRecord.model_validate(
        uow.sessions.protocol_state(record.id)
    )
    now = uow.now()
    label = _label(actor)
    new_state, notes = protocol.transition(
        state, _with_actor(event, label), now, rules, catalog=load_catalog()
    )
    note = "; ".join(n.message for n in notes) or None
    if isinstance(event, protocol.Abort):
        note = f"aborted: {event.reason}" + (f"; {note}" if note else "")
    discharged = (
        new_state.discharged_at if isinstance(event, protocol.Discharge) else None
    )
    updated = uow.sessions.advance(
        record.id,
        expected_version=expected_version,
        state=new_state.step.value,
        protocol_state=new_state.model_dump(mode="json"),
        step=event.kind,
        at=now,
        by_user_id=actor.user_id,
        note=note,
        discharged_at=discharged,
        discharge_override_reason=(
            event.override.reason
            if isinstance(event, protocol.Discharge) and event.override is not None
            else None
        ),
    )
    if isinstance(event, protocol.GiveInjection):
        injected = new_state.injections[-1]
        updated = uow.sessions.add_injection(
            record.id,
            site_id=injected.site,
            laterality=injected.laterality.value,
            solution=injected.solution,
            concentration_pct=injected.concentration_percent,
            volume_ml=injected.volume_ml,
            lot_number=(injected.lot_number or "").strip(),
            anaesthetic=injected.anaesthetic,
            guidance=injected.guidance.value,
            injected_at=now,
            by_user_id=actor.user_id,
        )
    if isinstance(event, protocol.ReportAdverseEvent):
        reported = new_state.adverse_events[-1]
        updated = uow.sessions.add_adverse_event(
            record.id,
            kind=reported.kind,
            severity=reported.severity,
            description=reported.description,
            occurred_at=reported.onset,
            action_taken=reported.action,
            by_user_id=actor.user_id,
        )
    if new_state.is_final and not state.is_final:
        appointment = uow.appointments.get(actor.clinic_id, record.appointment_id)
        assert appointment is not None
        uow.appointments.set_status(
            appointment.id,
            expected_version=None,
            status=AppointmentStatus.done,
            reason="aborted" if isinstance(event, protocol.Abort) else None,
            updated_at=now,
        )
    audit(
        uow,
        actor,
        f"session.{event.kind}",
        resource_type="session",
        resource_id=record.id,
        patient_id=record.patient_id,
        detail={"step": new_state.step.value, **({"notes": note} if note else {})},
    )
    return _detail(uow, actor, updated)


@use_case
def get_session(
    uow: UnitOfWork, actor: Actor, *, session_id: uuid.UUID
) -> SessionDetail:
    record = _record(uow, actor, session_id)
    authorize(actor, Permission.session_read, patient_id=record.patient_id)
    audit(
        uow,
        actor,
        "session.read",
        resource_type="session",
        resource_id=record.id,
        patient_id=record.patient_id,
    )
    return _detail(uow, actor, record)


@use_case
def session_for_appointment(
    uow: UnitOfWork, actor: Actor, *, appointment_id: uuid.UUID
) -> SessionDetail:
    appointment = uow.appointments.get(actor.clinic_id, appointment_id)
    if appointment is None or (
        actor.role is Role.patient and appointment.patient_id != actor.patient_id
    ):
        raise NotFoundError(f"no appointment {appointment_id}")
    authorize(actor, Permission.session_read, patient_id=appointment.patient_id)
    record = uow.sessions.by_appointment(appointment.id)
    if record is None:
        raise NotFoundError("this appointment has no session yet")
    audit(
        uow,
        actor,
        "session.read",
        resource_type="session",
        resource_id=record.id,
        patient_id=record.patient_id,
    )
    return _detail(uow, actor, record)


@use_case
def list_sessions(
    uow: UnitOfWork, actor: Actor, *, patient_id: uuid.UUID
) -> list[SessionRecord]:
    """A patient's session history: steps, injections (with lots), adverse events."""
    authorize(actor, Permission.session_read, patient_id=patient_id)
    if uow.patients.get(actor.clinic_id, patient_id) is None:
        raise NotFoundError(f"no patient {patient_id}")
    found = uow.sessions.for_patient(patient_id)
    audit(uow, actor, "session.list", resource_type="session", patient_id=patient_id)
    return found


@use_case
def set_notes(
    uow: UnitOfWork,
    actor: Actor,
    *,
    session_id: uuid.UUID,
    expected_version: int,
    notes: str | None,
) -> SessionRecord:
    """The clinician's or nurse's free-text notes (clinical: reception cannot read them)."""
    record = _record(uow, actor, session_id)
    authorize(actor, Permission.session_run, patient_id=record.patient_id)
    text = (notes or "").strip() or None
    if text is not None and len(text) > 10_000:
        raise InvalidInputError("notes are limited to 10,000 characters", field="notes")
    updated = uow.sessions.set_notes(
        record.id, expected_version=expected_version, notes=text, at=uow.now()
    )
    audit(
        uow,
        actor,
        "session.notes",
        resource_type="session",
        resource_id=record.id,
        patient_id=record.patient_id,
    )
    return updated


@use_case
def patients_from_lot(
    uow: UnitOfWork, actor: Actor, *, lot_number: str
) -> list[uuid.UUID]:
    """Every patient injected from a solution lot (a recall), in this clinic."""
    authorize(actor, Permission.session_read)
    ids = [
        pid
        for pid in uow.sessions.patients_injected_from_lot(lot_number.strip())
        if uow.patients.get(actor.clinic_id, pid) is not None
    ]
    for pid in ids:
        audit(
            uow,
            actor,
            "session.lot_recall",
            resource_type="injection",
            resource_id=lot_number,
            patient_id=pid,
        )
    return ids
