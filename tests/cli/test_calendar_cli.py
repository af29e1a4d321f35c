"""`prolo calendar`: bad input exits 2 with a message (the feeds themselves: test_fhir_cli.py)."""

from __future__ import annotations

import uuid

from typer.testing import CliRunner

from prolo.cli import app

runner = CliRunner()


def test_needs_exactly_one_of_patient_and_clinician(scratch_url: str) -> None:
    env = {"PROLO_DATABASE_URL": scratch_url}
    neither = runner.invoke(app, ["calendar"], env=env)
    assert neither.exit_code == 2
    assert "--patient" in neither.stderr
    both = runner.invoke(
        app,
        ["calendar", "--patient", str(uuid.uuid4()), "--clinician", str(uuid.uuid4())],
        env=env,
    )
    assert both.exit_code == 2


def test_unknown_patient_or_clinician_exits_2(scratch_url: str) -> None:
    env = {"PROLO_DATABASE_URL": scratch_url}
    patient = runner.invoke(app, ["calendar", "--patient", str(uuid.uuid4())], env=env)
    assert patient.exit_code == 2
    assert "no patient" in patient.stderr
    clinician = runner.invoke(
        app, ["calendar", "--clinician", str(uuid.uuid4())], env=env
    )
    assert clinician.exit_code == 2
    assert "no staff member" in clinician.stderr
    not_an_id = runner.invoke(app, ["calendar", "--patient", "abc"], env=env)
    assert not_an_id.exit_code == 2
