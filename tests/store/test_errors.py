"""Database refusals become store errors: contention (deadlock, serialization failure) included."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from prolo.services.errors import ConflictError, from_store
from prolo.store.errors import ContentionError, DatabaseUnavailableError
from prolo.store.repositories.base import translate


class _PgError(Exception):
    """What psycopg raises: an exception carrying the SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_deadlocks_and_serialization_failures_are_contention(sqlstate: str) -> None:
    error = translate(OperationalError("INSERT ...", {}, _PgError(sqlstate)))
    assert isinstance(error, ContentionError)
    service_error = from_store(error)
    assert isinstance(service_error, ConflictError)
    assert service_error.status == 409
    assert "nothing was saved" in str(service_error)


def test_other_operational_errors_are_not_hidden() -> None:
    # XX000 internal_error is a fault to log (500), not "the database is unavailable now"
    assert translate(OperationalError("SELECT 1", {}, _PgError("XX000"))) is None


def test_a_lost_connection_means_unavailable_not_a_bug() -> None:
    # 08006 connection_failure (PostgreSQL manual, Appendix A): 503, the client may retry
    error = translate(OperationalError("SELECT 1", {}, _PgError("08006")))
    assert isinstance(error, DatabaseUnavailableError)
    assert from_store(error).status == 503
