"""More concurrent requests than pooled connections: every request is answered, none deadlocks.

The routes are sync, so each step of a request (its dependencies, the route, the commit) runs in
one of the threadpool's 40 threads. Without the database slots (gateway.requests.database_slot),
requests waiting for a connection hold every thread while the requests holding the connections
wait for a thread to commit: nothing moves until the pool's timeout. This test runs the real
server over real HTTP with a pool of 2 connections and 60 concurrent clients.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request

from factories import MutableClock
from prolo.gateway.requests import ApiConfig, database_slot, holding_database_slot
from prolo.main import create_app, pool_settings
from prolo.services.bootstrap import open_database
from prolo.services.errors import ServiceUnavailableError
from prolo.settings import Settings
from prolo.store.records import Role
from security.harness import Site, build_site
from servers import ServerThread

CLIENTS = 60


@pytest.fixture
def served(scratch_url: str, clock: MutableClock) -> Iterator[tuple[str, Site]]:
    settings = Settings(
        environment="test", database_url=scratch_url, db_pool_size=2, db_wait_s=20
    )
    # the app's own pool settings (2 + 2 connections), on the test's clock
    database = open_database(scratch_url, clock=clock, pool=pool_settings(settings))
    site = build_site(database, clock, "Europe/Istanbul")
    server = ServerThread(create_app(settings, database=database))
    server.start()
    try:
        yield server.url, site
    finally:
        server.stop()
        database.dispose()


def test_sixty_concurrent_clients_on_two_connections_are_all_answered(
    served: tuple[str, Site],
) -> None:
    url, site = served
    headers = site.auth(Role.reception)

    def one(n: int) -> int:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            if n % 3 == 0:
                body = {
                    "given_name": "Can",
                    "family_name": f"Yilmaz {n}",
                    "birth_date": "1970-01-01",
                    "sex": "male",
                }
                return client.post("/api/v1/patients", json=body).status_code
            return client.get("/api/v1/patients").status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        codes = list(pool.map(one, range(CLIENTS)))
    assert codes.count(201) == CLIENTS // 3
    assert codes.count(200) == CLIENTS - CLIENTS // 3
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        listed = client.get("/api/v1/patients", params={"q": "Yilmaz", "limit": 100})
    assert listed.status_code == 200
    assert len(listed.json()["items"]) == CLIENTS // 3


def test_a_request_that_waits_too_long_for_a_slot_is_answered_503() -> None:
    app = FastAPI()
    settings = Settings(environment="test", db_pool_size=1, db_wait_s=0.2)
    app.state.api_config = ApiConfig.from_settings(settings)
    request = Request({"type": "http", "app": app, "headers": []})
    second = Request({"type": "http", "app": app, "headers": []})

    async def scenario() -> None:
        holder = database_slot(request)
        await anext(holder)  # the only slot, held
        with pytest.raises(ServiceUnavailableError, match="too busy"):
            await anext(database_slot(second))
        await holder.aclose()  # released: the next request gets it at once
        waiter = database_slot(second)
        await anext(waiter)
        await waiter.aclose()

    asyncio.run(scenario())


def test_a_request_holding_a_slot_does_not_wait_for_a_second_one() -> None:
    """With one slot per process (SQLite), a page whose unit of work holds the slot and whose
    shell then checks the session must not wait for itself (it would get 503 after the wait)."""
    app = FastAPI()
    settings = Settings(environment="test", db_pool_size=1, db_wait_s=0.2)
    app.state.api_config = ApiConfig.from_settings(settings)
    request = Request({"type": "http", "app": app, "headers": []})
    other = Request({"type": "http", "app": app, "headers": []})

    async def scenario() -> None:
        outer = database_slot(request)
        await anext(outer)
        async with holding_database_slot(request):  # same request: no wait, no 503
            pass
        with pytest.raises(ServiceUnavailableError):  # another request still waits
            await anext(database_slot(other))
        await outer.aclose()
        async with holding_database_slot(other):  # and gets the slot once it is free
            pass

    asyncio.run(scenario())
