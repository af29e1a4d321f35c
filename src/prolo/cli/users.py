"""`prolo user`: create and list logins.

prolo user add --role ROLE EMAIL [--password P] [--patient-id ID]
    the password comes from --password, else PROLO_USER_PASSWORD, else a hidden prompt
    (twice); prints the new user (JSON with --format json: {"id", "email", "role"})
prolo user list [--role ROLE] [--format json]   -> [{"id", "email", "role", "active"}]
"""

from __future__ import annotations

import sys
import uuid
from typing import Annotated

import typer

from prolo.cli.db import load_settings, operator_session
from prolo.cli.output import FormatOption, OutputFormat, emit, fail, print_table
from prolo.services import accounts
from prolo.services.values import Role, User

user_app = typer.Typer(help="User accounts: add, list.", no_args_is_help=True)


def _policy(
    settings_min: int, time_cost: int, memory_kib: int
) -> accounts.PasswordPolicy:
    return accounts.PasswordPolicy(
        min_length=settings_min, time_cost=time_cost, memory_kib=memory_kib
    )


def _row(user: User) -> dict[str, object]:
    return {
        "id": str(user.id),
        "email": user.email,
        "role": user.role.value,
        "active": user.active,
        "patient_id": str(user.patient_id) if user.patient_id else None,
    }


@user_app.command("add")
def add_command(
    email: Annotated[str, typer.Argument(help="The login e-mail.")],
    role: Annotated[
        Role,
        typer.Option("--role", help="admin, clinician, nurse, reception or patient."),
    ],
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            envvar="PROLO_USER_PASSWORD",
            help="The password (else PROLO_USER_PASSWORD, else a prompt).",
            show_envvar=True,
        ),
    ] = None,
    patient_id: Annotated[
        str | None,
        typer.Option("--patient-id", help="For a patient login: the patient's id."),
    ] = None,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Create a login with ROLE for EMAIL."""
    settings = load_settings()
    linked: uuid.UUID | None = None
    if patient_id is not None:
        try:
            linked = uuid.UUID(patient_id)
        except ValueError:
            fail(f"--patient-id: not a patient id: {patient_id!r}")
    if password is None:
        if not sys.stdin.isatty():
            fail(
                "no password: pass --password, set PROLO_USER_PASSWORD, or run in a terminal"
            )
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    policy = _policy(
        settings.password_min_length,
        settings.password_hash_time_cost,
        settings.password_hash_memory_kib,
    )
    with operator_session(settings) as (uow, actor):
        user = accounts.create_user(
            uow,
            actor,
            email=email,
            password=password,
            role=role,
            patient_id=linked,
            password_policy=policy,
        )
    emit(
        fmt,
        _row(user),
        lambda: typer.echo(f"created {user.role.value} login {user.email} ({user.id})"),
    )


@user_app.command("list")
def list_command(
    role: Annotated[Role | None, typer.Option("--role", help="Only this role.")] = None,
    fmt: OutputFormat = FormatOption,
) -> None:
    """The clinic's logins."""
    settings = load_settings()
    rows: list[dict[str, object]] = []
    with operator_session(settings) as (uow, actor):
        offset = 0
        while True:
            page = accounts.list_users(uow, actor, role=role, limit=200, offset=offset)
            rows += [_row(u) for u in page.items]
            offset += page.limit
            if offset >= page.total:
                break
    emit(
        fmt,
        rows,
        lambda: print_table(
            "Users",
            ["id", "email", "role", "active"],
            [(r["id"], r["email"], r["role"], r["active"]) for r in rows],
        ),
    )


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
