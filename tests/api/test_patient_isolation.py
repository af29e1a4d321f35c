"""A patient sees only their own records: every route that names a patient's record answers
404 (never 403) when a patient's login names another patient's."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi import FastAPI

from api.harness import Login, TestClient
from factories import (
    OPENING_HOURS,
    MutableClock,
    at_utc,
    build_clinic,
    course_for,
    screened_patient,
    slot,
)
from prolo.domain.screening import example_intake
from prolo.services import booking, questionnaires, sessions
from prolo.store.records import Role
from prolo.store.unit_of_work import Database

START = at_utc(2025, 3, 4, 7, 0)


@dataclass
class Records:
    patient: str
    course: str
    appointment: str
    session: str
    screening: str
    response: str
    identifier: str


def _records(database: Database, clock: MutableClock, name: str, hour: int) -> Records:
    from prolo.domain import protocol

    with database.unit_of_work() as uow:
        first = uow.clinics.first()
        assert first is not None
        clinic = uow.clinics.update(
            first.id, expected_version=first.version, opening_hours=OPENING_HOURS
        )
        setup = build_clinic(uow, clinic) if not uow.clinics.rooms(clinic.id) else None
        uow.commit()
    with database.unit_of_work() as uow:
        from factories import ClinicSetup, actor_for

        clinic = uow.clinics.first()
        assert clinic is not None
        setup = ClinicSetup(
            clinic,
            tuple(uow.staff.members(clinic.id, role=Role.clinician)),
            tuple(uow.clinics.rooms(clinic.id)),
            tuple(uow.clinics.recovery_places(clinic.id)),
            actor_for(clinic, Role.clinician),
            actor_for(clinic, Role.nurse),
            actor_for(clinic, Role.reception),
        )
        patient = screened_patient(uow, setup, given_name=name)
        patient = (
            uow.patients.update(
                clinic.id,
                patient.id,
                expected_version=patient.version,
                changes={},
                identifiers=[*patient.identifiers, *[]] or None,
                updated_at=uow.now(),
            )
            or patient
        )
        from prolo.services import patients as patient_service
        from prolo.services.values import PatientIdentifier

        patient = patient_service.update_patient(
            uow,
            setup.reception,
            patient_id=patient.id,
            expected_version=patient.version,
            changes={},
            identifiers=[PatientIdentifier("urn:mrn", f"MRN-{name}")],
        )
        course = course_for(uow, setup, patient)
        appointment = booking.book_sessions(
            uow,
            setup.reception,
            course_id=course.id,
            sessions=[slot(setup, 1, START + timedelta(hours=hour))],
        )[0]
        clock.at = appointment.starts_at - timedelta(minutes=2)
        opened = sessions.start_session(uow, setup.nurse, appointment_id=appointment.id)
        sessions.record_event(
            uow,
            setup.nurse,
            session_id=opened.record.id,
            event=protocol.GiveConsent(by="-"),
        )
        response = questionnaires.submit(
            uow,
            setup.nurse,
            patient_id=patient.id,
            instrument_id="nrs",
            answers=[5],
            timepoint="baseline",
            course_id=course.id,
        )
        screening_id = uow.screenings.for_patient(patient.id)[0].id
        uow.commit()
    return Records(
        str(patient.id),
        str(course.id),
        str(appointment.id),
        str(opened.record.id),
        str(screening_id),
        str(response.id),
        f"MRN-{name}",
    )


SLOT = {
    "session_number": 1,
    "starts_at": "2025-03-11T10:00:00+03:00",
    "clinician_id": "00000000-0000-4000-8000-000000000001",
    "room_id": "00000000-0000-4000-8000-000000000002",
    "recovery_place_id": "00000000-0000-4000-8000-000000000003",
}

# (method, path template, JSON body): every route that names a patient's record
ROUTES: list[tuple[str, str, object]] = [
    ("GET", "/api/v1/patients/{patient}", None),
    ("PATCH", "/api/v1/patients/{patient}", {"phone": "1"}),
    ("GET", "/api/v1/calendar/patients/{patient}.ics", None),
    ("GET", "/fhir/Patient/{patient}/$everything", None),
    ("GET", "/api/v1/patients/by-identifier?system=urn:mrn&value={identifier}", None),
    ("GET", "/api/v1/patients/{patient}/courses", None),
    (
        "POST",
        "/api/v1/patients/{patient}/courses",
        {"condition_id": "knee_osteoarthritis", "planned_sessions": 4},
    ),
    (
        "POST",
        "/api/v1/patients/{patient}/intakes",
        example_intake().model_dump(mode="json"),
    ),
    ("GET", "/api/v1/patients/{patient}/screenings", None),
    ("GET", "/api/v1/patients/{patient}/questionnaires", None),
    (
        "POST",
        "/api/v1/patients/{patient}/questionnaires",
        {"instrument_id": "nrs", "answers": [3], "timepoint": "baseline"},
    ),
    ("GET", "/api/v1/patients/{patient}/sessions", None),
    ("GET", "/api/v1/screenings/{screening}", None),
    ("POST", "/api/v1/screenings/{screening}/sign-off", {"decision": "eligible"}),
    ("GET", "/api/v1/courses/{course}", None),
    ("PATCH", "/api/v1/courses/{course}", {"status": "stopped"}),
    ("GET", "/api/v1/courses/{course}/windows", None),
    ("GET", "/api/v1/courses/{course}/due-questionnaires", None),
    ("GET", "/api/v1/courses/{course}/outcomes", None),
    ("POST", "/api/v1/courses/{course}/proposal", {"first_day": "2025-03-11"}),
    (
        "POST",
        "/api/v1/courses/{course}/appointments",
        {"sessions": [{**SLOT, "session_number": 2}]},
    ),
    ("GET", "/api/v1/appointments?patient_id={patient}", None),
    ("GET", "/api/v1/appointments/{appointment}", None),
    ("POST", "/api/v1/appointments/{appointment}/cancel", {"reason": "x"}),
    ("POST", "/api/v1/appointments/{appointment}/check-in", None),
    ("POST", "/api/v1/appointments/{appointment}/no-show", None),
    ("POST", "/api/v1/appointments/{appointment}/move", {"slot": SLOT}),
    ("GET", "/api/v1/appointments/{appointment}/session", None),
    ("POST", "/api/v1/appointments/{appointment}/session", None),
    ("GET", "/api/v1/sessions/{session}", None),
    ("POST", "/api/v1/sessions/{session}/events", {"kind": "preparation"}),
    ("PUT", "/api/v1/sessions/{session}/notes", {"notes": "x"}),
    ("GET", "/api/v1/questionnaire-responses/{response}", None),
]


@pytest.fixture
def two(database: Database, clock: MutableClock, api_clinic) -> tuple[Records, Records]:
    return _records(database, clock, "Alice", 0), _records(database, clock, "Bora", 2)


def _call(
    client: TestClient,
    headers: dict[str, str],
    method: str,
    template: str,
    body: object,
    records: Records,
):
    url = template.format(**records.__dict__)
    return client.request(
        method, url, json=body, headers={**headers, "If-Match": '"v1"'}
    )


def _is_not_found(body: dict[str, object]) -> bool:
    """A problem+json not-found (/api/v1), or a FHIR OperationOutcome with code not-found (/fhir)."""
    if body.get("resourceType") == "OperationOutcome":
        issues = body.get("issue")
        return isinstance(issues, list) and any(
            isinstance(i, dict) and i.get("code") == "not-found" for i in issues
        )
    return body.get("type") == "/problems/not-found"


def test_another_patients_records_are_not_found_on_every_route(
    client: TestClient, login: Login, two
) -> None:
    mine, theirs = two
    headers = login(Role.patient, patient_id=uuid.UUID(mine.patient))
    wrong = []
    for method, template, body in ROUTES:
        response = _call(client, headers, method, template, body, theirs)
        if response.status_code != 404 or not _is_not_found(response.json()):
            wrong.append((method, template, response.status_code, response.text[:200]))
    assert wrong == []


def test_a_patient_reads_their_own_appointments_questionnaires_and_course(
    client: TestClient, login: Login, two
) -> None:
    mine, _ = two
    headers = login(Role.patient, patient_id=uuid.UUID(mine.patient))
    for template in (
        "/api/v1/patients/{patient}",
        "/api/v1/appointments?patient_id={patient}",
        "/api/v1/appointments/{appointment}",
        "/api/v1/patients/{patient}/questionnaires",
        "/api/v1/questionnaire-responses/{response}",
        "/api/v1/courses/{course}",
        "/api/v1/courses/{course}/due-questionnaires",
        "/api/v1/courses/{course}/outcomes",
    ):
        response = client.get(template.format(**mine.__dict__), headers=headers)
        assert response.status_code == 200, (template, response.text)
    own = client.get("/api/v1/appointments", headers=headers).json()
    assert {a["patient_id"] for a in own["items"]} == {mine.patient}
    assert (
        client.get(f"/api/v1/sessions/{mine.session}", headers=headers).status_code
        == 403
    )  # clinical


def test_every_route_naming_a_patients_record_is_covered(app: FastAPI) -> None:
    """ROUTES lists exactly the API's routes that name a patient's record, so a new route cannot
    escape the 404 test and a typo in ROUTES cannot pass it by missing the route."""
    record_params = re.compile(
        r"\{(patient_id|course_id|appointment_id|session_id|screening_id|response_id)\}"
    )
    app_routes = {
        (
            method.upper(),
            re.sub(r"\{\w+\}", "{}", path),
            bool(record_params.search(path)),
        )
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    listed = {(m, re.sub(r"\{\w+\}", "{}", t.split("?")[0])) for m, t, _ in ROUTES}
    known = {(m, path) for m, path, _ in app_routes}
    assert listed - known == set(), "ROUTES names routes the API does not have"
    naming = {(m, path) for m, path, names_record in app_routes if names_record}
    assert naming - listed == set(), "patient-facing routes missing from ROUTES"
