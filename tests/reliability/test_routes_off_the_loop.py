"""No route that uses the database runs on the event loop.

An `async def` route runs on the event loop, so a database call in it (they are all sync) stops
the whole worker until it returns: every other request of that process waits. The routes that
read their form themselves were async for that reason; they now take the form from
`prolo.web.deps.FormDep` and run in the threadpool like every other route.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.routing import APIRoute

from prolo.gateway.requests import get_uow
from prolo.main import create_app
from prolo.services.bootstrap import Database
from prolo.settings import Settings


def _calls(dependant: Any) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, through included routers (FastAPI keeps them as branches)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes)


def test_no_async_route_opens_a_unit_of_work(database: Database) -> None:
    app = create_app(
        Settings(environment="test", database_url=database.url), database=database
    )
    routes = list(_api_routes(app.routes))
    with_database = [r for r in routes if get_uow in set(_calls(r.dependant))]
    assert len(with_database) > 100  # the walk finds the database routes at all
    on_the_loop = sorted(
        f"{sorted(r.methods)} {r.path}"
        for r in with_database
        if inspect.iscoroutinefunction(r.endpoint)
    )
    assert on_the_loop == []
