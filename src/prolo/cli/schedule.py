"""`prolo schedule`: generate instances, solve, validate, bound and rebook course schedules.

    prolo schedule generate --patients N --clinicians C --rooms R --recovery R2 --weeks W --seed S
        -> the instance JSON on stdout (format: docs/scheduling.md, schema: scheduling/schema/)
    prolo schedule solve instance.json [--method cpsat|greedy] [--time-limit S] [--seed N]
                         [--workers N] [--max-iterations N] [--broker URL] [--format json]
        -> {"objective", "courses_scheduled", "courses_total", "unscheduled", "terms", "stats",
            "sessions": [{"course_id", "patient_id", "session", "clinician_id", "room_id",
                          "recovery_place_id", "procedure_start", "procedure_end",
                          "recovery_start", "recovery_end", "fixed"}]}
    prolo schedule validate instance.json schedule.json [--format json]
        -> {"valid", "objective", "terms", "violations": [{"rule", "message", "course_id", "session"}]};
           exit 0 when valid, 1 with violations
    prolo schedule bound instance.json [--time-limit S] [--format json]
        -> {"bound", "chain_bound", "capacity_bound", "lagrangian_bound", "lagrangian_iterations", "seconds"}
    prolo schedule rebook instance.json schedule.json (--cancel C:N | --no-show C:N | --absent K:YYYY-MM-DD
                          | --withdraw C)
                          [--allow-moves] [--output new.json] [--format json]
        -> {"moved": [{"course_id", "patient_id", "session", "from", "to"}], "failed",
            "proposals": [{"course_id", "moves", "other_patients_moved", "objective_after"}],
            "affected_courses", "other_patients_moved", "objective_before", "objective_after",
            "seconds", "schedule"}
           A course that cannot be repaired without moving someone else stays as it was (listed in
           "failed"); its "proposals" entry is the repair that moves one other patient, not
           applied: re-run with --allow-moves to accept it.

Solving runs as a job: a local process by default, RQ on Redis with --broker (default: the
PROLO_SOLVER_BROKER setting). Bad input (unreadable file, wrong version, negative durations, windows
that cannot fit, unknown ids) prints the problem and exits 2.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from prolo.cli.output import (
    EXIT_PROBLEMS,
    FormatOption,
    OutputFormat,
    bad_input_exits,
    console,
    emit,
    fail,
    print_json,
    print_table,
)
from prolo.scheduling import (
    Disruption,
    GeneratorConfig,
    Instance,
    JobRunner,
    Schedule,
    SolverConfig,
    generate,
    load_instance,
    load_schedule,
    lower_bound,
    rebook,
    score,
    validate,
)
from prolo.settings import get_settings

schedule_app = typer.Typer(
    help="Course scheduling: generate, solve, validate, bound, rebook.",
    no_args_is_help=True,
)


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"{what}: cannot read {path}: {exc.strerror or exc}")


def _instance(path: Path) -> Instance:
    text = _read(path, "instance")
    with bad_input_exits():
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            fail(f"instance: {path} is not JSON: {exc}")
        return load_instance(text)
    raise AssertionError("unreachable")  # pragma: no cover


def _schedule(path: Path) -> Schedule:
    text = _read(path, "schedule")
    with bad_input_exits():
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            fail(f"schedule: {path} is not JSON: {exc}")
        return load_schedule(text)
    raise AssertionError("unreachable")  # pragma: no cover


@schedule_app.command("generate")
def generate_command(
    patients: int = typer.Option(
        50, "--patients", min=0, help="Courses (one per patient)."
    ),
    clinicians: Annotated[int, typer.Option("--clinicians", min=1)] = 1,
    rooms: Annotated[int, typer.Option("--rooms", min=1)] = 1,
    recovery: int = typer.Option(
        2, "--recovery", min=1, help="Recovery places (beds/chairs)."
    ),
    weeks: Annotated[
        int, typer.Option("--weeks", min=1, max=156, help="Planning horizon.")
    ] = 26,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    load: float = typer.Option(
        0.8, "--load", min=0.05, max=2.0, help="Session demand / capacity."
    ),
    timezone: Annotated[str, typer.Option("--timezone")] = "Europe/Istanbul",
    start: str = typer.Option(
        "2026-01-05", "--start", help="First day of the horizon (YYYY-MM-DD)."
    ),
    first_procedure_minutes: Annotated[
        int, typer.Option("--first-procedure-minutes", min=5)
    ] = 30,
    clinic_id: Annotated[str, typer.Option("--clinic-id")] = "clinic-1",
) -> None:
    """Print a seeded, realistic instance as JSON."""
    try:
        first_day = date.fromisoformat(start)
    except ValueError:
        fail(f"--start: {start!r} is not a date (YYYY-MM-DD)")
    with bad_input_exits():
        instance = generate(
            GeneratorConfig(
                patients=patients,
                clinicians=clinicians,
                rooms=rooms,
                recovery=recovery,
                weeks=weeks,
                seed=seed,
                load=load,
                timezone=timezone,
                start=first_day,
                first_procedure_minutes=first_procedure_minutes,
                clinic_id=clinic_id,
            )
        )
    typer.echo(instance.model_dump_json(indent=1))


@schedule_app.command("solve")
def solve_command(
    instance_path: Annotated[Path, typer.Argument(help="Instance JSON file.")],
    method: str = typer.Option(
        "cpsat", "--method", help="cpsat (the engine) or greedy (the baseline)."
    ),
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.0, help="Seconds.")
    ] = 10.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    workers: int = typer.Option(
        1, "--workers", min=1, max=16, help="CP-SAT workers per sub-solve."
    ),
    max_iterations: Annotated[
        int | None, typer.Option("--max-iterations", min=0)
    ] = None,
    broker: Annotated[
        str | None,
        typer.Option("--broker", help="redis://... (default: PROLO_SOLVER_BROKER)."),
    ] = None,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Solve an instance and print the schedule."""
    if method not in ("cpsat", "greedy"):
        fail(f"--method: {method!r} is not one of cpsat, greedy")
    instance = _instance(instance_path)
    config = SolverConfig(
        method=method,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        max_iterations=max_iterations,
    )
    url = broker if broker is not None else get_settings().solver_broker
    with JobRunner(url, max_workers=1) as runner:
        schedule = runner.submit(instance, config).result()

    def table() -> None:
        print_table(
            f"Schedule ({schedule.method})",
            ["objective", "courses scheduled", "sessions", "seconds"],
            [
                [
                    schedule.objective,
                    f"{schedule.courses_scheduled}/{schedule.courses_total}",
                    len(schedule.sessions),
                    schedule.stats.get("solve_seconds", ""),
                ]
            ],
        )
        print_table("Objective terms", ["term", "value"], list(schedule.terms.items()))

    emit(fmt, schedule, table)


