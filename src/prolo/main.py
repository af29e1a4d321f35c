"""Composition root of the web app: create_app(settings) builds the FastAPI application.

    uvicorn --factory prolo.main:create_app        (what `prolo serve` runs)

It opens the database named by the settings and refuses to start, with a one-line message and
no traceback, when the database is unreachable or not migrated (`prolo db upgrade` fixes that).
Then it mounts the JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json, docs at
/api/v1/docs), the web pages and their static files, and one set of error handlers: API paths
answer application/problem+json, page paths answer HTML pages.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import iter_route_contexts
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prolo import __version__
from prolo.api import problems
from prolo.api.router import API_PREFIX, api_router
from prolo.api.routers import calendar as calendar_routes
from prolo.api.routers import fhir
from prolo.domain.errors import DomainError
from prolo.gateway.limits import MAX_BODY_BYTES, RequestLimits
from prolo.gateway.requests import ApiConfig
from prolo.services.bootstrap import (
    Database,
    PoolSettings,
    SchemaNotReadyError,
    open_database,
    warm_up,
)
from prolo.services.errors import (
    UNTRANSLATED_DATABASE_ERRORS,
    AuthenticationError,
    ServiceError,
    ServiceUnavailableError,
    from_database_error,
)
from prolo.settings import Settings, get_settings
from prolo.web import (
    STATIC_ROUTE_NAME,
    STATIC_URL_PREFIX,
    build_web_router,
    error_page,
    html_http_error_handler,
    html_server_error_handler,
    static_files,
    warm_up_pages,
)
from prolo.web.security import CONTENT_SECURITY_POLICY

# Responses that are not pages (JSON, problem+json, calendars, images) may load nothing.
NO_CONTENT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"

logger = logging.getLogger("prolo")

Handler = Callable[[Request, Exception], Awaitable[Response]]


def _redacted(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest and ":" in rest.split("@", 1)[0]:
        user = rest.split("@", 1)[0].split(":", 1)[0]
        rest = f"{user}:***@{rest.split('@', 1)[1]}"
    return f"{scheme}{sep}{rest}"


def pool_settings(settings: Settings) -> PoolSettings:
    """One connection per database slot (gateway.requests.database_slot), as many again for the
    work outside the slots (the health check), and a checkout that gives up (503) when the
    request's own wait would have."""
    return PoolSettings(
        size=settings.database_slots,
        overflow=settings.database_slots,
        timeout_s=settings.db_wait_s,
        connect_timeout_s=settings.db_connect_timeout_s,
    )


def open_checked_database(settings: Settings) -> Database:
    """The settings' database, or SystemExit with a plain message (no traceback)."""
    try:
        database = open_database(settings.database_url, pool=pool_settings(settings))
    except SchemaNotReadyError as exc:
        raise SystemExit(f"prolo: error: {exc}") from None
    status = database.status()
    if not status.up_to_date:
        database.dispose()
        raise SystemExit(
            f"prolo: error: {status.describe()} (database {_redacted(settings.database_url)})"
        )
    return database


