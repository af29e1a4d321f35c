"""When the database cannot do the work, the app says so: 503 with a problem+json body (an HTML
page on the web) and a Retry-After header, never a 500 or a traceback, and nothing half-written.

The faults are real, on each backend: a database that cannot be reached (nothing listens on the
port; a SQLite file in a folder that does not exist), a PostgreSQL database that accepts reads
only (`default_transaction_read_only`, what a hot standby does), a SQLite database that is full
(SQLite's own `max_page_count` limit, which fails a write exactly as a full disk does: SQLITE_FULL).
The long runs (server killed, PostgreSQL restarted under load) are in bench/faults.py.
"""

from __future__ import annotations

import socket
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, OperationalError

from api.harness import TestClient
from prolo.main import create_app
from prolo.services.bootstrap import Database, open_database
from prolo.services.errors import from_database_error
from prolo.settings import Settings
from prolo.store.records import Role
from read_only import make_read_only, make_writable
from security.harness import Site

PROBLEM_JSON = "application/problem+json"
NEW_PATIENT = {
    "given_name": "Elif",
    "family_name": "Aydin",
    "birth_date": "1968-04-05",
    "sex": "female",
}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _assert_unavailable(response: Any, problem_type: str) -> None:
    assert response.status_code == 503, response.text[:300]
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["type"].endswith(problem_type)
    assert "nothing was saved" in body["detail"]
    assert "Traceback" not in response.text
    assert "psycopg" not in response.text


def _client(database: Database) -> Iterator[TestClient]:
    settings = Settings(environment="test", database_url=database.url)
    with TestClient(create_app(settings, database=database)) as client:
        yield client


@pytest.fixture
def unreachable_url(db_backend: str, tmp_path: Path) -> str:
    if db_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'no-such-folder' / 'prolo.db'}"
    return f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/test"


def test_an_unreachable_database_is_503_on_the_api_and_the_web(
    unreachable_url: str,
) -> None:
    database = open_database(unreachable_url)
    try:
        for client in _client(database):
            token = {"Authorization": "Bearer any-token"}
            _assert_unavailable(
                client.get("/api/v1/patients", headers=token), "database-unavailable"
            )
            _assert_unavailable(
                client.post("/api/v1/patients", json=NEW_PATIENT, headers=token),
                "database-unavailable",
            )
            health = client.get("/api/v1/health")
            assert health.status_code == 503
            assert health.json()["database"]["reachable"] is False
            client.cookies.set("prolo_session", "some-session")
            page = client.get("/")
            assert page.status_code == 503
            assert page.headers["content-type"].startswith("text/html")
            assert "unavailable for a moment" in page.text
            assert int(page.headers["retry-after"]) > 0
    finally:
        database.dispose()


def _count_patients(database: Database) -> int:
    with database.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM patients")).scalar_one())


@pytest.mark.only_db("postgresql")
def test_a_read_only_postgresql_database_refuses_writes_with_503_and_keeps_nothing(
    site_database: tuple[Database, Site],
) -> None:
    database, site = site_database
    before = _count_patients(database)
    make_read_only(database)
    database.engine.dispose()  # the setting applies to new connections
    try:
        for client in _client(database):
            headers = site.auth(Role.reception)
            _assert_unavailable(
                client.post("/api/v1/patients", json=NEW_PATIENT, headers=headers),
                "database-read-only",
            )
            # Reading patient data writes its audit event: no unaudited reads, so it is refused too.
            _assert_unavailable(
                client.get("/api/v1/patients", headers=headers), "database-read-only"
            )
            assert client.get("/api/v1/health").status_code == 200
    finally:
        make_writable(database)
    # no restart and no dispose(): the connections that were read-only were dropped by the app
    assert _count_patients(database) == before
    for client in _client(database):
        created = client.post(
            "/api/v1/patients", json=NEW_PATIENT, headers=site.auth(Role.reception)
        )
        assert created.status_code == 201, created.text[:300]
    assert _count_patients(database) == before + 1


@pytest.mark.only_db("sqlite")
def test_a_full_sqlite_database_refuses_writes_with_503_and_stays_whole(
    site_database: tuple[Database, Site],
) -> None:
    database, site = site_database
    with database.engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    limit = {"pages": pages + 4}

    @event.listens_for(database.engine, "connect")
    def _limit(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {limit['pages']}")

    database.engine.dispose()
    accepted: list[str] = []
    refused = None
    for client in _client(database):
        headers = site.auth(Role.reception)
        for n in range(400):
            response = client.post(
                "/api/v1/patients",
                json={**NEW_PATIENT, "family_name": f"Aydin {n} " + "x" * 80},
                headers=headers,
            )
            if response.status_code != 201:
                refused = response
                break
            accepted.append(response.json()["id"])
        assert refused is not None, "the database never filled up"
        _assert_unavailable(refused, "database-full")
        assert client.get("/api/v1/health").status_code == 200
    limit["pages"] = 1_000_000
    database.engine.dispose()
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        stored = {
            str(uuid.UUID(str(row[0])))
            for row in conn.execute(
                text("SELECT id FROM patients WHERE family_name LIKE 'Aydin %'")
            )
        }
        audited = {
            str(uuid.UUID(str(row[0])))
            for row in conn.execute(
                text(
                    "SELECT patient_id FROM audit_events WHERE action = 'patient.create'"
                )
            )
        }
    # every acknowledged patient is stored with its audit event, and the refused one is not
    assert stored == set(accepted)
    assert set(accepted) <= audited
    for client in _client(database):
        again = client.post(
            "/api/v1/patients", json=NEW_PATIENT, headers=site.auth(Role.reception)
        )
        assert again.status_code == 201


@pytest.mark.parametrize(
    ("error", "problem_type"),
    [
        (psycopg.errors.DiskFull("could not extend file"), "database-full"),
        (psycopg.errors.ReadOnlySqlTransaction("read-only"), "database-read-only"),
        (
            psycopg.errors.AdminShutdown("terminating connection"),
            "database-unavailable",
        ),
        (
            psycopg.errors.CannotConnectNow("the database system is starting up"),
            "database-unavailable",
        ),
        (psycopg.OperationalError("connection refused"), "database-unavailable"),
    ],
)
def test_postgresql_sqlstates_that_mean_not_now_become_503(
    error: Exception, problem_type: str
) -> None:
    """The SQLSTATEs of PostgreSQL's manual, Appendix A, for the faults no test here can cause
    on the shared server (a full disk, a crash shutdown)."""
    translated = from_database_error(
        OperationalError(
            "INSERT ...", {}, error
        )  # how SQLAlchemy wraps a driver's error
    )
    assert translated is not None
    assert translated.status == 503
    assert translated.type == problem_type


def test_other_database_errors_stay_bugs() -> None:
    syntax = psycopg.errors.SyntaxError("syntax error at or near")
    assert from_database_error(DBAPIError("SELEC", {}, syntax)) is None
    no_table = sqlite3.OperationalError("no such table: x")
    assert from_database_error(OperationalError("SELECT", {}, no_table)) is None