@schedule_app.command("validate")
def validate_command(
    instance_path: Annotated[Path, typer.Argument(help="Instance JSON file.")],
    schedule_path: Annotated[Path, typer.Argument(help="Schedule JSON file.")],
    fmt: OutputFormat = FormatOption,
) -> None:
    """Check every hard rule; exit 0 when valid, 1 listing the violations."""
    instance = _instance(instance_path)
    schedule = _schedule(schedule_path)
    violations = validate(instance, schedule)
    objective, terms = score(instance, schedule)
    data = {
        "valid": not violations,
        "objective": objective,
        "terms": terms,
        "violations": [v.as_dict() for v in violations],
    }

    def table() -> None:
        if violations:
            print_table(
                "Violations",
                ["rule", "message"],
                [[v.rule, v.message] for v in violations],
            )
        else:
            console().print(f"valid; objective {objective}")

    emit(fmt, data, table)
    if violations:
        raise typer.Exit(EXIT_PROBLEMS)


@schedule_app.command("bound")
def bound_command(
    instance_path: Annotated[Path, typer.Argument(help="Instance JSON file.")],
    time_limit: float = typer.Option(
        5.0, "--time-limit", min=0.0, help="Seconds for the Lagrangian bound."
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Print a lower bound on the objective (no schedule scores lower)."""
    instance = _instance(instance_path)
    report = lower_bound(instance, time_limit=time_limit)
    data = report.as_dict()
    emit(
        fmt,
        data,
        lambda: print_table("Lower bound", ["bound", "value"], list(data.items())),
    )


def _pair(text: str, option: str) -> tuple[str, str]:
    head, sep, tail = text.rpartition(":")
    if not sep or not head or not tail:
        fail(f"{option}: expected ID:VALUE, got {text!r}")
    return head, tail


@schedule_app.command("rebook")
def rebook_command(
    instance_path: Annotated[Path, typer.Argument(help="Instance JSON file.")],
    schedule_path: Annotated[Path, typer.Argument(help="The current schedule JSON.")],
    cancel: Annotated[
        str | None,
        typer.Option("--cancel", help="COURSE_ID:SESSION cancelled by the patient."),
    ] = None,
    no_show: Annotated[
        str | None, typer.Option("--no-show", help="COURSE_ID:SESSION missed.")
    ] = None,
    absent: Annotated[
        str | None, typer.Option("--absent", help="CLINICIAN_ID:YYYY-MM-DD off sick.")
    ] = None,
    withdraw: Annotated[
        str | None,
        typer.Option(
            "--withdraw",
            help="COURSE_ID whose patient stops the course: its planned sessions are freed.",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the repaired schedule here.")
    ] = None,
    allow_moves: Annotated[
        bool,
        typer.Option(
            "--allow-moves",
            help="If a course cannot be repaired, let it take one other patient's day (that patient is re-chained).",
        ),
    ] = False,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Repair the affected courses; by default no other patient moves. Prints what moved."""
    given = [x for x in (cancel, no_show, absent, withdraw) if x is not None]
    if len(given) != 1:
        fail("give exactly one of --cancel, --no-show, --absent, --withdraw")
    if withdraw is not None:
        disruption = Disruption("withdraw", course_id=withdraw)
    elif absent is not None:
        clinician, day_text = _pair(absent, "--absent")
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            fail(f"--absent: {day_text!r} is not a date (YYYY-MM-DD)")
        disruption = Disruption("absence", clinician_id=clinician, day=day)
    else:
        option = "--cancel" if cancel is not None else "--no-show"
        course, number = _pair(given[0], option)
        if not number.isdigit():
            fail(f"{option}: session {number!r} is not a number")
        disruption = Disruption(
            "cancel" if cancel is not None else "no_show",
            course_id=course,
            session=int(number),
        )
    instance = _instance(instance_path)
    schedule = _schedule(schedule_path)
    with bad_input_exits():
        repaired, result = rebook(
            instance, schedule, disruption, allow_other_moves=allow_moves
        )
    if output is not None:
        output.write_text(repaired.model_dump_json(indent=1), encoding="utf-8")
    data = result.as_dict()

    def table() -> None:
        rows = [
            [
                m.course_id,
                m.session,
                None if m.from_start is None else m.from_start.isoformat(),
                None if m.to_start is None else m.to_start.isoformat(),
            ]
            for m in result.moved
        ]
        print_table("Moved", ["course", "session", "from", "to"], rows)
        if result.failed:
            console().print(
                f"could not repair without moving another patient (left unchanged): "
                f"{', '.join(result.failed)}"
            )
        for proposal in result.proposals:
            console().print(
                f"proposal for {proposal.course_id}: moves {len(proposal.moves)} sessions "
                f"({proposal.other_patients_moved} other patient); accept with --allow-moves"
            )

    if fmt is OutputFormat.json:
        print_json({**data, "schedule": repaired})
    else:
        table()


def register(app: typer.Typer) -> None:
    app.add_typer(schedule_app, name="schedule")
