"""The site root. Until the per-role home pages exist, it leads to the patient guide."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import RedirectResponse

router = APIRouter()


@router.get("/", name="home")
def home() -> RedirectResponse:
    """Placeholder: the signed-in home per role replaces this when authentication lands."""
    return RedirectResponse("/learn", status_code=303)
