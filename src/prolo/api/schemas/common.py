"""Base models, pages and the problem document."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


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
    for status in (401, 403, 404, 409, 422, 428, 429)
}
