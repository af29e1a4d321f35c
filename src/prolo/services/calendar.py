"""iCalendar feeds of appointments (`prolo.interop.ical`), and the secret subscription URLs that
calendar apps poll without a session.

    patient_feed(uow, actor, patient_id=...)      -> bytes (text/calendar), every appointment
    clinician_feed(uow, actor, staff_id=...)      -> bytes, sessions from 180 days ago onwards
    issue_feed_token(...) -> IssuedFeedToken      the token is shown once; only its hash is kept
    feed_for_token(uow, token=...) -> Feed        what GET /calendar/<token>.ics answers
    revoke_feed_token(...)                        the URL stops working at once

Who may: a patient's feed: the patient, and staff who read bookings. A clinician's feed: that
clinician (their login's staff member) and admins. Feed tokens: the same people, for the same
feeds. Every feed served is audited as a read of the patient's (or clinician's) appointments.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from prolo.domain.clock import require_aware
from prolo.interop import ical
from prolo.interop.records import LocationRecord, PatientRecord, PractitionerRecord
from prolo.services.accounts import token_hash
from prolo.services.context import Actor, audit, authorize
from prolo.services.errors import (
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    use_case,
)
from prolo.services.exports import (
    appointment_records,
    organization_record,
    patient_demographics,
    place_record,
    practitioner_record,
    room_record,
)
from prolo.services.permissions import Permission
from prolo.store.records import Appointment, Clinic, Role
from prolo.store.repositories.calendar import CalendarFeedToken, FeedKind
from prolo.store.unit_of_work import UnitOfWork

MEDIA_TYPE: Final = "text/calendar"
# How far back a clinician's feed reaches (a subscribed calendar re-downloads the whole feed).
CLINICIAN_FEED_HISTORY: Final = timedelta(days=180)
_PAGE = 500

__all__ = [
    "CLINICIAN_FEED_HISTORY",
    "MEDIA_TYPE",
    "CalendarFeedToken",
    "Feed",
    "FeedKind",
    "IssuedFeedToken",
    "clinician_feed",
    "feed_for_token",
    "issue_feed_token",
    "list_feed_tokens",
    "patient_feed",
    "revoke_feed_token",
]


def _clinic(uow: UnitOfWork, clinic_id: uuid.UUID) -> Clinic:
    clinic = uow.clinics.get(clinic_id)
    if clinic is None:
        raise NotFoundError("the clinic does not exist")
    return clinic


def _locations(
    uow: UnitOfWork, clinic_id: uuid.UUID
) -> dict[uuid.UUID, LocationRecord]:
    found = {r.id: room_record(r) for r in uow.clinics.rooms(clinic_id)}
    found.update(
        {p.id: place_record(p) for p in uow.clinics.recovery_places(clinic_id)}
    )
    return found


def _clinicians(
    uow: UnitOfWork, clinic_id: uuid.UUID
) -> dict[uuid.UUID, PractitionerRecord]:
    return {
        m.id: practitioner_record(m)
        for m in uow.staff.members(clinic_id, active_only=False)
    }


def _appointments(
    uow: UnitOfWork,
    clinic_id: uuid.UUID,
    *,
    patient_id: uuid.UUID | None = None,
    clinician_id: uuid.UUID | None = None,
    starts_from: datetime | None = None,
) -> list[Appointment]:
    found: list[Appointment] = []
    offset = 0
    while True:
        page = uow.appointments.page(
            clinic_id,
            patient_id=patient_id,
            clinician_id=clinician_id,
            starts_from=starts_from,
            limit=_PAGE,
            offset=offset,
        )
        found += page.items
        offset += page.limit
        if offset >= page.total:
            return found


def _patient_bytes(uow: UnitOfWork, clinic: Clinic, patient_id: uuid.UUID) -> bytes:
    patient = uow.patients.get(clinic.id, patient_id)
    if patient is None:
        raise NotFoundError(f"no patient {patient_id}")
    appointments = _appointments(uow, clinic.id, patient_id=patient.id)
    return ical.patient_feed(
        patient_demographics(patient),
        appointment_records(uow, appointments),
        clinic=organization_record(clinic),
        locations=_locations(uow, clinic.id),
        clinicians=_clinicians(uow, clinic.id),
        timezone=clinic.timezone,
        generated_at=uow.now(),
    )


def _clinician_bytes(
    uow: UnitOfWork,
    clinic: Clinic,
    staff_id: uuid.UUID,
    since: datetime | None = None,
) -> bytes:
    member = uow.staff.get(clinic.id, staff_id)
    if member is None:
        raise NotFoundError(f"no staff member {staff_id}")
    appointments = _appointments(
        uow,
        clinic.id,
        clinician_id=member.id,
        starts_from=since or uow.now() - CLINICIAN_FEED_HISTORY,
    )
    patients: dict[uuid.UUID, PatientRecord] = {}
    for patient_id in {a.patient_id for a in appointments}:
        patient = uow.patients.get(clinic.id, patient_id)
        if patient is not None:
            patients[patient_id] = patient_demographics(patient)
    return ical.clinician_feed(
        practitioner_record(member),
        appointment_records(uow, appointments),
        patients=patients,
        locations=_locations(uow, clinic.id),
        timezone=clinic.timezone,
        generated_at=uow.now(),
    )


def _may_see_clinician(actor: Actor, staff_id: uuid.UUID) -> None:
    if actor.role is Role.admin or (
        actor.staff_member_id is not None and actor.staff_member_id == staff_id
    ):
        return
    if actor.role is Role.patient:
        raise NotFoundError(f"no staff member {staff_id}")
    raise ForbiddenError("only the clinician themself or an admin may read this feed")


@use_case
def patient_feed(uow: UnitOfWork, actor: Actor, *, patient_id: uuid.UUID) -> bytes:
    """The patient's appointments as iCalendar (cancelled ones included, with STATUS:CANCELLED)."""
    authorize(actor, Permission.booking_read, patient_id=patient_id)
    feed = _patient_bytes(uow, _clinic(uow, actor.clinic_id), patient_id)
    audit(
        uow,
        actor,
        "calendar.patient_feed",
        resource_type="calendar",
        resource_id=patient_id,
        patient_id=patient_id,
    )
    return feed


