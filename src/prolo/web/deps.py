"""FastAPI dependencies of the web routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from prolo.domain.course import CourseRules, load_course_rules
from prolo.web.i18n import Lang, request_language

LangDep = Annotated[Lang, Depends(request_language)]
"""The language to serve the request in: ?lang=, then the cookie, then Accept-Language."""


def course_rules() -> CourseRules:
    """The clinic's course rules (until the clinic's own settings live behind a service)."""
    return load_course_rules()


CourseRulesDep = Annotated[CourseRules, Depends(course_rules)]
