"""Parse FHIR JSON with fhirclient's R4 (4.0.1) models, strictly: the proof an export is R4."""

from __future__ import annotations

import importlib
from typing import Any


def r4_model(resource_type: str) -> Any:
    module = importlib.import_module(f"fhirclient.models.{resource_type.lower()}")
    return getattr(module, resource_type)


def parse_r4(resource: dict[str, Any]) -> Any:
    """Construct the fhirclient R4 model with strict=True (raises FHIRValidationError on any non-R4 element)."""
    return r4_model(resource["resourceType"])(resource, strict=True)


def parse_r4b(resource: dict[str, Any]) -> Any:
    """Validate with fhir.resources' R4B model (the library that built it)."""
    module = importlib.import_module(
        f"fhir.resources.R4B.{resource['resourceType'].lower()}"
    )
    return getattr(module, resource["resourceType"]).model_validate(resource)


def as_json(resource: Any) -> dict[str, Any]:
    """A fhir.resources model as a JSON dict (what `resource_json` returns), typed for indexing in tests."""
    from prolo.interop.fhir import resource_json

    return dict(resource_json(resource))


def bundle_json(record: Any) -> dict[str, Any]:
    """`patient_bundle_json` typed for indexing in tests."""
    from prolo.interop.fhir import patient_bundle_json

    return dict(patient_bundle_json(record))
