"""Everything about a patient as interop records, for the FHIR export, the `/fhir` facade and the
iCalendar feeds (docs/interop.md).

    record = exports.patient_record(uow, actor, patient_id=...)    # authorised, audited
    bundle = prolo.interop.fhir.patient_bundle_json(record)

What the store holds becomes records one to one where it can; the rest is derived the same way
every time, so `export -> import -> export` gives the same resources:
- the clinic is the Organization; staff members are Practitioners ("Dr. Ada Aksoy" -> given
  "Dr.", "Ada", family "Aksoy"); procedure rooms and recovery places are Locations;
- each course is a CarePlan AND the Condition it treats (both carry the course id: FHIR ids are
  unique per resource type), with the catalog's codes, the course's body site and laterality;
- the planned sessions are the course's windows (`courses.windows_for`), each with the active
  appointment of that number and the session record (the Procedure) of that appointment;
- each questionnaire response is a QuestionnaireResponse and, when it can be scored, an
  Observation with the same id, scored again by the instrument from the stored answers;
- adverse events come from the session records.

Who may export: admin (the clinic's data controller), clinician and nurse (they hold every
clinical read permission). Reception and patients may not: the export holds session records
and clinical notes.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from fhir.resources.R4B.domainresource import DomainResource
from pydantic import ValidationError

from prolo.domain.catalog import Catalog, load_catalog
from prolo.domain.errors import DomainError
from prolo.domain.instruments import Instrument, get_instrument
from prolo.interop import scores
from prolo.interop.fhir import codes, patient_resources, questionnaire_to_fhir
from prolo.interop.fhir.to_fhir import (
    location_to_fhir,
    organization_to_fhir,
    patient_to_fhir,
    practitioner_to_fhir,
)
from prolo.interop.records import (
    AdverseEventRecord,
    AppointmentRecord,
    BodySiteRecord,
    ConditionRecord,
    CourseRecord,
    InjectionRecord,
    LocationRecord,
    ObservationRecord,
    OrganizationRecord,
    PatientBundleRecord,
    PatientRecord,
    PlannedSessionRecord,
    PractitionerRecord,
    ProcedureRecord,
    QuestionnaireDefinitionRecord,
    QuestionnaireResponseRecord,
)
from prolo.services import clinic as clinic_service
from prolo.services.context import Actor, audit, refused
from prolo.services.courses import windows_for
from prolo.services.errors import ForbiddenError, NotFoundError, use_case
from prolo.store.records import (
    ACTIVE_APPOINTMENT_STATUSES,
    Appointment,
    AppointmentStatus,
    Clinic,
    Course,
    Patient,
    QuestionnaireResponse,
    RecoveryPlace,
    Role,
    Room,
    SessionRecord,
    StaffMember,
)
from prolo.store.unit_of_work import UnitOfWork

EXPORT_ROLES = frozenset({Role.admin, Role.clinician, Role.nurse})
EXPORT = "fhir.export"
"""What a refusal by `authorize_export` names in the audit log (it is no `Permission`)."""
MRN_SYSTEM = codes.ID_PATIENT_MRN
_LATERALITIES = ("left", "right", "bilateral")
_SEVERITIES = ("mild", "moderate", "severe")
_GUIDANCE = ("landmark", "ultrasound", "fluoroscopy")


def authorize_export(actor: Actor, *, patient_id: uuid.UUID | None = None) -> None:
    """Raise unless `actor` may read whole patient records as FHIR (see the module docstring).

    Like every patient-facing check, a patient naming another patient's record gets
    NotFoundError (404) before the role check (403), so ids reveal nothing."""
    if (
        actor.role is Role.patient
        and patient_id is not None
        and patient_id != actor.patient_id
    ):
        raise refused(
            NotFoundError("not found"),
            actor,
            EXPORT,
            patient_id=patient_id,
            reason="other-patient",
        )
    if actor.role not in EXPORT_ROLES:
        raise refused(
            ForbiddenError(
                f"the {actor.role.value} role may not read FHIR exports; admin, clinician"
                " and nurse may (docs/interop.md)"
            ),
            actor,
            EXPORT,
            patient_id=patient_id,
            reason="role",
        )


# --------------------------------------------------------------------------- single records


def split_name(name: str) -> tuple[str, tuple[str, ...]]:
    """A staff member's one-line name as (family, given names): the last word is the family name."""
    words = name.split()
    if not words:
        return name, ()
    return words[-1], tuple(words[:-1])


