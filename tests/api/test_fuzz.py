"""No input produces a 500: Hypothesis throws random paths, queries and JSON bodies at every
route of the OpenAPI document, as a clinician and as a patient."""

from __future__ import annotations

import string
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.harness import Login, TestClient
from factories import save_patient
from prolo.api.router import api_router
from prolo.store.records import Clinic, Role
from prolo.store.unit_of_work import Database


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    app = FastAPI()
    app.include_router(api_router())
    spec = app.openapi()
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            found.append((method.upper(), path, operation))
    return sorted(found, key=lambda o: (o[1], o[0]))


OPERATIONS = _operations()
SPEC_COMPONENTS: dict[str, Any] = {}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
path_values = st.one_of(
    st.uuids().map(str),
    st.text(alphabet=string.printable + "ğüşıöçİ\x00", min_size=1, max_size=40),
    st.sampled_from(["0", "-1", "null", "..", "%00", "a" * 300]),
)


def _properties(operation: dict[str, Any]) -> list[str]:
    schema = (
        operation.get("requestBody", {})
        .get("content", {})
        .get("application/json", {})
        .get("schema", {})
    )
    ref = schema.get("$ref", "")
    name = ref.rsplit("/", 1)[-1]
    spec = _spec()
    return list(spec["components"]["schemas"].get(name, {}).get("properties", {}))


def _spec() -> dict[str, Any]:
    if not SPEC_COMPONENTS:
        app = FastAPI()
        app.include_router(api_router())
        SPEC_COMPONENTS.update(app.openapi())
    return SPEC_COMPONENTS


@st.composite
def requests(
    draw: st.DrawFn, known_id: str
) -> tuple[str, str, dict[str, str], Any, dict[str, str]]:
    method, path, operation = draw(st.sampled_from(OPERATIONS))
    url = path
    for name in [
        p["name"] for p in operation.get("parameters", []) if p["in"] == "path"
    ]:
        value = draw(st.one_of(st.just(known_id), path_values))
        url = url.replace("{" + name + "}", quote(value, safe=""))
    query = {
        p["name"]: draw(
            st.one_of(st.text(max_size=20), st.integers().map(str), st.uuids().map(str))
        )
        for p in operation.get("parameters", [])
        if p["in"] == "query" and draw(st.booleans())
    }
    body: Any = None
    if method in ("POST", "PUT", "PATCH"):
        keys = _properties(operation)
        if keys and draw(st.booleans()):
            body = {k: draw(json_values) for k in keys if draw(st.booleans())}
        else:
            body = draw(json_values)
    headers = {
        "If-Match": draw(st.sampled_from(['"v1"', '"v999"', "garbage", 'W/"v1"']))
    }
    return method, url, query, body, headers


@pytest.mark.parametrize("role", [Role.clinician, Role.patient])
def test_no_input_gives_a_500(
    client: TestClient, login: Login, database: Database, api_clinic: Clinic, role: Role
) -> None:
    with database.unit_of_work() as uow:
        patient = save_patient(uow, api_clinic)
        uow.commit()
    auth = login(role, patient_id=patient.id) if role is Role.patient else login(role)

    @settings(
        max_examples=120,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(requests(str(patient.id)))
    def check(request: tuple[str, str, dict[str, str], Any, dict[str, str]]) -> None:
        method, url, query, body, headers = request
        response = client.request(
            method, url, params=query, json=body, headers={**auth, **headers}
        )
        assert response.status_code < 500, (
            method,
            url,
            query,
            body,
            response.text[:300],
        )
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json"

    check()
