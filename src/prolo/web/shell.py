"""The page chrome every page shares: main navigation per role and the language switch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final
from urllib.parse import urlencode

from starlette.requests import Request

from prolo.web.contexts import LanguageOption, NavItem, Shell, ShellUser, WebRole
from prolo.web.i18n import LANG_QUERY_PARAM, LANGUAGES, Lang, translate

HOME_HREF: Final = "/"

# Navigation per role: (catalog key of the label, href). The links of pages that are not written
# yet are placeholders; the routes that serve them fill them in.
NAV: Final[Mapping[WebRole | None, tuple[tuple[str, str], ...]]] = {
    None: (("nav.learn", "/learn"), ("nav.login", "/login")),
    "patient": (
        ("nav.portal_appointments", "/portal"),
        ("nav.portal_questionnaires", "/portal/questionnaires"),
        ("nav.portal_progress", "/portal/progress"),
        ("nav.learn", "/learn"),
    ),
    "reception": (
        ("nav.reception_calendar", "/reception"),
        ("nav.reception_booking", "/reception/book"),
        ("nav.reception_checkin", "/reception/check-in"),
        ("nav.reception_waitlist", "/reception/waitlist"),
    ),
    "clinician": (
        ("nav.clinician_today", "/clinician"),
        ("nav.clinician_patients", "/clinician/patients"),
        ("nav.runner", "/runner"),
    ),
    "nurse": (("nav.clinician_today", "/clinician"), ("nav.runner", "/runner")),
    "admin": (
        ("nav.owner_outcomes", "/owner"),
        ("nav.owner_utilisation", "/owner/utilisation"),
        ("nav.owner_exports", "/owner/exports"),
    ),
}


def _is_under(path: str, href: str) -> bool:
    return path == href or path.startswith(href.rstrip("/") + "/")


def navigation(path: str, role: WebRole | None) -> tuple[NavItem, ...]:
    """The nav links of `role` (None: signed out); the longest one containing `path` is current."""
    links = NAV[role]
    matches = [href for _, href in links if _is_under(path, href)]
    current = max(matches, key=len) if matches else None
    return tuple(
        NavItem(label_key=key, href=href, current=href == current)
        for key, href in links
    )


def language_options(request: Request, lang: Lang) -> tuple[LanguageOption, ...]:
    """The language switch: this page in each language (`?lang=xx`, other parameters kept)."""
    kept = [
        (k, v) for k, v in request.query_params.multi_items() if k != LANG_QUERY_PARAM
    ]
    return tuple(
        LanguageOption(
            code=code,
            name=translate("language.name", code),
            href=f"{request.url.path}?{urlencode([*kept, (LANG_QUERY_PARAM, code)])}",
            current=code == lang,
        )
        for code in LANGUAGES
    )


def build_shell(
    request: Request,
    lang: Lang,
    user: ShellUser | None = None,
    *,
    csrf_token: str | None = None,
) -> Shell:
    """The chrome of a page served to `request` in `lang`, for `user` (None: signed out)."""
    return Shell(
        home_href=HOME_HREF,
        nav=navigation(request.url.path, user.role if user else None),
        languages=language_options(request, lang),
        user=user,
        csrf_token=csrf_token,
    )