@use_case
def clinician_feed(
    uow: UnitOfWork,
    actor: Actor,
    *,
    staff_id: uuid.UUID,
    since: datetime | None = None,
) -> bytes:
    """A clinician's sessions starting from `since` (default: 180 days ago) as iCalendar
    (patient name and session number only)."""
    authorize(actor, Permission.booking_read)
    _may_see_clinician(actor, staff_id)
    if since is not None:
        require_aware(since, "since")
    feed = _clinician_bytes(uow, _clinic(uow, actor.clinic_id), staff_id, since)
    audit(
        uow,
        actor,
        "calendar.clinician_feed",
        resource_type="calendar",
        resource_id=staff_id,
    )
    return feed


# --------------------------------------------------------------------------- feed tokens


@dataclass(frozen=True, slots=True)
class IssuedFeedToken:
    """A new subscription: `token` goes into the URL and is never shown again."""

    feed: CalendarFeedToken
    token: str

    @property
    def path(self) -> str:
        return f"/calendar/{self.token}.ics"


@dataclass(frozen=True, slots=True)
class Feed:
    """A served feed: the iCalendar bytes and a file name for it."""

    body: bytes
    filename: str


def _may_manage(
    uow: UnitOfWork, actor: Actor, kind: FeedKind, owner_id: uuid.UUID
) -> None:
    if kind == "patient":
        authorize(actor, Permission.booking_read, patient_id=owner_id)
        if uow.patients.get(actor.clinic_id, owner_id) is None:
            raise NotFoundError(f"no patient {owner_id}")
    else:
        authorize(actor, Permission.booking_read)
        _may_see_clinician(actor, owner_id)
        if uow.staff.get(actor.clinic_id, owner_id) is None:
            raise NotFoundError(f"no staff member {owner_id}")


def _label(label: str | None) -> str | None:
    text = (label or "").strip() or None
    if text is not None and len(text) > 100:
        raise InvalidInputError("label is longer than 100 characters", field="label")
    return text


@use_case
def issue_feed_token(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: FeedKind,
    owner_id: uuid.UUID,
    label: str | None = None,
) -> IssuedFeedToken:
    """A new secret feed URL for a patient's or a clinician's calendar."""
    _may_manage(uow, actor, kind, owner_id)
    token = secrets.token_urlsafe(32)
    feed = uow.calendar_feeds.add(
        actor.clinic_id,
        kind=kind,
        owner_id=owner_id,
        token_hash=token_hash(token),
        label=_label(label),
        created_at=uow.now(),
        created_by=actor.user_id,
    )
    audit(
        uow,
        actor,
        "calendar.token_issue",
        resource_type="calendar_feed_token",
        resource_id=feed.id,
        patient_id=owner_id if kind == "patient" else None,
        detail={"kind": kind},
    )
    return IssuedFeedToken(feed, token)


@use_case
def list_feed_tokens(
    uow: UnitOfWork, actor: Actor, *, kind: FeedKind, owner_id: uuid.UUID
) -> list[CalendarFeedToken]:
    _may_manage(uow, actor, kind, owner_id)
    return uow.calendar_feeds.for_owner(actor.clinic_id, kind=kind, owner_id=owner_id)


@use_case
def revoke_feed_token(
    uow: UnitOfWork, actor: Actor, *, token_id: uuid.UUID
) -> CalendarFeedToken:
    feed = uow.calendar_feeds.get(actor.clinic_id, token_id)
    if feed is None:
        raise NotFoundError(f"no calendar feed token {token_id}")
    _may_manage(uow, actor, feed.kind, feed.owner_id)
    revoked = uow.calendar_feeds.revoke(feed.id, uow.now())
    audit(
        uow,
        actor,
        "calendar.token_revoke",
        resource_type="calendar_feed_token",
        resource_id=feed.id,
        patient_id=feed.patient_id,
        detail={"kind": feed.kind},
    )
    return revoked


@use_case
def feed_for_token(
    uow: UnitOfWork, *, token: str, client_address: str | None = None
) -> Feed:
    """The feed a subscription URL names; NotFoundError for an unknown or revoked token."""
    feed = uow.calendar_feeds.by_hash(token_hash(token)) if token else None
    if feed is None or feed.revoked_at is not None:
        raise NotFoundError("no such calendar feed (unknown or revoked link)")
    clinic = _clinic(uow, feed.clinic_id)
    reader = Actor(
        user_id=feed.created_by,
        role=Role.patient if feed.kind == "patient" else Role.clinician,
        clinic_id=feed.clinic_id,
        patient_id=feed.patient_id,
        staff_member_id=feed.staff_member_id,
        client_address=client_address,
        via="calendar-feed",
        extra={"feed_token_id": str(feed.id)},
    )
    if feed.kind == "patient":
        body = _patient_bytes(uow, clinic, feed.owner_id)
    else:
        body = _clinician_bytes(uow, clinic, feed.owner_id)
    uow.calendar_feeds.touch(feed.id, uow.now())
    audit(
        uow,
        reader,
        f"calendar.{feed.kind}_feed",
        resource_type="calendar",
        resource_id=feed.owner_id,
        patient_id=feed.patient_id,
        detail={"feed_token_id": str(feed.id)},
    )
    return Feed(body, f"prolo-{feed.kind}-{feed.owner_id}.ics")
