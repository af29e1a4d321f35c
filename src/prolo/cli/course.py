"""`prolo course`: plan a course's session windows, check dates, advise after a session, aftercare.

    prolo course plan --start 2026-01-05 --sessions 6 [--booked 2=2026-01-22 ...] --format json
        -> {"sessions": [{"number", "earliest", "latest", "booked"}]}
    prolo course check 2026-01-05 2026-01-19 ... [--partial] [--extension-reason TEXT] --format json
        -> {"ok": bool, "problems": [{"code", "message", "sessions"}]}; exit 1 when there are problems
    prolo course advise --done 4 --planned 6 --responded no --format json
        -> {"action": "continue|review|complete", "reasons": [{"code", "message", "source"}]}
    prolo course aftercare --language tr
        -> the patient's copy of the post-procedure instructions
    prolo course rules --format json
        -> the course rules in force and their clinical bounds

Bad input (a session count outside the rules, a malformed date, an inconsistent booking) exits 2.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import typer

from prolo.cli.output import (
    EXIT_PROBLEMS,
    FormatOption,
    OutputFormat,
    bad_input_exits,
    console,
    emit,
    fail,
    print_table,
)
from prolo.domain.aftercare import (
    LANGUAGES,
    load_aftercare_settings,
    patient_instructions,
)
from prolo.domain.course import (
    CourseAdvice,
    Problem,
    SessionWindow,
    advise,
    check_dates,
    load_course_rules,
    plan_windows,
)
from prolo.domain.errors import InvalidInputError

course_app = typer.Typer(
    help="Course rules: plan session windows, check dates, advise after a session, aftercare.",
    no_args_is_help=True,
)


def parse_date(text: str, option: str) -> date:
    """An ISO date (YYYY-MM-DD), or exit 2 naming the option."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(f"{option}: {text!r} is not a date (expected YYYY-MM-DD)")


def parse_booked(items: list[str]) -> dict[int, date]:
    """`N=YYYY-MM-DD` items -> {N: date}; exit 2 on a malformed or repeated item."""
    booked: dict[int, date] = {}
    for item in items:
        number_text, sep, day_text = item.partition("=")
        if not sep:
            fail(f"--booked: {item!r} is not N=YYYY-MM-DD")
        try:
            number = int(number_text.strip())
        except ValueError:
            fail(f"--booked: {number_text!r} in {item!r} is not a session number")
        if number in booked:
            fail(f"--booked: session {number} is given twice")
        booked[number] = parse_date(day_text, "--booked")
    return booked


def _as_option(exc: InvalidInputError) -> str:
    """The domain names `sessions` and `fixed.N`; the command line calls them options."""
    field = exc.field or ""
    if field == "sessions":
        return exc.message.replace("sessions:", "--sessions:", 1)
    if field.startswith("fixed."):
        return exc.message.replace(
            f"{field}:", f"--booked {field.removeprefix('fixed.')}:", 1
        )
    return exc.message


def _windows_json(windows: list[SessionWindow]) -> dict[str, Any]:
    return {"sessions": [w.to_dict() for w in windows]}


