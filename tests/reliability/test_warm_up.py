"""A server process builds what its first requests would otherwise wait for, before it takes one.

Without it the first calendar read of a process took ~100 ms instead of ~10, the first free-slot
search ~55 ms and the first page ~240 ms (bench/cold_start.py, docs/reliability.md): FastAPI
builds an included router's routes when a request first walks it, and the reference tables, the
templates and the translations are read on first use.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from api.harness import TestClient
from prolo.domain.catalog import load_catalog
from prolo.domain.protocol import load_session_rules
from prolo.main import create_app
from prolo.services.bootstrap import Database, open_database, warm_up
from prolo.settings import Settings
from prolo.web.i18n.catalogs import LANGUAGES, catalog
from prolo.web.rendering import templates_env

CACHED = (load_catalog, load_session_rules, catalog)


@pytest.fixture
def cold() -> Iterator[None]:
    """Forget what this test process has read and compiled, as a new process would not have it."""
    for loader in CACHED:
        loader.cache_clear()
    env = templates_env()
    assert env.cache is not None
    env.cache.clear()
    yield
    for loader in CACHED:
        loader.cache_clear()


def test_the_default_is_on_except_for_tests() -> None:
    assert Settings(environment="development").warms_up
    assert Settings(environment="production", secret_key="s" * 40).warms_up
    assert not Settings(environment="test").warms_up
    assert not Settings(environment="development", warm_up=False).warms_up
    assert Settings(environment="test", warm_up=True).warms_up


def test_a_started_app_has_built_everything_before_its_first_request(
    database: Database, cold: None, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(
        Settings(environment="test", warm_up=True, database_url=database.url),
        database=database,
    )
    assert load_catalog.cache_info().currsize == 0
    # TestClient runs the lifespan, as uvicorn does in each worker
    with caplog.at_level(logging.INFO, logger="prolo"), TestClient(app):
        assert load_catalog.cache_info().currsize == 1
        assert load_session_rules.cache_info().currsize == 1
        assert catalog.cache_info().currsize == len(LANGUAGES)
        env = templates_env()
        pages = [n for n in env.list_templates() if n.endswith(".html")]
        assert env.cache is not None
        assert len(env.cache) == len(pages) > 20
    (line,) = [r.getMessage() for r in caplog.records if "warmed up" in r.getMessage()]
    routes = int(line.split("(")[1].split()[0])
    assert (
        routes > 100
    )  # every route of the API, the pages, FHIR and the calendar feeds


def test_an_app_under_test_settings_does_not(
    database: Database, cold: None, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(
        Settings(environment="test", database_url=database.url), database=database
    )
    with caplog.at_level(logging.INFO, logger="prolo"), TestClient(app):
        assert load_catalog.cache_info().currsize == 0
        assert catalog.cache_info().currsize == 0
    assert not [r for r in caplog.records if "warmed up" in r.getMessage()]


def test_an_unreachable_database_does_not_stop_the_warm_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    database = open_database(
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    )
    try:
        with caplog.at_level(logging.WARNING):
            warm_up(database)  # requests will answer 503 until it can be reached
    finally:
        database.dispose()
    assert any("cannot be reached" in r.getMessage() for r in caplog.records)
