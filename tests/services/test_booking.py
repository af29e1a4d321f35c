"""Booking: whole courses all-or-nothing, the course rules, opening hours, rosters, moves,
cancellations, no-shows, free slots, and patients' own view."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from factories import (
    ClinicSetup,
    MutableClock,
    actor_for,
    at_utc,
    course_for,
    screened_patient,
    slot,
)
from prolo.services import booking
from prolo.services import clinic as clinic_service
from prolo.services.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
)
from prolo.store.records import AppointmentStatus, CourseStatus, Role
from prolo.store.unit_of_work import UnitOfWork

# Tuesday 4 March 2025, 10:00 in Istanbul (07:00 UTC); the test clock is Monday 09:00 Istanbul.
T0 = at_utc(2025, 3, 4, 7, 0)


def fortnightly(
    setup: ClinicSetup, count: int = 4, *, start=T0, **kw: int
) -> list[booking.SlotRequest]:
    return [
        slot(setup, n, start + timedelta(days=14 * (n - 1)), **kw)
        for n in range(1, count + 1)
    ]


class TestBookCourse:
    def test_a_whole_course_is_booked_at_once(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        course = course_for(uow, setup, screened_patient(uow, setup))
        booked = booking.book_sessions(
            uow, setup.reception, course_id=course.id, sessions=fortnightly(setup)
        )
        assert [a.session_number for a in booked] == [1, 2, 3, 4]
        first = booked[0]
        assert (
            first.ends_at - first.starts_at,
            first.recovery_ends_at - first.recovery_starts_at,
        ) == (timedelta(minutes=30), timedelta(minutes=15))
        assert first.recovery_starts_at == first.ends_at
        again = uow.courses.get(setup.clinic.id, course.id)
        assert (again.status, again.start_date) == (
            CourseStatus.active,
            date(2025, 3, 4),
        )

    def test_one_busy_session_books_nothing(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        other = course_for(uow, setup, screened_patient(uow, setup))
        booking.book_sessions(
            uow,
            setup.reception,
            course_id=other.id,
            sessions=[slot(setup, 1, T0 + timedelta(days=28))],
        )
        course = course_for(uow, setup, screened_patient(uow, setup))
        with pytest.raises(
            ConflictError,
            match=r"session 3 .* already booked: clinician, room, recovery place",
        ) as info:
            booking.book_sessions(
                uow, setup.reception, course_id=course.id, sessions=fortnightly(setup)
            )
        assert info.value.extra["resource"] == "clinician"
        assert uow.appointments.for_course(course.id) == []

    def test_the_patient_cannot_be_in_two_places(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = screened_patient(uow, setup)
        first = course_for(uow, setup, patient)
        second = course_for(uow, setup, patient)
        booking.book_sessions(
            uow, setup.reception, course_id=first.id, sessions=[slot(setup, 1, T0)]
        )
        with pytest.raises(ConflictError, match="patient"):
            booking.book_sessions(
                uow,
                setup.reception,
                course_id=second.id,
                sessions=[
                    slot(
                        setup,
                        1,
                        T0 + timedelta(minutes=30),
                        clinician=1,
                        room=1,
                        place=1,
                    )
                ],
            )

    def test_sessions_too_close_break_the_course_rules(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        course = course_for(uow, setup, screened_patient(uow, setup))
        close = [slot(setup, 1, T0), slot(setup, 2, T0 + timedelta(days=10))]
        with pytest.raises(
            RuleViolationError, match="A clinician may override"
        ) as info:
            booking.book_sessions(
                uow, setup.reception, course_id=course.id, sessions=close
            )
        assert info.value.extra["problems"] == ["gap_too_short"]
        with pytest.raises(RuleViolationError, match="only a clinician"):
            booking.book_sessions(
                uow,
                setup.nurse,
                course_id=course.id,
                sessions=close,
                override_reason="travel",
            )
        booked = booking.book_sessions(
            uow,
            setup.clinician,
            course_id=course.id,
            sessions=close,
            override_reason="patient travels abroad",
        )
        assert {a.timing_override_reason for a in booked} == {"patient travels abroad"}

    def test_the_clinics_course_rules_apply(
        self, uow: UnitOfWork, setup: ClinicSetup, admin
    ) -> None:
        rules = clinic_service.get_settings(uow, admin, name="course_rules")
        clinic_service.put_settings(
            uow, admin, name="course_rules", value={**rules, "min_gap_days": 16}
        )
        course = course_for(uow, setup, screened_patient(uow, setup))
        with pytest.raises(RuleViolationError):
            booking.book_sessions(
                uow,
                setup.reception,
                course_id=course.id,
                sessions=fortnightly(setup, 2),
            )

    @pytest.mark.parametrize(
        ("when", "message"),
        [
            (at_utc(2025, 3, 8, 7, 0), "closed"),  # a Saturday
            (at_utc(2025, 3, 4, 4, 0), "closed"),  # 07:00 in Istanbul
            (at_utc(2025, 3, 4, 14, 50), "closed"),  # ends after 18:00
            (at_utc(2025, 3, 4, 7, 2), "grid"),
        ],
    )
    def test_sessions_fit_the_clinics_hours_and_grid(
        self, uow: UnitOfWork, setup: ClinicSetup, when, message: str
    ) -> None:
        course = course_for(uow, setup, screened_patient(uow, setup))
        with pytest.raises(RuleViolationError, match=message):
            booking.book_sessions(
                uow,
                setup.reception,
                course_id=course.id,
                sessions=[slot(setup, 1, when)],
            )

    def test_a_clinician_on_leave_cannot_be_booked(
        self, uow: UnitOfWork, setup: ClinicSetup, admin
    ) -> None:
        clinic_service.add_leave(
            uow,
            admin,
            staff_id=setup.clinicians[0].id,
            start_date=date(2025, 3, 4),
            end_date=date(2025, 3, 4),
        )
        course = course_for(uow, setup, screened_patient(uow, setup))
        with pytest.raises(RuleViolationError, match="on leave"):
            booking.book_sessions(
                uow, setup.reception, course_id=course.id, sessions=[slot(setup, 1, T0)]
            )

    def test_sessions_are_booked_in_order_and_within_the_plan(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        course = course_for(uow, setup, screened_patient(uow, setup))
        with pytest.raises(RuleViolationError, match="in order"):
            booking.book_sessions(
                uow, setup.reception, course_id=course.id, sessions=[slot(setup, 2, T0)]
            )
        with pytest.raises(RuleViolationError, match="plans 4 sessions"):
            booking.book_sessions(
                uow,
                setup.reception,
                course_id=course.id,
                sessions=fortnightly(setup, 5),
            )
        with pytest.raises(InvalidInputError):
            booking.book_sessions(
                uow,
                setup.reception,
                course_id=course.id,
                sessions=[slot(setup, 1, T0), slot(setup, 1, T0)],
            )

    def test_the_past_is_not_bookable_except_as_history_by_a_clinician(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        course = course_for(uow, setup, screened_patient(uow, setup))
        past = [slot(setup, 1, at_utc(2025, 2, 4, 7, 0))]
        with pytest.raises(RuleViolationError, match="past"):
            booking.book_sessions(
                uow, setup.reception, course_id=course.id, sessions=past
            )
        with pytest.raises(RuleViolationError, match="only a clinician"):
            booking.book_sessions(
                uow,
                actor_for(setup.clinic, Role.reception, user=True),
                course_id=course.id,
                sessions=past,
                historical=True,
            )
        assert booking.book_sessions(
            uow, setup.clinician, course_id=course.id, sessions=past, historical=True
        )

    def test_reception_books_but_a_patient_cannot(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = screened_patient(uow, setup)
        course = course_for(uow, setup, patient)
        with pytest.raises(ForbiddenError):
            booking.book_sessions(
                uow,
                actor_for(setup.clinic, Role.patient, patient_id=patient.id),
                course_id=course.id,
                sessions=[slot(setup, 1, T0)],
            )


class TestChanges:
    @pytest.fixture
    def booked(self, uow: UnitOfWork, setup: ClinicSetup):
        course = course_for(uow, setup, screened_patient(uow, setup))
        return booking.book_sessions(
            uow, setup.reception, course_id=course.id, sessions=fortnightly(setup)
        )

    def test_cancelling_frees_the_slot_for_someone_else(
        self, uow: UnitOfWork, setup: ClinicSetup, booked
    ) -> None:
        with pytest.raises(InvalidInputError):
            booking.cancel(
                uow,
                setup.reception,
                appointment_id=booked[0].id,
                expected_version=1,
                reason=" ",
            )
        cancelled = booking.cancel(
            uow,
            setup.reception,
            appointment_id=booked[0].id,
            expected_version=1,
            reason="patient ill",
        )
        assert (cancelled.status, cancelled.status_reason) == (
            AppointmentStatus.cancelled,
            "patient ill",
        )
        other = course_for(uow, setup, screened_patient(uow, setup))
        assert booking.book_sessions(
            uow, setup.reception, course_id=other.id, sessions=[slot(setup, 1, T0)]
        )
        with pytest.raises(ConflictError):
            booking.cancel(
                uow,
                setup.reception,
                appointment_id=booked[0].id,
                expected_version=2,
                reason="again",
            )

    def test_a_stale_version_is_a_conflict(
        self, uow: UnitOfWork, setup: ClinicSetup, booked
    ) -> None:
        booking.check_in(
            uow, setup.reception, appointment_id=booked[0].id, expected_version=1
        )
        with pytest.raises(ConflictError, match="changed by someone else"):
            booking.cancel(
                uow,
                setup.reception,
                appointment_id=booked[0].id,
                expected_version=1,
                reason="x",
            )

    def test_no_show_only_after_the_start(
        self, uow: UnitOfWork, setup: ClinicSetup, booked, clock: MutableClock
    ) -> None:
        with pytest.raises(RuleViolationError):
            booking.mark_no_show(
                uow, setup.reception, appointment_id=booked[0].id, expected_version=1
            )
        clock.at = booked[0].starts_at + timedelta(minutes=20)
        assert (
            booking.mark_no_show(
                uow, setup.reception, appointment_id=booked[0].id, expected_version=1
            ).status
            is AppointmentStatus.no_show
        )

    def test_moving_keeps_the_course_rules(
        self, uow: UnitOfWork, setup: ClinicSetup, booked
    ) -> None:
        last = booked[3]
        moved = booking.move(
            uow,
            setup.reception,
            appointment_id=last.id,
            expected_version=1,
            slot=slot(setup, 4, last.starts_at + timedelta(days=3), clinician=1),
        )
        assert (moved.starts_at, moved.clinician_id, moved.version) == (
            last.starts_at + timedelta(days=3),
            setup.clinicians[1].id,
            2,
        )
        with pytest.raises(RuleViolationError):
            booking.move(
                uow,
                setup.reception,
                appointment_id=last.id,
                expected_version=2,
                slot=slot(setup, 4, T0 + timedelta(days=30)),
            )

    def test_moving_within_its_own_time_is_not_a_conflict_with_itself(
        self, uow: UnitOfWork, setup: ClinicSetup, booked
    ) -> None:
        first = booked[0]
        moved = booking.move(
            uow,
            setup.reception,
            appointment_id=first.id,
            expected_version=1,
            slot=slot(setup, 1, first.starts_at + timedelta(minutes=10)),
        )
        assert moved.starts_at == first.starts_at + timedelta(minutes=10)


class TestCalendar:
    def test_a_patient_sees_only_their_own_appointments(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        mine, theirs = screened_patient(uow, setup), screened_patient(uow, setup)
        for n, p in enumerate((mine, theirs)):
            course = course_for(uow, setup, p)
            booking.book_sessions(
                uow,
                setup.reception,
                course_id=course.id,
                sessions=[slot(setup, 1, T0 + timedelta(hours=n))],
            )
        me = actor_for(setup.clinic, Role.patient, patient_id=mine.id)
        page = booking.list_appointments(uow, me)
        assert {a.patient_id for a in page.items} == {mine.id}
        with pytest.raises(NotFoundError):
            booking.list_appointments(uow, me, patient_id=theirs.id)
        other = booking.list_appointments(
            uow, setup.reception, patient_id=theirs.id
        ).items[0]
        with pytest.raises(NotFoundError):
            booking.get_appointment(uow, me, appointment_id=other.id)

    def test_filters_by_day_and_clinician(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        course = course_for(uow, setup, screened_patient(uow, setup))
        booking.book_sessions(
            uow, setup.reception, course_id=course.id, sessions=fortnightly(setup)
        )
        day = booking.list_appointments(
            uow,
            setup.reception,
            starts_from=T0 - timedelta(hours=3),
            starts_before=T0 + timedelta(hours=12),
            clinician_id=setup.clinicians[0].id,
        )
        assert [a.session_number for a in day.items] == [1]
        assert (
            booking.list_appointments(
                uow, setup.reception, clinician_id=setup.clinicians[1].id
            ).total
            == 0
        )


class TestFreeSlots:
    def test_the_first_free_slot_is_the_first_opening(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        slots = booking.find_free_slots(
            uow,
            setup.reception,
            first_day=date(2025, 3, 4),
            last_day=date(2025, 3, 4),
            limit=3,
        )
        assert [s.starts_at for s in slots] == [
            at_utc(2025, 3, 4, 6, 0),
            at_utc(2025, 3, 4, 6, 5),
            at_utc(2025, 3, 4, 6, 10),
        ]
        assert (
            slots[0].clinician_id == setup.clinicians[0].id
        )  # by name: Dr. Ada Aksoy first

    def test_busy_resources_and_the_patient_are_skipped(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = screened_patient(uow, setup)
        course = course_for(uow, setup, patient)
        booking.book_sessions(
            uow,
            setup.reception,
            course_id=course.id,
            sessions=[slot(setup, 1, at_utc(2025, 3, 4, 6, 0))],
        )
        first = booking.find_free_slots(
            uow,
            setup.reception,
            first_day=date(2025, 3, 4),
            last_day=date(2025, 3, 4),
            limit=1,
        )[0]
        assert (first.starts_at, first.clinician_id) == (
            at_utc(2025, 3, 4, 6, 0),
            setup.clinicians[1].id,
        )
        assert first.room_id == setup.rooms[1].id
        for_patient = booking.find_free_slots(
            uow,
            setup.reception,
            first_day=date(2025, 3, 4),
            last_day=date(2025, 3, 4),
            patient_id=patient.id,
            limit=1,
        )[0]
        assert for_patient.starts_at == at_utc(2025, 3, 4, 6, 45)

    def test_the_past_is_never_offered(
        self, uow: UnitOfWork, setup: ClinicSetup, clock: MutableClock
    ) -> None:
        clock.at = at_utc(2025, 3, 4, 12, 3)
        first = booking.find_free_slots(
            uow,
            setup.reception,
            first_day=date(2025, 3, 4),
            last_day=date(2025, 3, 4),
            limit=1,
        )[0]
        assert first.starts_at == at_utc(2025, 3, 4, 12, 5)

    def test_a_proposal_books_cleanly(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        course = course_for(uow, setup, screened_patient(uow, setup), sessions=6)
        proposal = booking.propose_course(
            uow, setup.reception, course_id=course.id, first_day=date(2025, 3, 5)
        )
        assert len(proposal) == 6
        gaps = [
            (b.starts_at - a.starts_at).days for a, b in itertools.pairwise(proposal)
        ]
        assert all(14 <= g <= 21 for g in gaps)
        booked = booking.book_sessions(
            uow,
            setup.reception,
            course_id=course.id,
            sessions=[s.request(n) for n, s in enumerate(proposal, start=1)],
        )
        assert len(booked) == 6

    def test_bad_ranges_are_refused(self, uow: UnitOfWork, setup: ClinicSetup) -> None:
        with pytest.raises(InvalidInputError):
            booking.find_free_slots(
                uow,
                setup.reception,
                first_day=date(2025, 3, 5),
                last_day=date(2025, 3, 4),
            )
        with pytest.raises(InvalidInputError):
            booking.find_free_slots(
                uow,
                setup.reception,
                first_day=date(2025, 1, 1),
                last_day=date(2025, 12, 31),
            )
