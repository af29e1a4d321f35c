"""`prolo protocol list/show/rules`: the clinic's injection protocol templates and the session rules."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from prolo.cli import app
from prolo.domain.protocol import load_protocol_templates, load_session_rules

runner = CliRunner()


def _json(*args: str) -> object:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_gives_every_template_with_its_sources() -> None:
    data = _json("protocol", "list")
    assert isinstance(data, list)
    assert [row["id"] for row in data] == [
        t.id for t in load_protocol_templates().templates
    ]
    for row in data:
        assert row["sources"]
        assert row["sites"]
        assert row["sessions"]["as_reported"]


def test_list_by_condition() -> None:
    data = _json("protocol", "list", "--condition", "carpal_tunnel_syndrome")
    assert isinstance(data, list)
    assert {row["id"] for row in data} == {
        "cts_wu_2017",
        "cts_lin_2020",
        "cts_recurrent_hydrodissection",
    }
    assert all(row["condition"] == "carpal_tunnel_syndrome" for row in data)


def test_show_a_condition_with_templates() -> None:
    data = _json("protocol", "show", "plantar_fasciitis_heel_spur")
    assert isinstance(data, dict)
    assert data["condition"] == "plantar_fasciitis_heel_spur"
    assert data["note"] is None
    altas = next(t for t in data["templates"] if t["id"] == "plantar_fasciitis_altas")
    assert altas["lines"][0]["concentration_percent"] == {"min": 15.0, "max": 15.0}
    assert altas["sessions"]["interval"] == {"min": 3.0, "max": 3.0, "unit": "weeks"}
    assert altas["sources"] == ["S15"]


def test_show_a_condition_without_a_published_protocol_says_so() -> None:
    data = _json("protocol", "show", "fibromyalgia")
    assert isinstance(data, dict)
    assert data["templates"] == []
    assert "No source" in data["note"]
    table = runner.invoke(app, ["protocol", "show", "fibromyalgia"])
    assert "no published protocol" in table.stdout


def test_show_table_names_the_sites_and_the_source() -> None:
    result = runner.invoke(
        app, ["protocol", "show", "lateral_epicondylitis"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0
    assert "supracondylar_ridge" in result.stdout
    assert "S10" in result.stdout
    assert "(derived)" in result.stdout


def test_unknown_condition_exits_2() -> None:
    for args in (
        ["protocol", "show", "gout"],
        ["protocol", "list", "--condition", "gout"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert "unknown condition id 'gout'" in result.stderr


def test_rules_json_is_the_session_rules() -> None:
    data = _json("protocol", "rules")
    assert data == load_session_rules().model_dump(mode="json")
    assert isinstance(data, dict)
    assert data["rest"]["min_minutes"] == 10


def test_rules_table() -> None:
    result = runner.invoke(app, ["protocol", "rules"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "refused under 10 min without an override" in result.stdout
    assert "flagged over 30 min" in result.stdout
