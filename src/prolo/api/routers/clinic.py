"""The clinic, its rooms, recovery places, staff and settings documents."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import PlainTextResponse

from prolo.api.deps import ActorDep, UoWDep
from prolo.api.etag import if_match_version, set_etag
from prolo.api.schemas.clinic import (
    ClinicRead,
    ClinicUpdate,
    LeaveCreate,
    RecoveryPlaceCreate,
    RecoveryPlaceRead,
    RoomCreate,
    RoomRead,
    RosterUpdate,
    SettingsDocument,
    StaffCreate,
    StaffRead,
)
from prolo.api.schemas.common import PROBLEM_RESPONSES
from prolo.services import clinic
from prolo.services.values import Role, RosterSlot

router = APIRouter(tags=["clinic"], responses=PROBLEM_RESPONSES)


@router.get("/clinic", response_model=ClinicRead)
def get_clinic(response: Response, uow: UoWDep, actor: ActorDep) -> ClinicRead:
    found = clinic.get_clinic(uow, actor)
    set_etag(response, found.version)
    return ClinicRead.model_validate(found)


@router.patch("/clinic", response_model=ClinicRead)
def update_clinic(
    body: ClinicUpdate,
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
    version: Annotated[int, Depends(if_match_version)],
) -> ClinicRead:
    updated = clinic.update_clinic(
        uow,
        actor,
        expected_version=version,
        name=body.name,
        timezone=body.timezone,
        opening_hours=body.opening_hours,
    )
    set_etag(response, updated.version)
    return ClinicRead.model_validate(updated)


@router.get("/clinic/settings/{name}", response_model=dict[str, Any])
def get_settings(name: str, uow: UoWDep, actor: ActorDep) -> dict[str, Any]:
    """course_rules, session_rules, screening_rules, aftercare or questionnaire_schedule."""
    return clinic.get_settings(uow, actor, name=name)


@router.put("/clinic/settings/{name}", response_model=dict[str, Any])
def put_settings(
    name: str, body: SettingsDocument, uow: UoWDep, actor: ActorDep
) -> dict[str, Any]:
    return clinic.put_settings(uow, actor, name=name, value=body.value)


@router.get("/rooms", response_model=list[RoomRead])
def list_rooms(uow: UoWDep, actor: ActorDep) -> list[RoomRead]:
    return [RoomRead.model_validate(r) for r in clinic.list_rooms(uow, actor)]


@router.post("/rooms", response_model=RoomRead, status_code=201)
def add_room(body: RoomCreate, uow: UoWDep, actor: ActorDep) -> RoomRead:
    return RoomRead.model_validate(clinic.add_room(uow, actor, name=body.name))


@router.get("/recovery-places", response_model=list[RecoveryPlaceRead])
def list_recovery_places(uow: UoWDep, actor: ActorDep) -> list[RecoveryPlaceRead]:
    return [
        RecoveryPlaceRead.model_validate(p)
        for p in clinic.list_recovery_places(uow, actor)
    ]


@router.post("/recovery-places", response_model=RecoveryPlaceRead, status_code=201)
def add_recovery_place(
    body: RecoveryPlaceCreate, uow: UoWDep, actor: ActorDep
) -> RecoveryPlaceRead:
    return RecoveryPlaceRead.model_validate(
        clinic.add_recovery_place(
            uow, actor, name=body.name, kind=body.kind, has_heat_pack=body.has_heat_pack
        )
    )


@router.get("/staff", response_model=list[StaffRead])
def list_staff(
    uow: UoWDep, actor: ActorDep, role: Role | None = None
) -> list[StaffRead]:
    return [
        StaffRead.model_validate(s) for s in clinic.list_staff(uow, actor, role=role)
    ]


@router.post("/staff", response_model=StaffRead, status_code=201)
def add_staff(body: StaffCreate, uow: UoWDep, actor: ActorDep) -> StaffRead:
    member = clinic.add_staff(
        uow,
        actor,
        name=body.name,
        roles=body.roles,
        roster=[RosterSlot(s.weekday, s.starts, s.ends) for s in body.roster],
    )
    return StaffRead.model_validate(member)


@router.put("/staff/{staff_id}/roster", response_model=StaffRead)
def set_roster(
    staff_id: uuid.UUID, body: RosterUpdate, uow: UoWDep, actor: ActorDep
) -> StaffRead:
    member = clinic.set_roster(
        uow,
        actor,
        staff_id=staff_id,
        roster=[RosterSlot(s.weekday, s.starts, s.ends) for s in body.roster],
    )
    return StaffRead.model_validate(member)


@router.post("/staff/{staff_id}/leave", response_model=StaffRead, status_code=201)
def add_leave(
    staff_id: uuid.UUID, body: LeaveCreate, uow: UoWDep, actor: ActorDep
) -> StaffRead:
    member = clinic.add_leave(
        uow,
        actor,
        staff_id=staff_id,
        start_date=body.start_date,
        end_date=body.end_date,
        reason=body.reason,
    )
    return StaffRead.model_validate(member)


@router.get("/clinic/aftercare", response_class=PlainTextResponse)
def aftercare(
    uow: UoWDep,
    actor: ActorDep,
    language: Annotated[str, Query(pattern="^(en|tr)$")] = "en",
) -> PlainTextResponse:
    """The patient's post-procedure instructions from the clinic's aftercare settings."""
    return PlainTextResponse(
        clinic.aftercare_instructions(uow, actor, language=language)
    )
