"""`prolo demo [--no-serve] [--port N]`: the demo clinic, then the app serving it.

Migrates the database (PROLO_DATABASE_URL; unset: ./prolo.db), creates the demo clinic if it is
not there yet (2 clinicians, a nurse, a receptionist, 2 rooms, 3 recovery places, 20 patients at
every stage of care, each with a login), prints the login of each role, and serves
http://127.0.0.1:PORT/ unless --no-serve. Running it again changes nothing and prints the same
logins. `--format json` prints {"created", "url", "logins": [{"role", "email", "password", "name"}]}.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer

from prolo.cli.db import load_settings, redacted
from prolo.cli.output import FormatOption, OutputFormat, emit, fail, print_table
from prolo.cli.serve import serve_command
from prolo.domain.clock import Clock
from prolo.domain.errors import DomainError
from prolo.services import accounts, demo
from prolo.services.bootstrap import (
    Database,
    SchemaNotReadyError,
    migrate,
    open_database,
)
from prolo.services.errors import ServiceError


def demo_command(
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Create the demo clinic and stop.")
    ] = False,
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="TCP port.")
    ] = 8000,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on.")
    ] = "127.0.0.1",
    fmt: OutputFormat = FormatOption,
) -> None:
    """Create (once) the demo clinic, print its logins, and serve it."""
    settings = load_settings()
    if settings.environment == "production":
        fail(
            "the demo clinic has published passwords: it refuses PROLO_ENVIRONMENT=production"
        )
    try:
        migrate(settings.database_url)
    except Exception as exc:  # unreachable database, bad URL: the operator's to fix
        fail(
            f"cannot prepare the database {redacted(settings.database_url)}: {exc}".splitlines()[
                0
            ]
        )

    def database(clock: Clock) -> Database:
        return open_database(settings.database_url, clock=clock)

    started = time.monotonic()
    try:
        result = demo.seed(
            database,
            timezone=settings.timezone,
            password_policy=accounts.PasswordPolicy(
                min_length=settings.password_min_length,
                time_cost=settings.password_hash_time_cost,
                memory_kib=settings.password_hash_memory_kib,
            ),
        )
    except (ServiceError, DomainError, SchemaNotReadyError) as exc:
        fail(f"the demo clinic could not be created: {exc}")
    url = f"http://{host}:{port}/"
    data = {
        "created": result.created,
        "url": url,
        "database": redacted(settings.database_url),
        "logins": [
            {
                "role": lg.role.value,
                "email": lg.email,
                "password": lg.password,
                "name": lg.name,
            }
            for lg in result.logins
        ],
    }

    def table() -> None:
        what = "created" if result.created else "already there"
        typer.echo(
            f"Demo clinic {what} in {data['database']}"
            + (f" ({time.monotonic() - started:.1f} s)" if result.created else "")
        )
        staff = [lg for lg in result.logins if lg.role.value != "patient"]
        patients = [lg for lg in result.logins if lg.role.value == "patient"]
        print_table(
            "Logins (password for all: " + demo.DEMO_PASSWORD + ")",
            ["role", "e-mail", "name"],
            [(lg.role.value, lg.email, lg.name) for lg in [*staff, patients[0]]],
        )
        typer.echo(
            f"Patients: patient01@{demo.EMAIL_DOMAIN} ... patient{len(patients):02d}@{demo.EMAIL_DOMAIN}"
        )

    emit(fmt, data, table)
    if not no_serve:
        serve_command(host=host, port=port, workers=1)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
