"""The `prolo` command line. Each module in this package registers its own commands.

A stable contract: scripts depend on the command names, options and `--format json` shapes.
Bad input prints `prolo: error: ...` on stderr and exits 2 (see `prolo.cli.output`).
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="prolo",
    help="Prolo: run a prolotherapy practice (screening, courses, scheduling, sessions, outcomes).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module defines `register(app: typer.Typer) -> None`.
COMMAND_MODULES = (
    "catalog",
    "screen",
    "course",
    "protocol",
    "instruments",
    "schedule",
    "db",
    "users",
    "patients",
    "demo",
    "serve",
    "backup",
    "report",
    "fhir",
    "calendar",
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"prolo.cli.{_name}").register(app)


def main() -> None:
    """Console-script entry point."""
    app()
