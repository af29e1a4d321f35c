"""Schemathesis against the app's own OpenAPI document (/api/v1/openapi.json): every operation,
as an admin and as a clinician, with generated requests: valid ones, invalid ones (schemathesis's
negative mode) and valid ones naming real records. Every response must be a non-5xx that the document allows: a declared
status code, a declared content type and a body matching the declared schema.

Bounded: `EXAMPLES` requests per operation and role (SQLite in the normal run, PostgreSQL as well
when CI=true, through the `db_backend` parametrisation of tests/conftest.py).
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prolo.store.records import Role
from security.harness import Site

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 20
# Operations that would end the login under test or lock it out: run, but not as the caller.
SELF_ENDING = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password")}


def _operations(app: FastAPI) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = []
    for result in schema.get_all_operations():
        operations.append(result.ok())
    return operations


def _explore(cases: st.SearchStrategy[Any], headers: dict[str, str]) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


@pytest.mark.parametrize("role", [Role.admin, Role.clinician])
def test_every_operation_answers_as_documented(
    app: FastAPI, site: Site, role: Role
) -> None:
    operations = _operations(app)
    assert len(operations) >= 50  # the whole API, not an empty document
    failures: list[str] = []
    for operation in operations:
        known_ids = {
            p.name: site.ids[p.name]
            for p in operation.path_parameters
            if p.name in site.ids
        }
        strategies = [
            operation.as_strategy(),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        ]
        if known_ids:
            strategies.append(operation.as_strategy(path_parameters=known_ids))
        headers = site.auth(role)
        if (operation.method.upper(), operation.path) in SELF_ENDING:
            headers = site.auth(Role.reception)

        try:
            _explore(st.one_of(strategies), headers)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis: FailureGroup
            failures.append(f"{operation.label}: {exc}"[:1500])
    assert failures == [], "\n\n".join(failures)
