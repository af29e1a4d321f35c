"""The read-only FHIR facade, read by fhirclient (the SMART on FHIR Python client) as a real
client would, over HTTP from a live server; and its errors as OperationOutcome."""

from __future__ import annotations

import httpx
import pytest
from fhirclient import client
from fhirclient.models.adverseevent import AdverseEvent
from fhirclient.models.appointment import Appointment
from fhirclient.models.bundle import Bundle
from fhirclient.models.capabilitystatement import CapabilityStatement
from fhirclient.models.careplan import CarePlan
from fhirclient.models.condition import Condition
from fhirclient.models.location import Location
from fhirclient.models.observation import Observation
from fhirclient.models.operationoutcome import OperationOutcome
from fhirclient.models.patient import Patient
from fhirclient.models.practitioner import Practitioner
from fhirclient.models.procedure import Procedure
from fhirclient.models.questionnaireresponse import QuestionnaireResponse

from fhir_api.conftest import FhirSite
from servers import HTTP_TIMEOUT

FHIR_JSON = "application/fhir+json"


def smart(site: FhirSite, who: str = "clinician") -> client.FHIRClient:
    fhir = client.FHIRClient(
        settings={"app_id": "prolo-tests", "api_base": f"{site.url}/fhir/"}
    )
    fhir.server.session.headers.update(site.headers(who))
    return fhir


def test_fhirclient_reads_the_capability_statement_and_the_patient(
    fhir_site: FhirSite,
) -> None:
    fhir = smart(fhir_site)
    statement = CapabilityStatement.read_from("metadata", fhir.server)
    assert statement.fhirVersion == "4.0.1"
    patient_id = str(fhir_site.record.patient.id)
    patient = Patient.read(patient_id, fhir.server)
    assert patient.name[0].family == fhir_site.record.patient.family_name
    assert patient.name[0].given == list(fhir_site.record.patient.given_names)
    found = Patient.where(
        struct={
            "identifier": f"https://prolo.dev/fhir/NamingSystem/patient-mrn|{fhir_site.record.patient.mrn}"
        }
    ).perform_resources_iter(fhir.server)
    assert [p.id for p in found] == [patient_id]


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (Condition, 1),
        (CarePlan, 1),
        (Appointment, 3),
        (Procedure, 1),
        (QuestionnaireResponse, 2),
        (Observation, 2),
        (AdverseEvent, 1),
    ],
)
def test_fhirclient_searches_each_type_by_patient_and_reads_each_hit(
    fhir_site: FhirSite, model: type, expected: int
) -> None:
    fhir = smart(fhir_site)
    patient_id = str(fhir_site.record.patient.id)
    found = list(
        model.where(struct={"patient": patient_id}).perform_resources_iter(fhir.server)
    )
    assert len(found) == expected
    for resource in found:
        again = model.read(resource.id, fhir.server)
        assert again.as_json() == resource.as_json()


def test_everything_returns_the_compartment_with_staff_and_places(
    fhir_site: FhirSite,
) -> None:
    fhir = smart(fhir_site, "admin")
    patient_id = str(fhir_site.record.patient.id)
    bundle = Bundle.read_from(f"Patient/{patient_id}/$everything", fhir.server)
    assert bundle.type == "searchset"
    assert bundle.total == len(bundle.entry)
    types = [e.resource.resource_type for e in bundle.entry]
    assert {
        "Patient",
        "Practitioner",
        "Location",
        "Organization",
        "Questionnaire",
    } <= set(types)
    assert all(e.fullUrl.startswith(f"{fhir_site.url}/fhir/") for e in bundle.entry)
    doctor = next(
        e.resource for e in bundle.entry if e.resource.resource_type == "Practitioner"
    )
    assert Practitioner.read(doctor.id, fhir.server).name[0].family == "Aksoy"
    room = next(
        e.resource for e in bundle.entry if e.resource.resource_type == "Location"
    )
    assert Location.read(room.id, fhir.server).name == room.name


def _outcome(response: httpx.Response) -> OperationOutcome:
    assert response.headers["content-type"].startswith(FHIR_JSON)
    return OperationOutcome(response.json(), strict=True)


