"""FHIR R4 mapping, built with fhir.resources R4B models restricted to R4 elements (docs/adr/0008).

patient_bundle(record)        PatientBundleRecord -> collection Bundle (deterministic urn:uuid fullUrls)
bundle_to_records(json)       that Bundle -> PatientBundleRecord (InvalidInputError naming the entry)
patient_resources(record)     the same resources with relative references, for the REST facade
capability_statement(...)     GET /fhir/metadata
"""

from prolo.interop.fhir.bundle import (
    JsonObject,
    patient_bundle,
    patient_bundle_json,
    patient_resources,
    resource_json,
    searchset_bundle,
)
from prolo.interop.fhir.capability import (
    FACADE,
    capability_statement,
    operation_outcome,
)
from prolo.interop.fhir.from_fhir import bundle_to_records
from prolo.interop.fhir.questionnaire import questionnaire_to_fhir

__all__ = [
    "FACADE",
    "JsonObject",
    "bundle_to_records",
    "capability_statement",
    "operation_outcome",
    "patient_bundle",
    "patient_bundle_json",
    "patient_resources",
    "questionnaire_to_fhir",
    "resource_json",
    "searchset_bundle",
]
