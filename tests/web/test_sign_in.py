"""Signing in and out through the real form, on the full app with the demo clinic."""

from __future__ import annotations

import httpx
import pytest

from servers import HTTP_TIMEOUT

from .conftest import DemoSite, http_sign_in, sign_in

ROLE_HOMES = {
    "patient": "/portal",
    "reception": "/reception",
    "clinician": "/clinician",
    "nurse": "/clinician",
    "admin": "/owner",
}


@pytest.fixture
def client(demo_site: DemoSite):
    with httpx.Client(
        base_url=demo_site.url, follow_redirects=False, timeout=HTTP_TIMEOUT
    ) as c:
        yield c


@pytest.mark.parametrize(("role", "home"), sorted(ROLE_HOMES.items()))
def test_each_role_signs_in_to_its_home(
    demo_site: DemoSite, client: httpx.Client, role: str, home: str
):
    email, password = demo_site.logins[role]
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 303
    assert response.headers["location"] == home
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert client.get("/").headers["location"] == home


def test_wrong_password_shows_one_message_and_no_session(
    demo_site: DemoSite, client: httpx.Client
):
    email, _ = demo_site.logins["clinician"]
    response = client.post(
        "/login", data={"email": email, "password": "not-the-password"}
    )
    assert response.status_code == 401
    assert "login-error" in response.text
    assert "prolo_session" not in response.headers.get("set-cookie", "")
    unknown = client.post(
        "/login", data={"email": "nobody@example.org", "password": "x" * 12}
    )
    assert unknown.status_code == 401
    # the same words whether the account exists or not: no account enumeration
    assert unknown.text.count("alert--error") == response.text.count("alert--error")


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"]
)
def test_next_never_leaves_the_site(
    demo_site: DemoSite, client: httpx.Client, target: str
):
    email, password = demo_site.logins["reception"]
    response = client.post(
        "/login", data={"email": email, "password": password, "next": target}
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/")
    assert not location.startswith("//")
    assert "evil" not in location


def test_next_keeps_a_local_path(demo_site: DemoSite, client: httpx.Client):
    email, password = demo_site.logins["patient"]
    response = client.post(
        "/login",
        data={"email": email, "password": password, "next": "/learn/your-course"},
    )
    assert response.headers["location"] == "/learn/your-course"


def test_signing_in_issues_a_new_session_token(
    demo_site: DemoSite, client: httpx.Client
):
    email, password = demo_site.logins["nurse"]
    response = client.post(
        "/login",
        data={"email": email, "password": password},
        headers={"cookie": "prolo_session=planted-by-an-attacker"},
    )
    issued = response.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    assert issued
    assert issued != "planted-by-an-attacker"


def test_sign_out_needs_the_csrf_token_and_ends_the_session(
    demo_site: DemoSite, client: httpx.Client
):
    csrf = http_sign_in(client, demo_site, "clinician")
    assert client.post("/logout").status_code == 403
    assert client.get("/").headers["location"] == "/clinician"
    response = client.post("/logout", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert client.get("/").headers["location"] == "/learn"


@pytest.mark.browser
def test_signing_in_in_the_browser_shows_who_is_signed_in(demo_site: DemoSite, page):
    sign_in(page, demo_site, "reception")
    page.goto(f"{demo_site.url}/learn")
    email, _ = demo_site.logins["reception"]
    assert email in page.locator(".user-chip").inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{demo_site.url}/login")
