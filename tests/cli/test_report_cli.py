"""`prolo report patient|cohort`: outcome charts written from the stored answers of the demo clinic."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from typer.testing import CliRunner

from prolo.cli import app
from prolo.services import demo
from prolo.store.unit_of_work import Database

runner = CliRunner()
FAST_HASH = {
    "PROLO_PASSWORD_HASH_TIME_COST": "1",
    "PROLO_PASSWORD_HASH_MEMORY_KIB": "8192",
}


def run(url: str, *args: str):
    return runner.invoke(app, list(args), env={"PROLO_DATABASE_URL": url, **FAST_HASH})


def finished_patient(url: str) -> uuid.UUID:
    """The demo patient whose knee course is finished (all sessions and a follow-up answered)."""
    listed = run(url, "patients", "list", "--query", "Arslan", "--format", "json")
    assert listed.exit_code == 0, listed.output
    return uuid.UUID(json.loads(listed.stdout)[0]["id"])


def test_patient_report_draws_every_instrument_of_the_course(
    scratch_url: str, tmp_path: Path
) -> None:
    assert run(scratch_url, "demo", "--no-serve").exit_code == 0
    patient_id = finished_patient(scratch_url)
    out = tmp_path / "charts"
    result = run(
        scratch_url,
        "report",
        "patient",
        str(patient_id),
        "--out",
        str(out),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (course,) = data["courses"]
    assert course["condition"] == "knee_osteoarthritis"
    assert [i["instrument"] for i in course["instruments"]] == ["nrs", "womac", "koos"]
    assert all(i["points"] >= 2 for i in course["instruments"])
    assert len(data["files"]) == 6  # PNG and SVG per instrument
    for name in data["files"]:
        body = Path(name).read_bytes()
        if name.endswith(".png"):
            assert body.startswith(b"\x89PNG")
        else:
            assert b"<svg" in body[:600]


def test_patient_report_reads_as_a_clinician_and_is_audited(
    scratch_url: str, tmp_path: Path
) -> None:
    assert run(scratch_url, "demo", "--no-serve").exit_code == 0
    patient_id = finished_patient(scratch_url)
    assert (
        run(
            scratch_url, "report", "patient", str(patient_id), "--out", str(tmp_path)
        ).exit_code
        == 0
    )
    db = Database(scratch_url)
    try:
        with db.unit_of_work() as uow:
            clinic = uow.clinics.find_by_name(demo.DEMO_CLINIC)
            assert clinic is not None
            reads = uow.audit.page(
                clinic.id,
                patient_id=patient_id,
                action="questionnaire.outcomes",
                limit=50,
                offset=0,
            ).items
        assert reads
        assert {e.detail["via"] for e in reads} == {"cli-report"}
        assert {e.actor_role for e in reads} == {"clinician"}
    finally:
        db.dispose()


def test_cohort_report_writes_the_responder_chart(
    scratch_url: str, tmp_path: Path
) -> None:
    assert run(scratch_url, "demo", "--no-serve").exit_code == 0
    result = run(
        scratch_url, "report", "cohort", "--out", str(tmp_path), "--format", "json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    db = Database(scratch_url)
    try:
        with db.unit_of_work() as uow:
            clinic = uow.clinics.find_by_name(demo.DEMO_CLINIC)
            assert clinic is not None
            courses = uow.courses.in_clinic(clinic.id)
    finally:
        db.dispose()
    # patients with a course (the demo's patients still in screening have none)
    assert data["patients"] == len({c.patient_id for c in courses}) > 0
    assert data["courses"] == len(courses)
    assert {c["condition"] for c in data["conditions"]} >= {
        "knee_osteoarthritis",
        "low_back_pain",
    }
    assert sorted(Path(f).suffix for f in data["files"]) == [".png", ".svg"]


def test_bad_or_unknown_patient_ids_exit_2(scratch_url: str, tmp_path: Path) -> None:
    bad = run(scratch_url, "report", "patient", "not-an-id", "--out", str(tmp_path))
    assert bad.exit_code == 2
    assert "PATIENT_ID" in bad.stderr
    unknown = run(
        scratch_url, "report", "patient", str(uuid.uuid4()), "--out", str(tmp_path)
    )
    assert unknown.exit_code == 2
    assert "Traceback" not in unknown.output
