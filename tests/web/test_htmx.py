"""htmx helpers: which requests want a fragment, and POST-redirect-GET for both kinds of client."""

from __future__ import annotations

import json

import pytest
from starlette.requests import Request
from starlette.responses import Response

from prolo.web import htmx


def request_with(**headers: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "POST",
            "path": "/x",
            "query_string": b"",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        }
    )


@pytest.mark.parametrize(
    ("headers", "htmx_request", "fragment"),
    [
        ({}, False, False),
        ({"HX-Request": "true"}, True, True),
        ({"HX-Request": "TRUE"}, True, True),
        ({"HX-Request": "false"}, False, False),
        ({"HX-Request": "true", "HX-Boosted": "true"}, True, False),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, True, False),
        ({"HX-Boosted": "true"}, False, False),
    ],
)
def test_which_requests_want_a_fragment(headers, htmx_request, fragment):
    request = request_with(**headers)
    assert htmx.is_htmx(request) is htmx_request
    assert htmx.wants_fragment(request) is fragment


def test_hx_target_names_the_swap_target():
    assert htmx.hx_target(request_with(**{"HX-Target": "guide"})) == "guide"
    assert htmx.hx_target(request_with()) is None


def test_a_plain_form_post_is_redirected_with_303():
    response = htmx.redirect_after_post(request_with(), "/portal")
    assert response.status_code == 303
    assert response.headers["location"] == "/portal"
    assert htmx.HX_REDIRECT not in response.headers


def test_an_htmx_post_gets_hx_redirect():
    response = htmx.redirect_after_post(
        request_with(**{"HX-Request": "true"}), "/portal"
    )
    assert response.status_code == 200
    assert response.headers[htmx.HX_REDIRECT] == "/portal"
    assert "location" not in response.headers


def test_trigger_with_one_event_name():
    response = htmx.trigger(Response(), "bookingSaved")
    assert response.headers["HX-Trigger"] == "bookingSaved"


def test_trigger_with_event_details_is_json():
    response = htmx.trigger(
        Response(), {"showMessage": {"level": "info", "text": "Kaydedildi"}}
    )
    assert json.loads(response.headers["HX-Trigger"]) == {
        "showMessage": {"level": "info", "text": "Kaydedildi"}
    }
    assert response.headers["HX-Trigger"].isascii()


@pytest.mark.parametrize("name", ["", "a,b", '{"x":1}', "line\nbreak"])
def test_trigger_refuses_what_is_not_one_event_name(name):
    with pytest.raises(ValueError, match="event name"):
        htmx.trigger(Response(), name)
