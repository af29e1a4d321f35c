"""Questionnaire answers, scored by the instrument's published rules when they arrive."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from prolo.api.deps import ActorDep, PageDep, UoWDep
from prolo.api.schemas.common import PROBLEM_RESPONSES, PageRead, page_of
from prolo.api.schemas.questionnaires import ResponseCreate, ResponseRead
from prolo.services import questionnaires

router = APIRouter(tags=["questionnaires"], responses=PROBLEM_RESPONSES)


@router.post(
    "/patients/{patient_id}/questionnaires",
    response_model=ResponseRead,
    status_code=201,
)
def submit(
    patient_id: uuid.UUID,
    body: ResponseCreate,
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
) -> ResponseRead:
    """Answers in the instrument's item order (`prolo instruments`); null marks a missing item."""
    stored = questionnaires.submit(
        uow,
        actor,
        patient_id=patient_id,
        instrument_id=body.instrument_id,
        answers=body.answers,
        timepoint=body.timepoint,
        course_id=body.course_id,
    )
    response.headers["Location"] = f"/api/v1/questionnaire-responses/{stored.id}"
    return ResponseRead.model_validate(stored)


@router.get(
    "/patients/{patient_id}/questionnaires", response_model=PageRead[ResponseRead]
)
def list_responses(
    patient_id: uuid.UUID,
    uow: UoWDep,
    actor: ActorDep,
    page: PageDep,
    instrument_id: Annotated[str | None, Query(max_length=40)] = None,
    course_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    return page_of(
        questionnaires.list_responses(
            uow,
            actor,
            patient_id=patient_id,
            instrument_id=instrument_id,
            course_id=course_id,
            limit=page.limit,
            offset=page.offset,
        ),
        ResponseRead,
    )


@router.get("/questionnaire-responses/{response_id}", response_model=ResponseRead)
def get_response(response_id: uuid.UUID, uow: UoWDep, actor: ActorDep) -> ResponseRead:
    return ResponseRead.model_validate(
        questionnaires.get_response(uow, actor, response_id=response_id)
    )
