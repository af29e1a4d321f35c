"""`prolo schedule ...` end to end through Typer, on files in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prolo.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("schedule")
    code, out, _ = run(
        "schedule",
        "generate",
        "--patients",
        "30",
        "--clinicians",
        "2",
        "--rooms",
        "2",
        "--recovery",
        "3",
        "--weeks",
        "20",
        "--seed",
        "4",
    )
    assert code == 0
    instance = folder / "instance.json"
    instance.write_text(out)
    code, out, _ = run(
        "schedule", "solve", str(instance), "--time-limit", "0.5", "--format", "json"
    )
    assert code == 0, out
    schedule = folder / "schedule.json"
    schedule.write_text(out)
    return {"folder": folder, "instance": instance, "schedule": schedule}


def test_generate_is_seeded_and_carries_the_version(files: dict[str, Path]) -> None:
    data = json.loads(files["instance"].read_text())
    assert data["version"] == 1
    assert len(data["courses"]) == 30
    _, again, _ = run(
        "schedule",
        "generate",
        "--patients",
        "30",
        "--clinicians",
        "2",
        "--rooms",
        "2",
        "--recovery",
        "3",
        "--weeks",
        "20",
        "--seed",
        "4",
    )
    assert json.loads(again) == data


def test_solve_prints_the_schedule_contract(files: dict[str, Path]) -> None:
    data = json.loads(files["schedule"].read_text())
    assert isinstance(data["objective"], int)
    assert data["courses_scheduled"] >= 1
    first = data["sessions"][0]
    for key in (
        "course_id",
        "patient_id",
        "session",
        "procedure_start",
        "procedure_end",
        "recovery_start",
        "recovery_end",
        "clinician_id",
        "room_id",
        "recovery_place_id",
    ):
        assert key in first
    assert (
        first["procedure_start"][-6:] == "+03:00"
    )  # ISO-8601 with the clinic's offset


def test_validate_accepts_the_solvers_schedule(files: dict[str, Path]) -> None:
    code, out, _ = run(
        "schedule",
        "validate",
        str(files["instance"]),
        str(files["schedule"]),
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out)["valid"] is True


def test_validate_exits_1_listing_violations(files: dict[str, Path]) -> None:
    data = json.loads(files["schedule"].read_text())
    data["sessions"][1]["clinician_id"] = data["sessions"][0]["clinician_id"]
    data["sessions"][1]["procedure_start"] = data["sessions"][0]["procedure_start"]
    broken = files["folder"] / "broken.json"
    broken.write_text(json.dumps(data))
    code, out, _ = run(
        "schedule", "validate", str(files["instance"]), str(broken), "--format", "json"
    )
    assert code == 1
    assert json.loads(out)["violations"]


def test_bound_is_below_the_objective(files: dict[str, Path]) -> None:
    code, out, _ = run(
        "schedule",
        "bound",
        str(files["instance"]),
        "--time-limit",
        "0.5",
        "--format",
        "json",
    )
    assert code == 0
    assert (
        json.loads(out)["bound"]
        <= json.loads(files["schedule"].read_text())["objective"]
    )


def test_greedy_method_solves(files: dict[str, Path]) -> None:
    code, out, _ = run(
        "schedule",
        "solve",
        str(files["instance"]),
        "--method",
        "greedy",
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out)["method"] == "greedy"


def test_rebook_reports_moves_and_writes_a_valid_schedule(
    files: dict[str, Path],
) -> None:
    data = json.loads(files["schedule"].read_text())
    target = next(s for s in data["sessions"] if not s["fixed"])
    out_path = files["folder"] / "rebooked.json"
    code, out, _ = run(
        "schedule",
        "rebook",
        str(files["instance"]),
        str(files["schedule"]),
        "--cancel",
        f"{target['course_id']}:{target['session']}",
        "--output",
        str(out_path),
        "--format",
        "json",
    )
    assert code == 0
    result = json.loads(out)
    assert result["other_patients_moved"] == 0
    assert {m["course_id"] for m in result["moved"]} <= {target["course_id"]}
    code, _, _ = run("schedule", "validate", str(files["instance"]), str(out_path))
    assert code == 0


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda d: d.update(version=7), "version"),
        (
            lambda d: d["clinic"]["session"].update(procedure_minutes=-30),
            "procedure_minutes",
        ),
        (lambda d: d["courses"][0].update(preferred_clinician_id="K99"), "K99"),
        (
            lambda d: d["courses"][0].update(
                availability={"mon": [{"start": "08:00", "end": "08:30"}]}
            ),
            "courses.0.availability",
        ),
    ],
    ids=["wrong version", "negative duration", "unknown id", "window that cannot fit"],
)
def test_bad_instances_exit_2_naming_the_problem(
    files: dict[str, Path], edit, named: str
) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(files["instance"].read_text())
    edit(data)
    bad = files["folder"] / "bad.json"
    bad.write_text(json.dumps(data))
    for command in ("solve", "bound"):
        code, _, err = run("schedule", command, str(bad))
        assert code == 2
        assert named in err


def test_unreadable_and_non_json_files_exit_2(files: dict[str, Path]) -> None:
    code, _, err = run("schedule", "solve", str(files["folder"] / "missing.json"))
    assert code == 2
    assert "cannot read" in err
    junk = files["folder"] / "junk.json"
    junk.write_text("{not json")
    code, _, err = run("schedule", "validate", str(files["instance"]), str(junk))
    assert code == 2
    assert "not JSON" in err


def test_rebook_needs_exactly_one_disruption(files: dict[str, Path]) -> None:
    code, _, err = run(
        "schedule", "rebook", str(files["instance"]), str(files["schedule"])
    )
    assert code == 2
    assert "exactly one" in err
    code, _, err = run(
        "schedule",
        "rebook",
        str(files["instance"]),
        str(files["schedule"]),
        "--cancel",
        "C99999:1",
    )
    assert code == 2
    assert "C99999" in err


def test_rebook_withdraw_frees_a_course_and_lists_no_proposal(
    files: dict[str, Path],
) -> None:
    data = json.loads(files["schedule"].read_text())
    target = next(s for s in data["sessions"] if not s["fixed"] and s["session"] == 1)
    code, out, _ = run(
        "schedule",
        "rebook",
        str(files["instance"]),
        str(files["schedule"]),
        "--withdraw",
        target["course_id"],
        "--format",
        "json",
    )
    assert code == 0, out
    result = json.loads(out)
    assert result["failed"] == []
    assert result["proposals"] == []
    assert {m["course_id"] for m in result["moved"]} == {target["course_id"]}
    assert all(m["to"] is None for m in result["moved"])
    assert target["course_id"] in result["schedule"]["unscheduled"]
