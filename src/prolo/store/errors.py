"""Errors the store raises (the services translate them; nothing above sees SQLAlchemy's).

StoreError                      base
├── StaleVersionError           the row changed since the caller read it (optimistic concurrency)
├── OverlapError                the database refused a double booking; `resource` says of what
│                               (clinician, room, recovery_place, patient)
├── DuplicateError              a unique value is taken (e-mail, identifier, active session number)
├── ContentionError             a concurrent transaction won (PostgreSQL deadlock or serialization
│                               failure): nothing was written, the caller may try again
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


class ContentionError(StoreError):
    """The database aborted this transaction to let a concurrent one finish (SQLSTATE 40P01
    deadlock_detected or 40001 serialization_failure). Nothing of it was written."""

    def __init__(self) -> None:
        super().__init__(
            "another change was being saved at the same moment; nothing was saved, try again"
        )


class AppendOnlyError(StoreError):
    """The audit log cannot be changed or deleted."""
