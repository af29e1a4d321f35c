"""`prolo patients`: the clinic's patients.

    prolo patients list [--query Q] [--format json]
        -> [{"id", "name", "given_name", "family_name", "birth_date", "sex", "identifiers"}]
Reading patients from the command line is audited like any other read (actor: the operator).
"""

from __future__ import annotations

from typing import Annotated

import typer

from prolo.cli.db import load_settings, operator_session
from prolo.cli.output import FormatOption, OutputFormat, emit, print_table
from prolo.services import patients

patients_app = typer.Typer(help="Patients: list and search.", no_args_is_help=True)


@patients_app.command("list")
def list_command(
    query: Annotated[
        str | None,
        typer.Option("--query", "-q", help="Name, e-mail or exact identifier."),
    ] = None,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Every patient (or those matching --query), ordered by family name."""
    settings = load_settings()
    rows: list[dict[str, object]] = []
    with operator_session(settings) as (uow, actor):
        offset = 0
        while True:
            page = patients.list_patients(
                uow, actor, query=query, limit=200, offset=offset
            )
            rows += [
                {
                    "id": str(p.id),
                    "name": p.name,
                    "given_name": p.given_name,
                    "family_name": p.family_name,
                    "birth_date": p.birth_date.isoformat() if p.birth_date else None,
                    "sex": p.sex.value,
                    "identifiers": [
                        {"system": i.system, "value": i.value} for i in p.identifiers
                    ],
                }
                for p in page.items
            ]
            offset += page.limit
            if offset >= page.total:
                break
    emit(
        fmt,
        rows,
        lambda: print_table(
            f"Patients ({len(rows)})",
            ["id", "name", "birth date", "sex"],
            [(r["id"], r["name"], r["birth_date"], r["sex"]) for r in rows],
        ),
    )


def register(app: typer.Typer) -> None:
    app.add_typer(patients_app, name="patients")
