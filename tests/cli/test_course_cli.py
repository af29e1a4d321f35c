"""`prolo course`: plan, check, advise, aftercare and rules from the command line."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from prolo.cli import app
from prolo.domain.course import check_dates, load_course_rules

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def plan_json(*args: str) -> dict[str, Any]:
    result = run("course", "plan", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


class TestPlan:
    def test_windows_follow_the_issue_formula(self) -> None:
        data = plan_json("--start", "2026-01-05", "--sessions", "5")
        start = date(2026, 1, 5)
        assert [
            (s["number"], s["earliest"], s["latest"]) for s in data["sessions"]
        ] == [
            (
                n,
                (start + timedelta(days=14 * (n - 1))).isoformat(),
                (start + timedelta(days=21 * (n - 1))).isoformat(),
            )
            for n in range(1, 6)
        ]

    def test_booked_sessions_narrow_the_windows(self) -> None:
        data = plan_json(
            "--start", "2026-01-05", "--sessions", "4", "--booked", "2=2026-01-22"
        )
        third = data["sessions"][2]
        assert (third["earliest"], third["latest"]) == ("2026-02-05", "2026-02-12")
        assert data["sessions"][1]["booked"] is True

    def test_table_output(self) -> None:
        result = run("course", "plan", "--start", "2026-01-05", "--sessions", "4")
        assert result.exit_code == 0
        assert "2026-03-09" in result.stdout

    @pytest.mark.parametrize("sessions", ["3", "9"])
    def test_session_count_outside_4_to_8_exits_2(self, sessions: str) -> None:
        result = run("course", "plan", "--start", "2026-01-05", "--sessions", sessions)
        assert result.exit_code == 2
        assert "--sessions" in result.stderr

    @pytest.mark.parametrize("start", ["2026-13-01", "tomorrow", "05/01/2026"])
    def test_bad_start_date_exits_2(self, start: str) -> None:
        result = run("course", "plan", "--start", start, "--sessions", "4")
        assert result.exit_code == 2
        assert "--start" in result.stderr

    @pytest.mark.parametrize(
        ("booked", "message"),
        [
            ("2=2026-01-10", "--booked 2"),
            ("7=2026-03-01", "--booked 7"),
            ("two=2026-01-19", "not a session number"),
            ("2:2026-01-19", "N=YYYY-MM-DD"),
            ("2=2026-02-30", "not a date"),
        ],
    )
    def test_bad_bookings_exit_2(self, booked: str, message: str) -> None:
        result = run(
            "course",
            "plan",
            "--start",
            "2026-01-05",
            "--sessions",
            "5",
            "--booked",
            booked,
        )
        assert result.exit_code == 2
        assert message in result.stderr

    def test_non_numeric_session_count_exits_2(self) -> None:
        result = run("course", "plan", "--start", "2026-01-05", "--sessions", "six")
        assert result.exit_code == 2

    def test_the_earliest_dates_of_a_plan_pass_check(self) -> None:
        data = plan_json("--start", "2026-01-05", "--sessions", "6")
        dates = [s["earliest"] for s in data["sessions"]]
        result = run("course", "check", *dates, "--format", "json")
        assert result.exit_code == 0
        assert json.loads(result.stdout) == {"ok": True, "problems": []}
        parsed = [date.fromisoformat(d) for d in dates]
        assert check_dates(parsed, load_course_rules()) == []


class TestCheck:
    def test_problems_exit_1_with_json(self) -> None:
        result = run(
            "course",
            "check",
            "2026-01-05",
            "2026-01-12",
            "2026-02-20",
            "--format",
            "json",
        )
        assert result.exit_code == 1
        out = json.loads(result.stdout)
        assert out["ok"] is False
        assert [p["code"] for p in out["problems"]] == [
            "too_few_sessions",
            "gap_too_short",
            "gap_too_long",
        ]
        assert out["problems"][1]["sessions"] == [1, 2]

    def test_partial_course(self) -> None:
        result = run("course", "check", "2026-01-05", "2026-01-19", "--partial")
        assert result.exit_code == 0
        assert "keep every course rule" in result.stdout

    def test_extension_reason_allows_more_than_8(self) -> None:
        start = date(2026, 1, 5)
        dates = [(start + timedelta(days=14 * k)).isoformat() for k in range(9)]
        assert run("course", "check", *dates).exit_code == 1
        result = run("course", "check", *dates, "--extension-reason", "still improving")
        assert result.exit_code == 0

    def test_bad_date_exits_2(self) -> None:
        result = run("course", "check", "2026-01-05", "soon")
        assert result.exit_code == 2
        assert "DATE 2" in result.stderr


class TestAdvise:
    @pytest.mark.parametrize(
        ("done", "responded", "action"),
        [("1", "no", "continue"), ("4", "no", "review"), ("6", "yes", "complete")],
    )
    def test_advice(self, done: str, responded: str, action: str) -> None:
        result = run(
            "course",
            "advise",
            "--done",
            done,
            "--planned",
            "6",
            "--responded",
            responded,
            "--format",
            "json",
        )
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        assert out["action"] == action
        assert out["reasons"][0]["source"] == "CLINIC"

    def test_bad_responded_exits_2(self) -> None:
        result = run(
            "course", "advise", "--done", "1", "--planned", "6", "--responded", "maybe"
        )
        assert result.exit_code == 2

    def test_more_done_than_planned_exits_2(self) -> None:
        result = run("course", "advise", "--done", "7", "--planned", "6")
        assert result.exit_code == 2
        assert "sessions_done" in result.stderr


class TestAftercareAndRules:
    @pytest.mark.parametrize(
        ("language", "word"), [("en", "Medicines"), ("tr", "İlaçlar")]
    )
    def test_aftercare_copy(self, language: str, word: str) -> None:
        result = run("course", "aftercare", "--language", language)
        assert result.exit_code == 0
        assert word in result.stdout

    def test_aftercare_json(self) -> None:
        result = run("course", "aftercare", "--language", "tr", "--format", "json")
        out = json.loads(result.stdout)
        assert out["language"] == "tr"
        assert out["settings"]["nsaid_days_before"]["value"] == 5
        assert "5 gün" in out["text"]

    def test_unknown_language_exits_2(self) -> None:
        result = run("course", "aftercare", "--language", "fr")
        assert result.exit_code == 2

    def test_rules_json(self) -> None:
        out = json.loads(run("course", "rules", "--format", "json").stdout)
        assert (out["min_gap_days"], out["max_gap_days"]) == (14, 21)
        assert out["bounds"]["max_sessions"] == 8
