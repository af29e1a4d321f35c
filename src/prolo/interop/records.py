"""The input/output contract of the interop layer: frozen records about one patient.

Services build these from the store (and the catalog / instruments registry) and hand them to
`prolo.interop.fhir` or `prolo.interop.ical`; `prolo.interop.fhir.from_fhir` turns an imported Bundle back
into them. They hold exactly what the mappings carry, no more: a record that survives
`records -> FHIR -> records` unchanged is the round-trip property the tests check.

Every datetime is timezone-aware (naive ones are rejected); decimals are finite; ids of things Prolo owns
are UUIDs; reference-data ids (instrument, catalog condition, body site, solution) are short codes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    field_validator,
    model_validator,
)

from prolo.domain.errors import InvalidInputError

# A FHIR `code`: no leading/trailing whitespace, no runs of whitespace (FHIR datatypes, "code").
Code = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\s]+( [^\s]+)*$")
]
# Free text: non-empty and without leading/trailing whitespace (FHIR strips it, so it would not round-trip).
Text = Annotated[
    str, StringConstraints(min_length=1, max_length=4000, pattern=r"(?s)^\S(.*\S)?$")
]
Finite = Annotated[Decimal, Field(allow_inf_nan=False)]
NonNegative = Annotated[Decimal, Field(allow_inf_nan=False, ge=0)]
Positive = Annotated[Decimal, Field(allow_inf_nan=False, gt=0)]
Percent = Annotated[Decimal, Field(allow_inf_nan=False, ge=0, le=100)]


def _fixed_offset(value: datetime) -> datetime:
    # Keep the instant and its UTC offset, drop the zone rules: a ZoneInfo time in a DST gap or fold
    # never compares equal across zones (PEP 495), and FHIR/iCalendar carry only the offset anyway.
    offset = value.utcoffset()
    if (
        offset is None
    ):  # AwareDatetime has already refused this; kept for the type checker
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(timezone(offset))


# An aware datetime, normalised to a fixed UTC offset.
Instant = Annotated[AwareDatetime, AfterValidator(_fixed_offset)]

Laterality = Literal["left", "right", "bilateral"]
Gender = Literal["male", "female", "other", "unknown"]
LocationKind = Literal["clinic", "procedure_room", "recovery_place"]
CourseStatus = Literal["planned", "active", "completed", "stopped"]
PlannedSessionStatus = Literal["planned", "booked", "done", "cancelled"]
AppointmentStatus = Literal["booked", "checked_in", "done", "cancelled", "no_show"]
ProcedureStatus = Literal["in_progress", "completed", "stopped"]
Guidance = Literal["landmark", "ultrasound", "fluoroscopy"]
ObservationStatus = Literal["preliminary", "final", "amended"]
ResponseStatus = Literal["in_progress", "completed", "amended"]
ConditionClinicalStatus = Literal[
    "active", "recurrence", "relapse", "inactive", "remission", "resolved"
]
Seriousness = Literal["serious", "non-serious"]
Severity = Literal["mild", "moderate", "severe"]
AdverseOutcome = Literal[
    "resolved", "recovering", "ongoing", "resolvedWithSequelae", "fatal", "unknown"
]
AnswerType = Literal["choice", "integer", "decimal", "boolean", "string"]
# One answer value; strict types so True is never read as 1 nor "3" as 3.
AnswerValue = StrictBool | StrictInt | Finite | Text


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BodySiteRecord(_Record):
    """A catalog body region or injection site, with laterality where it applies."""

    site_id: Code
    kind: Literal["region", "site"] = "site"
    label: Text | None = None
    laterality: Laterality | None = None


class OrganizationRecord(_Record):
    """The clinic."""

    id: uuid.UUID
    name: Text
    phone: Text | None = None
    email: Text | None = None
    active: bool = True


class PractitionerRecord(_Record):
    """A clinician."""

    id: uuid.UUID
    family_name: Text
    given_names: tuple[Text, ...] = ()
    qualification: Text | None = None
    phone: Text | None = None
    email: Text | None = None
    active: bool = True


class LocationRecord(_Record):
    """The clinic building, a procedure room or a recovery place."""

    id: uuid.UUID
    name: Text
    kind: LocationKind
    organization_id: uuid.UUID | None = None
    active: bool = True


class PatientRecord(_Record):
    """A patient's demographics (no clinical data)."""

    id: uuid.UUID
    family_name: Text
    given_names: tuple[Text, ...] = ()
    mrn: Text | None = None
    birth_date: date | None = None
    gender: Gender | None = None
    phone: Text | None = None
    email: Text | None = None
    language: (
        Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
        | None
    ) = None
    organization_id: uuid.UUID | None = None
    active: bool = True

    @property
    def display_name(self) -> str:
        """Given names then family name, e.g. "Ayse Yilmaz"."""
        return " ".join((*self.given_names, self.family_name))


