"""`prolo backup FILE` / `prolo restore FILE` on SQLite (backup API) and PostgreSQL (pg_dump)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from factories import save_clinic, save_patient
from prolo.cli import app
from prolo.store.unit_of_work import Database

runner = CliRunner()


def run(url: str, *args: str):
    return runner.invoke(app, list(args), env={"PROLO_DATABASE_URL": url})


def _names(url: str) -> list[str]:
    db = Database(url)
    try:
        with db.unit_of_work() as uow:
            clinic = uow.clinics.first()
            if clinic is None:
                return []
            return [
                p.name for p in uow.patients.page(clinic.id, limit=100, offset=0).items
            ]
    finally:
        db.dispose()


def _add_patient(url: str, given: str) -> None:
    db = Database(url)
    try:
        with db.unit_of_work() as uow:
            clinic = uow.clinics.first() or save_clinic(uow)
            save_patient(uow, clinic, given_name=given, family_name="Backup")
            uow.commit()
    finally:
        db.dispose()


@pytest.fixture
def needs_client_tools(scratch_url: str) -> None:
    if make_url(scratch_url).get_backend_name() == "postgresql" and not shutil.which(
        "pg_dump"
    ):
        message = "pg_dump/pg_restore are not installed"
        if os.environ.get("CI"):
            pytest.fail(
                f"{message} (CI=true: the PostgreSQL backup path must be tested)"
            )
        pytest.skip(message)


@pytest.mark.usefixtures("needs_client_tools")
class TestRoundTrip:
    def test_backup_then_restore_brings_the_data_back(
        self, scratch_url: str, tmp_path
    ) -> None:
        _add_patient(scratch_url, "Kept")
        target = tmp_path / "prolo.backup"
        made = run(scratch_url, "backup", str(target), "--format", "json")
        assert made.exit_code == 0, made.output
        report = json.loads(made.stdout)
        assert report["size_bytes"] == target.stat().st_size > 0
        assert report["needs_upgrade"] is False
        _add_patient(scratch_url, "Lost")
        assert sorted(_names(scratch_url)) == ["Kept Backup", "Lost Backup"]
        restored = run(scratch_url, "restore", str(target), "--yes")
        assert restored.exit_code == 0, restored.output
        assert _names(scratch_url) == ["Kept Backup"]

    def test_an_existing_file_is_not_overwritten_without_force(
        self, scratch_url: str, tmp_path
    ) -> None:
        target = tmp_path / "exists.backup"
        target.write_bytes(b"precious")
        result = run(scratch_url, "backup", str(target))
        assert result.exit_code == 2
        assert "exists" in result.stderr
        assert target.read_bytes() == b"precious"

    def test_a_file_that_is_not_a_backup_is_refused_and_nothing_changes(
        self, scratch_url: str, tmp_path
    ) -> None:
        _add_patient(scratch_url, "Safe")
        junk = tmp_path / "junk.backup"
        junk.write_bytes(b"this is not a database" * 100)
        result = run(scratch_url, "restore", str(junk), "--yes")
        assert result.exit_code == 2
        assert "Traceback" not in result.output
        assert _names(scratch_url) == ["Safe Backup"]

    def test_restore_asks_before_replacing(self, scratch_url: str, tmp_path) -> None:
        target = tmp_path / "b.backup"
        assert run(scratch_url, "backup", str(target)).exit_code == 0
        result = runner.invoke(
            app,
            ["restore", str(target)],
            env={"PROLO_DATABASE_URL": scratch_url},
            input="n\n",
        )
        assert result.exit_code == 2
        assert "cancelled" in result.stderr


@pytest.mark.only_db("sqlite")
def test_sqlite_backup_is_online_and_consistent(tmp_path, scratch_url: str) -> None:
    """A writer holding the write lock does not block the backup, and its uncommitted row is not
    in it."""
    _add_patient(scratch_url, "Committed")
    path = make_url(scratch_url).database
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE patients SET given_name = 'Uncommitted'")
    done = threading.Event()
    result: list[object] = []

    def take_backup() -> None:
        result.append(run(scratch_url, "backup", str(tmp_path / "online.backup")))
        done.set()

    thread = threading.Thread(target=take_backup)
    thread.start()
    assert done.wait(timeout=20), "the backup waited for the writer"
    writer.execute("ROLLBACK")
    writer.close()
    thread.join()
    assert result[0].exit_code == 0, result[0].output
    copy = tmp_path / "copy.db"
    shutil.copyfile(tmp_path / "online.backup", copy)
    assert _names(f"sqlite:///{copy}") == ["Committed Backup"]
