"""Fixtures of the fuzz tests: the real app over the test's database, a clinic with one record of
every kind and a login per role (shared with the security suite: `security.harness`)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from factories import MutableClock
from prolo.main import create_app
from prolo.settings import Settings
from prolo.store.unit_of_work import Database
from security.harness import Site, build_site


@pytest.fixture
def app(database: Database) -> FastAPI:
    settings = Settings(environment="test", database_url=database.url)
    return create_app(settings, database=database)


@pytest.fixture
def site(database: Database, clock: MutableClock) -> Site:
    return build_site(database, clock, "Europe/Istanbul")
