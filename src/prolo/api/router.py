"""The /api/v1 router: every resource router in one place."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from prolo.api.deps import refuse_nul_characters
from prolo.api.routers import (
    audit,
    auth,
    bookings,
    clinic,
    courses,
    health,
    patients,
    questionnaires,
    screening,
    sessions,
    users,
)

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(refuse_nul_characters)])
    for module in (
        health,
        auth,
        users,
        patients,
        screening,
        courses,
        bookings,
        sessions,
        questionnaires,
        clinic,
        audit,
    ):
        router.include_router(module.router)
    return router
