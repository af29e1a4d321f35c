"""Errors the store raises (the services translate them; nothing above sees SQLAlchemy's).

StoreError                      base
├── StaleVersionError           the row changed since the caller read it (optimistic concurrency)
├── OverlapError                the database refused a double booking; `resource` says of what
│                               (clinician, room, recovery_place, patient)
├── DuplicateError              a unique value is taken (e-mail, identifier, active session number)
├── ContentionError             a concurrent transaction won (PostgreSQL deadlock or serialization
│                               failure): nothing was written, the caller may try again
├── AppendOnlyError             an attempt to change or delete an audit event
└── DatabaseUnavailableError    the database cannot do the work now (unreachable, restarting,
    │                           too busy); nothing of the transaction was written
    ├── DatabaseFullError       the disk (or SQLite's page limit) is full: writes are refused
    └── DatabaseReadOnlyError   the database accepts reads only (read-only file, hot standby,
                                default_transaction_read_only)
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


class DatabaseUnavailableError(StoreError):
    """The database could not do this transaction's work: the connection was refused or lost
    (a restart, a network failure), or no connection came free in time. Nothing was written;
    the same request may succeed a little later."""

    reason = "unavailable"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            detail
            or "the database cannot be reached just now; nothing was saved, try again in a minute"
        )


class DatabaseFullError(DatabaseUnavailableError):
    """The database refused a write because its disk (or SQLite's page limit) is full."""

    reason = "full"

    def __init__(self) -> None:
        super().__init__(
            "the database's disk is full, so nothing was saved. Reading patient records is"
            " refused too (every read is written to the audit log); the operator must free"
            " space (see docs/reliability.md)"
        )


class DatabaseReadOnlyError(DatabaseUnavailableError):
    """The database refused a write because it accepts reads only."""

    reason = "read-only"

    def __init__(self) -> None:
        super().__init__(
            "the database is read-only just now, so nothing was saved. Reading patient records"
            " is refused too (every read is written to the audit log); the operator must make"
            " it writable again (see docs/reliability.md)"
        )
