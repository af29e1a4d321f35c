"""iCalendar feeds: parsed back, every event checked (UID, SEQUENCE, STATUS, times, zone, alarm)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event

from interop.examples import APPT1, APPT2, CLINIC, DOCTOR, KNEE, PATIENT, RECOVERY, ROOM
from interop.strategies import after
from prolo.domain.errors import InvalidInputError
from prolo.interop.ical import clinician_feed, event_uid, patient_feed
from prolo.interop.records import AppointmentRecord, PatientRecord

ZONE = "Europe/Istanbul"
GENERATED = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
LOCATIONS = {ROOM.id: ROOM, RECOVERY.id: RECOVERY}


def feed_for(
    appointments: list[AppointmentRecord], zone: str = ZONE, **kwargs: object
) -> Calendar:
    raw = patient_feed(
        PATIENT,
        appointments,
        clinic=CLINIC,
        locations=LOCATIONS,
        clinicians={DOCTOR.id: DOCTOR},
        timezone=zone,
        generated_at=GENERATED,
        **kwargs,  # type: ignore[arg-type]
    )
    return Calendar.from_ical(raw)


def wall(value: object) -> datetime:
    """The wall-clock time of a DTSTART (as written in the feed's zone)."""
    assert isinstance(value, datetime)
    return value.replace(tzinfo=None)


def events_by_uid(calendar: Calendar) -> dict[str, Event]:
    return {str(e.uid): e for e in calendar.events}


class TestPatientFeed:
    def test_every_appointment_is_one_event_with_a_stable_uid(self) -> None:
        calendar = feed_for([APPT1, APPT2])
        events = events_by_uid(calendar)
        assert set(events) == {event_uid(APPT1.id), event_uid(APPT2.id)}
        assert event_uid(APPT1.id) == f"{APPT1.id}@prolo.dev"

    def test_times_are_in_the_clinic_zone_with_a_vtimezone(self) -> None:
        calendar = feed_for([APPT1, APPT2])
        assert [tz.tz_name for tz in calendar.timezones] == [ZONE]
        assert calendar.get_missing_tzids() == set()
        event = events_by_uid(calendar)[event_uid(APPT1.id)]
        assert event.start == APPT1.start
        assert event.end == APPT1.end
        assert event["DTSTART"].params["TZID"] == ZONE
        assert wall(event.start) == datetime(
            2026, 1, 12, 9, 0
        )  # wall clock in Istanbul

    def test_cancelled_sessions_stay_with_the_same_uid(self) -> None:
        booked = APPT2.model_copy(
            update={"status": "booked", "revision": 0, "cancellation_reason": None}
        )
        before = events_by_uid(feed_for([booked]))[event_uid(APPT2.id)]
        after_cancel = events_by_uid(feed_for([APPT2]))[event_uid(APPT2.id)]
        assert str(before["STATUS"]) == "CONFIRMED"
        assert str(after_cancel["STATUS"]) == "CANCELLED"
        assert after_cancel.sequence > before.sequence
        assert str(after_cancel["TRANSP"]) == "TRANSPARENT"
        assert str(after_cancel["SUMMARY"]).startswith("Cancelled:")
        assert not [a for a in after_cancel.subcomponents if a.name == "VALARM"]

    def test_a_reminder_the_day_before_each_booked_session(self) -> None:
        booked = APPT2.model_copy(
            update={"status": "booked", "cancellation_reason": None}
        )
        event = events_by_uid(feed_for([booked]))[event_uid(APPT2.id)]
        alarms = [a for a in event.subcomponents if a.name == "VALARM"]
        assert len(alarms) == 1
        assert str(alarms[0]["ACTION"]) == "DISPLAY"
        assert alarms[0].decoded("TRIGGER") == timedelta(days=-1)
        assert "Prolotherapy session 2" in str(alarms[0]["DESCRIPTION"])

    def test_reminder_lead_time_can_be_changed_but_not_negative(self) -> None:
        booked = APPT2.model_copy(update={"status": "booked"})
        event = events_by_uid(feed_for([booked], reminder_before=timedelta(hours=3)))[
            event_uid(APPT2.id)
        ]
        assert event.subcomponents[0].decoded("TRIGGER") == timedelta(hours=-3)
        with pytest.raises(InvalidInputError, match="reminder_before"):
            feed_for([booked], reminder_before=timedelta(0))

    def test_done_sessions_have_no_reminder(self) -> None:
        event = events_by_uid(feed_for([APPT1]))[event_uid(APPT1.id)]
        assert not [a for a in event.subcomponents if a.name == "VALARM"]

    def test_stamp_sequence_and_modification_times(self) -> None:
        event = events_by_uid(feed_for([APPT1]))[event_uid(APPT1.id)]
        assert event.sequence == APPT1.revision
        assert event.stamp == APPT1.updated_at
        assert event.last_modified == APPT1.updated_at
        assert event.created == APPT1.created_at
        # without updated_at / created_at, DTSTAMP is the generation time
        assert events_by_uid(feed_for([APPT2]))[event_uid(APPT2.id)].stamp == GENERATED

    def test_output_is_deterministic(self) -> None:
        def raw() -> bytes:
            return patient_feed(
                PATIENT,
                [APPT2, APPT1],
                clinic=CLINIC,
                locations=LOCATIONS,
                clinicians={},
                timezone=ZONE,
                generated_at=GENERATED,
            )

        assert raw() == raw()

    def test_daylight_saving_zone_gets_both_rules(self) -> None:
        winter = APPT1.model_copy(
            update={
                "start": datetime(2026, 1, 12, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")),
                "end": datetime(2026, 1, 12, 9, 45, tzinfo=ZoneInfo("Europe/Berlin")),
                "recovery_place_id": None,
                "recovery_start": None,
                "recovery_end": None,
            }
        )
        summer = APPT2.model_copy(
            update={
                "start": datetime(2026, 7, 6, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")),
                "end": datetime(2026, 7, 6, 9, 45, tzinfo=ZoneInfo("Europe/Berlin")),
            }
        )
        calendar = feed_for([winter, summer], zone="Europe/Berlin")
        vtimezone = calendar.timezones[0]
        assert {c.name for c in vtimezone.subcomponents} == {"STANDARD", "DAYLIGHT"}
        events = events_by_uid(calendar)
        assert wall(events[event_uid(winter.id)].start) == datetime(2026, 1, 12, 9, 0)
        assert wall(events[event_uid(summer.id)].start) == datetime(2026, 7, 6, 9, 0)
        assert events[event_uid(summer.id)].start == summer.start

    def test_refuses_another_patients_appointment_and_unknown_zone(self) -> None:
        stranger = APPT1.model_copy(update={"patient_id": uuid.uuid4()})
        with pytest.raises(InvalidInputError, match="another patient"):
            feed_for([stranger])
        with pytest.raises(InvalidInputError, match="unknown time zone"):
            feed_for([APPT1], zone="Mars/Olympus")
        with pytest.raises(InvalidInputError, match="locations"):
            patient_feed(
                PATIENT,
                [APPT1],
                clinic=CLINIC,
                locations={},
                clinicians={},
                timezone=ZONE,
                generated_at=GENERATED,
            )

    def test_empty_feed_is_a_valid_calendar(self) -> None:
        calendar = feed_for([])
        assert calendar.events == []
        assert str(calendar["X-WR-CALNAME"]) == f"{CLINIC.name}: {PATIENT.display_name}"


class TestClinicianFeed:
    def feed(self, appointments: list[AppointmentRecord]) -> bytes:
        return clinician_feed(
            DOCTOR,
            appointments,
            patients={PATIENT.id: PATIENT},
            locations=LOCATIONS,
            timezone=ZONE,
            generated_at=GENERATED,
        )

    def test_name_and_session_number_only(self) -> None:
        raw = self.feed([APPT1, APPT2])
        events = events_by_uid(Calendar.from_ical(raw))
        assert (
            str(events[event_uid(APPT1.id)]["SUMMARY"]) == "Ayse Nur Yilmaz: session 1"
        )
        assert str(events[event_uid(APPT1.id)]["LOCATION"]) == ROOM.name
        assert "DESCRIPTION" not in events[event_uid(APPT1.id)]
        text = raw.decode()
        for private in (
            PATIENT.mrn,
            PATIENT.email,
            PATIENT.phone,
            KNEE.display,
            "M17",
            "knee",
            "1970",
            APPT2.cancellation_reason,
        ):
            assert private is not None
            assert private not in text, private

    def test_cancelled_appears_cancelled_with_same_uid(self) -> None:
        events = events_by_uid(Calendar.from_ical(self.feed([APPT2])))
        assert str(events[event_uid(APPT2.id)]["STATUS"]) == "CANCELLED"

    def test_refuses_another_clinicians_session(self) -> None:
        other = APPT1.model_copy(update={"clinician_id": uuid.uuid4()})
        with pytest.raises(InvalidInputError, match="another clinician"):
            self.feed([other])

    def test_needs_the_patient_record(self) -> None:
        with pytest.raises(InvalidInputError, match="patients"):
            clinician_feed(
                DOCTOR,
                [APPT1],
                patients={},
                locations=LOCATIONS,
                timezone=ZONE,
                generated_at=GENERATED,
            )


ZONES = ["Europe/Istanbul", "Europe/Berlin", "America/New_York", "UTC"]


@st.composite
def appointment_lists(draw: st.DrawFn) -> list[AppointmentRecord]:
    count = draw(st.integers(0, 6))
    ids = draw(st.lists(st.uuids(), min_size=count, max_size=count, unique=True))
    appointments = []
    for appointment_id in ids:
        start = draw(
            st.datetimes(
                min_value=datetime(2024, 1, 1),
                max_value=datetime(2030, 12, 31),
                timezones=st.just(UTC),
            )
        )
        appointments.append(
            AppointmentRecord(
                id=appointment_id,
                patient_id=PATIENT.id,
                status=draw(
                    st.sampled_from(
                        ["booked", "checked_in", "done", "cancelled", "no_show"]
                    )
                ),
                start=start,
                end=after(start, timedelta(minutes=draw(st.integers(15, 90)))),
                clinician_id=DOCTOR.id,
                room_id=ROOM.id,
                session_number=draw(st.none() | st.integers(1, 8)),
                revision=draw(st.integers(0, 20)),
                updated_at=draw(st.none() | st.just(GENERATED - timedelta(days=1))),
            )
        )
    return appointments


@settings(max_examples=40, deadline=None)
@given(appointments=appointment_lists(), zone=st.sampled_from(ZONES))
def test_every_event_parses_back_as_written(
    appointments: list[AppointmentRecord], zone: str
) -> None:
    for raw in (
        patient_feed(
            PATIENT,
            appointments,
            clinic=CLINIC,
            locations=LOCATIONS,
            clinicians={DOCTOR.id: DOCTOR},
            timezone=zone,
            generated_at=GENERATED,
        ),
        clinician_feed(
            DOCTOR,
            appointments,
            patients={PATIENT.id: PATIENT},
            locations=LOCATIONS,
            timezone=zone,
            generated_at=GENERATED,
        ),
    ):
        calendar = Calendar.from_ical(raw)
        events = events_by_uid(calendar)
        assert len(calendar.events) == len(appointments)
        assert calendar.get_missing_tzids() == set()
        for appointment in appointments:
            event = events[event_uid(appointment.id)]
            # iCalendar has whole seconds: the feed truncates sub-second parts
            assert event.start == appointment.start.replace(microsecond=0)
            assert event.end == appointment.end.replace(microsecond=0)
            if zone != "UTC":
                assert event["DTSTART"].params["TZID"] == zone
            assert event.sequence == appointment.revision
            expected = "CANCELLED" if appointment.status == "cancelled" else "CONFIRMED"
            assert str(event["STATUS"]) == expected
        starts = [e.start for e in calendar.events]
        assert starts == sorted(starts)


def test_patient_feed_needs_an_aware_generation_time() -> None:
    with pytest.raises(InvalidInputError, match="generated_at"):
        patient_feed(
            PatientRecord(id=uuid.uuid4(), family_name="X"),
            [],
            clinic=CLINIC,
            locations={},
            clinicians={},
            timezone=ZONE,
            generated_at=datetime(2026, 1, 1),
        )
