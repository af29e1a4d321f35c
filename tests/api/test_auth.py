"""Logging in over the API: bearer tokens, logout, rate limits, web-session cookies + CSRF."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from api.harness import PASSWORD, Login, TestClient
from prolo.api.auth import CSRF_FIELD, WebActorDep, start_web_session
from prolo.api.deps import CSRF_HEADER, SESSION_COOKIE
from prolo.services import accounts
from prolo.services.context import Actor
from prolo.store.records import Clinic, Role
from prolo.store.unit_of_work import Database


@pytest.fixture
def nurse_email(database: Database, api_clinic: Clinic) -> str:
    with database.unit_of_work() as uow:
        accounts.create_user(
            uow,
            Actor.operator(api_clinic.id),
            email="nurse@example.org",
            password=PASSWORD,
            role=Role.nurse,
        )
        uow.commit()
    return "nurse@example.org"


class TestBearerTokens:
    def test_login_me_logout(self, client: TestClient, nurse_email: str) -> None:
        response = client.post(
            "/api/v1/auth/token", json={"email": nurse_email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["user"]["role"] == "nurse"
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        assert (
            client.get("/api/v1/auth/me", headers=headers).json()["email"]
            == nurse_email
        )
        assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401

    def test_wrong_password_is_401_and_counts(
        self, client: TestClient, nurse_email: str, database: Database
    ) -> None:
        response = client.post(
            "/api/v1/auth/token",
            json={"email": nurse_email, "password": "wrong password"},
        )
        assert response.status_code == 401
        assert response.json()["detail"] == "wrong e-mail or password"
        with database.unit_of_work() as uow:
            count, _ = uow.users.recent_failures(
                email=nurse_email, since=uow.now().replace(year=2000)
            )
        assert count == 1  # recorded although the request failed

    def test_repeated_failures_get_429_with_retry_after(
        self, client: TestClient, nurse_email: str, app: FastAPI
    ) -> None:
        limit = app.state.api_config.login_policy.delay_after
        for _ in range(limit):
            client.post(
                "/api/v1/auth/token",
                json={"email": nurse_email, "password": "wrong password"},
            )
        response = client.post(
            "/api/v1/auth/token", json={"email": nurse_email, "password": PASSWORD}
        )
        assert response.status_code == 429
        assert response.headers["retry-after"] == "1"
        assert response.json()["type"] == "/problems/too-many-requests"

    def test_unknown_login_fields_are_refused(self, client: TestClient) -> None:
        response = client.post(
            "/api/v1/auth/token",
            json={"email": "a@b.c", "password": "x", "remember": True},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "remember"


class TestWebSession:
    """The cookie session the web pages use (prolo.api.auth), also accepted by the API."""

    @pytest.fixture
    def session_client(
        self, app: FastAPI, client: TestClient, nurse_email: str, database: Database
    ) -> tuple[TestClient, str]:
        response = Response()
        request = Request(
            {
                "type": "http",
                "headers": [],
                "client": ("192.0.2.1", 1),
                "method": "POST",
                "path": "/login",
            }
        )
        with database.unit_of_work() as uow:
            issued = start_web_session(
                uow,
                request,
                response,
                app.state.api_config,
                email=nurse_email,
                password=PASSWORD,
            )
            uow.commit()
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert f"Max-Age={app.state.api_config.session_ttl_s}" in cookie
        client.cookies.set(SESSION_COOKIE, issued.token)
        return client, accounts.csrf_token(
            app.state.api_config.secret_key, issued.token
        )

    def test_safe_requests_need_only_the_cookie(
        self, session_client: tuple[TestClient, str]
    ) -> None:
        client, _ = session_client
        assert client.get("/api/v1/auth/me").json()["role"] == "nurse"

    def test_unsafe_requests_need_the_csrf_header(
        self, session_client: tuple[TestClient, str]
    ) -> None:
        client, csrf = session_client
        body = {"given_name": "A", "family_name": "B"}
        refused = client.post("/api/v1/patients", json=body)
        assert refused.status_code == 403
        assert "CSRF" in refused.json()["detail"]
        assert (
            client.post(
                "/api/v1/patients", json=body, headers={CSRF_HEADER: "0" * 64}
            ).status_code
            == 403
        )
        assert (
            client.post(
                "/api/v1/patients", json=body, headers={CSRF_HEADER: csrf}
            ).status_code
            == 201
        )


class TestPasswordChange:
    def test_changing_the_password_revokes_the_token(
        self, client: TestClient, nurse_email: str
    ) -> None:
        token = client.post(
            "/api/v1/auth/token", json={"email": nurse_email, "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        response = client.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": "a brand new password"},
            headers=headers,
        )
        assert response.status_code == 204
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_users_are_managed_by_admins_only(client: TestClient, login: Login) -> None:
    body = {"email": "new@example.org", "password": PASSWORD, "role": "reception"}
    assert (
        client.post(
            "/api/v1/users", json=body, headers=login(Role.clinician)
        ).status_code
        == 403
    )
    created = client.post("/api/v1/users", json=body, headers=login(Role.admin))
    assert created.status_code == 201
    assert created.json()["role"] == "reception"
    assert "password" not in created.text
    listed = client.get(
        "/api/v1/users?role=reception", headers=login(Role.admin)
    ).json()
    assert [u["email"] for u in listed["items"]] == ["new@example.org"]


def test_web_forms_carry_the_csrf_token(
    app: FastAPI, client: TestClient, nurse_email: str, database: Database
) -> None:
    """`prolo.api.auth.WebActorDep`, as the web pages use it: a form post needs `csrf_token`."""

    @app.post("/_test/form")
    def form(actor: WebActorDep) -> dict[str, str]:
        return {"role": actor.role.value}

    response = Response()
    request = Request(
        {
            "type": "http",
            "headers": [],
            "client": ("192.0.2.1", 1),
            "method": "POST",
            "path": "/login",
        }
    )
    with database.unit_of_work() as uow:
        issued = start_web_session(
            uow,
            request,
            response,
            app.state.api_config,
            email=nurse_email,
            password=PASSWORD,
        )
        uow.commit()
    client.cookies.set(SESSION_COOKIE, issued.token)
    csrf = accounts.csrf_token(app.state.api_config.secret_key, issued.token)
    assert client.post("/_test/form", data={"x": "1"}).status_code == 403
    assert client.post("/_test/form", data={CSRF_FIELD: "nope"}).status_code == 403
    ok = client.post("/_test/form", data={CSRF_FIELD: csrf})
    assert ok.status_code == 200
    assert ok.json() == {"role": "nurse"}
    client.cookies.clear()
    anonymous = client.post(
        "/_test/form", data={CSRF_FIELD: csrf}, follow_redirects=False
    )
    assert (
        anonymous.status_code == 303
    )  # a page sends a visitor without a session to sign in
    assert anonymous.headers["location"] == "/login?next=/_test/form"


def test_aftercare_instructions_in_both_languages(
    client: TestClient, login: Login
) -> None:
    headers = login(Role.reception)
    english = client.get("/api/v1/clinic/aftercare", headers=headers)
    turkish = client.get("/api/v1/clinic/aftercare?language=tr", headers=headers)
    assert english.status_code == turkish.status_code == 200
    assert english.text.startswith("After your prolotherapy session")
    assert turkish.text.startswith("Proloterapi sonrası")  # noqa: RUF001
    assert (
        client.get("/api/v1/clinic/aftercare?language=de", headers=headers).status_code
        == 422
    )
