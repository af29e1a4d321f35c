"""The FHIR facade served by uvicorn on 127.0.0.1, over a database holding the hand-built
patient, with API tokens for several roles (a real client needs a real server)."""

from __future__ import annotations

import secrets
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from starlette.types import ASGIApp

from fhir_api.samples import hand_built
from prolo.interop.fhir import patient_bundle_json
from prolo.interop.records import PatientBundleRecord
from prolo.main import create_app
from prolo.services import accounts, fhir_import
from prolo.services.bootstrap import open_database
from prolo.services.clinic import ensure_clinic
from prolo.services.context import Actor
from prolo.settings import Settings
from prolo.store.records import Role, TokenKind
from prolo.store.unit_of_work import Database


class ServerThread:
    """uvicorn serving one app on 127.0.0.1 at a free port, in a daemon thread."""

    def __init__(self, app: ASGIApp) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="on",
            http="h11",
            ws="none",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._sock])
        except BaseException as exc:  # reported by start()/stop() in the test's thread
            self._error = exc

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"uvicorn did not start: {self._error!r}")
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 10 s")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
        if self._error is not None:
            raise RuntimeError(f"uvicorn failed: {self._error!r}")


@dataclass(frozen=True)
class FhirSite:
    url: str
    database: Database
    clinic_id: uuid.UUID
    record: PatientBundleRecord
    tokens: dict[str, str]  # role (or "patient") -> bearer token

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def _token(
    database: Database, clinic_id: uuid.UUID, role: Role, patient_id: uuid.UUID | None
) -> str:
    token = secrets.token_urlsafe(32)
    with database.unit_of_work() as uow:
        user = uow.users.add(
            clinic_id,
            email=f"{role.value}-{uuid.uuid4().hex[:8]}@example.org",
            password_hash="not-a-real-hash",
            role=role,
            patient_id=patient_id,
            staff_member_id=None,
            created_at=uow.now(),
        )
        uow.users.add_token(
            user.id,
            kind=TokenKind.api,
            token_hash=accounts.token_hash(token),
            created_at=uow.now(),
            expires_at=uow.now().replace(year=uow.now().year + 1),
            client_address=None,
        )
        uow.commit()
    return token


@pytest.fixture
def fhir_site(scratch_url: str) -> Iterator[FhirSite]:
    database = open_database(scratch_url)
    record = hand_built()
    with database.unit_of_work() as uow:
        clinic = ensure_clinic(uow, name="FHIR clinic", timezone="Europe/Istanbul")
        fhir_import.import_bundle(
            uow, Actor.operator(clinic.id), patient_bundle_json(record)
        )
        uow.commit()
    tokens = {
        role.value: _token(
            database,
            clinic.id,
            role,
            record.patient.id if role is Role.patient else None,
        )
        for role in (
            Role.admin,
            Role.clinician,
            Role.nurse,
            Role.reception,
            Role.patient,
        )
    }
    settings = Settings(environment="test", database_url=scratch_url)
    server = ServerThread(create_app(settings, database=database))
    server.start()
    try:
        yield FhirSite(server.url, database, clinic.id, record, tokens)
    finally:
        server.stop()
        database.dispose()
