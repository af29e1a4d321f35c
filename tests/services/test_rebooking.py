"""Cancel / no-show / rebook with the course repaired: the chain stays 14-21 days, the
cancelled day is not reused, and no other patient moves; when no repair exists nothing moves
and the nearest dates are offered. Runs on SQLite and PostgreSQL (the `uow` fixture)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

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
from prolo.domain.course import check_dates
from prolo.services import booking, rebooking, waitlist
from prolo.services import clinic as clinic_service
from prolo.services.errors import ForbiddenError, NotFoundError, RuleViolationError
from prolo.store.records import (
    ACTIVE_APPOINTMENT_STATUSES,
    Appointment,
    AppointmentStatus,
    Role,
    WaitlistStatus,
)
from prolo.store.unit_of_work import UnitOfWork

ZONE = ZoneInfo("Europe/Istanbul")
# Tuesday 4 March 2025, 10:00 in Istanbul; the test clock is Monday 3 March, 09:00 Istanbul.
T0 = at_utc(2025, 3, 4, 7, 0)


def book_fortnightly(
    uow: UnitOfWork, setup: ClinicSetup, *, count: int = 4, clinician: int = 0, room=0
) -> list[Appointment]:
    course = course_for(uow, setup, screened_patient(uow, setup), sessions=count)
    return booking.book_sessions(
        uow,
        setup.reception,
        course_id=course.id,
        sessions=[
            slot(
                setup,
                n,
                T0 + timedelta(days=14 * (n - 1)),
                clinician=clinician,
                room=room,
                place=room,
            )
            for n in range(1, count + 1)
        ],
    )


def chain(uow: UnitOfWork, course_id) -> list[Appointment]:
    return sorted(
        (
            a
            for a in uow.appointments.for_course(course_id)
            if a.status in ACTIVE_APPOINTMENT_STATUSES
        ),
        key=lambda a: a.session_number,
    )


def days(appointments: list[Appointment]) -> list[date]:
    return [a.starts_at.astimezone(ZONE).date() for a in appointments]


def snapshot(uow: UnitOfWork, setup: ClinicSetup, except_course) -> set[tuple]:
    """Every other course's active appointments: (id, start, clinician, room, place)."""
    page = uow.appointments.page(
        setup.clinic.id,
        starts_from=T0 - timedelta(days=30),
        starts_before=T0 + timedelta(days=200),
        limit=500,
        offset=0,
    )
    return {
        (a.id, a.starts_at, a.clinician_id, a.room_id, a.recovery_place_id, a.status)
        for a in page.items
        if a.course_id != except_course
    }


