"""`prolo user add | list`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from factories import save_clinic, save_patient
from prolo.cli import app
from prolo.services import accounts
from prolo.store.unit_of_work import Database

runner = CliRunner()


def run(
    url: str, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
):
    return runner.invoke(
        app, list(args), env={"PROLO_DATABASE_URL": url, **(env or {})}, input=stdin
    )


class TestUserAdd:
    def test_adds_a_login_that_can_log_in(self, scratch_url: str) -> None:
        result = run(
            scratch_url,
            "user",
            "add",
            "--role",
            "clinician",
            "Doc@Example.org",
            "--password",
            "a good long password",
            "--format",
            "json",
        )
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert (data["email"], data["role"]) == ("doc@example.org", "clinician")
        db = Database(scratch_url)
        try:
            with db.unit_of_work() as uow:
                found = uow.users.credentials_by_email("doc@example.org")
                assert found is not None
                assert accounts.verify_password(
                    found.password_hash, "a good long password"
                )
        finally:
            db.dispose()

    def test_the_password_may_come_from_the_environment(self, scratch_url: str) -> None:
        result = run(
            scratch_url,
            "user",
            "add",
            "--role",
            "nurse",
            "n@example.org",
            env={"PROLO_USER_PASSWORD": "from the environment"},
        )
        assert result.exit_code == 0, result.output
        assert "created nurse login n@example.org" in result.stdout

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (
                ["--role", "wizard", "a@example.org", "--password", "long enough pw"],
                "wizard",
            ),
            (
                ["--role", "nurse", "not-an-email", "--password", "long enough pw"],
                "not an e-mail",
            ),
            (
                ["--role", "nurse", "a@example.org", "--password", "short"],
                "at least 10",
            ),
            (
                ["--role", "patient", "a@example.org", "--password", "long enough pw"],
                "patient's id",
            ),
            (
                [
                    "--role",
                    "patient",
                    "a@example.org",
                    "--password",
                    "long enough pw",
                    "--patient-id",
                    "x",
                ],
                "--patient-id",
            ),
            (["--role", "nurse", "a@example.org"], "no password"),
        ],
    )
    def test_bad_input_exits_2_with_a_message(
        self, scratch_url: str, args: list[str], message: str
    ) -> None:
        result = run(scratch_url, "user", "add", *args)
        assert result.exit_code == 2, result.output
        assert message in result.output
        assert "Traceback" not in result.output

    def test_a_duplicate_email_exits_2(self, scratch_url: str) -> None:
        args = [
            "user",
            "add",
            "--role",
            "nurse",
            "a@example.org",
            "--password",
            "long enough pw",
        ]
        assert run(scratch_url, *args).exit_code == 0
        again = run(scratch_url, *args)
        assert again.exit_code == 2
        assert "already exists" in again.stderr

    def test_a_patient_login_links_to_the_patient(self, scratch_url: str) -> None:
        db = Database(scratch_url)
        try:
            with db.unit_of_work() as uow:
                clinic = save_clinic(uow)
                patient = save_patient(uow, clinic)
                uow.commit()
        finally:
            db.dispose()
        result = run(
            scratch_url,
            "user",
            "add",
            "--role",
            "patient",
            "p@example.org",
            "--password",
            "long enough pw",
            "--patient-id",
            str(patient.id),
            "--format",
            "json",
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["patient_id"] == str(patient.id)

    def test_an_unmigrated_database_is_refused(self, tmp_path) -> None:
        result = run(
            f"sqlite:///{tmp_path / 'empty.db'}",
            "user",
            "add",
            "--role",
            "nurse",
            "a@example.org",
            "--password",
            "long enough pw",
        )
        assert result.exit_code == 2
        assert "prolo db upgrade" in result.stderr


def test_user_list_shows_the_logins(scratch_url: str) -> None:
    run(
        scratch_url,
        "user",
        "add",
        "--role",
        "reception",
        "r@example.org",
        "--password",
        "long enough pw",
    )
    result = run(scratch_url, "user", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [(u["email"], u["role"]) for u in json.loads(result.stdout)] == [
        ("r@example.org", "reception")
    ]