def test_errors_are_operation_outcomes_with_the_right_status(
    fhir_site: FhirSite,
) -> None:
    patient_id = fhir_site.record.patient.id
    with httpx.Client(base_url=f"{fhir_site.url}/fhir", timeout=HTTP_TIMEOUT) as http:
        ok = http.get(f"/Patient/{patient_id}", headers=fhir_site.headers("nurse"))
        assert ok.status_code == 200
        assert ok.headers["content-type"].startswith(FHIR_JSON)
        cases = [
            (http.get(f"/Patient/{patient_id}"), 401, "login"),
            (
                http.get(
                    f"/Patient/{patient_id}", headers=fhir_site.headers("patient")
                ),
                403,
                "forbidden",
            ),
            (
                http.get(
                    f"/Patient/{patient_id}", headers=fhir_site.headers("reception")
                ),
                403,
                "forbidden",
            ),
            (
                http.get(
                    "/Patient/00000000-0000-0000-0000-000000000000",
                    headers=fhir_site.headers("admin"),
                ),
                404,
                "not-found",
            ),
            (
                http.get("/Medication/1", headers=fhir_site.headers("admin")),
                404,
                "not-supported",
            ),
            (
                http.get("/Condition", headers=fhir_site.headers("admin")),
                400,
                "invalid",
            ),
            (
                http.get("/Condition?subject=x", headers=fhir_site.headers("admin")),
                400,
                "invalid",
            ),
            (
                http.post("/Patient", headers=fhir_site.headers("admin"), json={}),
                405,
                "not-supported",
            ),
        ]
        for response, status, code in cases:
            assert response.status_code == status, (response.request.url, response.text)
            assert _outcome(response).issue[0].code == code
        assert cases[0][0].headers["www-authenticate"] == "Bearer"


def test_every_read_is_audited(fhir_site: FhirSite) -> None:
    patient_id = fhir_site.record.patient.id
    with httpx.Client(base_url=f"{fhir_site.url}/fhir", timeout=HTTP_TIMEOUT) as http:
        http.get(
            f"/Patient/{patient_id}", headers=fhir_site.headers("clinician")
        ).raise_for_status()
        http.get(
            f"/Procedure?patient={patient_id}", headers=fhir_site.headers("clinician")
        ).raise_for_status()
        http.get(
            f"/Patient/{patient_id}/$everything", headers=fhir_site.headers("clinician")
        ).raise_for_status()
    with fhir_site.database.unit_of_work() as uow:
        events = uow.audit.page(
            fhir_site.clinic_id,
            patient_id=patient_id,
            action="fhir.read",
            limit=10,
            offset=0,
        ).items
    assert [(e.resource_type, e.actor_role) for e in reversed(events)] == [
        ("Patient", "clinician"),
        ("Procedure", "clinician"),
        ("Patient", "clinician"),
    ]


def test_calendar_subscription_url_serves_text_calendar(fhir_site: FhirSite) -> None:
    patient_id = str(fhir_site.record.patient.id)
    with httpx.Client(base_url=fhir_site.url, timeout=HTTP_TIMEOUT) as http:
        issued = http.post(
            "/api/v1/calendar-feeds",
            headers=fhir_site.headers("patient"),
            json={"kind": "patient", "owner_id": patient_id, "label": "phone"},
        )
        assert issued.status_code == 201, issued.text
        url = issued.json()["url"]
        assert url.startswith(f"{fhir_site.url}/calendar/")
        assert url.endswith(".ics")
        feed = http.get(url.removeprefix(fhir_site.url))
        assert feed.status_code == 200
        assert feed.headers["content-type"].startswith("text/calendar")
        assert feed.text.count("BEGIN:VEVENT") == 3
        download = http.get(
            f"/api/v1/calendar/patients/{patient_id}.ics",
            headers=fhir_site.headers("patient"),
        )
        assert download.text == feed.text
        revoked = http.delete(
            f"/api/v1/calendar-feeds/{issued.json()['id']}",
            headers=fhir_site.headers("patient"),
        )
        assert revoked.status_code == 200
        assert revoked.json()["revoked_at"] is not None
        assert http.get(url.removeprefix(fhir_site.url)).status_code == 404


def test_a_patient_token_naming_another_patient_gets_404_not_403(
    fhir_site: FhirSite,
) -> None:
    other = "00000000-0000-0000-0000-000000000001"
    with httpx.Client(base_url=f"{fhir_site.url}/fhir", timeout=HTTP_TIMEOUT) as http:
        for path in (
            f"/Patient/{other}",
            f"/Patient/{other}/$everything",
            f"/Condition?patient={other}",
        ):
            response = http.get(path, headers=fhir_site.headers("patient"))
            assert response.status_code == 404, path
            assert _outcome(response).issue[0].code == "not-found"
