"""HTML error pages (403, 404, 500 and a generic one) in the visitor's language.

The composition root decides which requests get HTML and which get problem+json (the API's);
these handlers only render. Register them for the web paths, for example:

    app.add_exception_handler(StarletteHTTPException, html_http_error_handler)
    app.add_exception_handler(Exception, html_server_error_handler)
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from prolo.web.contexts import ErrorPage
from prolo.web.i18n import request_language
from prolo.web.rendering import render
from prolo.web.shell import build_shell

logger = logging.getLogger(__name__)

# Statuses whose response must carry no body (RFC 9110): no page is rendered for them.
_BODYLESS = frozenset({204, 304})


def error_page(request: Request, status_code: int) -> Response:
    """The HTML error page for `status_code`, in the request's language."""
    if status_code in _BODYLESS or status_code < 400:
        return Response(status_code=status_code)
    lang = request_language(request)
    context = ErrorPage(
        lang=lang, shell=build_shell(request, lang), status_code=status_code
    )
    return render(request, "pages/error.html", context, status_code=status_code)


async def html_http_error_handler(request: Request, exc: Exception) -> Response:
    """Exception handler for Starlette/FastAPI HTTPException: the matching error page."""
    if not isinstance(exc, StarletteHTTPException):
        return await html_server_error_handler(request, exc)
    response = error_page(request, exc.status_code)
    for name, value in (exc.headers or {}).items():
        response.headers.setdefault(name, value)
    return response


async def html_server_error_handler(request: Request, exc: Exception) -> Response:
    """Exception handler for anything unhandled: log it, show the 500 page (no traceback)."""
    logger.error(
        "unhandled error on %s %s", request.method, request.url.path, exc_info=exc
    )
    return error_page(request, 500)
