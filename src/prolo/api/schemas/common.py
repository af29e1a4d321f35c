"""Base models, pages and the problem document."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

T = TypeVar("T")

# Every moment the API takes stays this far from the ends of Python's calendar, so that moving it
# to UTC or adding a session's length can never overflow (a 500) deep in the services.
_MARGIN = timedelta(days=2)


def _representable(value: datetime) -> datetime:
    if not (
        datetime.min.replace(tzinfo=UTC) + _MARGIN
        <= value
        <= datetime.max.replace(tzinfo=UTC) - _MARGIN
    ):
        raise ValueError("the moment is too far in the past or the future")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_representable)]
"""A timezone-aware moment (with its UTC offset), between the years 1 and 9999."""


def _representable_day(value: date) -> date:
    if not date.min + _MARGIN <= value <= date.max - _MARGIN:
        raise ValueError("the date is too far in the past or the future")
    return value


Day = Annotated[date, AfterValidator(_representable_day)]
"""A calendar day a search may start or end on (whole days in the clinic's timezone)."""


class InputModel(BaseModel):
    """Every request body: unknown fields are refused (422 naming the field)."""

    model_config = ConfigDict(extra="forbid")


class OutputModel(BaseModel):
    """Every response body, built from the services' records."""

    model_config = ConfigDict(from_attributes=True)


class PageRead(BaseModel, Generic[T]):
    """One page of a list; ask for the next with `offset=offset+limit` while it is < `total`."""

    items: list[T]
    total: int = Field(description="How many items the whole list has.")
    limit: int
    offset: int


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details (`application/problem+json`)."""

    type: str = Field(description="e.g. /problems/not-found (docs/api.md lists them)")
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldProblem] | None = None
    retry_after: int | None = None
    reason: str | None = None
    resource: str | None = None


def page_of(page: Any, model: type[OutputModel]) -> dict[str, Any]:
    """A services Page of records as a JSON-ready page of `model`."""
    return {
        "items": [model.model_validate(item) for item in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    # 400: a body that is not even text (bad UTF-8); 413: a body over the size limit;
    # 415: a body that is not JSON (prolo.gateway.limits).
    for status in (400, 401, 403, 404, 409, 413, 415, 422, 428, 429)
}
