"""A server process freezes its startup heap, so full garbage collections skip it.

A full collection over the app's ~330,000 long-lived objects took ~160 ms and stalled every
request of the worker in flight; it made the load benchmark's slowest 1 % (docs/reliability.md).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from api.harness import TestClient
from prolo.main import create_app
from prolo.services.bootstrap import Database
from prolo.settings import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Leave the test process as it was: a frozen heap would keep its cycles forever."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_default_is_on_except_for_tests() -> None:
    assert Settings(environment="development").freezes_heap
    assert Settings(environment="production", secret_key="s" * 40).freezes_heap
    assert not Settings(environment="test").freezes_heap
    assert not Settings(environment="development", gc_freeze=False).freezes_heap
    assert Settings(environment="test", gc_freeze=True).freezes_heap


def test_a_started_app_freezes_its_heap(database: Database, unfrozen: None) -> None:
    app = create_app(
        Settings(environment="development", database_url=database.url),
        database=database,
    )
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:  # runs the lifespan, as uvicorn does in each worker
        assert gc.get_freeze_count() > 100_000
        assert client.get("/api/v1/health").status_code == 200


def test_an_app_under_test_settings_does_not(
    database: Database, unfrozen: None
) -> None:
    app = create_app(
        Settings(environment="test", database_url=database.url), database=database
    )
    with TestClient(app):
        assert gc.get_freeze_count() == 0
