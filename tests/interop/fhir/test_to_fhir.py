"""Each record maps to the FHIR R4 elements and codes docs/interop.md promises."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from interop.examples import (
    APPT1,
    APPT2,
    COURSE,
    FLARE,
    KNEE,
    KOOS_OBS,
    KOOS_QR,
    NRS_OBS,
    NRS_QR,
    ODI_OBS,
    PATIENT,
    PROC1,
    RECOVERY,
    ROOM,
)
from interop.r4 import as_json, parse_r4
from prolo.interop.fhir import codes
from prolo.interop.fhir.to_fhir import (
    adverse_event_to_fhir,
    appointment_to_fhir,
    careplan_to_fhir,
    condition_to_fhir,
    location_to_fhir,
    observation_to_fhir,
    patient_to_fhir,
    procedure_to_fhir,
    questionnaire_response_to_fhir,
)
from prolo.interop.records import AppointmentRecord


def codings(concept: dict[str, Any], system: str) -> list[str]:
    return [c["code"] for c in concept.get("coding", []) if c["system"] == system]


def ext(element: dict[str, Any], url: str) -> list[dict[str, Any]]:
    return [e for e in element.get("extension", []) if e["url"] == url]


class TestPatient:
    def test_demographics_and_identifiers(self) -> None:
        patient = as_json(patient_to_fhir(PATIENT))
        parse_r4(patient)
        assert patient["id"] == str(PATIENT.id)
        assert {"system": codes.ID_PATIENT, "value": str(PATIENT.id)} in patient[
            "identifier"
        ]
        mrn = next(
            i for i in patient["identifier"] if i["system"] == codes.ID_PATIENT_MRN
        )
        assert mrn["value"] == "MRN-000123"
        assert codings(mrn["type"], codes.IDENTIFIER_TYPE) == ["MR"]
        assert patient["name"] == [{"family": "Yilmaz", "given": ["Ayse", "Nur"]}]
        assert patient["birthDate"] == "1970-05-17"
        assert patient["gender"] == "female"
        assert codings(patient["communication"][0]["language"], codes.BCP47) == ["tr"]
        assert patient["managingOrganization"] == {
            "reference": f"Organization/{PATIENT.organization_id}"
        }

    def test_urn_references_point_at_bundle_full_urls(self) -> None:
        patient = as_json(patient_to_fhir(PATIENT, "urn"))
        assert patient["managingOrganization"]["reference"] == codes.full_url(
            "Organization", str(PATIENT.organization_id)
        )


class TestCondition:
    def test_icd10cm_and_snomed_codings_from_the_catalog(self) -> None:
        condition = as_json(condition_to_fhir(KNEE))
        parse_r4(condition)
        assert codings(condition["code"], "http://hl7.org/fhir/sid/icd-10-cm") == [
            "M17.11"
        ]
        assert codings(condition["code"], "http://snomed.info/sct") == ["239873007"]
        assert codings(condition["code"], codes.CS_CONDITION) == ["knee_osteoarthritis"]
        assert condition["code"]["text"] == "Osteoarthritis of knee"
        assert codings(condition["clinicalStatus"], codes.CONDITION_CLINICAL) == [
            "active"
        ]
        assert condition["subject"] == {"reference": f"Patient/{PATIENT.id}"}

    def test_body_site_carries_laterality(self) -> None:
        site = as_json(condition_to_fhir(KNEE))["bodySite"][0]
        assert codings(site, codes.CS_BODY_REGION) == ["knee"]
        assert ext(site, codes.EXT_LATERALITY) == [
            {"url": codes.EXT_LATERALITY, "valueCode": "right"}
        ]


class TestCarePlan:
    def test_one_activity_per_session_with_its_window(self) -> None:
        plan = as_json(careplan_to_fhir(COURSE))
        parse_r4(plan)
        assert plan["intent"] == "plan"
        assert plan["status"] == "active"
        assert plan["addresses"] == [{"reference": f"Condition/{KNEE.id}"}]
        windows = [
            (
                ext(a["detail"], codes.EXT_SESSION_NUMBER)[0]["valuePositiveInt"],
                a["detail"]["scheduledPeriod"],
                a["detail"]["status"],
            )
            for a in plan["activity"]
        ]
        assert windows == [
            (1, {"start": "2026-01-12", "end": "2026-01-12"}, "completed"),
            (2, {"start": "2026-01-26", "end": "2026-02-02"}, "cancelled"),
            (3, {"start": "2026-02-09", "end": "2026-02-23"}, "not-started"),
        ]

    def test_session_outcomes_link_appointment_and_procedure(self) -> None:
        first = as_json(careplan_to_fhir(COURSE))["activity"][0]
        assert first["outcomeReference"] == [
            {"reference": f"Appointment/{APPT1.id}"},
            {"reference": f"Procedure/{PROC1.id}"},
        ]
        assert codings(first["detail"]["code"], codes.HCPCS) == ["M0076"]


class TestAppointment:
    @pytest.mark.parametrize(
        ("status", "fhir"),
        [
            ("booked", "booked"),
            ("checked_in", "arrived"),
            ("done", "fulfilled"),
            ("cancelled", "cancelled"),
            ("no_show", "noshow"),
        ],
    )
    def test_status_map(self, status: str, fhir: str) -> None:
        appointment = APPT1.model_copy(update={"status": status})
        assert as_json(appointment_to_fhir(appointment))["status"] == fhir

    def test_participants_patient_clinician_room_and_recovery_place(self) -> None:
        appointment = as_json(appointment_to_fhir(APPT1))
        parse_r4(appointment)
        roles = {
            codings(p["type"][0], codes.CS_APPOINTMENT_ROLE)[0]: p["actor"]["reference"]
            for p in appointment["participant"]
        }
        assert roles == {
            "patient": f"Patient/{PATIENT.id}",
            "clinician": f"Practitioner/{APPT1.clinician_id}",
            "procedure-room": f"Location/{ROOM.id}",
            "recovery-place": f"Location/{RECOVERY.id}",
        }
        recovery = next(
            p
            for p in appointment["participant"]
            if p["actor"]["reference"] == f"Location/{RECOVERY.id}"
        )
        assert recovery["period"] == {
            "start": "2026-01-12T09:30:00+03:00",
            "end": "2026-01-12T09:45:00+03:00",
        }

    def test_times_revision_and_course_link(self) -> None:
        appointment = as_json(appointment_to_fhir(APPT1))
        assert appointment["start"] == "2026-01-12T09:00:00+03:00"
        assert appointment["end"] == "2026-01-12T09:45:00+03:00"
        assert appointment["meta"]["versionId"] == "2"
        assert appointment["supportingInformation"] == [
            {"reference": f"CarePlan/{COURSE.id}"}
        ]
        assert ext(appointment, codes.EXT_SESSION_NUMBER)[0]["valuePositiveInt"] == 1

    def test_cancellation_reason(self) -> None:
        appointment = as_json(appointment_to_fhir(APPT2))
        assert appointment["status"] == "cancelled"
        assert appointment["cancelationReason"] == {"text": "Patient has a cold"}

    def test_without_recovery_place_has_three_participants(self) -> None:
        bare = AppointmentRecord.model_validate(
            APPT1.model_dump()
            | {"recovery_place_id": None, "recovery_start": None, "recovery_end": None}
        )
        assert len(as_json(appointment_to_fhir(bare))["participant"]) == 3


class TestProcedure:
    def test_code_period_sites_and_performer(self) -> None:
        procedure = as_json(procedure_to_fhir(PROC1))
        parse_r4(procedure)
        assert codings(
            procedure["code"], "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
        ) == ["M0076"]
        assert procedure["status"] == "completed"
        assert procedure["performedPeriod"] == {
            "start": "2026-01-12T09:05:00+03:00",
            "end": "2026-01-12T09:28:00+03:00",
        }
        assert procedure["performer"] == [
            {"actor": {"reference": f"Practitioner/{PROC1.clinician_id}"}}
        ]
        assert procedure["basedOn"] == [{"reference": f"CarePlan/{COURSE.id}"}]
        assert procedure["reasonReference"] == [{"reference": f"Condition/{KNEE.id}"}]
        assert codings(procedure["bodySite"][0], codes.CS_BODY_REGION) == ["knee"]
        assert ext(procedure, codes.EXT_PROCEDURE_APPOINTMENT)[0]["valueReference"] == {
            "reference": f"Appointment/{APPT1.id}"
        }

    def test_each_injection_is_a_structured_extension(self) -> None:
        procedure = as_json(procedure_to_fhir(PROC1))
        injections = ext(procedure, codes.EXT_INJECTION)
        assert len(injections) == 2
        parts = {p["url"]: p for p in injections[0]["extension"]}
        assert codings(
            parts["site"]["valueCodeableConcept"], codes.CS_INJECTION_SITE
        ) == ["knee_mcl"]
        assert (
            ext(parts["site"]["valueCodeableConcept"], codes.EXT_LATERALITY)[0][
                "valueCode"
            ]
            == "right"
        )
        assert codings(
            parts["solution"]["valueCodeableConcept"], codes.CS_INJECTATE
        ) == ["dextrose"]
        assert parts["concentration"]["valueQuantity"] == {
            "value": 15,
            "unit": "%",
            "system": "http://unitsofmeasure.org",
            "code": "%",
        }
        assert parts["volume"]["valueQuantity"]["value"] == 2.5
        assert parts["volume"]["valueQuantity"]["code"] == "mL"
        assert codings(
            parts["anaesthetic"]["valueCodeableConcept"], codes.CS_ANAESTHETIC
        ) == ["lidocaine"]
        assert parts["anaestheticConcentration"]["valueQuantity"]["value"] == 0.5
        assert parts["guidance"]["valueCode"] == "ultrasound"
        assert parts["lotNumber"]["valueString"] == "LOT-42<a&b>"
        # the optional parts are simply absent on the second injection
        second = {p["url"] for p in injections[1]["extension"]}
        assert second == {"site", "solution", "concentration", "volume", "guidance"}

    def test_narrative_lists_injections_escaped(self) -> None:
        div = as_json(procedure_to_fhir(PROC1))["text"]["div"]
        assert (
            "Medial collateral ligament (right): Dextrose 15% 2.5 mL with lidocaine 0.5%, ultrasound"
            in div
        )
        assert "LOT-42&lt;a&amp;b&gt;" in div
        assert "<a&b>" not in div


class TestObservation:
    def test_nrs_uses_loinc_72514_3_survey_and_derives_from_its_response(self) -> None:
        obs = as_json(observation_to_fhir(NRS_OBS))
        parse_r4(obs)
        assert codings(obs["code"], "http://loinc.org") == ["72514-3"]
        assert codings(obs["code"], codes.CS_INSTRUMENT_SCORE) == ["nrs"]
        assert codings(
            obs["category"][0],
            "http://terminology.hl7.org/CodeSystem/observation-category",
        ) == ["survey"]
        assert obs["derivedFrom"] == [
            {"reference": f"QuestionnaireResponse/{NRS_QR.id}"}
        ]
        assert obs["valueQuantity"]["value"] == 7
        assert obs["partOf"] == [{"reference": f"Procedure/{PROC1.id}"}]

    def test_odi_score_uses_the_loinc_score_code(self) -> None:
        obs = as_json(observation_to_fhir(ODI_OBS))
        assert codings(obs["code"], "http://loinc.org") == ["97909-6"]
        assert obs["valueQuantity"]["code"] == "%"

    def test_instrument_without_loinc_uses_only_the_prolo_code(self) -> None:
        obs = as_json(observation_to_fhir(KOOS_OBS))
        assert [c["system"] for c in obs["code"]["coding"]] == [
            codes.CS_INSTRUMENT_SCORE
        ]
        assert "valueQuantity" not in obs
        components = {
            codings(c["code"], codes.CS_INSTRUMENT_SCORE)[0]: c["valueQuantity"][
                "value"
            ]
            for c in obs["component"]
        }
        assert components == {"koos.pain": 55.56, "koos.qol": 37.5}
        assert obs["derivedFrom"] == [
            {"reference": f"QuestionnaireResponse/{KOOS_QR.id}"}
        ]


class TestQuestionnaireResponse:
    def test_answers_keyed_by_item_id_with_typed_values(self) -> None:
        qr = as_json(questionnaire_response_to_fhir(KOOS_QR))
        parse_r4(qr)
        answers = {item["linkId"]: item["answer"][0] for item in qr["item"]}
        assert answers == {
            "p1": {"valueInteger": 2},
            "p2": {"valueInteger": 3},
            "comment": {"valueString": "stairs are hard"},
            "swelling_mm": {"valueDecimal": 1.25},
            "uses_cane": {"valueBoolean": False},
        }
        assert qr["questionnaire"] == codes.questionnaire_url("koos")
        assert qr["status"] == "completed"

    def test_versioned_canonical_is_percent_encoded(self) -> None:
        qr = as_json(
            questionnaire_response_to_fhir(
                NRS_QR.model_copy(update={"instrument_version": "Vernon & Mior 1991"})
            )
        )
        assert (
            qr["questionnaire"]
            == f"{codes.questionnaire_url('nrs')}|Vernon%20%26%20Mior%201991"
        )


class TestAdverseEvent:
    def test_codes_and_suspect_procedure(self) -> None:
        ae = as_json(adverse_event_to_fhir(FLARE))
        parse_r4(ae)
        assert ae["actuality"] == "actual"
        assert codings(ae["event"], codes.CS_ADVERSE_EVENT) == [
            "post_injection_pain_flare"
        ]
        assert codings(ae["seriousness"], codes.AE_SERIOUSNESS) == ["non-serious"]
        assert codings(ae["severity"], codes.AE_SEVERITY) == ["mild"]
        assert codings(ae["outcome"], codes.AE_OUTCOME) == ["resolved"]
        assert ae["suspectEntity"] == [
            {"instance": {"reference": f"Procedure/{PROC1.id}"}}
        ]


class TestLocation:
    def test_kind_and_organization(self) -> None:
        location = as_json(location_to_fhir(ROOM))
        parse_r4(location)
        assert codings(location["type"][0], codes.CS_LOCATION_KIND) == [
            "procedure_room"
        ]
        assert location["managingOrganization"] == {
            "reference": f"Organization/{ROOM.organization_id}"
        }
        assert location["status"] == "active"


def test_decimal_precision_is_kept_in_the_quantity() -> None:
    obs = NRS_OBS.model_copy(update={"value": Decimal("6.25")})
    assert as_json(observation_to_fhir(obs))["valueQuantity"]["value"] == 6.25
