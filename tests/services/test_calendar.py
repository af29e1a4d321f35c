"""iCalendar feeds from the store, parsed back with icalendar, and the feed tokens."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from icalendar import Calendar

from factories import ClinicSetup, actor_for, at_utc, course_for, screened_patient, slot
from prolo.services import booking, calendar
from prolo.services.accounts import token_hash
from prolo.services.errors import ForbiddenError, NotFoundError
from prolo.store.records import Appointment, Patient, Role
from prolo.store.unit_of_work import UnitOfWork


@pytest.fixture
def booked(uow: UnitOfWork, setup: ClinicSetup) -> tuple[Patient, list[Appointment]]:
    """A patient with three sessions booked (session 2 with the second clinician), one cancelled."""
    patient = screened_patient(uow, setup, given_name="Deniz")
    course = course_for(uow, setup, patient)
    made = booking.book_sessions(
        uow,
        setup.reception,
        course_id=course.id,
        sessions=[
            slot(setup, 1, at_utc(2025, 3, 10, 7)),
            slot(setup, 2, at_utc(2025, 3, 26, 7), clinician=1),
            slot(setup, 3, at_utc(2025, 4, 10, 7)),
        ],
    )
    cancelled = booking.cancel(
        uow,
        setup.reception,
        appointment_id=made[2].id,
        expected_version=made[2].version,
        reason="patient asked",
    )
    return patient, [made[0], made[1], cancelled]


def _events(feed: bytes) -> dict[str, object]:
    parsed = Calendar.from_ical(feed)
    return {str(e["UID"]): e for e in parsed.walk("VEVENT")}


def test_patient_feed_has_every_appointment_cancelled_ones_marked(
    uow: UnitOfWork, setup: ClinicSetup, booked: tuple[Patient, list[Appointment]]
) -> None:
    patient, appointments = booked
    feed = calendar.patient_feed(uow, setup.reception, patient_id=patient.id)
    parsed = Calendar.from_ical(feed)
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Europe/Istanbul"]
    events = _events(feed)
    assert set(events) == {f"{a.id}@prolo.dev" for a in appointments}
    for appointment in appointments:
        event = events[f"{appointment.id}@prolo.dev"]
        start = event["DTSTART"].dt  # type: ignore[index]
        assert str(start.tzinfo) == "Europe/Istanbul"
        assert start == appointment.starts_at
        assert event["DTEND"].dt == appointment.ends_at  # type: ignore[index]
        alarms = event.walk("VALARM")  # type: ignore[attr-defined]
        if appointment.status.value == "cancelled":
            assert str(event["STATUS"]) == "CANCELLED"  # type: ignore[index]
            assert alarms == []
        else:
            assert str(event["STATUS"]) == "CONFIRMED"  # type: ignore[index]
            (alarm,) = alarms
            assert alarm["TRIGGER"].dt == -timedelta(days=1)
        assert f"session {appointment.session_number}" in str(event["SUMMARY"])  # type: ignore[index]
    actions = [
        e.action for e in uow.audit.page(setup.clinic.id, limit=5, offset=0).items
    ]
    assert "calendar.patient_feed" in actions


def test_clinician_feed_holds_only_their_sessions_and_no_clinical_data(
    uow: UnitOfWork, setup: ClinicSetup, booked: tuple[Patient, list[Appointment]]
) -> None:
    patient, appointments = booked
    first = setup.clinicians[0]
    admin = actor_for(setup.clinic, Role.admin)
    feed = calendar.clinician_feed(uow, admin, staff_id=first.id)
    events = _events(feed)
    mine = [a for a in appointments if a.clinician_id == first.id]
    assert set(events) == {f"{a.id}@prolo.dev" for a in mine}
    for event in events.values():
        assert (
            str(event["SUMMARY"]).removeprefix("Cancelled: ").startswith(patient.name)
        )  # type: ignore[index]
        assert event.walk("VALARM") == []  # type: ignore[attr-defined]
        assert "DESCRIPTION" not in event  # type: ignore[operator]


def test_a_clinicians_feed_is_theirs_and_the_admins(
    uow: UnitOfWork, setup: ClinicSetup
) -> None:
    with pytest.raises(ForbiddenError):
        calendar.clinician_feed(uow, setup.nurse, staff_id=setup.clinicians[0].id)


def test_a_patient_reads_only_their_own_feed(
    uow: UnitOfWork, setup: ClinicSetup, booked: tuple[Patient, list[Appointment]]
) -> None:
    patient, _ = booked
    me = actor_for(setup.clinic, Role.patient, patient_id=patient.id)
    assert calendar.patient_feed(uow, me, patient_id=patient.id).startswith(
        b"BEGIN:VCALENDAR"
    )
    other = actor_for(setup.clinic, Role.patient, patient_id=uuid.uuid4())
    with pytest.raises(NotFoundError):
        calendar.patient_feed(uow, other, patient_id=patient.id)


def test_a_feed_token_serves_the_feed_until_it_is_revoked(
    uow: UnitOfWork, setup: ClinicSetup, booked: tuple[Patient, list[Appointment]]
) -> None:
    patient, _ = booked
    me = actor_for(setup.clinic, Role.patient, patient_id=patient.id)
    issued = calendar.issue_feed_token(
        uow, me, kind="patient", owner_id=patient.id, label="phone"
    )
    assert issued.path == f"/calendar/{issued.token}.ics"
    stored = uow.calendar_feeds.by_hash(token_hash(issued.token))
    assert stored is not None
    assert stored.id == issued.feed.id
    assert (
        uow.calendar_feeds.by_hash(issued.token) is None
    )  # the secret itself is not stored
    served = calendar.feed_for_token(uow, token=issued.token)
    assert served.body == calendar.patient_feed(uow, me, patient_id=patient.id)
    assert [
        t.id
        for t in calendar.list_feed_tokens(uow, me, kind="patient", owner_id=patient.id)
    ] == [issued.feed.id]
    calendar.revoke_feed_token(uow, me, token_id=issued.feed.id)
    with pytest.raises(NotFoundError):
        calendar.feed_for_token(uow, token=issued.token)
    with pytest.raises(NotFoundError):
        calendar.feed_for_token(uow, token="not-a-token")


def test_nobody_issues_a_token_for_someone_elses_feed(
    uow: UnitOfWork, setup: ClinicSetup, booked: tuple[Patient, list[Appointment]]
) -> None:
    patient, _ = booked
    other = actor_for(setup.clinic, Role.patient, patient_id=uuid.uuid4())
    with pytest.raises(NotFoundError):
        calendar.issue_feed_token(uow, other, kind="patient", owner_id=patient.id)
    with pytest.raises(ForbiddenError):
        calendar.issue_feed_token(
            uow, setup.reception, kind="clinician", owner_id=setup.clinicians[0].id
        )
