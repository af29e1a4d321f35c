"""FHIR -> records: the reverse of `bundle.patient_bundle`.

`bundle_to_records(bundle_json)` reads a `collection` (or `searchset`) Bundle written by Prolo, checks each
entry against the fhir.resources R4B models, and maps it back to the records. Records are matched by the
Prolo identifier each resource carries (falling back to a UUID resource id), so importing twice finds the
same records. References may be bundle fullUrls (`urn:uuid:...`) or `Type/id`.

Anything malformed raises InvalidInputError whose message names the entry, its resource type and the
element, e.g. `entry[6] (Appointment): participant: no participant with role clinician`; `field` is the
same path (`entry[6].participant`). The CLI turns that into exit 2.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import NoReturn, TypeVar, get_args
from urllib.parse import unquote

from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan, CarePlanActivity
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.domainresource import DomainResource
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.questionnaire import Questionnaire, QuestionnaireItem
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)
from fhir.resources.R4B.reference import Reference
from pydantic import ValidationError

from prolo.domain.errors import InvalidInputError
from prolo.interop.fhir import codes
from prolo.interop.records import (
    AdverseEventRecord,
    AdverseOutcome,
    AnswerType,
    AnswerValue,
    AppointmentRecord,
    BodySiteRecord,
    ConditionClinicalStatus,
    ConditionRecord,
    CourseRecord,
    Gender,
    Guidance,
    InjectionRecord,
    ItemAnswerRecord,
    Laterality,
    LocationKind,
    LocationRecord,
    ObservationRecord,
    OrganizationRecord,
    PatientBundleRecord,
    PatientRecord,
    PlannedSessionRecord,
    PractitionerRecord,
    ProcedureRecord,
    QuestionnaireDefinitionRecord,
    QuestionnaireItemRecord,
    QuestionnaireResponseRecord,
    Seriousness,
    Severity,
    SubscaleScoreRecord,
    check_references,
)

MODELS: Mapping[str, type[DomainResource]] = {
    "Patient": Patient,
    "Organization": Organization,
    "Practitioner": Practitioner,
    "Location": Location,
    "Condition": Condition,
    "CarePlan": CarePlan,
    "Appointment": Appointment,
    "Procedure": Procedure,
    "QuestionnaireResponse": QuestionnaireResponse,
    "Observation": Observation,
    "AdverseEvent": AdverseEvent,
    "Questionnaire": Questionnaire,
}
ACCEPTED_BUNDLE_TYPES = ("collection", "searchset")
IDENTIFIER_SYSTEMS: Mapping[str, str] = {
    "Patient": codes.ID_PATIENT,
    "Organization": codes.ID_ORGANIZATION,
    "Practitioner": codes.ID_PRACTITIONER,
    "Location": codes.ID_LOCATION,
    "Condition": codes.ID_CONDITION,
    "CarePlan": codes.ID_COURSE,
    "Appointment": codes.ID_APPOINTMENT,
    "Procedure": codes.ID_PROCEDURE,
    "QuestionnaireResponse": codes.ID_QUESTIONNAIRE_RESPONSE,
    "Observation": codes.ID_OBSERVATION,
    "AdverseEvent": codes.ID_ADVERSE_EVENT,
}

L = TypeVar("L", bound=str)
T = TypeVar("T")


def _describe(exc: ValidationError, limit: int = 3) -> str:
    parts = []
    for err in exc.errors()[:limit]:
        loc = ".".join(str(p) for p in err["loc"]) or "(resource)"
        parts.append(f"{loc}: {err['msg']}")
    more = len(exc.errors()) - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


class _Entry:
    """One bundle entry being read: knows where it is, for error messages."""

    def __init__(self, index: int, resource_type: str, resolver: _Resolver) -> None:
        self.index = index
        self.resource_type = resource_type
        self.resolver = resolver

    def fail(self, element: str, message: str) -> NoReturn:
        raise InvalidInputError(
            f"entry[{self.index}] ({self.resource_type}): {element}: {message}",
            field=f"entry[{self.index}].{element}"
            if element
            else f"entry[{self.index}]",
        )

    def build(self, factory: Callable[[], T]) -> T:
        """Run a record constructor, turning its validation errors into this entry's error."""
        try:
            return factory()
        except ValidationError as exc:
            self.fail("(record)", _describe(exc))

    def require(self, value: T | None, element: str) -> T:
        if value is None:
            self.fail(element, "is required")
        return value

    def literal(self, value: str | None, allowed: type[L] | object, element: str) -> L:
        options = get_args(allowed)
        if value not in options:
            self.fail(
                element, f"{value!r} is not one of {', '.join(map(str, options))}"
            )
        return value  # type: ignore[return-value]  # reason: membership in the Literal's args checked above

    def unmap(self, value: str | None, mapping: Mapping[L, str], element: str) -> L:
        inverse = codes.invert(mapping)
        if value is None or value not in inverse:
            self.fail(element, f"{value!r} is not one of {', '.join(inverse)}")
        return inverse[value]

    def code(self, concept: CodeableConcept | None, system: str, element: str) -> str:
        found = self.optional_code(concept, system, element)
        if found is None:
            self.fail(element, f"needs a coding with system {system}")
        return found

    def optional_code(
        self, concept: CodeableConcept | None, system: str, element: str
    ) -> str | None:
        codings = (
            [c for c in (concept.coding or []) if c.system == system]
            if concept is not None
            else []
        )
        if len(codings) > 1:
            self.fail(element, f"has more than one coding with system {system}")
        if not codings:
            return None
        return self.require(codings[0].code, f"{element}.coding.code")

    def ref(self, value: Reference | None, expected: str, element: str) -> uuid.UUID:
        return self.resolver.resolve(
            self, self.require(value, element), expected, element
        )

    def optional_ref(
        self, value: Reference | None, expected: str, element: str
    ) -> uuid.UUID | None:
        if value is None:
            return None
        return self.resolver.resolve(self, value, expected, element)

    def refs(
        self, values: Sequence[Reference] | None, expected: str, element: str
    ) -> tuple[uuid.UUID, ...]:
        return tuple(
            self.resolver.resolve(self, v, expected, f"{element}[{i}]")
            for i, v in enumerate(values or [])
        )

    def single_ref(
        self, values: Sequence[Reference] | None, expected: str, element: str
    ) -> uuid.UUID | None:
        found = self.refs(values, expected, element)
        if len(found) > 1:
            self.fail(element, f"expected at most one {expected} reference")
        return found[0] if found else None


