"""Records -> FHIR resources (fhir.resources R4B models limited to elements R4 4.0.1 also has).

One function per resource. Each takes a record and `ref_style`: `"relative"` writes references as
`Patient/<id>` (the REST facade), `"urn"` as the deterministic bundle fullUrl `urn:uuid:...`
(`codes.full_url`, used by `bundle.patient_bundle`). Resource ids are the records' UUIDs, and every
resource also carries its Prolo id as an identifier (system `https://prolo.dev/fhir/NamingSystem/<kind>`),
which is what an import matches on. docs/interop.md is the mapping table.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from urllib.parse import quote

from fhir.resources.R4B.adverseevent import AdverseEvent, AdverseEventSuspectEntity
from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.appointment import Appointment, AppointmentParticipant
from fhir.resources.R4B.careplan import (
    CarePlan,
    CarePlanActivity,
    CarePlanActivityDetail,
)
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.narrative import Narrative
from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient, PatientCommunication
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.practitioner import Practitioner, PractitionerQualification
from fhir.resources.R4B.procedure import Procedure, ProcedurePerformer
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)
from fhir.resources.R4B.reference import Reference

from prolo.interop.fhir import codes
from prolo.interop.records import (
    AdverseEventRecord,
    AnswerValue,
    AppointmentRecord,
    BodySiteRecord,
    ConditionRecord,
    CourseRecord,
    InjectionRecord,
    ItemAnswerRecord,
    LocationRecord,
    ObservationRecord,
    OrganizationRecord,
    PatientRecord,
    PractitionerRecord,
    ProcedureRecord,
    QuestionnaireResponseRecord,
)

RefStyle = Literal["relative", "urn"]


def reference(
    resource_type: str,
    key: uuid.UUID | str,
    ref_style: RefStyle,
    display: str | None = None,
) -> Reference:
    """A reference to the resource `resource_type` whose Prolo key is `key`."""
    if ref_style == "urn":
        target = codes.full_url(resource_type, str(key))
    else:
        target = f"{resource_type}/{key}"
    return Reference(reference=target, display=display)


def _identifier(system: str, key: uuid.UUID) -> list[Identifier]:
    return [Identifier(system=system, value=str(key))]


def _coding(system: str, code: str, display: str | None = None) -> Coding:
    return Coding(system=system, code=code, display=display)


def _quantity(value: Decimal, unit: str) -> Quantity:
    return Quantity(value=value, unit=unit, system=codes.UCUM, code=unit)


def _day(value: date) -> datetime:
    # Period.start/end are FHIR dateTime, which admits a bare date ("2026-01-05"); fhir.resources
    # accepts a date there although its annotation says datetime.
    return value  # type: ignore[return-value]  # reason: date is a valid FHIR dateTime value


def _telecom(phone: str | None, email: str | None) -> list[ContactPoint] | None:
    points = []
    if phone is not None:
        points.append(ContactPoint(system="phone", value=phone))
    if email is not None:
        points.append(ContactPoint(system="email", value=email))
    return points or None


def _name(family: str, given: Sequence[str]) -> list[HumanName]:
    return [HumanName(family=family, given=list(given) or None)]


def session_extension(number: int | None) -> list[Extension] | None:
    """The session-number extension, or None."""
    if number is None:
        return None
    return [Extension(url=codes.EXT_SESSION_NUMBER, valuePositiveInt=number)]


def body_site_concept(site: BodySiteRecord) -> CodeableConcept:
    """A catalog region or injection site as a CodeableConcept; laterality as an extension on it."""
    system = codes.CS_BODY_REGION if site.kind == "region" else codes.CS_INJECTION_SITE
    extension = None
    if site.laterality is not None:
        extension = [Extension(url=codes.EXT_LATERALITY, valueCode=site.laterality)]
    return CodeableConcept(
        extension=extension, coding=[_coding(system, site.site_id, site.label)]
    )


# --- administrative resources -----------------------------------------------------------------
def organization_to_fhir(record: OrganizationRecord) -> Organization:
    return Organization(
        id=str(record.id),
        identifier=_identifier(codes.ID_ORGANIZATION, record.id),
        active=record.active,
        name=record.name,
        telecom=_telecom(record.phone, record.email),
    )


def practitioner_to_fhir(record: PractitionerRecord) -> Practitioner:
    qualification = None
    if record.qualification is not None:
        qualification = [
            PractitionerQualification(code=CodeableConcept(text=record.qualification))
        ]
    return Practitioner(
        id=str(record.id),
        identifier=_identifier(codes.ID_PRACTITIONER, record.id),
        active=record.active,
        name=_name(record.family_name, record.given_names),
        telecom=_telecom(record.phone, record.email),
        qualification=qualification,
    )


def location_to_fhir(
    record: LocationRecord, ref_style: RefStyle = "relative"
) -> Location:
    organization = None
    if record.organization_id is not None:
        organization = reference("Organization", record.organization_id, ref_style)
    return Location(
        id=str(record.id),
        identifier=_identifier(codes.ID_LOCATION, record.id),
        status="active" if record.active else "inactive",
        name=record.name,
        mode="instance",
        type=[CodeableConcept(coding=[_coding(codes.CS_LOCATION_KIND, record.kind)])],
        managingOrganization=organization,
    )


def patient_to_fhir(record: PatientRecord, ref_style: RefStyle = "relative") -> Patient:
    identifiers = _identifier(codes.ID_PATIENT, record.id)
    if record.mrn is not None:
        identifiers.append(
            Identifier(
                use="usual",
                type=CodeableConcept(coding=[_coding(codes.IDENTIFIER_TYPE, "MR")]),
                system=codes.ID_PATIENT_MRN,
                value=record.mrn,
            )
        )
    communication = None
    if record.language is not None:
        communication = [
            PatientCommunication(
                language=CodeableConcept(
                    coding=[_coding(codes.BCP47, record.language)]
                ),
                preferred=True,
            )
        ]
    organization = None
    if record.organization_id is not None:
        organization = reference("Organization", record.organization_id, ref_style)
    return Patient(
        id=str(record.id),
        identifier=identifiers,
        active=record.active,
        name=_name(record.family_name, record.given_names),
        telecom=_telecom(record.phone, record.email),
        gender=record.gender,
        birthDate=record.birth_date,
        communication=communication,
        managingOrganization=organization,
    )


# --- clinical resources -------------------------------------------------------------------------
def condition_to_fhir(
    record: ConditionRecord, ref_style: RefStyle = "relative"
) -> Condition:
    """A catalog condition with its ICD-10-CM and SNOMED CT codings [S50][S51] and body sites."""
    coding = [_coding(codes.CS_CONDITION, record.catalog_id)]
    coding += [_coding(codes.ICD10_CM, c) for c in record.icd10_cm]
    coding += [_coding(codes.SNOMED_CT, c) for c in record.snomed_ct]
    return Condition(
        id=str(record.id),
        identifier=_identifier(codes.ID_CONDITION, record.id),
        clinicalStatus=CodeableConcept(
            coding=[_coding(codes.CONDITION_CLINICAL, record.clinical_status)]
        ),
        verificationStatus=CodeableConcept(
            coding=[_coding(codes.CONDITION_VERIFICATION, "confirmed")]
        ),
        code=CodeableConcept(coding=coding, text=record.display),
        bodySite=[body_site_concept(s) for s in record.body_sites] or None,
        subject=reference("Patient", record.patient_id, ref_style),
        onsetDateTime=_day(record.onset_date)
        if record.onset_date is not None
        else None,
        recordedDate=_day(record.recorded_date)
        if record.recorded_date is not None
        else None,
        note=[Annotation(text=record.note)] if record.note is not None else None,
    )


def careplan_to_fhir(
    record: CourseRecord, ref_style: RefStyle = "relative"
) -> CarePlan:
    """A course as a CarePlan; one activity per planned session with its window as scheduledPeriod."""
    activities = []
    for session in sorted(record.sessions, key=lambda s: s.number):
        outcomes = []
        if session.appointment_id is not None:
            outcomes.append(reference("Appointment", session.appointment_id, ref_style))
        if session.procedure_id is not None:
            outcomes.append(reference("Procedure", session.procedure_id, ref_style))
        activities.append(
            CarePlanActivity(
                outcomeReference=outcomes or None,
                detail=CarePlanActivityDetail(
                    extension=session_extension(session.number),
                    kind="Appointment",
                    code=CodeableConcept(
                        coding=[
                            _coding(
                                codes.HCPCS,
                                codes.PROLOTHERAPY_HCPCS,
                                codes.PROLOTHERAPY_DISPLAY,
                            )
                        ]
                    ),
                    status=codes.SESSION_STATUS[session.status],
                    scheduledPeriod=Period(
                        start=_day(session.window_start), end=_day(session.window_end)
                    ),
                ),
            )
        )
    instantiates = None
    if record.protocol_id is not None:
        instantiates = [f"{codes.PROTOCOL_BASE}{record.protocol_id}"]
    return CarePlan(
        id=str(record.id),
        identifier=_identifier(codes.ID_COURSE, record.id),
        instantiatesUri=instantiates,
        status=codes.COURSE_STATUS[record.status],
        intent="plan",
        title=record.title,
        subject=reference("Patient", record.patient_id, ref_style),
        created=record.created_at,
        addresses=[reference("Condition", c, ref_style) for c in record.condition_ids]
        or None,
        activity=activities or None,
    )


def appointment_to_fhir(
    record: AppointmentRecord, ref_style: RefStyle = "relative"
) -> Appointment:
    """A booked session. Participants: patient, clinician, procedure room, and the recovery place with its
    own period. Status map in `codes.APPOINTMENT_STATUS`."""

    def role(code: str) -> list[CodeableConcept]:
        return [CodeableConcept(coding=[_coding(codes.CS_APPOINTMENT_ROLE, code)])]

    participants = [
        AppointmentParticipant(
            type=role(codes.ROLE_PATIENT),
            actor=reference("Patient", record.patient_id, ref_style),
            required="required",
            status="accepted",
        ),
        AppointmentParticipant(
            type=role(codes.ROLE_CLINICIAN),
            actor=reference("Practitioner", record.clinician_id, ref_style),
            required="required",
            status="accepted",
        ),
        AppointmentParticipant(
            type=role(codes.ROLE_ROOM),
            actor=reference("Location", record.room_id, ref_style),
            required="required",
            status="accepted",
        ),
    ]
    if record.recovery_place_id is not None:
        period = None
        if record.recovery_start is not None:
            period = Period(start=record.recovery_start, end=record.recovery_end)
        participants.append(
            AppointmentParticipant(
                type=role(codes.ROLE_RECOVERY),
                actor=reference("Location", record.recovery_place_id, ref_style),
                required="required",
                status="accepted",
                period=period,
            )
        )
    description = None
    if record.session_number is not None:
        description = f"Prolotherapy session {record.session_number}"
    return Appointment(
        id=str(record.id),
        meta=Meta(versionId=str(record.revision), lastUpdated=record.updated_at),
        extension=session_extension(record.session_number),
        identifier=_identifier(codes.ID_APPOINTMENT, record.id),
        status=codes.APPOINTMENT_STATUS[record.status],
        cancelationReason=(
            CodeableConcept(text=record.cancellation_reason)
            if record.cancellation_reason is not None
            else None
        ),
        serviceType=[
            CodeableConcept(
                coding=[
                    _coding(
                        codes.HCPCS,
                        codes.PROLOTHERAPY_HCPCS,
                        codes.PROLOTHERAPY_DISPLAY,
                    )
                ]
            )
        ],
        description=description,
        supportingInformation=(
            [reference("CarePlan", record.course_id, ref_style)]
            if record.course_id is not None
            else None
        ),
        start=record.start,
        end=record.end,
        created=record.created_at,
        participant=participants,
    )


def _injection_extension(injection: InjectionRecord) -> Extension:
    parts = [
        Extension(
            url=codes.INJECTION_SITE,
            valueCodeableConcept=body_site_concept(injection.site),
        ),
        Extension(
            url=codes.INJECTION_SOLUTION,
            valueCodeableConcept=CodeableConcept(
                coding=[
                    _coding(
                        codes.CS_INJECTATE, injection.solution, injection.solution_label
                    )
                ]
            ),
        ),
    ]
    if injection.concentration_percent is not None:
        parts.append(
            Extension(
                url=codes.INJECTION_CONCENTRATION,
                valueQuantity=_quantity(injection.concentration_percent, "%"),
            )
        )
    parts.append(
        Extension(
            url=codes.INJECTION_VOLUME,
            valueQuantity=_quantity(injection.volume_ml, "mL"),
        )
    )
    if injection.anaesthetic is not None:
        parts.append(
            Extension(
                url=codes.INJECTION_ANAESTHETIC,
                valueCodeableConcept=CodeableConcept(
                    coding=[_coding(codes.CS_ANAESTHETIC, injection.anaesthetic)]
                ),
            )
        )
    if injection.anaesthetic_percent is not None:
        parts.append(
            Extension(
                url=codes.INJECTION_ANAESTHETIC_CONCENTRATION,
                valueQuantity=_quantity(injection.anaesthetic_percent, "%"),
            )
        )
    if injection.guidance is not None:
        parts.append(
            Extension(url=codes.INJECTION_GUIDANCE, valueCode=injection.guidance)
        )
    if injection.lot_number is not None:
        parts.append(
            Extension(url=codes.INJECTION_LOT, valueString=injection.lot_number)
        )
    return Extension(url=codes.EXT_INJECTION, extension=parts)


def _number(value: Decimal) -> str:
    # 2.50 and 2.5 are the same dose: show the shortest form, never an exponent.
    return format(value.normalize(), "f")


def injection_summary(injection: InjectionRecord) -> str:
    """One human-readable line for the narrative, e.g. "knee_mcl (left): dextrose 15% 2 mL, ultrasound"."""
    site = injection.site.label or injection.site.site_id
    if injection.site.laterality is not None:
        site = f"{site} ({injection.site.laterality})"
    solution = injection.solution_label or injection.solution
    if injection.concentration_percent is not None:
        solution = f"{solution} {_number(injection.concentration_percent)}%"
    text = f"{site}: {solution} {_number(injection.volume_ml)} mL"
    if injection.anaesthetic is not None:
        agent = injection.anaesthetic
        if injection.anaesthetic_percent is not None:
            agent = f"{agent} {_number(injection.anaesthetic_percent)}%"
        text += f" with {agent}"
    if injection.guidance is not None:
        text += f", {injection.guidance}"
    if injection.lot_number is not None:
        text += f", lot {injection.lot_number}"
    return text


def procedure_to_fhir(
    record: ProcedureRecord, ref_style: RefStyle = "relative"
) -> Procedure:
    """A performed session: HCPCS M0076 [S54], body sites, period, and one `injection` extension per
    injection line (site, solution, concentration, volume, anaesthetic, guidance, lot)."""
    extensions = [_injection_extension(i) for i in record.injections]
    extensions += session_extension(record.session_number) or []
    if record.appointment_id is not None:
        extensions.append(
            Extension(
                url=codes.EXT_PROCEDURE_APPOINTMENT,
                valueReference=reference(
                    "Appointment", record.appointment_id, ref_style
                ),
            )
        )
    narrative = None
    if record.injections:
        lines = "".join(
            f"<li>{html.escape(injection_summary(i))}</li>" for i in record.injections
        )
        narrative = Narrative(
            status="extensions",
            div=f'<div xmlns="http://www.w3.org/1999/xhtml"><p>Injections</p><ul>{lines}</ul></div>',
        )
    return Procedure(
        id=str(record.id),
        text=narrative,
        extension=extensions or None,
        identifier=_identifier(codes.ID_PROCEDURE, record.id),
        basedOn=[reference("CarePlan", record.course_id, ref_style)]
        if record.course_id is not None
        else None,
        status=codes.PROCEDURE_STATUS[record.status],
        code=CodeableConcept(
            coding=[
                _coding(
                    codes.HCPCS, codes.PROLOTHERAPY_HCPCS, codes.PROLOTHERAPY_DISPLAY
                )
            ],
            text=codes.PROLOTHERAPY_DISPLAY,
        ),
        subject=reference("Patient", record.patient_id, ref_style),
        performedPeriod=Period(start=record.start, end=record.end),
        performer=[
            ProcedurePerformer(
                actor=reference("Practitioner", record.clinician_id, ref_style)
            )
        ],
        location=reference("Location", record.room_id, ref_style)
        if record.room_id is not None
        else None,
        reasonReference=[
            reference("Condition", c, ref_style) for c in record.condition_ids
        ]
        or None,
        bodySite=[body_site_concept(s) for s in record.body_sites] or None,
        note=[Annotation(text=record.note)] if record.note is not None else None,
    )


def score_code(instrument_id: str, subscale_id: str | None = None) -> CodeableConcept:
    """Observation.code of an instrument score: the Prolo code, plus LOINC where one is known."""
    if subscale_id is not None:
        return CodeableConcept(
            coding=[
                _coding(codes.CS_INSTRUMENT_SCORE, f"{instrument_id}.{subscale_id}")
            ]
        )
    coding = [_coding(codes.CS_INSTRUMENT_SCORE, instrument_id)]
    loinc = codes.SCORE_LOINC.get(instrument_id)
    if loinc is not None:
        coding.append(_coding(codes.LOINC, loinc.code, loinc.display))
    return CodeableConcept(coding=coding)


def observation_to_fhir(
    record: ObservationRecord, ref_style: RefStyle = "relative"
) -> Observation:
    """A score as a survey Observation derived from its QuestionnaireResponse; subscales as components."""
    components = [
        ObservationComponent(
            code=score_code(record.instrument_id, s.subscale_id),
            valueQuantity=_quantity(s.value, s.unit),
        )
        for s in record.subscales
    ]
    return Observation(
        id=str(record.id),
        identifier=_identifier(codes.ID_OBSERVATION, record.id),
        basedOn=[reference("CarePlan", record.course_id, ref_style)]
        if record.course_id is not None
        else None,
        partOf=[reference("Procedure", record.procedure_id, ref_style)]
        if record.procedure_id is not None
        else None,
        status=codes.OBSERVATION_STATUS[record.status],
        category=[
            CodeableConcept(coding=[_coding(codes.OBSERVATION_CATEGORY, "survey")])
        ],
        code=score_code(record.instrument_id),
        subject=reference("Patient", record.patient_id, ref_style),
        effectiveDateTime=record.effective,
        valueQuantity=_quantity(record.value, record.unit)
        if record.value is not None
        else None,
        derivedFrom=(
            [
                reference(
                    "QuestionnaireResponse", record.questionnaire_response_id, ref_style
                )
            ]
            if record.questionnaire_response_id is not None
            else None
        ),
        component=components or None,
    )


def _answer(value: AnswerValue) -> QuestionnaireResponseItemAnswer:
    if isinstance(value, bool):
        return QuestionnaireResponseItemAnswer(valueBoolean=value)
    if isinstance(value, int):
        return QuestionnaireResponseItemAnswer(valueInteger=value)
    if isinstance(value, Decimal):
        return QuestionnaireResponseItemAnswer(valueDecimal=value)
    return QuestionnaireResponseItemAnswer(valueString=value)


def _response_item(answer: ItemAnswerRecord) -> QuestionnaireResponseItem:
    return QuestionnaireResponseItem(
        linkId=answer.item_id, answer=[_answer(answer.value)]
    )


def canonical_questionnaire(instrument_id: str, version: str | None) -> str:
    """QuestionnaireResponse.questionnaire: `<url>` or `<url>|<version>`."""
    url = codes.questionnaire_url(instrument_id)
    # A canonical is a URI: the version (free text, e.g. "Vernon & Mior 1991") is percent-encoded.
    return url if version is None else f"{url}|{quote(version, safe='')}"


def questionnaire_response_to_fhir(
    record: QuestionnaireResponseRecord, ref_style: RefStyle = "relative"
) -> QuestionnaireResponse:
    """Answers keyed by the instrument's item ids (linkId); integer answers are the item scores."""
    return QuestionnaireResponse(
        id=str(record.id),
        identifier=Identifier(
            system=codes.ID_QUESTIONNAIRE_RESPONSE, value=str(record.id)
        ),
        basedOn=[reference("CarePlan", record.course_id, ref_style)]
        if record.course_id is not None
        else None,
        partOf=[reference("Procedure", record.procedure_id, ref_style)]
        if record.procedure_id is not None
        else None,
        questionnaire=canonical_questionnaire(
            record.instrument_id, record.instrument_version
        ),
        status=codes.RESPONSE_STATUS[record.status],
        subject=reference("Patient", record.patient_id, ref_style),
        authored=record.authored,
        item=[_response_item(a) for a in record.answers] or None,
    )


