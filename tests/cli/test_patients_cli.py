"""`prolo patients list`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from factories import save_clinic, save_patient
from prolo.cli import app
from prolo.store.unit_of_work import Database

runner = CliRunner()


def test_lists_every_patient_as_json_with_id_and_name(scratch_url: str) -> None:
    db = Database(scratch_url)
    try:
        with db.unit_of_work() as uow:
            clinic = save_clinic(uow)
            made = [
                save_patient(uow, clinic, given_name=f"G{i}", family_name=f"F{i}")
                for i in range(3)
            ]
            uow.commit()
    finally:
        db.dispose()
    result = runner.invoke(
        app,
        ["patients", "list", "--format", "json"],
        env={"PROLO_DATABASE_URL": scratch_url},
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["id"], r["name"]) for r in rows] == [(str(p.id), p.name) for p in made]
    table = runner.invoke(
        app,
        ["patients", "list", "--query", "F1"],
        env={"PROLO_DATABASE_URL": scratch_url},
    )
    assert "G1 F1" in table.stdout
    assert "G0 F0" not in table.stdout


def test_an_unmigrated_database_exits_2(tmp_path) -> None:
    result = runner.invoke(
        app,
        ["patients", "list"],
        env={"PROLO_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
    )
    assert result.exit_code == 2
    assert "not migrated" in result.stderr
