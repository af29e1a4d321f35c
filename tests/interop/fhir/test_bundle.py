"""The patient Bundle: R4-valid, deterministic, self-contained, and reversible by the import."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fhir.resources.R4B.extension import Extension
from fhirclient.models.fhirabstractbase import FHIRValidationError
from hypothesis import HealthCheck, given, settings

from interop.examples import FULL
from interop.r4 import as_json, bundle_json, parse_r4, parse_r4b
from interop.strategies import patient_bundles
from prolo.domain.errors import InvalidInputError
from prolo.interop.fhir import (
    bundle_to_records,
    codes,
    patient_bundle,
    patient_resources,
    searchset_bundle,
)
from prolo.interop.records import PatientBundleRecord

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _references(value: object) -> list[str]:
    """Every Reference.reference anywhere in a JSON value."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                found.append(item)
            else:
                found += _references(item)
    elif isinstance(value, list):
        for item in value:
            found += _references(item)
    return found


class TestR4Compatibility:
    def test_every_resource_of_the_full_example_parses_with_fhirclient_r4(self) -> None:
        bundle = bundle_json(FULL)
        parse_r4(bundle)
        types = []
        for entry in bundle["entry"]:
            parse_r4(entry["resource"])
            parse_r4b(entry["resource"])
            types.append(entry["resource"]["resourceType"])
        assert set(types) == {
            "Patient",
            "Organization",
            "Practitioner",
            "Location",
            "Condition",
            "CarePlan",
            "Appointment",
            "Procedure",
            "QuestionnaireResponse",
            "Observation",
            "AdverseEvent",
            "Questionnaire",
        }

    def test_the_r4_check_rejects_an_element_only_r4b_has(self) -> None:
        # Extension.valueRatioRange exists in R4B, not in R4: fhir.resources builds it, fhirclient refuses it.
        r4b_only = Extension.model_validate(
            {
                "url": "https://example.org/x",
                "valueRatioRange": {"denominator": {"value": 1}},
            }
        ).model_dump(mode="json")
        patient = {"resourceType": "Patient", "id": "p", "extension": [r4b_only]}
        parse_r4b(patient)
        with pytest.raises(FHIRValidationError):
            parse_r4(patient)

    @PROPERTY
    @given(record=patient_bundles())
    def test_every_exported_resource_parses_with_fhirclient_r4(
        self, record: PatientBundleRecord
    ) -> None:
        bundle = bundle_json(record)
        parse_r4(bundle)
        for entry in bundle["entry"]:
            parse_r4(entry["resource"])
            parse_r4b(entry["resource"])


class TestRoundTrip:
    def test_full_example_comes_back_unchanged(self) -> None:
        assert bundle_to_records(json.dumps(bundle_json(FULL))) == FULL

    def test_export_import_export_gives_the_same_resources(self) -> None:
        first = bundle_json(FULL)
        second = bundle_json(bundle_to_records(json.dumps(first)))
        assert second == first

    @PROPERTY
    @given(record=patient_bundles())
    def test_records_survive_export_and_import(
        self, record: PatientBundleRecord
    ) -> None:
        exported = bundle_json(record)
        imported = bundle_to_records(json.dumps(exported))
        assert imported == record
        assert bundle_json(imported) == exported


class TestBundleShape:
    def test_is_a_collection_with_one_patient_first(self) -> None:
        bundle = bundle_json(FULL)
        assert bundle["type"] == "collection"
        assert bundle["entry"][0]["resource"]["resourceType"] == "Patient"
        assert [e["resource"]["resourceType"] for e in bundle["entry"]].count(
            "Patient"
        ) == 1

    def test_exporting_twice_gives_identical_json(self) -> None:
        assert json.dumps(bundle_json(FULL)) == json.dumps(bundle_json(FULL))

    def test_full_urls_are_unique_uuid_urns_derived_from_record_ids(self) -> None:
        bundle = bundle_json(FULL)
        urls = [e["fullUrl"] for e in bundle["entry"]]
        assert len(urls) == len(set(urls))
        assert all(u.startswith("urn:uuid:") for u in urls)
        patient_entry = bundle["entry"][0]
        assert patient_entry["fullUrl"] == codes.full_url(
            "Patient", str(FULL.patient.id)
        )

    @PROPERTY
    @given(record=patient_bundles())
    def test_every_reference_resolves_inside_the_bundle(
        self, record: PatientBundleRecord
    ) -> None:
        bundle = bundle_json(record)
        urls = {e["fullUrl"] for e in bundle["entry"]}
        for entry in bundle["entry"]:
            for ref in _references(entry["resource"]):
                assert ref in urls, (entry["resource"]["resourceType"], ref)

    def test_timestamp_must_be_aware(self) -> None:
        with pytest.raises(InvalidInputError, match="timestamp"):
            patient_bundle(FULL, timestamp=datetime(2026, 1, 1))
        stamped = as_json(
            patient_bundle(FULL, timestamp=datetime(2026, 1, 1, tzinfo=UTC))
        )
        assert stamped["timestamp"] == "2026-01-01T00:00:00Z"

    def test_dangling_reference_is_refused_on_export(self) -> None:
        broken = FULL.model_copy(update={"practitioners": ()})
        with pytest.raises(InvalidInputError, match="practitioner"):
            patient_bundle(broken)


class TestFacadeResources:
    def test_patient_resources_use_relative_references(self) -> None:
        resources = [as_json(r) for r in patient_resources(FULL)]
        refs = [ref for r in resources for ref in _references(r)]
        assert refs
        assert all(not ref.startswith("urn:") for ref in refs)
        ids = {(r["resourceType"], r["id"]) for r in resources}
        for ref in refs:
            rtype, rid = ref.split("/")
            assert (rtype, rid) in ids

    def test_searchset_lists_resources_with_server_urls(self) -> None:
        resources = patient_resources(FULL)[:3]
        bundle = as_json(
            searchset_bundle(resources, base_url="https://clinic.example/fhir/")
        )
        parse_r4(bundle)
        assert bundle["type"] == "searchset"
        assert bundle["total"] == 3
        assert [e["fullUrl"] for e in bundle["entry"]] == [
            f"https://clinic.example/fhir/{r.get_resource_type()}/{r.id}"
            for r in resources
        ]
        assert all(e["search"]["mode"] == "match" for e in bundle["entry"])

    def test_relative_references_import_too(self) -> None:
        # A searchset of $everything (relative references) reads back into the same records.
        resources = patient_resources(FULL)
        bundle = as_json(
            searchset_bundle(resources, base_url="https://clinic.example/fhir")
        )
        assert bundle_to_records(bundle) == FULL
