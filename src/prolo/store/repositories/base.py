"""What every repository shares: its Session, and flushing with database errors translated."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from prolo.store.engine import refuses_writes
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

# (text in the database's message, what is duplicated) for the unique constraints users can hit
_DUPLICATES = (
    ("uq_users_email", "a user with this e-mail"),
    ("users.email", "a user with this e-mail"),
    ("uq_users_patient_id", "a login for this patient"),
    ("users.patient_id", "a login for this patient"),
    ("uq_users_staff_member_id", "a login for this staff member"),
    ("users.staff_member_id", "a login for this staff member"),
    ("uq_patient_identifiers_system_value", "a patient with this identifier"),
    ("patient_identifiers.system", "a patient with this identifier"),
    (
        "uq_appointments_course_id_session_number_active",
        "an active appointment for this session of the course",
    ),
    ("appointments.course_id", "an active appointment for this session of the course"),
    ("uq_session_records_appointment_id", "a session record for this appointment"),
    ("session_records.appointment_id", "a session record for this appointment"),
    ("uq_procedure_rooms_clinic_id_name", "a room with this name"),
    ("procedure_rooms.clinic_id", "a room with this name"),
    ("uq_recovery_places_clinic_id_name", "a recovery place with this name"),
    ("recovery_places.clinic_id", "a recovery place with this name"),
)

OVERLAP_RESOURCES = ("clinician", "room", "recovery_place", "patient")
# PostgreSQL aborts one of two transactions that wait on each other (e.g. two inserts checked
# against the same exclusion constraints): deadlock_detected, serialization_failure.
CONTENTION_SQLSTATES = frozenset({"40P01", "40001"})


# The database errors any query may raise; `translate` says which of them we understand.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    DBAPIError,
    PoolTimeoutError,
    StaleDataError,
)

# PostgreSQL SQLSTATEs (Appendix A of its manual) that mean "not now", not "not this":
# class 08 connection exceptions, 57P01 admin_shutdown, 57P02 crash_shutdown,
# 57P03 cannot_connect_now (starting up or shutting down).
_PG_UNAVAILABLE_PREFIXES = ("08",)
_PG_UNAVAILABLE = frozenset({"57P01", "57P02", "57P03"})
_PG_READ_ONLY = (
    "25006"  # read_only_sql_transaction (standby, default_transaction_read_only)
)
_PG_DISK_FULL = "53100"  # disk_full
# SQLite extended result names (sqlite3.Error.sqlite_errorname, https://sqlite.org/rescode.html)
_SQLITE_FULL = "SQLITE_FULL"
_SQLITE_UNAVAILABLE_PREFIXES = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_CANTOPEN",
    "SQLITE_IOERR",
)


def unavailability(exc: Exception) -> DatabaseUnavailableError | None:
    """The DatabaseUnavailableError `exc` means (unreachable, full, read-only, busy), or None."""
    if isinstance(exc, PoolTimeoutError):
        return DatabaseUnavailableError(
            "the database is too busy just now (no connection came free in time); "
            "nothing was saved, try again in a moment"
        )
    if not isinstance(exc, DBAPIError):
        return None
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    sqlite_name = getattr(exc.orig, "sqlite_errorname", None) or ""
    if refuses_writes(exc.orig):
        return DatabaseReadOnlyError()
    if sqlstate == _PG_DISK_FULL or sqlite_name == _SQLITE_FULL:
        return DatabaseFullError()
    if (
        exc.connection_invalidated
        or sqlstate.startswith(_PG_UNAVAILABLE_PREFIXES)
        or sqlstate in _PG_UNAVAILABLE
        or sqlite_name.startswith(_SQLITE_UNAVAILABLE_PREFIXES)
    ):
        return DatabaseUnavailableError()
    # psycopg raises OperationalError without a SQLSTATE when it cannot connect at all
    # (connection refused, server closed the connection unexpectedly).
    if not sqlstate and not sqlite_name and _is_operational(exc):
        return DatabaseUnavailableError()
    return None


def _is_operational(exc: DBAPIError) -> bool:
    orig = exc.orig
    return type(orig).__name__ in ("OperationalError", "InterfaceError") and (
        type(orig).__module__.startswith("psycopg")
    )


def translate(exc: Exception) -> StoreError | None:
    """The StoreError a database error means, or None when it is not one we expect."""
    if isinstance(exc, StaleDataError):
        return StaleVersionError("the record", None, None)
    unavailable = unavailability(exc)
    if unavailable is not None:
        return unavailable
    if not isinstance(exc, DBAPIError):
        return None
    if getattr(exc.orig, "sqlstate", None) in CONTENTION_SQLSTATES:
        return ContentionError()
    message = str(exc.orig) if exc.orig is not None else str(exc)
    if "append-only" in message:
        return AppendOnlyError(
            "the audit log is append-only: events cannot be changed or deleted"
        )
    if isinstance(exc, IntegrityError):
        for resource in OVERLAP_RESOURCES:
            if f"ex_appointments_{resource}_overlap" in message:
                return OverlapError(resource)
        for needle, what in _DUPLICATES:
            if needle in message:
                return DuplicateError(what)
    return None


class Repository:
    """Base of the repositories: all queries, no commit (the unit of work commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def flush(self) -> None:
        """Send pending changes now, so constraint violations surface as StoreErrors here."""
        try:
            self.session.flush()
        except (DBAPIError, StaleDataError) as exc:
            translated = translate(exc)
            if translated is None:
                raise
            raise translated from exc
