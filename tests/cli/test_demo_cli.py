"""`prolo demo --no-serve`: the demo clinic, created once, with a login for every role."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from prolo.cli import app
from prolo.services import accounts, demo
from prolo.store.records import AppointmentStatus, CourseStatus, Role, TokenKind
from prolo.store.unit_of_work import Database

runner = CliRunner()
# cheap password hashing keeps the test fast; the demo uses the same settings path
FAST_HASH = {
    "PROLO_PASSWORD_HASH_TIME_COST": "1",
    "PROLO_PASSWORD_HASH_MEMORY_KIB": "8192",
}


def run(url: str, *args: str, env: dict[str, str] | None = None):
    return runner.invoke(
        app, list(args), env={"PROLO_DATABASE_URL": url, **FAST_HASH, **(env or {})}
    )


def test_the_demo_clinic_is_complete_and_idempotent(scratch_url: str) -> None:
    first = run(scratch_url, "demo", "--no-serve", "--format", "json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert data["created"] is True
    assert data["url"] == "http://127.0.0.1:8000/"
    roles = [lg["role"] for lg in data["logins"]]
    assert [r for r in roles if r != "patient"] == [
        "admin",
        "clinician",
        "clinician",
        "nurse",
        "reception",
    ]
    assert roles.count("patient") == 20

    db = Database(scratch_url)
    try:
        with db.unit_of_work() as uow:
            clinic = uow.clinics.find_by_name(demo.DEMO_CLINIC)
            assert clinic is not None
            assert len(uow.staff.members(clinic.id, role=Role.clinician)) == 2
            assert len(uow.staff.members(clinic.id, role=Role.nurse)) == 1
            assert len(uow.staff.members(clinic.id, role=Role.reception)) == 1
            assert (
                len(uow.clinics.rooms(clinic.id)),
                len(uow.clinics.recovery_places(clinic.id)),
            ) == (2, 3)
            patient_ids = uow.patients.ids(clinic.id)
            assert len(patient_ids) == 20
            assert all(uow.users.by_patient(pid) is not None for pid in patient_ids)
            stages = {c.status for c in uow.courses.in_clinic(clinic.id)}
            assert stages == {
                CourseStatus.planned,
                CourseStatus.active,
                CourseStatus.completed,
            }
            appointments = uow.appointments.page(clinic.id, limit=500, offset=0).items
            assert {a.status for a in appointments} >= {
                AppointmentStatus.booked,
                AppointmentStatus.done,
            }
            done = [a for a in appointments if a.status is AppointmentStatus.done]
            records = [uow.sessions.by_appointment(a.id) for a in done]
            assert all(
                r is not None and r.state == "discharged" and r.injections
                for r in records
            )
            assert (
                uow.answers.for_patient(patient_ids[0], limit=500, offset=0).total > 0
            )
            outcome = accounts.login(
                uow,
                email="nurse@demo.prolo",
                password=demo.DEMO_PASSWORD,
                client_address="127.0.0.1",
                kind=TokenKind.api,
                ttl_s=60,
                policy=accounts.LoginPolicy(),
            )
            assert outcome.issued is not None
            counts = (len(patient_ids), len(appointments))
    finally:
        db.dispose()

    again = run(scratch_url, "demo", "--no-serve")
    assert again.exit_code == 0, again.output
    assert "already there" in again.stdout
    for email in (
        "admin@demo.prolo",
        "clinician@demo.prolo",
        "nurse@demo.prolo",
        "reception@demo.prolo",
        "patient01@demo.prolo",
    ):
        assert email in again.stdout
    assert demo.DEMO_PASSWORD in again.stdout
    db = Database(scratch_url)
    try:
        with db.unit_of_work() as uow:
            clinic = uow.clinics.find_by_name(demo.DEMO_CLINIC)
            assert clinic is not None
            assert (
                len(uow.patients.ids(clinic.id)),
                uow.appointments.page(clinic.id, limit=500, offset=0).total,
            ) == counts
    finally:
        db.dispose()


def test_the_demo_refuses_production(scratch_url: str) -> None:
    result = run(
        scratch_url,
        "demo",
        "--no-serve",
        env={"PROLO_ENVIRONMENT": "production", "PROLO_SECRET_KEY": "x" * 40},
    )
    assert result.exit_code == 2
    assert "production" in result.stderr


def test_bad_options_exit_2(scratch_url: str) -> None:
    assert run(scratch_url, "demo", "--port", "0").exit_code == 2
