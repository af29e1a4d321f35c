"""The patient guide: what prolotherapy is, what to expect in a session, and the course.

Public pages (no sign-in, no database), in English and Turkish, written from the clinic's own text
(source CLINIC). The guide's links swap only the guide (htmx fragment `guide`, URL pushed), and
work as plain links without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prolo.domain.course import CourseRules
from prolo.web.contexts import (
    CourseFacts,
    CourseGuidePage,
    GuidePart,
    SessionGuidePage,
    WhatIsProlotherapyPage,
)
from prolo.web.deps import CourseRulesDep, LangDep, ShellDep
from prolo.web.rendering import render

router = APIRouter(prefix="/learn")

GUIDE_FRAGMENT: Final = "guide"
"""The block of layouts/guide.html that htmx swaps when moving between parts."""


@dataclass(frozen=True)
class _Part:
    slug: str
    title_key: str


PARTS: Final = (
    _Part("what-is-prolotherapy", "learn.what.short"),
    _Part("what-to-expect", "learn.session.short"),
    _Part("your-course", "learn.course.short"),
)
"""The guide's parts in reading order (slug in the URL, catalog key of the short title)."""


def guide_href(slug: str) -> str:
    return f"{router.prefix}/{slug}"


def guide_parts(current_slug: str) -> tuple[GuidePart, ...]:
    """The parts of the guide in reading order, `current_slug` marked current."""
    return tuple(
        GuidePart(
            slug=part.slug,
            title_key=part.title_key,
            href=guide_href(part.slug),
            number=number,
            current=part.slug == current_slug,
        )
        for number, part in enumerate(PARTS, start=1)
    )


def course_facts(rules: CourseRules) -> CourseFacts:
    """The numbers the guide quotes, from the clinic's course rules."""
    return CourseFacts(
        min_sessions=rules.min_sessions,
        max_sessions=rules.max_sessions,
        min_gap_days=rules.min_gap_days,
        max_gap_days=rules.max_gap_days,
    )


def _neighbours(
    parts: tuple[GuidePart, ...],
) -> tuple[GuidePart | None, GuidePart | None]:
    index = next(i for i, part in enumerate(parts) if part.current)
    previous = parts[index - 1] if index > 0 else None
    following = parts[index + 1] if index + 1 < len(parts) else None
    return previous, following


@router.get("", name="learn")
def learn_index() -> RedirectResponse:
    """The guide starts at its first part."""
    return RedirectResponse(guide_href(PARTS[0].slug), status_code=307)


@router.get("/what-is-prolotherapy", name="learn_what_is")
def what_is_prolotherapy(request: Request, lang: LangDep, shell: ShellDep) -> Response:
    parts = guide_parts("what-is-prolotherapy")
    previous, following = _neighbours(parts)
    context = WhatIsProlotherapyPage(
        lang=lang,
        shell=shell,
        guide=parts,
        previous_part=previous,
        next_part=following,
    )
    return render(request, "pages/learn/what_is.html", context, fragment=GUIDE_FRAGMENT)


@router.get("/what-to-expect", name="learn_session")
def what_to_expect(request: Request, lang: LangDep, shell: ShellDep) -> Response:
    parts = guide_parts("what-to-expect")
    previous, following = _neighbours(parts)
    context = SessionGuidePage(
        lang=lang,
        shell=shell,
        guide=parts,
        previous_part=previous,
        next_part=following,
    )
    return render(request, "pages/learn/session.html", context, fragment=GUIDE_FRAGMENT)


@router.get("/your-course", name="learn_course")
def your_course(
    request: Request, lang: LangDep, rules: CourseRulesDep, shell: ShellDep
) -> Response:
    parts = guide_parts("your-course")
    previous, following = _neighbours(parts)
    context = CourseGuidePage(
        lang=lang,
        shell=shell,
        guide=parts,
        previous_part=previous,
        next_part=following,
        course=course_facts(rules),
    )
    return render(request, "pages/learn/course.html", context, fragment=GUIDE_FRAGMENT)
