"""User accounts (admin)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from prolo.api.deps import ActorDep, ConfigDep, PageDep, UoWDep
from prolo.api.schemas.common import PROBLEM_RESPONSES, PageRead, page_of
from prolo.api.schemas.users import UserCreate, UserRead, UserUpdate
from prolo.services import accounts
from prolo.services.values import Role

router = APIRouter(prefix="/users", tags=["users"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=PageRead[UserRead])
def list_users(
    uow: UoWDep, actor: ActorDep, page: PageDep, role: Role | None = None
) -> dict[str, Any]:
    return page_of(
        accounts.list_users(
            uow, actor, role=role, limit=page.limit, offset=page.offset
        ),
        UserRead,
    )


@router.post("", response_model=UserRead, status_code=201)
def create_user(
    body: UserCreate, uow: UoWDep, actor: ActorDep, config: ConfigDep
) -> UserRead:
    user = accounts.create_user(
        uow,
        actor,
        email=body.email,
        password=body.password,
        role=body.role,
        patient_id=body.patient_id,
        staff_member_id=body.staff_member_id,
        password_policy=config.password_policy,
    )
    return UserRead.model_validate(user)


@router.patch("/{user_id}", response_model=UserRead)
def update_user(
    user_id: uuid.UUID, body: UserUpdate, uow: UoWDep, actor: ActorDep
) -> UserRead:
    """Deactivate (revokes the user's tokens) or reactivate an account."""
    return UserRead.model_validate(
        accounts.set_user_active(uow, actor, user_id=user_id, active=body.active)
    )
