"""The session runner over HTTP, on the demo clinic with a clock the test moves.

`clock_site` serves the full app on a copy of the demo clinic whose services read a SettableClock
(prolo.services.demo): the test puts the clock just before a booked demo patient's first session
and moves it through the session, so the 10-minute rest rule is tested without waiting.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from prolo.main import create_app
from prolo.services import booking, checkin, patients, sessions
from prolo.services.bootstrap import Database, commit, open_database
from prolo.services.context import Actor
from prolo.services.demo import DEMO_CLINIC, SettableClock
from prolo.services.values import AppointmentStatus, Role
from prolo.settings import Settings
from servers import HTTP_TIMEOUT

from .conftest import AppFactory, DemoSite, http_sign_in


@dataclass(frozen=True)
class ClockSite(DemoSite):
    """The demo site with the services' clock in the test's hand."""

    clock: SettableClock
    database: Database
    clinic_id: uuid.UUID
    appointment_id: uuid.UUID
    patient_id: uuid.UUID
    starts_at: datetime

    def advance(self, minutes: float) -> None:
        self.clock.at = self.clock.at + timedelta(minutes=minutes)

    def session(self) -> sessions.SessionDetail:
        """The session as the services store it (read as a clinician)."""
        actor = Actor.system(self.clinic_id, Role.clinician, via="test")
        with self.database.unit_of_work() as uow:
            return sessions.session_for_appointment(
                uow, actor, appointment_id=self.appointment_id
            )


@pytest.fixture
def clock_site(
    demo_template: tuple[Path, dict[str, tuple[str, str]]],
    tmp_path: Path,
    live_server_factory: Callable[[AppFactory], str],
) -> Iterator[ClockSite]:
    """The demo clinic with the clock set 5 minutes before a booked first session."""
    template, logins = demo_template
    copy = tmp_path / "demo.db"
    shutil.copyfile(template, copy)
    url = f"sqlite:///{copy}"
    clock = SettableClock(datetime.now(UTC))
    database = open_database(url, clock=clock)
    with database.unit_of_work() as uow:
        clinic = uow.clinics.find_by_name(DEMO_CLINIC)
        assert clinic is not None
        reception = Actor.system(clinic.id, Role.reception, via="test")
        upcoming = booking.list_appointments(
            uow,
            reception,
            starts_from=clock.now(),
            statuses=[AppointmentStatus.booked],
            limit=200,
        ).items
    first = min(
        (a for a in upcoming if a.session_number == 1), key=lambda a: a.starts_at
    )
    clock.at = first.starts_at - timedelta(minutes=5)
    settings = Settings(
        database_url=url, environment="test", secret_key="test-secret-" + "x" * 32
    )
    base = live_server_factory(lambda: create_app(settings, database=database))
    yield ClockSite(
        url=base,
        database_url=url,
        logins=logins,
        clock=clock,
        database=database,
        clinic_id=clinic.id,
        appointment_id=first.id,
        patient_id=first.patient_id,
        starts_at=first.starts_at,
    )
    database.dispose()


@pytest.fixture
def client(clock_site: ClockSite) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=clock_site.url, follow_redirects=False, timeout=HTTP_TIMEOUT
    ) as c:
        yield c


VERSION = re.compile(r'name="version" value="(\d+)"')


def runner_url(site: ClockSite) -> str:
    return f"/runner/{site.appointment_id}"


def post_step(
    client: httpx.Client, site: ClockSite, csrf: str, kind: str, /, **fields: str
) -> httpx.Response:
    """Post one runner step with the version the page shows now."""
    page = client.get(runner_url(site))
    assert page.status_code == 200, page.text
    version = VERSION.search(page.text)
    assert version is not None, "the page offers no step form"
    data = {"csrf_token": csrf, "version": version.group(1), "kind": kind, **fields}
    return client.post(f"{runner_url(site)}/event", data=data)


def run_to_rest(client: httpx.Client, site: ClockSite, csrf: str) -> None:
    """Start the session and go through every step up to the heat-pack rest."""
    started = client.post(f"{runner_url(site)}/start", data={"csrf_token": csrf})
    assert started.status_code == 303, started.text
    steps: list[tuple[str, dict[str, str]]] = [
        ("consent", {}),
        ("preparation", {}),
        ("local_anaesthesia", {"agent": "lidocaine", "concentration": "1"}),
        ("injection", {}),
        ("rest", {"heat_packs": "on"}),
    ]
    for kind, fields in steps:
        site.advance(2)
        if kind == "injection":
            fields = injection_fields(client, site)
        response = post_step(client, site, csrf, kind, **fields)
        assert response.status_code == 303, (kind, response.text)


def injection_fields(client: httpx.Client, site: ClockSite) -> dict[str, str]:
    """The injection form's site and laterality as the page offers them."""
    page = client.get(runner_url(site)).text
    site_id = re.search(
        r'<select [^>]*id="inj-site"[^>]*>\s*<option value="([a-z_]+)"', page
    )
    assert site_id is not None
    sides = page.split('id="inj-laterality"')[1].split("</select>")[0]
    chosen = re.search(r'<option value="([a-z]+)" selected>', sides)
    return {
        "site": site_id.group(1),
        # the template preselects "none" for a site without sides
        "laterality": chosen.group(1) if chosen else "right",
        "solution": "dextrose",
        "concentration": "25",
        "volume": "5",
        "lot_number": "LOT-TEST-1",
        "guidance": "landmark",
    }


