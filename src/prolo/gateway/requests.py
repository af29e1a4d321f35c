"""FastAPI dependencies shared by the API and the web pages: the request's unit of work, the
authenticated actor, the edge configuration.

    def route(uow: UoWDep, actor: ActorDep) -> ...:

`UoWDep` opens one unit of work per request and commits it when the route returns, before the
response is sent (`scope="function"`), so a refusal at commit time still becomes the response.

Before it opens the unit of work a request takes one of the process's database slots
(`database_slot`, `PROLO_DB_POOL_SIZE` of them, as many as pooled connections). Without it,
more concurrent requests than pooled connections deadlock: the routes and their dependencies are
sync, so a request waiting for a connection holds one of the threadpool's 40 threads, while a
request holding a connection needs a free thread to run its route and to commit. The slot is
taken on the event loop, not in a thread, so it cannot hold a thread while it waits. A request
that waits longer than `PROLO_DB_WAIT_S` is answered 503 (nothing was done).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from prolo.services import accounts, audit
from prolo.services.bootstrap import Database, UnitOfWork, commit
from prolo.services.context import Actor
from prolo.services.errors import (
    AuthenticationError,
    ForbiddenError,
    InvalidInputError,
    ServiceError,
    ServiceUnavailableError,
)
from prolo.services.values import TokenKind
from prolo.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_COOKIE = "prolo_session"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class ApiConfig:
    """What the API needs from the settings (built once in `create_app`)."""

    secret_key: str
    database_slots: int
    database_wait_s: float
    api_token_ttl_s: int
    session_ttl_s: int
    secure_cookies: bool
    login_policy: accounts.LoginPolicy
    password_policy: accounts.PasswordPolicy

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiConfig:
        return cls(
            secret_key=settings.secret_key,
            database_slots=settings.database_slots,
            database_wait_s=settings.db_wait_s,
            api_token_ttl_s=settings.api_token_ttl_s,
            session_ttl_s=settings.session_max_age_s,
            secure_cookies=settings.behind_tls,
            login_policy=accounts.LoginPolicy(
                window_s=settings.login_window_s,
                delay_after=settings.login_delay_after,
                max_delay_s=settings.login_max_delay_s,
                lock_after=settings.login_lock_after,
                lock_s=settings.login_lock_s,
                address_lock_after=settings.login_address_lock_after,
            ),
            password_policy=accounts.PasswordPolicy(
                min_length=settings.password_min_length,
                time_cost=settings.password_hash_time_cost,
                memory_kib=settings.password_hash_memory_kib,
            ),
        )


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_config(request: Request) -> ApiConfig:
    config: ApiConfig = request.app.state.api_config
    return config


def _slots(request: Request, size: int) -> asyncio.Semaphore:
    """The app's semaphore for the running event loop (a test client may run an app on several)."""
    state = request.app.state
    per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
    per_loop = getattr(state, "database_slots", None) or weakref.WeakKeyDictionary()
    state.database_slots = per_loop
    loop = asyncio.get_running_loop()
    slots = per_loop.get(loop)
    if slots is None:
        slots = per_loop[loop] = asyncio.Semaphore(size)
    return slots


@asynccontextmanager
async def holding_database_slot(request: Request) -> AsyncIterator[None]:
    """Wait (on the event loop) for one of the process's database slots and hold it inside the
    block. 503 after `database_wait_s` (see the module docstring for why). Re-entrant: a request
    that already holds a slot (a page's unit of work, then the signed-in check of its shell) does
    not wait for a second one, which with one slot per process would never come."""
    if getattr(request.state, "holds_database_slot", False):
        yield
        return
    config = get_config(request)
    slots = _slots(request, config.database_slots)
    try:
        async with asyncio.timeout(config.database_wait_s):
            await slots.acquire()
    except TimeoutError:
        raise ServiceUnavailableError(
            "the server is too busy just now (every database slot stayed taken for"
            f" {config.database_wait_s:g} s); nothing was done, try again in a moment"
        ) from None
    request.state.holds_database_slot = True
    try:
        yield
    finally:
        request.state.holds_database_slot = False
        slots.release()


async def database_slot(request: Request) -> AsyncIterator[None]:
    """Dependency: a database slot held until the response is sent."""
    async with holding_database_slot(request):
        yield


DatabaseSlotDep = Annotated[None, Depends(database_slot)]


