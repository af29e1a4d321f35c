"""The waitlist: patients waiting for a slot (a first session or an earlier one), and offering
a freed slot to those whose window fits it, oldest first."""

from __future__ import annotations

import uuid
from datetime import date

from prolo.services.context import Actor, audit, authorize
from prolo.services.courses import require_course
from prolo.services.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    use_case,
)
from prolo.services.patients import require_patient
from prolo.services.permissions import Permission
from prolo.store.records import Page, WaitlistEntry, WaitlistStatus
from prolo.store.unit_of_work import UnitOfWork

_NEXT = {
    WaitlistStatus.waiting: {
        WaitlistStatus.offered,
        WaitlistStatus.booked,
        WaitlistStatus.removed,
    },
    WaitlistStatus.offered: {
        WaitlistStatus.waiting,
        WaitlistStatus.booked,
        WaitlistStatus.removed,
    },
    WaitlistStatus.booked: set(),
    WaitlistStatus.removed: set(),
}


@use_case
def add(
    uow: UnitOfWork,
    actor: Actor,
    *,
    patient_id: uuid.UUID,
    earliest_date: date,
    latest_date: date | None = None,
    course_id: uuid.UUID | None = None,
    session_number: int | None = None,
    note: str | None = None,
) -> WaitlistEntry:
    authorize(actor, Permission.waitlist_write, patient_id=patient_id)
    require_patient(uow, actor, patient_id)
    if latest_date is not None and latest_date < earliest_date:
        raise InvalidInputError(
            "latest_date is before earliest_date", field="latest_date"
        )
    if (
        course_id is not None
        and require_course(uow, actor, course_id).patient_id != patient_id
    ):
        raise NotFoundError(
            f"no course {course_id} for this patient", field="course_id"
        )
    if session_number is not None and session_number < 1:
        raise InvalidInputError("session_number must be >= 1", field="session_number")
    entry = uow.waitlist.add(
        actor.clinic_id,
        patient_id=patient_id,
        course_id=course_id,
        session_number=session_number,
        earliest_date=earliest_date,
        latest_date=latest_date,
        note=(note or "").strip() or None,
        created_at=uow.now(),
    )
    audit(
        uow,
        actor,
        "waitlist.add",
        resource_type="waitlist_entry",
        resource_id=entry.id,
        patient_id=patient_id,
    )
    return entry


@use_case
def list_entries(
    uow: UnitOfWork,
    actor: Actor,
    *,
    statuses: list[WaitlistStatus] | None = None,
    fits: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[WaitlistEntry]:
    """Waiting patients, oldest first; `fits` keeps those whose date range contains that day
    (who could take a slot freed on it)."""
    authorize(actor, Permission.waitlist_read)
    page = uow.waitlist.page(
        actor.clinic_id,
        statuses=statuses or [WaitlistStatus.waiting, WaitlistStatus.offered],
        on_date=fits,
        limit=limit,
        offset=offset,
    )
    for pid in dict.fromkeys(e.patient_id for e in page.items):
        audit(
            uow, actor, "waitlist.list", resource_type="waitlist_entry", patient_id=pid
        )
    return page


@use_case
def set_status(
    uow: UnitOfWork,
    actor: Actor,
    *,
    entry_id: uuid.UUID,
    expected_version: int,
    status: WaitlistStatus,
) -> WaitlistEntry:
    """Offer a slot, put back to waiting, mark booked, or remove."""
    authorize(actor, Permission.waitlist_write)
    entry = uow.waitlist.get(actor.clinic_id, entry_id)
    if entry is None:
        raise NotFoundError(f"no waitlist entry {entry_id}")
    if status not in _NEXT[entry.status]:
        raise ConflictError(
            f"a {entry.status.value} entry cannot become {status.value}", field="status"
        )
    updated = uow.waitlist.set_status(
        entry_id, expected_version=expected_version, status=status, updated_at=uow.now()
    )
    audit(
        uow,
        actor,
        f"waitlist.{status.value}",
        resource_type="waitlist_entry",
        resource_id=entry_id,
        patient_id=entry.patient_id,
    )
    return updated