class TestRestRule:
    def test_discharge_before_ten_minutes_is_refused_with_the_reason(
        self, clock_site, client
    ):
        csrf = http_sign_in(client, clock_site, "clinician")
        run_to_rest(client, clock_site, csrf)
        clock_site.advance(4)
        refused = post_step(client, clock_site, csrf, "discharge")
        assert refused.status_code == 422
        assert "Not yet: the patient has rested 4 minutes; the minimum is 10." in (
            refused.text
        )
        assert clock_site.session().protocol.step.value == "rest"
        clock_site.advance(6)
        done = post_step(client, clock_site, csrf, "discharge")
        assert done.status_code == 303
        assert clock_site.session().protocol.step.value == "discharged"

    def test_a_nurse_cannot_override_the_rest_minimum(self, clock_site, client):
        csrf = http_sign_in(client, clock_site, "nurse")
        run_to_rest(client, clock_site, csrf)
        page = client.get(runner_url(clock_site)).text
        assert 'name="override_reason"' not in page  # no override form for a nurse
        assert "Only a clinician can discharge before 10 minutes of rest." in page
        clock_site.advance(3)
        refused = post_step(
            client, clock_site, csrf, "discharge", override_reason="patient in a hurry"
        )
        assert refused.status_code == 403
        assert "Your role cannot do this." in refused.text
        detail = clock_site.session()
        assert detail.protocol.step.value == "rest"
        assert detail.record.discharge_override_reason is None

    def test_a_clinician_overrides_with_a_reason_and_it_is_recorded(
        self, clock_site, client
    ):
        csrf = http_sign_in(client, clock_site, "clinician")
        run_to_rest(client, clock_site, csrf)
        clock_site.advance(3)
        done = post_step(
            client,
            clock_site,
            csrf,
            "discharge",
            override_reason="driver waiting; patient well",
        )
        assert done.status_code == 303
        detail = clock_site.session()
        assert detail.protocol.step.value == "discharged"
        assert detail.record.discharge_override_reason == "driver waiting; patient well"
        override = detail.protocol.discharge_override
        assert override is not None
        assert override.by == "clinician@demo.prolo"
        assert override.rest_minutes == pytest.approx(3)
        chart = client.get(f"/clinician/patients/{clock_site.patient_id}").text
        assert "driver waiting; patient well" in chart