def _by_path(api: Handler, web: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if fhir.is_fhir_request(request):  # the FHIR facade answers OperationOutcome
            return await fhir.outcome_handler(request, exc)
        if problems.is_api_request(request):
            return await api(request, exc)
        return await web(request, exc)

    return handle


async def _web_service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    if isinstance(exc, AuthenticationError):
        # the path, percent-encoded: it is one query value, whatever characters it holds
        next_path = quote(request.url.path, safe="/")
        return RedirectResponse(f"/login?next={next_path}", status_code=303)
    response = error_page(request, exc.status)
    if isinstance(exc, ServiceUnavailableError):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _database_error(service: Handler, bug: Handler) -> Handler:
    """A database error that escaped a query: 503 when the database is unreachable, full or
    read-only (nothing was saved; the client may retry), else a bug (500, logged)."""

    async def handle(request: Request, exc: Exception) -> Response:
        translated = from_database_error(exc)
        if translated is None:
            return await bug(request, exc)
        logger.warning(
            "%s on %s %s: %s",
            translated.type,
            request.method,
            request.url.path,
            type(exc).__name__,
        )
        return await service(request, translated)

    return handle


async def _web_invalid_input(request: Request, exc: Exception) -> Response:
    """A page request the domain or the validation refused: the 422 page (never a 500)."""
    del exc
    return error_page(request, 422)


class AccessLogWithoutQueries(logging.Filter):
    """Drops the query string from uvicorn's access log lines: searches carry patient names,
    e-mails and identifiers (`?q=`, `?value=`), which must never reach the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, sep, _query = args[2].partition("?")
            if sep:
                record.args = (*args[:2], f"{path}?(query omitted)", *args[3:])
        return True


def _quiet_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogWithoutQueries) for f in access.filters):
        access.addFilter(AccessLogWithoutQueries())


def _add_security_headers(
    headers: MutableHeaders, path: str, settings: Settings
) -> None:
    """The headers every response carries (docs/security.md): no MIME sniffing, no framing,
    same-origin referrers, HSTS behind TLS, no caching of API answers, and a CSP (the web pages'
    on HTML; `default-src 'none'` on everything else, which loads nothing)."""
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if settings.behind_tls:
        headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    if problems.is_api_path(path):
        headers.setdefault("Cache-Control", "no-store")
    if headers.get("content-type", "").startswith("text/html"):
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    else:
        headers.setdefault("Content-Security-Policy", NO_CONTENT_POLICY)


def _with_security_headers(
    request: Request, response: Response, settings: Settings
) -> Response:
    _add_security_headers(response.headers, request.url.path, settings)
    return response


class SecurityHeaders:
    """ASGI middleware adding `_add_security_headers` to every HTTP response as it starts.

    Plain ASGI rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware runs every
    request through an extra task and memory streams, which cost 3 % of a worker's CPU under
    load (bench/load.py profile)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                _add_security_headers(
                    MutableHeaders(scope=message), path, self.settings
                )
            await send(message)

        await self.app(scope, receive, send_secured)


SWAGGER_UI_CDN = "https://cdn.jsdelivr.net"


def api_docs_page(openapi_url: str, title: str) -> HTMLResponse:
    """FastAPI's Swagger UI page under a CSP of its own: its scripts and styles from the CDN it
    names, its one inline script allowed by hash (never 'unsafe-inline'), nothing else."""
    page = get_swagger_ui_html(openapi_url=openapi_url, title=title)
    inline = re.findall(rb"<script>(.*?)</script>", bytes(page.body), re.S)
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in inline
    )
    page.headers["Content-Security-Policy"] = "; ".join(
        (
            "default-src 'none'",
            f"script-src {SWAGGER_UI_CDN} {hashes}",
            f"style-src {SWAGGER_UI_CDN}",
            "img-src 'self' data: https://fastapi.tiangolo.com",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
    return page


def _secured(handler: Handler, settings: Settings) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        return _with_security_headers(request, await handler(request, exc), settings)

    return handle


def _warm_up(app: FastAPI, db: Database) -> None:
    """Build now what the first requests of this process would otherwise wait for (each took
    50-260 ms on its first use; bench/cold_start.py): FastAPI builds the routes of an included
    router when a request first walks it, then the core's reference data, mappers and a
    connection, then the pages' templates and translations."""
    started = time.perf_counter()
    routes = sum(1 for _ in iter_route_contexts(app.router.routes))
    warm_up(db)
    warm_up_pages()
    logger.info(
        "warmed up in %.0f ms (%d routes)",
        (time.perf_counter() - started) * 1000,
        routes,
    )


def create_app(
    settings: Settings | None = None, *, database: Database | None = None
) -> FastAPI:
    """Build the app (uvicorn calls this in factory mode: `prolo.main:create_app`)."""
    settings = settings or get_settings()
    _quiet_access_log()
    owned = database is None
    db = database if database is not None else open_checked_database(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.warms_up:
            _warm_up(app, db)
        if settings.freezes_heap:
            # The app's ~330,000 long-lived objects (modules, routes, validators) leave the
            # collector's view: a full collection over them stalled the worker for ~160 ms.
            gc.collect()
            gc.freeze()
        yield
        if owned:
            db.dispose()

    app = FastAPI(
        title="Prolo",
        version=__version__,
        summary="A prolotherapy practice: patients, screening, courses, booking, sessions, outcomes.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served below, with its own Content-Security-Policy
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = db
    app.state.api_config = ApiConfig.from_settings(settings)

    app.include_router(api_router())
    app.include_router(calendar_routes.router, prefix=API_PREFIX)
    app.include_router(fhir.router)
    app.include_router(calendar_routes.feed_router)
    app.include_router(build_web_router())
    app.mount(STATIC_URL_PREFIX, static_files(), name=STATIC_ROUTE_NAME)

    app.add_exception_handler(
        RequestValidationError,
        _by_path(problems.validation_problem, _web_invalid_input),
    )
    app.add_exception_handler(
        ServiceError, _by_path(problems.service_problem, _web_service_error)
    )
    app.add_exception_handler(
        DomainError, _by_path(problems.domain_problem, _web_invalid_input)
    )
    app.add_exception_handler(
        StarletteHTTPException, _by_path(problems.http_problem, html_http_error_handler)
    )
    database_error = _database_error(
        _by_path(problems.service_problem, _web_service_error),
        _by_path(problems.bug_problem, html_server_error_handler),
    )
    for error_class in UNTRANSLATED_DATABASE_ERRORS:
        app.add_exception_handler(error_class, database_error)
    # Starlette answers 500s outside the middleware stack: the handler adds the headers itself.
    app.add_exception_handler(
        Exception,
        _secured(_by_path(problems.bug_problem, html_server_error_handler), settings),
    )

    # Bodies over 1 MiB -> 413, non-JSON bodies on /api/ -> 415 (problem+json; see gateway.limits).
    app.add_middleware(
        RequestLimits, max_body_bytes=MAX_BODY_BYTES, json_prefixes=(API_PREFIX + "/",)
    )

    @app.get(f"{API_PREFIX}/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return api_docs_page(f"{API_PREFIX}/openapi.json", f"{app.title} API")

    app.add_middleware(SecurityHeaders, settings=settings)

    return app