def adverse_event_to_fhir(
    record: AdverseEventRecord, ref_style: RefStyle = "relative"
) -> AdverseEvent:
    """An actual adverse event; seriousness/severity/outcome from the FHIR code systems [IOP-FHIR-AE-CODES]."""
    suspect = None
    if record.procedure_id is not None:
        suspect = [
            AdverseEventSuspectEntity(
                instance=reference("Procedure", record.procedure_id, ref_style)
            )
        ]
    return AdverseEvent(
        id=str(record.id),
        identifier=Identifier(system=codes.ID_ADVERSE_EVENT, value=str(record.id)),
        actuality="actual",
        event=CodeableConcept(
            coding=[_coding(codes.CS_ADVERSE_EVENT, record.code)], text=record.label
        ),
        subject=reference("Patient", record.patient_id, ref_style),
        date=record.occurred_at,
        recordedDate=record.recorded_at,
        seriousness=CodeableConcept(
            coding=[_coding(codes.AE_SERIOUSNESS, record.seriousness)]
        ),
        severity=(
            CodeableConcept(coding=[_coding(codes.AE_SEVERITY, record.severity)])
            if record.severity is not None
            else None
        ),
        outcome=(
            CodeableConcept(coding=[_coding(codes.AE_OUTCOME, record.outcome)])
            if record.outcome is not None
            else None
        ),
        recorder=reference("Practitioner", record.recorder_id, ref_style)
        if record.recorder_id is not None
        else None,
        suspectEntity=suspect,
    )
