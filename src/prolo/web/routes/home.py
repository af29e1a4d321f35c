"""The site root: signed-out visitors get the patient guide, signed-in users their role's home."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import RedirectResponse

from prolo.services.context import Role
from prolo.web.deps import OptionalActorDep

router = APIRouter()

HOMES: dict[Role, str] = {
    Role.patient: "/portal",
    Role.reception: "/reception",
    Role.clinician: "/clinician",
    Role.nurse: "/clinician",
    Role.admin: "/owner",
}


def home_path(role: Role | str) -> str:
    """The home page of a role."""
    return HOMES[Role(role)]


@router.get("/", name="home")
def home(actor: OptionalActorDep) -> RedirectResponse:
    """Signed in: the role's home page. Signed out: the patient guide."""
    return RedirectResponse(
        home_path(actor.role) if actor else "/learn", status_code=303
    )
