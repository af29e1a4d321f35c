"""The clinic: settings documents validated by the domain's models, rooms, places, staff."""

from __future__ import annotations

from datetime import date, time

import pytest

from factories import ClinicSetup, MutableClock
from prolo.domain.course import load_course_rules
from prolo.services import clinic as clinic_service
from prolo.services import waitlist
from prolo.services.context import Actor
from prolo.services.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from prolo.store.records import RecoveryPlaceKind, Role, RosterSlot, WaitlistStatus
from prolo.store.unit_of_work import UnitOfWork


class TestSettings:
    def test_defaults_are_the_domains_published_rules(
        self, uow: UnitOfWork, admin: Actor
    ) -> None:
        assert clinic_service.get_settings(
            uow, admin, name="course_rules"
        ) == load_course_rules().model_dump(mode="json")

    def test_a_clinic_narrows_its_rules_inside_the_clinical_bounds(
        self, uow: UnitOfWork, admin: Actor, clinic
    ) -> None:
        rules = clinic_service.get_settings(uow, admin, name="course_rules")
        clinic_service.put_settings(
            uow, admin, name="course_rules", value={**rules, "max_gap_days": 18}
        )
        assert clinic_service.course_rules(uow, clinic.id).max_gap_days == 18
        with pytest.raises(InvalidInputError) as info:
            clinic_service.put_settings(
                uow, admin, name="course_rules", value={**rules, "max_gap_days": 40}
            )
        assert info.value.field.startswith("course_rules")
        with pytest.raises(InvalidInputError):
            clinic_service.put_settings(
                uow, admin, name="course_rules", value={**rules, "surprise": 1}
            )

    def test_unknown_documents_and_non_admins_are_refused(
        self, uow: UnitOfWork, admin: Actor, setup: ClinicSetup
    ) -> None:
        with pytest.raises(NotFoundError):
            clinic_service.get_settings(uow, admin, name="pricing")
        rules = clinic_service.get_settings(uow, admin, name="session_rules")
        with pytest.raises(ForbiddenError):
            clinic_service.put_settings(
                uow, setup.clinician, name="session_rules", value=rules
            )


class TestResources:
    def test_admin_adds_rooms_places_and_staff(
        self, uow: UnitOfWork, admin: Actor
    ) -> None:
        clinic_service.add_room(uow, admin, name="  Room A ")
        clinic_service.add_recovery_place(
            uow, admin, name="Chair 1", kind=RecoveryPlaceKind.chair
        )
        member = clinic_service.add_staff(
            uow,
            admin,
            name="Dr. Can",
            roles=[Role.clinician],
            roster=[RosterSlot(0, time(9), time(17))],
        )
        assert [r.name for r in clinic_service.list_rooms(uow, admin)] == ["Room A"]
        assert (
            clinic_service.list_recovery_places(uow, admin)[0].kind
            is RecoveryPlaceKind.chair
        )
        assert clinic_service.list_staff(uow, admin, role=Role.clinician) == [member]

    def test_duplicate_names_are_a_conflict(
        self, uow: UnitOfWork, admin: Actor
    ) -> None:
        clinic_service.add_room(uow, admin, name="Room A")
        with pytest.raises(ConflictError):
            clinic_service.add_room(uow, admin, name="Room A")

    @pytest.mark.parametrize(
        ("roles", "roster"),
        [
            ([], []),
            ([Role.patient], []),
            ([Role.nurse], [RosterSlot(7, time(9), time(10))]),
            ([Role.nurse], [RosterSlot(1, time(10), time(9))]),
        ],
    )
    def test_bad_staff_is_refused(
        self, uow: UnitOfWork, admin: Actor, roles, roster
    ) -> None:
        with pytest.raises(InvalidInputError):
            clinic_service.add_staff(uow, admin, name="X", roles=roles, roster=roster)

    def test_leave_and_timezone_are_checked(
        self, uow: UnitOfWork, admin: Actor, setup: ClinicSetup
    ) -> None:
        with pytest.raises(InvalidInputError):
            clinic_service.add_leave(
                uow,
                admin,
                staff_id=setup.clinicians[0].id,
                start_date=date(2025, 3, 5),
                end_date=date(2025, 3, 4),
            )
        clinic = clinic_service.get_clinic(uow, admin)
        with pytest.raises(InvalidInputError):
            clinic_service.update_clinic(
                uow, admin, expected_version=clinic.version, timezone="Mars/Olympus"
            )
        updated = clinic_service.update_clinic(
            uow, admin, expected_version=clinic.version, timezone="Europe/Berlin"
        )
        assert updated.timezone == "Europe/Berlin"
        with pytest.raises(ConflictError):
            clinic_service.update_clinic(
                uow, admin, expected_version=clinic.version, name="stale"
            )

    def test_only_admins_manage(self, uow: UnitOfWork, setup: ClinicSetup) -> None:
        with pytest.raises(ForbiddenError):
            clinic_service.add_room(uow, setup.clinician, name="Room X")


class TestWaitlist:
    def test_waiting_patients_whose_dates_fit_are_listed_oldest_first(
        self, uow: UnitOfWork, setup: ClinicSetup, clock: MutableClock
    ) -> None:
        from factories import screened_patient

        a, b = screened_patient(uow, setup), screened_patient(uow, setup)
        first = waitlist.add(
            uow,
            setup.reception,
            patient_id=a.id,
            earliest_date=date(2025, 3, 3),
            latest_date=date(2025, 3, 10),
        )
        clock.advance(minutes=1)
        waitlist.add(
            uow, setup.reception, patient_id=b.id, earliest_date=date(2025, 3, 8)
        )
        assert [
            e.patient_id
            for e in waitlist.list_entries(
                uow, setup.reception, fits=date(2025, 3, 9)
            ).items
        ] == [a.id, b.id]
        assert [
            e.patient_id
            for e in waitlist.list_entries(
                uow, setup.reception, fits=date(2025, 3, 5)
            ).items
        ] == [a.id]
        offered = waitlist.set_status(
            uow,
            setup.reception,
            entry_id=first.id,
            expected_version=1,
            status=WaitlistStatus.offered,
        )
        booked = waitlist.set_status(
            uow,
            setup.reception,
            entry_id=first.id,
            expected_version=offered.version,
            status=WaitlistStatus.booked,
        )
        with pytest.raises(ConflictError):
            waitlist.set_status(
                uow,
                setup.reception,
                entry_id=first.id,
                expected_version=booked.version,
                status=WaitlistStatus.waiting,
            )
        with pytest.raises(InvalidInputError):
            waitlist.add(
                uow,
                setup.reception,
                patient_id=a.id,
                earliest_date=date(2025, 3, 9),
                latest_date=date(2025, 3, 1),
            )
        with pytest.raises(ForbiddenError):
            waitlist.add(
                uow, setup.nurse, patient_id=a.id, earliest_date=date(2025, 3, 9)
            )
