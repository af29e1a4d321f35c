"""`prolo db upgrade | status | check` against real databases."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from prolo.cli import app
from prolo.store.migrations import head_revision

runner = CliRunner()


def run(url: str, *args: str):
    return runner.invoke(app, list(args), env={"PROLO_DATABASE_URL": url})


class TestUpgrade:
    def test_upgrade_creates_the_schema_and_is_idempotent(self, tmp_path) -> None:
        url = f"sqlite:///{tmp_path / 'new.db'}"
        before = run(url, "db", "status", "--format", "json")
        assert before.exit_code == 1
        assert json.loads(before.stdout)["revision"] is None
        first = run(url, "db", "upgrade")
        assert first.exit_code == 0, first.output
        assert f"-> {head_revision()} (head)" in first.stdout
        again = run(url, "db", "upgrade")
        assert again.exit_code == 0
        status = json.loads(run(url, "db", "status", "--format", "json").stdout)
        assert (status["up_to_date"], status["backend"]) == (True, "sqlite")

    def test_unknown_revision_is_bad_input(self, tmp_path) -> None:
        result = run(
            f"sqlite:///{tmp_path / 'x.db'}", "db", "upgrade", "--revision", "nope"
        )
        assert result.exit_code == 2
        assert "migration failed" in result.stderr

    def test_unreachable_database_is_a_clear_error(self) -> None:
        result = run(
            "postgresql+psycopg://u:pw@127.0.0.1:1/x?connect_timeout=1", "db", "upgrade"
        )
        assert result.exit_code == 2
        assert "unreachable" in result.stderr
        assert "pw@" not in result.stderr
        assert "Traceback" not in result.output

    def test_malformed_url_is_bad_input(self) -> None:
        result = run("what-is-this", "db", "status")
        assert result.exit_code == 2
        assert "cannot use the database URL" in result.stderr


class TestStatusAndCheck:
    def test_a_migrated_database_reports_head_and_agrees_with_the_models(
        self, scratch_url: str
    ) -> None:
        status = run(scratch_url, "db", "status", "--format", "json")
        assert status.exit_code == 0, status.output
        data = json.loads(status.stdout)
        assert (data["revision"], data["head"], data["up_to_date"]) == (
            head_revision(),
            head_revision(),
            True,
        )
        check = run(scratch_url, "db", "check")
        assert check.exit_code == 0, check.output
        assert "agree" in check.stdout