def organization_record(clinic: Clinic) -> OrganizationRecord:
    return OrganizationRecord(id=clinic.id, name=clinic.name)


def practitioner_record(member: StaffMember) -> PractitionerRecord:
    family, given = split_name(member.name)
    return PractitionerRecord(
        id=member.id, family_name=family, given_names=given, active=member.active
    )


def room_record(room: Room) -> LocationRecord:
    return LocationRecord(
        id=room.id,
        name=room.name,
        kind="procedure_room",
        organization_id=room.clinic_id,
        active=room.active,
    )


def place_record(place: RecoveryPlace) -> LocationRecord:
    return LocationRecord(
        id=place.id,
        name=place.name,
        kind="recovery_place",
        organization_id=place.clinic_id,
        active=place.active,
    )


def patient_demographics(patient: Patient) -> PatientRecord:
    mrn = next((i.value for i in patient.identifiers if i.system == MRN_SYSTEM), None)
    return PatientRecord(
        id=patient.id,
        family_name=patient.family_name,
        given_names=tuple(patient.given_name.split()),
        mrn=mrn,
        birth_date=patient.birth_date,
        gender=patient.sex.value,
        phone=patient.phone,
        email=patient.email,
        language=patient.preferred_language,
        organization_id=patient.clinic_id,
    )


def appointment_records(
    uow: UnitOfWork, appointments: Sequence[Appointment]
) -> list[AppointmentRecord]:
    """Appointments as records, with their created/updated times, ordered by start."""
    stamps = uow.interop.appointment_stamps([a.id for a in appointments])
    found = []
    for a in sorted(appointments, key=lambda x: (x.starts_at, str(x.id))):
        stamp = stamps.get(a.id)
        reason = (
            a.status_reason
            if a.status in (AppointmentStatus.cancelled, AppointmentStatus.no_show)
            else None
        )
        found.append(
            AppointmentRecord(
                id=a.id,
                patient_id=a.patient_id,
                status=a.status.value,
                start=a.starts_at,
                end=a.ends_at,
                clinician_id=a.clinician_id,
                room_id=a.room_id,
                recovery_place_id=a.recovery_place_id,
                recovery_start=a.recovery_starts_at,
                recovery_end=a.recovery_ends_at,
                course_id=a.course_id,
                session_number=a.session_number,
                cancellation_reason=(reason or "").strip() or None,
                created_at=stamp.created_at if stamp else None,
                revision=a.version,
                updated_at=stamp.updated_at if stamp else None,
            )
        )
    return found


def _laterality(value: str | None) -> str | None:
    return value if value in _LATERALITIES else None


def _site(catalog: Catalog, site_id: str, laterality: str | None) -> BodySiteRecord:
    site = catalog.sites.get(site_id)
    return BodySiteRecord(
        site_id=site_id,
        kind="site",
        label=site.name if site is not None else None,
        laterality=_laterality(laterality),
    )


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def condition_record(
    catalog: Catalog, course: Course, zone: ZoneInfo
) -> ConditionRecord:
    """The condition a course treats (its id is the course id)."""
    known = catalog.conditions.get(course.condition_id)
    return ConditionRecord(
        id=course.id,
        patient_id=course.patient_id,
        catalog_id=course.condition_id,
        display=known.name if known is not None else course.condition_id,
        icd10_cm=tuple(known.icd10) if known is not None else (),
        snomed_ct=tuple(known.snomed) if known is not None else (),
        body_sites=(_site(catalog, course.body_site, course.laterality),)
        if course.body_site
        else (),
        recorded_date=_local_date(course.created_at, zone),
    )


def _session_status(appointment: Appointment | None) -> str:
    if appointment is None:
        return "planned"
    if appointment.status is AppointmentStatus.done:
        return "done"
    return "booked"


