"""Running a session: every step timestamped, injections with lot numbers, the rest rule,
who may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from factories import (
    ClinicSetup,
    MutableClock,
    at_utc,
    course_for,
    screened_patient,
    slot,
)
from prolo.domain import protocol
from prolo.domain.errors import RuleViolationError as DomainRuleViolation
from prolo.services import booking, sessions
from prolo.services.errors import ConflictError, ForbiddenError, InvalidInputError
from prolo.store.records import AppointmentStatus
from prolo.store.unit_of_work import UnitOfWork

START = at_utc(2025, 3, 4, 7, 0)

INJECTION = protocol.GiveInjection(
    site="knee_intra_articular",
    laterality=protocol.Laterality.left,
    solution="dextrose",
    concentration_percent=25,
    volume_ml=6,
    guidance=protocol.Guidance.landmark,
    lot_number="DX-2025-0142",
)


@pytest.fixture
def opened(
    uow: UnitOfWork, setup: ClinicSetup, clock: MutableClock
) -> sessions.SessionDetail:
    course = course_for(uow, setup, screened_patient(uow, setup))
    appointment = booking.book_sessions(
        uow, setup.reception, course_id=course.id, sessions=[slot(setup, 1, START)]
    )[0]
    clock.at = START - timedelta(minutes=5)
    return sessions.start_session(uow, setup.nurse, appointment_id=appointment.id)


def step(
    uow: UnitOfWork, actor, opened, event, clock: MutableClock, minutes: float = 1
) -> sessions.SessionDetail:
    clock.advance(minutes=minutes)
    return sessions.record_event(uow, actor, session_id=opened.record.id, event=event)


def to_rest(
    uow: UnitOfWork, setup: ClinicSetup, opened, clock: MutableClock
) -> sessions.SessionDetail:
    nurse = setup.nurse
    step(uow, nurse, opened, protocol.GiveConsent(by="-"), clock)
    step(uow, nurse, opened, protocol.StartPreparation(), clock, 2)
    step(
        uow,
        nurse,
        opened,
        protocol.GiveLocalAnaesthesia(
            agent="lidocaine", concentration_percent=1, volume_ml=2
        ),
        clock,
        3,
    )
    step(uow, nurse, opened, INJECTION, clock, 5)
    return step(uow, nurse, opened, protocol.StartRest(), clock, 10)


class TestRunSession:
    def test_a_nurse_runs_a_whole_session_to_discharge(
        self, uow: UnitOfWork, setup: ClinicSetup, opened, clock: MutableClock
    ) -> None:
        assert opened.protocol.step is protocol.SessionStep.check_in
        assert (
            uow.appointments.get(setup.clinic.id, opened.record.appointment_id).status
            is AppointmentStatus.checked_in
        )
        resting = to_rest(uow, setup, opened, clock)
        assert resting.earliest_discharge == clock.now() + timedelta(minutes=10)
        done = step(uow, setup.nurse, opened, protocol.Discharge(), clock, 10)
        record = done.record
        assert record.state == "discharged"
        assert record.discharged_at == clock.now()
        assert [s.step for s in record.steps] == [
            "check_in",
            "consent",
            "preparation",
            "local_anaesthesia",
            "injection",
            "rest",
            "discharge",
        ]
        assert all(
            a.at < b.at for a, b in zip(record.steps, record.steps[1:], strict=False)
        )
        (injection,) = record.injections
        assert (
            injection.lot_number,
            injection.solution,
            injection.concentration_pct,
            injection.volume_ml,
        ) == ("DX-2025-0142", "dextrose", 25.0, 6.0)
        assert (
            uow.appointments.get(setup.clinic.id, record.appointment_id).status
            is AppointmentStatus.done
        )

    def test_discharge_before_ten_minutes_of_rest_is_refused(
        self, uow: UnitOfWork, setup: ClinicSetup, opened, clock: MutableClock
    ) -> None:
        to_rest(uow, setup, opened, clock)
        with pytest.raises(DomainRuleViolation):
            step(uow, setup.nurse, opened, protocol.Discharge(), clock, 5)
        early = protocol.Discharge(
            override=protocol.Override(by="-", reason="patient must catch a ferry")
        )
        with pytest.raises(ForbiddenError):
            step(uow, setup.nurse, opened, early, clock, 0)
        done = step(uow, setup.clinician, opened, early, clock, 0)
        assert done.record.discharge_override_reason == "patient must catch a ferry"
        assert done.protocol.discharge_override is not None

    def test_steps_out_of_order_are_refused(
        self, uow: UnitOfWork, setup: ClinicSetup, opened, clock: MutableClock
    ) -> None:
        with pytest.raises(DomainRuleViolation, match="check_in"):
            step(uow, setup.nurse, opened, INJECTION, clock)

    def test_an_injection_needs_its_lot_number(
        self, uow: UnitOfWork, setup: ClinicSetup, opened, clock: MutableClock
    ) -> None:
        with pytest.raises(InvalidInputError, match="lot number"):
            step(
                uow,
                setup.nurse,
                opened,
                INJECTION.model_copy(update={"lot_number": " "}),
                clock,
            )

    def test_adverse_events_are_recorded(
        self, uow: UnitOfWork, setup: ClinicSetup, opened, clock: MutableClock
    ) -> None:
        event = protocol.ReportAdverseEvent(
            event="vasovagal_reaction",
            severity="mild",
            onset=clock.now(),
            outcome="resolved",
            action="legs raised",
        )
        detail = step(uow, setup.nurse, opened, event, clock)
        (recorded,) = detail.record.adverse_events
        assert (recorded.kind, recorded.severity, recorded.action_taken) == (
            "vasovagal_reaction",
            "mild",
            "legs raised",
        )

    def test_one_session_per_appointment(
        self, uow: UnitOfWork, setup: ClinicSetup, opened
    ) -> None:
        with pytest.raises(ConflictError):
            sessions.start_session(
                uow, setup.nurse, appointment_id=opened.record.appointment_id
            )

    def test_a_lot_recall_finds_the_patient(
        self, uow: UnitOfWork, setup: ClinicSetup, opened, clock: MutableClock
    ) -> None:
        to_rest(uow, setup, opened, clock)
        assert sessions.patients_from_lot(
            uow, setup.clinician, lot_number="DX-2025-0142"
        ) == [opened.record.patient_id]
        assert (
            sessions.patients_from_lot(uow, setup.clinician, lot_number="OTHER") == []
        )


class TestWhoMay:
    def test_reception_cannot_run_or_read_sessions(
        self, uow: UnitOfWork, setup: ClinicSetup, opened, clock: MutableClock
    ) -> None:
        with pytest.raises(ForbiddenError):
            step(uow, setup.reception, opened, protocol.GiveConsent(by="-"), clock)
        with pytest.raises(ForbiddenError):
            sessions.get_session(uow, setup.reception, session_id=opened.record.id)
        with pytest.raises(ForbiddenError):
            sessions.list_sessions(
                uow, setup.reception, patient_id=opened.record.patient_id
            )

    def test_notes_are_clinical(
        self, uow: UnitOfWork, setup: ClinicSetup, opened
    ) -> None:
        updated = sessions.set_notes(
            uow,
            setup.clinician,
            session_id=opened.record.id,
            expected_version=opened.record.version,
            notes="Tolerated well.",
        )
        assert updated.notes == "Tolerated well."
        assert (
            sessions.get_session(
                uow, setup.nurse, session_id=opened.record.id
            ).record.notes
            == "Tolerated well."
        )
        with pytest.raises(ForbiddenError):
            sessions.set_notes(
                uow,
                setup.reception,
                session_id=opened.record.id,
                expected_version=updated.version,
                notes="x",
            )
