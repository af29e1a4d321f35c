"""Load a FHIR Bundle (as `prolo fhir export` writes it) into the clinic, without duplicates.

    result = fhir_import.import_bundle(uow, actor, bundle_json)      # admin only; one transaction

The Bundle is read by `prolo.interop.fhir.bundle_to_records` (which names the entry and element
of any problem), then every record is matched against what the clinic already has, and only
what is missing is added. The matching rules (docs/interop.md, "Import"):

- Every Prolo record carries its id as an identifier (`https://prolo.dev/fhir/NamingSystem/<kind>`);
  the import keeps that id, so a record whose id the clinic already has IS that record and is
  left as it is (never updated, never duplicated). An id used by another clinic of the same
  database is refused (ConflictError): ids are global.
- Patient: by id; else by MRN (`NamingSystem/patient-mrn`); then the Bundle's records about
  the patient are attached to the patient found.
- Practitioner: by id; else by exact name among the clinic's staff; else a new staff member
  with the clinician role (no roster). Location: by id; else by name among the clinic's rooms
  (procedure rooms) or recovery places; else a new one. Organization: always the importing
  clinic (not created, not renamed).
- Condition: stored on its course (Prolo keeps one condition per course); a Condition no
  course addresses cannot be stored and is reported in `skipped`.
- Observation: scores are recomputed by the instrument from the stored answers; an Observation
  without a QuestionnaireResponse is reported in `skipped`.
- Questionnaire: the instruments registry is the definition; responses to an instrument it does
  not know are refused.

Historical records are taken as they are: the booking rules (opening hours, rosters, course
windows) are not applied, but the database still refuses double bookings.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from prolo.domain import protocol
from prolo.domain.catalog import load_catalog
from prolo.domain.errors import DomainError
from prolo.domain.instruments import get_instrument
from prolo.interop import scores
from prolo.interop.fhir import bundle_to_records, codes
from prolo.interop.records import (
    AdverseEventRecord,
    AppointmentRecord,
    CourseRecord,
    LocationRecord,
    PatientBundleRecord,
    PatientRecord,
    PractitionerRecord,
    ProcedureRecord,
    QuestionnaireResponseRecord,
)
from prolo.services.context import Actor, audit, authorize
from prolo.services.errors import (
    ConflictError,
    InvalidInputError,
    use_case,
)
from prolo.services.permissions import Permission
from prolo.store.records import (
    ACTIVE_APPOINTMENT_STATUSES,
    AppointmentStatus,
    CourseStatus,
    PatientIdentifier,
    RecoveryPlaceKind,
    Role,
    Sex,
)
from prolo.store.repositories.interop import Kind
from prolo.store.unit_of_work import UnitOfWork

AVERAGE_MONTH_DAYS = 30.44  # 365.25 / 12, to name a follow-up timepoint in whole months


@dataclass
class ImportResult:
    """What an import did: per kind, how many records it added and how many it found already."""

    patient_id: uuid.UUID
    created: Counter[str] = field(default_factory=Counter)
    matched: Counter[str] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return sum(self.created.values()) > 0

    def to_dict(self) -> dict[str, object]:
        return {
            "patient_id": str(self.patient_id),
            "created": dict(sorted(self.created.items())),
            "matched": dict(sorted(self.matched.items())),
            "skipped": list(self.skipped),
        }


class _Import:
    def __init__(
        self, uow: UnitOfWork, actor: Actor, bundle: PatientBundleRecord
    ) -> None:
        self.uow = uow
        self.actor = actor
        self.clinic_id = actor.clinic_id
        self.bundle = bundle
        self.result = ImportResult(patient_id=bundle.patient.id)
        # ids of the bundle -> ids in this clinic (differ only for matched patients/staff/places)
        self.ids: dict[uuid.UUID, uuid.UUID] = {}
        self.catalog = load_catalog()

    # helpers ------------------------------------------------------------------------------
    def _map(self, value: uuid.UUID) -> uuid.UUID:
        return self.ids.get(value, value)

    def _refuse_foreign(self, kind: Kind, record_id: uuid.UUID, what: str) -> None:
        if self.uow.interop.taken(kind, record_id):
            raise ConflictError(
                f"{what} {record_id} already exists in another clinic or for another patient;"
                " ids are global, so it cannot be imported here",
                field=what,
            )

    def _created(self, kind: str) -> None:
        self.result.created[kind] += 1

    def _matched(self, kind: str) -> None:
        self.result.matched[kind] += 1

    # patient ------------------------------------------------------------------------------
    def patient(self, record: PatientRecord) -> uuid.UUID:
        existing = self.uow.patients.get(self.clinic_id, record.id)
        if existing is None and record.mrn is not None:
            existing = self.uow.patients.find_by_identifier(
                self.clinic_id, codes.ID_PATIENT_MRN, record.mrn
            )
        if existing is not None:
            self.ids[record.id] = existing.id
            self.result.patient_id = existing.id
            self._matched("Patient")
            return existing.id
        self._refuse_foreign("patient", record.id, "Patient")
        if not record.given_names:
            raise InvalidInputError(
                "Patient.name.given: Prolo needs a given name", field="Patient.name"
            )
        given = " ".join(record.given_names)
        for label, value, limit in (
            ("name.given", given, 100),
            ("name.family", record.family_name, 100),
            ("telecom(phone)", record.phone, 40),
            ("telecom(email)", record.email, 320),
            ("communication.language", record.language, 8),
        ):
            if value is not None and len(value) > limit:
                raise InvalidInputError(
                    f"Patient.{label} is longer than {limit} characters",
                    field=f"Patient.{label}",
                )
        self.uow.interop.add_patient(
            record.id,
            self.clinic_id,
            given_name=given,
            family_name=record.family_name,
            birth_date=record.birth_date,
            sex=Sex(record.gender or "unknown"),
            phone=record.phone,
            email=record.email,
            preferred_language=record.language or "en",
            identifiers=[PatientIdentifier(codes.ID_PATIENT_MRN, record.mrn)]
            if record.mrn
            else [],
            created_at=self.uow.now(),
        )
        self._created("Patient")
        return record.id

    # staff and places ---------------------------------------------------------------------
    def practitioner(self, record: PractitionerRecord) -> None:
        name = " ".join((*record.given_names, record.family_name))
        found = self.uow.staff.get(
            self.clinic_id, record.id
        ) or self.uow.staff.find_by_name(self.clinic_id, name)
        if found is not None:
            self.ids[record.id] = found.id
            self._matched("Practitioner")
            return
        self._refuse_foreign("staff", record.id, "Practitioner")
        self.uow.interop.add_staff(
            record.id,
            self.clinic_id,
            name=name[:200],
            roles=[Role.clinician],
            active=record.active,
        )
        self._created("Practitioner")

    def location(self, record: LocationRecord) -> None:
        if record.kind == "clinic":
            self.ids[record.id] = self.clinic_id
            self._matched("Location")
            return
        if record.kind == "procedure_room":
            room = self.uow.clinics.get_room(self.clinic_id, record.id) or next(
                (
                    r
                    for r in self.uow.clinics.rooms(self.clinic_id)
                    if r.name == record.name
                ),
                None,
            )
            if room is not None:
                self.ids[record.id] = room.id
                self._matched("Location")
                return
            self._refuse_foreign("room", record.id, "Location")
            self.uow.interop.add_room(
                record.id, self.clinic_id, name=record.name[:100], active=record.active
            )
        else:
            place = self.uow.clinics.get_recovery_place(
                self.clinic_id, record.id
            ) or next(
                (
                    p
                    for p in self.uow.clinics.recovery_places(self.clinic_id)
                    if p.name == record.name
                ),
                None,
            )
            if place is not None:
                self.ids[record.id] = place.id
                self._matched("Location")
                return
            self._refuse_foreign("recovery_place", record.id, "Location")
            self.uow.interop.add_recovery_place(
                record.id,
                self.clinic_id,
                name=record.name[:100],
                kind=RecoveryPlaceKind.bed,
                active=record.active,
            )
        self._created("Location")

    # courses and conditions ---------------------------------------------------------------
    def course(self, record: CourseRecord, patient_id: uuid.UUID) -> None:
        where = f"CarePlan/{record.id}"
        existing = self.uow.courses.get(self.clinic_id, record.id)
        if existing is not None:
            if existing.patient_id != patient_id:
                raise ConflictError(
                    f"{where} belongs to another patient of this clinic", field=where
                )
            self._matched("CarePlan")
            self._matched("Condition")
            return
        self._refuse_foreign("course", record.id, "CarePlan")
        if len(record.condition_ids) != 1:
            raise InvalidInputError(
                f"{where}: addresses must name exactly one Condition (Prolo keeps one condition"
                f" per course), found {len(record.condition_ids)}",
                field=f"{where}.addresses",
            )
        condition = next(
            c for c in self.bundle.conditions if c.id == record.condition_ids[0]
        )
        if condition.catalog_id not in self.catalog.conditions:
            raise InvalidInputError(
                f"Condition/{condition.id}: {condition.catalog_id!r} is not a condition of"
                " the catalog (`prolo catalog` lists them)",
                field=f"Condition/{condition.id}.code",
            )
        sites = [s for s in condition.body_sites if s.kind == "site"]
        site = sites[0] if sites else None
        booked_first = any(
            a.course_id == record.id
            and a.session_number == 1
            and a.status not in ("cancelled", "no_show")
            for a in self.bundle.appointments
        )
        start_date = (
            record.sessions[0].window_start
            if record.sessions and not booked_first
            else None
        )
        self.uow.interop.add_course(
            record.id,
            self.clinic_id,
            patient_id=patient_id,
            condition_id=condition.catalog_id,
            body_site=site.site_id if site else None,
            laterality=site.laterality if site else None,
            planned_sessions=max(
                (s.number for s in record.sessions), default=len(record.sessions)
            )
            or 1,
            status=CourseStatus(record.status),
            start_date=start_date,
            created_at=record.created_at or self.uow.now(),
        )
        self._created("CarePlan")
        self._created("Condition")

    # appointments -------------------------------------------------------------------------
    def appointment(self, record: AppointmentRecord, patient_id: uuid.UUID) -> None:
        where = f"Appointment/{record.id}"
        existing = self.uow.appointments.get(self.clinic_id, record.id)
        if existing is not None:
            if existing.patient_id != patient_id:
                raise ConflictError(
                    f"{where} belongs to another patient of this clinic", field=where
                )
            self._matched("Appointment")
            return
        self._refuse_foreign("appointment", record.id, "Appointment")
        missing = [
            name
            for name, value in (
                ("supportingInformation (the CarePlan)", record.course_id),
                ("extension[session-number]", record.session_number),
                ("participant[recovery-place]", record.recovery_place_id),
                ("participant[recovery-place].period", record.recovery_start),
            )
            if value is None
        ]
        if missing:
            raise InvalidInputError(
                f"{where}: Prolo needs {', '.join(missing)}", field=where
            )
        assert record.course_id is not None
        assert record.session_number is not None
        assert record.recovery_place_id is not None
        assert record.recovery_start is not None
        assert record.recovery_end is not None
        if record.end > record.recovery_start:
            raise InvalidInputError(
                f"{where}: the recovery period starts before the appointment ends",
                field=where,
            )
        stamp = record.created_at or self.uow.now()
        self.uow.interop.add_appointment(
            record.id,
            self.clinic_id,
            course_id=record.course_id,
            patient_id=patient_id,
            session_number=record.session_number,
            clinician_id=self._map(record.clinician_id),
            room_id=self._map(record.room_id),
            recovery_place_id=self._map(record.recovery_place_id),
            starts_at=record.start,
            ends_at=record.end,
            recovery_starts_at=record.recovery_start,
            recovery_ends_at=record.recovery_end,
            status=AppointmentStatus(record.status),
            status_reason=record.cancellation_reason,
            created_at=stamp,
            updated_at=record.updated_at or stamp,
        )
        self._created("Appointment")

    # procedures and adverse events --------------------------------------------------------
    def procedure(self, record: ProcedureRecord, patient_id: uuid.UUID) -> None:
        where = f"Procedure/{record.id}"
        existing = self.uow.sessions.get(record.id)
        if existing is not None and existing.patient_id == patient_id:
            self._matched("Procedure")
            return
        self._refuse_foreign("session", record.id, "Procedure")
        if record.appointment_id is None:
            raise InvalidInputError(
                f"{where}: Prolo records a session for an appointment; the"
                " procedure-appointment extension is missing",
                field=f"{where}.extension",
            )
        appointment = self.uow.appointments.get(self.clinic_id, record.appointment_id)
        if appointment is None:
            raise InvalidInputError(
                f"{where}: its Appointment is not in the bundle", field=where
            )
        course = self.uow.courses.get(self.clinic_id, appointment.course_id)
        assert course is not None
        for index, line in enumerate(record.injections):
            if line.concentration_percent is None or line.concentration_percent <= 0:
                raise InvalidInputError(
                    f"{where}: injection[{index}] needs a concentration above 0 %",
                    field=f"{where}.extension[injection][{index}].concentration",
                )
            if line.lot_number is None:
                raise InvalidInputError(
                    f"{where}: injection[{index}] needs the solution's lot number"
                    " (traceability)",
                    field=f"{where}.extension[injection][{index}].lotNumber",
                )
        self.uow.interop.add_session_record(
            record.id,
            appointment_id=appointment.id,
            patient_id=patient_id,
            state=_state(record).value,
            protocol_state=_protocol_state(record, course.condition_id),
            started_at=record.start,
            discharged_at=record.end if record.status == "completed" else None,
            notes=record.note,
        )
        for line in record.injections:
            assert line.concentration_percent is not None
            assert line.lot_number is not None
            self.uow.sessions.add_injection(
                record.id,
                site_id=line.site.site_id,
                laterality=line.site.laterality or "none",
                solution=line.solution,
                concentration_pct=float(line.concentration_percent),
                volume_ml=float(line.volume_ml),
                lot_number=line.lot_number,
                anaesthetic=line.anaesthetic,
                guidance=line.guidance,
                injected_at=record.start,
                by_user_id=None,
            )
        self._created("Procedure")

    def adverse_event(self, record: AdverseEventRecord, patient_id: uuid.UUID) -> None:
        where = f"AdverseEvent/{record.id}"
        owner = self.uow.interop.adverse_event_patient(record.id)
        if owner is not None and owner == patient_id:
            self._matched("AdverseEvent")
            return
        self._refuse_foreign("adverse_event", record.id, "AdverseEvent")
        if record.procedure_id is None:
            self.result.skipped.append(
                f"{where}: not linked to a Procedure (Prolo records adverse events in a session)"
            )
            return
        self.uow.interop.add_adverse_event(
            record.id,
            session_record_id=record.procedure_id,
            kind=record.code,
            severity=record.severity or "unknown",
            occurred_at=record.occurred_at,
        )
        self._created("AdverseEvent")

    # questionnaire responses --------------------------------------------------------------
    def response(
        self, record: QuestionnaireResponseRecord, patient_id: uuid.UUID
    ) -> None:
        where = f"QuestionnaireResponse/{record.id}"
        existing = self.uow.answers.get(record.id)
        if existing is not None and existing.patient_id == patient_id:
            self._matched("QuestionnaireResponse")
            return
        self._refuse_foreign("response", record.id, "QuestionnaireResponse")
        try:
            instrument = get_instrument(record.instrument_id)
            answers = scores.answers_in_item_order(instrument, record)
            result = instrument.score(list(answers))
        except DomainError as exc:
            raise InvalidInputError(f"{where}: {exc}", field=where) from exc
        timepoint, appointment_id, number = self._timepoint(record)
        self.uow.interop.add_response(
            record.id,
            patient_id=patient_id,
            course_id=record.course_id,
            appointment_id=appointment_id,
            instrument_id=instrument.id,
            timepoint=timepoint,
            session_number=number,
            answers=[float(a) if a is not None else None for a in answers],
            score=result.score,
            subscales=dict(result.subscales),
            completed_at=record.authored,
        )
        self._created("QuestionnaireResponse")

    def _timepoint(
        self, record: QuestionnaireResponseRecord
    ) -> tuple[str, uuid.UUID | None, int | None]:
        """The timepoint the Bundle does not carry: session-N for a response of a procedure;
        else baseline before the course's first session, session-N before session N, and
        follow-up-Mm after the last one (M whole months after it)."""
        if record.procedure_id is not None:
            session = self.uow.sessions.get(record.procedure_id)
            appointment = (
                self.uow.appointments.get(self.clinic_id, session.appointment_id)
                if session
                else None
            )
            if appointment is not None:
                number = appointment.session_number
                return f"session-{number}", appointment.id, number
        if record.course_id is None:
            return "baseline", None, None
        starts = sorted(
            (a.starts_at, a.session_number)
            for a in self.uow.appointments.for_course(record.course_id)
            if a.status in ACTIVE_APPOINTMENT_STATUSES
        )
        upcoming = [(s, n) for s, n in starts if s >= record.authored]
        if not starts or len(upcoming) == len(starts):
            return "baseline", None, None
        if upcoming:
            return f"session-{upcoming[0][1]}", None, upcoming[0][1]
        months = (record.authored - starts[-1][0]).days / AVERAGE_MONTH_DAYS
        return f"follow-up-{min(99, max(1, round(months)))}m", None, None

    # the whole bundle ---------------------------------------------------------------------
    def run(self) -> ImportResult:
        bundle = self.bundle
        patient_id = self.patient(bundle.patient)
        for practitioner in bundle.practitioners:
            self.practitioner(practitioner)
        for location in bundle.locations:
            self.location(location)
        addressed = {cid for c in bundle.courses for cid in c.condition_ids}
        for condition in bundle.conditions:
            if condition.id not in addressed:
                self.result.skipped.append(
                    f"Condition/{condition.id}: no CarePlan addresses it (Prolo keeps conditions"
                    " on courses)"
                )
        for course in bundle.courses:
            self.course(course, patient_id)
        for appointment in bundle.appointments:
            self.appointment(appointment, patient_id)
        for procedure in bundle.procedures:
            self.procedure(procedure, patient_id)
        for event in bundle.adverse_events:
            self.adverse_event(event, patient_id)
        for response in sorted(
            bundle.questionnaire_responses, key=lambda r: (r.authored, str(r.id))
        ):
            self.response(response, patient_id)
        responses = {r.id for r in bundle.questionnaire_responses}
        for observation in bundle.observations:
            if observation.questionnaire_response_id in responses:
                self._matched("Observation")
            else:
                self.result.skipped.append(
                    f"Observation/{observation.id}: Prolo keeps scores with the answers they"
                    " come from; this one has no QuestionnaireResponse"
                )
        self.result.matched["Organization"] += len(bundle.organizations)
        self.result.matched["Questionnaire"] += len(bundle.questionnaires)
        return self.result


def _state(record: ProcedureRecord) -> protocol.SessionStep:
    if record.status == "completed":
        return protocol.SessionStep.discharged
    if record.status == "stopped":
        return protocol.SessionStep.aborted
    return protocol.SessionStep.check_in


def _protocol_state(record: ProcedureRecord, condition_id: str) -> dict[str, object]:
    """The session's protocol state as far as the Procedure tells it: checked in at the start,
    discharged at the end (or aborted); the steps in between are not in the Bundle."""
    step = _state(record)
    log = [
        protocol.LogEntry(
            kind="check_in", at=record.start, step=protocol.SessionStep.check_in
        )
    ]
    if step is protocol.SessionStep.discharged:
        log.append(
            protocol.LogEntry(
                kind="discharge", at=record.end or record.start, step=step
            )
        )
    elif step is protocol.SessionStep.aborted:
        log.append(protocol.LogEntry(kind="abort", at=record.start, step=step))
    state = protocol.SessionRecord(
        condition_ids=(condition_id,),
        step=step,
        log=tuple(log),
        abort_reason="imported as stopped"
        if step is protocol.SessionStep.aborted
        else None,
        notes=(
            protocol.SessionNote(
                code="imported",
                severity=protocol.NoteSeverity.info,
                message="imported from a FHIR Bundle: the protocol steps are not known",
                at=record.start,
            ),
        ),
    )
    dumped: dict[str, object] = state.model_dump(mode="json")
    return dumped


@use_case
def import_records(
    uow: UnitOfWork, actor: Actor, bundle: PatientBundleRecord
) -> ImportResult:
    """Add what the clinic does not have yet (admin only; audited `patient.import`)."""
    authorize(actor, Permission.clinic_manage)
    result = _Import(uow, actor, bundle).run()
    audit(
        uow,
        actor,
        "patient.import",
        resource_type="patient",
        resource_id=result.patient_id,
        patient_id=result.patient_id,
        detail={
            "created": dict(sorted(result.created.items())),
            "skipped": len(result.skipped),
        },
    )
    return result


def import_bundle(
    uow: UnitOfWork,
    actor: Actor,
    bundle_json: str | bytes | Mapping[str, object],
) -> ImportResult:
    """Read a Bundle (InvalidInputError naming the entry and element) and import it."""
    authorize(actor, Permission.clinic_manage)
    return import_records(uow, actor, bundle_to_records(bundle_json))
