"""The CapabilityStatement of Prolo's read-only FHIR facade, and OperationOutcome for its errors.

`FACADE` is the contract the `/fhir` routes implement (issue 7): `GET /fhir/metadata`, read of each type,
`GET /fhir/Patient?identifier=...`, `GET /fhir/<Type>?patient=<id>` for the patient's clinical types and
`GET /fhir/Patient/<id>/$everything`; JSON only (`application/fhir+json`); no writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from fhir.resources.R4B.capabilitystatement import (
    CapabilityStatement,
    CapabilityStatementImplementation,
    CapabilityStatementRest,
    CapabilityStatementRestResource,
    CapabilityStatementRestResourceInteraction,
    CapabilityStatementRestResourceOperation,
    CapabilityStatementRestResourceSearchParam,
    CapabilityStatementRestSecurity,
    CapabilityStatementSoftware,
)
from fhir.resources.R4B.operationoutcome import OperationOutcome, OperationOutcomeIssue

from prolo.domain.clock import require_aware
from prolo.interop.fhir import codes

FHIR_VERSION: Final = "4.0.1"
MEDIA_TYPE: Final = "application/fhir+json"

Interaction = Literal["read", "search-type"]
SearchType = Literal["token", "reference"]
IssueType = Literal[
    "invalid",
    "structure",
    "required",
    "value",
    "security",
    "login",
    "forbidden",
    "not-found",
    "not-supported",
    "processing",
    "exception",
]


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: SearchType
    documentation: str


@dataclass(frozen=True)
class ResourceCapability:
    """What the facade does with one resource type."""

    type: str
    interactions: tuple[Interaction, ...]
    search_params: tuple[SearchParam, ...] = ()
    everything: bool = False


BY_PATIENT: Final = SearchParam(
    "patient", "reference", "The patient's id: every resource of this type about them."
)
BY_IDENTIFIER: Final = SearchParam(
    "identifier",
    "token",
    f"system|value, e.g. {codes.ID_PATIENT}|<id> or {codes.ID_PATIENT_MRN}|<MRN>.",
)

# Types whose resources belong to one patient and can be searched with ?patient=.
PATIENT_COMPARTMENT: Final = (
    "Condition",
    "CarePlan",
    "Appointment",
    "Procedure",
    "QuestionnaireResponse",
    "Observation",
    "AdverseEvent",
)
FACADE: Final[tuple[ResourceCapability, ...]] = (
    ResourceCapability(
        "Patient", ("read", "search-type"), (BY_IDENTIFIER,), everything=True
    ),
    *(
        ResourceCapability(t, ("read", "search-type"), (BY_PATIENT,))
        for t in PATIENT_COMPARTMENT
    ),
    ResourceCapability("Practitioner", ("read",)),
    ResourceCapability("Location", ("read",)),
    ResourceCapability("Organization", ("read",)),
    ResourceCapability("Questionnaire", ("read",)),
)


def _resource(capability: ResourceCapability) -> CapabilityStatementRestResource:
    operations = None
    if capability.everything:
        operations = [
            CapabilityStatementRestResourceOperation(
                name="everything", definition=codes.PATIENT_EVERYTHING
            )
        ]
    return CapabilityStatementRestResource(
        type=capability.type,
        interaction=[
            CapabilityStatementRestResourceInteraction(code=i)
            for i in capability.interactions
        ],
        searchParam=[
            CapabilityStatementRestResourceSearchParam(
                name=p.name, type=p.type, documentation=p.documentation
            )
            for p in capability.search_params
        ]
        or None,
        operation=operations,
    )


def capability_statement(
    *,
    base_url: str,
    software_version: str,
    date: datetime,
    resources: Sequence[ResourceCapability] = FACADE,
) -> CapabilityStatement:
    """The server's CapabilityStatement (`GET /fhir/metadata`). `date` is when this build was published."""
    return CapabilityStatement(
        status="active",
        date=require_aware(date, "date"),
        publisher="Prolo",
        kind="instance",
        software=CapabilityStatementSoftware(name="Prolo", version=software_version),
        implementation=CapabilityStatementImplementation(
            description="Prolo read-only FHIR R4 facade", url=base_url.rstrip("/")
        ),
        fhirVersion=FHIR_VERSION,
        format=[MEDIA_TYPE, "json"],
        rest=[
            CapabilityStatementRest(
                mode="server",
                documentation="Read-only. Every request needs an API token: Authorization: Bearer <token>.",
                security=CapabilityStatementRestSecurity(
                    description="API tokens issued by the clinic; requests without one get 401."
                ),
                resource=[_resource(r) for r in resources],
            )
        ],
    )


def operation_outcome(
    code: IssueType, diagnostics: str, *, severity: Literal["error", "fatal"] = "error"
) -> OperationOutcome:
    """An OperationOutcome with one issue, for error responses of the facade."""
    return OperationOutcome(
        issue=[
            OperationOutcomeIssue(severity=severity, code=code, diagnostics=diagnostics)
        ]
    )
