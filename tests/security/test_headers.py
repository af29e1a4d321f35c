"""Security headers on every response: every API operation and every page of the app, signed in
and not, errors (404, 422, 500) and static files included."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from api.harness import TestClient
from prolo.main import create_app
from prolo.settings import Settings
from prolo.store.records import Role
from prolo.store.unit_of_work import Database
from security.conftest import WebLogin
from security.harness import Site
from security.requests import operations, request_for
from security.test_roles import _site_ids, page_routes


def _problems(response, *, tls: bool) -> list[str]:
    headers = response.headers
    found = []
    if headers.get("x-content-type-options") != "nosniff":
        found.append("X-Content-Type-Options")
    if headers.get("x-frame-options") != "DENY":
        found.append("X-Frame-Options")
    csp = headers.get("content-security-policy", "")
    if "frame-ancestors 'none'" not in csp:
        found.append("CSP frame-ancestors")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        found.append("CSP allows unsafe-inline/eval")
    if headers.get("content-type", "").startswith("text/html") and (
        "script-src" not in csp and "default-src 'none'" not in csp
    ):
        found.append("CSP on HTML without script-src")
    has_hsts = "strict-transport-security" in headers
    if tls and (not has_hsts or "max-age=" not in headers["strict-transport-security"]):
        found.append("HSTS missing behind TLS")
    if not tls and has_hsts:
        found.append("HSTS without TLS")
    return found


def _every_response(app: FastAPI, client: TestClient, site: Site):
    spec = app.openapi()
    ids = _site_ids(site)
    for operation in operations(app):
        request = request_for(spec, operation, ids)
        yield (
            operation.key,
            client.request(
                request.method,
                request.url,
                params=request.params,
                json=request.json,
                headers={**site.auth(Role.clinician), **request.headers},
            ),
        )
    for method, path, _ in page_routes(app):
        if method == "GET":
            url = path
            for name, value in ids.items():
                url = url.replace("{" + name + "}", value)
            yield (method, path), client.get(url, follow_redirects=False)
    for extra in (
        "/no/such/page",
        "/api/v1/no-such-route",
        "/api/v1/patients/not-a-uuid",
        "/api/v1/openapi.json",
        "/api/v1/docs",
        "/static/css/app.css",
    ):
        yield ("GET", extra), client.get(extra, follow_redirects=False)


@pytest.mark.parametrize("tls", [False, True], ids=["http", "behind-tls"])
def test_every_response_carries_the_security_headers(
    database: Database, site: Site, web_login: WebLogin, tls: bool
) -> None:
    settings = Settings(environment="test", database_url=database.url, behind_tls=tls)
    app = create_app(settings, database=database)
    wrong = []
    seen = 0
    with TestClient(
        app, base_url="https://testserver" if tls else "http://testserver"
    ) as client:
        for signed_in in (False, True):
            if signed_in:
                web_login(client, Role.clinician)
            for where, response in _every_response(app, client, site):
                seen += 1
                problems = _problems(response, tls=tls)
                if problems:
                    wrong.append((where, response.status_code, problems))
    assert seen > 100
    assert wrong == []


def test_a_server_error_carries_the_headers_too(app: FastAPI) -> None:
    @app.get("/api/v1/_boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/_boom")
    def page_boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        for path in ("/api/v1/_boom", "/_boom"):
            response = client.get(path)
            assert response.status_code == 500
            assert _problems(response, tls=False) == [], path
            assert "secret internals" not in response.text


def test_html_pages_get_the_strict_policy(client: TestClient) -> None:
    csp = client.get("/learn").headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe" not in csp


def test_the_api_docs_allow_only_their_own_inline_script(client: TestClient) -> None:
    import base64
    import hashlib
    import re

    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "unsafe-inline" not in csp
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.S)
    assert inline
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
