"""Requests built from the app's own OpenAPI document, so routes added later are covered:
`operations(app)` lists every operation, `request_for(spec, operation, ids)` builds one valid
request for it (path ids of real records, the smallest body the schema accepts)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

SAMPLE_STRINGS = {
    "uuid": "00000000-0000-4000-8000-000000000001",
    "date": "2025-03-11",
    "date-time": "2025-03-11T10:00:00+03:00",
    "email": "someone@example.org",
    "partial-time": "09:00",
    "time": "09:00:00",
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)


def operations(app: FastAPI) -> list[Operation]:
    spec = app.openapi()
    return sorted(
        (
            Operation(method.upper(), path, operation)
            for path, ops in spec["paths"].items()
            for method, operation in ops.items()
        ),
        key=lambda o: (o.path, o.method),
    )


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def sample(spec: dict[str, Any], schema: dict[str, Any], ids: dict[str, str]) -> Any:
    """The smallest value `schema` accepts (required fields only), ids of real records where a
    field is named like a path parameter."""
    schema = _resolve(spec, schema)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [
                o for o in schema[key] if _resolve(spec, o).get("type") != "null"
            ]
            return sample(spec, options[0], ids)
    if "allOf" in schema:
        return sample(spec, schema["allOf"][0], ids)
    kind = schema.get("type", "object")
    if kind == "object":
        return {
            name: ids.get(name, sample(spec, prop, ids))
            for name, prop in schema.get("properties", {}).items()
            if name in schema.get("required", [])
        }
    if kind == "array":
        item = schema.get("items", {})
        return [sample(spec, item, ids) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        text = SAMPLE_STRINGS.get(schema.get("format", ""), "x")
        return text.ljust(schema.get("minLength", 0), "x")
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
    if kind == "boolean":
        return True
    return None


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    params: dict[str, str]
    headers: dict[str, str]
    json: Any


def request_for(
    spec: dict[str, Any], operation: Operation, ids: dict[str, str]
) -> Request:
    url = operation.path
    for name in operation.path_parameters:
        url = url.replace("{" + name + "}", ids.get(name, SAMPLE_STRINGS["uuid"]))
    params: dict[str, str] = {}
    headers: dict[str, str] = {}
    for parameter in operation.spec.get("parameters", []):
        if not parameter.get("required"):
            continue
        value = ids.get(parameter["name"]) or sample(
            spec, parameter.get("schema", {}), ids
        )
        if parameter["in"] == "query":
            params[parameter["name"]] = str(value)
        elif parameter["in"] == "header":
            headers[parameter["name"]] = '"v1"'
    if any(p["in"] == "header" for p in operation.spec.get("parameters", [])):
        headers.setdefault("If-Match", '"v1"')
    body = None
    content = operation.spec.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = sample(spec, content["application/json"].get("schema", {}), ids)
    return Request(operation.method, url, params, headers, body)
