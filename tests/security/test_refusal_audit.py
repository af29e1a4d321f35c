"""A refused access to patient data leaves one `access.denied` event in the audit log: who (user,
role, address), which permission, whose data, why, and the route's template. It is written in a
transaction of its own after the refused request was rolled back, and it never changes the
answer: the same 403/404 body as before, even when the database cannot take the event."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from api.harness import TestClient
from factories import MutableClock
from prolo.main import create_app
from prolo.services.audit import ACCESS_DENIED, record_refusal
from prolo.services.bootstrap import Database, open_database
from prolo.services.context import Actor, authorize
from prolo.services.errors import NotFoundError, ServiceError
from prolo.services.permissions import Permission
from prolo.settings import Settings
from prolo.store.records import Role
from security.harness import Site, build_site

CLIENT_ADDRESS = "192.0.2.61"


@pytest.fixture
def site_database(
    scratch_url: str, clock: MutableClock
) -> Iterator[tuple[Database, Site]]:
    database = open_database(scratch_url, clock=clock)
    try:
        yield database, build_site(database, clock, "Europe/Istanbul")
    finally:
        database.dispose()


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


def test_a_patient_asking_for_another_patient_gets_the_same_404_and_an_event(
    site_database: tuple[Database, Site], client: TestClient
) -> None:
    database, site = site_database
    other = other_patient_id(database, site)
    unknown = str(uuid.uuid4())
    mine = site.auth(Role.patient)
    theirs = client.get(f"/api/v1/patients/{other}", headers=mine)
    nobody = client.get(f"/api/v1/patients/{unknown}", headers=mine)
    assert theirs.status_code == nobody.status_code == 404
    # an id reveals nothing: the bodies differ only in the path they name
    assert {**theirs.json(), "instance": None} == {**nobody.json(), "instance": None}
    assert theirs.headers["content-type"] == nobody.headers["content-type"]
    events = denied_events(client, site)
    assert [(e["patient_id"], e["detail"]["reason"]) for e in events] == [
        (other, "other-patient"),
        (unknown, "other-patient"),
    ]
    assert {e["detail"]["status"] for e in events} == {404}
    assert {e["actor_user_id"] for e in events} == {
        user_id_of(database, site, Role.patient)
    }


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


@pytest.mark.only_db("postgresql")
def test_a_database_that_refuses_writes_does_not_change_the_refusal(
    site_database: tuple[Database, Site],
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    database, site = site_database
    patient = site.ids["patient_id"]
    expected = client.get(
        f"/api/v1/patients/{patient}/screenings", headers=site.auth(Role.reception)
    )
    name = make_url(database.url).database
    with database.engine.connect() as conn:
        conn.execute(
            text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        )
        conn.commit()
    database.engine.dispose()
    try:
        with caplog.at_level(logging.WARNING, logger="prolo.services.audit"):
            refused = client.get(
                f"/api/v1/patients/{patient}/screenings",
                headers=site.auth(Role.reception),
            )
    finally:
        with database.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as conn:
            conn.execute(text("SET default_transaction_read_only = off"))
            conn.execute(
                text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
            )
    assert refused.status_code == 403
    assert refused.content == expected.content
    warnings = [r.getMessage() for r in caplog.records]
    assert any("could not record a refused access" in m for m in warnings), warnings
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
