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
    """Run `stmt` (already ordered; one entity or column) for one page and count all its rows.

    One round trip: each row of the page carries the total (`count(*) OVER ()`, PostgreSQL and
    SQLite >= 3.25 alike). Only a page past the end, which has no row to carry it, counts apart."""
    if limit < 1 or limit > MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    if offset < 0:
        raise ValueError("offset must be >= 0")
    page = session.execute(
        stmt.add_columns(func.count().over().label("page_total"))
        .limit(limit)
        .offset(offset)
    ).all()
    if page:
        total = int(page[0][-1])
    elif offset == 0:
        total = 0
    else:
        count_stmt: Select[Any] = select(func.count()).select_from(
            stmt.order_by(None).subquery()
        )
        total = session.scalar(count_stmt) or 0
    return Page(
        items=[to_record(row[0]) for row in page],
        total=total,
        limit=limit,
        offset=offset,
    )
