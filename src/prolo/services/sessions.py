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
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from prolo.domain import protocol
from prolo.domain.catalog import InjectionSite, load_catalog
from prolo.services import checkin
from prolo.services import clinic as clinic_service
from prolo.services.context import Actor, audit, authorize, require_own
from prolo.services.courses import clinic_zone, local_date
from prolo.services.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    use_case,
)
from prolo.services.permissions import Permission
from prolo.store.records import (
    Appointment,
    AppointmentStatus,
    Course,
    Patient,
    SessionRecord,
)
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


def _record(
    uow: UnitOfWork, actor: Actor, session_id: uuid.UUID, *, permission: Permission
) -> SessionRecord:
    record = uow.sessions.get(session_id)
    if record is None:
        raise NotFoundError(f"no session {session_id}")
    appointment = uow.appointments.get(actor.clinic_id, record.appointment_id)
    if appointment is None:
        raise NotFoundError(f"no session {session_id}")
    require_own(
        actor, permission, record.patient_id, not_found=f"no session {session_id}"
    )
    return record


@use_case
def start_session(
    uow: UnitOfWork, actor: Actor, *, appointment_id: uuid.UUID
) -> SessionDetail:
    """Open the session record at check-in (checks the appointment in if it was only booked)."""
    appointment = uow.appointments.get(actor.clinic_id, appointment_id)
    if appointment is None:
        raise NotFoundError(f"no appointment {appointment_id}")
    require_own(
        actor,
        Permission.session_run,
        appointment.patient_id,
        not_found=f"no appointment {appointment_id}",
    )
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
    # a red flag raised at self check-in stops the session until a clinician clears it
    checkin.require_cleared(uow, actor, appointment.id)
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
    record = _record(uow, actor, session_id, permission=Permission.session_run)
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
    record = _record(uow, actor, session_id, permission=Permission.session_read)
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
    if appointment is None:
        raise NotFoundError(f"no appointment {appointment_id}")
    require_own(
        actor,
        Permission.session_read,
        appointment.patient_id,
        not_found=f"no appointment {appointment_id}",
    )
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
    record = _record(uow, actor, session_id, permission=Permission.session_run)
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


# --------------------------------------------------------------------------- the day and the runner


class DayStatus(StrEnum):
    """Where a session of the day stands, as the clinician's list shows it."""

    booked = "booked"
    checked_in = "checked_in"
    in_progress = "in_progress"
    done = "done"
    aborted = "aborted"
    cancelled = "cancelled"
    no_show = "no_show"


@dataclass(frozen=True, slots=True)
class DayEntry:
    """One appointment of the day with its patient, condition, clinician and session state."""

    appointment: Appointment
    patient: Patient
    condition_id: str
    clinician_name: str
    session: SessionRecord | None
    status: DayStatus
    red_flags: tuple[checkin.RedFlag, ...] = ()
    """Red flags from the patient's self check-in that still stop the session."""


def day_status(appointment: Appointment, session: SessionRecord | None) -> DayStatus:
    """booked / checked in / in progress / done (or aborted, cancelled, no-show)."""
    if appointment.status is AppointmentStatus.cancelled:
        return DayStatus.cancelled
    if appointment.status is AppointmentStatus.no_show:
        return DayStatus.no_show
    if session is not None:
        if session.state == protocol.SessionStep.aborted.value:
            return DayStatus.aborted
        if session.state == protocol.SessionStep.discharged.value:
            return DayStatus.done
        return DayStatus.in_progress
    if appointment.status is AppointmentStatus.done:
        return DayStatus.done
    if appointment.status is AppointmentStatus.checked_in:
        return DayStatus.checked_in
    return DayStatus.booked