class _Resolver:
    """Maps references to the Prolo ids of the bundle's entries."""

    def __init__(self) -> None:
        self.by_full_url: dict[str, tuple[str, str]] = {}
        self.by_type_id: dict[tuple[str, str], str] = {}

    def add(
        self, entry: _Entry, full_url: str | None, resource: DomainResource, key: str
    ) -> None:
        rtype = resource.get_resource_type()
        if full_url is not None:
            if full_url in self.by_full_url:
                entry.fail("fullUrl", f"{full_url} is used by an earlier entry")
            self.by_full_url[full_url] = (rtype, key)
        if resource.id is not None:
            if (rtype, resource.id) in self.by_type_id:
                entry.fail("id", f"{rtype}/{resource.id} appears twice")
            self.by_type_id[(rtype, resource.id)] = key

    def _lookup(
        self, entry: _Entry, value: Reference, element: str
    ) -> tuple[str, str, str]:
        target = value.reference
        if not target:
            entry.fail(
                element,
                "reference has no `reference` (only literal references are supported)",
            )
        if target in self.by_full_url:
            rtype, key = self.by_full_url[target]
            return target, rtype, key
        parts = target.rstrip("/").split("/")
        if len(parts) < 2 or (parts[-2], parts[-1]) not in self.by_type_id:
            entry.fail(element, f"{target} does not resolve to an entry of this bundle")
        return target, parts[-2], self.by_type_id[(parts[-2], parts[-1])]

    def target_type(self, entry: _Entry, value: Reference, element: str) -> str:
        """The resource type a reference points to."""
        return self._lookup(entry, value, element)[1]

    def resolve(
        self, entry: _Entry, value: Reference, expected: str, element: str
    ) -> uuid.UUID:
        target, rtype, key = self._lookup(entry, value, element)
        if rtype != expected:
            entry.fail(element, f"{target} is a {rtype}, expected a {expected}")
        return uuid.UUID(key)


# --- small readers --------------------------------------------------------------------------------
def _extensions(extensions: Sequence[Extension] | None, url: str) -> list[Extension]:
    return [e for e in (extensions or []) if e.url == url]


def _one_extension(
    entry: _Entry, extensions: Sequence[Extension] | None, url: str, element: str
) -> Extension | None:
    found = _extensions(extensions, url)
    if len(found) > 1:
        entry.fail(element, f"extension {url} appears more than once")
    return found[0] if found else None


def _session_number(
    entry: _Entry, extensions: Sequence[Extension] | None, element: str
) -> int | None:
    ext = _one_extension(entry, extensions, codes.EXT_SESSION_NUMBER, element)
    if ext is None:
        return None
    return entry.require(
        ext.valuePositiveInt, f"{element}(session-number).valuePositiveInt"
    )


def _record_id(
    entry: _Entry,
    resource: DomainResource,
    identifiers: Sequence[Identifier] | Identifier | None,
) -> str:
    if isinstance(identifiers, Identifier):
        identifiers = [identifiers]
    system = IDENTIFIER_SYSTEMS[entry.resource_type]
    values = [i.value for i in (identifiers or []) if i.system == system]
    if len(values) > 1:
        entry.fail("identifier", f"more than one identifier with system {system}")
    raw = values[0] if values else resource.id
    if raw is None:
        entry.fail(
            "identifier", f"needs an identifier with system {system} or a UUID id"
        )
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        entry.fail("identifier" if values else "id", f"{raw!r} is not a UUID")


def _name(
    entry: _Entry, names: Sequence[HumanName] | None
) -> tuple[str, tuple[str, ...]]:
    if not names:
        entry.fail("name", "is required")
    family = entry.require(names[0].family, "name[0].family")
    return family, tuple(g for g in names[0].given or [] if g)


