"""Appointments (the calendar), their changes, free slots, and the waitlist."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from prolo.api.deps import ActorDep, PageDep, UoWDep
from prolo.api.etag import if_match_version, set_etag
from prolo.api.schemas.bookings import (
    AppointmentRead,
    Cancellation,
    FreeSlotRead,
    Move,
    WaitlistCreate,
    WaitlistEntryRead,
    WaitlistUpdate,
)
from prolo.api.schemas.common import PROBLEM_RESPONSES, Day, Moment, PageRead, page_of
from prolo.services import booking, waitlist
from prolo.services.values import AppointmentStatus, WaitlistStatus

router = APIRouter(tags=["appointments"], responses=PROBLEM_RESPONSES)
VersionDep = Annotated[int, Depends(if_match_version)]


def _read(response: Response, appointment: Any) -> AppointmentRead:
    set_etag(response, appointment.version)
    return AppointmentRead.model_validate(appointment)


@router.get("/appointments", response_model=PageRead[AppointmentRead])
def list_appointments(
    uow: UoWDep,
    actor: ActorDep,
    page: PageDep,
    starts_from: Moment | None = None,
    starts_before: Moment | None = None,
    clinician_id: uuid.UUID | None = None,
    room_id: uuid.UUID | None = None,
    recovery_place_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    status: Annotated[list[AppointmentStatus] | None, Query()] = None,
) -> dict[str, Any]:
    """The calendar, by start time (a patient: their own appointments)."""
    return page_of(
        booking.list_appointments(
            uow,
            actor,
            starts_from=starts_from,
            starts_before=starts_before,
            clinician_id=clinician_id,
            room_id=room_id,
            recovery_place_id=recovery_place_id,
            patient_id=patient_id,
            statuses=status,
            limit=page.limit,
            offset=page.offset,
        ),
        AppointmentRead,
    )


@router.get("/appointments/{appointment_id}", response_model=AppointmentRead)
def get_appointment(
    appointment_id: uuid.UUID, response: Response, uow: UoWDep, actor: ActorDep
) -> AppointmentRead:
    return _read(
        response, booking.get_appointment(uow, actor, appointment_id=appointment_id)
    )


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentRead)
def cancel(
    appointment_id: uuid.UUID,
    body: Cancellation,
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
    version: VersionDep,
) -> AppointmentRead:
    return _read(
        response,
        booking.cancel(
            uow,
            actor,
            appointment_id=appointment_id,
            expected_version=version,
            reason=body.reason,
        ),
    )


@router.post("/appointments/{appointment_id}/no-show", response_model=AppointmentRead)
def no_show(
    appointment_id: uuid.UUID,
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
    version: VersionDep,
) -> AppointmentRead:
    return _read(
        response,
        booking.mark_no_show(
            uow, actor, appointment_id=appointment_id, expected_version=version
        ),
    )


@router.post("/appointments/{appointment_id}/check-in", response_model=AppointmentRead)
def check_in(
    appointment_id: uuid.UUID,
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
    version: VersionDep,
) -> AppointmentRead:
    return _read(
        response,
        booking.check_in(
            uow, actor, appointment_id=appointment_id, expected_version=version
        ),
    )


@router.post("/appointments/{appointment_id}/move", response_model=AppointmentRead)
def move(
    appointment_id: uuid.UUID,
    body: Move,
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
    version: VersionDep,
) -> AppointmentRead:
    s = body.slot
    return _read(
        response,
        booking.move(
            uow,
            actor,
            appointment_id=appointment_id,
            expected_version=version,
            slot=booking.SlotRequest(
                s.session_number,
                s.starts_at,
                s.clinician_id,
                s.room_id,
                s.recovery_place_id,
            ),
            override_reason=body.override_reason,
        ),
    )


@router.get("/free-slots", response_model=list[FreeSlotRead])
def free_slots(
    uow: UoWDep,
    actor: ActorDep,
    first_day: Day,
    last_day: Day,
    patient_id: uuid.UUID | None = None,
    clinician_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 10,
) -> list[FreeSlotRead]:
    """The next free slots: clinician, room and recovery place free (and the patient, if given)."""
    return [
        FreeSlotRead.model_validate(s)
        for s in booking.find_free_slots(
            uow,
            actor,
            first_day=first_day,
            last_day=last_day,
            patient_id=patient_id,
            clinician_id=clinician_id,
            limit=limit,
        )
    ]


@router.get("/waitlist", response_model=PageRead[WaitlistEntryRead], tags=["waitlist"])
def list_waitlist(
    uow: UoWDep,
    actor: ActorDep,
    page: PageDep,
    fits: Day | None = None,
    status: Annotated[list[WaitlistStatus] | None, Query()] = None,
) -> dict[str, Any]:
    """Waiting patients, oldest first; `fits` keeps those who could take a slot on that day."""
    return page_of(
        waitlist.list_entries(
            uow, actor, statuses=status, fits=fits, limit=page.limit, offset=page.offset
        ),
        WaitlistEntryRead,
    )


@router.post(
    "/waitlist", response_model=WaitlistEntryRead, status_code=201, tags=["waitlist"]
)
def add_to_waitlist(
    body: WaitlistCreate, response: Response, uow: UoWDep, actor: ActorDep
) -> WaitlistEntryRead:
    entry = waitlist.add(
        uow,
        actor,
        patient_id=body.patient_id,
        earliest_date=body.earliest_date,
        latest_date=body.latest_date,
        course_id=body.course_id,
        session_number=body.session_number,
        note=body.note,
    )
    set_etag(response, entry.version)
    return WaitlistEntryRead.model_validate(entry)


@router.patch(
    "/waitlist/{entry_id}", response_model=WaitlistEntryRead, tags=["waitlist"]
)
def update_waitlist(
    entry_id: uuid.UUID,
    body: WaitlistUpdate,
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
    version: VersionDep,
) -> WaitlistEntryRead:
    entry = waitlist.set_status(
        uow, actor, entry_id=entry_id, expected_version=version, status=body.status
    )
    set_etag(response, entry.version)
    return WaitlistEntryRead.model_validate(entry)