@use_case
def day_list(
    uow: UnitOfWork, actor: Actor, *, day: date | None = None
) -> list[DayEntry]:
    """The clinic's sessions on `day` (default: today in the clinic's timezone), in time order,
    each with where it stands. For the treatment-room staff (session.read)."""
    authorize(actor, Permission.session_read)
    zone = clinic_zone(uow, actor.clinic_id)
    on = day or local_date(uow.now(), zone)
    start = datetime.combine(on, time(0, 0), zone)
    end = datetime.combine(on + timedelta(days=1), time(0, 0), zone)
    page = uow.appointments.page(
        actor.clinic_id, starts_from=start, starts_before=end, limit=500, offset=0
    )
    names = {m.id: m.name for m in uow.staff.members(actor.clinic_id)}
    entries: list[DayEntry] = []
    for appointment in sorted(page.items, key=lambda a: a.starts_at):
        patient = uow.patients.get(actor.clinic_id, appointment.patient_id)
        course = uow.courses.get(actor.clinic_id, appointment.course_id)
        if patient is None or course is None:  # pragma: no cover - foreign keys
            continue
        session = uow.sessions.by_appointment(appointment.id)
        entries.append(
            DayEntry(
                appointment=appointment,
                patient=patient,
                condition_id=course.condition_id,
                clinician_name=names.get(appointment.clinician_id, ""),
                session=session,
                status=day_status(appointment, session),
                red_flags=checkin.red_flags(uow, actor, appointment.id),
            )
        )
        audit(
            uow,
            actor,
            "session.day_list",
            resource_type="appointment",
            resource_id=appointment.id,
            patient_id=appointment.patient_id,
        )
    return entries


@dataclass(frozen=True, slots=True)
class RunnerView:
    """What the treatment-room runner needs: the appointment, its patient and course, the
    session so far (None before check-in), the clinic's session rules, the injection sites of
    the condition, the published protocol templates for it, and the server's time."""

    appointment: Appointment
    patient: Patient
    course: Course
    session: SessionDetail | None
    rules: protocol.SessionRules
    sites: tuple[InjectionSite, ...]
    templates: tuple[protocol.ProtocolTemplate, ...]
    now: datetime
    red_flags: tuple[checkin.RedFlag, ...] = ()


@use_case
def runner_view(
    uow: UnitOfWork,
    actor: Actor,
    *,
    appointment_id: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
) -> RunnerView:
    """The runner's data for an appointment or a session (give one of them)."""
    if (appointment_id is None) == (session_id is None):
        raise InvalidInputError(
            "give an appointment id or a session id", field="appointment_id"
        )
    if session_id is not None:
        appointment_id = _record(
            uow, actor, session_id, permission=Permission.session_read
        ).appointment_id
    assert appointment_id is not None
    appointment = uow.appointments.get(actor.clinic_id, appointment_id)
    if appointment is None:
        raise NotFoundError(f"no appointment {appointment_id}")
    require_own(
        actor,
        Permission.session_read,
        appointment.patient_id,
        not_found=f"no appointment {appointment_id}",
    )
    authorize(actor, Permission.session_read, patient_id=appointment.patient_id)
    patient = uow.patients.get(actor.clinic_id, appointment.patient_id)
    course = uow.courses.get(actor.clinic_id, appointment.course_id)
    assert patient is not None  # a foreign key
    assert course is not None  # a foreign key
    record = uow.sessions.by_appointment(appointment.id)
    catalog = load_catalog()
    audit(
        uow,
        actor,
        "session.runner",
        resource_type="appointment",
        resource_id=appointment.id,
        patient_id=appointment.patient_id,
    )
    return RunnerView(
        appointment=appointment,
        patient=patient,
        course=course,
        session=None if record is None else _detail(uow, actor, record),
        rules=clinic_service.session_rules(uow, actor.clinic_id),
        sites=tuple(catalog.sites_for(course.condition_id)),
        templates=tuple(
            protocol.load_protocol_templates().for_condition(course.condition_id)
        ),
        now=uow.now(),
        red_flags=checkin.red_flags(uow, actor, appointment.id),
    )


@use_case
def report_adverse_event(
    uow: UnitOfWork,
    actor: Actor,
    *,
    session_id: uuid.UUID,
    kind: str,
    severity: str,
    outcome: str,
    action: str | None = None,
    description: str | None = None,
    onset: datetime | None = None,
    expected_version: int | None = None,
) -> SessionDetail:
    """Record an adverse event of a session; its onset defaults to now."""
    event = protocol.ReportAdverseEvent(
        event=kind,
        severity=severity,
        outcome=outcome,
        action=(action or "").strip() or None,
        description=(description or "").strip() or None,
        onset=onset or uow.now(),
    )
    return record_event(
        uow,
        actor,
        session_id=session_id,
        event=event,
        expected_version=expected_version,
    )
