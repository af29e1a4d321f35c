"""`prolo calendar`: print an iCalendar feed (RFC 5545) on stdout.

    prolo calendar --patient ID        the patient's appointments, a reminder the day before each
    prolo calendar --clinician ID [--since YYYY-MM-DD]
                                       the clinician's sessions (from 180 days ago, or --since)
Reading a feed is audited like any read of appointments (actor: the operator).
"""

from __future__ import annotations

import sys
import uuid
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from prolo.cli.db import load_settings, operator_session
from prolo.cli.output import fail
from prolo.services import calendar


def calendar_command(
    patient: Annotated[
        uuid.UUID | None,
        typer.Option("--patient", help="A patient's id: their appointments."),
    ] = None,
    clinician: Annotated[
        uuid.UUID | None,
        typer.Option("--clinician", help="A staff member's id: their sessions."),
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            formats=["%Y-%m-%d"],
            help="With --clinician: sessions from this day (clinic time zone) on.",
        ),
    ] = None,
) -> None:
    """Print a patient's or a clinician's appointments as iCalendar."""
    if (patient is None) == (clinician is None):
        fail("give either --patient ID or --clinician ID")
    settings = load_settings()
    with operator_session(settings) as (uow, actor):
        if patient is not None:
            body = calendar.patient_feed(uow, actor, patient_id=patient)
        else:
            assert clinician is not None
            start = None
            if since is not None:
                clinic = uow.clinics.get(actor.clinic_id)
                zone = ZoneInfo(clinic.timezone if clinic else "UTC")
                start = since.replace(tzinfo=zone)
            body = calendar.clinician_feed(uow, actor, staff_id=clinician, since=start)
    sys.stdout.buffer.write(body)
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    app.command("calendar")(calendar_command)
