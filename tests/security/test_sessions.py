"""Logins and sessions: brute force is slowed then locked (API and web form), signing in never
keeps a planted session (fixation), every unsafe web route needs the CSRF token, and `next=`
never sends the browser to another site."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI

from api.harness import TestClient
from factories import MutableClock
from prolo.gateway.requests import CSRF_HEADER, SESSION_COOKIE
from prolo.settings import Settings
from prolo.store.records import Role
from security.conftest import WebLogin
from security.harness import PASSWORD, Site
from security.requests import operations, request_for
from security.test_roles import AREAS, PUBLIC, allowed, area_of, page_routes

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def _api_login(client: TestClient, email: str, password: str):
    return client.post(
        "/api/v1/auth/token", json={"email": email, "password": password}
    )


def _web_login(client: TestClient, email: str, password: str, next_url: str = ""):
    data = {"email": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/login", data=data, follow_redirects=False)


@pytest.mark.parametrize("channel", ["api", "web"])
def test_brute_force_is_slowed_then_locked_then_released(
    client: TestClient,
    site: Site,
    settings: Settings,
    clock: MutableClock,
    channel: str,
) -> None:
    login = _api_login if channel == "api" else _web_login
    email = site.emails[Role.reception]
    ok = 200 if channel == "api" else 303
    statuses = []
    for _ in range(settings.login_delay_after):
        statuses.append(login(client, email, "wrong password!").status_code)
    assert statuses == [401] * settings.login_delay_after
    # slowed: the next attempt must wait, even with the right password
    slowed = login(client, email, PASSWORD)
    assert slowed.status_code == 429
    if channel == "api":
        assert int(slowed.headers["Retry-After"]) >= 1
    # keep guessing, waiting out each delay, until the account locks
    failures = settings.login_delay_after
    while failures < settings.login_lock_after:
        clock.advance(seconds=settings.login_max_delay_s + 1)
        assert login(client, email, "wrong password!").status_code == 401
        failures += 1
    clock.advance(seconds=settings.login_max_delay_s + 1)
    locked = login(client, email, PASSWORD)
    assert locked.status_code == 429  # locked: the right password does not help
    clock.advance(seconds=settings.login_lock_s + 1)
    assert login(client, email, PASSWORD).status_code == ok


def test_many_failures_from_one_address_block_the_address(
    client: TestClient, site: Site, settings: Settings
) -> None:
    for n in range(settings.login_address_lock_after):
        response = _api_login(client, f"nobody-{n}@example.org", "wrong password!")
        assert response.status_code == 401
    blocked = _api_login(client, site.emails[Role.nurse], PASSWORD)
    assert blocked.status_code == 429


def _session_from(response) -> str:
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name == SESSION_COOKIE:
            return rest.split(";", 1)[0]
    raise AssertionError("no session cookie set")


def _role_of(app: FastAPI, session: str) -> str | int:
    """The role the session signs in as, or the status when it signs in as nobody."""
    with TestClient(app, base_url="http://testserver") as fresh:
        me = fresh.get(
            "/api/v1/auth/me", headers={"Cookie": f"{SESSION_COOKIE}={session}"}
        )
    return me.json()["role"] if me.status_code == 200 else me.status_code


def _login_with_cookie(app: FastAPI, email: str, cookie: str):
    with TestClient(app, base_url="http://testserver") as browser:
        return browser.post(
            "/login",
            data={"email": email, "password": PASSWORD},
            headers={"Cookie": f"{SESSION_COOKIE}={cookie}"},
            follow_redirects=False,
        )


def test_signing_in_never_keeps_a_planted_session(app: FastAPI, site: Site) -> None:
    # an attacker's own valid session, planted in the victim's browser
    with TestClient(app, base_url="http://testserver") as attacker:
        planted = _session_from(
            _web_login(attacker, site.emails[Role.patient], PASSWORD)
        )
    response = _login_with_cookie(app, site.emails[Role.clinician], planted)
    assert response.status_code == 303
    issued = _session_from(response)
    assert issued != planted
    set_cookie = response.headers["set-cookie"].lower()
    assert "httponly" in set_cookie
    assert "samesite=lax" in set_cookie
    # the planted token is still only the attacker's (never raised to the clinician's)
    assert _role_of(app, planted) == "patient"
    assert _role_of(app, issued) == "clinician"


def test_a_made_up_session_token_is_never_accepted(app: FastAPI, site: Site) -> None:
    response = _login_with_cookie(app, site.emails[Role.nurse], "attacker-chosen-value")
    assert response.status_code == 303
    assert _session_from(response) != "attacker-chosen-value"
    assert _role_of(app, "attacker-chosen-value") == 401


def test_the_session_cookie_is_secure_behind_tls(database, site: Site) -> None:
    from prolo.main import create_app

    settings = Settings(environment="test", database_url=database.url, behind_tls=True)
    app = create_app(settings, database=database)
    with TestClient(app, base_url="https://testserver") as client:
        response = _web_login(client, site.emails[Role.nurse], PASSWORD)
    assert response.status_code == 303
    assert "secure" in response.headers["set-cookie"].lower()


def test_every_unsafe_page_route_needs_the_csrf_token(
    app: FastAPI, client: TestClient, site: Site, web_login: WebLogin
) -> None:
    # public forms (sign-in, the kiosk, a patient's check-in link) act on no session: nothing to
    # forge with a victim's cookie
    unsafe = [
        (method, path)
        for method, path, _ in page_routes(app)
        if method in UNSAFE and AREAS.get(area_of(path) or "", PUBLIC) != PUBLIC
    ]
    assert ("POST", "/logout") in unsafe
    wrong = []
    for method, path in unsafe:
        area = area_of(path)
        rule = AREAS.get(area or "", PUBLIC)
        role = sorted(allowed(rule), key=lambda r: r.value)[0]
        client.cookies.clear()
        token = web_login(client, role)
        url = path
        for name, value in site.ids.items():
            url = url.replace("{" + name + "}", value)
        for presented in ({}, {"csrf_token": "forged"}, {"csrf_token": token[::-1]}):
            response = client.request(
                method, url, data=presented, follow_redirects=False
            )
            if response.status_code != 403:
                wrong.append((method, path, presented, response.status_code))
        # the same request with the token is not refused for CSRF
        response = client.request(
            method, url, data={"csrf_token": token}, follow_redirects=False
        )
        if response.status_code == 403 and "CSRF" in response.text:
            wrong.append((method, path, "refused with the token", 403))
    assert wrong == []


def test_every_unsafe_api_route_needs_the_csrf_header_with_a_session_cookie(
    app: FastAPI, client: TestClient, site: Site, web_login: WebLogin
) -> None:
    token = web_login(client, Role.clinician)
    spec = app.openapi()
    wrong = []
    for operation in operations(app):
        if operation.method not in UNSAFE or not operation.path.startswith("/api/"):
            continue
        if operation.path == "/api/v1/auth/token":
            continue
        request = request_for(spec, operation, site.ids)
        for presented in ({}, {CSRF_HEADER: "forged"}):
            response = client.request(
                request.method,
                request.url,
                params=request.params,
                json=request.json,
                headers={**request.headers, **presented},
            )
            if response.status_code != 403:
                wrong.append((operation.key, presented, response.status_code))
    assert token
    assert wrong == []


EVIL_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "/\t/evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "https:/evil.example",
]


def _is_local(location: str) -> bool:
    """A path on this site: no scheme, no host, one leading slash, no backslash."""
    parts = urlsplit(location)
    return (
        not parts.scheme
        and not parts.netloc
        and location.startswith("/")
        and not location.startswith("//")
        and "\\" not in location
    )


@pytest.mark.parametrize("next_url", EVIL_NEXT)
def test_signing_in_never_redirects_off_the_site(
    client: TestClient, site: Site, next_url: str
) -> None:
    response = _web_login(client, site.emails[Role.nurse], PASSWORD, next_url)
    assert response.status_code == 303
    assert _is_local(response.headers["location"]), response.headers["location"]


@pytest.mark.parametrize("next_url", EVIL_NEXT)
def test_the_login_form_never_carries_an_offsite_next(
    client: TestClient, next_url: str
) -> None:
    page = client.get("/login", params={"next": next_url})
    assert page.status_code == 200
    carried = re.search(r'name="next" value="([^"]*)"', page.text)
    assert carried is not None
    assert _is_local(carried.group(1)), carried.group(1)


def test_a_signed_out_visit_goes_to_login_and_back_to_the_same_path(
    client: TestClient, site: Site
) -> None:
    path = f"/clinician/patients/{site.ids['patient_id']}"
    response = client.get(path + "?tab=x&next=//evil.example", follow_redirects=False)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [path]
    signed_in = _web_login(client, site.emails[Role.clinician], PASSWORD, path)
    assert signed_in.headers["location"] == path


def test_an_old_session_stops_working_after_sign_out(
    app: FastAPI, client: TestClient, site: Site, web_login: WebLogin
) -> None:
    token = web_login(client, Role.nurse)
    session = accounts_session(client)
    assert _role_of(app, session) == "nurse"
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert _role_of(app, session) == 401


def accounts_session(client: TestClient) -> str:
    return next(c.value for c in client.cookies.jar if c.name == SESSION_COOKIE)
