"""`prolo backup FILE` / `prolo restore FILE`: the whole database, to a file and back.

SQLite: a consistent online backup through SQLite's backup API (the app may keep running).
PostgreSQL: pg_dump --format=custom / pg_restore (postgresql-client must be installed).
Restoring replaces everything in the database named by PROLO_DATABASE_URL: stop the app first,
and run `prolo db upgrade` afterwards if the backup is from an older version (the command says).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from prolo.cli.db import load_settings, redacted
from prolo.cli.output import FormatOption, OutputFormat, emit, fail
from prolo.store.backup import BackupError, BackupReport, backup, restore


def _data(report: BackupReport, url: str) -> dict[str, object]:
    return {
        "database": redacted(url),
        "backend": report.backend,
        "file": str(report.path),
        "size_bytes": report.size_bytes,
        "revision": report.revision,
        "head": report.head,
        "needs_upgrade": report.needs_upgrade,
    }


def backup_command(
    file: Annotated[Path, typer.Argument(help="Where to write the backup.")],
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite FILE if it exists.")
    ] = False,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Back up the whole database to FILE."""
    settings = load_settings()
    try:
        report = backup(settings.database_url, file, overwrite=force)
    except BackupError as exc:
        fail(str(exc))
    data = _data(report, settings.database_url)
    emit(
        fmt,
        data,
        lambda: typer.echo(
            f"backed up {data['database']} to {file} ({report.size_bytes} bytes, revision {report.revision})"
        ),
    )


def restore_command(
    file: Annotated[Path, typer.Argument(help="A backup made by `prolo backup`.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask: replace the database's contents.")
    ] = False,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Replace the database's contents with the backup in FILE."""
    settings = load_settings()
    if not yes and not typer.confirm(
        f"Replace everything in {redacted(settings.database_url)} with {file}?",
        default=False,
    ):
        fail("restore cancelled")
    try:
        report = restore(settings.database_url, file)
    except BackupError as exc:
        fail(str(exc))
    data = _data(report, settings.database_url)
    note = " - run `prolo db upgrade` next" if report.needs_upgrade else ""
    emit(
        fmt,
        data,
        lambda: typer.echo(
            f"restored {data['database']} from {file} (revision {report.revision}){note}"
        ),
    )


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
