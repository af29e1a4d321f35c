"""Intakes (screened at once) and the clinician's sign-off."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from prolo.api.deps import ActorDep, UoWDep
from prolo.api.etag import if_match_version, set_etag
from prolo.api.schemas.common import PROBLEM_RESPONSES
from prolo.api.schemas.screening import (
    IntakeRead,
    IntakeReceipt,
    ScreeningDetailRead,
    ScreeningRead,
    SignOff,
)
from prolo.domain.screening import Intake
from prolo.services import screening
from prolo.services.values import Role

router = APIRouter(tags=["screening"], responses=PROBLEM_RESPONSES)


@router.post(
    "/patients/{patient_id}/intakes",
    response_model=ScreeningRead | IntakeReceipt,
    status_code=201,
)
def record_intake(
    patient_id: uuid.UUID,
    body: Intake,
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
) -> ScreeningRead | IntakeReceipt:
    """Send the intake answers (field names: `prolo screen --example`); they are screened by the
    clinic's rules at once. Staff get the result; a patient gets a receipt (a clinician reviews)."""
    result = screening.record_intake(uow, actor, patient_id=patient_id, intake=body)
    set_etag(response, result.version)
    if actor.role is Role.patient:
        return IntakeReceipt(
            screening_id=result.id, received_at=result.screened_at, status=result.status
        )
    return ScreeningRead.model_validate(result)


@router.get("/patients/{patient_id}/screenings", response_model=list[ScreeningRead])
def list_screenings(
    patient_id: uuid.UUID, uow: UoWDep, actor: ActorDep
) -> list[ScreeningRead]:
    return [
        ScreeningRead.model_validate(s)
        for s in screening.list_screenings(uow, actor, patient_id=patient_id)
    ]


@router.get("/screenings/{screening_id}", response_model=ScreeningDetailRead)
def get_screening(
    screening_id: uuid.UUID, response: Response, uow: UoWDep, actor: ActorDep
) -> ScreeningDetailRead:
    detail = screening.get_screening(uow, actor, screening_id=screening_id)
    set_etag(response, detail.screening.version)
    return ScreeningDetailRead(
        screening=ScreeningRead.model_validate(detail.screening),
        intake=IntakeRead.model_validate(detail.intake),
    )


@router.post("/screenings/{screening_id}/sign-off", response_model=ScreeningRead)
def sign_off(
    screening_id: uuid.UUID,
    body: SignOff,
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
    version: Annotated[int, Depends(if_match_version)],
) -> ScreeningRead:
    """A clinician confirms or overrides the rules' decision (a different decision needs a reason)."""
    signed = screening.sign_off(
        uow,
        actor,
        screening_id=screening_id,
        expected_version=version,
        decision=body.decision,
        reason=body.reason,
    )
    set_etag(response, signed.version)
    return ScreeningRead.model_validate(signed)
