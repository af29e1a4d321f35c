"""A refused access to patient data leaves one `access.denied` event in the audit log: who (user,
role, address), which permission, whose data, why, and the route's template. It is written in a
transaction of its own after the refused request was rolled back, and it never changes the
answer: the same 403/404 body as before, even when the database cannot take the event."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from api.harness import TestClient
from prolo.main import create_app
from prolo.services.audit import ACCESS_DENIED, record_refusal
from prolo.services.bootstrap import Database, open_database
from prolo.services.context import Actor, authorize
from prolo.services.errors import NotFoundError, ServiceError
from prolo.services.permissions import Permission
from prolo.settings import Settings
from prolo.store.records import Role
from read_only import make_read_only, make_writable
from security.harness import Site, sign_in_form

CLIENT_ADDRESS = "192.0.2.61"


@pytest.fixture
def client(site_database: tuple[Database, Site]) -> Iterator[TestClient]:
    database, _ = site_database
    settings = Settings(environment="test", database_url=database.url)
    with TestClient(
        create_app(settings, database=database), client=(CLIENT_ADDRESS, 5000)
    ) as c:
        yield c


def denied_events(client: TestClient, site: Site) -> list[dict[str, Any]]:
    """The access.denied events, oldest first, read through the API as admin."""
    page = client.get(
        "/api/v1/audit-events",
        params={"action": ACCESS_DENIED, "limit": 100},
        headers=site.auth(Role.admin),
    )
    assert page.status_code == 200, page.text
    return list(reversed(page.json()["items"]))


def sign_offs(client: TestClient, site: Site) -> int:
    page = client.get(
        "/api/v1/audit-events",
        params={"action": "screening.sign_off"},
        headers=site.auth(Role.admin),
    )
    return int(page.json()["total"])


def user_id_of(database: Database, site: Site, role: Role) -> str:
    with database.engine.connect() as conn:
        value = conn.execute(
            text("SELECT id FROM users WHERE email = :email"),
            {"email": site.emails[role]},
        ).scalar_one()
    return str(uuid.UUID(str(value)))


def other_patient_id(database: Database, site: Site) -> str:
    with database.unit_of_work() as uow:
        others = [
            p.id
            for p in uow.patients.page(site.clinic_id, limit=50, offset=0).items
            if str(p.id) != site.ids["patient_id"]
        ]
    assert others
    return str(others[0])


def test_a_role_refused_leaves_one_event_naming_who_what_and_whose(
    site_database: tuple[Database, Site], client: TestClient
) -> None:
    database, site = site_database
    patient = site.ids["patient_id"]
    refused = client.get(
        f"/api/v1/patients/{patient}/screenings", headers=site.auth(Role.reception)
    )
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("forbidden")
    (event,) = denied_events(client, site)
    assert event["actor_user_id"] == user_id_of(database, site, Role.reception)
    assert event["actor_role"] == "reception"
    assert event["patient_id"] == patient
    assert event["resource_type"] == "permission"
    assert event["resource_id"] == Permission.screening_read.value
    assert event["client_address"] == CLIENT_ADDRESS
    assert event["detail"] == {
        "via": "api",
        "permission": "screening.read",
        "reason": "role",
        "status": 403,
        "route": "GET /api/v1/patients/{patient_id}/screenings",
    }


def test_a_refused_write_keeps_nothing_of_its_own(
    site_database: tuple[Database, Site], client: TestClient
) -> None:
    _, site = site_database
    screening = site.ids["screening_id"]
    clinician = site.auth(Role.clinician)
    signed_before = sign_offs(client, site)
    before = client.get(f"/api/v1/screenings/{screening}", headers=clinician)
    refused = client.post(
        f"/api/v1/screenings/{screening}/sign-off",
        json={"decision": "not_eligible", "reason": "the nurse thinks not"},
        headers={**site.auth(Role.nurse), "If-Match": before.headers["etag"]},
    )
    assert refused.status_code == 403, refused.text
    after = client.get(f"/api/v1/screenings/{screening}", headers=clinician)
    assert after.headers["etag"] == before.headers["etag"]
    assert after.json()["screening"] == before.json()["screening"]
    (event,) = denied_events(client, site)
    assert event["actor_role"] == "nurse"
    assert event["resource_id"] == Permission.screening_sign_off.value
    assert sign_offs(client, site) == signed_before


def same_but_for_the_id(
    first: bytes, first_id: str, second: bytes, second_id: str
) -> bool:
    """Whether two answers are the same bytes once the id each names is blanked out."""
    return first.replace(first_id.encode(), b"<id>") == second.replace(
        second_id.encode(), b"<id>"
    )


def others_appointment_id(database: Database, site: Site) -> tuple[str, str]:
    """(appointment id, patient id) of the site's appointment of the other patient."""
    with database.unit_of_work() as uow:
        record = uow.sessions.get(uuid.UUID(site.ids["session_id"]))
        assert record is not None
        assert str(record.patient_id) != site.ids["patient_id"]
        return str(record.appointment_id), str(record.patient_id)