def get_uow(request: Request, _slot: DatabaseSlotDep) -> Iterator[UnitOfWork]:
    """The request's unit of work, committed when the route returns. A refusal by the services
    (`authorize`) rolls it back; once it is closed, every refusal of the request (the one that
    ended it, or those a page caught and answered itself: `note_refusal`) is recorded in the
    audit log in a transaction of its own, in the same database slot."""
    database = get_database(request)
    try:
        with database.unit_of_work() as uow:
            yield uow
            commit(uow)
    except ServiceError as exc:
        note_refusal(request, exc)
        raise
    finally:
        route = route_template(request)
        for error in _take_refusals(request):
            audit.record_refusal(database, error, route=route)


def note_refusal(request: Request, error: BaseException) -> None:
    """Remember `error` if it is a refusal by `authorize`, for `get_uow` to record when the
    request's unit of work is closed. For a route that catches a refusal and answers it itself
    (a page that shows why it was refused); an error that is no refusal is ignored."""
    if not isinstance(error, ServiceError) or error.refusal is None:
        return
    noted: list[ServiceError] = getattr(request.state, "refusals", None) or []
    if all(e is not error for e in noted):
        noted.append(error)
    request.state.refusals = noted


def _take_refusals(request: Request) -> list[ServiceError]:
    noted: list[ServiceError] = getattr(request.state, "refusals", None) or []
    request.state.refusals = []
    return noted


def route_template(request: Request) -> str | None:
    """The matched route as "METHOD /api/v1/patients/{patient_id}": the request's path with every
    path parameter's value replaced by its name, so no id, token or query is kept. None when no
    route matched."""
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return None
    # the route's own path is relative to the routers that include it (/api/v1 ...): take the
    # request's leading segments for those, then name any parameter value they still hold
    if any("/" in str(v) for v in request.path_params.values()):
        return f"{request.method} {template}"  # cannot tell its prefix apart from its values
    names = {str(v): k for k, v in request.path_params.items() if str(v)}
    tail = template.strip("/").split("/")
    segments = request.url.path.strip("/").split("/")
    head = segments[: max(len(segments) - len(tail), 0)]
    named = ["{" + names[s] + "}" if s in names else s for s in head]
    return f"{request.method} /" + "/".join([*named, *tail]).strip("/")


UoWDep = Annotated[UnitOfWork, Depends(get_uow, scope="function")]


async def _config(request: Request) -> ApiConfig:
    # async: no thread hop for a value that needs no I/O (every sync dependency costs one)
    return get_config(request)


ConfigDep = Annotated[ApiConfig, Depends(_config)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationError("use the header Authorization: Bearer <token>")
    return value.strip()


def get_actor(request: Request, uow: UoWDep, config: ConfigDep) -> Actor:
    """The caller: a bearer token (API clients) or a web session cookie (the browser; unsafe
    methods then need the CSRF header)."""
    address = client_address(request)
    token = bearer_token(request)
    if token is not None:
        return accounts.authenticate(
            uow, token=token, kind=TokenKind.api, client_address=address
        )
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        actor = accounts.authenticate(
            uow, token=session, kind=TokenKind.web, client_address=address
        )
        if request.method not in SAFE_METHODS and not accounts.verify_csrf(
            config.secret_key, session, request.headers.get(CSRF_HEADER)
        ):
            raise ForbiddenError(
                f"missing or wrong {CSRF_HEADER} header for this session"
            )
        return actor
    raise AuthenticationError(
        "log in first: POST /api/v1/auth/token, then send Authorization: Bearer <token>"
    )


ActorDep = Annotated[Actor, Depends(get_actor)]


async def refuse_nul_characters(request: Request) -> None:
    """422 for a NUL character anywhere in the path, the query or a JSON body: no field takes one,
    and PostgreSQL text and JSONB cannot store it (it would otherwise surface as a 500)."""
    if "\x00" in request.url.path or any(
        "\x00" in key or "\x00" in value
        for key, value in request.query_params.multi_items()
    ):
        raise InvalidInputError("NUL characters are not accepted", field="(url)")
    if request.method in SAFE_METHODS:
        return
    body = await request.body()
    if b"\x00" in body or b"\\u0000" in body.lower():
        raise InvalidInputError("NUL characters are not accepted", field="(body)")
