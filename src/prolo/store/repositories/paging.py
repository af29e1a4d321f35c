"""Counting and slicing a SELECT into a Page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from prolo.store.records import Page

R = TypeVar("R")
T = TypeVar("T")

MAX_PAGE_SIZE = 500


def paginate(
    session: Session,
    stmt: Select[R],
    *,
    limit: int,
    offset: int,
    to_record: Callable[[R], T],
) -> Page[T]:
    """Run `stmt` (already ordered) for one page and count all its rows."""
    if limit < 1 or limit > MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    if offset < 0:
        raise ValueError("offset must be >= 0")
    count_stmt: Select[Any] = select(func.count()).select_from(
        stmt.order_by(None).subquery()
    )
    total = session.scalar(count_stmt) or 0
    rows = session.scalars(stmt.limit(limit).offset(offset)).all()
    return Page(
        items=[to_record(r) for r in rows], total=total, limit=limit, offset=offset
    )
