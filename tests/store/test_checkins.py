"""Check-ins in their own table (revision 0003): the repository, and the copy from the audit log
that the upgrade makes of the check-ins recorded before it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from factories import (
    MutableClock,
    at_utc,
    build_clinic,
    course_for,
    save_clinic,
    save_user,
    screened_patient,
    slot,
)
from prolo.services import booking
from prolo.store.migrations import downgrade, upgrade
from prolo.store.records import NewAuditEvent, Role
from prolo.store.tables import CheckinRow
from prolo.store.unit_of_work import Database, UnitOfWork

START = at_utc(2025, 3, 4, 7, 0)  # Tuesday 10:00 in Istanbul
MORNING = at_utc(2025, 3, 4, 5, 0)
FEVER = {
    "code": "systemic_infection",
    "severity": "absolute",
    "message": "fever or infection",
    "source": "clinical-reference.md",
}


def an_appointment(uow: UnitOfWork):
    setup = build_clinic(uow, save_clinic(uow))
    patient = screened_patient(uow, setup)
    course = course_for(uow, setup, patient)
    (appointment,) = booking.book_sessions(
        uow, setup.reception, course_id=course.id, sessions=[slot(setup, 1, START)]
    )
    return setup, appointment


class TestCheckinRepository:
    def test_attempts_are_numbered_and_the_newest_counts(self, uow: UnitOfWork):
        setup, appointment = an_appointment(uow)
        ids = {"clinic_id": setup.clinic.id, "appointment_id": appointment.id}
        assert uow.checkins.latest(setup.clinic.id, appointment.id) is None
        for minute in (0, 30):
            uow.checkins.add(
                setup.clinic.id,
                appointment_id=appointment.id,
                patient_id=appointment.patient_id,
                completed_at=MORNING + timedelta(minutes=minute),
                via="kiosk",
                answers={"systemic_infection": minute == 30},
                flags=[FEVER] if minute == 30 else [],
            )
        latest = uow.checkins.latest(**ids)
        assert latest is not None
        assert (latest.attempt, latest.answers) == (2, {"systemic_infection": True})
        assert latest.standing_flags == (FEVER,)
        user = save_user(uow, setup.clinic, Role.clinician)
        cleared = uow.checkins.clear(
            latest.id, at=MORNING + timedelta(hours=1), by=user.id, reason="seen"
        )
        assert (cleared.cleared_by, cleared.clearance_reason) == (user.id, "seen")
        assert cleared.standing_flags == ()
        assert [c.attempt for c in uow.checkins.for_appointment(**ids)] == [1, 2]
        # another clinic never sees them
        assert uow.checkins.latest(uuid.uuid4(), appointment.id) is None

    def test_an_attempt_number_is_taken_once(self, uow: UnitOfWork):
        setup, appointment = an_appointment(uow)
        for _ in range(2):
            uow.session.add(
                CheckinRow(
                    clinic_id=setup.clinic.id,
                    appointment_id=appointment.id,
                    patient_id=appointment.patient_id,
                    attempt=1,
                    completed_at=MORNING,
                    via="kiosk",
                    answers={},
                    flags=[],
                )
            )
        with pytest.raises(IntegrityError):
            uow.session.flush()


def legacy_event(setup, appointment, action, at, detail, actor_user_id=None):
    """An audit event as revision 0002's check-in wrote it."""
    return NewAuditEvent(
        at=at,
        clinic_id=setup.clinic.id,
        actor_user_id=actor_user_id,
        actor_role="patient" if action == "checkin.complete" else "clinician",
        action=action,
        patient_id=appointment.patient_id,
        resource_type="appointment",
        resource_id=str(appointment.id),
        client_address=None,
        detail={"appointment_id": str(appointment.id), **detail},
    )


def test_the_upgrade_copies_the_check_ins_of_the_audit_log(scratch_url: str):
    database = Database(scratch_url, clock=MutableClock(MORNING))
    try:
        with database.unit_of_work() as uow:
            setup, appointment = an_appointment(uow)
            clinician = save_user(uow, setup.clinic, Role.clinician)
            answered = {"systemic_infection": True, "anticoagulant": False}
            for event in (
                legacy_event(
                    setup,
                    appointment,
                    "checkin.complete",
                    MORNING,
                    {"via": "kiosk", "answers": answered, "flags": [FEVER]},
                ),
                legacy_event(
                    setup,
                    appointment,
                    "checkin.flags_cleared",
                    MORNING + timedelta(minutes=10),
                    {"via": "web", "reason": "37.4 °C, examined"},
                    actor_user_id=clinician.id,
                ),
                legacy_event(
                    setup,
                    appointment,
                    "checkin.complete",
                    MORNING + timedelta(minutes=20),
                    {
                        "via": "portal",
                        "answers": {**answered, "systemic_infection": False},
                        "flags": [],
                        "kiosk_user_id": str(uuid.uuid4()),  # no such user any more
                    },
                ),
                # an appointment that is gone: not copied
                legacy_event(
                    setup,
                    appointment,
                    "checkin.complete",
                    MORNING,
                    {"appointment_id": str(uuid.uuid4()), "answers": {}, "flags": []},
                ),
            ):
                uow.audit.add(event)
            uow.commit()
        database.dispose()
        downgrade(scratch_url, "0002")
        upgrade(scratch_url)
        with database.unit_of_work() as uow:
            first, second = uow.checkins.for_appointment(
                setup.clinic.id, appointment.id
            )
            copied = uow.session.scalar(select(func.count()).select_from(CheckinRow))
    finally:
        database.dispose()
    assert copied == 2
    assert (first.attempt, first.via, first.completed_at) == (1, "kiosk", MORNING)
    assert first.answers == answered
    assert first.flags == (FEVER,)
    assert first.cleared_at == MORNING + timedelta(minutes=10)
    assert (first.cleared_by, first.clearance_reason) == (
        clinician.id,
        "37.4 °C, examined",
    )
    assert (second.attempt, second.via) == (2, "portal")
    assert second.answers == {**answered, "systemic_infection": False}
    assert (second.flags, second.cleared_at, second.kiosk_user_id) == ((), None, None)
