"""No patient data in the logs: a real uvicorn server (access log on, as `prolo serve` runs it)
serves a round of patient work over the API and the pages; every log record of the run, from
every logger, must be free of the patient's names, birth date, e-mail, phone and identifier."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from factories import MutableClock
from prolo.domain.screening import example_intake
from prolo.main import create_app
from prolo.services.bootstrap import open_database
from prolo.settings import Settings
from prolo.store.records import Role
from security.harness import PASSWORD, build_site
from servers import HTTP_TIMEOUT

SECRETS = {
    "given": "Perihan",
    "family": "Quastelloglu",
    "birth": "1958-07-19",
    "email": "perihan.quastelloglu@example.org",
    "phone": "+90 555 013 4477",
    "mrn": "MRN-77Q5512",
}


@pytest.fixture
def served(scratch_url: str) -> Iterator[tuple[str, object]]:
    clock = MutableClock()
    database = open_database(scratch_url, clock=clock)
    site = build_site(database, clock, "Europe/Istanbul")
    app = create_app(
        Settings(environment="test", database_url=scratch_url), database=database
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, log_config=None, access_log=True, log_level="info", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", site
    finally:
        server.should_exit = True
        thread.join(timeout=HTTP_TIMEOUT)
        sock.close()
        database.dispose()


def test_patient_work_leaves_no_patient_data_in_the_logs(
    served, caplog: pytest.LogCaptureFixture
) -> None:
    url, site = served
    caplog.set_level(logging.DEBUG)
    with httpx.Client(base_url=url, timeout=HTTP_TIMEOUT) as http:
        staff = site.auth(Role.reception)
        created = http.post(
            "/api/v1/patients",
            json={
                "given_name": SECRETS["given"],
                "family_name": SECRETS["family"],
                "birth_date": SECRETS["birth"],
                "email": SECRETS["email"],
                "phone": SECRETS["phone"],
                "identifiers": [{"system": "urn:mrn", "value": SECRETS["mrn"]}],
            },
            headers=staff,
        )
        assert created.status_code == 201, created.text
        patient = created.json()["id"]
        for params in ({"q": SECRETS["family"]}, {"q": SECRETS["email"]}):
            assert (
                http.get("/api/v1/patients", params=params, headers=staff).json()[
                    "total"
                ]
                == 1
            )
        assert (
            http.get(
                "/api/v1/patients/by-identifier",
                params={"system": "urn:mrn", "value": SECRETS["mrn"]},
                headers=staff,
            ).status_code
            == 200
        )
        nurse = site.auth(Role.nurse)
        assert (
            http.post(
                f"/api/v1/patients/{patient}/intakes",
                json=example_intake().model_dump(mode="json"),
                headers=nurse,
            ).status_code
            == 201
        )
        # refusals and mistakes are logged too: they must not carry the data either
        http.patch(
            f"/api/v1/patients/{patient}",
            json={"phone": SECRETS["phone"]},
            headers={**staff, "If-Match": '"v999"'},
        )
        http.post(
            "/api/v1/patients",
            json={"given_name": SECRETS["given"], "birth_date": SECRETS["birth"]},
            headers=staff,
        )
        http.post(
            "/api/v1/auth/token",
            json={"email": SECRETS["email"], "password": "not the password"},
        )
        http.post("/login", data={"email": SECRETS["email"], "password": PASSWORD})
        # the pages
        signed_in = http.post(
            "/login",
            data={"email": site.emails[Role.clinician], "password": PASSWORD},
        )
        assert signed_in.status_code in (200, 303)
        http.get("/clinician/patients", params={"q": SECRETS["family"]})
        http.get(f"/clinician/patients/{patient}")
    lines = []
    for record in caplog.records:
        if record.name.startswith(("httpx", "httpcore")):
            continue  # the test's own HTTP client, not the server
        lines.append(record.getMessage())
        if record.exc_text:
            lines.append(record.exc_text)
    text = "\n".join(lines)
    assert "GET /api/v1/patients" in text  # the server's access log was captured
    leaked = {name: value for name, value in SECRETS.items() if value in text}
    assert leaked == {}, [
        line for line in lines if any(v in line for v in leaked.values())
    ]