def course_record(
    uow: UnitOfWork,
    course: Course,
    condition: ConditionRecord,
    appointments: list[Appointment],
    procedures_by_appointment: dict[uuid.UUID, uuid.UUID],
) -> CourseRecord:
    active = {
        a.session_number: a
        for a in appointments
        if a.status in ACTIVE_APPOINTMENT_STATUSES
    }
    try:
        windows = [
            (w.number, w.earliest, w.latest)
            for w in windows_for(uow, course, appointments)
        ]
    except DomainError:
        # booked outside the clinic's current rules (an override, older rules, an import):
        # each booked session's window is its own day
        zone = ZoneInfo(require_clinic_of(uow, course.clinic_id).timezone)
        windows = [
            (n, day, day)
            for n, day in sorted(
                (n, _local_date(a.starts_at, zone)) for n, a in active.items()
            )
        ]
    sessions = []
    for number, earliest, latest in windows:
        appointment = active.get(number)
        sessions.append(
            PlannedSessionRecord(
                number=number,
                window_start=earliest,
                window_end=latest,
                status=_session_status(appointment),
                appointment_id=appointment.id if appointment else None,
                procedure_id=procedures_by_appointment.get(appointment.id)
                if appointment
                else None,
            )
        )
    return CourseRecord(
        id=course.id,
        patient_id=course.patient_id,
        status=course.status.value,
        condition_ids=(condition.id,),
        title=condition.display,
        created_at=course.created_at,
        sessions=tuple(sessions),
    )


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def procedure_record(
    catalog: Catalog, record: SessionRecord, appointment: Appointment
) -> ProcedureRecord:
    status = {"discharged": "completed", "aborted": "stopped"}.get(
        record.state, "in_progress"
    )
    injections = tuple(
        InjectionRecord(
            site=_site(catalog, i.site_id, i.laterality),
            solution=i.solution,
            concentration_percent=_decimal(i.concentration_pct),
            volume_ml=_decimal(i.volume_ml),
            anaesthetic=i.anaesthetic or None,
            guidance=i.guidance if i.guidance in _GUIDANCE else None,
            lot_number=(i.lot_number or "").strip() or None,
        )
        for i in record.injections
    )
    sites = tuple(dict.fromkeys(i.site for i in injections))
    return ProcedureRecord(
        id=record.id,
        patient_id=record.patient_id,
        status=status,
        start=record.started_at,
        end=record.discharged_at if status == "completed" else None,
        clinician_id=appointment.clinician_id,
        room_id=appointment.room_id,
        appointment_id=appointment.id,
        course_id=appointment.course_id,
        session_number=appointment.session_number,
        condition_ids=(appointment.course_id,),
        body_sites=sites,
        injections=injections,
        note=(record.notes or "").strip() or None,
    )


def adverse_event_records(
    record: SessionRecord, labels: dict[str, str]
) -> list[AdverseEventRecord]:
    return [
        AdverseEventRecord(
            id=e.id,
            patient_id=record.patient_id,
            code=e.kind,
            label=labels.get(e.kind),
            occurred_at=e.occurred_at,
            severity=e.severity if e.severity in _SEVERITIES else None,
            procedure_id=record.id,
        )
        for e in record.adverse_events
    ]


def answers_as_ints(answers: Sequence[float | None]) -> list[int | None] | None:
    """Stored answers as option values (None when one is not a whole number)."""
    values: list[int | None] = []
    for a in answers:
        if a is None:
            values.append(None)
        elif float(a).is_integer():
            values.append(int(a))
        else:
            return None
    return values


def response_records(
    response: QuestionnaireResponse,
    instrument: Instrument,
    procedure_id: uuid.UUID | None,
) -> tuple[QuestionnaireResponseRecord | None, ObservationRecord | None]:
    """The response and its score Observation (same id); either is None when it cannot be built."""
    values = answers_as_ints(response.answers)
    if values is None:
        return None, None
    try:
        qr = scores.response_from_answers(
            instrument,
            values,
            response_id=response.id,
            patient_id=response.patient_id,
            authored=response.completed_at,
            course_id=response.course_id,
            procedure_id=procedure_id,
        )
    except (DomainError, ValidationError):
        return None, None
    try:
        observation: ObservationRecord | None = scores.observation_from_score(
            instrument.score(list(values)),
            observation_id=response.id,
            patient_id=response.patient_id,
            effective=response.completed_at,
            questionnaire_response_id=response.id,
            course_id=response.course_id,
            procedure_id=procedure_id,
        )
    except (DomainError, ValidationError):
        observation = None
    return qr, observation


