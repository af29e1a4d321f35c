"""The template contract: one frozen dataclass per page (the Datasette pattern).

A route builds the page's context dataclass and hands it to `prolo.web.rendering.render`, which
passes exactly the dataclass's fields to the template, nothing more. `template_contract(name)` ties
a page template to its dataclass; `render` refuses any other pairing, and
tests/web/test_contexts.py checks that each template (with the layouts and partials it pulls in)
uses exactly its dataclass's fields, so a template cannot quietly depend on something the route
does not promise.

Tree of the contexts:

    TemplateContext          lang (every template: `t()` reads it)
    └── PageContext          + shell (the chrome of base.html: nav, language switch, user)
        ├── GuidePageContext + guide, previous_part, next_part (the patient guide's parts)
        │   ├── WhatIsProlotherapyPage
        │   ├── SessionGuidePage
        │   └── CourseGuidePage   + course (CourseFacts)
        ├── LoginPage            + email, error, next_path
        └── ErrorPage            + status_code
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal, TypeVar

from prolo.web.i18n import Lang

WebRole = Literal["patient", "reception", "clinician", "nurse", "admin"]
"""The roles the shell knows: the values of prolo.services.context.Role (a test checks it)."""

LoginError = Literal["invalid", "expired", "locked"]
"""Why the login page is shown again: wrong credentials, or an expired session."""


@dataclass(frozen=True)
class NavItem:
    """One link of the main navigation."""

    label_key: str
    href: str
    current: bool


@dataclass(frozen=True)
class LanguageOption:
    """One entry of the language switch: the language's own name and the current page in it."""

    code: Lang
    name: str
    href: str
    current: bool


@dataclass(frozen=True)
class ShellUser:
    """Who is signed in, as the header shows it."""

    display_name: str
    role: WebRole

    @property
    def role_label_key(self) -> str:
        return f"role.{self.role}"


@dataclass(frozen=True)
class Shell:
    """What base.html needs on every page: home link, navigation, language switch, user."""

    home_href: str
    nav: tuple[NavItem, ...]
    languages: tuple[LanguageOption, ...]
    user: ShellUser | None
    csrf_token: str | None = None
    """The signed-in session's CSRF token: every form that changes something posts it."""


@dataclass(frozen=True, kw_only=True)
class TemplateContext:
    """The root of every template context: the language `t()` translates into."""

    lang: Lang


@dataclass(frozen=True, kw_only=True)
class PageContext(TemplateContext):
    """A full page (extends base.html)."""

    shell: Shell


C = TypeVar("C", bound=TemplateContext)

CONTRACTS: Final[dict[str, type[TemplateContext]]] = {}
"""Template name -> the one context dataclass it is rendered with."""


def template_contract(template: str) -> Callable[[type[C]], type[C]]:
    """Register `template` as rendered with the decorated dataclass (one dataclass per template)."""

    def register(cls: type[C]) -> type[C]:
        if template in CONTRACTS:
            raise ValueError(
                f"{template} already has a context: {CONTRACTS[template].__name__}"
            )
        CONTRACTS[template] = cls
        return cls

    return register


# --- the patient guide ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GuidePart:
    """One part of the patient guide, as the guide's own navigation shows it."""

    slug: str
    title_key: str
    href: str
    number: int
    current: bool


@dataclass(frozen=True, kw_only=True)
class GuidePageContext(PageContext):
    """A page of the patient guide (layouts/guide.html)."""

    guide: tuple[GuidePart, ...]
    previous_part: GuidePart | None
    next_part: GuidePart | None


@template_contract("pages/learn/what_is.html")
@dataclass(frozen=True, kw_only=True)
class WhatIsProlotherapyPage(GuidePageContext):
    """Patient guide, part 1: what prolotherapy is, where and for what it is used."""


@template_contract("pages/learn/session.html")
@dataclass(frozen=True, kw_only=True)
class SessionGuidePage(GuidePageContext):
    """Patient guide, part 2: what happens in a session, step by step."""


@dataclass(frozen=True)
class CourseFacts:
    """The clinic's course rules as the guide explains them (from prolo.domain.course)."""

    min_sessions: int
    max_sessions: int
    min_gap_days: int
    max_gap_days: int

    @property
    def gap_in_weeks(self) -> bool:
        """Both gaps are whole weeks, so the text can say "2 to 3 weeks"."""
        return self.min_gap_days % 7 == 0 and self.max_gap_days % 7 == 0

    @property
    def min_gap_weeks(self) -> int:
        return self.min_gap_days // 7

    @property
    def max_gap_weeks(self) -> int:
        return self.max_gap_days // 7

    @property
    def session_numbers(self) -> tuple[int, ...]:
        return tuple(range(1, self.max_sessions + 1))


@template_contract("pages/learn/course.html")
@dataclass(frozen=True, kw_only=True)
class CourseGuidePage(GuidePageContext):
    """Patient guide, part 3: the course of 4-8 sessions and how improvement comes."""

    course: CourseFacts


# --- sign-in and errors --------------------------------------------------------------------------


@template_contract("pages/login.html")
@dataclass(frozen=True, kw_only=True)
class LoginPage(PageContext):
    """The sign-in form. `next_path` is a local path (see prolo.web.redirects.local_path)."""

    email: str
    error: LoginError | None
    next_path: str


@template_contract("pages/error.html")
@dataclass(frozen=True, kw_only=True)
class ErrorPage(PageContext):
    """An HTML error page: 403, 404, 500 have their own text, other codes a generic one."""

    status_code: int


# Page areas keep their context dataclasses in their own modules (contexts/reception.py, ...), each
# registering its templates with @template_contract. Import them all so CONTRACTS is complete.
def _load_area_modules() -> None:
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_load_area_modules()
