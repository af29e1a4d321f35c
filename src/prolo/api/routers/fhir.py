"""The read-only FHIR R4 facade, mounted at /fhir (not /api/v1): docs/interop.md, "REST facade".

    GET /fhir/metadata                              CapabilityStatement (no token needed)
    GET /fhir/<Type>/<id>                           read, for every type of the CapabilityStatement
    GET /fhir/Patient?identifier=[system|]value     searchset
    GET /fhir/<Type>?patient=<id>                   searchset, for the patient-compartment types
    GET /fhir/Patient/<id>/$everything              searchset of everything about the patient

Every other request needs `Authorization: Bearer <API token>` of an admin, clinician or nurse;
patient and reception tokens get 403. Answers are `application/fhir+json`; errors are
OperationOutcome with the matching status (`outcome_handler`, installed by `prolo.main`).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fhir.resources.R4B.resource import Resource
from starlette.exceptions import HTTPException as StarletteHTTPException

from prolo import __version__
from prolo.domain.errors import DomainError, ReferenceDataError
from prolo.gateway.requests import ConfigDep, UoWDep, bearer_token, get_actor
from prolo.interop.fhir import (
    FACADE,
    JsonObject,
    capability_statement,
    operation_outcome,
    resource_json,
    searchset_bundle,
)
from prolo.interop.fhir.capability import MEDIA_TYPE, PATIENT_COMPARTMENT, IssueType
from prolo.services import exports
from prolo.services.context import Actor
from prolo.services.errors import (
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    ServiceError,
)

logger = logging.getLogger("prolo.fhir")

FHIR_PREFIX: Final = "/fhir"
# The date of the CapabilityStatement: when this facade's contract last changed.
CAPABILITY_DATE: Final = datetime(2026, 11, 24, tzinfo=UTC)
READABLE: Final = frozenset(c.type for c in FACADE)


def _fhir_content(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            MEDIA_TYPE: {"schema": {"type": "object", "additionalProperties": True}}
        },
    }


# Every facade answer is application/fhir+json: a resource or Bundle on success, an
# OperationOutcome on errors (documented so clients and schemathesis know what to expect).
OUTCOME_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    400: _fhir_content("OperationOutcome: invalid search"),
    401: _fhir_content("OperationOutcome: no or bad API token"),
    403: _fhir_content("OperationOutcome: the token's role may not read this"),
    404: _fhir_content("OperationOutcome: no such resource (or another patient's)"),
    405: _fhir_content("OperationOutcome: the facade is read-only"),
    422: _fhir_content("OperationOutcome: invalid parameter"),
}

router = APIRouter(prefix=FHIR_PREFIX, tags=["fhir"], responses=OUTCOME_RESPONSES)
SUCCESS: Final[dict[int | str, dict[str, Any]]] = {
    200: _fhir_content("A FHIR R4 resource or searchset Bundle")
}


class FhirResponse(Response):
    media_type = MEDIA_TYPE

    def __init__(self, content: JsonObject, status_code: int = 200) -> None:
        super().__init__(
            json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode(),
            status_code=status_code,
            headers={"Cache-Control": "no-store"},
        )


def fhir_actor(request: Request, uow: UoWDep, config: ConfigDep) -> Actor:
    """The caller of the facade: an API bearer token (no browser sessions)."""
    if bearer_token(request) is None:
        raise AuthenticationError(
            "send Authorization: Bearer <API token> (POST /api/v1/auth/token gives one)"
        )
    # the role is checked by each service call (after the 404 for another patient's record)
    return get_actor(request, uow, config)


FhirActorDep = Annotated[Actor, Depends(fhir_actor)]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + FHIR_PREFIX


def _searchset(request: Request, resources: Sequence[Resource]) -> FhirResponse:
    bundle = searchset_bundle(resources, base_url=base_url(request))
    return FhirResponse(resource_json(bundle))


def _patient_param(value: str) -> uuid.UUID:
    raw = value.removeprefix("Patient/")
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InvalidInputError(
            f"patient: {value!r} is not a Patient id", field="patient"
        ) from None


@router.get("/metadata", response_class=FhirResponse, responses=SUCCESS)
def metadata(request: Request) -> FhirResponse:
    statement = capability_statement(
        base_url=base_url(request),
        software_version=__version__,
        date=CAPABILITY_DATE,
    )
    return FhirResponse(resource_json(statement))


@router.get(
    "/Patient/{patient_id}/$everything", response_class=FhirResponse, responses=SUCCESS
)
def everything(
    request: Request, patient_id: str, uow: UoWDep, actor: FhirActorDep
) -> FhirResponse:
    try:
        key = uuid.UUID(patient_id)
    except ValueError:
        raise NotFoundError(f"no Patient/{patient_id}") from None
    found = exports.fhir_everything(uow, actor, patient_id=key)
    return _searchset(request, found)


@router.get("/{resource_type}", response_class=FhirResponse, responses=SUCCESS)
def search(
    request: Request,
    resource_type: str,
    uow: UoWDep,
    actor: FhirActorDep,
    patient: Annotated[str | None, Query(max_length=100)] = None,
    identifier: Annotated[str | None, Query(max_length=400)] = None,
) -> FhirResponse:
    known = {"patient", "identifier", "_format"}
    unknown = sorted(set(request.query_params) - known)
    if resource_type not in READABLE:
        raise _NotSupported(f"{resource_type} is not served here (see /fhir/metadata)")
    if unknown:
        raise InvalidInputError(
            f"unsupported search parameter(s): {', '.join(unknown)}",
            field=unknown[0],
        )
    if resource_type == "Patient":
        if identifier is None:
            raise InvalidInputError(
                "search Patient by identifier=[system|]value", field="identifier"
            )
        system, sep, value = identifier.rpartition("|")
        if not value:
            raise InvalidInputError(
                "identifier needs a value after the |", field="identifier"
            )
        found = exports.fhir_find_patients(
            uow, actor, system=system if sep and system else None, value=value
        )
        return _searchset(request, found)
    if resource_type not in PATIENT_COMPARTMENT:
        raise _NotSupported(f"{resource_type} supports read only (see /fhir/metadata)")
    if patient is None:
        raise InvalidInputError(
            f"search {resource_type} with patient=<id>", field="patient"
        )
    found = exports.fhir_search_by_patient(
        uow, actor, resource_type=resource_type, patient_id=_patient_param(patient)
    )
    return _searchset(request, found)


@router.get(
    "/{resource_type}/{resource_id}", response_class=FhirResponse, responses=SUCCESS
)
def read(
    resource_type: str, resource_id: str, uow: UoWDep, actor: FhirActorDep
) -> FhirResponse:
    if resource_type not in READABLE:
        raise _NotSupported(f"{resource_type} is not served here (see /fhir/metadata)")
    found = exports.fhir_read(
        uow, actor, resource_type=resource_type, resource_id=resource_id
    )
    return FhirResponse(resource_json(found))


# --------------------------------------------------------------------------- errors


class _NotSupported(ServiceError):
    status = 404
    type = "not-supported"
    title = "Not supported"


_ISSUES: dict[int, IssueType] = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "processing",
    422: "invalid",
}


def is_fhir_request(request: Request) -> bool:
    path = request.url.path
    return path == FHIR_PREFIX or path.startswith(FHIR_PREFIX + "/")


def _outcome(status: int, code: IssueType, diagnostics: str) -> FhirResponse:
    return FhirResponse(
        resource_json(operation_outcome(code, diagnostics)), status_code=status
    )


async def outcome_handler(request: Request, exc: Exception) -> Response:
    """Any error under /fhir as an OperationOutcome with the matching HTTP status."""
    if isinstance(exc, _NotSupported):
        return _outcome(404, "not-supported", exc.detail)
    if isinstance(exc, ServiceError):
        # FHIR answers a request it cannot accept with 400, where the JSON API says 422
        status = 400 if exc.status == 422 else exc.status
        response = _outcome(status, _ISSUES.get(status, "processing"), exc.detail)
        if isinstance(exc, AuthenticationError):
            response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if isinstance(exc, RequestValidationError):
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}"
            for e in exc.errors()
        )
        return _outcome(400, "invalid", detail or "invalid request")
    if isinstance(exc, ReferenceDataError):
        logger.error("reference data error: %s", exc, exc_info=exc)
        return _outcome(500, "exception", "the clinic's reference data is broken")
    if isinstance(exc, DomainError):
        return _outcome(400, "invalid", exc.message)
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 404:
            return _outcome(404, "not-found", f"no such resource: {request.url.path}")
        if exc.status_code == 405:
            return _outcome(
                405,
                "not-supported",
                f"{request.method} is not allowed: the facade is read-only",
            )
        code = _ISSUES.get(exc.status_code, "processing")
        return _outcome(exc.status_code, code, str(exc.detail))
    logger.error(
        "unhandled error on %s %s", request.method, request.url.path, exc_info=exc
    )
    return _outcome(
        500, "exception", "an unexpected error occurred; it has been logged"
    )


__all__ = ["FHIR_PREFIX", "is_fhir_request", "outcome_handler", "router"]