def _all_responses(
    uow: UnitOfWork, patient_id: uuid.UUID
) -> list[QuestionnaireResponse]:
    found: list[QuestionnaireResponse] = []
    offset = 0
    while True:
        page = uow.answers.for_patient(patient_id, limit=500, offset=offset)
        found += page.items
        offset += page.limit
        if offset >= page.total:
            return found


def build_record(
    uow: UnitOfWork, clinic: Clinic, patient: Patient
) -> PatientBundleRecord:
    """Everything about `patient` (no authorisation, no audit: callers do both)."""
    catalog = load_catalog()
    zone = ZoneInfo(clinic.timezone)
    courses = sorted(
        uow.courses.for_patient(patient.id), key=lambda c: (c.created_at, str(c.id))
    )
    by_course = {c.id: uow.appointments.for_course(c.id) for c in courses}
    appointments = [a for c in courses for a in by_course[c.id]]
    appointment_by_id = {a.id: a for a in appointments}
    sessions = [
        s
        for s in uow.sessions.for_patient(patient.id)
        if s.appointment_id in appointment_by_id
    ]
    procedure_of = {s.appointment_id: s.id for s in sessions}
    conditions = [condition_record(catalog, c, zone) for c in courses]
    course_records = [
        course_record(uow, c, cond, by_course[c.id], procedure_of)
        for c, cond in zip(courses, conditions, strict=True)
    ]
    procedures = [
        procedure_record(catalog, s, appointment_by_id[s.appointment_id])
        for s in sorted(sessions, key=lambda s: (s.started_at, str(s.id)))
    ]
    rules = clinic_service.session_rules(uow, clinic.id)
    labels = {k.id: k.name for k in rules.adverse_event_kinds}
    adverse = sorted(
        (e for s in sessions for e in adverse_event_records(s, labels)),
        key=lambda e: (e.occurred_at, str(e.id)),
    )
    responses: list[QuestionnaireResponseRecord] = []
    observations: list[ObservationRecord] = []
    instruments: dict[str, Instrument] = {}
    for response in _all_responses(uow, patient.id):
        try:
            instrument = instruments.get(response.instrument_id) or get_instrument(
                response.instrument_id
            )
        except DomainError:
            continue
        instruments[instrument.id] = instrument
        procedure_id = (
            procedure_of.get(response.appointment_id)
            if response.appointment_id
            else None
        )
        qr, observation = response_records(response, instrument, procedure_id)
        if qr is not None:
            responses.append(qr)
        if observation is not None:
            observations.append(observation)
    definitions: list[QuestionnaireDefinitionRecord] = [
        scores.definition_from_instrument(instruments[i])
        for i in sorted({r.instrument_id for r in responses})
    ]
    clinician_ids = {a.clinician_id for a in appointments}
    members = [uow.staff.get(clinic.id, sid) for sid in clinician_ids]
    practitioners = sorted(
        (practitioner_record(m) for m in members if m is not None),
        key=lambda p: (p.family_name, p.given_names, str(p.id)),
    )
    room_ids = {a.room_id for a in appointments}
    place_ids = {a.recovery_place_id for a in appointments}
    locations = [
        room_record(r) for r in uow.clinics.rooms(clinic.id) if r.id in room_ids
    ] + [
        place_record(p)
        for p in uow.clinics.recovery_places(clinic.id)
        if p.id in place_ids
    ]
    return PatientBundleRecord(
        patient=patient_demographics(patient),
        organizations=(organization_record(clinic),),
        practitioners=tuple(practitioners),
        locations=tuple(locations),
        conditions=tuple(conditions),
        courses=tuple(course_records),
        appointments=tuple(appointment_records(uow, appointments)),
        procedures=tuple(procedures),
        questionnaire_responses=tuple(responses),
        observations=tuple(observations),
        adverse_events=tuple(adverse),
        questionnaires=tuple(definitions),
    )


def require_clinic_of(uow: UnitOfWork, clinic_id: uuid.UUID) -> Clinic:
    clinic = uow.clinics.get(clinic_id)
    if clinic is None:
        raise NotFoundError("the clinic does not exist")
    return clinic


