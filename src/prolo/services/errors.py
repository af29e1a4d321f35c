"""Errors the services raise. Each carries its HTTP status and problem type, so the one translator
at each edge (`prolo.api.problems`, `prolo.cli.output`) renders it without knowing the use case.

    ServiceError                    base; `status`, `type` (a slug), `title`, `field`
    ├── InvalidInputError     422   a value is not acceptable for this use case (`field` names it)
    ├── RuleViolationError    422   the action breaks a clinic rule (outside a course window ...)
    ├── AuthenticationError   401   no, expired or wrong credentials
    ├── ForbiddenError        403   the role may not do this
    ├── NotFoundError         404   no such thing (or not yours: patients get 404, never 403)
    ├── ConflictError         409   stale version, taken slot, duplicate
    ├── PreconditionRequiredError 428   an update without the version it is based on
    ├── TooManyRequestsError  429   login attempts are being slowed or locked (`retry_after` s)
    └── ServiceUnavailableError 503 the database cannot do it now; nothing was saved
        │                           (`retry_after` s; type database-unavailable)
        ├── DatabaseFullError       database-full: its disk is full, writes are refused
        └── DatabaseReadOnlyError   database-read-only: it accepts reads only

Domain errors (`prolo.domain.errors`) pass through the services unchanged; the edges map them too.

A ForbiddenError or NotFoundError raised by `authorize` carries a `Refusal` (who was refused
what); the edge that rolled the request back writes it to the audit log in a transaction of its
own (`prolo.services.audit.record_refusal`). The refusal is never part of the answer.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, ParamSpec, TypeVar

from prolo.store.errors import (
    AppendOnlyError,
    ContentionError,
    DatabaseFullError,
    DatabaseReadOnlyError,
    DatabaseUnavailableError,
    DuplicateError,
    OverlapError,
    StaleVersionError,
    StoreError,
)
from prolo.store.repositories.base import DATABASE_ERRORS, translate

P = ParamSpec("P")
R = TypeVar("R")


RefusalReason = Literal["role", "other-patient", "unlinked-login"]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Who was refused which permission, on whose data, and why (ids only, no patient data)."""

    clinic_id: uuid.UUID
    user_id: uuid.UUID | None
    role: str
    client_address: str | None
    via: str
    permission: str
    patient_id: uuid.UUID | None
    reason: RefusalReason


class ServiceError(Exception):
    status: ClassVar[int] = 400
    type: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"
    refusal: Refusal | None = None
    """Set by `authorize` when this error refuses access (see the module docstring)."""

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra

    def __str__(self) -> str:
        return self.detail


class InvalidInputError(ServiceError):
    status = 422
    type = "invalid-input"
    title = "Invalid input"


class RuleViolationError(ServiceError):
    status = 422
    type = "rule-violation"
    title = "A clinic rule forbids this"


class AuthenticationError(ServiceError):
    status = 401
    type = "authentication-required"
    title = "Authentication required"


class ForbiddenError(ServiceError):
    status = 403
    type = "forbidden"
    title = "Forbidden"


class NotFoundError(ServiceError):
    status = 404
    type = "not-found"
    title = "Not found"


class ConflictError(ServiceError):
    status = 409
    type = "conflict"
    title = "Conflict"


class PreconditionRequiredError(ServiceError):
    status = 428
    type = "precondition-required"
    title = "Precondition required"


class TooManyRequestsError(ServiceError):
    status = 429
    type = "too-many-requests"
    title = "Too many attempts"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class ServiceUnavailableError(ServiceError):
    """The database cannot do the work now (unreachable, restarting, too busy). Nothing was
    saved; the same request may succeed after `retry_after` seconds."""

    status = 503
    type = "database-unavailable"
    title = "Database unavailable"
    retry_after_s: ClassVar[int] = 5

    def __init__(self, detail: str) -> None:
        super().__init__(detail, retry_after=self.retry_after_s)
        self.retry_after = self.retry_after_s


class DatabaseFullServiceError(ServiceUnavailableError):
    type = "database-full"
    title = "Database full"
    retry_after_s = 60


class DatabaseReadOnlyServiceError(ServiceUnavailableError):
    type = "database-read-only"
    title = "Database read-only"
    retry_after_s = 60


def from_store(exc: StoreError) -> ServiceError:
    """The service error a store error means."""
    if isinstance(exc, DatabaseFullError):
        return DatabaseFullServiceError(str(exc))
    if isinstance(exc, DatabaseReadOnlyError):
        return DatabaseReadOnlyServiceError(str(exc))
    if isinstance(exc, DatabaseUnavailableError):
        return ServiceUnavailableError(str(exc))
    if isinstance(exc, StaleVersionError):
        return ConflictError(str(exc), reason="stale-version")
    if isinstance(exc, OverlapError):
        return ConflictError(str(exc), reason="slot-taken", resource=exc.resource)
    if isinstance(exc, DuplicateError):
        return ConflictError(str(exc), reason="duplicate")
    if isinstance(exc, ContentionError):
        return ConflictError(str(exc), reason="busy")
    if isinstance(exc, AppendOnlyError):
        return ForbiddenError(str(exc))
    return ConflictError(str(exc))


UNTRANSLATED_DATABASE_ERRORS = DATABASE_ERRORS
"""The database driver's own errors, as they escape a query outside `store_errors_translated`;
the edges register a handler for them that calls `from_database_error`."""


def from_database_error(exc: Exception) -> ServiceError | None:
    """The service error an untranslated database error means, or None (then it is a bug)."""
    translated = translate(exc)
    return None if translated is None else from_store(translated)


@contextmanager
def store_errors_translated() -> Iterator[None]:
    """Inside the block, store errors become service errors."""
    try:
        yield
    except StoreError as exc:
        raise from_store(exc) from exc


def use_case(fn: Callable[P, R]) -> Callable[P, R]:
    """Mark a public service function: store errors raised inside it become service errors."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with store_errors_translated():
            return fn(*args, **kwargs)

    return wrapper