class TestCancelRepairs:
    def test_the_session_is_rebooked_and_later_ones_rechained(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        booked = book_fortnightly(uow, setup)
        others = book_fortnightly(uow, setup, clinician=1, room=1)
        before = snapshot(uow, setup, booked[0].course_id)
        result = rebooking.cancel_session(
            uow,
            setup.reception,
            appointment_id=booked[1].id,
            expected_version=booked[1].version,
            reason="patient is ill",
        )
        assert result.repaired, result.problem
        after = chain(uow, booked[0].course_id)
        assert [a.session_number for a in after] == [1, 2, 3, 4]
        rules = clinic_service.course_rules(uow, setup.clinic.id)
        assert check_dates(days(after), rules, partial=True) == []
        cancelled_day = booked[1].starts_at.astimezone(ZONE).date()
        assert days(after)[1] != cancelled_day
        assert after[0].id == booked[0].id
        assert after[0].starts_at == booked[0].starts_at
        # session 2 went to the nearest free day of its window: the day after (the 18th is
        # the cancelled day), which pushes 3 and 4 on by a day to keep the 14-day minimum
        assert days(after) == [
            date(2025, 3, 4),
            date(2025, 3, 19),
            date(2025, 4, 2),
            date(2025, 4, 16),
        ]
        assert {c.session_number for c in result.changes} == {2, 3, 4}
        assert result.changes[0].from_starts_at is None  # session 2 booked anew
        # continuity: the repaired sessions keep their clinician
        assert {a.clinician_id for a in after} == {setup.clinicians[0].id}
        assert snapshot(uow, setup, booked[0].course_id) == before
        assert all(
            a.status is AppointmentStatus.booked
            for a in chain(uow, others[0].course_id)
        )
        actions = [
            e.action for e in uow.audit.page(setup.clinic.id, limit=500, offset=0).items
        ]
        assert "course.repair" in actions
        assert "appointment.cancel" in actions

    def test_later_sessions_that_still_fit_stay(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        course = course_for(uow, setup, screened_patient(uow, setup))
        # gaps of 14, 20, 14 days: session 2 on 18 March, session 3 on 7 April
        starts = [
            T0,
            T0 + timedelta(days=14),
            T0 + timedelta(days=34),
            T0 + timedelta(days=48),
        ]
        booked = booking.book_sessions(
            uow,
            setup.reception,
            course_id=course.id,
            sessions=[slot(setup, n, s) for n, s in enumerate(starts, start=1)],
        )
        result = rebooking.cancel_session(
            uow,
            setup.reception,
            appointment_id=booked[1].id,
            expected_version=1,
            reason="clash",
        )
        assert result.repaired
        assert [c.session_number for c in result.changes] == [2]
        after = chain(uow, course.id)
        assert days(after)[2:] == days(booked)[2:]
        assert [a.id for a in after[2:]] == [a.id for a in booked[2:]]

    def test_other_patients_holding_the_near_days_are_not_moved(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        booked = book_fortnightly(uow, setup)
        # another patient holds 19 March all day with clinician 0 in room 0 ...
        blocker = course_for(uow, setup, screened_patient(uow, setup))
        day = at_utc(2025, 3, 19, 6, 0)  # 09:00 Istanbul
        hold = [
            booking.SlotRequest(
                1,
                day + timedelta(minutes=45 * i),
                setup.clinicians[0].id,
                setup.rooms[0].id,
                setup.places[0].id,
            )
            for i in range(11)
        ]
        booking.book_sessions(
            uow, setup.reception, course_id=blocker.id, sessions=hold[:1]
        )
        before = snapshot(uow, setup, booked[0].course_id)
        result = rebooking.cancel_session(
            uow,
            setup.reception,
            appointment_id=booked[1].id,
            expected_version=1,
            reason="ill",
        )
        assert result.repaired
        assert snapshot(uow, setup, booked[0].course_id) == before
        new = chain(uow, booked[0].course_id)[1]
        assert not (
            new.starts_at < hold[0].starts_at + timedelta(minutes=30)
            and hold[0].starts_at < new.ends_at
            and new.clinician_id == hold[0].clinician_id
        )

    def test_no_repair_moves_nothing_and_offers_the_nearest_dates(
        self, uow: UnitOfWork, setup: ClinicSetup, admin
    ) -> None:
        booked = book_fortnightly(uow, setup)
        for (
            clinician
        ) in setup.clinicians:  # nobody works during session 2's whole window
            clinic_service.add_leave(
                uow,
                admin,
                staff_id=clinician.id,
                start_date=date(2025, 3, 18),
                end_date=date(2025, 3, 25),
            )
        result = rebooking.cancel_session(
            uow,
            setup.reception,
            appointment_id=booked[1].id,
            expected_version=1,
            reason="ill",
        )
        assert not result.repaired
        assert result.changes == ()
        assert "Session 2 cannot be rebooked between 18 Mar and 25 Mar" in (
            result.problem or ""
        )
        assert result.options
        assert result.options_need_override
        assert all(
            o.starts_at.astimezone(ZONE).date() > date(2025, 3, 25)
            for o in result.options
        )
        after = chain(uow, booked[0].course_id)
        # the cancellation stands; sessions 3 and 4 were left where they were
        assert [a.session_number for a in after] == [1, 3, 4]
        assert [a.starts_at for a in after] == [
            booked[0].starts_at,
            booked[2].starts_at,
            booked[3].starts_at,
        ]
        actions = [
            e.action for e in uow.audit.page(setup.clinic.id, limit=500, offset=0).items
        ]
        assert "course.repair_failed" in actions


class TestNoShowAndRebook:
    def test_a_no_show_is_rebooked_after_the_missed_day(
        self, uow: UnitOfWork, setup: ClinicSetup, clock: MutableClock
    ) -> None:
        booked = book_fortnightly(uow, setup)
        clock.at = booked[1].starts_at + timedelta(minutes=20)
        result = rebooking.mark_no_show(
            uow, setup.reception, appointment_id=booked[1].id, expected_version=1
        )
        assert result.repaired
        after = chain(uow, booked[0].course_id)
        assert days(after)[1] > days(booked)[1]
        rules = clinic_service.course_rules(uow, setup.clinic.id)
        assert check_dates(days(after), rules, partial=True) == []

    def test_a_rebook_that_breaks_the_minimum_gap_is_refused_plainly(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        booked = book_fortnightly(uow, setup)
        with pytest.raises(RuleViolationError, match="at least 14 days apart"):
            rebooking.rebook_session(
                uow,
                setup.reception,
                course_id=booked[0].course_id,
                slot=slot(setup, 2, T0 + timedelta(days=10)),
            )
        assert [a.starts_at for a in chain(uow, booked[0].course_id)] == [
            a.starts_at for a in booked
        ]

    def test_moving_a_session_later_rechains_the_rest(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        booked = book_fortnightly(uow, setup)
        result = rebooking.rebook_session(
            uow,
            setup.reception,
            course_id=booked[0].course_id,
            slot=slot(setup, 2, T0 + timedelta(days=20)),
        )
        assert result.repaired
        after = chain(uow, booked[0].course_id)
        assert days(after)[1] == date(2025, 3, 24)
        rules = clinic_service.course_rules(uow, setup.clinic.id)
        assert check_dates(days(after), rules, partial=True) == []
        assert after[1].id == booked[1].id  # moved, not re-created

    def test_nearest_dates_lie_in_the_window(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        booked = book_fortnightly(uow, setup)
        options, need_override = rebooking.nearest_dates(
            uow, setup.reception, course_id=booked[0].course_id, session_number=3
        )
        assert not need_override
        assert options
        for option in options:
            day = option.starts_at.astimezone(ZONE).date()
            assert date(2025, 4, 1) <= day <= date(2025, 4, 8)
            assert day != date(2025, 4, 1)


class TestWho:
    def test_a_patient_and_the_admin_cannot_cancel(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        booked = book_fortnightly(uow, setup)
        admin = actor_for(setup.clinic, Role.admin)
        with pytest.raises(ForbiddenError):
            rebooking.cancel_session(
                uow, admin, appointment_id=booked[1].id, expected_version=1, reason="x"
            )
        stranger = actor_for(
            setup.clinic, Role.patient, patient_id=booked[0].patient_id.__class__(int=1)
        )
        with pytest.raises(NotFoundError):
            rebooking.cancel_session(
                uow,
                stranger,
                appointment_id=booked[1].id,
                expected_version=1,
                reason="x",
            )
        assert chain(uow, booked[0].course_id)[1].status is AppointmentStatus.booked


class TestWaitlist:
    def test_a_freed_slot_is_offered_ranked_and_booked_in_one_step(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        booked = book_fortnightly(uow, setup)
        # two waiting patients with planned courses, wanting session 1 soon
        early = course_for(uow, setup, screened_patient(uow, setup, given_name="Early"))
        late = course_for(uow, setup, screened_patient(uow, setup, given_name="Late"))
        first = waitlist.add(
            uow,
            setup.reception,
            patient_id=late.patient_id,
            earliest_date=date(2025, 3, 4),
            latest_date=date(2025, 4, 30),
            course_id=late.id,
            session_number=1,
        )
        second = waitlist.add(
            uow,
            setup.reception,
            patient_id=early.patient_id,
            earliest_date=date(2025, 3, 4),
            latest_date=date(2025, 3, 20),
            course_id=early.id,
            session_number=1,
        )
        # outside the slot's day: not offered
        waitlist.add(
            uow,
            setup.reception,
            patient_id=screened_patient(uow, setup).id,
            earliest_date=date(2025, 5, 1),
        )
        cancelled = booking.cancel(
            uow,
            setup.reception,
            appointment_id=booked[1].id,
            expected_version=1,
            reason="moved away",
        )
        assert [a.id for a in waitlist.freed_slots(uow, setup.reception)] == [
            cancelled.id
        ]
        offers = waitlist.offers_for_slot(
            uow, setup.reception, appointment_id=cancelled.id
        )
        # the window closing first ranks first, although that patient waited less
        assert [o.entry.id for o in offers] == [second.id, first.id]
        assert [o.rank for o in offers] == [1, 2]
        assert all(o.bookable for o in offers)
        rebooking.fill_from_waitlist(
            uow,
            setup.reception,
            freed_appointment_id=cancelled.id,
            entry_id=second.id,
            entry_version=second.version,
        )
        mine = chain(uow, early.id)
        assert [(a.session_number, a.starts_at) for a in mine] == [
            (1, cancelled.starts_at)
        ]
        assert (
            uow.waitlist.get(setup.clinic.id, second.id).status is WaitlistStatus.booked
        )
        # the slot is taken now
        assert waitlist.freed_slots(uow, setup.reception) == []
