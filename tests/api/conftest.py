"""API tests: the real app (create_app) over the test's database, driven by Starlette's client.

Logins for most tests are made directly in the database (a user and a token); the auth tests
go through POST /api/v1/auth/token itself.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from functools import cache

import pytest
from fastapi import FastAPI

from api.harness import PASSWORD, Login, TestClient
from prolo.main import create_app
from prolo.services import accounts
from prolo.settings import Settings
from prolo.store.records import Clinic, Role, TokenKind
from prolo.store.unit_of_work import Database


@cache
def password_hash() -> str:
    return accounts.hash_password(PASSWORD)


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(environment="test", database_url=database.url)


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database=database)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(
        app, base_url="http://testserver", client=("192.0.2.44", 5000)
    ) as c:
        yield c


@pytest.fixture
def api_clinic(database: Database) -> Clinic:
    with database.unit_of_work() as uow:
        clinic = uow.clinics.add(
            name="API clinic", timezone="Europe/Istanbul", opening_hours={}
        )
        uow.commit()
    return clinic


@pytest.fixture
def login(database: Database, api_clinic: Clinic) -> Login:
    """`login(Role.nurse)` -> headers with a bearer token of a fresh user in that role."""

    def make(
        role: Role,
        *,
        patient_id: uuid.UUID | None = None,
        staff_member_id: uuid.UUID | None = None,
        clinic: Clinic | None = None,
    ) -> dict[str, str]:
        token = secrets.token_urlsafe(32)
        with database.unit_of_work() as uow:
            user = uow.users.add(
                (clinic or api_clinic).id,
                email=f"{role.value}-{uuid.uuid4().hex[:8]}@example.org",
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
                expires_at=uow.now().replace(year=uow.now().year + 1),
                client_address=None,
            )
            uow.commit()
        return {"Authorization": f"Bearer {token}"}

    return make
