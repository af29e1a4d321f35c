"""The API's FastAPI dependencies: the shared ones from `prolo.gateway.requests`, plus paging.

def route(uow: UoWDep, actor: ActorDep) -> ...:
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from prolo.gateway.requests import (
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    ActorDep,
    ApiConfig,
    ConfigDep,
    UoWDep,
    bearer_token,
    client_address,
    get_actor,
    get_config,
    get_database,
    get_uow,
    refuse_nul_characters,
)

__all__ = [
    "CSRF_HEADER",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "ActorDep",
    "ApiConfig",
    "ConfigDep",
    "PageDep",
    "PageParams",
    "UoWDep",
    "bearer_token",
    "client_address",
    "get_actor",
    "get_config",
    "get_database",
    "get_uow",
    "page_params",
    "refuse_nul_characters",
]


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def page_params(
    limit: Annotated[
        int, Query(ge=1, le=200, description="Items per page (1-200).")
    ] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1, description="Items to skip.")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]
