"""`prolo screen`: JSON shape, exit codes and error messages naming the bad field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from prolo.cli import app
from prolo.domain.reference import read_yaml

runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin)


def example() -> dict[str, Any]:
    result = run("screen", "--example")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def write(tmp_path: Path, data: Any, name: str = "intake.json") -> str:
    path = tmp_path / name
    path.write_text(
        data if isinstance(data, str) else json.dumps(data), encoding="utf-8"
    )
    return str(path)


def test_the_example_intake_screens_eligible(tmp_path: Path) -> None:
    result = run("screen", write(tmp_path, example()), "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["decision"] == "eligible"
    assert [r["code"] for r in out["reasons"]] == ["checked"]


def test_the_example_answers_every_contract_field() -> None:
    data = example()
    for field in (
        "conditions",
        "pain_duration_months",
        "conservative_care_tried",
        "infection_at_site",
        "systemic_infection",
        "bleeding_disorder",
        "anticoagulant",
        "allergies",
        "pregnant",
        "malignancy_at_site",
        "recent_fracture",
        "acute_gout",
        "diabetes",
        "age",
    ):
        assert data[field] is not None, field


def test_json_reasons_carry_code_severity_message_and_source(tmp_path: Path) -> None:
    data = {**example(), "allergies": ["Corn"], "anticoagulant": True}
    result = run("screen", write(tmp_path, data), "--format", "json")
    out = json.loads(result.stdout)
    assert out["decision"] == "not_eligible"
    first = out["reasons"][0]
    assert set(first) >= {"code", "severity", "message", "source"}
    assert (first["code"], first["severity"]) == ("allergy_corn", "absolute")
    assert [r["code"] for r in out["reasons"]][1] == "anticoagulant"


def test_table_output_shows_the_decision(tmp_path: Path) -> None:
    result = run("screen", write(tmp_path, {**example(), "pain_duration_months": 1}))
    assert result.exit_code == 0
    assert "needs_review" in result.stdout
    assert "pain_not_chronic" in result.stdout


def test_intake_from_standard_input() -> None:
    result = run("screen", "-", "--format", "json", stdin=json.dumps(example()))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["decision"] == "eligible"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"age": "forty"}, "age"),
        ({"smoker": True}, "smoker"),
        ({"infection_at_site": "no"}, "infection_at_site"),
        ({"allergies": "corn"}, "allergies"),
        ({"conditions": ["knee_osteoarthritis", "bad_knee"]}, "conditions.1"),
        ({"conditions": []}, "conditions"),
        ({"body_sites": ["left_knee"]}, "body_sites.0"),
    ],
)
def test_malformed_intake_exits_2_naming_the_field(
    tmp_path: Path, change: dict[str, Any], named: str
) -> None:
    result = run("screen", write(tmp_path, {**example(), **change}))
    assert result.exit_code == 2
    assert named in result.stderr
    assert "Traceback" not in result.output


def test_bad_json_exits_2(tmp_path: Path) -> None:
    result = run("screen", write(tmp_path, '{"conditions": ['))
    assert result.exit_code == 2
    assert "not valid JSON" in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = run("screen", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_neither_file_nor_example_exits_2() -> None:
    result = run("screen")
    assert result.exit_code == 2
    assert "--example" in result.stderr


def test_a_clinics_own_rules_file_changes_the_decision(tmp_path: Path) -> None:
    raw = read_yaml("screening_rules.yaml")
    next(t for t in raw["thresholds"] if t["field"] == "pain_duration_months")[
        "min"
    ] = 24
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(raw), encoding="utf-8")
    intake = write(tmp_path, example())  # 14 months of pain
    shipped = json.loads(run("screen", intake, "--format", "json").stdout)
    clinic = json.loads(
        run("screen", intake, "--rules", str(rules), "--format", "json").stdout
    )
    assert shipped["decision"] == "eligible"
    assert clinic["decision"] == "needs_review"
    assert clinic["reasons"][0]["code"] == "pain_not_chronic"


def test_a_malformed_rules_file_exits_2(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("version: 1\nflags: [", encoding="utf-8")
    result = run("screen", write(tmp_path, example()), "--rules", str(rules))
    assert result.exit_code == 2
    assert "not valid YAML" in result.stderr
