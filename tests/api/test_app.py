"""The app as a whole: refuses an un-migrated database, health, problem+json, no 500s."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from api.harness import Login, TestClient
from prolo.main import create_app
from prolo.settings import Settings
from prolo.store.records import Role


class TestStartup:
    def test_refuses_an_unmigrated_database_with_a_clear_message(
        self, tmp_path
    ) -> None:
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        with pytest.raises(SystemExit) as info:
            create_app(Settings(environment="test", database_url=url))
        message = str(info.value.code)
        assert message.startswith("prolo: error: database is not migrated")
        assert "prolo db upgrade" in message

    def test_refuses_an_unreachable_database(self) -> None:
        url = "postgresql+psycopg://nobody:secret@127.0.0.1:1/none?connect_timeout=1"
        with pytest.raises(SystemExit) as info:
            create_app(Settings(environment="test", database_url=url))
        message = str(info.value.code)
        assert "unreachable" in message
        assert "secret" not in message

    def test_refuses_a_malformed_url(self) -> None:
        with pytest.raises(SystemExit, match="cannot use the database URL"):
            create_app(Settings(environment="test", database_url="nonsense"))


class TestHealth:
    def test_reports_the_database_and_its_revision(
        self, client: TestClient, app: FastAPI
    ) -> None:
        response = client.get("/api/v1/health")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert body["database"]["reachable"] is True
        assert body["database"]["up_to_date"] is True
        assert body["database"]["revision"] == body["database"]["head"]
        assert body["database"]["backend"] in ("sqlite", "postgresql")


class TestProblems:
    def test_unknown_route_is_a_problem_document(self, client: TestClient) -> None:
        response = client.get("/api/v1/nothing-here")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == "/problems/not-found"
        assert body["status"] == 404
        assert body["instance"] == "/api/v1/nothing-here"

    def test_wrong_method_is_405(self, client: TestClient) -> None:
        response = client.delete("/api/v1/health")
        assert response.status_code == 405
        assert response.json()["type"] == "/problems/method-not-allowed"

    def test_no_login_is_401_with_a_challenge(self, client: TestClient) -> None:
        response = client.get("/api/v1/patients")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert "log in first" in response.json()["detail"]

    @pytest.mark.parametrize("header", ["Bearer nope", "Basic abc", "Bearer "])
    def test_bad_credentials_are_401(self, client: TestClient, header: str) -> None:
        response = client.get("/api/v1/patients", headers={"Authorization": header})
        assert response.status_code == 401

    @pytest.mark.parametrize(
        ("body", "field", "message"),
        [
            ({"given_name": "A"}, "family_name", "required"),
            (
                {"given_name": "A", "family_name": "B", "shoe_size": 44},
                "shoe_size",
                "unknown field",
            ),
            (
                {"given_name": "A", "family_name": "B", "birth_date": "yesterday"},
                "birth_date",
                "date",
            ),
            ({"given_name": "A", "family_name": "B", "sex": "robot"}, "sex", "female"),
            ({"given_name": 5, "family_name": "B"}, "given_name", "string"),
            ([1, 2], "(body)", "dictionary"),
        ],
    )
    def test_validation_errors_name_the_field(
        self, client: TestClient, login: Login, body: object, field: str, message: str
    ) -> None:
        response = client.post(
            "/api/v1/patients", json=body, headers=login(Role.reception)
        )
        assert response.status_code == 422
        problem = response.json()
        assert problem["type"] == "/problems/invalid-input"
        assert problem["errors"][0]["field"] == field
        assert message in problem["errors"][0]["message"]
        assert field in problem["detail"]

    @pytest.mark.parametrize(
        "raw",
        [
            b"{",
            b"\xff\xfe",
            b"null",
            b'{"given_name": "A", "family_name": "B"',
            b"[]" * 1000,
        ],
    )
    def test_malformed_bodies_are_422_not_500(
        self, client: TestClient, login: Login, raw: bytes
    ) -> None:
        headers = {**login(Role.reception), "Content-Type": "application/json"}
        response = client.post("/api/v1/patients", content=raw, headers=headers)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/patients/not-a-uuid",
            "/api/v1/patients?limit=0",
            "/api/v1/patients?limit=100000",
            "/api/v1/patients?offset=-1",
            "/api/v1/patients?q=" + "x" * 101,
            "/api/v1/audit-events?since=not-a-date",
        ],
    )
    def test_bad_paths_and_queries_are_422(
        self, client: TestClient, login: Login, path: str
    ) -> None:
        response = client.get(path, headers=login(Role.admin))
        assert response.status_code == 422, response.text

    def test_a_bug_is_a_logged_500_problem_without_internals(
        self, app: FastAPI, caplog: pytest.LogCaptureFixture
    ) -> None:
        @app.get("/api/v1/_boom")
        def boom() -> None:
            raise RuntimeError("secret internals")

        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/api/v1/_boom")
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        assert "secret internals" not in response.text
        assert response.json()["type"] == "/problems/internal-error"
        assert any(
            "secret internals" in str(r.exc_info[1])
            for r in caplog.records
            if r.exc_info
        )

    def test_openapi_document_lists_the_routes(self, client: TestClient) -> None:
        spec = client.get("/api/v1/openapi.json").json()
        assert "/api/v1/patients" in spec["paths"]
        assert "/api/v1/health" in spec["paths"]
