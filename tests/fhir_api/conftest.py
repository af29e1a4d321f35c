"""The FHIR facade served by uvicorn on 127.0.0.1, over a database holding the hand-built
patient, with API tokens for several roles (a real client needs a real server)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

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
from servers import ServerThread


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
