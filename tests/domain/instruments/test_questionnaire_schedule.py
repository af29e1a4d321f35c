"""When questionnaires are due: baseline at intake, before every session, follow-ups after the end."""

from __future__ import annotations

from datetime import date

import pytest

from prolo.domain.errors import InvalidInputError, ReferenceDataError, UnknownIdError
from prolo.domain.instruments.schedule import (
    Timepoint,
    TimepointKind,
    add_months,
    due_on,
    due_questionnaires,
    load_questionnaire_schedule,
    parse_questionnaire_schedule,
)

SCHEDULE = load_questionnaire_schedule()
INTAKE = date(2025, 1, 6)
SESSIONS = [date(2025, 1, 13), date(2025, 1, 27), date(2025, 2, 14), date(2025, 3, 3)]


class TestDefaultSchedule:
    def test_follow_ups_are_3_6_and_12_months(self) -> None:
        assert [f.months for f in SCHEDULE.follow_ups] == [3, 6, 12]
        assert SCHEDULE.before_each_session.enabled

    def test_expected_course_note_comes_from_the_clinic_text(self) -> None:
        assert SCHEDULE.expected_course_note.source == ("CLINIC",)
        assert "first session" in SCHEDULE.expected_course_note.text


class TestDueQuestionnaires:
    def test_a_complete_course(self) -> None:
        plan = due_questionnaires(
            instruments=["odi", "nrs"],
            intake_on=INTAKE,
            session_dates=SESSIONS,
            schedule=SCHEDULE,
            course_complete=True,
        )
        keys = [(d.timepoint.key, d.instrument, d.due_on) for d in plan]
        assert keys[:2] == [("baseline", "odi", INTAKE), ("baseline", "nrs", INTAKE)]
        assert ("session-1", "odi", SESSIONS[0]) in keys
        assert ("session-4", "nrs", SESSIONS[3]) in keys
        follow = [
            (k, d) for k, i, d in keys if k.startswith("follow-up") and i == "odi"
        ]
        assert follow == [
            ("follow-up-3m", date(2025, 6, 3)),
            ("follow-up-6m", date(2025, 9, 3)),
            ("follow-up-12m", date(2026, 3, 3)),
        ]
        assert len(plan) == 2 * (1 + 4 + 3)
        assert [d.due_on for d in plan] == sorted(d.due_on for d in plan)

    def test_follow_ups_wait_for_the_end_of_the_course(self) -> None:
        plan = due_questionnaires(
            instruments=["koos"],
            intake_on=INTAKE,
            session_dates=SESSIONS[:2],
            schedule=SCHEDULE,
        )
        assert [d.timepoint.key for d in plan] == ["baseline", "session-1", "session-2"]

    def test_windows_come_from_the_schedule(self) -> None:
        plan = due_questionnaires(
            instruments=["nrs"],
            intake_on=INTAKE,
            session_dates=SESSIONS,
            schedule=SCHEDULE,
            course_complete=True,
        )
        session_2 = next(d for d in plan if d.timepoint.key == "session-2")
        assert (session_2.window_start, session_2.window_end) == (
            date(2025, 1, 25),
            date(2025, 1, 27),
        )
        twelve = next(d for d in plan if d.timepoint.key == "follow-up-12m")
        assert (twelve.window_start, twelve.window_end) == (
            date(2026, 2, 1),
            date(2026, 4, 2),
        )

    def test_a_clinic_schedule_without_pre_session_questionnaires(self) -> None:
        raw = SCHEDULE.model_dump()
        raw["before_each_session"]["enabled"] = False
        raw["follow_ups"] = [
            {"months": 6, "window_days_before": 7, "window_days_after": 7}
        ]
        clinic = parse_questionnaire_schedule(raw, where="clinic schedule")
        plan = due_questionnaires(
            instruments=["ndi"],
            intake_on=INTAKE,
            session_dates=SESSIONS,
            schedule=clinic,
            course_complete=True,
        )
        assert [d.timepoint.key for d in plan] == ["baseline", "follow-up-6m"]

    def test_duplicate_instruments_are_listed_once(self) -> None:
        plan = due_questionnaires(
            instruments=["nrs", "nrs"],
            intake_on=INTAKE,
            session_dates=[],
            schedule=SCHEDULE,
        )
        assert len(plan) == 1


class TestBadInput:
    def test_unknown_instrument(self) -> None:
        with pytest.raises(UnknownIdError):
            due_questionnaires(
                instruments=["sf36"],
                intake_on=INTAKE,
                session_dates=[],
                schedule=SCHEDULE,
            )

    def test_sessions_out_of_order(self) -> None:
        with pytest.raises(
            InvalidInputError, match=r"session 2 .* is not after session 1"
        ):
            due_questionnaires(
                instruments=["nrs"],
                intake_on=INTAKE,
                session_dates=[SESSIONS[1], SESSIONS[0]],
                schedule=SCHEDULE,
            )

    def test_session_before_intake(self) -> None:
        with pytest.raises(InvalidInputError, match="before intake"):
            due_questionnaires(
                instruments=["nrs"],
                intake_on=SESSIONS[0],
                session_dates=[INTAKE],
                schedule=SCHEDULE,
            )

    def test_complete_course_without_sessions(self) -> None:
        with pytest.raises(InvalidInputError, match="complete course needs"):
            due_questionnaires(
                instruments=["nrs"],
                intake_on=INTAKE,
                session_dates=[],
                schedule=SCHEDULE,
                course_complete=True,
            )

    def test_no_instruments(self) -> None:
        with pytest.raises(InvalidInputError, match="at least one instrument"):
            due_questionnaires(
                instruments=[], intake_on=INTAKE, session_dates=[], schedule=SCHEDULE
            )

    def test_malformed_clinic_schedule(self) -> None:
        raw = SCHEDULE.model_dump()
        raw["follow_ups"] = [
            {"months": 6, "window_days_before": 7, "window_days_after": 7},
            {"months": 3, "window_days_before": 7, "window_days_after": 7},
        ]
        with pytest.raises(ReferenceDataError, match="increasing months"):
            parse_questionnaire_schedule(raw)

    def test_timepoint_needs_its_number(self) -> None:
        with pytest.raises(InvalidInputError):
            Timepoint(TimepointKind.pre_session)


class TestDueOn:
    def test_picks_open_windows_and_skips_done(self) -> None:
        plan = due_questionnaires(
            instruments=["odi", "nrs"],
            intake_on=INTAKE,
            session_dates=SESSIONS,
            schedule=SCHEDULE,
        )
        today = due_on(plan, date(2025, 1, 26))
        assert {(d.instrument, d.timepoint.key) for d in today} == {
            ("odi", "session-2"),
            ("nrs", "session-2"),
        }
        rest = due_on(plan, date(2025, 1, 26), done={("odi", "session-2")})
        assert [(d.instrument, d.timepoint.key) for d in rest] == [("nrs", "session-2")]
        assert due_on(plan, date(2025, 1, 28)) == ()


class TestAddMonths:
    @pytest.mark.parametrize(
        ("day", "months", "expected"),
        [
            (date(2025, 1, 31), 1, date(2025, 2, 28)),
            (date(2024, 1, 31), 1, date(2024, 2, 29)),
            (date(2025, 11, 15), 3, date(2026, 2, 15)),
            (date(2025, 3, 31), 6, date(2025, 9, 30)),
            (date(2025, 3, 3), 12, date(2026, 3, 3)),
        ],
    )
    def test_calendar_months_clamp_to_month_end(
        self, day: date, months: int, expected: date
    ) -> None:
        assert add_months(day, months) == expected