@pytest.mark.parametrize(
    ("template", "permission", "route"),
    [
        (
            "/api/v1/appointments/{appointment}",
            "booking.read",
            "GET /api/v1/appointments/{appointment_id}",
        ),
        (
            "/api/v1/appointments/{appointment}/session",
            "session.read",
            "GET /api/v1/appointments/{appointment_id}/session",
        ),
        (
            "/api/v1/patients/{patient}",
            "patient.read",
            "GET /api/v1/patients/{patient_id}",
        ),
        (
            "/api/v1/appointments?patient_id={patient}",
            "booking.read",
            "GET /api/v1/appointments",
        ),
    ],
)
def test_a_patient_asking_for_another_patient_gets_the_same_404_and_an_event(
    site_database: tuple[Database, Site],
    client: TestClient,
    template: str,
    permission: str,
    route: str,
) -> None:
    database, site = site_database
    appointment, other = others_appointment_id(database, site)
    asked = appointment if "{appointment}" in template else other
    unknown = str(uuid.uuid4())
    mine = site.auth(Role.patient)
    theirs = client.get(template.format(appointment=asked, patient=asked), headers=mine)
    nobody = client.get(
        template.format(appointment=unknown, patient=unknown), headers=mine
    )
    assert theirs.status_code == nobody.status_code == 404
    # an id reveals nothing: the same bytes, but for the id they name
    assert same_but_for_the_id(theirs.content, asked, nobody.content, unknown), (
        theirs.text,
        nobody.text,
    )
    assert theirs.headers["content-type"] == nobody.headers["content-type"]
    (event,) = denied_events(client, site)  # the made-up id reached no one: no event
    assert event["patient_id"] == other
    assert event["actor_role"] == "patient"
    assert event["actor_user_id"] == user_id_of(database, site, Role.patient)
    assert event["resource_type"] == "permission"
    assert event["resource_id"] == permission
    assert event["detail"] == {
        "via": "api",
        "permission": permission,
        "reason": "other-patient",
        "status": 404,
        "route": route,
    }
    assert unknown not in str(event)
    assert appointment not in str(event["detail"])


def test_plain_not_found_and_allowed_requests_leave_no_refusal(
    site_database: tuple[Database, Site], client: TestClient
) -> None:
    _, site = site_database
    staff = site.auth(Role.clinician)
    assert (
        client.get(f"/api/v1/patients/{uuid.uuid4()}", headers=staff).status_code == 404
    )
    assert (
        client.get(
            f"/api/v1/patients/{site.ids['patient_id']}", headers=staff
        ).status_code
        == 200
    )
    own = client.get(
        f"/api/v1/patients/{site.ids['patient_id']}", headers=site.auth(Role.patient)
    )
    assert own.status_code == 200
    assert denied_events(client, site) == []


def test_a_refusal_on_a_page_is_recorded_too(
    site_database: tuple[Database, Site], client: TestClient
) -> None:
    _, site = site_database
    signed_in = client.post(
        "/login",
        data={"email": site.emails[Role.nurse], "password": "a long test password"},
    )
    assert signed_in.status_code in (200, 303), signed_in.text[:300]
    chart = client.get(f"/clinician/patients/{site.ids['patient_id']}")
    assert chart.status_code == 200
    csrf = chart.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    refused = client.post(
        f"/clinician/patients/{site.ids['patient_id']}/screenings/{site.ids['screening_id']}/sign-off",
        data={
            "csrf_token": csrf,
            "version": "1",
            "decision": "eligible",
            "reason": "x",
        },
    )
    assert refused.status_code == 403
    client.cookies.clear()
    (event,) = denied_events(client, site)
    assert event["actor_role"] == "nurse"
    assert event["patient_id"] == site.ids["patient_id"]
    assert event["detail"]["via"] == "web"
    assert event["detail"]["route"] == (
        "POST /clinician/patients/{patient_id}/screenings/{screening_id}/sign-off"
    )


def test_a_refusal_a_page_answers_itself_is_recorded_and_keeps_nothing(
    site_database: tuple[Database, Site], client: TestClient
) -> None:
    """The reception desk shows an admin why a check-in was refused (403, on the page)."""
    database, site = site_database
    appointment = site.ids["appointment_id"]
    csrf = sign_in_form(client, site, Role.admin)
    refused = client.post(
        f"/reception/check-in/{appointment}",
        data={"csrf_token": csrf, "version": "1"},
    )
    assert refused.status_code == 403
    assert "booking.write" in refused.text
    client.cookies.clear()
    (event,) = denied_events(client, site)
    assert event["actor_role"] == "admin"
    assert event["actor_user_id"] == user_id_of(database, site, Role.admin)
    assert event["patient_id"] == site.ids["patient_id"]
    assert event["detail"] == {
        "via": "web",
        "permission": "booking.write",
        "reason": "role",
        "status": 403,
        "route": "POST /reception/check-in/{appointment_id}",
    }
    stored = client.get(
        f"/api/v1/appointments/{appointment}", headers=site.auth(Role.reception)
    )
    assert stored.json()["status"] == "booked"


