"""`prolo instruments [--format json]` lists every instrument with its rules and sources."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from prolo.cli import instruments as instruments_cli

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()
    instruments_cli.register(app)
    return app


def test_json_lists_every_instrument_in_order() -> None:
    result = runner.invoke(make_app(), ["instruments", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [d["id"] for d in data] == [
        "nrs", "odi", "ndi", "quickdash", "womac", "koos", "bctq", "prtee", "ffi", "hit6", "fiqr",
    ]  # fmt: skip
    womac = data[4]
    assert womac["items"][:3] == ["P1", "P2", "P3"]
    assert len(womac["items"]) == 24
    assert [s["name"] for s in womac["subscales"]] == ["pain", "stiffness", "function"]
    assert womac["licence"] == {
        "status": "licensed",
        "holder": "N. Bellamy (WOMAC; womac.org)",
        "wording_shipped": False,
    }
    assert {r["scale"]: r["basis"] for r in womac["missing_rules"]} == {
        "pain": "decision",
        "stiffness": "decision",
        "function": "published",
    }
    nrs = data[0]
    assert nrs["loinc"]["code"] == "72514-3"
    assert {(m["kind"], m["value"]) for m in nrs["mcids"]} == {
        ("absolute", 2),
        ("percent", 30),
        ("percent", 50),
    }
    assert all(m["source"] for d in data for m in d["mcids"])


def test_table_names_each_instrument() -> None:
    result = runner.invoke(make_app(), ["instruments"])
    assert result.exit_code == 0
    for instrument_id in ("nrs", "odi", "koos", "fiqr"):
        assert instrument_id in result.stdout
