"""Import: malformed bundles are refused with an InvalidInputError naming the entry and element."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from interop.examples import APPT1, FULL, PATIENT
from interop.r4 import bundle_json
from prolo.domain.errors import InvalidInputError
from prolo.interop.fhir import bundle_to_records, codes

Bundle = dict[str, Any]


def exported() -> Bundle:
    return copy.deepcopy(bundle_json(FULL))


def index_of(bundle: Bundle, resource_type: str, nth: int = 0) -> int:
    found = [
        i
        for i, e in enumerate(bundle["entry"])
        if e["resource"]["resourceType"] == resource_type
    ]
    return found[nth]


def resource(bundle: Bundle, resource_type: str, nth: int = 0) -> dict[str, Any]:
    resource_json: dict[str, Any] = bundle["entry"][
        index_of(bundle, resource_type, nth)
    ]["resource"]
    return resource_json


def refuse(bundle: Bundle | str, pattern: str) -> InvalidInputError:
    with pytest.raises(InvalidInputError, match=pattern) as caught:
        bundle_to_records(bundle if isinstance(bundle, str) else json.dumps(bundle))
    return caught.value


class TestAccepts:
    def test_a_dict_a_str_and_bytes(self) -> None:
        bundle = exported()
        assert bundle_to_records(bundle) == FULL
        assert bundle_to_records(json.dumps(bundle)) == FULL
        assert bundle_to_records(json.dumps(bundle).encode()) == FULL

    def test_resources_without_prolo_identifier_fall_back_to_their_uuid_id(
        self,
    ) -> None:
        bundle = exported()
        del resource(bundle, "Patient")["identifier"][0]
        assert bundle_to_records(bundle) == FULL


class TestRefusesTheEnvelope:
    def test_not_json(self) -> None:
        error = refuse("{not json", "not valid JSON")
        assert error.field == "bundle"

    def test_not_a_bundle(self) -> None:
        refuse(json.dumps({"resourceType": "Patient"}), "resourceType is 'Patient'")

    def test_transaction_bundles(self) -> None:
        bundle = exported()
        bundle["type"] = "transaction"
        error = refuse(bundle, "type is 'transaction'")
        assert error.field == "type"

    def test_no_patient(self) -> None:
        bundle = exported()
        del bundle["entry"][index_of(bundle, "Patient")]
        refuse(bundle, "does not resolve|exactly one Patient")

    def test_two_patients(self) -> None:
        bundle = exported()
        other = copy.deepcopy(bundle["entry"][0])
        other["fullUrl"] = codes.full_url("Patient", "other")
        other["resource"]["id"] = "00000000-0000-4000-8000-0000000000ff"
        other["resource"]["identifier"] = [
            {"system": codes.ID_PATIENT, "value": other["resource"]["id"]}
        ]
        bundle["entry"].append(other)
        refuse(bundle, "exactly one Patient, found 2")

    def test_an_entry_without_resource(self) -> None:
        bundle = exported()
        bundle["entry"].append({"fullUrl": "urn:uuid:0"})
        error = refuse(bundle, r"entry\[\d+\]: needs a resource")
        assert error.field is not None
        assert error.field.endswith(".resource")


class TestNamesTheEntry:
    def test_unsupported_resource_type(self) -> None:
        bundle = exported()
        bundle["entry"].append(
            {"resource": {"resourceType": "Encounter", "status": "finished"}}
        )
        error = refuse(
            bundle, rf"entry\[{len(bundle['entry']) - 1}\]: resource type 'Encounter'"
        )
        assert error.field == f"entry[{len(bundle['entry']) - 1}].resource.resourceType"

    def test_malformed_element(self) -> None:
        bundle = exported()
        resource(bundle, "Patient")["birthDate"] = "17/05/1970"
        error = refuse(bundle, r"entry\[0\] \(Patient\): resource: birthDate")
        assert error.field == "entry[0].resource"

    def test_element_r4_does_not_know(self) -> None:
        bundle = exported()
        resource(bundle, "Condition")["favouriteColour"] = "blue"
        i = index_of(bundle, "Condition")
        refuse(bundle, rf"entry\[{i}\] \(Condition\): resource: favouriteColour")

    def test_reference_to_a_missing_entry(self) -> None:
        bundle = exported()
        del bundle["entry"][index_of(bundle, "Practitioner")]
        i = index_of(bundle, "Appointment")
        error = refuse(
            bundle,
            rf"entry\[{i}\] \(Appointment\): participant\[1\]\.actor: .* does not resolve",
        )
        assert error.field == f"entry[{i}].participant[1].actor"

    def test_reference_to_the_wrong_type(self) -> None:
        bundle = exported()
        practitioner_url = bundle["entry"][index_of(bundle, "Practitioner")]["fullUrl"]
        resource(bundle, "Condition")["subject"] = {"reference": practitioner_url}
        i = index_of(bundle, "Condition")
        refuse(
            bundle,
            rf"entry\[{i}\] \(Condition\): subject: .* is a Practitioner, expected a Patient",
        )

    def test_unknown_status_code(self) -> None:
        bundle = exported()
        resource(bundle, "Appointment")["status"] = "waitlist"
        i = index_of(bundle, "Appointment")
        refuse(
            bundle,
            rf"entry\[{i}\] \(Appointment\): status: 'waitlist' is not one of booked, arrived",
        )

    def test_missing_clinician_participant(self) -> None:
        bundle = exported()
        appointment = resource(bundle, "Appointment")
        appointment["participant"] = [
            p
            for p in appointment["participant"]
            if p["type"][0]["coding"][0]["code"] != "clinician"
        ]
        refuse(
            bundle, r"\(Appointment\): participant: no participant with role clinician"
        )

    def test_injection_without_volume(self) -> None:
        bundle = exported()
        procedure = resource(bundle, "Procedure")
        injection = next(
            e for e in procedure["extension"] if e["url"] == codes.EXT_INJECTION
        )
        injection["extension"] = [
            p for p in injection["extension"] if p["url"] != "volume"
        ]
        i = index_of(bundle, "Procedure")
        error = refuse(
            bundle,
            rf"entry\[{i}\] \(Procedure\): extension\[0\]\.extension\(volume\): is required",
        )
        assert error.field == f"entry[{i}].extension[0].extension(volume)"

    def test_injection_volume_in_the_wrong_unit(self) -> None:
        bundle = exported()
        procedure = resource(bundle, "Procedure")
        injection = next(
            e for e in procedure["extension"] if e["url"] == codes.EXT_INJECTION
        )
        volume = next(p for p in injection["extension"] if p["url"] == "volume")
        volume["valueQuantity"]["code"] = "L"
        refuse(bundle, r"extension\(volume\): unit must be 'mL', got 'L'")

    def test_negative_volume_is_a_record_error_of_that_entry(self) -> None:
        bundle = exported()
        procedure = resource(bundle, "Procedure")
        injection = next(
            e for e in procedure["extension"] if e["url"] == codes.EXT_INJECTION
        )
        volume = next(p for p in injection["extension"] if p["url"] == "volume")
        volume["valueQuantity"]["value"] = -2
        i = index_of(bundle, "Procedure")
        refuse(bundle, rf"entry\[{i}\] \(Procedure\): \(record\): volume_ml")

    def test_unknown_injection_part(self) -> None:
        bundle = exported()
        procedure = resource(bundle, "Procedure")
        injection = next(
            e for e in procedure["extension"] if e["url"] == codes.EXT_INJECTION
        )
        injection["extension"].append({"url": "colour", "valueString": "red"})
        refuse(bundle, "unknown injection part.*colour")

    def test_laterality_outside_the_value_set(self) -> None:
        bundle = exported()
        site = resource(bundle, "Condition")["bodySite"][0]
        site["extension"][0]["valueCode"] = "middle"
        refuse(
            bundle,
            r"bodySite\[0\]\(laterality\)\.valueCode: 'middle' is not one of left, right, bilateral",
        )

    def test_observation_without_prolo_instrument_code(self) -> None:
        bundle = exported()
        obs = resource(bundle, "Observation")
        obs["code"]["coding"] = [
            c for c in obs["code"]["coding"] if c["system"] != codes.CS_INSTRUMENT_SCORE
        ]
        i = index_of(bundle, "Observation")
        refuse(
            bundle,
            rf"entry\[{i}\] \(Observation\): code: needs a coding with system {codes.CS_INSTRUMENT_SCORE}",
        )

    def test_foreign_questionnaire(self) -> None:
        bundle = exported()
        resource(bundle, "QuestionnaireResponse")["questionnaire"] = (
            "http://example.org/Questionnaire/phq9"
        )
        refuse(
            bundle,
            r"\(QuestionnaireResponse\): questionnaire: .* is not a Prolo questionnaire",
        )

    def test_answer_with_two_values_types(self) -> None:
        bundle = exported()
        qr = resource(bundle, "QuestionnaireResponse")
        qr["item"][0]["answer"] = [{"valueInteger": 1}, {"valueInteger": 2}]
        refuse(
            bundle,
            r"\(QuestionnaireResponse\): item\[0\]\.answer: needs exactly one answer",
        )

    def test_date_time_without_time_zone(self) -> None:
        bundle = exported()
        resource(bundle, "Appointment")["created"] = "2026-01-05"
        refuse(
            bundle, r"\(Appointment\): created: expected a date-time with a time zone"
        )

    def test_duplicate_full_url(self) -> None:
        bundle = exported()
        bundle["entry"][1]["fullUrl"] = bundle["entry"][0]["fullUrl"]
        refuse(
            bundle,
            r"entry\[1\] \(Organization\): fullUrl: .* is used by an earlier entry",
        )

    def test_non_uuid_id_without_identifier(self) -> None:
        bundle = exported()
        patient = resource(bundle, "Patient")
        patient["identifier"] = [
            i for i in patient["identifier"] if i["system"] != codes.ID_PATIENT
        ]
        patient["id"] = "not-a-uuid"
        refuse(bundle, r"entry\[0\] \(Patient\): id: 'not-a-uuid' is not a UUID")

    def test_appointment_of_another_patient_fails_the_reference_check(self) -> None:
        bundle = exported()
        appointment = resource(bundle, "Appointment")
        appointment["participant"][0]["actor"] = {
            "reference": f"Practitioner/{APPT1.clinician_id}"
        }
        refuse(bundle, "is a Practitioner, expected a Patient")


def test_session_outcome_must_be_one_appointment_and_one_procedure() -> None:
    bundle = exported()
    activity = resource(bundle, "CarePlan")["activity"][0]
    condition_url = bundle["entry"][index_of(bundle, "Condition")]["fullUrl"]
    activity["outcomeReference"].append({"reference": condition_url})
    refuse(
        bundle,
        r"\(CarePlan\): activity\[0\]\.outcomeReference: expected at most one Appointment",
    )


MUTATIONS: list[tuple[str, Callable[[Bundle], None]]] = [
    (
        "drop a required CarePlan activity detail",
        lambda b: resource(b, "CarePlan")["activity"][0].pop("detail"),
    ),
    ("bad course status", lambda b: resource(b, "CarePlan").update(status="on-hold")),
    ("condition text missing", lambda b: resource(b, "Condition")["code"].pop("text")),
    (
        "observation effective missing",
        lambda b: resource(b, "Observation").pop("effectiveDateTime"),
    ),
    (
        "adverse event seriousness missing",
        lambda b: resource(b, "AdverseEvent").pop("seriousness"),
    ),
    (
        "questionnaire item type unknown",
        lambda b: resource(b, "Questionnaire")["item"][0].update(type="attachment"),
    ),
    ("location kind missing", lambda b: resource(b, "Location").pop("type")),
]


@pytest.mark.parametrize(("what", "mutate"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_every_refusal_names_an_entry(
    what: str, mutate: Callable[[Bundle], None]
) -> None:
    bundle = exported()
    mutate(bundle)
    with pytest.raises(InvalidInputError) as caught:
        bundle_to_records(bundle)
    assert caught.value.field is not None, what
    assert caught.value.field.startswith("entry["), what
    assert str(caught.value).startswith("entry["), what


def test_patient_is_found_whatever_the_entry_order() -> None:
    bundle = exported()
    bundle["entry"].reverse()
    record = bundle_to_records(bundle)
    assert record.patient == PATIENT
    # records of one type keep the order of their entries
    assert record.appointments == tuple(reversed(FULL.appointments))
