"""htmx on the server side: recognise htmx requests, and answer them the htmx way.

One route serves the full page, or only a fragment when htmx asks for one (`wants_fragment`).
Forms use POST-redirect-GET: `redirect_after_post` sends a 303 to a plain browser and an
`HX-Redirect` header to htmx, which then loads the new page itself (as Polar's HXRedirectResponse).
Header names: https://htmx.org/reference/#request_headers and #response_headers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

HX_REQUEST: Final = "HX-Request"
HX_BOOSTED: Final = "HX-Boosted"
HX_HISTORY_RESTORE_REQUEST: Final = "HX-History-Restore-Request"
HX_TARGET: Final = "HX-Target"
HX_REDIRECT: Final = "HX-Redirect"
HX_TRIGGER: Final = "HX-Trigger"
HX_PUSH_URL: Final = "HX-Push-Url"


def _is_true(request: Request, header: str) -> bool:
    return request.headers.get(header, "").lower() == "true"


def is_htmx(request: Request) -> bool:
    """The request was sent by htmx (it carries `HX-Request: true`)."""
    return _is_true(request, HX_REQUEST)


def is_boosted(request: Request) -> bool:
    """htmx sent the request for an hx-boost link or form: it expects a whole page."""
    return _is_true(request, HX_BOOSTED)


def is_history_restore(request: Request) -> bool:
    """htmx is restoring a history entry it did not cache: it expects a whole page."""
    return _is_true(request, HX_HISTORY_RESTORE_REQUEST)


def wants_fragment(request: Request) -> bool:
    """Answer with a fragment: an htmx request that is neither boosted nor a history restore."""
    return (
        is_htmx(request) and not is_boosted(request) and not is_history_restore(request)
    )


def hx_target(request: Request) -> str | None:
    """The id of the element htmx will swap the answer into, if the request names one."""
    return request.headers.get(HX_TARGET) or None


def hx_redirect(url: str) -> Response:
    """An empty 200 that makes htmx load `url` as a full page."""
    return Response(status_code=200, headers={HX_REDIRECT: url})


def redirect_after_post(request: Request, url: str) -> Response:
    """POST-redirect-GET: 303 See Other for a browser form, HX-Redirect for htmx."""
    if is_htmx(request):
        return hx_redirect(url)
    return RedirectResponse(url, status_code=303)


def trigger(response: Response, events: str | Mapping[str, object]) -> Response:
    """Add `HX-Trigger` so htmx fires client-side events after the swap.

    `events` is one event name, or a mapping of event names to JSON-serialisable details.
    """
    if isinstance(events, str):
        if not events or any(c in events for c in ',{}"\r\n'):
            raise ValueError(f"not a plain event name: {events!r}")
        value = events
    else:
        value = json.dumps(dict(events), separators=(",", ":"), ensure_ascii=True)
    response.headers[HX_TRIGGER] = value
    return response
