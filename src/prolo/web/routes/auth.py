"""Sign in and sign out.

Signing in always issues a new session token (no session fixation), sets it in an HttpOnly
SameSite=Lax cookie and redirects (303) to the local `next` path or the role's home. Wrong
credentials re-render the form with one message whatever was wrong (no account enumeration);
too many attempts are slowed and then locked by the accounts service. Signing out needs the
session's CSRF token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prolo.gateway.requests import ConfigDep, UoWDep
from prolo.gateway.sessions import WebActorDep, end_web_session, start_web_session
from prolo.services.errors import AuthenticationError, TooManyRequestsError
from prolo.web.contexts import LoginError, LoginPage
from prolo.web.deps import LangDep
from prolo.web.redirects import local_path
from prolo.web.rendering import render
from prolo.web.routes.home import home_path
from prolo.web.shell import build_shell

router = APIRouter()


def _login_page(
    request: Request,
    lang: LangDep,
    *,
    email: str,
    error: LoginError | None,
    next_path: str,
    status_code: int = 200,
) -> Response:
    context = LoginPage(
        lang=lang,
        shell=build_shell(request, lang),
        email=email,
        error=error,
        next_path=next_path,
    )
    return render(request, "pages/login.html", context, status_code=status_code)


@router.get("/login", name="login")
def login_form(
    request: Request,
    lang: LangDep,
    next_url: Annotated[str | None, Query(alias="next")] = None,
) -> Response:
    """The sign-in form; `?next=` is where to go after signing in (local paths only)."""
    return _login_page(
        request, lang, email="", error=None, next_path=local_path(next_url)
    )


@router.post("/login", name="login_submit")
def login_submit(
    request: Request,
    lang: LangDep,
    uow: UoWDep,
    config: ConfigDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    next_url: Annotated[str, Form(alias="next", max_length=2048)] = "",
) -> Response:
    """Check the credentials; on success set the session cookie and go on."""
    next_path = local_path(next_url)
    response = RedirectResponse("/", status_code=303)
    try:
        issued = start_web_session(
            uow, request, response, config, email=email, password=password
        )
    except TooManyRequestsError:
        return _login_page(
            request,
            lang,
            email=email,
            error="locked",
            next_path=next_path,
            status_code=429,
        )
    except AuthenticationError:
        return _login_page(
            request,
            lang,
            email=email,
            error="invalid",
            next_path=next_path,
            status_code=401,
        )
    target = next_path if next_url else home_path(issued.user.role)
    response.headers["location"] = target
    return response


@router.post("/logout", name="logout")
def logout(request: Request, _actor: WebActorDep, uow: UoWDep) -> Response:
    """End the session (CSRF-protected) and return to the sign-in page."""
    response = RedirectResponse("/login", status_code=303)
    end_web_session(uow, request, response)
    return response
