"""Every read and write of patient data leaves an audit event naming the patient; only admins
read the log; nothing can change it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from factories import ClinicSetup, at_utc, course_for, screened_patient, slot
from prolo.domain import protocol
from prolo.services import (
    audit,
    booking,
    courses,
    patients,
    questionnaires,
    screening,
    sessions,
    waitlist,
)
from prolo.services.errors import ForbiddenError
from prolo.store.unit_of_work import UnitOfWork

START = at_utc(2025, 3, 4, 7, 0)


@pytest.fixture
def journey(uow: UnitOfWork, setup: ClinicSetup, clock) -> dict[str, Any]:
    patient = screened_patient(uow, setup)
    course = course_for(uow, setup, patient)
    appointment = booking.book_sessions(
        uow, setup.reception, course_id=course.id, sessions=[slot(setup, 1, START)]
    )[0]
    clock.at = START - timedelta(minutes=1)
    opened = sessions.start_session(uow, setup.nurse, appointment_id=appointment.id)
    response = questionnaires.submit(
        uow,
        setup.nurse,
        patient_id=patient.id,
        instrument_id="nrs",
        answers=[4],
        timepoint="baseline",
        course_id=course.id,
    )
    return {
        "patient": patient.id,
        "course": course.id,
        "appointment": appointment.id,
        "session": opened.record.id,
        "screening": uow.screenings.for_patient(patient.id)[0].id,
        "response": response.id,
    }


# (who, call): reads and writes of patient data
CALLS: list[tuple[str, Callable[[UnitOfWork, Any, dict[str, Any]], object]]] = [
    ("reception", lambda u, a, j: patients.get_patient(u, a, patient_id=j["patient"])),
    ("reception", lambda u, a, j: patients.list_patients(u, a)),
    ("nurse", lambda u, a, j: screening.list_screenings(u, a, patient_id=j["patient"])),
    (
        "nurse",
        lambda u, a, j: screening.get_screening(u, a, screening_id=j["screening"]),
    ),
    ("reception", lambda u, a, j: courses.get_course(u, a, course_id=j["course"])),
    ("reception", lambda u, a, j: courses.list_courses(u, a, patient_id=j["patient"])),
    (
        "reception",
        lambda u, a, j: courses.plan(u, a, course_id=j["course"], start_date=None),
    ),
    (
        "reception",
        lambda u, a, j: booking.get_appointment(u, a, appointment_id=j["appointment"]),
    ),
    (
        "reception",
        lambda u, a, j: booking.list_appointments(u, a, patient_id=j["patient"]),
    ),
    (
        "reception",
        lambda u, a, j: booking.find_free_slots(
            u,
            a,
            first_day=date(2025, 3, 5),
            last_day=date(2025, 3, 5),
            patient_id=j["patient"],
            limit=1,
        ),
    ),
    (
        "reception",
        lambda u, a, j: booking.propose_course(
            u, a, course_id=j["course"], first_day=date(2025, 3, 5)
        ),
    ),
    ("nurse", lambda u, a, j: sessions.get_session(u, a, session_id=j["session"])),
    (
        "nurse",
        lambda u, a, j: sessions.session_for_appointment(
            u, a, appointment_id=j["appointment"]
        ),
    ),
    ("nurse", lambda u, a, j: sessions.list_sessions(u, a, patient_id=j["patient"])),
    (
        "nurse",
        lambda u, a, j: sessions.record_event(
            u, a, session_id=j["session"], event=protocol.GiveConsent(by="-")
        ),
    ),
    (
        "nurse",
        lambda u, a, j: questionnaires.list_responses(u, a, patient_id=j["patient"]),
    ),
    (
        "nurse",
        lambda u, a, j: questionnaires.get_response(u, a, response_id=j["response"]),
    ),
    (
        "nurse",
        lambda u, a, j: questionnaires.due(
            u, a, course_id=j["course"], on=date(2025, 3, 4)
        ),
    ),
    (
        "nurse",
        lambda u, a, j: questionnaires.course_outcomes(u, a, course_id=j["course"]),
    ),
    (
        "reception",
        lambda u, a, j: waitlist.add(
            u, a, patient_id=j["patient"], earliest_date=date(2025, 3, 5)
        ),
    ),
    (
        "reception",
        lambda u, a, j: patients.update_patient(
            u, a, patient_id=j["patient"], expected_version=1, changes={"phone": "1"}
        ),
    ),
]


@pytest.mark.parametrize(
    ("who", "call"), CALLS, ids=[f"{i}" for i in range(len(CALLS))]
)
def test_each_patient_data_call_is_audited(
    uow: UnitOfWork, setup: ClinicSetup, journey, admin, who: str, call
) -> None:
    actor = getattr(setup, who)
    before = audit.list_events(uow, admin, patient_id=journey["patient"], limit=1).total
    call(uow, actor, journey)
    events = audit.list_events(
        uow, admin, patient_id=journey["patient"], limit=50
    ).items
    assert len(events) > 0
    assert (
        audit.list_events(uow, admin, patient_id=journey["patient"], limit=1).total
        > before
    )
    newest = events[0]
    assert (newest.actor_role, newest.client_address) == (who, "192.0.2.10")
    assert newest.at == uow.now()


def test_only_admins_read_the_log(uow: UnitOfWork, setup: ClinicSetup) -> None:
    for actor in (setup.clinician, setup.nurse, setup.reception):
        with pytest.raises(ForbiddenError):
            audit.list_events(uow, actor)
