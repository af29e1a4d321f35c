"""Self check-in over HTTP: the link, identity, a red flag that stops the session until a
clinician clears it, the kiosk's role rules."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest

from prolo.services import checkin, sessions
from prolo.services.bootstrap import open_database
from prolo.services.errors import RuleViolationError
from prolo.services.values import AppointmentStatus, Role

from .conftest import http_sign_in
from .portal_sites import SECRET, clinic_actor, patient_of, shifted_site

BURAK = ("Aslan", "patient12@demo.prolo")


@pytest.fixture
def shifted(demo_template, tmp_path, live_server_factory):
    return shifted_site(demo_template, tmp_path, live_server_factory)


def birth_date_of(url: str, email: str) -> date:
    patient_id = patient_of(url, email)
    database = open_database(url)
    try:
        with database.unit_of_work() as uow:
            clinic = uow.clinics.first()
            assert clinic is not None
            patient = uow.patients.get(clinic.id, patient_id)
            assert patient is not None
            assert patient.birth_date is not None
            return patient.birth_date
    finally:
        database.dispose()


def token_for(shifted) -> str:
    return checkin.link_token(
        SECRET, shifted.appointment.clinic_id, shifted.appointment.id
    )


def fill(page_text: str, *, fever: bool) -> dict[str, str]:
    """Answers for the check-in form on the page: every question no (fever as given), every
    questionnaire item its lowest option."""
    data = {"proof": re.search(r'name="proof" value="([^"]+)"', page_text).group(1)}
    for field in re.findall(r'name="q\.([a-z_]+)" value="yes"', page_text):
        data[f"q.{field}"] = "yes" if field == "systemic_infection" and fever else "no"
    for name in set(re.findall(r'name="([a-z0-9]+\.[0-9]+)"', page_text)):
        data[name] = "0" if name.startswith("nrs.") else ""
    selects = re.findall(
        r'<select[^>]*name="([a-z0-9]+\.[0-9]+)"[^>]*>.*?<option value="([0-9]+)"',
        page_text,
        flags=re.S,
    )
    for name, first in selects:
        data[name] = first
    return data


def test_a_forged_or_unknown_link_is_not_found(shifted):
    with httpx.Client(base_url=shifted.site.url, timeout=30) as client:
        token = token_for(shifted)
        assert client.get(f"/check-in/{token}").status_code == 200
        forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        assert client.get(f"/check-in/{forged}").status_code == 404
        assert client.get("/check-in/nonsense").status_code == 404


def test_a_new_fever_stops_the_session_until_a_clinician_clears_it(shifted):
    url = shifted.site.database_url
    token = token_for(shifted)
    with httpx.Client(base_url=shifted.site.url, timeout=30) as client:
        start = client.get(f"/check-in/{token}")
        assert "Family name" in start.text
        wrong = client.post(
            f"/check-in/{token}/identity",
            data={"family_name": BURAK[0], "birth_date": "1900-01-01"},
        )
        assert wrong.status_code == 422
        assert "does not match" in wrong.text
        form = client.post(
            f"/check-in/{token}/identity",
            data={
                "family_name": BURAK[0].upper(),
                "birth_date": birth_date_of(url, BURAK[1]).isoformat(),
            },
        )
        assert form.status_code == 200
        assert "Do you have a fever" in form.text
        done = client.post(f"/check-in/{token}", data=fill(form.text, fever=True))
        assert done.status_code == 200, done.text
        assert "a doctor will speak with you" in done.text
    database = open_database(url, clock=shifted.clock)
    try:
        nurse = clinic_actor(url, Role.nurse)
        clinician = clinic_actor(url, Role.clinician)
        with database.unit_of_work() as uow:
            appointment = uow.appointments.get(nurse.clinic_id, shifted.appointment.id)
            assert appointment is not None
            assert appointment.status is AppointmentStatus.checked_in  # on the board
            flags = checkin.red_flags(uow, nurse, shifted.appointment.id)
            assert [f.code for f in flags] == ["systemic_infection"]
            with pytest.raises(RuleViolationError, match="red flag"):
                sessions.start_session(
                    uow, nurse, appointment_id=shifted.appointment.id
                )
            checkin.clear_red_flags(
                uow,
                clinician,
                appointment_id=shifted.appointment.id,
                reason="examined: no fever now, no infection",
            )
            uow.commit()
        with database.unit_of_work() as uow:
            assert checkin.red_flags(uow, nurse, shifted.appointment.id) == ()
            opened = sessions.start_session(
                uow, nurse, appointment_id=shifted.appointment.id
            )
            assert opened.record.appointment_id == shifted.appointment.id
    finally:
        database.dispose()


def test_the_check_in_page_speaks_turkish(shifted):
    with httpx.Client(base_url=shifted.site.url, timeout=30) as client:
        page = client.get(
            f"/check-in/{token_for(shifted)}", headers={"Accept-Language": "tr"}
        )
        assert page.headers["content-language"] == "tr"
        assert "Soyadı" in page.text  # noqa: RUF001
        assert "Doğum tarihi" in page.text


def test_the_kiosk_finds_todays_patient_for_reception(shifted):
    url = shifted.site.database_url
    with httpx.Client(base_url=shifted.site.url, timeout=30) as client:
        csrf = http_sign_in(client, shifted.site, "reception")
        assert client.get("/kiosk").status_code == 200
        unknown = client.post(
            "/kiosk",
            data={
                "csrf_token": csrf,
                "family_name": "Nobody",
                "birth_date": "1990-01-01",
            },
        )
        assert unknown.status_code == 404
        assert "could not find an appointment" in unknown.text
        found = client.post(
            "/kiosk",
            data={
                "csrf_token": csrf,
                "family_name": BURAK[0],
                "birth_date": birth_date_of(url, BURAK[1]).isoformat(),
            },
        )
        assert found.status_code == 200
        assert "Hello, Burak" in found.text
        action = re.search(r'action="(/kiosk/check-in/[^"]+)"', found.text).group(1)
        done = client.post(
            action, data={"csrf_token": csrf, **fill(found.text, fever=False)}
        )
        assert done.status_code == 200
        assert "Next patient" in done.text
        assert "a doctor will speak with you" not in done.text


@pytest.mark.parametrize(("who", "status"), [("patient", 403), ("admin", 403)])
def test_the_kiosk_needs_a_desk_login(demo_site, who, status):
    with httpx.Client(base_url=demo_site.url, timeout=30) as client:
        http_sign_in(client, demo_site, who)
        assert client.get("/kiosk").status_code == status
