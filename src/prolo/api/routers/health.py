"""GET /api/v1/health: database reachability and migration state (no login needed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from prolo import __version__
from prolo.api.deps import get_database
from prolo.services.bootstrap import Database

router = APIRouter(tags=["health"])


class DatabaseHealth(BaseModel):
    reachable: bool
    backend: str
    revision: str | None
    head: str
    up_to_date: bool
    detail: str


class HealthRead(BaseModel):
    status: str
    version: str
    database: DatabaseHealth


@router.get(
    "/health",
    response_model=HealthRead,
    responses={
        503: {
            "model": HealthRead,
            "description": "Database unreachable or not migrated.",
        }
    },
)
def health(database: Annotated[Database, Depends(get_database)]) -> JSONResponse:
    """`ok` (200) when the database answers and is at the head revision, else `unavailable` (503)."""
    status = database.status()
    body = HealthRead(
        status="ok" if status.up_to_date else "unavailable",
        version=__version__,
        database=DatabaseHealth(
            reachable=status.reachable,
            backend=database.engine.dialect.name,
            revision=status.current,
            head=status.head,
            up_to_date=status.up_to_date,
            detail=status.describe(),
        ),
    )
    return JSONResponse(
        body.model_dump(), status_code=200 if status.up_to_date else 503
    )
