"""`prolo fhir`: move a clinic's data in and out as FHIR R4 Bundles (docs/interop.md).

    prolo fhir export --patient ID > bundle.json      one patient's collection Bundle on stdout
    prolo fhir export --all DIR                       DIR/<patient id>.json for every patient
                                                      (progress bar on stderr); prints
                                                      {"directory", "patients", "files": [...]}
    prolo fhir import bundle.json [--format json]     load a Bundle ("-" reads stdin) without
                                                      duplicating what the clinic has; prints
                                                      {"patient_id", "created": {Type: n},
                                                       "matched": {Type: n}, "skipped": [...]}
Exports are audited reads by the operator; the import is one transaction (all or nothing).
Importing into a database without a clinic creates the clinic from the Bundle's Organization.
A malformed Bundle exits 2 naming the entry and element.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from prolo.cli.db import load_settings, open_checked, operator_session
from prolo.cli.output import FormatOption, OutputFormat, emit, fail, print_table
from prolo.domain.errors import DomainError
from prolo.interop.fhir import bundle_to_records, patient_bundle_json
from prolo.services import exports, fhir_import
from prolo.services.bootstrap import commit
from prolo.services.clinic import ensure_clinic
from prolo.services.context import Actor
from prolo.services.errors import ServiceError

fhir_app = typer.Typer(
    help="FHIR R4: export patients as Bundles, import Bundles.", no_args_is_help=True
)


def _dump(data: dict[str, object]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@fhir_app.command("export")
def export_command(
    patient: Annotated[
        uuid.UUID | None,
        typer.Option("--patient", help="The patient's id: print their Bundle."),
    ] = None,
    all_dir: Annotated[
        Path | None,
        typer.Option(
            "--all",
            help="Write one Bundle per patient into this directory.",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Export one patient (--patient ID, to stdout) or every patient (--all DIR)."""
    if (patient is None) == (all_dir is None):
        fail("give either --patient ID or --all DIR")
    settings = load_settings()
    if patient is not None:
        with operator_session(settings) as (uow, actor):
            record = exports.patient_record(uow, actor, patient_id=patient)
        sys.stdout.write(_dump(patient_bundle_json(record)))
        return
    assert all_dir is not None
    try:
        all_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create {all_dir}: {exc.strerror}")
    files: list[str] = []
    with operator_session(settings) as (uow, actor):
        plan = exports.plan_export(uow, actor)
        progress = Progress(
            TextColumn("exporting"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        with progress:
            task = progress.add_task("patients", total=len(plan.patient_ids))
            for record in exports.export_all(uow, actor, plan):
                target = all_dir / f"{record.patient.id}.json"
                target.write_text(_dump(patient_bundle_json(record)), encoding="utf-8")
                files.append(target.name)
                progress.advance(task)
    sys.stdout.write(
        _dump({"directory": str(all_dir), "patients": len(files), "files": files})
    )


def _read_bundle(source: str) -> Any:
    try:
        text = (
            sys.stdin.read()
            if source == "-"
            else Path(source).read_text(encoding="utf-8")
        )
    except FileNotFoundError:
        fail(f"{source}: no such file")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{source}: cannot read it ({exc})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{source}: not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")


@fhir_app.command("import")
def import_command(
    source: Annotated[
        str, typer.Argument(help="The Bundle's JSON file, or - for stdin.")
    ],
    fmt: OutputFormat = FormatOption,
) -> None:
    """Load a patient's Bundle; records the clinic already has are matched, not duplicated."""
    raw = _read_bundle(source)
    try:
        records = bundle_to_records(raw)
    except DomainError as exc:
        fail(f"{source}: {exc}")
    settings = load_settings()
    with open_checked(settings) as database, database.unit_of_work() as uow:
        try:
            clinic = uow.clinics.first()
            if clinic is None:
                name = records.organizations[0].name if records.organizations else None
                clinic = ensure_clinic(
                    uow, name=name or "Prolo clinic", timezone=settings.timezone
                )
            actor = Actor.operator(clinic.id)
            result = fhir_import.import_records(uow, actor, records)
            commit(uow)
        except (ServiceError, DomainError) as exc:
            fail(f"{source}: {exc}")
    data = result.to_dict()
    emit(
        fmt,
        data,
        lambda: print_table(
            f"Imported patient {result.patient_id}",
            ["resource", "created", "already there"],
            [
                (kind, result.created.get(kind, 0), result.matched.get(kind, 0))
                for kind in sorted(set(result.created) | set(result.matched))
            ]
            + [(f"skipped: {s}", "", "") for s in result.skipped],
        ),
    )


def register(app: typer.Typer) -> None:
    app.add_typer(fhir_app, name="fhir")