def _telecom(telecom: Sequence[ContactPoint] | None, system: str) -> str | None:
    return next((c.value for c in telecom or [] if c.system == system), None)


def _as_date(entry: _Entry, value: date | datetime | None, element: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        entry.fail(element, "expected a date, got a date-time")
    return value


def _as_datetime(
    entry: _Entry, value: date | datetime | None, element: str
) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        entry.fail(element, "expected a date-time with a time zone, got a date")
    if value.tzinfo is None:
        entry.fail(element, "date-time needs a time zone")
    return value


def _quantity(
    entry: _Entry, value: Quantity | None, element: str, unit: str | None = None
) -> tuple[Decimal, str]:
    quantity = entry.require(value, element)
    number = entry.require(quantity.value, f"{element}.value")
    code = quantity.code or quantity.unit
    if code is None:
        entry.fail(element, "needs a unit code")
    if unit is not None and code != unit:
        entry.fail(element, f"unit must be {unit!r}, got {code!r}")
    return Decimal(number), code


def _body_site(
    entry: _Entry, concept: CodeableConcept | None, element: str
) -> BodySiteRecord:
    concept = entry.require(concept, element)
    region = entry.optional_code(concept, codes.CS_BODY_REGION, element)
    site = entry.optional_code(concept, codes.CS_INJECTION_SITE, element)
    if (region is None) == (site is None):
        entry.fail(
            element,
            f"needs exactly one coding from {codes.CS_BODY_REGION} or {codes.CS_INJECTION_SITE}",
        )
    system = codes.CS_BODY_REGION if region is not None else codes.CS_INJECTION_SITE
    label = next(c.display for c in concept.coding or [] if c.system == system)
    ext = _one_extension(entry, concept.extension, codes.EXT_LATERALITY, element)
    laterality: Laterality | None = None
    if ext is not None:
        laterality = entry.literal(
            ext.valueCode, Laterality, f"{element}(laterality).valueCode"
        )
    site_id = region if region is not None else site
    return entry.build(
        lambda: BodySiteRecord(
            site_id=site_id,
            kind="region" if region is not None else "site",
            label=label,
            laterality=laterality,
        )
    )


# --- one reader per resource type -------------------------------------------------------------------
def _patient(entry: _Entry, r: Patient, key: str) -> PatientRecord:
    family, given = _name(entry, r.name)
    mrns = [i.value for i in r.identifier or [] if i.system == codes.ID_PATIENT_MRN]
    language = None
    for i, comm in enumerate(r.communication or []):
        language = entry.code(
            comm.language, codes.BCP47, f"communication[{i}].language"
        )
        if comm.preferred:
            break
    gender: Gender | None = (
        entry.literal(r.gender, Gender, "gender") if r.gender is not None else None
    )
    return entry.build(
        lambda: PatientRecord(
            id=uuid.UUID(key),
            family_name=family,
            given_names=given,
            mrn=mrns[0] if mrns else None,
            birth_date=_as_date(entry, r.birthDate, "birthDate"),
            gender=gender,
            phone=_telecom(r.telecom, "phone"),
            email=_telecom(r.telecom, "email"),
            language=language,
            organization_id=entry.optional_ref(
                r.managingOrganization, "Organization", "managingOrganization"
            ),
            active=r.active if r.active is not None else True,
        )
    )


def _organization(entry: _Entry, r: Organization, key: str) -> OrganizationRecord:
    return entry.build(
        lambda: OrganizationRecord(
            id=uuid.UUID(key),
            name=entry.require(r.name, "name"),
            phone=_telecom(r.telecom, "phone"),
            email=_telecom(r.telecom, "email"),
            active=r.active if r.active is not None else True,
        )
    )


def _practitioner(entry: _Entry, r: Practitioner, key: str) -> PractitionerRecord:
    family, given = _name(entry, r.name)
    qualification = None
    if r.qualification:
        qualification = entry.require(
            r.qualification[0].code.text, "qualification[0].code.text"
        )
    return entry.build(
        lambda: PractitionerRecord(
            id=uuid.UUID(key),
            family_name=family,
            given_names=given,
            qualification=qualification,
            phone=_telecom(r.telecom, "phone"),
            email=_telecom(r.telecom, "email"),
            active=r.active if r.active is not None else True,
        )
    )


def _location(entry: _Entry, r: Location, key: str) -> LocationRecord:
    kinds = [
        entry.optional_code(t, codes.CS_LOCATION_KIND, f"type[{i}]")
        for i, t in enumerate(r.type or [])
    ]
    found = [k for k in kinds if k is not None]
    if len(found) != 1:
        entry.fail("type", f"needs exactly one coding from {codes.CS_LOCATION_KIND}")
    kind: LocationKind = entry.literal(found[0], LocationKind, "type")
    return entry.build(
        lambda: LocationRecord(
            id=uuid.UUID(key),
            name=entry.require(r.name, "name"),
            kind=kind,
            organization_id=entry.optional_ref(
                r.managingOrganization, "Organization", "managingOrganization"
            ),
            active=r.status != "inactive",
        )
    )


def _condition(entry: _Entry, r: Condition, key: str) -> ConditionRecord:
    code = entry.require(r.code, "code")
    status: ConditionClinicalStatus = entry.literal(
        entry.code(r.clinicalStatus, codes.CONDITION_CLINICAL, "clinicalStatus"),
        ConditionClinicalStatus,
        "clinicalStatus",
    )
    return entry.build(
        lambda: ConditionRecord(
            id=uuid.UUID(key),
            patient_id=entry.ref(r.subject, "Patient", "subject"),
            catalog_id=entry.code(code, codes.CS_CONDITION, "code"),
            display=entry.require(code.text, "code.text"),
            icd10_cm=tuple(
                c.code
                for c in code.coding or []
                if c.system == codes.ICD10_CM and c.code
            ),
            snomed_ct=tuple(
                c.code
                for c in code.coding or []
                if c.system == codes.SNOMED_CT and c.code
            ),
            body_sites=tuple(
                _body_site(entry, s, f"bodySite[{i}]")
                for i, s in enumerate(r.bodySite or [])
            ),
            clinical_status=status,
            onset_date=_as_date(entry, r.onsetDateTime, "onsetDateTime"),
            recorded_date=_as_date(entry, r.recordedDate, "recordedDate"),
            note=r.note[0].text if r.note else None,
        )
    )


def _planned_session(
    entry: _Entry, where: str, activity: CarePlanActivity
) -> PlannedSessionRecord:
    detail = entry.require(activity.detail, f"{where}.detail")
    number = entry.require(
        _session_number(entry, detail.extension, f"{where}.detail.extension"), where
    )
    period = entry.require(detail.scheduledPeriod, f"{where}.detail.scheduledPeriod")
    outcomes = activity.outcomeReference or []
    kinds = [
        entry.resolver.target_type(entry, o, f"{where}.outcomeReference[{j}]")
        for j, o in enumerate(outcomes)
    ]
    by_kind = {
        kind: [o for o, k in zip(outcomes, kinds, strict=True) if k == kind]
        for kind in ("Appointment", "Procedure")
    }
    if len(kinds) != len(by_kind["Appointment"]) + len(by_kind["Procedure"]) or any(
        len(refs) > 1 for refs in by_kind.values()
    ):
        entry.fail(
            f"{where}.outcomeReference",
            "expected at most one Appointment and one Procedure",
        )
    appointment_id = entry.single_ref(
        by_kind["Appointment"], "Appointment", f"{where}.outcomeReference"
    )
    procedure_id = entry.single_ref(
        by_kind["Procedure"], "Procedure", f"{where}.outcomeReference"
    )
    start = entry.require(
        _as_date(entry, period.start, f"{where}.detail.scheduledPeriod.start"), where
    )
    end = entry.require(
        _as_date(entry, period.end, f"{where}.detail.scheduledPeriod.end"), where
    )
    status = entry.unmap(detail.status, codes.SESSION_STATUS, f"{where}.detail.status")
    return entry.build(
        lambda: PlannedSessionRecord(
            number=number,
            window_start=start,
            window_end=end,
            status=status,
            appointment_id=appointment_id,
            procedure_id=procedure_id,
        )
    )


def _careplan(entry: _Entry, r: CarePlan, key: str) -> CourseRecord:
    sessions = tuple(
        _planned_session(entry, f"activity[{i}]", a)
        for i, a in enumerate(r.activity or [])
    )
    protocol_id = None
    for uri in r.instantiatesUri or []:
        if uri is not None and uri.startswith(codes.PROTOCOL_BASE):
            protocol_id = uri.removeprefix(codes.PROTOCOL_BASE)
    return entry.build(
        lambda: CourseRecord(
            id=uuid.UUID(key),
            patient_id=entry.ref(r.subject, "Patient", "subject"),
            status=entry.unmap(r.status, codes.COURSE_STATUS, "status"),
            condition_ids=entry.refs(r.addresses, "Condition", "addresses"),
            title=r.title,
            protocol_id=protocol_id,
            created_at=_as_datetime(entry, r.created, "created"),
            sessions=sessions,
        )
    )


def _appointment(entry: _Entry, r: Appointment, key: str) -> AppointmentRecord:
    by_role: dict[str, tuple[int, Reference, Period | None]] = {}
    for i, participant in enumerate(r.participant or []):
        roles = [
            entry.optional_code(t, codes.CS_APPOINTMENT_ROLE, f"participant[{i}].type")
            for t in participant.type or []
        ]
        role = next((x for x in roles if x is not None), None)
        if role is None:
            entry.fail(
                f"participant[{i}].type",
                f"needs a coding from {codes.CS_APPOINTMENT_ROLE}",
            )
        if role in by_role:
            entry.fail(f"participant[{i}]", f"role {role} appears twice")
        by_role[role] = (
            i,
            entry.require(participant.actor, f"participant[{i}].actor"),
            participant.period,
        )

    def actor(role: str, expected: str) -> uuid.UUID:
        if role not in by_role:
            entry.fail("participant", f"no participant with role {role}")
        i, ref, _ = by_role[role]
        return entry.ref(ref, expected, f"participant[{i}].actor")

    recovery_place = recovery_start = recovery_end = None
    if codes.ROLE_RECOVERY in by_role:
        recovery_place = actor(codes.ROLE_RECOVERY, "Location")
        i, _, period = by_role[codes.ROLE_RECOVERY]
        if period is not None:
            recovery_start = _as_datetime(
                entry, period.start, f"participant[{i}].period.start"
            )
            recovery_end = _as_datetime(
                entry, period.end, f"participant[{i}].period.end"
            )
    revision = 0
    updated_at = None
    if r.meta is not None:
        if r.meta.versionId is not None:
            if not r.meta.versionId.isdigit():
                entry.fail(
                    "meta.versionId", f"{r.meta.versionId!r} is not a revision number"
                )
            revision = int(r.meta.versionId)
        updated_at = _as_datetime(entry, r.meta.lastUpdated, "meta.lastUpdated")
    return entry.build(
        lambda: AppointmentRecord(
            id=uuid.UUID(key),
            patient_id=actor(codes.ROLE_PATIENT, "Patient"),
            status=entry.unmap(r.status, codes.APPOINTMENT_STATUS, "status"),
            start=entry.require(_as_datetime(entry, r.start, "start"), "start"),
            end=entry.require(_as_datetime(entry, r.end, "end"), "end"),
            clinician_id=actor(codes.ROLE_CLINICIAN, "Practitioner"),
            room_id=actor(codes.ROLE_ROOM, "Location"),
            recovery_place_id=recovery_place,
            recovery_start=recovery_start,
            recovery_end=recovery_end,
            course_id=entry.single_ref(
                r.supportingInformation, "CarePlan", "supportingInformation"
            ),
            session_number=_session_number(entry, r.extension, "extension"),
            cancellation_reason=r.cancelationReason.text
            if r.cancelationReason is not None
            else None,
            created_at=_as_datetime(entry, r.created, "created"),
            revision=revision,
            updated_at=updated_at,
        )
    )


def _injection(entry: _Entry, ext: Extension, element: str) -> InjectionRecord:
    parts = ext.extension or []

    def one(url: str) -> Extension | None:
        return _one_extension(entry, parts, url, f"{element}.extension")

    def where(url: str) -> str:
        return f"{element}.extension({url})"

    site = entry.require(one(codes.INJECTION_SITE), where(codes.INJECTION_SITE))
    solution_ext = entry.require(
        one(codes.INJECTION_SOLUTION), where(codes.INJECTION_SOLUTION)
    )
    solution_concept = entry.require(
        solution_ext.valueCodeableConcept, where(codes.INJECTION_SOLUTION)
    )
    solution = entry.code(
        solution_concept, codes.CS_INJECTATE, where(codes.INJECTION_SOLUTION)
    )
    solution_label = next(
        c.display
        for c in solution_concept.coding or []
        if c.system == codes.CS_INJECTATE
    )
    volume, _ = _quantity(
        entry,
        entry.require(
            one(codes.INJECTION_VOLUME), where(codes.INJECTION_VOLUME)
        ).valueQuantity,
        where(codes.INJECTION_VOLUME),
        "mL",
    )
    concentration = anaesthetic_percent = None
    if (ext_c := one(codes.INJECTION_CONCENTRATION)) is not None:
        concentration, _ = _quantity(
            entry, ext_c.valueQuantity, where(codes.INJECTION_CONCENTRATION), "%"
        )
    anaesthetic = None
    if (ext_a := one(codes.INJECTION_ANAESTHETIC)) is not None:
        anaesthetic = entry.code(
            ext_a.valueCodeableConcept,
            codes.CS_ANAESTHETIC,
            where(codes.INJECTION_ANAESTHETIC),
        )
    if (ext_ap := one(codes.INJECTION_ANAESTHETIC_CONCENTRATION)) is not None:
        anaesthetic_percent, _ = _quantity(
            entry,
            ext_ap.valueQuantity,
            where(codes.INJECTION_ANAESTHETIC_CONCENTRATION),
            "%",
        )
    guidance: Guidance | None = None
    if (ext_g := one(codes.INJECTION_GUIDANCE)) is not None:
        guidance = entry.literal(
            ext_g.valueCode, Guidance, where(codes.INJECTION_GUIDANCE)
        )
    lot = None
    if (ext_l := one(codes.INJECTION_LOT)) is not None:
        lot = entry.require(ext_l.valueString, where(codes.INJECTION_LOT))
    known = {
        codes.INJECTION_SITE,
        codes.INJECTION_SOLUTION,
        codes.INJECTION_CONCENTRATION,
        codes.INJECTION_VOLUME,
        codes.INJECTION_ANAESTHETIC,
        codes.INJECTION_ANAESTHETIC_CONCENTRATION,
        codes.INJECTION_GUIDANCE,
        codes.INJECTION_LOT,
    }
    unknown = sorted({p.url for p in parts if p.url is not None} - known)
    if unknown:
        entry.fail(
            f"{element}.extension", f"unknown injection part(s) {', '.join(unknown)}"
        )
    return entry.build(
        lambda: InjectionRecord(
            site=_body_site(
                entry, site.valueCodeableConcept, where(codes.INJECTION_SITE)
            ),
            solution=solution,
            solution_label=solution_label,
            concentration_percent=concentration,
            volume_ml=volume,
            anaesthetic=anaesthetic,
            anaesthetic_percent=anaesthetic_percent,
            guidance=guidance,
            lot_number=lot,
        )
    )


def _procedure(entry: _Entry, r: Procedure, key: str) -> ProcedureRecord:
    period = entry.require(r.performedPeriod, "performedPeriod")
    performers = r.performer or []
    if not performers:
        entry.fail("performer", "is required")
    appointment = _one_extension(
        entry, r.extension, codes.EXT_PROCEDURE_APPOINTMENT, "extension"
    )
    appointment_id = None
    if appointment is not None:
        appointment_id = entry.ref(
            appointment.valueReference,
            "Appointment",
            "extension(procedure-appointment)",
        )
    injections = tuple(
        _injection(entry, ext, f"extension[{i}]")
        for i, ext in enumerate(r.extension or [])
        if ext.url == codes.EXT_INJECTION
    )
    return entry.build(
        lambda: ProcedureRecord(
            id=uuid.UUID(key),
            patient_id=entry.ref(r.subject, "Patient", "subject"),
            status=entry.unmap(r.status, codes.PROCEDURE_STATUS, "status"),
            start=entry.require(
                _as_datetime(entry, period.start, "performedPeriod.start"),
                "performedPeriod.start",
            ),
            end=_as_datetime(entry, period.end, "performedPeriod.end"),
            clinician_id=entry.ref(
                performers[0].actor, "Practitioner", "performer[0].actor"
            ),
            room_id=entry.optional_ref(r.location, "Location", "location"),
            appointment_id=appointment_id,
            course_id=entry.single_ref(r.basedOn, "CarePlan", "basedOn"),
            session_number=_session_number(entry, r.extension, "extension"),
            condition_ids=entry.refs(r.reasonReference, "Condition", "reasonReference"),
            body_sites=tuple(
                _body_site(entry, s, f"bodySite[{i}]")
                for i, s in enumerate(r.bodySite or [])
            ),
            injections=injections,
            note=r.note[0].text if r.note else None,
        )
    )


def _subscale(
    entry: _Entry, instrument: str, i: int, component: ObservationComponent
) -> SubscaleScoreRecord:
    code = entry.code(component.code, codes.CS_INSTRUMENT_SCORE, f"component[{i}].code")
    prefix = f"{instrument}."
    if not code.startswith(prefix):
        entry.fail(
            f"component[{i}].code", f"{code!r} is not a subscale of {instrument!r}"
        )
    number, unit = _quantity(
        entry, component.valueQuantity, f"component[{i}].valueQuantity"
    )
    return entry.build(
        lambda: SubscaleScoreRecord(
            subscale_id=code.removeprefix(prefix), value=number, unit=unit
        )
    )


def _observation(entry: _Entry, r: Observation, key: str) -> ObservationRecord:
    instrument = entry.code(r.code, codes.CS_INSTRUMENT_SCORE, "code")
    value = unit = None
    if r.valueQuantity is not None:
        value, unit = _quantity(entry, r.valueQuantity, "valueQuantity")
    subscales = tuple(
        _subscale(entry, instrument, i, c) for i, c in enumerate(r.component or [])
    )
    return entry.build(
        lambda: ObservationRecord(
            id=uuid.UUID(key),
            patient_id=entry.ref(r.subject, "Patient", "subject"),
            instrument_id=instrument,
            effective=entry.require(
                _as_datetime(entry, r.effectiveDateTime, "effectiveDateTime"),
                "effectiveDateTime",
            ),
            value=value,
            unit=unit or "{score}",
            subscales=subscales,
            status=entry.unmap(r.status, codes.OBSERVATION_STATUS, "status"),
            questionnaire_response_id=entry.single_ref(
                r.derivedFrom, "QuestionnaireResponse", "derivedFrom"
            ),
            course_id=entry.single_ref(r.basedOn, "CarePlan", "basedOn"),
            procedure_id=entry.single_ref(r.partOf, "Procedure", "partOf"),
        )
    )


def _answer(
    entry: _Entry, answer: QuestionnaireResponseItemAnswer, element: str
) -> AnswerValue:
    present = [
        v
        for v in (
            answer.valueBoolean,
            answer.valueInteger,
            answer.valueDecimal,
            answer.valueString,
        )
        if v is not None
    ]
    if len(present) != 1:
        entry.fail(
            element,
            "needs exactly one of valueBoolean, valueInteger, valueDecimal, valueString",
        )
    value = present[0]
    if answer.valueDecimal is not None:
        return Decimal(answer.valueDecimal)
    return value


def _parse_canonical(
    entry: _Entry, canonical: str | None, element: str
) -> tuple[str, str | None]:
    url = entry.require(canonical, element)
    url, _, version = url.partition("|")
    if not url.startswith(codes.QUESTIONNAIRE_BASE):
        entry.fail(
            element,
            f"{url} is not a Prolo questionnaire ({codes.QUESTIONNAIRE_BASE}<instrument>)",
        )
    return url.removeprefix(codes.QUESTIONNAIRE_BASE), unquote(
        version
    ) if version else None


def _item_answer(
    entry: _Entry, where: str, item: QuestionnaireResponseItem
) -> ItemAnswerRecord:
    if item.item:
        entry.fail(f"{where}.item", "nested items are not supported")
    if not item.answer or len(item.answer) != 1:
        entry.fail(f"{where}.answer", "needs exactly one answer")
    value = _answer(entry, item.answer[0], f"{where}.answer[0]")
    return entry.build(lambda: ItemAnswerRecord(item_id=item.linkId, value=value))


def _questionnaire_response(
    entry: _Entry, r: QuestionnaireResponse, key: str
) -> QuestionnaireResponseRecord:
    instrument, version = _parse_canonical(entry, r.questionnaire, "questionnaire")
    answers = tuple(
        _item_answer(entry, f"item[{i}]", item) for i, item in enumerate(r.item or [])
    )
    return entry.build(
        lambda: QuestionnaireResponseRecord(
            id=uuid.UUID(key),
            patient_id=entry.ref(r.subject, "Patient", "subject"),
            instrument_id=instrument,
            instrument_version=version,
            status=entry.unmap(r.status, codes.RESPONSE_STATUS, "status"),
            authored=entry.require(
                _as_datetime(entry, r.authored, "authored"), "authored"
            ),
            answers=answers,
            course_id=entry.single_ref(r.basedOn, "CarePlan", "basedOn"),
            procedure_id=entry.single_ref(r.partOf, "Procedure", "partOf"),
        )
    )


def _adverse_event(entry: _Entry, r: AdverseEvent, key: str) -> AdverseEventRecord:
    event = entry.require(r.event, "event")
    severity: Severity | None = None
    if (
        s := entry.optional_code(r.severity, codes.AE_SEVERITY, "severity")
    ) is not None:
        severity = entry.literal(s, Severity, "severity")
    outcome: AdverseOutcome | None = None
    if (o := entry.optional_code(r.outcome, codes.AE_OUTCOME, "outcome")) is not None:
        outcome = entry.literal(o, AdverseOutcome, "outcome")
    seriousness: Seriousness = entry.literal(
        entry.code(r.seriousness, codes.AE_SERIOUSNESS, "seriousness"),
        Seriousness,
        "seriousness",
    )
    procedures = [
        entry.ref(s.instance, "Procedure", f"suspectEntity[{i}].instance")
        for i, s in enumerate(r.suspectEntity or [])
    ]
    if len(procedures) > 1:
        entry.fail("suspectEntity", "expected at most one suspect procedure")
    return entry.build(
        lambda: AdverseEventRecord(
            id=uuid.UUID(key),
            patient_id=entry.ref(r.subject, "Patient", "subject"),
            code=entry.code(event, codes.CS_ADVERSE_EVENT, "event"),
            label=event.text,
            occurred_at=entry.require(_as_datetime(entry, r.date, "date"), "date"),
            recorded_at=_as_datetime(entry, r.recordedDate, "recordedDate"),
            seriousness=seriousness,
            severity=severity,
            outcome=outcome,
            procedure_id=procedures[0] if procedures else None,
            recorder_id=entry.optional_ref(r.recorder, "Practitioner", "recorder"),
        )
    )


def _questionnaire_item(
    entry: _Entry, where: str, item: QuestionnaireItem
) -> QuestionnaireItemRecord:
    answer_type: AnswerType = entry.literal(item.type, AnswerType, f"{where}.type")
    options = tuple(
        entry.require(option.valueInteger, f"{where}.answerOption[{j}].valueInteger")
        for j, option in enumerate(item.answerOption or [])
    )
    return entry.build(
        lambda: QuestionnaireItemRecord(
            item_id=item.linkId,
            label=entry.require(item.text, f"{where}.text"),
            answer_type=answer_type,
            options=options,
            required=bool(item.required),
        )
    )


def _questionnaire(entry: _Entry, r: Questionnaire) -> QuestionnaireDefinitionRecord:
    instrument, _ = _parse_canonical(entry, r.url, "url")
    items = tuple(
        _questionnaire_item(entry, f"item[{i}]", item)
        for i, item in enumerate(r.item or [])
    )
    return entry.build(
        lambda: QuestionnaireDefinitionRecord(
            instrument_id=instrument,
            title=entry.require(r.title, "title"),
            version=r.version,
            items=items,
        )
    )


# --- the bundle ---------------------------------------------------------------------------------
def _load(bundle_json: str | bytes | Mapping[str, object]) -> Mapping[str, object]:
    if isinstance(bundle_json, str | bytes):
        try:
            loaded = json.loads(bundle_json)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInputError(
                f"bundle: not valid JSON: {exc}", field="bundle"
            ) from exc
    else:
        loaded = bundle_json
    if not isinstance(loaded, Mapping):
        raise InvalidInputError("bundle: expected a JSON object", field="bundle")
    if loaded.get("resourceType") != "Bundle":
        raise InvalidInputError(
            f"bundle: resourceType is {loaded.get('resourceType')!r}, expected 'Bundle'",
            field="resourceType",
        )
    if loaded.get("type") not in ACCEPTED_BUNDLE_TYPES:
        raise InvalidInputError(
            f"bundle: type is {loaded.get('type')!r}, expected one of {', '.join(ACCEPTED_BUNDLE_TYPES)}",
            field="type",
        )
    try:
        Bundle.model_validate({k: v for k, v in loaded.items() if k != "entry"})
    except ValidationError as exc:
        raise InvalidInputError(f"bundle: {_describe(exc)}", field="bundle") from exc
    return loaded


def bundle_to_records(
    bundle_json: str | bytes | Mapping[str, object],
) -> PatientBundleRecord:
    """Read a Bundle written by `bundle.patient_bundle` back into records (raises InvalidInputError)."""
    bundle = _load(bundle_json)
    raw_entries = bundle.get("entry", [])
    if not isinstance(raw_entries, list):
        raise InvalidInputError("bundle: entry must be a list", field="entry")
    resolver = _Resolver()
    parsed: list[tuple[_Entry, DomainResource, str]] = []
    for index, raw in enumerate(raw_entries):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("resource"), Mapping):
            raise InvalidInputError(
                f"entry[{index}]: needs a resource object",
                field=f"entry[{index}].resource",
            )
        resource_json = raw["resource"]
        rtype = resource_json.get("resourceType")
        if not isinstance(rtype, str) or rtype not in MODELS:
            raise InvalidInputError(
                f"entry[{index}]: resource type {rtype!r} is not one Prolo imports "
                f"({', '.join(MODELS)})",
                field=f"entry[{index}].resource.resourceType",
            )
        entry = _Entry(index, rtype, resolver)
        try:
            resource = MODELS[rtype].model_validate(resource_json)
        except ValidationError as exc:
            entry.fail("resource", _describe(exc))
        full_url = raw.get("fullUrl")
        if full_url is not None and not isinstance(full_url, str):
            entry.fail("fullUrl", "must be a string")
        if isinstance(resource, Questionnaire):
            key, _ = _parse_canonical(entry, resource.url, "url")
        else:
            key = _record_id(entry, resource, getattr(resource, "identifier", None))
        resolver.add(entry, full_url, resource, key)
        parsed.append((entry, resource, key))

    found: dict[str, list[object]] = {t: [] for t in MODELS}
    for entry, resource, key in parsed:
        found[entry.resource_type].append(_read(entry, resource, key))
    patients = found["Patient"]
    if len(patients) != 1:
        raise InvalidInputError(
            f"bundle: expected exactly one Patient, found {len(patients)}",
            field="entry",
        )

    def of(rtype: str, cls: type[T]) -> tuple[T, ...]:
        return tuple(r for r in found[rtype] if isinstance(r, cls))

    patient = patients[0]
    if not isinstance(
        patient, PatientRecord
    ):  # pragma: no cover - _read maps a Patient to a PatientRecord
        raise TypeError("Patient entry did not map to a PatientRecord")
    record = PatientBundleRecord(
        patient=patient,
        organizations=of("Organization", OrganizationRecord),
        practitioners=of("Practitioner", PractitionerRecord),
        locations=of("Location", LocationRecord),
        conditions=of("Condition", ConditionRecord),
        courses=of("CarePlan", CourseRecord),
        appointments=of("Appointment", AppointmentRecord),
        procedures=of("Procedure", ProcedureRecord),
        questionnaire_responses=of(
            "QuestionnaireResponse", QuestionnaireResponseRecord
        ),
        observations=of("Observation", ObservationRecord),
        adverse_events=of("AdverseEvent", AdverseEventRecord),
        questionnaires=of("Questionnaire", QuestionnaireDefinitionRecord),
    )
    check_references(record)
    return record


def _read(entry: _Entry, resource: DomainResource, key: str) -> object:
    if isinstance(resource, Patient):
        return _patient(entry, resource, key)
    if isinstance(resource, Organization):
        return _organization(entry, resource, key)
    if isinstance(resource, Practitioner):
        return _practitioner(entry, resource, key)
    if isinstance(resource, Location):
        return _location(entry, resource, key)
    if isinstance(resource, Condition):
        return _condition(entry, resource, key)
    if isinstance(resource, CarePlan):
        return _careplan(entry, resource, key)
    if isinstance(resource, Appointment):
        return _appointment(entry, resource, key)
    if isinstance(resource, Procedure):
        return _procedure(entry, resource, key)
    if isinstance(resource, QuestionnaireResponse):
        return _questionnaire_response(entry, resource, key)
    if isinstance(resource, Observation):
        return _observation(entry, resource, key)
    if isinstance(resource, AdverseEvent):
        return _adverse_event(entry, resource, key)
    if isinstance(resource, Questionnaire):
        return _questionnaire(entry, resource)
    entry.fail("resource", "unsupported resource type")
