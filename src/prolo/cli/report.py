"""`prolo report`: outcome charts from the clinic's stored answers.

    prolo report patient PATIENT_ID [--out DIR] [--format json]
        one trajectory chart per course and instrument (PNG and SVG): score per timepoint, baseline,
        MCID band and the note that improvement is not expected after the first session
        -> {"patient_id", "files": [...], "courses": [{"course_id", "condition", "advice", "instruments"}]}
    prolo report cohort [--out DIR] [--format json]
        the responder rate by sessions done, per condition (PNG and SVG)
        -> {"files": [...], "patients", "courses", "conditions": [{"condition", "courses", "responders"}]}
Reading outcomes from the command line is audited like any other read (actor: the operator).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer

from prolo.cli.db import load_settings, operator_session
from prolo.cli.output import FormatOption, OutputFormat, emit, fail, print_table
from prolo.domain.instruments import get_instrument
from prolo.reports.charts import (
    cohort_chart_from_summaries,
    trajectory_chart_from_outcome,
    write_cohort_chart,
    write_trajectory_chart,
)
from prolo.services import courses, questionnaires, reports
from prolo.services.context import Role

report_app = typer.Typer(
    help="Outcome charts: one patient's trajectories, or the clinic's cohort.",
    no_args_is_help=True,
)

OutOption = typer.Option(
    "--out", help="Directory for the chart files (created if missing)."
)


def _patient_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        fail(
            f"PATIENT_ID: {value!r} is not a patient id (a UUID; see `prolo patients list`)"
        )


@report_app.command("patient")
def patient_command(
    patient_id: Annotated[
        str, typer.Argument(help="The patient's id (`prolo patients list`).")
    ],
    out: Annotated[Path, OutOption] = Path("reports"),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Write a trajectory chart for each of the patient's courses and instruments."""
    pid = _patient_id(patient_id)
    files: list[Path] = []
    listed: list[dict[str, object]] = []
    settings = load_settings()
    with operator_session(settings, via="cli-report", role=Role.clinician) as (
        uow,
        actor,
    ):
        for course in courses.list_courses(uow, actor, patient_id=pid):
            result = questionnaires.course_outcomes(uow, actor, course_id=course.id)
            instruments: list[dict[str, object]] = []
            for outcome in result.outcomes:
                instrument = get_instrument(outcome.instrument)
                stem = out / f"patient-{pid}-course-{course.id}-{instrument.id}"
                out.mkdir(parents=True, exist_ok=True)
                files += write_trajectory_chart(
                    trajectory_chart_from_outcome(outcome, instrument), stem
                )
                instruments.append(
                    {
                        "instrument": instrument.id,
                        "points": len(outcome.points),
                        "baseline": outcome.baseline,
                    }
                )
            listed.append(
                {
                    "course_id": str(course.id),
                    "condition": course.condition_id,
                    "advice": result.advice.action,
                    "instruments": instruments,
                }
            )
    data = {"patient_id": str(pid), "files": [str(f) for f in files], "courses": listed}
    emit(
        fmt,
        data,
        lambda: print_table(
            f"Charts for patient {pid} ({len(files)} files)",
            ["file"],
            [(str(f),) for f in files],
        ),
    )


@report_app.command("cohort")
def cohort_command(
    out: Annotated[Path, OutOption] = Path("reports"),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Write the clinic's responder rate by sessions done, per condition."""
    settings = load_settings()
    with operator_session(settings) as (uow, actor):
        report = reports.outcome_report(uow, actor)
    out.mkdir(parents=True, exist_ok=True)
    files = write_cohort_chart(
        cohort_chart_from_summaries(report.summaries), out / "cohort-responders"
    )
    conditions = [
        {
            "condition": c.condition_id,
            "patients": c.patients,
            "instrument": c.instrument,
        }
        for c in report.conditions
    ]
    data = {
        "files": [str(f) for f in files],
        "patients": report.patients,
        "courses": report.courses,
        "conditions": conditions,
    }
    emit(
        fmt,
        data,
        lambda: print_table(
            f"Cohort: {report.patients} patients, {report.courses} courses",
            ["condition", "patients", "instrument"],
            [(c["condition"], c["patients"], c["instrument"]) for c in conditions],
        ),
    )


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