class TestRunnerWrites:
    def test_steps_out_of_order_are_refused(self, clock_site, client):
        csrf = http_sign_in(client, clock_site, "nurse")
        client.post(f"{runner_url(clock_site)}/start", data={"csrf_token": csrf})
        refused = post_step(client, clock_site, csrf, "rest")
        assert refused.status_code == 422
        assert "The protocol does not allow this step now." in refused.text
        assert clock_site.session().protocol.step.value == "check_in"

    def test_a_double_tap_records_an_injection_once(self, clock_site, client):
        csrf = http_sign_in(client, clock_site, "clinician")
        client.post(f"{runner_url(clock_site)}/start", data={"csrf_token": csrf})
        for kind, fields in (
            ("consent", {}),
            ("preparation", {}),
            ("local_anaesthesia", {"agent": "lidocaine"}),
        ):
            assert (
                post_step(client, clock_site, csrf, kind, **fields).status_code == 303
            )
        version = VERSION.search(client.get(runner_url(clock_site)).text)
        assert version is not None
        data = {
            "csrf_token": csrf,
            "version": version.group(1),
            "kind": "injection",
            **injection_fields(client, clock_site),
        }
        first = client.post(f"{runner_url(clock_site)}/event", data=data)
        second = client.post(f"{runner_url(clock_site)}/event", data=data)
        assert first.status_code == 303
        assert second.status_code == 409
        assert "The session changed meanwhile" in second.text
        assert len(clock_site.session().record.injections) == 1
        # a second injection is fine when it is meant: the page's new version
        again = post_step(
            client,
            clock_site,
            csrf,
            "injection",
            **injection_fields(client, clock_site),
        )
        assert again.status_code == 303
        assert len(clock_site.session().record.injections) == 2

    def test_an_injection_without_a_lot_number_is_refused(self, clock_site, client):
        csrf = http_sign_in(client, clock_site, "clinician")
        client.post(f"{runner_url(clock_site)}/start", data={"csrf_token": csrf})
        for kind, fields in (
            ("consent", {}),
            ("preparation", {}),
            ("local_anaesthesia", {"agent": "lidocaine"}),
        ):
            assert (
                post_step(client, clock_site, csrf, kind, **fields).status_code == 303
            )
        fields = injection_fields(client, clock_site) | {"lot_number": "  "}
        refused = post_step(client, clock_site, csrf, "injection", **fields)
        assert refused.status_code == 422
        assert "lot number is required" in refused.text
        assert clock_site.session().record.injections == ()

    def test_an_adverse_event_is_recorded_with_its_outcome(self, clock_site, client):
        csrf = http_sign_in(client, clock_site, "nurse")
        client.post(f"{runner_url(clock_site)}/start", data={"csrf_token": csrf})
        clock_site.advance(1)
        version = VERSION.search(client.get(runner_url(clock_site)).text)
        assert version is not None
        response = client.post(
            f"{runner_url(clock_site)}/adverse-event",
            data={
                "csrf_token": csrf,
                "version": version.group(1),
                "kind": "vasovagal_reaction",
                "severity": "mild",
                "outcome": "resolved",
                "action": "legs raised",
                "description": "felt faint on the couch",
            },
        )
        assert response.status_code == 303
        (event,) = clock_site.session().protocol.adverse_events
        assert (event.kind, event.severity, event.outcome, event.action) == (
            "vasovagal_reaction",
            "mild",
            "resolved",
            "legs raised",
        )
        page = client.get(runner_url(clock_site)).text
        assert "felt faint on the couch" in page

    def test_abort_needs_a_reason_and_closes_the_session(self, clock_site, client):
        csrf = http_sign_in(client, clock_site, "nurse")
        client.post(f"{runner_url(clock_site)}/start", data={"csrf_token": csrf})
        empty = post_step(client, clock_site, csrf, "abort", reason=" ")
        assert empty.status_code == 422
        stopped = post_step(client, clock_site, csrf, "abort", reason="fever today")
        assert stopped.status_code == 303
        detail = clock_site.session()
        assert detail.protocol.step.value == "aborted"
        assert detail.protocol.abort_reason == "fever today"

    def test_reception_cannot_open_the_runner(self, clock_site, client):
        http_sign_in(client, clock_site, "reception")
        assert client.get(runner_url(clock_site)).status_code == 403
        assert client.get("/runner").status_code == 403

    def test_the_runner_opens_by_session_id_too(self, clock_site, client):
        csrf = http_sign_in(client, clock_site, "nurse")
        client.post(f"{runner_url(clock_site)}/start", data={"csrf_token": csrf})
        session_id = clock_site.session().record.id
        page = client.get(f"/runner/{session_id}")
        assert page.status_code == 200
        assert f'action="{runner_url(clock_site)}/event"' in page.text


def raise_red_flag(site: ClockSite) -> None:
    """The patient checks in on the day (the real self check-in) and reports a fever."""
    secret = "test-secret-" + "x" * 32
    actor = Actor.system(site.clinic_id, Role.clinician, via="test")
    with site.database.unit_of_work() as uow:
        patient = patients.get_patient(uow, actor, patient_id=site.patient_id)
        assert patient.birth_date is not None
        token = checkin.link_token(secret, site.clinic_id, site.appointment_id)
        proof = checkin.confirm_identity(
            uow,
            token=token,
            secret=secret,
            family_name=patient.family_name,
            birth_date=patient.birth_date,
        )
        visit = checkin.get_visit(uow, token=token, secret=secret, proof=proof)
        answers = {q.field: q.field == "systemic_infection" for q in visit.questions}
        result = checkin.complete(
            uow,
            token=token,
            secret=secret,
            proof=proof,
            answers=answers,
            questionnaire_answers={},
        )
        assert result.flags, "a fever at check-in must raise a red flag"
        commit(uow)


class TestRedFlags:
    def test_a_red_flag_stops_the_session_until_a_clinician_clears_it(
        self, clock_site, client
    ):
        raise_red_flag(clock_site)
        csrf = http_sign_in(client, clock_site, "nurse")
        today = client.get("/clinician").text
        assert "Red flags from self check-in" in today
        page = client.get(runner_url(clock_site)).text
        assert "Only a clinician can clear them." in page
        assert (
            'name="reason"'
            not in page.split("red-flag-panel")[1].split("</section>")[0]
        )
        refused = client.post(
            f"{runner_url(clock_site)}/start", data={"csrf_token": csrf}
        )
        assert refused.status_code == 422
        assert "A red flag from check-in stops this session" in refused.text
        not_allowed = client.post(
            f"{runner_url(clock_site)}/clear-flags",
            data={"csrf_token": csrf, "reason": "seems fine"},
        )
        assert not_allowed.status_code == 403
        client.post("/logout", data={"csrf_token": csrf})

        csrf = http_sign_in(client, clock_site, "clinician")
        cleared = client.post(
            f"{runner_url(clock_site)}/clear-flags",
            data={"csrf_token": csrf, "reason": "afebrile on examination, 36.8 °C"},
        )
        assert cleared.status_code == 303
        assert "red-flag-panel" not in client.get(runner_url(clock_site)).text
        started = client.post(
            f"{runner_url(clock_site)}/start", data={"csrf_token": csrf}
        )
        assert started.status_code == 303
        assert clock_site.session().protocol.step.value == "check_in"
