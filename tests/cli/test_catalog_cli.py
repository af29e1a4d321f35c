"""`prolo catalog`: the JSON contract and the table for people."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from prolo.cli import app
from prolo.cli.catalog import markdown_table
from prolo.domain.catalog import load_catalog

runner = CliRunner()

REQUIRED_KEYS = {
    "id",
    "name",
    "region",
    "icd10",
    "snomed",
    "instruments",
    "sites",
    "requires_review",
    "ambiguity",
}


def test_json_lists_every_condition_with_the_contract_keys() -> None:
    result = runner.invoke(app, ["catalog", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    assert [row["id"] for row in data] == list(load_catalog().conditions)
    for row in data:
        assert set(row) >= REQUIRED_KEYS, row["id"]
        assert isinstance(row["icd10"], list)
        assert isinstance(row["snomed"], list)
        assert row["instruments"][0] == "nrs"


def test_json_values_match_the_catalog() -> None:
    data = {
        row["id"]: row
        for row in json.loads(
            runner.invoke(app, ["catalog", "--format", "json"]).stdout
        )
    }
    knee = data["knee_osteoarthritis"]
    assert knee["region"] == "knee"
    assert knee["icd10"] == ["M17.0", "M17.11", "M17.12", "M17.10", "M17.9"]
    assert knee["snomed"] == ["239873007"]
    assert knee["instruments"] == ["nrs", "womac", "koos"]
    assert knee["sites"] == ["knee_intra_articular", "knee_periarticular"]
    assert knee["icd10_codes"][1] == {
        "code": "M17.11",
        "display": "Unilateral primary osteoarthritis, right knee",
        "laterality": "right",
        "note": None,
    }
    refractory = data["chronic_pain_refractory"]
    assert refractory["requires_review"] is True
    assert data["postherpetic_neuralgia"]["ambiguity"]
    assert data["postherpetic_neuralgia"]["alternatives"] == [
        "chronic_postsurgical_pain"
    ]
    assert data["neck_pain"]["snomed_codes"][0]["confidence"] == "unverified"


def test_region_filter() -> None:
    result = runner.invoke(app, ["catalog", "--region", "knee", "--format", "json"])
    assert result.exit_code == 0
    assert {row["id"] for row in json.loads(result.stdout)} == {
        "knee_osteoarthritis",
        "meniscus_injury",
    }


def test_unknown_region_exits_2_with_a_message() -> None:
    result = runner.invoke(app, ["catalog", "--region", "elbows"])
    assert result.exit_code == 2
    assert "unknown region id 'elbows'" in result.stderr
    assert "Traceback" not in result.output


def test_table_for_people() -> None:
    result = runner.invoke(app, ["catalog"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    assert "knee_osteoarthritis" in result.stdout
    assert "M17.11" in result.stdout
    assert "(unverified)" in result.stdout
    assert "ambiguous" in result.stdout


def test_markdown_table_is_the_one_in_docs_catalog_md() -> None:
    result = runner.invoke(app, ["catalog", "--markdown"])
    assert result.exit_code == 0
    catalog = load_catalog()
    assert result.stdout == markdown_table(catalog, list(catalog.conditions.values()))
    page = (Path(__file__).resolve().parents[2] / "docs" / "catalog.md").read_text(
        encoding="utf-8"
    )
    start = page.index("<!-- catalog-table:start -->\n") + len(
        "<!-- catalog-table:start -->\n"
    )
    end = page.index("<!-- catalog-table:end -->")
    assert page[start:end] == result.stdout, (
        "docs/catalog.md is stale: paste `prolo catalog --markdown` into it"
    )
