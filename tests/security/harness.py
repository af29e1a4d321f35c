"""What the security and fuzz suites share: a clinic with one record of every kind, and a
bearer-token login for each role.

`build_site(database, clock)` commits (inside the test's rolled-back outer transaction) a clinic
with staff, rooms and recovery places, a screened patient with a course, a booked appointment, a
started session, a questionnaire response and a waitlist entry, and one user per role. Its
`ids` map every OpenAPI path parameter name to a real record's id, so a request reaches the
service (and its permission check) instead of stopping at 404.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from api.harness import TestClient
from factories import MutableClock, build_clinic, course_for, screened_patient, slot
from prolo.domain import protocol
from prolo.gateway.requests import SESSION_COOKIE
from prolo.services import accounts, booking, questionnaires, sessions, waitlist
from prolo.store.records import Role, TokenKind
from prolo.store.unit_of_work import Database

PASSWORD = "a long test password"
PATIENT_NAME = ("Zeynep", "Korkmazoglu")
PATIENT_BIRTH_DATE = date(1961, 11, 23)
PATIENT_EMAIL = "zeynep.korkmazoglu@example.org"


@cache
def password_hash() -> str:
    return accounts.hash_password(PASSWORD)


@dataclass
class Site:
    clinic_id: uuid.UUID
    ids: dict[str, str]
    tokens: dict[Role, str] = field(default_factory=dict)
    emails: dict[Role, str] = field(default_factory=dict)

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def add_login(
    database: Database,
    clinic_id: uuid.UUID,
    role: Role,
    *,
    patient_id: uuid.UUID | None = None,
    staff_member_id: uuid.UUID | None = None,
) -> tuple[str, str, uuid.UUID]:
    """A user in `role` with a year-long API token: (email, token, user id)."""
    token = secrets.token_urlsafe(32)
    email = f"{role.value}-{uuid.uuid4().hex[:8]}@example.org"
    with database.unit_of_work() as uow:
        user = uow.users.add(
            clinic_id,
            email=email,
            password_hash=password_hash(),
            role=role,
            patient_id=patient_id,
            staff_member_id=staff_member_id,
            created_at=uow.now(),
        )
        uow.users.add_token(
            user.id,
            kind=TokenKind.api,
            token_hash=accounts.token_hash(token),
            created_at=uow.now(),
            expires_at=uow.now() + timedelta(days=365),
            client_address=None,
        )
        uow.commit()
    return email, token, user.id


def build_site(database: Database, clock: MutableClock, timezone: str) -> Site:
    """The clinic (in `timezone`) and one record of every kind; see the module docstring."""
    from factories import OPENING_HOURS

    with database.unit_of_work() as uow:
        clinic = uow.clinics.add(
            name="Security clinic", timezone=timezone, opening_hours=OPENING_HOURS
        )
        setup = build_clinic(uow, clinic)
        patient = screened_patient(uow, setup, given_name=PATIENT_NAME[0])
        course = course_for(uow, setup, patient)
        start = clock.now().replace(hour=7, minute=0) + timedelta(days=1)
        other = course_for(uow, setup, screened_patient(uow, setup))
        first, second = (
            booking.book_sessions(
                uow,
                setup.reception,
                course_id=booked.id,
                sessions=[slot(setup, 1, start + timedelta(hours=hour), room=room)],
            )[0]
            for booked, hour, room in ((course, 0, 0), (other, 2, 1))
        )
        clock.at = second.starts_at - timedelta(minutes=2)
        opened = sessions.start_session(uow, setup.nurse, appointment_id=second.id)
        sessions.record_event(
            uow,
            setup.nurse,
            session_id=opened.record.id,
            event=protocol.GiveConsent(by="-"),
        )
        response = questionnaires.submit(
            uow,
            setup.nurse,
            patient_id=patient.id,
            instrument_id="nrs",
            answers=[5],
            timepoint="baseline",
            course_id=course.id,
        )
        entry = waitlist.add(
            uow, setup.reception, patient_id=patient.id, earliest_date=start.date()
        )
        screening_id = uow.screenings.for_patient(patient.id)[0].id
        uow.commit()
    ids = {
        "patient_id": str(patient.id),
        "course_id": str(course.id),
        "appointment_id": str(first.id),
        "session_id": str(opened.record.id),
        "screening_id": str(screening_id),
        "response_id": str(response.id),
        "entry_id": str(entry.id),
        "staff_id": str(setup.clinicians[0].id),
        "lot_number": "LOT-1",
        "name": "course_rules",
    }
    site = Site(clinic.id, ids)
    for role in Role:
        email, token, user_id = add_login(
            database,
            clinic.id,
            role,
            patient_id=patient.id if role is Role.patient else None,
            staff_member_id=setup.clinicians[0].id if role is Role.clinician else None,
        )
        site.tokens[role] = token
        site.emails[role] = email
        if role is Role.nurse:
            ids["user_id"] = str(user_id)
    return site


def sign_in_form(client: TestClient, site: Site, role: Role) -> str:
    """Sign `client` in through the login form as `role`'s user; returns the session's CSRF
    token (made with the key of the app `client` drives)."""
    response = client.post(
        "/login",
        data={"email": site.emails[role], "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]
    session = client.cookies.get(SESSION_COOKIE)
    assert session
    return accounts.csrf_token(client.app.state.api_config.secret_key, session)
