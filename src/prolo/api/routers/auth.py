"""Log in (bearer tokens), log out, who am I, change my password."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from prolo.api.deps import ActorDep, ConfigDep, UoWDep, bearer_token, client_address
from prolo.api.schemas.auth import MeRead, PasswordChange, TokenCreate, TokenRead
from prolo.api.schemas.common import PROBLEM_RESPONSES
from prolo.services import accounts
from prolo.services.bootstrap import commit
from prolo.services.context import Actor
from prolo.services.values import TokenKind

router = APIRouter(prefix="/auth", tags=["auth"], responses=PROBLEM_RESPONSES)


def _me(actor: Actor) -> MeRead:
    assert actor.user_id is not None
    assert actor.email is not None
    return MeRead(
        id=actor.user_id,
        email=actor.email,
        role=actor.role,
        clinic_id=actor.clinic_id,
        patient_id=actor.patient_id,
        staff_member_id=actor.staff_member_id,
    )


@router.post("/token", response_model=TokenRead)
def create_token(
    body: TokenCreate, request: Request, uow: UoWDep, config: ConfigDep
) -> TokenRead:
    """Exchange an e-mail and password for a bearer token (send it as `Authorization: Bearer`).
    Failed attempts are counted: repeated failures are slowed, then locked (429 + Retry-After)."""
    outcome = accounts.login(
        uow,
        email=body.email,
        password=body.password,
        client_address=client_address(request),
        kind=TokenKind.api,
        ttl_s=config.api_token_ttl_s,
        policy=config.login_policy,
        password_policy=config.password_policy,
    )
    commit(uow)  # the attempt counts even when it fails
    issued = outcome.unwrap()
    user = issued.user
    return TokenRead(
        access_token=issued.token,
        expires_at=issued.expires_at,
        user=MeRead(
            id=user.id,
            email=user.email,
            role=user.role,
            clinic_id=user.clinic_id,
            patient_id=user.patient_id,
            staff_member_id=user.staff_member_id,
        ),
    )


@router.post("/logout", status_code=204)
def logout(request: Request, uow: UoWDep, actor: ActorDep) -> Response:
    """Revoke the bearer token of this request."""
    del actor  # authenticated: only a valid token can revoke itself
    token = bearer_token(request)
    if token is not None:
        accounts.logout(uow, token=token)
    return Response(status_code=204)


@router.get("/me", response_model=MeRead)
def me(actor: ActorDep) -> MeRead:
    return _me(actor)


@router.post("/password", status_code=204)
def change_password(
    body: PasswordChange, uow: UoWDep, actor: ActorDep, config: ConfigDep
) -> Response:
    """Change your password; every login of yours (this token too) is revoked."""
    accounts.change_password(
        uow,
        actor,
        current_password=body.current_password,
        new_password=body.new_password,
        password_policy=config.password_policy,
    )
    return Response(status_code=204)