def require_clinic(uow: UnitOfWork, actor: Actor) -> Clinic:
    return require_clinic_of(uow, actor.clinic_id)


@use_case
def patient_record(
    uow: UnitOfWork,
    actor: Actor,
    *,
    patient_id: uuid.UUID,
    purpose: str = "export",
) -> PatientBundleRecord:
    """Everything about one patient, authorised and audited (`patient.export`, a read)."""
    authorize_export(actor, patient_id=patient_id)
    patient = uow.patients.get(actor.clinic_id, patient_id)
    if patient is None:
        raise NotFoundError(f"no patient {patient_id}")
    record = build_record(uow, require_clinic(uow, actor), patient)
    audit(
        uow,
        actor,
        "patient.export",
        resource_type="patient",
        resource_id=patient.id,
        patient_id=patient.id,
        detail={"purpose": purpose},
    )
    return record


@dataclass(frozen=True, slots=True)
class ExportPlan:
    """The patients `export_all` will go through (their count, for a progress bar)."""

    patient_ids: tuple[uuid.UUID, ...]


@use_case
def plan_export(uow: UnitOfWork, actor: Actor) -> ExportPlan:
    authorize_export(actor)
    return ExportPlan(tuple(uow.patients.ids(actor.clinic_id)))


def export_all(
    uow: UnitOfWork, actor: Actor, plan: ExportPlan | None = None
) -> Iterator[PatientBundleRecord]:
    """Every patient of the clinic, one record at a time (each audited as its own read)."""
    chosen = plan or plan_export(uow, actor)
    for patient_id in chosen.patient_ids:
        yield patient_record(uow, actor, patient_id=patient_id, purpose="export-all")


# --------------------------------------------------------------------------- the /fhir facade
# Every function below is a read: authorised like an export, audited `fhir.read` (one event per
# patient whose data is returned, naming the type and the id or search).


def _patient_of(
    uow: UnitOfWork, clinic_id: uuid.UUID, resource_type: str, resource_id: uuid.UUID
) -> uuid.UUID | None:
    """The patient a resource of the patient compartment belongs to (None: no such resource)."""
    if resource_type == "Patient":
        found = uow.patients.get(clinic_id, resource_id)
        return found.id if found else None
    if resource_type in ("Condition", "CarePlan"):
        course = uow.courses.get(clinic_id, resource_id)
        return course.patient_id if course else None
    if resource_type == "Appointment":
        appointment = uow.appointments.get(clinic_id, resource_id)
        return appointment.patient_id if appointment else None
    if resource_type == "Procedure":
        session = uow.sessions.get(resource_id)
        owner = session.patient_id if session else None
    elif resource_type in ("QuestionnaireResponse", "Observation"):
        response = uow.answers.get(resource_id)
        owner = response.patient_id if response else None
    elif resource_type == "AdverseEvent":
        owner = uow.interop.adverse_event_patient(resource_id)
    else:
        return None
    if owner is None or uow.patients.get(clinic_id, owner) is None:
        return None
    return owner


def _fhir_read_audit(
    uow: UnitOfWork,
    actor: Actor,
    *,
    resource_type: str,
    resource_id: str | None,
    patient_id: uuid.UUID | None,
    detail: dict[str, str] | None = None,
) -> None:
    audit(
        uow,
        actor,
        "fhir.read",
        resource_type=resource_type,
        resource_id=resource_id,
        patient_id=patient_id,
        detail=detail,
    )


def _compartment(
    uow: UnitOfWork, actor: Actor, patient_id: uuid.UUID
) -> list[DomainResource]:
    patient = uow.patients.get(actor.clinic_id, patient_id)
    if patient is None:
        raise NotFoundError(f"no Patient/{patient_id}")
    return patient_resources(build_record(uow, require_clinic(uow, actor), patient))


