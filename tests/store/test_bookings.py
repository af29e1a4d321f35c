"""Double booking is impossible in the database itself, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest

from factories import (
    at_utc,
    make_slot,
    save_clinic,
    save_course,
    save_patient,
    save_recovery_place,
    save_room,
    save_staff,
)
from prolo.store.engine import make_engine
from prolo.store.errors import ContentionError, DuplicateError, OverlapError
from prolo.store.records import AppointmentStatus, Course, NewAppointment
from prolo.store.unit_of_work import Database, UnitOfWork

START = at_utc(2025, 3, 4, 7, 0)


@dataclass
class Setting:
    clinic_id: object
    clinician_id: object
    room_id: object
    place_id: object
    courses: list[Course]


def _setting(uow: UnitOfWork, patients: int = 2) -> Setting:
    clinic = save_clinic(uow)
    clinician = save_staff(uow, clinic)
    room = save_room(uow, clinic)
    place = save_recovery_place(uow, clinic)
    courses = [
        save_course(uow, clinic, save_patient(uow, clinic)) for _ in range(patients)
    ]
    return Setting(clinic.id, clinician.id, room.id, place.id, courses)


def _slot(s: Setting, course: Course, **changes: object) -> NewAppointment:
    values: dict[str, object] = {
        "course": course,
        "clinician_id": s.clinician_id,
        "room_id": s.room_id,
        "recovery_place_id": s.place_id,
        "starts_at": START,
    }
    values.update(changes)
    return make_slot(**values)  # type: ignore[arg-type]


class TestOverlapGuards:
    """Inserted straight through the repository: no application check, only the database."""

    def test_same_clinician_same_time_is_refused(self, uow: UnitOfWork) -> None:
        s = _setting(uow)
        other_room = save_room(uow, uow.clinics.get(s.clinic_id))  # type: ignore[arg-type]
        other_place = save_recovery_place(uow, uow.clinics.get(s.clinic_id))  # type: ignore[arg-type]
        uow.appointments.add(s.clinic_id, _slot(s, s.courses[0]))  # type: ignore[arg-type]
        with pytest.raises(OverlapError) as info:
            uow.appointments.add(
                s.clinic_id,  # type: ignore[arg-type]
                _slot(
                    s,
                    s.courses[1],
                    room_id=other_room.id,
                    recovery_place_id=other_place.id,
                    starts_at=START + timedelta(minutes=10),
                ),
            )
        assert info.value.resource == "clinician"

    @pytest.mark.parametrize("resource", ["room", "recovery_place"])
    def test_same_room_or_recovery_place_is_refused(
        self, uow: UnitOfWork, resource: str
    ) -> None:
        s = _setting(uow)
        clinic = uow.clinics.get(s.clinic_id)  # type: ignore[arg-type]
        assert clinic is not None
        other = {
            "clinician_id": save_staff(uow, clinic).id,
            "room_id": save_room(uow, clinic).id,
            "recovery_place_id": save_recovery_place(uow, clinic).id,
        }
        shared = f"{resource}_id"
        changes = {k: v for k, v in other.items() if k != shared}
        uow.appointments.add(s.clinic_id, _slot(s, s.courses[0]))  # type: ignore[arg-type]
        with pytest.raises(OverlapError) as info:
            uow.appointments.add(s.clinic_id, _slot(s, s.courses[1], **changes))  # type: ignore[arg-type]
        assert info.value.resource == resource

    def test_a_patient_cannot_be_in_two_appointments_at_once(
        self, uow: UnitOfWork
    ) -> None:
        s = _setting(uow, patients=1)
        clinic = uow.clinics.get(s.clinic_id)  # type: ignore[arg-type]
        assert clinic is not None
        second_course = save_course(
            uow,
            clinic,
            uow.patients.get(clinic.id, s.courses[0].patient_id),  # type: ignore[arg-type]
        )
        uow.appointments.add(clinic.id, _slot(s, s.courses[0]))
        with pytest.raises(OverlapError) as info:
            uow.appointments.add(
                clinic.id,
                _slot(
                    s,
                    second_course,
                    clinician_id=save_staff(uow, clinic).id,
                    room_id=save_room(uow, clinic).id,
                    recovery_place_id=save_recovery_place(uow, clinic).id,
                    # starts during the first one's heat-pack rest: the patient is still there
                    starts_at=START + timedelta(minutes=35),
                ),
            )
        assert info.value.resource == "patient"

    def test_back_to_back_appointments_are_allowed(self, uow: UnitOfWork) -> None:
        s = _setting(uow)
        first = uow.appointments.add(s.clinic_id, _slot(s, s.courses[0]))  # type: ignore[arg-type]
        # the clinician and room are free when the procedure ends; the recovery place is not
        clinic = uow.clinics.get(s.clinic_id)  # type: ignore[arg-type]
        assert clinic is not None
        second = uow.appointments.add(
            clinic.id,
            _slot(
                s,
                s.courses[1],
                starts_at=first.ends_at,
                recovery_place_id=save_recovery_place(uow, clinic).id,
            ),
        )
        assert second.starts_at == first.ends_at

    @pytest.mark.parametrize(
        "status", [AppointmentStatus.cancelled, AppointmentStatus.no_show]
    )
    def test_cancelled_and_no_show_free_the_slot(
        self, uow: UnitOfWork, status: AppointmentStatus
    ) -> None:
        s = _setting(uow)
        first = uow.appointments.add(s.clinic_id, _slot(s, s.courses[0]))  # type: ignore[arg-type]
        uow.appointments.set_status(
            first.id, expected_version=first.version, status=status, updated_at=START
        )
        again = uow.appointments.add(s.clinic_id, _slot(s, s.courses[1]))  # type: ignore[arg-type]
        assert again.status is AppointmentStatus.booked

    def test_reactivating_into_a_taken_slot_is_refused(self, uow: UnitOfWork) -> None:
        s = _setting(uow)
        first = uow.appointments.add(s.clinic_id, _slot(s, s.courses[0]))  # type: ignore[arg-type]
        first = uow.appointments.set_status(
            first.id,
            expected_version=first.version,
            status=AppointmentStatus.cancelled,
            updated_at=START,
        )
        uow.appointments.add(s.clinic_id, _slot(s, s.courses[1]))  # type: ignore[arg-type]
        with pytest.raises(OverlapError):
            uow.appointments.set_status(
                first.id,
                expected_version=first.version,
                status=AppointmentStatus.booked,
                updated_at=START,
            )

    def test_one_active_appointment_per_session_number(self, uow: UnitOfWork) -> None:
        s = _setting(uow, patients=1)
        uow.appointments.add(s.clinic_id, _slot(s, s.courses[0]))  # type: ignore[arg-type]
        with pytest.raises(DuplicateError, match="session of the course"):
            uow.appointments.add(
                s.clinic_id,  # type: ignore[arg-type]
                _slot(s, s.courses[0], starts_at=START + timedelta(days=1)),
            )

    def test_application_check_names_every_busy_resource(self, uow: UnitOfWork) -> None:
        s = _setting(uow)
        uow.appointments.add(s.clinic_id, _slot(s, s.courses[0]))  # type: ignore[arg-type]
        clash = _slot(s, s.courses[1], starts_at=START + timedelta(minutes=10))
        assert uow.appointments.conflicts(clash) == [
            "clinician",
            "room",
            "recovery_place",
        ]
        later = _slot(s, s.courses[1], starts_at=START + timedelta(hours=1))
        assert uow.appointments.conflicts(later) == []


def _seed_for_race(url: str, patients: int) -> Setting:
    db = Database(url)
    try:
        with db.unit_of_work() as uow:
            s = _setting(uow, patients=patients)
            uow.commit()
        return s
    finally:
        db.dispose()


def _race(
    url: str,
    setting: Setting,
    *,
    check_first: bool,
    contenders: int,
    spread: bool = False,
) -> tuple[int, int]:
    """`contenders` threads, each with its own connection, book the same slot at once."""
    db = Database(url, engine=make_engine(url, pool_size=contenders, max_overflow=0))
    barrier = threading.Barrier(contenders)
    wins: list[int] = []
    losses: list[int] = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def book(i: int) -> None:
        item = _slot(setting, setting.courses[i])
        if spread:  # the control: everyone books a different hour
            item = _slot(
                setting, setting.courses[i], starts_at=START + timedelta(hours=i)
            )
        try:
            barrier.wait(timeout=30)
            with db.unit_of_work() as uow:
                if check_first and uow.appointments.conflicts(item):
                    raise OverlapError("clinician")
                uow.appointments.add(setting.clinic_id, item)  # type: ignore[arg-type]
                uow.commit()
        except (OverlapError, ContentionError):
            # refused by the constraint, or aborted by PostgreSQL's deadlock detector while
            # the winner's row was being checked: either way nothing of it was written
            with lock:
                losses.append(i)
        except BaseException as exc:  # collected and reported by the test
            with lock:
                unexpected.append(exc)
        else:
            with lock:
                wins.append(i)

    threads = [threading.Thread(target=book, args=(i,)) for i in range(contenders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        assert not unexpected, unexpected
        with db.unit_of_work() as uow:
            page = uow.appointments.page(setting.clinic_id, limit=100, offset=0)  # type: ignore[arg-type]
        assert page.total == len(wins)
    finally:
        db.dispose()
    return len(wins), len(losses)


class TestConcurrentBooking:
    CONTENDERS = 20

    @pytest.mark.parametrize(
        "check_first", [True, False], ids=["checked", "blind-insert"]
    )
    def test_exactly_one_of_twenty_concurrent_bookings_wins(
        self, scratch_url: str, check_first: bool
    ) -> None:
        setting = _seed_for_race(scratch_url, self.CONTENDERS)
        wins, losses = _race(
            scratch_url, setting, check_first=check_first, contenders=self.CONTENDERS
        )
        assert (wins, losses) == (1, self.CONTENDERS - 1)

    def test_twenty_concurrent_bookings_of_different_slots_all_win(
        self, scratch_url: str
    ) -> None:
        """The control for the race above: the harness does count every success."""
        setting = _seed_for_race(scratch_url, self.CONTENDERS)
        wins, losses = _race(
            scratch_url,
            setting,
            check_first=False,
            contenders=self.CONTENDERS,
            spread=True,
        )
        assert (wins, losses) == (self.CONTENDERS, 0)
