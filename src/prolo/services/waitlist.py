"""The waitlist: patients waiting for a slot (a first session or an earlier one), and offering
a freed slot to those whose window fits it.

Ranking of the patients who fit a freed slot (`offers_for_slot`), best first:
1. how soon their window closes: the last day the session may take place (the entry's latest
   date, narrowed by the course's chain: at most the rules' longest gap after the session before);
   a patient whose window closes soon loses the chain if they miss this slot;
2. clinician continuity: the slot's clinician is the course's preferred clinician, or the one
   who saw the patient last;
3. how long they have waited (the entry's creation time, oldest first).
A patient fits when the slot's day lies in their window, the slot is earlier than the session's
current booking (if any), and they are free at that time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from prolo.services import clinic as clinic_service
from prolo.services.context import Actor, audit, authorize
from prolo.services.courses import active, local_date, require_course
from prolo.services.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    use_case,
)
from prolo.services.patients import require_patient
from prolo.services.permissions import Permission
from prolo.store.records import (
    Appointment,
    AppointmentStatus,
    NewAppointment,
    Page,
    WaitlistEntry,
    WaitlistStatus,
)
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
        and require_course(
            uow, actor, course_id, permission=Permission.waitlist_write
        ).patient_id
        != patient_id
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


# --------------------------------------------------------------------------- freed slots


FREED = (AppointmentStatus.cancelled, AppointmentStatus.no_show)


def _still_free(uow: UnitOfWork, freed: Appointment) -> bool:
    """Nobody took the freed appointment's clinician, room and recovery place since."""
    probe = NewAppointment(
        course_id=freed.course_id,
        patient_id=freed.patient_id,
        session_number=freed.session_number,
        clinician_id=freed.clinician_id,
        room_id=freed.room_id,
        recovery_place_id=freed.recovery_place_id,
        starts_at=freed.starts_at,
        ends_at=freed.ends_at,
        recovery_starts_at=freed.recovery_starts_at,
        recovery_ends_at=freed.recovery_ends_at,
    )
    return not [r for r in uow.appointments.conflicts(probe) if r != "patient"]


@use_case
def freed_slots(uow: UnitOfWork, actor: Actor, *, days: int = 28) -> list[Appointment]:
    """Cancelled or missed appointments from now on (the next `days` days) whose slot is still
    free: the slots reception can offer to the waitlist, soonest first."""
    authorize(actor, Permission.waitlist_read)
    if not 1 <= days <= 92:
        raise InvalidInputError("days must be 1-92", field="days")
    now = uow.now()
    page = uow.appointments.page(
        actor.clinic_id,
        starts_from=now,
        starts_before=now + timedelta(days=days),
        statuses=list(FREED),
        limit=200,
        offset=0,
    )
    seen: set[tuple[datetime, uuid.UUID]] = set()
    found = []
    for a in sorted(page.items, key=lambda a: a.starts_at):
        key = (a.starts_at, a.clinician_id)
        if key in seen or not _still_free(uow, a):
            continue
        seen.add(key)
        found.append(a)
    return found


@dataclass(frozen=True, slots=True)
class RankedOffer:
    """A waiting patient who fits a freed slot, with what the ranking used."""

    rank: int
    entry: WaitlistEntry
    patient_name: str
    window_earliest: date
    window_latest: date | None
    continuity: bool
    waited_days: int

    @property
    def bookable(self) -> bool:
        """One click books the slot (the entry names a course and a session)."""
        return (
            self.entry.course_id is not None and self.entry.session_number is not None
        )


@use_case
def offers_for_slot(
    uow: UnitOfWork, actor: Actor, *, appointment_id: uuid.UUID
) -> list[RankedOffer]:
    """The waiting patients who fit the freed slot of a cancelled or missed appointment, ranked
    (see the module docstring)."""
    authorize(actor, Permission.waitlist_read)
    freed = uow.appointments.get(actor.clinic_id, appointment_id)
    if freed is None or freed.status not in FREED:
        raise NotFoundError(f"no freed slot {appointment_id}")
    clinic = uow.clinics.get(actor.clinic_id)
    zone = ZoneInfo(clinic.timezone if clinic else "UTC")
    rules = clinic_service.course_rules(uow, actor.clinic_id)
    day = local_date(freed.starts_at, zone)
    today = local_date(uow.now(), zone)
    entries = uow.waitlist.page(
        actor.clinic_id,
        statuses=[WaitlistStatus.waiting, WaitlistStatus.offered],
        on_date=day,
        limit=200,
        offset=0,
    ).items
    candidates: list[tuple[tuple[date, int, datetime], RankedOffer]] = []
    for entry in entries:
        if entry.patient_id == freed.patient_id:
            continue
        earliest, latest = entry.earliest_date, entry.latest_date
        continuity = False
        if entry.course_id is not None:
            course = uow.courses.get(actor.clinic_id, entry.course_id)
            if course is None:
                continue
            chain = {
                a.session_number: a
                for a in active(uow.appointments.for_course(course.id))
            }
            number = entry.session_number or (max(chain, default=0) + 1)
            current = chain.get(number)
            if current is not None and local_date(current.starts_at, zone) <= day:
                continue  # already booked on or before the freed day: no gain
            before = chain.get(number - 1)
            if before is not None:
                previous = local_date(before.starts_at, zone)
                earliest = max(earliest, previous + timedelta(days=rules.min_gap_days))
                chain_latest = previous + timedelta(days=rules.max_gap_days)
                latest = min(latest, chain_latest) if latest else chain_latest
            seen_by = [
                a.clinician_id for a in chain.values() if a.starts_at < freed.starts_at
            ]
            continuity = freed.clinician_id == course.preferred_clinician_id or (
                bool(seen_by) and seen_by[-1] == freed.clinician_id
            )
        if day < earliest or (latest is not None and day > latest):
            continue
        if uow.appointments.busy_for_patient(
            entry.patient_id, start=freed.starts_at, end=freed.recovery_ends_at
        ):
            continue
        patient = uow.patients.get(actor.clinic_id, entry.patient_id)
        offer = RankedOffer(
            0,
            entry,
            patient.name if patient else "?",
            earliest,
            latest,
            continuity,
            (today - local_date(entry.created_at, zone)).days,
        )
        key = (latest or date.max, 0 if continuity else 1, entry.created_at)
        candidates.append((key, offer))
    ranked = []
    for rank, (_, offer) in enumerate(sorted(candidates, key=lambda c: c[0]), start=1):
        ranked.append(
            RankedOffer(
                rank,
                offer.entry,
                offer.patient_name,
                offer.window_earliest,
                offer.window_latest,
                offer.continuity,
                offer.waited_days,
            )
        )
        audit(
            uow,
            actor,
            "waitlist.match",
            resource_type="waitlist_entry",
            resource_id=offer.entry.id,
            patient_id=offer.entry.patient_id,
            detail={"slot": str(appointment_id), "rank": rank},
        )
    return ranked
