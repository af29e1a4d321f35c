"""A patient's whole journey over HTTP: register, intake, sign-off, course, booking, the session
runner to discharge, questionnaires; with the role rules on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.harness import Login, TestClient
from factories import OPENING_HOURS, MutableClock, at_utc
from prolo.domain.screening import example_intake
from prolo.store.records import Role
from prolo.store.unit_of_work import Database

START = at_utc(2025, 3, 4, 7, 0)  # Tuesday 10:00 in Istanbul


@pytest.fixture
def staff(
    client: TestClient, login: Login, database: Database, api_clinic
) -> dict[str, object]:
    """An admin sets the clinic up: hours, two rooms, three beds, a clinician with a roster."""
    admin = login(Role.admin)
    clinic = client.get("/api/v1/clinic", headers=admin)
    hours = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    assert (
        client.patch(
            "/api/v1/clinic",
            json={"opening_hours": hours},
            headers={**admin, "If-Match": clinic.headers["etag"]},
        ).status_code
        == 200
    )
    rooms = [
        client.post("/api/v1/rooms", json={"name": f"Room {i}"}, headers=admin).json()
        for i in (1, 2)
    ]
    beds = [
        client.post(
            "/api/v1/recovery-places",
            json={"name": f"Bed {i}", "kind": "bed"},
            headers=admin,
        ).json()
        for i in (1, 2, 3)
    ]
    roster = [{"weekday": d, "starts": "09:00", "ends": "17:00"} for d in range(5)]
    clinician = client.post(
        "/api/v1/staff",
        json={"name": "Dr. Deniz", "roles": ["clinician"], "roster": roster},
        headers=admin,
    )
    assert clinician.status_code == 201, clinician.text
    return {"rooms": rooms, "beds": beds, "clinician": clinician.json()}


def test_the_whole_journey(
    client: TestClient, login: Login, staff, clock: MutableClock
) -> None:
    reception, nurse, clinician = (
        login(Role.reception),
        login(Role.nurse),
        login(Role.clinician),
    )
    patient = client.post(
        "/api/v1/patients",
        json={"given_name": "Elif", "family_name": "Kaya", "sex": "female"},
        headers=reception,
    ).json()
    pid = patient["id"]

    intake = client.post(
        f"/api/v1/patients/{pid}/intakes",
        json=example_intake().model_dump(mode="json"),
        headers=nurse,
    )
    assert intake.status_code == 201, intake.text
    screening = intake.json()
    assert screening["outcome"] == "eligible"
    sign = {"decision": "eligible"}
    assert (
        client.post(
            f"/api/v1/screenings/{screening['id']}/sign-off",
            json=sign,
            headers={**nurse, "If-Match": '"v1"'},
        ).status_code
        == 403
    )
    signed = client.post(
        f"/api/v1/screenings/{screening['id']}/sign-off",
        json=sign,
        headers={**clinician, "If-Match": '"v1"'},
    )
    assert signed.status_code == 200
    assert signed.json()["status"] == "signed_off"

    course = client.post(
        f"/api/v1/patients/{pid}/courses",
        json={"condition_id": "knee_osteoarthritis", "planned_sessions": 4},
        headers=reception,
    )
    assert course.status_code == 201, course.text
    cid = course.json()["id"]
    proposal = client.post(
        f"/api/v1/courses/{cid}/proposal",
        json={"first_day": "2025-03-04"},
        headers=reception,
    ).json()
    assert len(proposal) == 4
    sessions = [
        {
            "session_number": n,
            **{
                k: s[k]
                for k in ("starts_at", "clinician_id", "room_id", "recovery_place_id")
            },
        }
        for n, s in enumerate(proposal, start=1)
    ]
    booked = client.post(
        f"/api/v1/courses/{cid}/appointments",
        json={"sessions": sessions},
        headers=reception,
    )
    assert booked.status_code == 201, booked.text
    first = booked.json()[0]
    assert first["starts_at"].startswith(
        "2025-03-04T06:00:00"
    )  # 09:00 in Istanbul, in UTC
    detail = client.get(f"/api/v1/courses/{cid}", headers=reception).json()
    assert [w["booked"] for w in detail["windows"]] == [True] * 4

    clock.at = START - timedelta(hours=1, minutes=5)
    opened = client.post(f"/api/v1/appointments/{first['id']}/session", headers=nurse)
    assert opened.status_code == 201, opened.text
    sid = opened.json()["record"]["id"]
    steps = [
        {"kind": "consent"},
        {"kind": "preparation"},
        {
            "kind": "local_anaesthesia",
            "agent": "lidocaine",
            "concentration_percent": 1,
            "volume_ml": 2,
        },
        {
            "kind": "injection",
            "site": "knee_intra_articular",
            "laterality": "left",
            "solution": "dextrose",
            "concentration_percent": 25,
            "volume_ml": 6,
            "guidance": "landmark",
            "lot_number": "DX-1",
        },
        {"kind": "rest"},
    ]
    for body in steps:
        clock.advance(minutes=3)
        response = client.post(
            f"/api/v1/sessions/{sid}/events", json=body, headers=nurse
        )
        assert response.status_code == 200, response.text
    clock.advance(minutes=4)
    early = client.post(
        f"/api/v1/sessions/{sid}/events", json={"kind": "discharge"}, headers=nurse
    )
    assert early.status_code == 422
    assert early.json()["type"] == "/problems/rule-violation"
    assert (
        client.post(
            f"/api/v1/sessions/{sid}/events",
            json={"kind": "discharge", "override_reason": "ferry"},
            headers=nurse,
        ).status_code
        == 403
    )
    clock.advance(minutes=6)
    done = client.post(
        f"/api/v1/sessions/{sid}/events", json={"kind": "discharge"}, headers=nurse
    )
    assert done.status_code == 200, done.text
    record = done.json()["record"]
    assert record["state"] == "discharged"
    assert record["injections"][0]["lot_number"] == "DX-1"
    assert (
        client.get(f"/api/v1/appointments/{first['id']}", headers=reception).json()[
            "status"
        ]
        == "done"
    )

    assert client.get(f"/api/v1/sessions/{sid}", headers=reception).status_code == 403
    assert (
        client.get(f"/api/v1/patients/{pid}/sessions", headers=reception).status_code
        == 403
    )

    answer = client.post(
        f"/api/v1/patients/{pid}/questionnaires",
        json={
            "instrument_id": "nrs",
            "answers": [6],
            "timepoint": "session-1",
            "course_id": cid,
        },
        headers=nurse,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["score"] == 6
    bad = client.post(
        f"/api/v1/patients/{pid}/questionnaires",
        json={"instrument_id": "nrs", "answers": [12], "timepoint": "session-1"},
        headers=nurse,
    )
    assert bad.status_code == 422
    assert bad.json()["type"] == "/problems/invalid-input"


def test_double_booking_over_http_is_409(
    client: TestClient, login: Login, database: Database
) -> None:
    from factories import build_clinic, course_for, screened_patient

    reception = login(Role.reception)
    with database.unit_of_work() as uow:
        from prolo.store.records import Clinic

        first: Clinic = uow.clinics.first()  # type: ignore[assignment]
        clinic = uow.clinics.update(
            first.id, expected_version=first.version, opening_hours=OPENING_HOURS
        )
        setup = build_clinic(uow, clinic)
        courses = [
            course_for(uow, setup, screened_patient(uow, setup)) for _ in range(2)
        ]
        uow.commit()
    body = {
        "sessions": [
            {
                "session_number": 1,
                "starts_at": "2025-03-04T10:00:00+03:00",
                "clinician_id": str(setup.clinicians[0].id),
                "room_id": str(setup.rooms[0].id),
                "recovery_place_id": str(setup.places[0].id),
            }
        ]
    }
    assert (
        client.post(
            f"/api/v1/courses/{courses[0].id}/appointments",
            json=body,
            headers=reception,
        ).status_code
        == 201
    )
    clash = client.post(
        f"/api/v1/courses/{courses[1].id}/appointments", json=body, headers=reception
    )
    assert clash.status_code == 409
    assert clash.json()["reason"] == "slot-taken"
    assert "clinician" in clash.json()["detail"]
    naive = {"sessions": [{**body["sessions"][0], "starts_at": "2025-03-04T10:00:00"}]}
    assert (
        client.post(
            f"/api/v1/courses/{courses[1].id}/appointments",
            json=naive,
            headers=reception,
        ).status_code
        == 422
    )
