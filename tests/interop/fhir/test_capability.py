"""The CapabilityStatement of the read-only facade, and OperationOutcome."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from interop.r4 import as_json, parse_r4
from prolo.domain.errors import InvalidInputError
from prolo.interop.fhir import (
    FACADE,
    capability_statement,
    operation_outcome,
)
from prolo.interop.fhir.capability import PATIENT_COMPARTMENT

WHEN = datetime(2026, 11, 24, tzinfo=UTC)


def statement() -> dict[str, Any]:
    return as_json(
        capability_statement(
            base_url="https://clinic.example/fhir/", software_version="0.1.0", date=WHEN
        )
    )


def test_is_an_r4_json_server_statement() -> None:
    cs = statement()
    parse_r4(cs)
    assert cs["fhirVersion"] == "4.0.1"
    assert cs["kind"] == "instance"
    assert "application/fhir+json" in cs["format"]
    assert cs["implementation"]["url"] == "https://clinic.example/fhir"
    assert cs["software"] == {"name": "Prolo", "version": "0.1.0"}
    assert [r["mode"] for r in cs["rest"]] == ["server"]


def test_is_read_only() -> None:
    for resource in statement()["rest"][0]["resource"]:
        assert {i["code"] for i in resource["interaction"]} <= {
            "read",
            "search-type",
        }, resource["type"]


def test_patient_search_by_identifier_and_everything() -> None:
    patient = next(
        r for r in statement()["rest"][0]["resource"] if r["type"] == "Patient"
    )
    assert [p["name"] for p in patient["searchParam"]] == ["identifier"]
    assert patient["operation"] == [
        {
            "name": "everything",
            "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
        }
    ]


def test_clinical_types_are_searchable_by_patient() -> None:
    by_type = {r["type"]: r for r in statement()["rest"][0]["resource"]}
    for rtype in PATIENT_COMPARTMENT:
        assert [p["name"] for p in by_type[rtype]["searchParam"]] == ["patient"], rtype
        assert {i["code"] for i in by_type[rtype]["interaction"]} == {
            "read",
            "search-type",
        }
    assert set(by_type) == {c.type for c in FACADE}
    assert {"Practitioner", "Location", "Organization", "Questionnaire"} <= set(by_type)


def test_date_must_be_aware() -> None:
    with pytest.raises(InvalidInputError, match="date"):
        capability_statement(
            base_url="x", software_version="1", date=datetime(2026, 1, 1)
        )


def test_operation_outcome_is_r4() -> None:
    outcome = as_json(operation_outcome("not-found", "Patient/123 is not known"))
    parse_r4(outcome)
    assert outcome["issue"] == [
        {
            "severity": "error",
            "code": "not-found",
            "diagnostics": "Patient/123 is not known",
        }
    ]
