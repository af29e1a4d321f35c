"""Backups of the whole database, and restoring them.

SQLite: a consistent online copy with SQLite's backup API (readers and writers may keep working;
the copy is one snapshot), written to a temporary file and renamed into place, then checked with
`PRAGMA integrity_check`. Restoring checks the file the same way (and that it is a Prolo database
whose revision this version knows), then copies it over the live database with the same API,
under SQLite's lock.

PostgreSQL: the documented `pg_dump --format=custom` / `pg_restore --clean --if-exists
--single-transaction` pair (PostgreSQL documentation, chapter "Backup and Restore", SQL dump).
The client programs must be installed (Debian: postgresql-client) and should match the server's
major version.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from prolo.store.errors import StoreError
from prolo.store.migrations import alembic_config, head_revision


class BackupError(StoreError):
    """A backup or restore could not be made; the message says why."""


@dataclass(frozen=True, slots=True)
class BackupReport:
    backend: str
    path: Path
    size_bytes: int
    revision: str | None
    head: str

    @property
    def needs_upgrade(self) -> bool:
        return self.revision != self.head


def backend_of(url: str) -> str:
    return make_url(url).get_backend_name()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("the SQLite URL names no database file")
    return Path(database)


def _libpq_url(url: str) -> str:
    return (
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


def _known_revision(revision: str | None) -> bool:
    if revision is None:
        return False
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        return scripts.get_revision(revision) is not None
    except Exception:  # alembic raises several error types for unknown ids
        return False


def _sqlite_check(path: Path) -> str | None:
    """Integrity-check an SQLite file and return its Prolo revision."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(
            f"{path} cannot be opened as an SQLite database: {exc}"
        ) from exc
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()
        if result is None or result[0] != "ok":
            raise BackupError(f"{path} failed SQLite's integrity check: {result}")
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            return None
        return str(row[0]) if row else None
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite database: {exc}") from exc
    finally:
        conn.close()


def backup(url: str, target: Path, *, overwrite: bool = False) -> BackupReport:
    """Write a full backup of the database at `url` to `target`."""
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists; choose another file or pass --force")
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")
    backend = backend_of(url)
    partial = target.with_name(f".{target.name}.partial")
    if backend == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupError(f"no database file at {source_path}")
        partial.unlink(missing_ok=True)
        source = sqlite3.connect(source_path, timeout=30)
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest)
        except sqlite3.Error as exc:
            raise BackupError(f"SQLite backup failed: {exc}") from exc
        finally:
            dest.close()
            source.close()
        revision = _sqlite_check(partial)
    elif backend == "postgresql":
        _run(
            "pg_dump",
            [
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(partial),
                "--dbname",
                _libpq_url(url),
            ],
        )
        revision = _pg_dump_revision(partial)
    else:
        raise BackupError(f"no backup method for {backend}")
    os.replace(partial, target)
    return BackupReport(
        backend, target, target.stat().st_size, revision, head_revision()
    )


def restore(url: str, source: Path) -> BackupReport:
    """Replace the database at `url` with the backup in `source` (everything in it is lost)."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    backend = backend_of(url)
    if backend == "sqlite":
        revision = _sqlite_check(source)
        if not _known_revision(revision):
            raise BackupError(
                f"{source} is not a Prolo backup this version can restore (revision {revision})"
            )
        target_path = _sqlite_path(url)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dest = sqlite3.connect(target_path, timeout=30)
        try:
            src.backup(dest)
        except sqlite3.Error as exc:
            raise BackupError(f"SQLite restore failed: {exc}") from exc
        finally:
            dest.close()
            src.close()
    elif backend == "postgresql":
        revision = _pg_dump_revision(source)
        if not _known_revision(revision):
            raise BackupError(
                f"{source} is not a Prolo backup this version can restore (revision {revision})"
            )
        _run(
            "pg_restore",
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                _libpq_url(url),
                str(source),
            ],
        )
    else:
        raise BackupError(f"no restore method for {backend}")
    return BackupReport(
        backend, source, source.stat().st_size, revision, head_revision()
    )


def _run(program: str, args: list[str]) -> str:
    binary = shutil.which(program)
    if binary is None:
        raise BackupError(
            f"{program} is not installed (Debian: apt-get install postgresql-client)"
        )
    result = subprocess.run(
        [binary, *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(
            f"{program} failed: {message[0] if message else result.returncode}"
        )
    return result.stdout


def _pg_dump_revision(path: Path) -> str | None:
    """The alembic revision stored in a pg_dump archive (its alembic_version table's data)."""
    listing = _run("pg_restore", ["--list", str(path)])
    if "TABLE DATA public alembic_version" not in listing:
        raise BackupError(f"{path} is not a Prolo backup (no alembic_version table)")
    data = _run(
        "pg_restore", ["--data-only", "--table=alembic_version", "--file=-", str(path)]
    )
    lines = data.splitlines()
    for i, line in enumerate(lines):
        if (
            line.startswith("COPY ")
            and "alembic_version" in line
            and i + 1 < len(lines)
        ):
            value = lines[i + 1].strip()
            return None if value == "\\." else value
    return None
