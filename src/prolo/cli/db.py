"""`prolo db`: migrate the database and report its state.

    prolo db upgrade [--revision REV]     apply the migrations (creates the SQLite file if needed)
    prolo db status [--format json]       {"url", "backend", "reachable", "revision", "head", "up_to_date"}
    prolo db check                        exit 1 if the models and the migrations disagree

Every command uses PROLO_DATABASE_URL (unset: sqlite:///./prolo.db). The helpers below open
the database for the other operator commands (user, patients, demo, backup) and refuse, with
a message and exit 2, when it is unreachable or not migrated.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from prolo.cli.output import (
    EXIT_PROBLEMS,
    FormatOption,
    OutputFormat,
    emit,
    fail,
    print_table,
)
from prolo.domain.errors import DomainError
from prolo.services.bootstrap import (
    Database,
    SchemaNotReadyError,
    UnitOfWork,
    check_migrations,
    commit,
    migrate,
    open_database,
    require_schema,
)
from prolo.services.clinic import ensure_clinic
from prolo.services.context import Actor, Role
from prolo.services.errors import ServiceError
from prolo.settings import Settings, get_settings

db_app = typer.Typer(
    help="Database: migrate (upgrade), status, check.", no_args_is_help=True
)


def load_settings() -> Settings:
    """The settings from the environment, or exit 2 naming the bad variable."""
    try:
        return get_settings()
    except ValueError as exc:
        fail(
            f"bad configuration: {exc}".splitlines()[0] + " (see docs/configuration.md)"
        )


def redacted(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    head, at, tail = rest.partition("@")
    if at and ":" in head:
        rest = f"{head.split(':', 1)[0]}:***@{tail}"
    return f"{scheme}{sep}{rest}"


@contextmanager
def open_checked(settings: Settings) -> Iterator[Database]:
    """The migrated database of the settings, or exit 2 with the reason."""
    try:
        database = open_database(settings.database_url)
    except SchemaNotReadyError as exc:
        fail(str(exc))
    try:
        try:
            require_schema(database)
        except SchemaNotReadyError as exc:
            fail(f"{exc} (database {redacted(settings.database_url)})")
        yield database
    finally:
        database.dispose()


@contextmanager
def operator_session(
    settings: Settings, *, via: str = "cli", role: Role | None = None
) -> Iterator[tuple[UnitOfWork, Actor]]:
    """One unit of work as the operator (an admin without an account) of the installation's
    clinic (created with defaults if none exists); committed when the block ends. Service and
    domain errors exit 2 with their message. `role` makes the operator act in that role (e.g. a
    clinical report reads as a clinician); the audit log records it with `via`."""
    with open_checked(settings) as database, database.unit_of_work() as uow:
        try:
            clinic = ensure_clinic(uow, timezone=settings.timezone)
            actor = (
                Actor.operator(clinic.id, via=via)
                if role is None
                else Actor.system(clinic.id, role, via=via)
            )
            yield uow, actor
            commit(uow)
        except (ServiceError, DomainError) as exc:
            fail(str(exc))


@db_app.command("upgrade")
def upgrade_command(
    revision: Annotated[
        str, typer.Option("--revision", help="Target revision.")
    ] = "head",
) -> None:
    """Apply the migrations up to REVISION (default: the newest)."""
    settings = load_settings()
    try:
        database = open_database(settings.database_url)
    except SchemaNotReadyError as exc:
        fail(str(exc))
    try:
        before = database.status()
        if not before.reachable:
            fail(f"{before.describe()} (database {redacted(settings.database_url)})")
        try:
            migrate(settings.database_url, revision)
        except (
            Exception
        ) as exc:  # Alembic's errors (unknown revision...) are the operator's input
            fail(f"migration failed: {exc}".splitlines()[0])
        after = database.status()
    finally:
        database.dispose()
    typer.echo(
        f"database {redacted(settings.database_url)}: revision {before.current or '(none)'}"
        f" -> {after.current}" + (" (head)" if after.up_to_date else "")
    )


@db_app.command("status")
def status_command(fmt: OutputFormat = FormatOption) -> None:
    """Where the database stands; exit 1 when it is unreachable or not at the head revision."""
    settings = load_settings()
    try:
        database = open_database(settings.database_url)
    except SchemaNotReadyError as exc:
        fail(str(exc))
    try:
        status = database.status()
        backend = database.engine.dialect.name
    finally:
        database.dispose()
    data = {
        "url": redacted(settings.database_url),
        "backend": backend,
        "reachable": status.reachable,
        "revision": status.current,
        "head": status.head,
        "up_to_date": status.up_to_date,
        "detail": status.describe(),
    }
    emit(
        fmt,
        data,
        lambda: print_table(None, ["setting", "value"], list(data.items())),
    )
    if not status.up_to_date:
        raise typer.Exit(EXIT_PROBLEMS)


@db_app.command("check")
def check_command() -> None:
    """Compare the models with the migrations (alembic check); exit 1 on any difference."""
    settings = load_settings()
    with open_checked(settings):
        pass
    try:
        check_migrations(settings.database_url)
    except Exception as exc:  # AutogenerateDiffsDetected and friends
        typer.echo(f"prolo: models and migrations differ: {exc}", err=True)
        raise typer.Exit(EXIT_PROBLEMS) from None
    typer.echo("models and migrations agree")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
