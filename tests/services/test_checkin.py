"""Self check-in: tokens, identity, the re-asked screening questions, red flags until cleared."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factories import (
    ClinicSetup,
    MutableClock,
    at_utc,
    course_for,
    screened_patient,
    slot,
)
from prolo.domain.catalog import load_catalog
from prolo.domain.instruments import get_instrument
from prolo.domain.screening import load_screening_rules
from prolo.services import checkin, questionnaires
from prolo.services.errors import (
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
    TooManyRequestsError,
)
from prolo.store.records import AppointmentStatus, Sex
from prolo.store.unit_of_work import UnitOfWork

SECRET = "test-secret-for-check-in-" + "x" * 20
START = at_utc(2025, 3, 4, 7, 0)  # Tuesday 10:00 in Istanbul
MORNING = at_utc(2025, 3, 4, 5, 0)  # 08:00 that day
NO = dict.fromkeys(checkin.RECHECK_FIELDS, False)


def answers_for(instrument_id: str, value: float) -> list[float | None]:
    instrument = get_instrument(instrument_id)
    values: list[float | None] = []
    for index in range(len(instrument.items)):
        options = [o.value for o in instrument.item_options(index).options]
        values.append(min(options, key=lambda v: abs(v - value)))
    return values


@pytest.fixture
def booked(uow: UnitOfWork, setup: ClinicSetup):
    patient = screened_patient(uow, setup, given_name="Ayşe")
    course = course_for(uow, setup, patient)
    appointment = booking_one(uow, setup, course.id)
    return patient, course, appointment


def booking_one(uow: UnitOfWork, setup: ClinicSetup, course_id: uuid.UUID):
    from prolo.services import booking

    return booking.book_sessions(
        uow, setup.reception, course_id=course_id, sessions=[slot(setup, 1, START)]
    )[0]


def token_of(setup: ClinicSetup, appointment) -> str:
    return checkin.link_token(SECRET, setup.clinic.id, appointment.id)


def prove(uow: UnitOfWork, setup: ClinicSetup, appointment) -> str:
    return checkin.confirm_identity(
        uow,
        token=token_of(setup, appointment),
        secret=SECRET,
        family_name="SCREENED",
        birth_date=date(1967, 1, 1),
    )


def check_in(uow, setup, appointment, *, fever: bool = False, pain: float = 6):
    token = token_of(setup, appointment)
    proof = prove(uow, setup, appointment)
    visit = checkin.get_visit(uow, token=token, secret=SECRET, proof=proof)
    return checkin.complete(
        uow,
        token=token,
        secret=SECRET,
        proof=proof,
        answers={**NO, "systemic_infection": fever},
        questionnaire_answers={
            i: answers_for(i, pain if i == "nrs" else 2) for i in visit.instruments
        },
    )


class TestTokens:
    @given(st.uuids(), st.uuids())
    def test_a_token_names_its_clinic_and_appointment(self, clinic_id, appointment_id):
        token = checkin.link_token(SECRET, clinic_id, appointment_id)
        assert checkin._parse_token(SECRET, token) == (clinic_id, appointment_id)

    @given(st.uuids(), st.uuids(), st.data())
    def test_a_changed_token_is_refused(self, clinic_id, appointment_id, data):
        token = checkin.link_token(SECRET, clinic_id, appointment_id)
        index = data.draw(st.integers(0, len(token) - 1))
        replacement = data.draw(
            st.sampled_from("ABCDEFGHabcdefgh0123456789-_").filter(
                lambda c: c != token[index]
            )
        )
        forged = token[:index] + replacement + token[index + 1 :]
        try:
            parsed = checkin._parse_token(SECRET, forged)
        except NotFoundError:
            return
        # base64's unused padding bits can absorb a change: then nothing changed
        assert parsed == (clinic_id, appointment_id)

    def test_another_secret_refuses_the_token(self):
        token = checkin.link_token(SECRET, uuid.uuid4(), uuid.uuid4())
        with pytest.raises(NotFoundError):
            checkin._parse_token("another-secret", token)


class TestNames:
    @pytest.mark.parametrize(
        ("typed", "stored"),
        [
            ("ÇELİK", "Çelik"),
            ("celik", "Çelik"),
            (" öztürk ", "Öztürk"),
            ("AYDIN", "Aydın"),  # noqa: RUF001
        ],
    )
    def test_names_match_as_people_type_them(self, typed, stored):
        assert checkin.same_name(typed, stored)

    def test_different_names_and_empty_names_do_not_match(self):
        assert not checkin.same_name("Kaya", "Kara")
        assert not checkin.same_name("", "")


class TestQuestions:
    def test_pregnancy_is_asked_of_women_only(self):
        rules = load_screening_rules()
        female = {q.field for q in checkin.questions_for(rules, Sex.female)}
        male = {q.field for q in checkin.questions_for(rules, Sex.male)}
        assert female == set(checkin.RECHECK_FIELDS)
        assert male == set(checkin.RECHECK_FIELDS) - {"pregnant"}

    @pytest.mark.parametrize("field", checkin.RECHECK_FIELDS)
    def test_each_yes_is_a_flag_named_by_the_clinic_rules(self, field):
        rules = load_screening_rules()
        rule = next(r for r in rules.flags if r.field == field)
        flags = checkin.evaluate(
            {**NO, field: True},
            condition_id="knee_osteoarthritis",
            sex=Sex.female,
            rules=rules,
        )
        assert [f.code for f in flags] == [rule.code]
        assert flags[0].message == rule.message

    def test_all_no_raises_no_flag(self):
        assert (
            checkin.evaluate(
                NO,
                condition_id="knee_osteoarthritis",
                sex=Sex.female,
                rules=load_screening_rules(),
            )
            == ()
        )


class TestCheckIn:
    def test_the_link_opens_before_the_day_but_check_in_waits_for_it(
        self, uow, setup, booked
    ):
        _, _, appointment = booked
        info = checkin.open_link(uow, token=token_of(setup, appointment), secret=SECRET)
        assert not info.on_the_day
        proof = prove(uow, setup, appointment)
        with pytest.raises(RuleViolationError):
            checkin.complete(
                uow,
                token=token_of(setup, appointment),
                secret=SECRET,
                proof=proof,
                answers=NO,
                questionnaire_answers={},
            )

    def test_a_wrong_birth_date_is_refused_and_five_lock_the_link(
        self, uow, setup, booked, clock: MutableClock
    ):
        _, _, appointment = booked
        for _ in range(checkin.MAX_IDENTITY_FAILURES):
            with pytest.raises(InvalidInputError):
                checkin.confirm_identity(
                    uow,
                    token=token_of(setup, appointment),
                    secret=SECRET,
                    family_name="Screened",
                    birth_date=date(1967, 1, 2),
                )
        with pytest.raises(TooManyRequestsError):
            prove(uow, setup, appointment)
        clock.advance(hours=1, minutes=1)
        assert prove(uow, setup, appointment)

    def test_the_form_needs_the_identity_proof(self, uow, setup, booked):
        _, _, appointment = booked
        with pytest.raises(InvalidInputError):
            checkin.get_visit(
                uow, token=token_of(setup, appointment), secret=SECRET, proof="1.abc"
            )

    def test_a_clean_check_in_puts_the_patient_on_the_board_with_scores(
        self, uow, setup, booked, clock: MutableClock
    ):
        _, course, appointment = booked
        clock.at = MORNING
        result = check_in(uow, setup, appointment, pain=6)
        assert result.appointment.status is AppointmentStatus.checked_in
        assert result.flags == ()
        nrs = next(r for r in result.responses if r.instrument_id == "nrs")
        assert (nrs.score, nrs.timepoint) == (6, "session-1")
        assert {r.instrument_id for r in result.responses} == set(
            load_catalog().conditions["knee_osteoarthritis"].instruments
        )
        left = questionnaires.due(uow, setup.clinician, course_id=course.id)
        assert [d for d in left if d.timepoint.key == "session-1"] == []
        checkin.require_cleared(uow, setup.nurse, appointment.id)

    def test_a_new_fever_stops_the_session_until_a_clinician_clears_it(
        self, uow, setup, booked, clock: MutableClock
    ):
        _, _, appointment = booked
        clock.at = MORNING
        result = check_in(uow, setup, appointment, fever=True)
        assert [f.code for f in result.flags] == ["systemic_infection"]
        assert [
            f.code for f in checkin.red_flags(uow, setup.nurse, appointment.id)
        ] == ["systemic_infection"]
        assert checkin.has_red_flags(uow, setup.reception, appointment.id)
        with pytest.raises(ForbiddenError):
            checkin.red_flags(uow, setup.reception, appointment.id)  # clinical reasons
        with pytest.raises(RuleViolationError):
            checkin.require_cleared(uow, setup.nurse, appointment.id)
        with pytest.raises(ForbiddenError):
            checkin.clear_red_flags(
                uow, setup.nurse, appointment_id=appointment.id, reason="fine"
            )
        with pytest.raises(InvalidInputError):
            checkin.clear_red_flags(
                uow, setup.clinician, appointment_id=appointment.id, reason="  "
            )
        checkin.clear_red_flags(
            uow,
            setup.clinician,
            appointment_id=appointment.id,
            reason="37.4 °C after paracetamol; examined, no infection",
        )
        assert checkin.red_flags(uow, setup.nurse, appointment.id) == ()
        checkin.require_cleared(uow, setup.nurse, appointment.id)

    def test_the_check_in_and_its_clearance_are_kept_in_the_record(
        self, uow, setup, booked, clock: MutableClock
    ):
        patient, _, appointment = booked
        clock.at = MORNING
        check_in(uow, setup, appointment, fever=True)
        clock.advance(minutes=20)
        checkin.clear_red_flags(
            uow,
            setup.clinician,
            appointment_id=appointment.id,
            reason="examined: no infection",
        )
        (record,) = uow.checkins.for_appointment(setup.clinic.id, appointment.id)
        assert record.patient_id == patient.id
        assert record.answers == {**NO, "systemic_infection": True}
        assert [f["code"] for f in record.flags] == ["systemic_infection"]
        assert (record.attempt, record.via, record.completed_at) == (
            1,
            "check-in",
            MORNING,
        )
        assert record.cleared_at == MORNING + timedelta(minutes=20)
        assert record.clearance_reason == "examined: no infection"
        assert record.standing_flags == ()
        # the audit log names the check-in and the flags, not the patient's answers
        events = uow.audit.page(
            setup.clinic.id, patient_id=patient.id, limit=50, offset=0
        ).items
        done = next(e for e in events if e.action == checkin.ACTION_COMPLETE)
        cleared = next(e for e in events if e.action == checkin.ACTION_CLEARED)
        assert (
            done.detail["checkin_id"] == cleared.detail["checkin_id"] == str(record.id)
        )
        assert done.detail["flags"] == ["systemic_infection"]
        assert "answers" not in done.detail

    def test_a_second_check_in_counts_and_raises_its_own_flags(
        self, uow, setup, booked, clock: MutableClock
    ):
        _, _, appointment = booked
        clock.at = MORNING
        check_in(uow, setup, appointment, fever=True)
        checkin.clear_red_flags(
            uow, setup.clinician, appointment_id=appointment.id, reason="seen"
        )
        # the patient checks in again later that morning, with a fever again
        clock.advance(minutes=40)
        token, proof = token_of(setup, appointment), prove(uow, setup, appointment)
        checkin.complete(
            uow,
            token=token,
            secret=SECRET,
            proof=proof,
            answers={**NO, "systemic_infection": True},
            questionnaire_answers={},
        )
        first, second = uow.checkins.for_appointment(setup.clinic.id, appointment.id)
        assert (first.attempt, second.attempt) == (1, 2)
        assert first.cleared_at is not None
        assert second.cleared_at is None
        assert [
            f.code for f in checkin.red_flags(uow, setup.nurse, appointment.id)
        ] == ["systemic_infection"]
        with pytest.raises(RuleViolationError):
            checkin.require_cleared(uow, setup.nurse, appointment.id)

    def test_every_applicable_question_needs_an_answer(
        self, uow, setup, booked, clock: MutableClock
    ):
        _, _, appointment = booked
        clock.at = MORNING
        token, proof = token_of(setup, appointment), prove(uow, setup, appointment)
        with pytest.raises(InvalidInputError) as refused:
            checkin.complete(
                uow,
                token=token,
                secret=SECRET,
                proof=proof,
                answers={**NO, "pregnant": None},
                questionnaire_answers={},
            )
        assert refused.value.field == "pregnant"

    def test_the_link_expires_after_the_appointment_day(
        self, uow, setup, booked, clock: MutableClock
    ):
        _, _, appointment = booked
        clock.at = START + timedelta(days=1)
        with pytest.raises(NotFoundError):
            checkin.open_link(uow, token=token_of(setup, appointment), secret=SECRET)

    def test_the_kiosk_finds_todays_appointment_by_name_and_birth_date(
        self, uow, setup, booked, clock: MutableClock
    ):
        _, _, appointment = booked
        clock.at = MORNING
        token, proof = checkin.kiosk_find(
            uow,
            setup.reception,
            family_name="screened",
            birth_date=date(1967, 1, 1),
            secret=SECRET,
        )
        assert token == token_of(setup, appointment)
        assert (
            checkin.get_visit(uow, token=token, secret=SECRET, proof=proof).given_name
            == "Ayşe"
        )
        with pytest.raises(NotFoundError):
            checkin.kiosk_find(
                uow,
                setup.reception,
                family_name="screened",
                birth_date=date(1967, 1, 2),
                secret=SECRET,
            )
