"""Everything about one patient as a FHIR `collection` Bundle, and searchset Bundles for the REST facade.

Entry order is fixed (Patient, Organization, Practitioner, Location, Condition, CarePlan, Appointment,
Procedure, QuestionnaireResponse, Observation, AdverseEvent, Questionnaire) and, within a type, the order
of the records. fullUrls are `urn:uuid:` UUIDv5 of "<Type>/<Prolo id>" (`codes.full_url`), so exporting the
same records twice gives byte-identical bundles, and references inside the bundle use those fullUrls.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from fhir.resources.R4B.bundle import Bundle, BundleEntry, BundleEntrySearch
from fhir.resources.R4B.domainresource import DomainResource
from fhir.resources.R4B.resource import Resource

from prolo.domain.clock import require_aware
from prolo.interop.fhir import codes
from prolo.interop.fhir.questionnaire import questionnaire_to_fhir
from prolo.interop.fhir.to_fhir import (
    RefStyle,
    adverse_event_to_fhir,
    appointment_to_fhir,
    careplan_to_fhir,
    condition_to_fhir,
    location_to_fhir,
    observation_to_fhir,
    organization_to_fhir,
    patient_to_fhir,
    practitioner_to_fhir,
    procedure_to_fhir,
    questionnaire_response_to_fhir,
)
from prolo.interop.records import PatientBundleRecord, check_references

JsonObject = dict[str, object]


def patient_resources(
    record: PatientBundleRecord, ref_style: RefStyle = "relative"
) -> list[DomainResource]:
    """Every resource about the patient, in bundle order (also the answer to `Patient/$everything`)."""
    check_references(record)
    resources: list[DomainResource] = [patient_to_fhir(record.patient, ref_style)]
    resources += [organization_to_fhir(o) for o in record.organizations]
    resources += [practitioner_to_fhir(p) for p in record.practitioners]
    resources += [location_to_fhir(loc, ref_style) for loc in record.locations]
    resources += [condition_to_fhir(c, ref_style) for c in record.conditions]
    resources += [careplan_to_fhir(c, ref_style) for c in record.courses]
    resources += [appointment_to_fhir(a, ref_style) for a in record.appointments]
    resources += [procedure_to_fhir(p, ref_style) for p in record.procedures]
    resources += [
        questionnaire_response_to_fhir(q, ref_style)
        for q in record.questionnaire_responses
    ]
    resources += [observation_to_fhir(o, ref_style) for o in record.observations]
    resources += [adverse_event_to_fhir(a, ref_style) for a in record.adverse_events]
    resources += [questionnaire_to_fhir(q) for q in record.questionnaires]
    return resources


def resource_key(resource: Resource) -> str:
    """The Prolo key a fullUrl is derived from: the resource id (the instrument id for a Questionnaire)."""
    url = getattr(resource, "url", None)
    if resource.get_resource_type() == "Questionnaire" and isinstance(url, str):
        return url.removeprefix(codes.QUESTIONNAIRE_BASE)
    if resource.id is None:
        raise ValueError(f"{resource.get_resource_type()} has no id")
    return str(resource.id)


def patient_bundle(
    record: PatientBundleRecord, *, timestamp: datetime | None = None
) -> Bundle:
    """The `collection` Bundle of everything about one patient (raises InvalidInputError on dangling ids)."""
    entries = [
        BundleEntry(
            fullUrl=codes.full_url(r.get_resource_type(), resource_key(r)), resource=r
        )
        for r in patient_resources(record, ref_style="urn")
    ]
    return Bundle(
        type="collection",
        timestamp=require_aware(timestamp, "timestamp")
        if timestamp is not None
        else None,
        entry=entries,
    )


def searchset_bundle(
    resources: Sequence[Resource],
    *,
    base_url: str,
    mode: Literal["match", "include"] = "match",
) -> Bundle:
    """A `searchset` Bundle for the REST facade; fullUrls are `<base_url>/<Type>/<id>`."""
    base = base_url.rstrip("/")
    return Bundle(
        type="searchset",
        total=len(resources),
        entry=[
            BundleEntry(
                fullUrl=f"{base}/{r.get_resource_type()}/{r.id}",
                resource=r,
                search=BundleEntrySearch(mode=mode),
            )
            for r in resources
        ]
        or None,
    )


def resource_json(resource: Resource) -> JsonObject:
    """A resource (or Bundle) as a JSON-ready dict, without empty elements."""
    dumped: JsonObject = resource.model_dump(mode="json")
    return dumped


def patient_bundle_json(
    record: PatientBundleRecord, *, timestamp: datetime | None = None
) -> JsonObject:
    """`patient_bundle` as a JSON-ready dict (what `prolo fhir export --patient` prints)."""
    return resource_json(patient_bundle(record, timestamp=timestamp))
