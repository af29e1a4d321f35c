"""`prolo screen INTAKE.json`: screen a patient's intake (eligible / needs_review / not_eligible).

    prolo screen intake.json --format json   -> {"decision": ..., "reasons": [{code, severity, message, source, sources}]}
    prolo screen --example                   -> a complete intake the shipped rules find eligible
    prolo screen - < intake.json             -> read the intake from standard input

Exit 0 whatever the decision (the decision is the answer, not an error); exit 2 when the intake is
malformed (bad JSON, a wrong type, an unknown field, an unknown condition), with a message naming
the field.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
import yaml

from prolo.cli.output import (
    FormatOption,
    OutputFormat,
    bad_input_exits,
    console,
    emit,
    fail,
    print_json,
    print_table,
)
from prolo.domain.catalog import load_catalog
from prolo.domain.screening import (
    Intake,
    ScreeningDecision,
    ScreeningRules,
    example_intake,
    load_screening_rules,
    parse_screening_rules,
    screen,
)


def _read_text(path: str, what: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{what} {path}: no such file")
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        fail(f"{what} {path}: cannot be read ({exc})")


def read_intake(path: str) -> Intake:
    """Parse an intake JSON file (or `-` for standard input); exit 2 naming the bad field."""
    text = _read_text(path, "intake")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        fail(
            f"intake {path} is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
        )
    with bad_input_exits():
        return Intake.model_validate_json(text)
    raise AssertionError("unreachable")  # pragma: no cover - bad_input_exits exits


def read_rules(path: str | None) -> ScreeningRules:
    """The shipped rule table, or a clinic's own YAML file with the same layout."""
    with bad_input_exits():
        if path is None:
            return load_screening_rules()
        text = _read_text(path, "rules")
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            fail(f"rules {path} is not valid YAML: {exc}")
        return parse_screening_rules(raw, where=path)
    raise AssertionError("unreachable")  # pragma: no cover - bad_input_exits exits


def _render(decision: ScreeningDecision) -> None:
    console().print(f"Decision: [bold]{decision.decision.value}[/bold]")
    print_table(
        None,
        ["severity", "code", "reason", "source"],
        [
            [r.severity.value, r.code, r.message, ", ".join(r.sources)]
            for r in decision.reasons
        ],
    )


def screen_command(
    intake: str | None = typer.Argument(
        None,
        metavar="INTAKE.json",
        help="The intake as JSON (`-` reads standard input). See `prolo screen --example`.",
        show_default=False,
    ),
    example: bool = typer.Option(
        False,
        "--example",
        help="Print a complete intake that screens eligible, and exit.",
    ),
    rules: str | None = typer.Option(
        None,
        "--rules",
        help="A clinic's own screening rule table (YAML, the layout of the shipped screening_rules.yaml).",
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Screen an intake: eligible, needs_review or not_eligible, with every reason and its source."""
    if example:
        if intake is not None:
            fail("give either INTAKE.json or --example, not both")
        print_json(example_intake().model_dump(mode="json"))
        return
    if intake is None:
        fail("give INTAKE.json (or - for standard input), or --example")
    parsed = read_intake(intake)
    table = read_rules(rules)
    with bad_input_exits():
        decision = screen(parsed, table, load_catalog())
    emit(fmt, decision.to_dict(), lambda: _render(decision))


def register(app: typer.Typer) -> None:
    app.command("screen")(screen_command)