def _as_uuid(resource_type: str, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFoundError(f"no {resource_type}/{value}") from None


@use_case
def fhir_read(
    uow: UnitOfWork, actor: Actor, *, resource_type: str, resource_id: str
) -> DomainResource:
    """`GET /fhir/<Type>/<id>` for every type of the CapabilityStatement."""
    if resource_type == "Patient":
        with contextlib.suppress(ValueError):  # not a UUID: no such patient, 404 below
            authorize_export(actor, patient_id=uuid.UUID(resource_id))
    authorize_export(actor)
    clinic = require_clinic(uow, actor)
    found: DomainResource | None = None
    patient_id: uuid.UUID | None = None
    if resource_type == "Questionnaire":
        found = next(
            (
                questionnaire_to_fhir(d)
                for d in scores.all_definitions()
                if codes.questionnaire_resource_id(d.instrument_id) == resource_id
            ),
            None,
        )
    elif resource_type == "Organization":
        if resource_id == str(clinic.id):
            found = organization_to_fhir(organization_record(clinic))
    elif resource_type == "Practitioner":
        member = uow.staff.get(clinic.id, _as_uuid(resource_type, resource_id))
        found = practitioner_to_fhir(practitioner_record(member)) if member else None
    elif resource_type == "Location":
        key = _as_uuid(resource_type, resource_id)
        room = uow.clinics.get_room(clinic.id, key)
        place = uow.clinics.get_recovery_place(clinic.id, key)
        location = room_record(room) if room else place_record(place) if place else None
        found = location_to_fhir(location) if location else None
    else:
        patient_id = _patient_of(
            uow, clinic.id, resource_type, _as_uuid(resource_type, resource_id)
        )
        if patient_id is not None:
            found = next(
                (
                    r
                    for r in _compartment(uow, actor, patient_id)
                    if r.get_resource_type() == resource_type and r.id == resource_id
                ),
                None,
            )
    if found is None:
        raise NotFoundError(f"no {resource_type}/{resource_id}")
    _fhir_read_audit(
        uow,
        actor,
        resource_type=resource_type,
        resource_id=resource_id,
        patient_id=patient_id,
    )
    return found


@use_case
def fhir_search_by_patient(
    uow: UnitOfWork, actor: Actor, *, resource_type: str, patient_id: uuid.UUID
) -> list[DomainResource]:
    """`GET /fhir/<Type>?patient=<id>`: every resource of that type about the patient."""
    authorize_export(actor, patient_id=patient_id)
    found = [
        r
        for r in _compartment(uow, actor, patient_id)
        if r.get_resource_type() == resource_type
    ]
    _fhir_read_audit(
        uow,
        actor,
        resource_type=resource_type,
        resource_id=None,
        patient_id=patient_id,
        detail={"search": f"patient={patient_id}", "count": str(len(found))},
    )
    return found


@use_case
def fhir_everything(
    uow: UnitOfWork, actor: Actor, *, patient_id: uuid.UUID
) -> list[DomainResource]:
    """`GET /fhir/Patient/<id>/$everything`."""
    authorize_export(actor, patient_id=patient_id)
    found = _compartment(uow, actor, patient_id)
    _fhir_read_audit(
        uow,
        actor,
        resource_type="Patient",
        resource_id=str(patient_id),
        patient_id=patient_id,
        detail={"operation": "$everything", "count": str(len(found))},
    )
    return found


@use_case
def fhir_find_patients(
    uow: UnitOfWork, actor: Actor, *, system: str | None, value: str
) -> list[DomainResource]:
    """`GET /fhir/Patient?identifier=[system|]value`: the Prolo id, the MRN or any identifier the
    clinic stored for the patient. Without a system, the value is tried as a Prolo id, then as
    the value of any identifier."""
    authorize_export(actor)
    patient: Patient | None = None
    if system in (None, codes.ID_PATIENT):
        try:
            patient = uow.patients.get(actor.clinic_id, uuid.UUID(value))
        except ValueError:
            patient = None
    if patient is None and system not in (None, codes.ID_PATIENT):
        patient = uow.patients.find_by_identifier(actor.clinic_id, system, value)
    if patient is None and system is None:
        page = uow.patients.page(actor.clinic_id, query=value, limit=50, offset=0)
        patient = next(
            (p for p in page.items if any(i.value == value for i in p.identifiers)),
            None,
        )
    found: list[DomainResource] = (
        [patient_to_fhir(patient_demographics(patient))] if patient else []
    )
    _fhir_read_audit(
        uow,
        actor,
        resource_type="Patient",
        resource_id=str(patient.id) if patient else None,
        patient_id=patient.id if patient else None,
        detail={"search": f"identifier={system or ''}|{value}"},
    )
    return found