class ConditionRecord(_Record):
    """A diagnosis from the catalog, with the codes the catalog gives it."""

    id: uuid.UUID
    patient_id: uuid.UUID
    catalog_id: Code
    display: Text
    icd10_cm: tuple[Code, ...] = ()
    snomed_ct: tuple[Code, ...] = ()
    body_sites: tuple[BodySiteRecord, ...] = ()
    clinical_status: ConditionClinicalStatus = "active"
    onset_date: date | None = None
    recorded_date: date | None = None
    note: Text | None = None


class PlannedSessionRecord(_Record):
    """One session of a course: its number, planned window and what became of it."""

    number: Annotated[int, Field(ge=1)]
    window_start: date
    window_end: date
    status: PlannedSessionStatus = "planned"
    appointment_id: uuid.UUID | None = None
    procedure_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _window_in_order(self) -> PlannedSessionRecord:
        if self.window_end < self.window_start:
            raise ValueError(
                f"session {self.number}: window_end is before window_start"
            )
        return self


class CourseRecord(_Record):
    """A course of prolotherapy sessions for one or more conditions."""

    id: uuid.UUID
    patient_id: uuid.UUID
    status: CourseStatus
    condition_ids: tuple[uuid.UUID, ...] = ()
    title: Text | None = None
    protocol_id: Code | None = None
    created_at: Instant | None = None
    sessions: tuple[PlannedSessionRecord, ...] = ()

    @field_validator("sessions")
    @classmethod
    def _by_number(
        cls, sessions: tuple[PlannedSessionRecord, ...]
    ) -> tuple[PlannedSessionRecord, ...]:
        # One canonical order (by session number), so equal courses compare equal.
        return tuple(sorted(sessions, key=lambda s: s.number))

    @model_validator(mode="after")
    def _numbers_unique(self) -> CourseRecord:
        numbers = [s.number for s in self.sessions]
        if len(numbers) != len(set(numbers)):
            raise ValueError("course sessions must have distinct numbers")
        return self


class AppointmentRecord(_Record):
    """A booked session: the procedure room and clinician, then the recovery place."""

    id: uuid.UUID
    patient_id: uuid.UUID
    status: AppointmentStatus
    start: Instant
    end: Instant
    clinician_id: uuid.UUID
    room_id: uuid.UUID
    recovery_place_id: uuid.UUID | None = None
    recovery_start: Instant | None = None
    recovery_end: Instant | None = None
    course_id: uuid.UUID | None = None
    session_number: Annotated[int, Field(ge=1)] | None = None
    cancellation_reason: Text | None = None
    created_at: Instant | None = None
    # Incremented by the store on every change; becomes iCalendar SEQUENCE and FHIR meta.versionId.
    revision: Annotated[int, Field(ge=0)] = 0
    updated_at: Instant | None = None

    @model_validator(mode="after")
    def _times_in_order(self) -> AppointmentRecord:
        if self.end <= self.start:
            raise ValueError("appointment end must be after start")
        recovery = (self.recovery_start, self.recovery_end)
        if any(t is not None for t in recovery):
            if self.recovery_place_id is None:
                raise ValueError("recovery times need a recovery_place_id")
            if self.recovery_start is None or self.recovery_end is None:
                raise ValueError("recovery_start and recovery_end go together")
            if self.recovery_end <= self.recovery_start:
                raise ValueError("recovery_end must be after recovery_start")
        return self


class InjectionRecord(_Record):
    """One injection line of a session: where, what, how much, how guided."""

    site: BodySiteRecord
    solution: Code
    solution_label: Text | None = None
    concentration_percent: Percent | None = None
    volume_ml: Positive
    anaesthetic: Code | None = None
    anaesthetic_percent: Percent | None = None
    guidance: Guidance | None = None
    lot_number: Text | None = None

    @model_validator(mode="after")
    def _anaesthetic_percent_needs_agent(self) -> InjectionRecord:
        if self.anaesthetic_percent is not None and self.anaesthetic is None:
            raise ValueError("anaesthetic_percent needs an anaesthetic")
        return self


class ProcedureRecord(_Record):
    """A performed prolotherapy session."""

    id: uuid.UUID
    patient_id: uuid.UUID
    status: ProcedureStatus
    start: Instant
    end: Instant | None = None
    clinician_id: uuid.UUID
    room_id: uuid.UUID | None = None
    appointment_id: uuid.UUID | None = None
    course_id: uuid.UUID | None = None
    session_number: Annotated[int, Field(ge=1)] | None = None
    condition_ids: tuple[uuid.UUID, ...] = ()
    body_sites: tuple[BodySiteRecord, ...] = ()
    injections: tuple[InjectionRecord, ...] = ()
    note: Text | None = None

    @model_validator(mode="after")
    def _period_in_order(self) -> ProcedureRecord:
        if self.end is not None and self.end < self.start:
            raise ValueError("procedure end is before start")
        return self