@course_app.command("plan")
def plan_command(
    start: str = typer.Option(
        ...,
        "--start",
        help="Date of the first session, YYYY-MM-DD.",
        show_default=False,
    ),
    sessions: int = typer.Option(
        ..., "--sessions", help="Number of sessions in the course.", show_default=False
    ),
    booked: list[str] = typer.Option(  # noqa: B008 - Typer's documented option style
        [],
        "--booked",
        help="A session already booked or done, N=YYYY-MM-DD (repeatable); narrows the windows.",
        show_default=False,
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Each session's window of allowed dates; booked sessions narrow the windows around them."""
    first = parse_date(start, "--start")
    fixed = parse_booked(booked)
    with bad_input_exits():
        rules = load_course_rules()
    try:
        windows = plan_windows(first, sessions, rules, fixed)
    except InvalidInputError as exc:
        fail(_as_option(exc))
    emit(
        fmt,
        _windows_json(windows),
        lambda: print_table(
            f"Course of {sessions} sessions, {rules.min_gap_days}-{rules.max_gap_days} days apart",
            ["session", "earliest", "latest", ""],
            [
                [
                    w.number,
                    w.earliest.isoformat(),
                    w.latest.isoformat(),
                    "booked" if w.booked else "",
                ]
                for w in windows
            ],
        ),
    )


def _render_problems(problems: list[Problem]) -> None:
    if not problems:
        console().print("The dates keep every course rule.")
        return
    print_table(
        "Course rules broken",
        ["code", "sessions", "problem"],
        [
            [p.code.value, ", ".join(str(s) for s in p.sessions), p.message]
            for p in problems
        ],
    )


@course_app.command("check")
def check_command(
    dates: list[str] = typer.Argument(  # noqa: B008 - Typer's documented argument style
        ..., metavar="DATE...", help="The session dates in order, YYYY-MM-DD."
    ),
    partial: bool = typer.Option(
        False,
        "--partial",
        help="The course is still in progress: no 'too few sessions'.",
    ),
    extension_reason: str | None = typer.Option(
        None,
        "--extension-reason",
        help="The clinician's recorded reason for more sessions than the rules allow.",
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Check session dates against the course rules; exit 1 when a rule is broken."""
    days = [parse_date(d, f"DATE {i + 1}") for i, d in enumerate(dates)]
    with bad_input_exits():
        problems = check_dates(
            days,
            load_course_rules(),
            partial=partial,
            extension_reason=extension_reason,
        )
    emit(
        fmt,
        {"ok": not problems, "problems": [p.to_dict() for p in problems]},
        lambda: _render_problems(problems),
    )
    if problems:
        raise typer.Exit(EXIT_PROBLEMS)


_RESPONDED = {"yes": True, "no": False, "unknown": None}


def _render_advice(advice: CourseAdvice) -> None:
    console().print(f"Advice: [bold]{advice.action.value}[/bold]")
    print_table(
        None,
        ["code", "reason", "source"],
        [[r.code, r.message, r.source] for r in advice.reasons],
    )


@course_app.command("advise")
def advise_command(
    done: int = typer.Option(
        ..., "--done", help="Sessions done so far.", show_default=False
    ),
    planned: int = typer.Option(
        ..., "--planned", help="Sessions planned for the course.", show_default=False
    ),
    responded: str = typer.Option(
        "unknown",
        "--responded",
        help="Meaningful improvement from baseline so far: yes, no or unknown (no outcome data).",
    ),
    extension_reason: str | None = typer.Option(
        None,
        "--extension-reason",
        help="The clinician's recorded reason for planning more sessions than the rules allow.",
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """What to do after a session: continue, review or complete, with the reasons."""
    key = responded.strip().lower()
    if key not in _RESPONDED:
        fail(f"--responded: expected yes, no or unknown, got {responded!r}")
    with bad_input_exits():
        advice = advise(
            sessions_done=done,
            planned_sessions=planned,
            responded=_RESPONDED[key],
            rules=load_course_rules(),
            extension_reason=extension_reason,
        )
    emit(fmt, advice.to_dict(), lambda: _render_advice(advice))


@course_app.command("aftercare")
def aftercare_command(
    language: str = typer.Option(
        "en", "--language", help=f"Language of the copy: {', '.join(LANGUAGES)}."
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """The patient's copy of the post-procedure instructions, built from the clinic's settings."""
    with bad_input_exits():
        settings = load_aftercare_settings()
        text = patient_instructions(settings, language)
    emit(
        fmt,
        {
            "language": language,
            "text": text,
            "settings": settings.settings.model_dump(mode="json"),
        },
        lambda: console().print(text, markup=False, highlight=False),
    )


@course_app.command("rules")
def rules_command(fmt: OutputFormat = FormatOption) -> None:
    """The course rules in force and the clinical bounds they must stay inside."""
    with bad_input_exits():
        rules = load_course_rules()
    b = rules.bounds
    emit(
        fmt,
        rules.model_dump(mode="json"),
        lambda: print_table(
            "Course rules",
            ["rule", "clinic", "clinical bounds"],
            [
                [
                    "sessions",
                    f"{rules.min_sessions}-{rules.max_sessions}",
                    f"{b.min_sessions}-{b.max_sessions}",
                ],
                [
                    "days between sessions",
                    f"{rules.min_gap_days}-{rules.max_gap_days}",
                    f"{b.min_gap_days}-{b.max_gap_days}",
                ],
                [
                    "review if no improvement after session",
                    rules.review_after_session,
                    "",
                ],
                ["sources", ", ".join(rules.source), ", ".join(b.source)],
            ],
        ),
    )


def register(app: typer.Typer) -> None:
    app.add_typer(course_app, name="course")
