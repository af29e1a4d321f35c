"""Fixtures of the security tests: the real app (create_app) over the test's database, with a
clinic holding one record of every kind and a login per role (`security.harness`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI

from api.harness import TestClient
from factories import MutableClock
from prolo.main import create_app
from prolo.settings import Settings
from prolo.store.records import Role
from prolo.store.unit_of_work import Database
from security.harness import Site, build_site, sign_in_form


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
def site(database: Database, clock: MutableClock) -> Site:
    return build_site(database, clock, "Europe/Istanbul")


WebLogin = Callable[[TestClient, Role], str]


@pytest.fixture
def web_login(site: Site) -> WebLogin:
    """Sign `client` in through the form as `role`'s user; returns the session's CSRF token."""

    def sign_in(client: TestClient, role: Role) -> str:
        return sign_in_form(client, site, role)

    return sign_in
