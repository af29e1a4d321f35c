"""Sign-in page. The POST handler (credentials, session cookie, CSRF) comes with the auth service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from prolo.web.contexts import LoginPage
from prolo.web.deps import LangDep
from prolo.web.redirects import local_path
from prolo.web.rendering import render
from prolo.web.shell import build_shell

router = APIRouter()


@router.get("/login", name="login")
def login_form(
    request: Request,
    lang: LangDep,
    next_url: Annotated[str | None, Query(alias="next")] = None,
) -> Response:
    """The sign-in form; `?next=` is where to go after signing in (local paths only)."""
    context = LoginPage(
        lang=lang,
        shell=build_shell(request, lang),
        email="",
        error=None,
        next_path=local_path(next_url),
    )
    return render(request, "pages/login.html", context)
