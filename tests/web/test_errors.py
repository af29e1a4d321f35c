"""HTML error pages in the visitor's language, with the right status and no traceback."""

# Turkish letters (dotless i) and en dashes in ranges are meant: the pages must show them.
# ruff: noqa: RUF001

from __future__ import annotations

import httpx
import pytest
from fastapi import HTTPException

from prolo.web.errors import error_page
from servers import HTTP_TIMEOUT

from .conftest import shell_app
from .test_contexts import make_request


def app_with_failing_routes():
    app = shell_app()

    @app.get("/forbidden")
    def forbidden() -> None:
        raise HTTPException(status_code=403, headers={"X-Reason": "role"})

    @app.get("/teapot")
    def teapot() -> None:
        raise HTTPException(status_code=418)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    return app


@pytest.fixture
def client(live_server_factory):
    with httpx.Client(
        base_url=live_server_factory(app_with_failing_routes), timeout=HTTP_TIMEOUT
    ) as client:
        yield client


@pytest.mark.parametrize(
    ("lang", "title"), [("en", "Page not found"), ("tr", "Sayfa bulunamadı")]
)
def test_an_unknown_page_is_a_404_page_in_the_visitors_language(http, lang, title):
    response = http.get("/no/such/page", headers={"Accept-Language": lang})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert (
        f'<h1 id="error-title" class="error-card__title">{title}</h1>' in response.text
    )
    assert f'<html lang="{lang}">' in response.text


def test_forbidden_is_a_403_page_keeping_the_exceptions_headers(client):
    response = client.get("/forbidden", headers={"Accept-Language": "tr"})
    assert response.status_code == 403
    assert "Bu sayfaya erişim yetkiniz yok" in response.text
    assert response.headers["x-reason"] == "role"


def test_another_status_gets_the_generic_page(client):
    response = client.get("/teapot")
    assert response.status_code == 418
    assert "The request could not be completed" in response.text
    assert "Error 418" in response.text


def test_an_unhandled_error_is_a_500_page_without_internals(client):
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("status", [204, 304])
def test_bodyless_statuses_get_no_page(status):
    response = error_page(make_request(), status)
    assert response.status_code == status
    assert response.body == b""
