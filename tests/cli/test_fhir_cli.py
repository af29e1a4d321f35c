"""`prolo fhir export` and `prolo fhir import`."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from icalendar import Calendar
from typer.testing import CliRunner

from fhir_api.samples import canonical, hand_built, hand_built_json
from prolo.cli import app
from prolo.interop.fhir import bundle_to_records, patient_bundle_json
from prolo.store.unit_of_work import Database

runner = CliRunner()


def _run(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"PROLO_DATABASE_URL": url})
    return result.exit_code, result.stdout, result.stderr


def test_import_into_an_empty_database_then_export_gives_the_bundle_back(
    scratch_url: str, tmp_path: Path
) -> None:
    record = hand_built()
    source = tmp_path / "bundle.json"
    source.write_text(json.dumps(patient_bundle_json(record)), encoding="utf-8")
    code, out, err = _run(
        scratch_url, "fhir", "import", str(source), "--format", "json"
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["patient_id"] == str(record.patient.id)
    assert summary["created"]["Appointment"] == 3
    database = Database(scratch_url)
    try:
        with database.unit_of_work() as uow:
            clinic = uow.clinics.first()
            assert clinic is not None
            assert (
                clinic.name == "Hand-built clinic"
            )  # taken from the Bundle's Organization
    finally:
        database.dispose()

    code, out, err = _run(
        scratch_url, "fhir", "export", "--patient", str(record.patient.id)
    )
    assert code == 0, err
    exported = json.loads(out)
    back = bundle_to_records(exported)
    assert back.appointments[0].id == record.appointments[0].id
    assert back.questionnaire_responses == record.questionnaire_responses

    again = tmp_path / "again.json"
    again.write_text(out, encoding="utf-8")
    code, out, err = _run(scratch_url, "fhir", "import", str(again), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["created"] == {}
    code, out, _ = _run(
        scratch_url, "fhir", "export", "--patient", str(record.patient.id)
    )
    assert canonical(json.loads(out)) == canonical(exported)


def test_export_all_writes_one_file_per_patient(
    scratch_url: str, tmp_path: Path
) -> None:
    bundles = [hand_built_json(mrn=f"MRN-{i}") for i in range(2)]
    for i, bundle in enumerate(bundles):
        # other clinicians, rooms and beds, so the two patients' sessions do not collide
        for entry in bundle["entry"]:
            resource = entry["resource"]
            if resource["resourceType"] == "Practitioner":
                resource["name"][0]["family"] = f"Doctor{i}"
            if resource["resourceType"] == "Location":
                resource["name"] = f"{resource['name']} ({i})"
        path = tmp_path / f"in-{i}.json"
        path.write_text(json.dumps(bundle), encoding="utf-8")
        assert _run(scratch_url, "fhir", "import", str(path))[0] == 0
    target = tmp_path / "out"
    code, out, err = _run(scratch_url, "fhir", "export", "--all", str(target))
    assert code == 0, err
    written = sorted(p.name for p in target.iterdir())
    assert json.loads(out)["patients"] == 2
    assert written == sorted(json.loads(out)["files"])
    for path in target.iterdir():
        assert bundle_to_records(
            path.read_text(encoding="utf-8")
        ).patient.id == uuid.UUID(path.stem)


def test_a_malformed_bundle_exits_2_naming_the_entry_and_element(
    scratch_url: str, tmp_path: Path
) -> None:
    bundle = hand_built_json()
    entry = next(
        e for e in bundle["entry"] if e["resource"]["resourceType"] == "Procedure"
    )
    entry["resource"]["performedPeriod"]["start"] = "yesterday"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    code, _, err = _run(scratch_url, "fhir", "import", str(path))
    assert code == 2
    assert "(Procedure)" in err
    assert "performedPeriod" in err
    assert "Traceback" not in err


def test_not_json_and_missing_files_exit_2(scratch_url: str, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{not json", encoding="utf-8")
    code, _, err = _run(scratch_url, "fhir", "import", str(path))
    assert code == 2
    assert "not JSON" in err
    code, _, err = _run(scratch_url, "fhir", "import", str(tmp_path / "missing.json"))
    assert code == 2
    assert "no such file" in err


def test_an_unknown_patient_exits_2(scratch_url: str) -> None:
    code, _, err = _run(scratch_url, "fhir", "export", "--patient", str(uuid.uuid4()))
    assert code == 2
    assert "no patient" in err
    code, _, err = _run(scratch_url, "fhir", "export")
    assert code == 2
    assert "--patient" in err


def test_calendar_prints_the_patient_and_clinician_feeds(
    scratch_url: str, tmp_path: Path
) -> None:
    record = hand_built()
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(patient_bundle_json(record)), encoding="utf-8")
    assert _run(scratch_url, "fhir", "import", str(path))[0] == 0
    code, out, err = _run(scratch_url, "calendar", "--patient", str(record.patient.id))
    assert code == 0, err
    events = Calendar.from_ical(out).walk("VEVENT")
    assert sorted(str(e["UID"]) for e in events) == sorted(
        f"{a.id}@prolo.dev" for a in record.appointments
    )
    doctor = record.practitioners[0].id
    code, out, err = _run(
        scratch_url, "calendar", "--clinician", str(doctor), "--since", "2025-01-01"
    )
    assert code == 0, err
    assert len(Calendar.from_ical(out).walk("VEVENT")) == 3
