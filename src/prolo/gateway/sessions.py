"""Web sessions for the server-rendered pages, also accepted by the API.

The browser logs in with a form; the session token lives in an HttpOnly, SameSite=Lax cookie
(`Secure` behind TLS) that expires with the session. Every unsafe request must carry the
session's CSRF token (form field `csrf_token` or header `X-CSRF-Token`), which is
HMAC(secret key, session token): `csrf_for(request)` gives it to templates.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from prolo.gateway.requests import (
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    ApiConfig,
    ConfigDep,
    UoWDep,
    client_address,
)
from prolo.services import accounts
from prolo.services.bootstrap import UnitOfWork, commit
from prolo.services.context import Actor
from prolo.services.errors import AuthenticationError, ForbiddenError
from prolo.services.values import TokenKind

CSRF_FIELD = "csrf_token"


def start_web_session(
    uow: UnitOfWork,
    request: Request,
    response: Response,
    config: ApiConfig,
    *,
    email: str,
    password: str,
) -> accounts.IssuedToken:
    """Check the password, set the session cookie, return the login. Failed attempts are
    committed (they count towards the rate limit) before the refusal is raised."""
    outcome = accounts.login(
        uow,
        email=email,
        password=password,
        client_address=client_address(request),
        kind=TokenKind.web,
        ttl_s=config.session_ttl_s,
        policy=config.login_policy,
        password_policy=config.password_policy,
    )
    commit(uow)
    issued = outcome.unwrap()
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=config.session_ttl_s,
        httponly=True,
        samesite="lax",
        secure=config.secure_cookies,
        path="/",
    )
    return issued


def end_web_session(uow: UnitOfWork, request: Request, response: Response) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.logout(uow, token=token)
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_for(request: Request, config: ApiConfig) -> str | None:
    token = request.cookies.get(SESSION_COOKIE)
    return accounts.csrf_token(config.secret_key, token) if token else None


async def _presented_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def require_csrf(request: Request, config: ConfigDep) -> None:
    """Unsafe methods must carry the session's CSRF token (header or form field). No database:
    the token is an HMAC of the session cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if request.method in SAFE_METHODS or not token:
        return  # no session, nothing to forge: `web_actor` answers "log in first"
    if not accounts.verify_csrf(
        config.secret_key, token, await _presented_csrf(request)
    ):
        raise ForbiddenError(
            "missing or wrong CSRF token; reload the page and try again"
        )


def web_actor(
    request: Request,
    uow: UoWDep,
    _csrf: Annotated[None, Depends(require_csrf)],
) -> Actor:
    """The logged-in browser user (401 without a valid session; 403 on a bad CSRF token)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise AuthenticationError("log in first")
    return accounts.authenticate(
        uow, token=token, kind=TokenKind.web, client_address=client_address(request)
    )


WebActorDep = Annotated[Actor, Depends(web_actor)]
