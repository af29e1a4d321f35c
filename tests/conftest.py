"""Databases for the store, services, API and CLI tests: the same suite on SQLite and PostgreSQL.

- `--db=sqlite|postgresql|all` (default all). With CI=true PostgreSQL always runs and a
  database server that cannot be reached FAILS the run; locally it is skipped with the reason.
- Per xdist worker (and per run) the schema is built once by `alembic upgrade head` (never
  `create_all`): a migrated template database, and the worker's test database copied from it.
- Each test runs inside an outer transaction that is rolled back; the services' unit of work
  joins it with `join_transaction_mode="create_savepoint"` (SQLAlchemy's "Joining a Session into
  an External Transaction"; the engine's SQLite hooks are the dialect's documented SAVEPOINT
  workaround), so `uow.commit()` releases a savepoint and nothing leaks between tests.
- Tests that need real commits from several connections (concurrency, CLI, backups) ask for
  `scratch_url`: a fresh database copied from the template, dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import sessionmaker

from factories import MutableClock, actor_for
from prolo.services.bootstrap import open_database
from prolo.services.context import Actor
from prolo.store.engine import make_engine
from prolo.store.migrations import upgrade
from prolo.store.records import Clinic, Role
from prolo.store.unit_of_work import Database, UnitOfWork
from security.harness import Site, build_site

POSTGRESQL_URL = os.environ.get(
    "PROLO_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID", uuid.uuid4().hex)[:8]


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        action="store",
        default="all",
        choices=("sqlite", "postgresql", "all"),
        help="database(s) for store/services/API tests (CI=true always adds postgresql)",
    )


def _backends(config: pytest.Config) -> list[str]:
    chosen = config.getoption("--db")
    backends = ["sqlite", "postgresql"] if chosen == "all" else [chosen]
    if on_ci() and "postgresql" not in backends:
        backends.append("postgresql")
    return backends


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "only_db(name): run this database test on one backend only (sqlite or postgresql)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("only_db")
        params = [
            pytest.param(
                b, id=b, marks=[pytest.mark.postgresql] if b == "postgresql" else []
            )
            for b in _backends(metafunc.config)
            if only is None or b == only.args[0]
        ]
        metafunc.parametrize("db_backend", params, scope="session")


def _psycopg_dsn(url: str) -> str:
    return (
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


@dataclass
class PostgresServer:
    admin_url: str

    def connect(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            _psycopg_dsn(self.admin_url), autocommit=True, connect_timeout=3
        )

    def url_for(self, name: str) -> str:
        return (
            make_url(self.admin_url)
            .set(database=name)
            .render_as_string(hide_password=False)
        )

    def create(self, name: str, template: str | None = None) -> str:
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url_for(name)

    def drop(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    server = PostgresServer(POSTGRESQL_URL)
    try:
        with server.connect() as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL at {make_url(POSTGRESQL_URL).render_as_string()} is unreachable: {exc}"
        if on_ci():
            pytest.fail(
                f"{reason} (CI=true: the PostgreSQL run is mandatory)", pytrace=False
            )
        pytest.skip(reason)
    return server


@dataclass
class TemplateDatabase:
    """A migrated database that per-worker and per-test databases are copied from."""

    backend: str
    url: str
    worker: str
    server: PostgresServer | None = None
    sqlite_path: Path | None = None
    copies: int = 0

    def copy(self, tmp_dir: Path) -> str:
        """A fresh migrated database (no data); the caller drops it with `drop()`."""
        self.copies += 1
        if self.backend == "sqlite":
            assert self.sqlite_path is not None
            target = tmp_dir / f"copy-{self.copies}.db"
            shutil.copyfile(self.sqlite_path, target)
            return f"sqlite:///{target}"
        assert self.server is not None
        name = f"prolo_t_{RUN_ID}_{self.worker}_{self.copies}"
        return self.server.create(name, template=self.name)

    @property
    def name(self) -> str:
        return make_url(self.url).database or ""

    def drop(self, url: str) -> None:
        if self.backend == "postgresql":
            assert self.server is not None
            self.server.drop(make_url(url).database or "")


@pytest.fixture(scope="session")
def template_database(
    db_backend: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    worker_id: str,
) -> Iterator[TemplateDatabase]:
    if db_backend == "sqlite":
        path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield TemplateDatabase("sqlite", url, worker_id, sqlite_path=path)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"prolo_t_{RUN_ID}_{worker_id}_tmpl"
    url = server.create(name)
    upgrade(url)
    try:
        yield TemplateDatabase("postgresql", url, worker_id, server=server)
    finally:
        server.drop(name)


@pytest.fixture(scope="session")
def engine(
    template_database: TemplateDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The worker's test database (migrated), shared by all tests of the worker."""
    url = template_database.copy(tmp_path_factory.mktemp("worker-db"))
    eng = make_engine(url)
    try:
        yield eng
    finally:
        eng.dispose()
        template_database.drop(url)