def test_another_patients_session_in_the_runner_is_a_404_and_an_event(
    site_database: tuple[Database, Site], client: TestClient
) -> None:
    database, site = site_database
    appointment, other = others_appointment_id(database, site)
    sign_in_form(client, site, Role.patient)
    theirs = client.get(f"/runner/{appointment}")
    nobody = client.get(f"/runner/{uuid.uuid4()}")
    assert theirs.status_code == nobody.status_code == 404
    client.cookies.clear()
    (event,) = denied_events(client, site)
    assert event["patient_id"] == other
    assert event["detail"] == {
        "via": "web",
        "permission": "session.read",
        "reason": "other-patient",
        "status": 404,
        "route": "GET /runner/{some_id}",
    }


@pytest.mark.parametrize(
    ("role", "status", "reason"),
    [(Role.reception, 403, "role"), (Role.patient, 404, "other-patient")],
)
def test_a_refused_fhir_read_is_recorded(
    site_database: tuple[Database, Site],
    client: TestClient,
    role: Role,
    status: int,
    reason: str,
) -> None:
    database, site = site_database
    _, other = others_appointment_id(database, site)
    refused = client.get(f"/fhir/Patient/{other}/$everything", headers=site.auth(role))
    assert refused.status_code == status
    assert refused.json()["resourceType"] == "OperationOutcome"
    (event,) = denied_events(client, site)
    assert event["actor_role"] == role.value
    assert event["patient_id"] == other
    assert event["resource_id"] == "fhir.export"
    assert event["detail"] == {
        "via": "api",
        "permission": "fhir.export",
        "reason": reason,
        "status": status,
        "route": "GET /fhir/Patient/{patient_id}/$everything",
    }


@contextmanager
def refusing_writes(database: Database) -> Iterator[None]:
    """Inside the block the database takes reads but refuses writes: PostgreSQL is switched to
    read-only (`default_transaction_read_only`, what a hot standby does); SQLite's driver fails
    every INSERT as a full disk does (SQLITE_FULL, "database or disk is full")."""
    if database.engine.dialect.name == "postgresql":
        make_read_only(database)
        database.engine.dispose()
        try:
            yield
        finally:
            make_writable(database)
            database.engine.dispose()
        return

    def full(*args: Any) -> None:
        statement = str(args[2])
        if statement.lstrip().upper().startswith("INSERT"):
            full_disk = sqlite3.OperationalError("database or disk is full")
            full_disk.sqlite_errorcode = sqlite3.SQLITE_FULL  # as the driver sets them
            full_disk.sqlite_errorname = "SQLITE_FULL"
            raise full_disk

    event.listen(database.engine, "before_cursor_execute", full)
    try:
        yield
    finally:
        event.remove(database.engine, "before_cursor_execute", full)


@pytest.mark.parametrize("who", ["reception", "patient"])
def test_a_database_that_refuses_writes_does_not_change_the_refusal(
    site_database: tuple[Database, Site],
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
    who: str,
) -> None:
    database, site = site_database
    if who == "reception":
        url, status = f"/api/v1/patients/{site.ids['patient_id']}/screenings", 403
    else:
        url, status = (
            f"/api/v1/appointments/{others_appointment_id(database, site)[0]}",
            404,
        )
    headers = site.auth(Role(who))
    expected = client.get(url, headers=headers)
    assert expected.status_code == status
    with refusing_writes(database):
        with caplog.at_level(logging.WARNING, logger="prolo.services.audit"):
            refused = client.get(url, headers=headers)
        # the database does refuse writes: registering a patient is a 503
        assert (
            client.post(
                "/api/v1/patients",
                json={"given_name": "A", "family_name": "B", "sex": "female"},
                headers=site.auth(Role.reception),
            ).status_code
            == 503
        )
    assert refused.status_code == status
    assert refused.content == expected.content
    warnings = [
        r.getMessage() for r in caplog.records if r.name == "prolo.services.audit"
    ]
    assert len(warnings) == 1, warnings
    assert "could not record a refused access" in warnings[0]
    assert site.ids["patient_id"] not in warnings[0]
    assert len(denied_events(client, site)) == 1  # the first refusal only


def test_an_unreachable_database_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'no-such-folder' / 'prolo.db'}")
    actor = Actor(user_id=uuid.uuid4(), role=Role.patient, clinic_id=uuid.uuid4())
    with pytest.raises(NotFoundError) as refused:
        authorize(actor, Permission.patient_read, patient_id=uuid.uuid4())
    error: ServiceError = refused.value
    assert error.refusal is not None
    assert error.refusal.reason == "other-patient"
    try:
        with caplog.at_level(logging.WARNING, logger="prolo.services.audit"):
            record_refusal(database, error, route="GET /x/{id}")
    finally:
        database.dispose()
    (record,) = [r for r in caplog.records if r.name == "prolo.services.audit"]
    assert "patient.read" in record.getMessage()
    assert str(error.refusal.patient_id) not in record.getMessage()
