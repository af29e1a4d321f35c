"""Patients: list/search (paginated), register, read, update with If-Match."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from prolo.api.deps import ActorDep, PageDep, UoWDep
from prolo.api.etag import if_match_version, set_etag
from prolo.api.schemas.common import PROBLEM_RESPONSES, PageRead, page_of
from prolo.api.schemas.patients import PatientCreate, PatientRead, PatientUpdate
from prolo.services import patients
from prolo.services.values import PatientIdentifier

router = APIRouter(prefix="/patients", tags=["patients"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=PageRead[PatientRead])
def list_patients(
    uow: UoWDep,
    actor: ActorDep,
    page: PageDep,
    q: Annotated[
        str | None,
        Query(max_length=100, description="Name, e-mail or exact identifier."),
    ] = None,
) -> dict[str, Any]:
    return page_of(
        patients.list_patients(
            uow, actor, query=q, limit=page.limit, offset=page.offset
        ),
        PatientRead,
    )


@router.post("", response_model=PatientRead, status_code=201)
def register_patient(
    body: PatientCreate, response: Response, uow: UoWDep, actor: ActorDep
) -> PatientRead:
    patient = patients.register_patient(
        uow,
        actor,
        given_name=body.given_name,
        family_name=body.family_name,
        birth_date=body.birth_date,
        sex=body.sex,
        phone=body.phone,
        email=body.email,
        address=body.address,
        preferred_language=body.preferred_language,
        identifiers=[PatientIdentifier(i.system, i.value) for i in body.identifiers],
    )
    set_etag(response, patient.version)
    response.headers["Location"] = f"/api/v1/patients/{patient.id}"
    return PatientRead.model_validate(patient)


@router.get("/by-identifier", response_model=PatientRead)
def find_by_identifier(
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
    system: Annotated[str, Query(max_length=200)],
    value: Annotated[str, Query(max_length=200)],
) -> PatientRead:
    patient = patients.find_by_identifier(uow, actor, system=system, value=value)
    set_etag(response, patient.version)
    return PatientRead.model_validate(patient)


@router.get("/{patient_id}", response_model=PatientRead)
def get_patient(
    patient_id: uuid.UUID, response: Response, uow: UoWDep, actor: ActorDep
) -> PatientRead:
    patient = patients.get_patient(uow, actor, patient_id=patient_id)
    set_etag(response, patient.version)
    return PatientRead.model_validate(patient)


@router.patch("/{patient_id}", response_model=PatientRead)
def update_patient(
    patient_id: uuid.UUID,
    body: PatientUpdate,
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
    version: Annotated[int, Depends(if_match_version)],
) -> PatientRead:
    changes = body.model_dump(exclude_unset=True, exclude={"identifiers"})
    identifiers = (
        [PatientIdentifier(i.system, i.value) for i in body.identifiers]
        if body.identifiers is not None
        else None
    )
    patient = patients.update_patient(
        uow,
        actor,
        patient_id=patient_id,
        expected_version=version,
        changes=changes,
        identifiers=identifiers,
    )
    set_etag(response, patient.version)
    return PatientRead.model_validate(patient)
