"""The web pages' routes. The composition root includes `build_web_router()`.

Every module in this package that defines `router: APIRouter` is included, in module-name order
(home, education and auth first), so a page area adds routes by adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter

FIRST = ("home", "education", "auth")


def route_modules() -> list[str]:
    """Names of the route modules, the fixed first ones then the rest by name."""
    found = sorted(m.name for m in pkgutil.iter_modules(__path__))
    return [m for m in FIRST if m in found] + [m for m in found if m not in FIRST]


def build_web_router() -> APIRouter:
    """All web page routes (HTML; hidden from the OpenAPI schema)."""
    router = APIRouter(include_in_schema=False)
    for name in route_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        area_router = getattr(module, "router", None)
        if isinstance(area_router, APIRouter):
            router.include_router(area_router)
    return router