@pytest.fixture
def db_connection(engine: Engine) -> Iterator[Connection]:
    """An outer transaction around the whole test; rolled back at the end."""
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
def database(
    engine: Engine, db_connection: Connection, clock: MutableClock
) -> Database:
    """A Database whose units of work join the test's outer transaction (savepoints)."""
    factory = sessionmaker(
        bind=db_connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )
    return Database(
        str(engine.url), engine=engine, session_factory=factory, clock=clock
    )


@pytest.fixture
def uow(database: Database) -> Iterator[UnitOfWork]:
    """An open unit of work for the test (inside the rolled-back outer transaction)."""
    with database.unit_of_work() as unit:
        yield unit


@pytest.fixture
def scratch_url(template_database: TemplateDatabase, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database that real commits may touch; dropped afterwards."""
    url = template_database.copy(tmp_path)
    try:
        yield url
    finally:
        template_database.drop(url)


@pytest.fixture
def site_database(
    scratch_url: str, clock: MutableClock
) -> Iterator[tuple[Database, Site]]:
    """A scratch database (real commits) holding the security harness's clinic: one record of
    every kind and a login per role (`security.harness.build_site`)."""
    database = open_database(scratch_url, clock=clock)
    try:
        yield database, build_site(database, clock, "Europe/Istanbul")
    finally:
        database.dispose()


# --------------------------------------------------------------------------- clinic and actors


@pytest.fixture
def clinic(uow: UnitOfWork) -> Clinic:
    return uow.clinics.add(
        name="Test clinic",
        timezone="Europe/Istanbul",
        opening_hours={
            day: [(time(9, 0), time(18, 0))]
            for day in ("mon", "tue", "wed", "thu", "fri")
        },
    )


@pytest.fixture
def admin(clinic: Clinic) -> Actor:
    return actor_for(clinic, Role.admin)


@pytest.fixture
def clinician(clinic: Clinic) -> Actor:
    return actor_for(clinic, Role.clinician)


@pytest.fixture
def nurse(clinic: Clinic) -> Actor:
    return actor_for(clinic, Role.nurse)


@pytest.fixture
def reception(clinic: Clinic) -> Actor:
    return actor_for(clinic, Role.reception)


# --- diagnostics ---------------------------------------------------------------------------------


def thread_stacks() -> str:
    """Where every thread of this process is now (name, daemon flag, stack), innermost last."""
    names = {thread.ident: thread for thread in threading.enumerate()}
    parts = []
    for ident, frame in sys._current_frames().items():
        thread = names.get(ident)
        label = f"{thread.name} (daemon)" if thread and thread.daemon else str(thread)
        parts.append(f"--- thread {label}\n" + "".join(traceback.format_stack(frame)))
    return "\n".join(parts)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[pytest.TestReport]:
    """A test that failed waiting for an HTTP answer gets every thread's stack in its report,
    taken before teardown stops its servers: it shows where a live server was stuck."""
    report: pytest.TestReport = yield
    if (
        call.when == "call"
        and call.excinfo is not None
        and call.excinfo.errisinstance(httpx.TimeoutException)
    ):
        report.sections.append(("threads when the client timed out", thread_stacks()))
    return report