class SubscaleScoreRecord(_Record):
    """One subscale (or secondary) score of an instrument, e.g. KOOS "qol", BCTQ "fss"."""

    subscale_id: Code
    value: Finite
    unit: Code = "{score}"


class ObservationRecord(_Record):
    """A pain NRS or an instrument score, derived from a questionnaire response where there is one."""

    id: uuid.UUID
    patient_id: uuid.UUID
    instrument_id: Code
    effective: Instant
    value: Finite | None = None
    unit: Code = "{score}"
    subscales: tuple[SubscaleScoreRecord, ...] = ()
    status: ObservationStatus = "final"
    questionnaire_response_id: uuid.UUID | None = None
    course_id: uuid.UUID | None = None
    procedure_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _has_a_value(self) -> ObservationRecord:
        if self.value is None and not self.subscales:
            raise ValueError("an observation needs a value or at least one subscale")
        if self.value is None and self.unit != "{score}":
            raise ValueError(
                "unit is the unit of value: without a value leave it at its default"
            )
        ids = [s.subscale_id for s in self.subscales]
        if len(ids) != len(set(ids)):
            raise ValueError("subscale ids must be distinct")
        return self


class ItemAnswerRecord(_Record):
    """The answer to one questionnaire item (item ids are the instrument's item ids)."""

    item_id: Code
    value: AnswerValue


class QuestionnaireResponseRecord(_Record):
    """A patient's answers to one instrument."""

    id: uuid.UUID
    patient_id: uuid.UUID
    instrument_id: Code
    instrument_version: Text | None = None
    status: ResponseStatus = "completed"
    authored: Instant
    answers: tuple[ItemAnswerRecord, ...] = ()
    course_id: uuid.UUID | None = None
    procedure_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _items_unique(self) -> QuestionnaireResponseRecord:
        ids = [a.item_id for a in self.answers]
        if len(ids) != len(set(ids)):
            raise ValueError("each item is answered at most once")
        return self


class QuestionnaireItemRecord(_Record):
    """One item of an instrument, by id and neutral label (never the licensed wording)."""

    item_id: Code
    label: Text
    answer_type: AnswerType
    options: tuple[StrictInt, ...] = ()
    required: bool = False

    @model_validator(mode="after")
    def _choice_has_options(self) -> QuestionnaireItemRecord:
        if (self.answer_type == "choice") != bool(self.options):
            raise ValueError(
                f"item {self.item_id}: options go with answer_type 'choice' only, and choice needs options"
            )
        if len(self.options) != len(set(self.options)):
            raise ValueError(f"item {self.item_id}: options must be distinct")
        return self


class QuestionnaireDefinitionRecord(_Record):
    """An instrument as a questionnaire: ids and neutral labels only."""

    instrument_id: Code
    title: Text
    version: Text | None = None
    items: tuple[QuestionnaireItemRecord, ...]

    @model_validator(mode="after")
    def _items_unique(self) -> QuestionnaireDefinitionRecord:
        ids = [i.item_id for i in self.items]
        if len(ids) != len(set(ids)):
            raise ValueError("item ids must be distinct")
        return self


class AdverseEventRecord(_Record):
    """An adverse event after (or during) a session."""

    id: uuid.UUID
    patient_id: uuid.UUID
    code: Code
    label: Text | None = None
    occurred_at: Instant
    recorded_at: Instant | None = None
    seriousness: Seriousness = "non-serious"
    severity: Severity | None = None
    outcome: AdverseOutcome | None = None
    procedure_id: uuid.UUID | None = None
    recorder_id: uuid.UUID | None = None


class PatientBundleRecord(_Record):
    """Everything about one patient, plus the staff, places and questionnaires it refers to."""

    patient: PatientRecord
    organizations: tuple[OrganizationRecord, ...] = ()
    practitioners: tuple[PractitionerRecord, ...] = ()
    locations: tuple[LocationRecord, ...] = ()
    conditions: tuple[ConditionRecord, ...] = ()
    courses: tuple[CourseRecord, ...] = ()
    appointments: tuple[AppointmentRecord, ...] = ()
    procedures: tuple[ProcedureRecord, ...] = ()
    questionnaire_responses: tuple[QuestionnaireResponseRecord, ...] = ()
    observations: tuple[ObservationRecord, ...] = ()
    adverse_events: tuple[AdverseEventRecord, ...] = ()
    questionnaires: tuple[QuestionnaireDefinitionRecord, ...] = ()


