"""Questionnaires: scored at once by the published rules, patients answer their own, what is due."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from factories import ClinicSetup, actor_for, at_utc, course_for, screened_patient, slot
from prolo.domain.errors import InvalidInputError as DomainInvalidInput
from prolo.domain.errors import UnknownIdError
from prolo.domain.instruments import get_instrument
from prolo.services import booking, questionnaires
from prolo.services.errors import ForbiddenError, InvalidInputError, NotFoundError
from prolo.store.records import Role
from prolo.store.unit_of_work import UnitOfWork

ODI = [1, 2, 1, 1, 2, 3, 2, None, 2, 2]


class TestSubmit:
    def test_answers_are_scored_by_the_instrument(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = screened_patient(uow, setup)
        response = questionnaires.submit(
            uow,
            setup.nurse,
            patient_id=patient.id,
            instrument_id="odi",
            answers=ODI,
            timepoint="baseline",
        )
        assert response.score == get_instrument("odi").score(ODI).score
        assert response.answers == ODI
        nrs = questionnaires.submit(
            uow,
            setup.nurse,
            patient_id=patient.id,
            instrument_id="nrs",
            answers=[7],
            timepoint="session-1",
        )
        assert (nrs.score, nrs.session_number) == (7, 1)

    def test_a_patient_answers_their_own_and_no_one_elses(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        me, other = screened_patient(uow, setup), screened_patient(uow, setup)
        actor = actor_for(setup.clinic, Role.patient, patient_id=me.id)
        assert (
            questionnaires.submit(
                uow,
                actor,
                patient_id=me.id,
                instrument_id="nrs",
                answers=[4],
                timepoint="baseline",
            ).score
            == 4
        )
        with pytest.raises(NotFoundError):
            questionnaires.submit(
                uow,
                actor,
                patient_id=other.id,
                instrument_id="nrs",
                answers=[4],
                timepoint="baseline",
            )
        assert [
            r.patient_id
            for r in questionnaires.list_responses(uow, actor, patient_id=me.id).items
        ] == [me.id]
        with pytest.raises(NotFoundError):
            questionnaires.list_responses(uow, actor, patient_id=other.id)

    def test_reception_cannot_read_scores(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = screened_patient(uow, setup)
        with pytest.raises(ForbiddenError):
            questionnaires.list_responses(uow, setup.reception, patient_id=patient.id)

    @pytest.mark.parametrize(
        ("instrument", "answers", "timepoint", "error"),
        [
            ("nrs", [11], "baseline", DomainInvalidInput),
            ("nrs", [1, 2], "baseline", DomainInvalidInput),
            ("sf36", [1], "baseline", UnknownIdError),
            ("nrs", [1], "week-2", InvalidInputError),
        ],
    )
    def test_bad_answers_are_refused(
        self,
        uow: UnitOfWork,
        setup: ClinicSetup,
        instrument: str,
        answers: list[float],
        timepoint: str,
        error: type[Exception],
    ) -> None:
        patient = screened_patient(uow, setup)
        with pytest.raises(error):
            questionnaires.submit(
                uow,
                setup.nurse,
                patient_id=patient.id,
                instrument_id=instrument,
                answers=answers,
                timepoint=timepoint,
            )

    def test_unknown_response_is_not_found(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        with pytest.raises(NotFoundError):
            questionnaires.get_response(uow, setup.nurse, response_id=uuid.uuid4())


class TestDue:
    def test_the_pre_session_questionnaires_are_due_on_the_session_day(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = screened_patient(uow, setup)
        course = course_for(uow, setup, patient)
        start = at_utc(2025, 3, 4, 7, 0)
        booking.book_sessions(
            uow,
            setup.reception,
            course_id=course.id,
            sessions=[
                slot(setup, n, start + timedelta(days=14 * (n - 1))) for n in (1, 2)
            ],
        )
        due = questionnaires.due(
            uow, setup.nurse, course_id=course.id, on=date(2025, 3, 18)
        )
        assert {(d.instrument, d.timepoint.key) for d in due} == {
            (i, "session-2") for i in ("nrs", "womac", "koos")
        }
        questionnaires.submit(
            uow,
            setup.nurse,
            patient_id=patient.id,
            instrument_id="nrs",
            answers=[5],
            timepoint="session-2",
            course_id=course.id,
        )
        after = questionnaires.due(
            uow, setup.nurse, course_id=course.id, on=date(2025, 3, 18)
        )
        assert {d.instrument for d in after} == {"womac", "koos"}


class TestOutcomes:
    def test_trajectory_and_advice_come_from_the_domain(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        from prolo.domain.course import advise, load_course_rules
        from prolo.store.records import AppointmentStatus

        patient = screened_patient(uow, setup)
        course = course_for(uow, setup, patient)
        start = at_utc(2025, 3, 4, 7, 0)
        booked = booking.book_sessions(
            uow,
            setup.reception,
            course_id=course.id,
            sessions=[
                slot(setup, n, start + timedelta(days=14 * (n - 1)))
                for n in (1, 2, 3, 4)
            ],
        )
        for appointment in booked:
            uow.appointments.set_status(
                appointment.id,
                expected_version=None,
                status=AppointmentStatus.done,
                updated_at=start,
            )
        for timepoint, pain in (
            ("baseline", 8),
            ("session-2", 7),
            ("session-3", 5),
            ("session-4", 3),
        ):
            questionnaires.submit(
                uow,
                setup.nurse,
                patient_id=patient.id,
                instrument_id="nrs",
                answers=[pain],
                timepoint=timepoint,
                course_id=course.id,
            )
        found = questionnaires.course_outcomes(
            uow, setup.clinician, course_id=course.id
        )
        nrs = next(o for o in found.outcomes if o.instrument == "nrs")
        assert found.sessions_done == 4
        assert nrs.baseline == 8
        assert [p.value for p in nrs.points] == [8, 7, 5, 3]
        assert nrs.responded is True
        expected = advise(
            sessions_done=4,
            planned_sessions=4,
            responded=True,
            rules=load_course_rules(),
        )
        assert found.advice == expected
        assert {o.instrument for o in found.outcomes} == {"nrs", "womac", "koos"}

    def test_reception_cannot_see_outcomes(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        course = course_for(uow, setup, screened_patient(uow, setup))
        with pytest.raises(ForbiddenError):
            questionnaires.course_outcomes(uow, setup.reception, course_id=course.id)
