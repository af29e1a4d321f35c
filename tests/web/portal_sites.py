"""Helpers of the portal, check-in and owner page tests: the demo clinic served with its clock
moved to the day of a chosen patient's next session, and in-process reads of its data.

The demo is seeded relative to the real date, so which questionnaires are due today depends on
the weekday the tests run. `shifted_site` removes that: the served app's clock (and so every
service's "today") is the real clock moved to 08:00 on the day of `patient`'s next session.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from prolo.services.bootstrap import open_database
from prolo.services.context import Actor
from prolo.services.values import Appointment, AppointmentStatus, Course, Role

from .conftest import AppFactory, DemoSite

BOOKED_PATIENT = (
    "patient12@demo.prolo"  # Burak Aslan, sciatica: session 1 booked in a few days
)
MIDWAY_PATIENT = (
    "patient05@demo.prolo"  # Zehra Koç, knee osteoarthritis: part-way through
)
SECRET = "test-secret-" + "x" * 32


class ShiftedClock:
    """The real clock moved by a fixed amount (time still passes)."""

    def __init__(self, delta: timedelta) -> None:
        self.delta = delta

    def now(self) -> datetime:
        return datetime.now(UTC) + self.delta


@dataclass(frozen=True)
class Shifted:
    site: DemoSite
    clock: ShiftedClock
    appointment: Appointment
    """The chosen patient's next session (the clock is on its day, 08:00 clinic time)."""


def _db(url: str, clock: Any = None):
    return open_database(url, clock=clock)


def patient_of(url: str, email: str) -> uuid.UUID:
    database = _db(url)
    try:
        with database.unit_of_work() as uow:
            found = uow.users.credentials_by_email(email)
            assert found is not None
            assert found.user.patient_id is not None
            return found.user.patient_id
    finally:
        database.dispose()


def data_of(url: str, email: str) -> tuple[list[Course], list[Appointment], list[Any]]:
    """A patient's courses, appointments and questionnaire responses (straight from the store)."""
    patient_id = patient_of(url, email)
    database = _db(url)
    try:
        with database.unit_of_work() as uow:
            courses = uow.courses.for_patient(patient_id)
            appointments = [
                a for c in courses for a in uow.appointments.for_course(c.id)
            ]
            responses = list(
                uow.answers.for_patient(patient_id, limit=500, offset=0).items
            )
            return courses, appointments, responses
    finally:
        database.dispose()


def next_session(url: str, email: str) -> Appointment:
    _, appointments, _ = data_of(url, email)
    now = datetime.now(UTC)
    upcoming = [
        a
        for a in appointments
        if a.status is AppointmentStatus.booked and a.starts_at > now
    ]
    return min(upcoming, key=lambda a: a.starts_at)


def shifted_site(
    demo_template: tuple[Path, dict[str, tuple[str, str]]],
    tmp_path: Path,
    live_server_factory: Callable[[AppFactory], str],
    email: str = BOOKED_PATIENT,
) -> Shifted:
    """A fresh copy of the demo clinic, served with the clock on `email`'s next session day."""
    from zoneinfo import ZoneInfo

    from prolo.main import create_app
    from prolo.settings import Settings

    template, logins = demo_template
    copy = tmp_path / "shifted.db"
    shutil.copyfile(template, copy)
    url = f"sqlite:///{copy}"
    appointment = next_session(url, email)
    settings = Settings(database_url=url, environment="test", secret_key=SECRET)
    zone = ZoneInfo(settings.timezone)
    day = appointment.starts_at.astimezone(zone).date()
    target = datetime.combine(day, time(8, 0), zone)
    clock = ShiftedClock(target - datetime.now(UTC))
    base = live_server_factory(lambda: create_app(settings, database=_db(url, clock)))
    return Shifted(
        DemoSite(url=base, database_url=url, logins=logins), clock, appointment
    )


def clinic_actor(url: str, role: Role) -> Actor:
    database = _db(url)
    try:
        with database.unit_of_work() as uow:
            clinic = uow.clinics.first()
            assert clinic is not None
            return Actor(user_id=None, role=role, clinic_id=clinic.id, via="test")
    finally:
        database.dispose()