def check_references(bundle: PatientBundleRecord) -> None:
    """Raise InvalidInputError unless every id a record refers to is in the bundle, and ids are unique.

    The FHIR export would otherwise contain references that resolve to nothing.
    """
    patient_id = bundle.patient.id

    def ids(kind: str, items: Iterable[uuid.UUID]) -> frozenset[uuid.UUID]:
        seen: set[uuid.UUID] = set()
        for item in items:
            if item in seen:
                raise InvalidInputError(f"{kind} {item} appears twice", field=kind)
            seen.add(item)
        return frozenset(seen)

    organizations = ids("organizations", (o.id for o in bundle.organizations))
    practitioners = ids("practitioners", (p.id for p in bundle.practitioners))
    locations = ids("locations", (loc.id for loc in bundle.locations))
    conditions = ids("conditions", (c.id for c in bundle.conditions))
    courses = ids("courses", (c.id for c in bundle.courses))
    appointments = ids("appointments", (a.id for a in bundle.appointments))
    procedures = ids("procedures", (p.id for p in bundle.procedures))
    responses = ids(
        "questionnaire_responses", (q.id for q in bundle.questionnaire_responses)
    )
    ids("observations", (o.id for o in bundle.observations))
    ids("adverse_events", (a.id for a in bundle.adverse_events))
    instruments = [q.instrument_id for q in bundle.questionnaires]
    if len(instruments) != len(set(instruments)):
        raise InvalidInputError(
            "a questionnaire definition appears twice", field="questionnaires"
        )

    def need(
        where: str, value: uuid.UUID | None, known: frozenset[uuid.UUID], kind: str
    ) -> None:
        if value is not None and value not in known:
            raise InvalidInputError(
                f"{where} refers to {kind} {value}, which is not in the bundle",
                field=where,
            )

    def own(where: str, value: uuid.UUID) -> None:
        if value != patient_id:
            raise InvalidInputError(
                f"{where} belongs to patient {value}, not {patient_id}", field=where
            )

    need(
        "patient.organization_id",
        bundle.patient.organization_id,
        organizations,
        "organization",
    )
    for loc in bundle.locations:
        need(
            f"locations[{loc.id}].organization_id",
            loc.organization_id,
            organizations,
            "organization",
        )
    for cond in bundle.conditions:
        own(f"conditions[{cond.id}]", cond.patient_id)
    for course in bundle.courses:
        where = f"courses[{course.id}]"
        own(where, course.patient_id)
        for cid in course.condition_ids:
            need(f"{where}.condition_ids", cid, conditions, "condition")
        for s in course.sessions:
            need(
                f"{where}.sessions[{s.number}].appointment_id",
                s.appointment_id,
                appointments,
                "appointment",
            )
            need(
                f"{where}.sessions[{s.number}].procedure_id",
                s.procedure_id,
                procedures,
                "procedure",
            )
    for appt in bundle.appointments:
        where = f"appointments[{appt.id}]"
        own(where, appt.patient_id)
        need(f"{where}.clinician_id", appt.clinician_id, practitioners, "practitioner")
        need(f"{where}.room_id", appt.room_id, locations, "location")
        need(
            f"{where}.recovery_place_id", appt.recovery_place_id, locations, "location"
        )
        need(f"{where}.course_id", appt.course_id, courses, "course")
    for proc in bundle.procedures:
        where = f"procedures[{proc.id}]"
        own(where, proc.patient_id)
        need(f"{where}.clinician_id", proc.clinician_id, practitioners, "practitioner")
        need(f"{where}.room_id", proc.room_id, locations, "location")
        need(
            f"{where}.appointment_id", proc.appointment_id, appointments, "appointment"
        )
        need(f"{where}.course_id", proc.course_id, courses, "course")
        for cid in proc.condition_ids:
            need(f"{where}.condition_ids", cid, conditions, "condition")
    for qr in bundle.questionnaire_responses:
        where = f"questionnaire_responses[{qr.id}]"
        own(where, qr.patient_id)
        need(f"{where}.course_id", qr.course_id, courses, "course")
        need(f"{where}.procedure_id", qr.procedure_id, procedures, "procedure")
    for obs in bundle.observations:
        where = f"observations[{obs.id}]"
        own(where, obs.patient_id)
        need(
            f"{where}.questionnaire_response_id",
            obs.questionnaire_response_id,
            responses,
            "questionnaire response",
        )
        need(f"{where}.course_id", obs.course_id, courses, "course")
        need(f"{where}.procedure_id", obs.procedure_id, procedures, "procedure")
    for ae in bundle.adverse_events:
        where = f"adverse_events[{ae.id}]"
        own(where, ae.patient_id)
        need(f"{where}.procedure_id", ae.procedure_id, procedures, "procedure")
        need(f"{where}.recorder_id", ae.recorder_id, practitioners, "practitioner")
