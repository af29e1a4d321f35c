"""Sample contexts, one per registered page template: the template-contract tests render each.

Page areas add theirs in a module of this package (e.g. `samples/reception.py`) defining
`SAMPLES: dict[type[TemplateContext], Callable[[Lang], TemplateContext]]`; they are merged here.
"""

# Turkish letters (dotless i) and en dashes in ranges are meant: the pages must show them.
# ruff: noqa: RUF001

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request

from prolo.web.contexts import (
    CourseFacts,
    CourseGuidePage,
    ErrorPage,
    GuidePart,
    LoginPage,
    SessionGuidePage,
    ShellUser,
    TemplateContext,
    WhatIsProlotherapyPage,
)
from prolo.web.i18n import Lang
from prolo.web.shell import build_shell

TEMPLATES = Path(__file__).resolve().parents[3] / "src" / "prolo" / "web" / "templates"


def make_request(path: str = "/", query: str = "") -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": query.encode(),
            "headers": [],
            "app": FastAPI(),
        }
    )


def _guide(current: int) -> tuple[GuidePart, ...]:
    return tuple(
        GuidePart(
            slug=f"p{n}",
            title_key="learn.what.short",
            href=f"/learn/p{n}",
            number=n,
            current=n == current,
        )
        for n in (1, 2, 3)
    )


def _shell(lang: Lang, user: ShellUser | None = None):
    return build_shell(make_request("/learn/p1"), lang, user)


# One sample context per registered template: a page area adds its samples in its own module.
SAMPLES: dict[type[TemplateContext], Callable[[Lang], TemplateContext]] = {
    WhatIsProlotherapyPage: lambda lang: WhatIsProlotherapyPage(
        lang=lang,
        shell=_shell(lang),
        guide=_guide(1),
        previous_part=None,
        next_part=_guide(1)[1],
    ),
    SessionGuidePage: lambda lang: SessionGuidePage(
        lang=lang,
        shell=_shell(lang, ShellUser("Ayşe Yılmaz", "patient")),
        guide=_guide(2),
        previous_part=_guide(2)[0],
        next_part=_guide(2)[2],
    ),
    CourseGuidePage: lambda lang: CourseGuidePage(
        lang=lang,
        shell=_shell(lang),
        guide=_guide(3),
        previous_part=_guide(3)[1],
        next_part=None,
        course=CourseFacts(
            min_sessions=4, max_sessions=8, min_gap_days=14, max_gap_days=21
        ),
    ),
    LoginPage: lambda lang: LoginPage(
        lang=lang,
        shell=_shell(lang),
        email="a@b.example",
        error="invalid",
        next_path="/portal",
    ),
    ErrorPage: lambda lang: ErrorPage(lang=lang, shell=_shell(lang), status_code=404),
}


def _merge_area_samples() -> None:
    for module in pkgutil.iter_modules(__path__):
        area = importlib.import_module(f"{__name__}.{module.name}")
        for cls, factory in getattr(area, "SAMPLES", {}).items():
            if cls in SAMPLES:
                raise RuntimeError(f"two samples for {cls.__name__}")
            SAMPLES[cls] = factory


_merge_area_samples()
