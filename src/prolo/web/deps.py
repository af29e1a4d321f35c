"""FastAPI dependencies of the web routes: language, the signed-in user, the page shell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from prolo.domain.course import CourseRules, load_course_rules
from prolo.gateway.requests import (
    SESSION_COOKIE,
    ConfigDep,
    UoWDep,
    client_address,
    get_config,
    get_database,
    holding_database_slot,
)
from prolo.gateway.sessions import WebActorDep, csrf_for
from prolo.services import accounts
from prolo.services.bootstrap import UnitOfWork, commit
from prolo.services.context import Actor
from prolo.services.errors import ServiceError
from prolo.services.values import TokenKind
from prolo.web.contexts import Shell, ShellUser, WebRole
from prolo.web.i18n import Lang, request_language
from prolo.web.shell import build_shell

LangDep = Annotated[Lang, Depends(request_language)]
"""The language to serve the request in: ?lang=, then the cookie, then Accept-Language."""


def form_dict(raw: object) -> dict[str, str]:
    """The text fields of a parsed form (the last value of a repeated name; no files)."""
    items = getattr(raw, "multi_items", None)
    if items is None:
        return {}
    return {k: v for k, v in items() if isinstance(v, str)}


async def submitted_form(request: Request) -> dict[str, str]:
    """The submitted form's text fields, read on the event loop.

    A route that reads its form itself must be `async def`, and an async route runs on the event
    loop: every database call in it would stop the whole worker meanwhile. With this dependency
    the route stays a plain `def` and runs in the threadpool like every other."""
    return form_dict(await request.form())


FormDep = Annotated[dict[str, str], Depends(submitted_form)]


def course_rules() -> CourseRules:
    """The default course rules (pages that know the clinic use the clinic's own settings)."""
    return load_course_rules()


CourseRulesDep = Annotated[CourseRules, Depends(course_rules)]


def shell_user(actor: Actor) -> ShellUser:
    """How the header shows the signed-in `actor`."""
    # Role and WebRole hold the same names (tests/web checks it)
    role: WebRole = actor.role.value
    return ShellUser(display_name=actor.email or actor.role.value, role=role)


async def optional_actor(request: Request) -> Actor | None:
    """The signed-in user if the session cookie is valid, else None (public pages). Signed-out
    visitors cost no database work; a session is checked in one of the database slots."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    async with holding_database_slot(request):
        return await run_in_threadpool(_session_actor, request, token)


def _session_actor(request: Request, token: str) -> Actor | None:
    with get_database(request).unit_of_work() as uow:
        try:
            actor = accounts.authenticate(
                uow,
                token=token,
                kind=TokenKind.web,
                client_address=client_address(request),
            )
        except ServiceError:
            return None
        commit(uow)
    return actor


OptionalActorDep = Annotated[Actor | None, Depends(optional_actor)]


@dataclass(frozen=True)
class Page:
    """What every signed-in page handler needs: who, their unit of work, language and shell."""

    actor: Actor
    uow: UnitOfWork
    lang: Lang
    shell: Shell


def signed_in_page(
    request: Request, actor: WebActorDep, uow: UoWDep, lang: LangDep, config: ConfigDep
) -> Page:
    """A signed-in page (no session: the app redirects to /login?next=...; unsafe methods need
    the CSRF token)."""
    shell = build_shell(
        request, lang, shell_user(actor), csrf_token=csrf_for(request, config)
    )
    return Page(actor=actor, uow=uow, lang=lang, shell=shell)


PageDep = Annotated[Page, Depends(signed_in_page)]


def public_shell(request: Request, lang: LangDep, actor: OptionalActorDep) -> Shell:
    """The shell of a public page: shows the signed-in user (and the sign-out form) when there is one."""
    if actor is None:
        return build_shell(request, lang)
    return build_shell(
        request,
        lang,
        shell_user(actor),
        csrf_token=csrf_for(request, get_config(request)),
    )


ShellDep = Annotated[Shell, Depends(public_shell)]
