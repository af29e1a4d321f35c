"""Code systems, canonical URLs, extension URLs and the code maps of the FHIR mapping.

External systems are the ones FHIR R4 names (source ids in `prolo/domain/data/sources*.yaml`).
Prolo's own concepts live under the canonical base `https://prolo.dev/fhir`:
`CodeSystem/<name>` for codes, `StructureDefinition/<name>` for extensions, `NamingSystem/<name>` for
identifiers and `Questionnaire/<instrument id>` for questionnaires. docs/interop.md lists every one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, TypeVar

from prolo.interop.records import (
    AppointmentStatus,
    CourseStatus,
    ObservationStatus,
    PlannedSessionStatus,
    ProcedureStatus,
    ResponseStatus,
)

# --- external code systems -------------------------------------------------------------------
ICD10_CM: Final = "http://hl7.org/fhir/sid/icd-10-cm"  # clinical-reference 5.2, V [S51]
SNOMED_CT: Final = "http://snomed.info/sct"  # clinical-reference 5.2, V [S51]
LOINC: Final = "http://loinc.org"  # [S52][S53]
HCPCS: Final = (
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"  # [IOP-HCPCS-SYSTEM]
)
UCUM: Final = "http://unitsofmeasure.org"  # [IOP-FHIR-R4]
BCP47: Final = "urn:ietf:bcp:47"  # [IOP-FHIR-R4]
OBSERVATION_CATEGORY: Final = (
    "http://terminology.hl7.org/CodeSystem/observation-category"  # [IOP-FHIR-R4]
)
CONDITION_CLINICAL: Final = (
    "http://terminology.hl7.org/CodeSystem/condition-clinical"  # [IOP-FHIR-R4]
)
CONDITION_VERIFICATION: Final = (
    "http://terminology.hl7.org/CodeSystem/condition-ver-status"  # [IOP-FHIR-R4]
)
IDENTIFIER_TYPE: Final = (
    "http://terminology.hl7.org/CodeSystem/v2-0203"  # [IOP-FHIR-R4]
)
AE_SERIOUSNESS: Final = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"  # [IOP-FHIR-AE-CODES]
AE_SEVERITY: Final = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"  # [IOP-FHIR-AE-CODES]
AE_OUTCOME: Final = (
    "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"  # [IOP-FHIR-AE-CODES]
)
PATIENT_EVERYTHING: Final = (
    "http://hl7.org/fhir/OperationDefinition/Patient-everything"  # [IOP-FHIR-R4]
)

# HCPCS Level II M0076 = prolotherapy (non-covered by Medicare) [S54]. Never converted to CPT.
PROLOTHERAPY_HCPCS: Final = "M0076"
PROLOTHERAPY_DISPLAY: Final = "Prolotherapy"

# --- Prolo canonical URLs --------------------------------------------------------------------
BASE: Final = "https://prolo.dev/fhir"


def code_system(name: str) -> str:
    """Canonical URL of a Prolo code system."""
    return f"{BASE}/CodeSystem/{name}"


def extension_url(name: str) -> str:
    """Canonical URL of a Prolo extension."""
    return f"{BASE}/StructureDefinition/{name}"


def naming_system(name: str) -> str:
    """Identifier system of a Prolo-owned identifier."""
    return f"{BASE}/NamingSystem/{name}"


QUESTIONNAIRE_BASE: Final = f"{BASE}/Questionnaire/"
PROTOCOL_BASE: Final = f"{BASE}/PlanDefinition/"

CS_CONDITION: Final = code_system("condition")  # catalog condition ids
CS_BODY_REGION: Final = code_system("body-region")  # catalog region ids
CS_INJECTION_SITE: Final = code_system("injection-site")  # catalog injection-site ids
CS_INJECTATE: Final = code_system("injectate")  # protocol solution ids (dextrose, ...)
CS_ANAESTHETIC: Final = code_system(
    "anaesthetic"
)  # protocol anaesthetic ids (lidocaine, ...)
CS_INSTRUMENT_SCORE: Final = code_system(
    "instrument-score"
)  # "<instrument>" or "<instrument>.<subscale>"
CS_LOCATION_KIND: Final = code_system(
    "location-kind"
)  # clinic | procedure_room | recovery_place
CS_APPOINTMENT_ROLE: Final = code_system(
    "appointment-role"
)  # patient | clinician | procedure-room | recovery-place
CS_ADVERSE_EVENT: Final = code_system("adverse-event")  # Prolo adverse-event codes

EXT_LATERALITY: Final = extension_url(
    "laterality"
)  # valueCode left | right | bilateral, on a body-site concept
EXT_SESSION_NUMBER: Final = extension_url("session-number")  # valuePositiveInt
EXT_INJECTION: Final = extension_url(
    "injection"
)  # complex, on Procedure; sub-extensions below
EXT_PROCEDURE_APPOINTMENT: Final = extension_url(
    "procedure-appointment"
)  # valueReference(Appointment)

INJECTION_SITE: Final = (
    "site"  # valueCodeableConcept (body-site concept, laterality inside)
)
INJECTION_SOLUTION: Final = "solution"  # valueCodeableConcept (CS_INJECTATE)
INJECTION_CONCENTRATION: Final = "concentration"  # valueQuantity, UCUM "%"
INJECTION_VOLUME: Final = "volume"  # valueQuantity, UCUM "mL"
INJECTION_ANAESTHETIC: Final = "anaesthetic"  # valueCodeableConcept (CS_ANAESTHETIC)
INJECTION_ANAESTHETIC_CONCENTRATION: Final = (
    "anaestheticConcentration"  # valueQuantity, UCUM "%"
)
INJECTION_GUIDANCE: Final = "guidance"  # valueCode landmark | ultrasound | fluoroscopy
INJECTION_LOT: Final = "lotNumber"  # valueString

ID_PATIENT: Final = naming_system("patient")
ID_PATIENT_MRN: Final = naming_system("patient-mrn")
ID_PRACTITIONER: Final = naming_system("practitioner")
ID_ORGANIZATION: Final = naming_system("organization")
ID_LOCATION: Final = naming_system("location")
ID_CONDITION: Final = naming_system("condition")
ID_COURSE: Final = naming_system("course")
ID_APPOINTMENT: Final = naming_system("appointment")
ID_PROCEDURE: Final = naming_system("procedure")
ID_OBSERVATION: Final = naming_system("observation")
ID_QUESTIONNAIRE_RESPONSE: Final = naming_system("questionnaire-response")
ID_ADVERSE_EVENT: Final = naming_system("adverse-event")
ID_INSTRUMENT: Final = naming_system("instrument")

# Namespace of the deterministic bundle fullUrls (urn:uuid:uuid5(NAMESPACE, "<Type>/<key>")).
FULL_URL_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, BASE)


def full_url(resource_type: str, key: str) -> str:
    """The bundle fullUrl of the resource `resource_type` with Prolo key `key` (stable across exports)."""
    return f"urn:uuid:{uuid.uuid5(FULL_URL_NAMESPACE, f'{resource_type}/{key}')}"


def questionnaire_url(instrument_id: str) -> str:
    """Canonical URL of the Questionnaire for an instrument."""
    return f"{QUESTIONNAIRE_BASE}{instrument_id}"


def questionnaire_resource_id(instrument_id: str) -> str:
    """The Questionnaire's resource id: the instrument id when it is a valid FHIR id
    ([A-Za-z0-9-.]{1,64}), else a UUIDv5 of it (so distinct instruments never share an id)."""
    if _FHIR_ID.fullmatch(instrument_id):
        return instrument_id
    return str(uuid.uuid5(FULL_URL_NAMESPACE, f"Questionnaire/{instrument_id}"))


_FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")


# --- LOINC ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoincCode:
    """A LOINC code with its display and the source that confirms it."""

    code: str
    display: str
    source: str


# Score observations (Observation.code). Only codes the clinical reference marks verified, or that a
# cited source confirms; every other instrument uses CS_INSTRUMENT_SCORE alone (clinical-reference 5.3:
# "no LOINC code found; do not guess").
SCORE_LOINC: Final[Mapping[str, LoincCode]] = MappingProxyType(
    {
        "nrs": LoincCode(
            "72514-3",
            "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
            "S52",
        ),
        "ndi": LoincCode("82237-9", "Total score [NDI]", "S53"),
        "odi": LoincCode(
            "97909-6", "Oswestry disability index score ODI", "IOP-LOINC-ODI"
        ),
    }
)

# Questionnaire panels (Questionnaire.code): the instrument as a whole.
PANEL_LOINC: Final[Mapping[str, LoincCode]] = MappingProxyType(
    {
        "ndi": LoincCode("82226-2", "Neck Disability Index [NDI]", "S53"),
        "odi": LoincCode("97908-8", "Oswestry Disability Index", "IOP-LOINC-ODI"),
    }
)

# --- code maps (Prolo value -> FHIR R4 code) --------------------------------------------------
K = TypeVar("K", bound=str)


def invert(mapping: Mapping[K, str]) -> Mapping[str, K]:
    """The inverse of a one-to-one code map."""
    inverse = {v: k for k, v in mapping.items()}
    if len(inverse) != len(mapping):
        raise ValueError("code map is not one-to-one")
    return MappingProxyType(inverse)


# R4 AppointmentStatus, all seven codes used here are V [S57]. checked_in maps to `arrived`
# ("patient has arrived and is waiting"), a V code, rather than `checked-in` (R in the reference).
APPOINTMENT_STATUS: Final[Mapping[AppointmentStatus, str]] = MappingProxyType(
    {
        "booked": "booked",
        "checked_in": "arrived",
        "done": "fulfilled",
        "cancelled": "cancelled",
        "no_show": "noshow",
    }
)
# R4 CarePlan.status [IOP-FHIR-R4].
COURSE_STATUS: Final[Mapping[CourseStatus, str]] = MappingProxyType(
    {
        "planned": "draft",
        "active": "active",
        "completed": "completed",
        "stopped": "revoked",
    }
)
# R4 CarePlan.activity.detail.status [IOP-FHIR-R4].
SESSION_STATUS: Final[Mapping[PlannedSessionStatus, str]] = MappingProxyType(
    {
        "planned": "not-started",
        "booked": "scheduled",
        "done": "completed",
        "cancelled": "cancelled",
    }
)
# R4 Procedure.status [IOP-FHIR-R4].
PROCEDURE_STATUS: Final[Mapping[ProcedureStatus, str]] = MappingProxyType(
    {"in_progress": "in-progress", "completed": "completed", "stopped": "stopped"}
)
# R4 QuestionnaireResponse.status [IOP-FHIR-R4].
RESPONSE_STATUS: Final[Mapping[ResponseStatus, str]] = MappingProxyType(
    {"in_progress": "in-progress", "completed": "completed", "amended": "amended"}
)
# R4 Observation.status [IOP-FHIR-R4] (same spelling).
OBSERVATION_STATUS: Final[Mapping[ObservationStatus, str]] = MappingProxyType(
    {"preliminary": "preliminary", "final": "final", "amended": "amended"}
)
# Appointment participant roles (Prolo codes).
ROLE_PATIENT: Final = "patient"
ROLE_CLINICIAN: Final = "clinician"
ROLE_ROOM: Final = "procedure-room"
ROLE_RECOVERY: Final = "recovery-place"

# Every source id named above; a test checks each is in the registry.
SOURCE_IDS: Final = (
    "S51",
    "S52",
    "S53",
    "S54",
    "S57",
    "IOP-FHIR-R4",
    "IOP-HCPCS-SYSTEM",
    "IOP-FHIR-AE-CODES",
)
