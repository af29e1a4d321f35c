"""The one translator from errors to RFC 9457 problem details (`application/problem+json`).

    {"type": "/problems/not-found", "title": "Not found", "status": 404,
     "detail": "no patient 6f1c...", "instance": "/api/v1/patients/6f1c..."}

- request validation (bad JSON, a missing or unknown field, a wrong type) -> 422 `invalid-input`,
  with `errors: [{field, message}]` and a `detail` that names every field;
- service errors (`prolo.services.errors`) -> their own status and type;
- domain errors -> 422 (`invalid-input` naming the field, or `rule-violation`);
- unknown routes and methods -> 404 / 405;
- anything else is a bug: logged with its traceback, answered 500 `internal-error` without
  internals.
`type` is a URI reference relative to the server; docs/api.md lists every type.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from prolo.domain.errors import (
    DomainError,
    InvalidInputError,
    ReferenceDataError,
    RuleViolationError,
    UnknownIdError,
)
from prolo.services.errors import (
    AuthenticationError,
    ServiceError,
    ServiceUnavailableError,
    TooManyRequestsError,
)

logger = logging.getLogger("prolo.api")

PROBLEM_JSON = "application/problem+json"

_HTTP_TYPES = {
    400: ("bad-request", "Bad request"),
    401: ("authentication-required", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


def problem(
    request: Request,
    *,
    status: int,
    type_: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{type_}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update({k: v for k, v in extensions.items() if v is not None})
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "(body)"


def _validation_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field (not accepted here)"
    if kind == "missing":
        return "required"
    if kind == "json_invalid":
        return f"invalid JSON: {error.get('ctx', {}).get('error', error.get('msg'))}"
    return str(error.get("msg", "invalid"))


async def validation_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field(e.get("loc", ())), "message": _validation_message(e)}
        for e in exc.errors()
    ]
    detail = (
        "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    )
    return problem(
        request,
        status=422,
        type_="invalid-input",
        title="Invalid input",
        detail=detail,
        errors=errors,
    )


async def service_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    headers: dict[str, str] = {}
    if isinstance(exc, AuthenticationError):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, TooManyRequestsError | ServiceUnavailableError):
        headers["Retry-After"] = str(exc.retry_after)
    extensions = {
        k: (str(v) if not isinstance(v, int | float | str) else v)
        for k, v in exc.extra.items()
    }
    errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
    return problem(
        request,
        status=exc.status,
        type_=exc.type,
        title=exc.title,
        detail=exc.detail,
        headers=headers or None,
        errors=errors,
        **extensions,
    )


async def domain_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    if isinstance(exc, ReferenceDataError):
        logger.error("reference data error: %s", exc, exc_info=exc)
        return problem(
            request,
            status=500,
            type_="reference-data",
            title="Reference data error",
            detail="the clinic's reference data or settings are broken; an administrator must fix them",
        )
    if isinstance(exc, RuleViolationError):
        type_, title = "rule-violation", "A clinic rule forbids this"
    elif isinstance(exc, UnknownIdError | InvalidInputError):
        type_, title = "invalid-input", "Invalid input"
    else:
        type_, title = "invalid-input", "Invalid input"
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
    return problem(
        request, status=422, type_=type_, title=title, detail=exc.message, errors=errors
    )


async def http_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    type_, title = _HTTP_TYPES.get(exc.status_code, ("http-error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such resource: {request.url.path}"
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem(
        request,
        status=exc.status_code,
        type_=type_,
        title=title,
        detail=detail,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def bug_problem(request: Request, exc: Exception) -> JSONResponse:
    logger.error(
        "unhandled error on %s %s", request.method, request.url.path, exc_info=exc
    )
    return problem(
        request,
        status=500,
        type_="internal-error",
        title="Internal server error",
        detail="an unexpected error occurred; it has been logged",
    )


API_PATH_PREFIX = "/api/"


def is_api_path(path: str) -> bool:
    return path.startswith(API_PATH_PREFIX)


def is_api_request(request: Request) -> bool:
    return is_api_path(request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    """Register every handler on `app` (the API and the web share them)."""
    app.add_exception_handler(RequestValidationError, validation_problem)
    app.add_exception_handler(ServiceError, service_problem)
    app.add_exception_handler(DomainError, domain_problem)
    app.add_exception_handler(StarletteHTTPException, http_problem)
    app.add_exception_handler(Exception, bug_problem)
