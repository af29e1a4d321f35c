"""Errors the store raises (the services translate them; nothing above sees SQLAlchemy's).

StoreError                      base
├── StaleVersionError           the row changed since the caller read it (optimistic concurrency)
├── OverlapError                the database refused a double booking; `resource` says of what
│                               (clinician, room, recovery_place, patient)
├── DuplicateError              a unique value is taken (e-mail, identifier, active session number)
└── AppendOnlyError             an attempt to change or delete an audit event
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error raised by `prolo.store`."""


class StaleVersionError(StoreError):
    def __init__(self, what: str, expected: int | None, current: int | None) -> None:
        super().__init__(
            f"{what} was changed by someone else (you had version {expected},"
            f" it is now {current}); reload and try again"
        )
        self.what = what
        self.expected = expected
        self.current = current


class OverlapError(StoreError):
    def __init__(self, resource: str) -> None:
        super().__init__(
            f"the {resource.replace('_', ' ')} is already booked at that time"
        )
        self.resource = resource


class DuplicateError(StoreError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} already exists")
        self.what = what


class AppendOnlyError(StoreError):
    """The audit log cannot be changed or deleted."""
