"""The web pages' routes. The composition root includes `build_web_router()`."""

from __future__ import annotations

from fastapi import APIRouter

from prolo.web.routes import auth, education, home


def build_web_router() -> APIRouter:
    """All web page routes (HTML; hidden from the OpenAPI schema)."""
    router = APIRouter(include_in_schema=False)
    router.include_router(home.router)
    router.include_router(education.router)
    router.include_router(auth.router)
    return router
