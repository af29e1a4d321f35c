"""Faults: kill -9 under writes, PostgreSQL restarts, full or read-only databases, backups under load.

Every scenario starts the real server (`prolo serve --host 127.0.0.1 --workers W`) on a copy of a
demo database (`prolo db upgrade` + `prolo demo --no-serve`, made once per database and logged
into once; SQLite: a file copy, PostgreSQL: CREATE DATABASE ... TEMPLATE on 127.0.0.1:5432,
dropped at the end), drives it over 127.0.0.1 with httpx, breaks something for real, and then
reads the database directly (sqlite3 / psycopg) to judge what survived:

- kill:       a write storm (patients, ODI questionnaires, bookings + cancellations, session starts
              and steps); mid-storm the server's whole process group gets SIGKILL; restart on the
              same database. Every write acknowledged with 2xx must be there with its audit event,
              every write that was in flight (sent, no answer) must have landed fully or not at all,
              nothing may appear that was not sent, and the integrity checks must pass.
- pg-restart: a private throwaway PostgreSQL cluster (initdb as the postgres user, a free port,
              trust auth; removed at the end); moderate load; `pg_ctl stop -m fast`; ~10 s down;
              `pg_ctl start`. Meanwhile every API answer must be 503 application/problem+json of
              type .../database-unavailable with Retry-After, none slower than HANG_LIMIT_S; then
              the app must recover on its own, and the data must be consistent.
- disk:       SQLite on a small tmpfs filled up by a ballast file (disk full), SQLite read-only (a
              0444 file and a server started without CAP_DAC_OVERRIDE, so root cannot write it),
              PostgreSQL `ALTER DATABASE ... SET default_transaction_read_only = on` (sessions
              reset so it applies). Writes must answer 503 problem+json (database-full /
              database-read-only), reads that write nothing must still work, and after the space
              is freed / the flag lifted the running app must accept writes again; integrity
              checks afterwards.
- backup:     `prolo backup` while writes run, `prolo restore` into a fresh database: the restore
              must be a consistent snapshot (every row also in the source, append-only tables
              identical, every audit-named entity present); after the load, backup + restore
              again: every table identical (a hash of its ordered rows).

    .venv/bin/python bench/faults.py [--scenarios kill,pg-restart,disk,backup]
                                     [--databases sqlite,postgresql] [--workers 2]
                                     [--aux-workers 1] [--sequential]
                                     [--disk-full auto|tmpfs|max_page_count]

kill and pg-restart run `--workers` server processes (2), disk and backup `--aux-workers` (1:
each worker costs ~5 s of CPU to start). The SQLite and PostgreSQL runs of disk and backup run
side by side unless --sequential. If mounting a tmpfs is refused, disk-full falls back to
SQLite's `PRAGMA max_page_count`, set on every pooled connection of the real server by a
sitecustomize hook (the report says which mechanism ran).

Prints a table and writes bench/results/faults.json. Every wait is bounded; only 127.0.0.1 is
contacted. Needs root for the tmpfs mount, runuser/setpriv and the private cluster.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import itertools
import json
import os
import pwd
import random
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import httpx

from common import (
    HOST,
    SESSION_STEPS,
    all_pages,
    auth,
    base_env,
    free_port,
    machine,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "faults.json"
PROLO = str(ROOT / ".venv" / "bin" / "prolo")
PG_SHARED = "host=127.0.0.1 port=5432 user=postgres"
DEMO_PASSWORD = "prolo-demo-2025"  # printed by `prolo demo` (docs/cli.md)
PROBLEM_JSON = "application/problem+json"
ACTIVE = (
    "booked",
    "checked_in",
    "done",
)  # the statuses the double-booking guards cover
ID_SYSTEM = "urn:prolo:bench-faults"
HANG_LIMIT_S = 5.0  # no answer may take longer while the database is away
RECOVERY_LIMIT_S = 15.0  # every route back within this after the database is back
LIFT_LIMIT_S = (
    10.0  # writes accepted again within this after space is freed / read-only lifted
)
SCENARIOS = ("kill", "pg-restart", "disk", "backup")
APPEND_ONLY = ("audit_events", "session_steps", "questionnaire_responses", "injections")


def _event_kinds() -> tuple[str, ...]:
    """Every session event kind, from the domain's own union (a copy here could drift)."""
    from prolo.domain.protocol import SessionEvent

    union = get_args(SessionEvent)[0]
    return tuple(str(event.model_fields["kind"].default) for event in get_args(union))


EVENT_KINDS = _event_kinds()


def log(msg: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {msg}", flush=True)


def db_env(url: str) -> dict[str, str]:
    return {**base_env(), "PROLO_DATABASE_URL": url}


def run_cli(
    args: list[str], env: dict[str, str], *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [PROLO, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check and done.returncode != 0:
        raise RuntimeError(
            f"prolo {' '.join(args)} failed: {done.stderr.strip()[-500:]}"
        )
    return done


def run(cmd: list[str], *, timeout: float = 120) -> str:
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{shlex.join(cmd)} failed: {(done.stderr or done.stdout).strip()[-500:]}"
        )
    return done.stdout


# ---- the server --------------------------------------------------------------------------------


class Server:
    """`prolo serve` in its own process group (so kill -9 reaches every worker). Starts are
    serialised: several servers importing the app at once on 2 cores make uvicorn's supervisor
    (which kills a worker that does not answer its 5 s health ping) kill workers still starting."""

    starting = threading.Lock()

    def __init__(
        self,
        env: dict[str, str],
        workdir: Path,
        name: str,
        workers: int,
        prefix: tuple[str, ...] = (),
    ) -> None:
        self.env, self.workdir, self.name, self.workers = env, workdir, name, workers
        self.prefix = prefix
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}/api/v1"
        self.proc: subprocess.Popen[bytes] | None = None
        self.cmd: list[str] = []

    def start(self, limit_s: float = 120) -> float:
        self.cmd = [
            *self.prefix,
            PROLO,
            "serve",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        with Server.starting:
            return self._start(limit_s)

    def _start(self, limit_s: float) -> float:
        out = open(self.workdir / f"server-{self.name}.log", "ab")  # noqa: SIM115
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            self.cmd,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            start_new_session=True,
        )
        deadline = t0 + limit_s
        last = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"server {self.name} exited with {self.proc.returncode}: {self.log_tail()}"
                )
            try:
                r = httpx.get(f"{self.base}/health", timeout=2)
                if r.status_code == 200:
                    return time.monotonic() - t0
                last = f"{r.status_code} {r.text[:300]}"
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"server {self.name} not ready after {limit_s} s (last /health: {last}): {self.log_tail()}"
        )

    def log_tail(self) -> str:
        path = self.workdir / f"server-{self.name}.log"
        return path.read_text(errors="replace")[-800:] if path.exists() else ""

    def worker_deaths(self) -> int:
        """Workers uvicorn's supervisor replaced (it kills one that misses its 5 s ping)."""
        path = self.workdir / f"server-{self.name}.log"
        if not path.exists():
            return 0
        text = path.read_text(errors="replace")
        return sum(
            "Child process [" in line and "died" in line for line in text.splitlines()
        )

    def notable(self) -> list[str]:
        """The server log's errors, tracebacks and worker deaths (at most 15 lines)."""
        path = self.workdir / f"server-{self.name}.log"
        if not path.exists():
            return []
        pattern = ("ERROR", "Traceback", "died", "Error:", "Exception", "CRITICAL")
        lines = path.read_text(errors="replace").splitlines()
        return [line[:240] for line in lines if any(p in line for p in pattern)][:15]

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        # a worker left behind by its supervisor: end the rest of the group
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)


# ---- databases ---------------------------------------------------------------------------------


@dataclass
class Db:
    kind: str  # sqlite | postgresql
    url: str  # PROLO_DATABASE_URL
    path: Path | None = None  # SQLite file
    conninfo: str = ""  # libpq, PostgreSQL

    def connect(self) -> Conn:
        return Conn(self)


class Conn:
    """One DB-API connection with `?` placeholders on both databases."""

    def __init__(self, db: Db) -> None:
        self.kind = db.kind
        if db.kind == "sqlite":
            assert db.path is not None
            self.raw: Any = sqlite3.connect(db.path, timeout=30, isolation_level=None)
        else:
            import psycopg

            self.raw = psycopg.connect(db.conninfo, autocommit=True)

    def q(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.kind == "postgresql":
            sql = sql.replace("?", "%s")
        return list(self.raw.execute(sql, params).fetchall())

    def x(self, sql: str) -> None:
        self.raw.execute(sql)

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> Conn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pg_admin(sql: str, conninfo: str = PG_SHARED) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(f"{conninfo} dbname=postgres", autocommit=True) as conn:
        cur = conn.execute(sql)
        return list(cur.fetchall()) if cur.description else []


def nid(value: Any) -> str:
    """An id in one spelling: UUIDs as 32 hex digits (SQLite stores them so)."""
    if isinstance(value, uuid.UUID):
        return value.hex
    text = str(value)
    try:
        return uuid.UUID(text).hex
    except ValueError:
        return text


def encode(n: int) -> list[int]:
    """n as the ten answers (0-5) of an ODI: each questionnaire submission is recognisable."""
    return [(n // 6**i) % 6 for i in range(10)]


def decode(answers: Any) -> int:
    if isinstance(answers, str):
        answers = json.loads(answers)
    return sum(round(float(a)) * 6**i for i, a in enumerate(answers))


# ---- the demo world (made once per database, copied for each scenario) -------------------------


@dataclass
class World:
    tokens: dict[
        str, str
    ]  # role -> bearer token (created in the template, valid in every copy)
    patients: list[str]
    bookable: list[
        tuple[str, str, int, str, str]
    ]  # course, patient, number, first, last day
    booked: list[str]  # appointment ids on which a session may start
    course_of: dict[str, str]
    site_of_course: dict[str, str]
    lateral: dict[str, bool]


@dataclass
class Baseline:
    max_audit_id: int
    patients: set[str]
    responses: set[str]
    appointments: set[str]
    cancelled: set[str]
    records: set[str]
    rows: dict[str, int]


@dataclass
class Template:
    kind: str
    db: Db
    world: World
    base: Baseline
    seconds: float


def gather_world(base: str, logins: list[dict[str, str]]) -> World:
    from prolo.domain.reference import read_yaml

    tokens: dict[str, str] = {}
    with httpx.Client(base_url=base, timeout=60) as c:
        for entry in logins:
            if entry["role"] in tokens:
                continue
            r = c.post(
                "/auth/token", json={"email": entry["email"], "password": DEMO_PASSWORD}
            )
            r.raise_for_status()
            tokens[entry["role"]] = r.json()["access_token"]
        clin = tokens["clinician"]
        appts = all_pages(c, "/appointments", clin)
        patients = [p["id"] for p in all_pages(c, "/patients", clin)]
        catalog = read_yaml("catalog.yaml")
        lateral = {row["id"]: bool(row.get("lateral")) for row in catalog["sites"]}
        sites = {row["id"]: row["sites"][0] for row in catalog["conditions"]}
        site_of_course: dict[str, str] = {}
        bookable: list[tuple[str, str, int, str, str]] = []
        today = date.today()
        for pid in patients:
            for course in c.get(f"/patients/{pid}/courses", headers=auth(clin)).json():
                site_of_course[course["id"]] = sites.get(course["condition_id"], "")
                if course["status"] not in ("planned", "active"):
                    continue
                detail = c.get(f"/courses/{course['id']}", headers=auth(clin)).json()
                if not detail["appointments"]:
                    first, last = today + timedelta(days=1), today + timedelta(days=28)
                    bookable.append(
                        (course["id"], pid, 1, first.isoformat(), last.isoformat())
                    )
                for win in detail["windows"]:
                    first = max(
                        date.fromisoformat(win["earliest"]), today + timedelta(days=1)
                    )
                    last = date.fromisoformat(win["latest"])
                    if not win["booked"] and first <= last:
                        bookable.append(
                            (
                                course["id"],
                                pid,
                                win["number"],
                                first.isoformat(),
                                last.isoformat(),
                            )
                        )
    return World(
        tokens=tokens,
        patients=patients,
        bookable=bookable,
        booked=[a["id"] for a in appts if a["status"] == "booked"],
        course_of={a["id"]: a["course_id"] for a in appts},
        site_of_course=site_of_course,
        lateral=lateral,
    )


def table_names(conn: Conn) -> list[str]:
    if conn.kind == "sqlite":
        rows = conn.q(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    else:
        rows = conn.q(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
    return sorted(str(r[0]) for r in rows)


def baseline(db: Db) -> Baseline:
    with db.connect() as conn:
        appts = conn.q("SELECT id, status FROM appointments")
        return Baseline(
            max_audit_id=int(
                conn.q("SELECT coalesce(max(id), 0) FROM audit_events")[0][0]
            ),
            patients={nid(r[0]) for r in conn.q("SELECT id FROM patients")},
            responses={
                nid(r[0]) for r in conn.q("SELECT id FROM questionnaire_responses")
            },
            appointments={nid(r[0]) for r in appts},
            cancelled={nid(r[0]) for r in appts if r[1] == "cancelled"},
            records={nid(r[0]) for r in conn.q("SELECT id FROM session_records")},
            rows={
                t: int(conn.q(f'SELECT count(*) FROM "{t}"')[0][0])
                for t in table_names(conn)
            },
        )


class Run:
    """What one run creates, so that the end removes all of it."""

    def __init__(self, workdir: Path, workers: int, aux_workers: int) -> None:
        self.workdir = workdir
        self.workers = workers  # kill and pg-restart
        self.aux_workers = aux_workers  # disk and backup
        self.tag = f"{os.getpid()}"
        self.pg_databases: list[str] = []
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    def name(self, what: str) -> str:
        with self.lock:
            return f"prolo_faults_{self.tag}_{what}_{next(self.counter)}"

    def new_pg_database(self, what: str, template: str | None = None) -> Db:
        name = self.name(what)
        self.pg_databases.append(name)
        pg_admin(
            f'CREATE DATABASE "{name}"'
            + (f' TEMPLATE "{template}"' if template else "")
        )
        return Db(
            "postgresql",
            f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
            conninfo=f"{PG_SHARED} dbname={name}",
        )

    def new_sqlite_path(self, what: str, directory: Path | None = None) -> Path:
        return (directory or self.workdir) / f"{self.name(what)}.db"

    def copy(self, tpl: Template, what: str, directory: Path | None = None) -> Db:
        if tpl.kind == "sqlite":
            assert tpl.db.path is not None
            path = self.new_sqlite_path(what, directory)
            shutil.copyfile(
                tpl.db.path, path
            )  # checkpointed and closed: the file is the database
            return Db("sqlite", f"sqlite:///{path}", path=path)
        db_name = tpl.db.conninfo.rsplit("dbname=", 1)[1]
        return self.new_pg_database(what, template=db_name)

    def cleanup(self) -> None:
        for name in self.pg_databases:
            try:
                pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:  # keep dropping the others
                log(f"could not drop {name}: {exc}")


def make_template(run_: Run, kind: str) -> Template:
    t0 = time.monotonic()
    if kind == "sqlite":
        path = run_.new_sqlite_path("template")
        db = Db("sqlite", f"sqlite:///{path}", path=path)
    else:
        db = run_.new_pg_database("template")
    env = db_env(db.url)
    run_cli(["db", "upgrade"], env)
    demo = json.loads(run_cli(["demo", "--no-serve", "--format", "json"], env).stdout)
    server = Server(env, run_.workdir, f"{kind}-template", 1)
    try:
        server.start()
        world = gather_world(server.base, demo["logins"])
    finally:
        server.stop()
    if kind == "sqlite":
        assert db.path is not None
        conn = sqlite3.connect(db.path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
    return Template(kind, db, world, baseline(db), time.monotonic() - t0)


# ---- driving the server ------------------------------------------------------------------------


@dataclass
class Sample:
    route: str
    kind: str  # read | write
    t0: float
    t1: float = 0.0
    status: int = 0  # 0: no answer
    ctype: str = ""
    ptype: str = ""
    detail: str = ""
    retry_after: str | None = None
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.t1 - self.t0


def db_problem(s: Sample, suffix: str) -> bool:
    """A 503 problem+json of type .../<suffix>, with Retry-After, that names the database."""
    return (
        s.status == 503
        and s.ctype.startswith(PROBLEM_JSON)
        and s.ptype.endswith(suffix)
        and bool(s.retry_after)
        and "database" in s.detail.lower()
    )


class Driver:
    """Concurrent users over one httpx client. Writes are kept in a ledger: acknowledged (2xx, with
    the returned id), refused (503), in flight (sent before the kill, no answer), unsent."""

    def __init__(self, world: World, tag: str, seed: int = 1) -> None:
        self.w = world
        self.tag = tag
        self.samples: list[Sample] = []
        self.acked: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.refused: dict[str, list[Any]] = defaultdict(list)
        self.inflight: dict[str, list[Any]] = defaultdict(list)
        self.unsent = 0
        self.errors: list[str] = []  # requests without an answer (the first 50)
        self.kill_at: float | None = None
        self.stop = False
        self.numbers = itertools.count(seed * 1_000_000)
        self.bookable = list(world.bookable)
        self.queue = list(world.booked)
        random.Random(seed).shuffle(self.queue)

    async def call(
        self,
        c: httpx.AsyncClient,
        route: str,
        kind: str,
        method: str,
        url: str,
        *,
        token: str | None,
        key: Any = None,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response | None:
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        s = Sample(route, kind, time.monotonic())
        self.samples.append(s)
        try:
            r = await c.request(method, url, headers=hdrs, **kw)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            s.t1, s.error = time.monotonic(), f"connect: {type(exc).__name__}"
            if kind == "write":
                self.unsent += 1
            return None
        except httpx.HTTPError as exc:
            s.t1, s.error = time.monotonic(), type(exc).__name__
            if len(self.errors) < 50:
                self.errors.append(f"{route} after {s.seconds:.2f} s: {exc!r}"[:240])
            if kind == "write":
                if self.kill_at is None or s.t0 < self.kill_at:
                    self.inflight[route].append(key)
                else:  # written to a connection whose server was already dead
                    self.unsent += 1
            return None
        s.t1, s.status = time.monotonic(), r.status_code
        s.ctype = r.headers.get("content-type", "")
        s.retry_after = r.headers.get("retry-after")
        if "json" in s.ctype:
            with contextlib.suppress(ValueError):
                body = r.json()
                if isinstance(body, dict):
                    s.ptype = str(body.get("type", ""))
                    s.detail = str(body.get("detail") or body.get("title") or "")
                    if isinstance(body.get("database"), dict):  # /health
                        s.detail = str(body["database"].get("detail", ""))
        if kind == "write" and r.status_code == 503:
            self.refused[route].append(key)
        return r

    # -- writes --

    async def patient(self, c: httpx.AsyncClient, _rng: random.Random) -> None:
        n = next(self.numbers)
        body = {
            "given_name": "Bench",
            "family_name": f"Storm-{self.tag}-{n}",
            "identifiers": [{"system": ID_SYSTEM, "value": f"{self.tag}-{n}"}],
        }
        r = await self.call(
            c,
            "patient-create",
            "write",
            "POST",
            "/patients",
            token=self.w.tokens["reception"],
            key=n,
            json=body,
        )
        if r is not None and r.status_code == 201:
            self.acked["patient-create"].append({"id": r.json()["id"], "n": n})

    async def questionnaire(self, c: httpx.AsyncClient, rng: random.Random) -> None:
        n = next(self.numbers)
        pid = rng.choice(self.w.patients)
        body = {"instrument_id": "odi", "answers": encode(n), "timepoint": "baseline"}
        r = await self.call(
            c,
            "questionnaire",
            "write",
            "POST",
            f"/patients/{pid}/questionnaires",
            token=self.w.tokens["nurse"],
            key=n,
            json=body,
        )
        if r is not None and r.status_code == 201:
            self.acked["questionnaire"].append({"id": r.json()["id"], "n": n})

    async def book_cancel(self, c: httpx.AsyncClient, rng: random.Random) -> None:
        if not self.bookable:
            await self.questionnaire(c, rng)
            return
        course, patient, number, first, last = rng.choice(self.bookable)
        d0, d1 = date.fromisoformat(first), date.fromisoformat(last)
        day = d0 + timedelta(days=rng.randint(0, max(0, (d1 - d0).days)))
        token = self.w.tokens["reception"]
        r = await self.call(
            c,
            "free-slots",
            "read",
            "GET",
            "/free-slots",
            token=token,
            params={
                "first_day": day.isoformat(),
                "last_day": day.isoformat(),
                "patient_id": patient,
            },
        )
        if r is None or r.status_code != 200 or not r.json():
            return
        slot = rng.choice(r.json()[:3])
        item = {
            "session_number": number,
            "starts_at": slot["starts_at"],
            "clinician_id": slot["clinician_id"],
            "room_id": slot["room_id"],
            "recovery_place_id": slot["recovery_place_id"],
        }
        r = await self.call(
            c,
            "book",
            "write",
            "POST",
            f"/courses/{course}/appointments",
            token=token,
            key=(course, number),
            json={"sessions": [item]},
        )
        if r is None or r.status_code != 201:
            return
        appt = r.json()[0]
        self.acked["book"].append(
            {"id": appt["id"], "version": appt["version"], "course": course}
        )
        r = await self.call(
            c,
            "cancel",
            "write",
            "POST",
            f"/appointments/{appt['id']}/cancel",
            token=token,
            key=appt["id"],
            json={"reason": "faults bench: patient rang to cancel"},
            headers={"If-Match": f'"v{appt["version"]}"'},
        )
        if r is not None and r.status_code == 200:
            self.acked["cancel"].append(
                {"id": appt["id"], "version": r.json()["version"]}
            )

    async def session(self, c: httpx.AsyncClient, rng: random.Random) -> None:
        if not self.queue:
            await self.patient(c, rng)
            return
        appt = self.queue.pop()
        token = self.w.tokens["nurse"]
        r = await self.call(
            c,
            "session-start",
            "write",
            "POST",
            f"/appointments/{appt}/session",
            token=token,
            key=appt,
        )
        if r is None or r.status_code != 201:
            return
        sid = r.json()["record"]["id"]
        self.acked["session-start"].append({"id": sid, "appointment": appt})
        site = self.w.site_of_course.get(self.w.course_of.get(appt, ""), "")
        for step in SESSION_STEPS:
            if step["kind"] == "injection":
                if not site:
                    return
                step = {
                    **step,
                    "site": site,
                    "laterality": "left" if self.w.lateral.get(site) else "none",
                }
            r = await self.call(
                c,
                "session-event",
                "write",
                "POST",
                f"/sessions/{sid}/events",
                token=token,
                key=(sid, step["kind"]),
                json=step,
            )
            if r is None or r.status_code not in (200, 201):
                return
            self.acked["session-event"].append({"id": sid, "kind": step["kind"]})

    # -- reads --

    async def read_appointments(
        self, c: httpx.AsyncClient, _rng: random.Random
    ) -> None:
        await self.call(
            c,
            "appointments",
            "read",
            "GET",
            "/appointments",
            token=self.w.tokens["clinician"],
            params={"limit": 20},
        )

    async def read_patients(self, c: httpx.AsyncClient, _rng: random.Random) -> None:
        await self.call(
            c,
            "patients",
            "read",
            "GET",
            "/patients",
            token=self.w.tokens["reception"],
            params={"limit": 20},
        )

    async def read_rooms(self, c: httpx.AsyncClient, _rng: random.Random) -> None:
        await self.call(
            c, "rooms", "read", "GET", "/rooms", token=self.w.tokens["reception"]
        )

    async def read_health(self, c: httpx.AsyncClient, _rng: random.Random) -> None:
        await self.call(c, "health", "read", "GET", "/health", token=None)

    async def worker(
        self,
        c: httpx.AsyncClient,
        n: int,
        mix: list[
            tuple[float, Callable[[httpx.AsyncClient, random.Random], Awaitable[None]]]
        ],
        until: float,
        think: float,
    ) -> None:
        rng = random.Random(n)
        total = sum(w for w, _ in mix)
        while not self.stop and time.monotonic() < until:
            x = rng.random() * total
            op = mix[-1][1]
            for weight, candidate in mix:
                x -= weight
                if x <= 0:
                    op = candidate
                    break
            await op(c, rng)
            if think > 0:
                await asyncio.sleep(rng.expovariate(1 / think))

    def storm_mix(
        self,
    ) -> list[
        tuple[float, Callable[[httpx.AsyncClient, random.Random], Awaitable[None]]]
    ]:
        return [
            (0.3, self.patient),
            (0.3, self.questionnaire),
            (0.2, self.book_cancel),
            (0.2, self.session),
        ]

    def steady_mix(
        self,
    ) -> list[
        tuple[float, Callable[[httpx.AsyncClient, random.Random], Awaitable[None]]]
    ]:
        return [
            (0.25, self.read_appointments),
            (0.2, self.read_patients),
            (0.15, self.read_rooms),
            (0.1, self.read_health),
            (0.15, self.patient),
            (0.15, self.questionnaire),
        ]

    def acked_total(self) -> int:
        return sum(len(v) for v in self.acked.values())

    def codes(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter[str]] = defaultdict(Counter)
        for s in self.samples:
            out[s.route][
                str(s.status) if s.status else (s.error.split(":")[0] or "none")
            ] += 1
        return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}


def client(base: str, users: int, timeout: float = 15) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base,
        timeout=timeout,
        # idle connections expire on our side first (uvicorn closes them after 5 s): no race
        # where a request goes out on a connection the server is closing
        limits=httpx.Limits(
            max_connections=users, max_keepalive_connections=users, keepalive_expiry=2.0
        ),
    )


# ---- reading the database back -----------------------------------------------------------------


@dataclass
class State:
    patients: dict[str, str]  # id -> family name
    identifiers: dict[str, set[str]]  # patient id -> identifier values
    identifier_values: set[str]
    responses: dict[str, tuple[str, Any]]  # id -> (patient id, answers)
    appts: dict[str, dict[str, Any]]
    records: dict[str, str]  # session record id -> appointment id
    steps: dict[str, Counter[str]]
    injections: Counter[str]
    audit: Counter[
        tuple[str, str]
    ]  # (action, resource id) of the events since the baseline
    audit_rows: int


def read_state(conn: Conn, base: Baseline) -> State:
    identifiers: dict[str, set[str]] = defaultdict(set)
    values: set[str] = set()
    for pid, value in conn.q("SELECT patient_id, value FROM patient_identifiers"):
        identifiers[nid(pid)].add(str(value))
        values.add(str(value))
    appts: dict[str, dict[str, Any]] = {}
    for row in conn.q(
        "SELECT id, course_id, session_number, status, version FROM appointments"
    ):
        appts[nid(row[0])] = {
            "course": nid(row[1]),
            "number": row[2],
            "status": str(row[3]),
            "version": row[4],
        }
    steps: dict[str, Counter[str]] = defaultdict(Counter)
    for sid, step in conn.q("SELECT session_record_id, step FROM session_steps"):
        steps[nid(sid)][str(step)] += 1
    audit: Counter[tuple[str, str]] = Counter()
    rows = conn.q(
        "SELECT action, resource_id FROM audit_events WHERE id > ?",
        (base.max_audit_id,),
    )
    for action, rid in rows:
        audit[(str(action), nid(rid) if rid is not None else "")] += 1
    return State(
        patients={
            nid(r[0]): str(r[1]) for r in conn.q("SELECT id, family_name FROM patients")
        },
        identifiers=identifiers,
        identifier_values=values,
        responses={
            nid(r[0]): (nid(r[1]), r[2])
            for r in conn.q(
                "SELECT id, patient_id, answers FROM questionnaire_responses"
            )
        },
        appts=appts,
        records={
            nid(r[0]): nid(r[1])
            for r in conn.q("SELECT id, appointment_id FROM session_records")
        },
        steps=steps,
        injections=Counter(
            nid(r[0]) for r in conn.q("SELECT session_record_id FROM injections")
        ),
        audit=audit,
        audit_rows=len(rows),
    )


def integrity(conn: Conn) -> dict[str, Any]:
    """SQLite: integrity_check and foreign_key_check. PostgreSQL: every foreign key re-checked by
    an anti-join, and amcheck's bt_index_check (with heapallindexed) on every B-tree index."""
    out: dict[str, Any] = {}
    problems: list[str] = []
    if conn.kind == "sqlite":
        check = [str(r[0]) for r in conn.q("PRAGMA integrity_check")]
        fk = conn.q("PRAGMA foreign_key_check")
        out["integrity_check"] = check[0] if check == ["ok"] else check[:5]
        out["foreign_key_violations"] = len(fk)
        if check != ["ok"]:
            problems.append(f"PRAGMA integrity_check: {check[:3]}")
        if fk:
            problems.append(f"PRAGMA foreign_key_check: {fk[:3]}")
    else:
        fks = conn.q(
            "SELECT con.conname, cl.relname, fcl.relname,"
            " array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)"
            "  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),"
            " array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)"
            "  JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)"
            " FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid"
            " JOIN pg_class fcl ON fcl.oid = con.confrelid"
            " JOIN pg_namespace ns ON ns.oid = cl.relnamespace"
            " WHERE con.contype = 'f' AND ns.nspname = 'public'"
        )
        violations = 0
        for name, child, parent, cols, refs in fks:
            notnull = " AND ".join(f'c."{k}" IS NOT NULL' for k in cols)
            match = " AND ".join(
                f'p."{r}" = c."{k}"' for k, r in zip(cols, refs, strict=True)
            )
            n = conn.q(
                f'SELECT count(*) FROM "{child}" c WHERE {notnull}'
                f' AND NOT EXISTS (SELECT 1 FROM "{parent}" p WHERE {match})'
            )[0][0]
            if n:
                violations += n
                problems.append(f"foreign key {name}: {n} orphan rows")
        out["foreign_keys_checked"] = len(fks)
        out["foreign_key_violations"] = violations
        conn.x("CREATE EXTENSION IF NOT EXISTS amcheck")
        indexes = conn.q(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND am.amname = 'btree'"
        )
        bad = 0
        for (index,) in indexes:
            try:
                conn.q("SELECT bt_index_check(?::regclass, true)::text", (index,))
            except Exception as exc:
                bad += 1
                problems.append(f"amcheck {index}: {str(exc).splitlines()[0]}")
        out["amcheck_btree_indexes"] = len(indexes)
        out["amcheck_failures"] = bad
    out["problems"] = problems
    return out


def double_bookings(conn: Conn) -> int:
    active = ", ".join(f"'{s}'" for s in ACTIVE)
    total = 0
    for col, start, end in (
        ("clinician_id", "starts_at", "ends_at"),
        ("room_id", "starts_at", "ends_at"),
        ("patient_id", "starts_at", "ends_at"),
        ("recovery_place_id", "recovery_starts_at", "recovery_ends_at"),
    ):
        total += int(
            conn.q(
                f"SELECT count(*) FROM appointments a JOIN appointments b ON a.{col} = b.{col} AND a.id < b.id"
                f" WHERE a.status IN ({active}) AND b.status IN ({active})"
                f" AND a.{start} < b.{end} AND b.{start} < a.{end}"
            )[0][0]
        )
    return total


def consistency(conn: Conn, base: Baseline, st: State | None = None) -> dict[str, Any]:
    """Nothing half-written: every row made since the baseline has its audit event (and its
    children), every audit event of a creation names a row that exists, no double booking."""
    st = st or read_state(conn, base)
    problems: list[str] = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    new_appts = {a: v for a, v in st.appts.items() if a not in base.appointments}
    for a in new_appts:
        need(
            st.audit[("appointment.book", a)] >= 1,
            f"appointment {a} without appointment.book event",
        )
    for a, v in st.appts.items():
        cancelled_now = v["status"] == "cancelled" and a not in base.cancelled
        audited = st.audit[("appointment.cancel", a)] >= 1
        need(
            cancelled_now == audited,
            f"appointment {a}: status {v['status']}, cancel events {int(audited)}",
        )
    new_patients = [p for p in st.patients if p not in base.patients]
    for p in new_patients:
        need(
            st.audit[("patient.create", p)] >= 1,
            f"patient {p} without patient.create event",
        )
        need(bool(st.identifiers.get(p)), f"patient {p} without its identifier")
    new_responses = [r for r in st.responses if r not in base.responses]
    for r in new_responses:
        need(
            st.audit[("questionnaire.submit", r)] >= 1,
            f"response {r} without questionnaire.submit event",
        )
    new_records = [s for s in st.records if s not in base.records]
    for s in new_records:
        appt = st.appts.get(st.records[s])
        need(
            st.audit[("session.start", s)] >= 1,
            f"session {s} without session.start event",
        )
        need(
            appt is not None and appt["status"] != "booked",
            f"session {s}: its appointment is {appt}",
        )
        need(
            st.steps[s]["check_in"] == 1,
            f"session {s}: {st.steps[s]['check_in']} check-in steps",
        )
        for kind in EVENT_KINDS:
            need(
                st.steps[s][kind] == st.audit[(f"session.{kind}", s)],
                f"session {s}: {st.steps[s][kind]} {kind} steps, {st.audit[(f'session.{kind}', s)]} events",
            )
        need(
            st.injections[s] == st.steps[s]["injection"],
            f"session {s}: injection rows != injection steps",
        )
    created: dict[str, set[str]] = {
        "appointment.book": set(st.appts),
        "patient.create": set(st.patients),
        "questionnaire.submit": set(st.responses),
        "session.start": set(st.records),
    }
    orphan_events = 0
    for (action, rid), n in st.audit.items():
        if action in created and rid not in created[action]:
            orphan_events += n
            problems.append(f"{action} event for {rid}, which does not exist")
    doubles = double_bookings(conn)
    need(doubles == 0, f"{doubles} double bookings")
    checks = integrity(conn)
    problems += checks.pop("problems")
    return {
        "new_rows": {
            "appointments": len(new_appts),
            "patients": len(new_patients),
            "questionnaire_responses": len(new_responses),
            "session_records": len(new_records),
            "audit_events": st.audit_rows,
        },
        "audit_events_naming_a_missing_row": orphan_events,
        "double_bookings": doubles,
        **checks,
        "problems": problems[:40],
        "ok": not problems,
    }


def verify_ledger(
    conn: Conn, d: Driver, base: Baseline, st: State | None = None
) -> dict[str, Any]:
    """Every acknowledged write present with its audit event; every write without an answer landed
    fully or not at all; no refused (503) write landed; nothing landed that was not sent."""
    st = st or read_state(conn, base)
    problems: list[str] = []
    missing = 0

    def lost(what: str) -> None:
        nonlocal missing
        missing += 1
        problems.append(what)

    by_name = {name: pid for pid, name in st.patients.items()}
    for a in d.acked["patient-create"]:
        p = nid(a["id"])
        if p not in st.patients or st.audit[("patient.create", p)] < 1:
            lost(f"acknowledged patient {p} missing or unaudited")
    for a in d.acked["questionnaire"]:
        r = nid(a["id"])
        if r not in st.responses or st.audit[("questionnaire.submit", r)] < 1:
            lost(f"acknowledged response {r} missing or unaudited")
    for a in d.acked["book"]:
        x = nid(a["id"])
        if x not in st.appts or st.audit[("appointment.book", x)] < 1:
            lost(f"acknowledged booking {x} missing or unaudited")
    for a in d.acked["cancel"]:
        x = nid(a["id"])
        v = st.appts.get(x)
        if v is None or v["status"] != "cancelled" or v["version"] != a["version"]:
            lost(f"acknowledged cancellation of {x}: {v}")
    for a in d.acked["session-start"]:
        s = nid(a["id"])
        if (
            st.records.get(s) != nid(a["appointment"])
            or st.audit[("session.start", s)] < 1
        ):
            lost(f"acknowledged session {s} missing or unaudited")
    acked_events = Counter((nid(a["id"]), a["kind"]) for a in d.acked["session-event"])
    for (s, kind), n in acked_events.items():
        if st.steps[s][kind] < n or st.audit[(f"session.{kind}", s)] < n:
            lost(f"acknowledged {kind} of session {s} missing or unaudited")

    # writes without an answer: landed fully, or not at all
    inflight: dict[str, dict[str, int]] = {}

    def tally(route: str, landed: bool, partial: bool = False) -> None:
        t = inflight.setdefault(
            route, {"sent": 0, "landed": 0, "not_landed": 0, "partial": 0}
        )
        t["sent"] += 1
        t["partial" if partial else "landed" if landed else "not_landed"] += 1

    for n in d.inflight["patient-create"]:
        found = by_name.get(f"Storm-{d.tag}-{n}")
        value_there = f"{d.tag}-{n}" in st.identifier_values
        if found is None:
            tally("patient-create", False, partial=value_there)
        else:
            tally(
                "patient-create",
                True,
                partial=not (value_there and st.audit[("patient.create", p)] >= 1),
            )
    numbers = {
        decode(ans): rid
        for rid, (_, ans) in st.responses.items()
        if rid not in base.responses
    }
    for n in d.inflight["questionnaire"]:
        rid = numbers.get(n)
        tally(
            "questionnaire",
            rid is not None,
            partial=rid is not None and st.audit[("questionnaire.submit", rid)] < 1,
        )
    acked_appts = {nid(a["id"]) for a in d.acked["book"]}
    unexplained_appts = Counter(
        (v["course"], v["number"])
        for a, v in st.appts.items()
        if a not in base.appointments and a not in acked_appts
    )
    pending_books = Counter((nid(c), n) for c, n in d.inflight["book"])
    for key, n in pending_books.items():
        landed = min(n, unexplained_appts[key])
        for i in range(n):
            tally("book", i < landed)
        unexplained_appts[key] -= landed
    acked_cancels = {nid(a["id"]) for a in d.acked["cancel"]}
    for x in d.inflight["cancel"]:
        v = st.appts.get(nid(x), {})
        cancelled = v.get("status") == "cancelled"
        tally(
            "cancel",
            cancelled,
            partial=cancelled != (st.audit[("appointment.cancel", nid(x))] >= 1),
        )
    record_of = {a: s for s, a in st.records.items()}
    for x in d.inflight["session-start"]:
        rec = record_of.get(nid(x))
        tally(
            "session-start",
            rec is not None,
            partial=rec is not None and st.audit[("session.start", rec)] < 1,
        )
    for sid, kind in d.inflight["session-event"]:
        s = nid(sid)
        landed = st.steps[s][kind] > acked_events[(s, kind)]
        tally(
            "session-event",
            landed,
            partial=st.steps[s][kind] != st.audit[(f"session.{kind}", s)],
        )
    partial = sum(t["partial"] for t in inflight.values())
    if partial:
        problems.append(f"{partial} writes without an answer landed only in part")

    # refused writes (503: "nothing was saved") must not be there
    refused_landed = 0
    for n in d.refused["patient-create"]:
        if f"Storm-{d.tag}-{n}" in by_name:
            refused_landed += 1
            problems.append(
                f"patient Storm-{d.tag}-{n} was refused with 503 but is saved"
            )
    for n in d.refused["questionnaire"]:
        if n in numbers:
            refused_landed += 1
            problems.append(f"questionnaire {n} was refused with 503 but is saved")
    for x in d.refused["cancel"]:
        if (
            nid(x) not in acked_cancels
            and st.appts.get(nid(x), {}).get("status") == "cancelled"
        ):
            refused_landed += 1
            problems.append(f"cancellation of {x} was refused with 503 but is saved")
    for x in d.refused["session-start"]:
        if nid(x) in record_of:
            refused_landed += 1
            problems.append(f"session start on {x} was refused with 503 but is saved")

    # nothing may appear that this run did not send
    sent_patients = {f"Storm-{d.tag}-{a['n']}" for a in d.acked["patient-create"]} | {
        f"Storm-{d.tag}-{n}" for n in d.inflight["patient-create"]
    }
    phantoms = [
        p
        for p, name in st.patients.items()
        if p not in base.patients and name not in sent_patients
    ]
    sent_numbers = {a["n"] for a in d.acked["questionnaire"]} | set(
        d.inflight["questionnaire"]
    )
    phantoms += [f"response {n}" for n in numbers if n not in sent_numbers]
    phantoms += [
        f"appointment {k}" for k, n in unexplained_appts.items() for _ in range(n)
    ]
    acked_records = {nid(a["id"]) for a in d.acked["session-start"]}
    pending_starts = {nid(x) for x in d.inflight["session-start"]}
    phantoms += [
        f"session {s}"
        for s, a in st.records.items()
        if s not in base.records and s not in acked_records and a not in pending_starts
    ]
    if phantoms:
        problems.append(f"{len(phantoms)} rows nobody was told about: {phantoms[:3]}")
    return {
        "acknowledged": {k: len(v) for k, v in sorted(d.acked.items())},
        "acknowledged_missing": missing,
        "in_flight": inflight,
        "in_flight_partial": partial,
        "refused_503": {k: len(v) for k, v in sorted(d.refused.items()) if v},
        "refused_but_saved": refused_landed,
        "unsent_after_kill": d.unsent,
        "phantom_rows": len(phantoms),
        "problems": problems[:40],
        "ok": not problems,
    }


def result(
    name: str, kind: str, problems: list[str], figures: dict[str, Any], t0: float
) -> dict[str, Any]:
    return {
        "scenario": name,
        "database": kind,
        "result": "FAIL" if problems else "PASS",
        "seconds": round(time.monotonic() - t0, 1),
        "problems": problems[:60],
        "figures": figures,
    }


# ---- scenario 1: kill -9 during a write storm --------------------------------------------------


def judge_database(
    db: Db, driver: Driver, tpl: Template, figures: dict[str, Any]
) -> list[str]:
    """Read a scenario's database directly once its server is stopped: the ledger of writes and
    the consistency checks go into `figures`; returns the problems they found."""
    with db.connect() as conn:
        st = read_state(conn, tpl.base)
        ledger = verify_ledger(conn, driver, tpl.base, st)
        cons = consistency(conn, tpl.base, st)
    figures["ledger"] = ledger
    figures["consistency"] = cons
    return list(ledger.pop("problems")) + list(cons.pop("problems"))


def scenario_kill(run_: Run, tpl: Template, users: int) -> dict[str, Any]:
    t0 = time.monotonic()
    db = run_.copy(tpl, "kill")
    env = db_env(db.url)
    server = Server(env, run_.workdir, f"{tpl.kind}-kill", run_.workers)
    problems: list[str] = []
    figures: dict[str, Any] = {"server_command": ""}
    try:
        figures["start_s"] = round(server.start(), 1)
        figures["server_command"] = shlex.join(server.cmd)
        driver = Driver(tpl.world, run_.tag, seed=1)
        kill_after = random.Random(7).uniform(2.5, 4.5)

        async def storm() -> None:
            async with client(server.base, users) as c:
                until = time.monotonic() + 60
                tasks = [
                    asyncio.create_task(
                        driver.worker(c, n, driver.storm_mix(), until, 0.0)
                    )
                    for n in range(users)
                ]
                start = time.monotonic()
                # mid-storm: after a few seconds and a good number of acknowledged writes
                while (
                    time.monotonic() - start < kill_after or driver.acked_total() < 60
                ):
                    if time.monotonic() - start > 20:
                        break
                    await asyncio.sleep(0.02)
                driver.kill_at = time.monotonic()
                server.kill9()
                driver.stop = True
                figures["killed_after_s"] = round(driver.kill_at - start, 2)
                await asyncio.wait_for(
                    asyncio.gather(*tasks, return_exceptions=True), 60
                )

        log(
            f"[{tpl.kind}] kill: {users} writers, SIGKILL to the process group after ~{kill_after:.1f} s"
        )
        asyncio.run(storm())
        figures["requests"] = driver.codes()
        figures["restart_s"] = round(server.start(), 1)
        with httpx.Client(base_url=server.base, timeout=30) as c:
            r = c.post(
                "/patients",
                json={
                    "given_name": "Bench",
                    "family_name": f"Storm-{run_.tag}-0",
                    "identifiers": [{"system": ID_SYSTEM, "value": f"{run_.tag}-0"}],
                },
                headers=auth(tpl.world.tokens["reception"]),
            )
            figures["write_after_restart"] = r.status_code
            if r.status_code != 201:
                problems.append(
                    f"the first write after the restart answered {r.status_code}: {r.text[:200]}"
                )
            else:
                driver.acked["patient-create"].append({"id": r.json()["id"], "n": 0})
        server.stop()
        problems += judge_database(db, driver, tpl, figures)
    except Exception as exc:
        problems.append(f"error: {exc!r}")
        figures["traceback"] = traceback.format_exc()[-2000:]
    finally:
        server.stop()
        figures["server_log"] = server.notable()
        figures["worker_deaths"] = server.worker_deaths()
    return result("kill", tpl.kind, problems, figures, t0)


# ---- scenario 2: PostgreSQL stopped and started under load --------------------------------------


def pg_bin() -> Path:
    versions = sorted(
        (
            p
            for p in Path("/usr/lib/postgresql").glob("*/bin")
            if (p / "initdb").exists()
        ),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not versions:
        raise RuntimeError("no /usr/lib/postgresql/*/bin/initdb")
    return versions[-1]


class PrivateCluster:
    """A throwaway PostgreSQL cluster in a temporary directory owned by the postgres user,
    listening on 127.0.0.1:<free port> with trust auth. Never the shared one on 5432."""

    def __init__(self) -> None:
        self.bin = pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="prolo-faults-pg-"))
        pw = pwd.getpwnam("postgres")
        os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.data = self.dir / "data"
        self.port = free_port()
        self.conninfo = f"host=127.0.0.1 port={self.port} user=postgres"

    def pg(self, program: str, *args: str, timeout: float = 120) -> str:
        return run(
            ["runuser", "-u", "postgres", "--", str(self.bin / program), *args],
            timeout=timeout,
        )

    def init(self) -> None:
        self.pg(
            "initdb",
            "-D",
            str(self.data),
            "--auth=trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
        )

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self.pg(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            opts,
            "-l",
            str(self.dir / "pg.log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self.pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def load_into_cluster(tpl: Template, cluster: PrivateCluster, workdir: Path) -> Db:
    """The template's contents (tokens included) into a database `prolo` of the private cluster."""
    dump = workdir / f"template-{cluster.port}.dump"
    run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(dump),
            tpl.db.conninfo,
        ]
    )
    pg_admin('CREATE DATABASE "prolo"', cluster.conninfo)
    conninfo = f"{cluster.conninfo} dbname=prolo"
    run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--dbname",
            conninfo,
            str(dump),
        ]
    )
    return Db(
        "postgresql",
        f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/prolo",
        conninfo=conninfo,
    )


def scenario_pg_restart(
    run_: Run, tpl: Template, users: int, down_s: float
) -> dict[str, Any]:
    t0 = time.monotonic()
    problems: list[str] = []
    figures: dict[str, Any] = {}
    cluster = PrivateCluster()
    server: Server | None = None
    try:
        cluster.init()
        cluster.start()
        figures["cluster"] = (
            f"{cluster.bin.parent.name} at 127.0.0.1:{cluster.port}, data in {cluster.data}"
        )
        db = load_into_cluster(tpl, cluster, run_.workdir)
        server = Server(db_env(db.url), run_.workdir, "pg-restart", run_.workers)
        figures["start_s"] = round(server.start(), 1)
        figures["server_command"] = shlex.join(server.cmd)
        driver = Driver(tpl.world, run_.tag, seed=2)
        marks: dict[str, float] = {}
        routes = (
            "appointments",
            "patients",
            "rooms",
            "health",
            "patient-create",
            "questionnaire",
        )

        async def load() -> None:
            async with client(server.base, users, timeout=HANG_LIMIT_S * 3) as c:
                until = time.monotonic() + 120
                tasks = [
                    asyncio.create_task(
                        driver.worker(c, n, driver.steady_mix(), until, 0.1)
                    )
                    for n in range(users)
                ]
                marks["load"] = time.monotonic()
                await asyncio.sleep(4)
                marks["stop_begin"] = time.monotonic()
                await asyncio.to_thread(cluster.stop, "fast")
                marks["stop_done"] = time.monotonic()
                await asyncio.sleep(down_s)
                marks["start_begin"] = time.monotonic()
                await asyncio.to_thread(cluster.start)
                marks["start_done"] = time.monotonic()
                while time.monotonic() - marks["start_done"] < 40:
                    back = {
                        s.route
                        for s in driver.samples
                        if s.t0 >= marks["start_done"] and 200 <= s.status < 300
                    }
                    if back >= set(routes):
                        break
                    await asyncio.sleep(0.2)
                await asyncio.sleep(2)
                driver.stop = True
                await asyncio.wait_for(
                    asyncio.gather(*tasks, return_exceptions=True), 60
                )

        log(
            f"[postgresql] pg-restart: {users} users, pg_ctl stop -m fast, {down_s:.0f} s down, pg_ctl start"
        )
        asyncio.run(load())
        down = [
            s
            for s in driver.samples
            if s.t0 >= marks["stop_done"] and s.t1 <= marks["start_begin"]
        ]
        api_down = [s for s in down if s.route != "health"]
        good = [s for s in api_down if db_problem(s, "database-unavailable")]
        statuses = Counter(str(s.status or s.error) for s in api_down)
        health = Counter(str(s.status or s.error) for s in down if s.route == "health")
        slow = [
            s
            for s in driver.samples
            if s.t0 >= marks["stop_begin"]
            and (s.status == 0 or s.seconds > HANG_LIMIT_S)
        ]
        server_errors = [
            s for s in driver.samples if s.status >= 500 and s.status != 503
        ]
        after = marks["start_done"]
        first: dict[str, float] = {}
        for s in sorted(driver.samples, key=lambda s: s.t1):
            if s.t0 >= after and 200 <= s.status < 300 and s.route not in first:
                first[s.route] = s.t1 - after
        sample = next((s for s in api_down if s.status == 503), None)
        figures.update(
            {
                "down_s": round(marks["start_begin"] - marks["stop_done"], 1),
                "stop_took_s": round(marks["stop_done"] - marks["stop_begin"], 2),
                "start_took_s": round(marks["start_done"] - marks["start_begin"], 2),
                "answers_while_down": len(api_down),
                "answers_while_down_by_status": dict(statuses),
                "answers_while_down_503_problem_json": len(good),
                "health_while_down": dict(health),
                "example_503": None
                if sample is None
                else {
                    "content_type": sample.ctype,
                    "type": sample.ptype,
                    "detail": sample.detail,
                    "retry_after": sample.retry_after,
                },
                "max_latency_while_down_ms": round(
                    max((s.seconds for s in down), default=0) * 1000, 1
                ),
                "answers_slower_than_limit_or_none": len(slow),
                "server_errors_other_than_503": len(server_errors),
                "first_2xx_after_start_s": round(
                    min((v for k, v in first.items() if k != "health"), default=-1), 2
                ),
                "all_routes_2xx_after_start_s": round(max(first.values()), 2)
                if set(first) >= set(routes)
                else None,
                "first_2xx_by_route_s": {
                    k: round(v, 2) for k, v in sorted(first.items())
                },
                "requests": driver.codes(),
            }
        )
        if not api_down:
            problems.append("no API answer was received while the database was down")
        if len(good) != len(api_down):
            bad = [s for s in api_down if not db_problem(s, "database-unavailable")]
            problems.append(
                f"{len(bad)} of {len(api_down)} answers while down were not 503 problem+json "
                f"database-unavailable with Retry-After: {Counter((s.status, s.ptype) for s in bad).most_common(3)}"
            )
        if any(k != "503" for k in health):
            problems.append(f"/health while down: {dict(health)}")
        if slow:
            problems.append(
                f"{len(slow)} requests took over {HANG_LIMIT_S} s or got no answer"
            )
        if server_errors:
            problems.append(
                f"{len(server_errors)} answers 5xx other than 503: "
                f"{Counter((s.route, s.status) for s in server_errors).most_common(4)}"
            )
        if (
            figures["all_routes_2xx_after_start_s"] is None
            or figures["all_routes_2xx_after_start_s"] > RECOVERY_LIMIT_S
        ):
            problems.append(
                f"not every route answered 2xx within {RECOVERY_LIMIT_S} s of the start: {figures['first_2xx_by_route_s']}"
            )
        server.stop()
        problems += judge_database(db, driver, tpl, figures)
    except Exception as exc:
        problems.append(f"error: {exc!r}")
        figures["traceback"] = traceback.format_exc()[-2000:]
    finally:
        if server is not None:
            server.stop()
            figures["server_log"] = server.notable()
        if server is not None:
            figures["worker_deaths"] = server.worker_deaths()
        cluster.remove()
        figures["cluster_removed"] = not cluster.dir.exists()
    return result("pg-restart", "postgresql", problems, figures, t0)


# ---- scenario 3: a full disk, a read-only database ----------------------------------------------


async def probe_round(d: Driver, c: httpx.AsyncClient) -> None:
    """One of each: two writes, an unaudited read, two reads of patient data, /health."""
    rng = random.Random()
    await d.patient(c, rng)
    await d.questionnaire(c, rng)
    await d.read_rooms(c, rng)
    await d.read_appointments(c, rng)
    await d.read_patients(c, rng)
    await d.read_health(c, rng)


def judge_fault(samples: list[Sample], suffix: str) -> tuple[dict[str, Any], list[str]]:
    """While the fault lasts: writes answer 503 problem+json .../<suffix>; a read that writes
    nothing (GET /rooms) still answers 200; nothing answers another 5xx."""
    problems: list[str] = []
    writes = [s for s in samples if s.kind == "write"]
    good = [s for s in writes if db_problem(s, suffix)]
    reads: dict[str, Counter[str]] = defaultdict(Counter)
    for s in samples:
        if s.kind == "read":
            reads[s.route][str(s.status or s.error)] += 1
    example = next((s for s in writes if s.status == 503), None)
    figures = {
        "writes": len(writes),
        f"writes_503_{suffix}": len(good),
        "writes_by_status": dict(
            Counter(f"{s.status} {s.ptype.rsplit('/', 1)[-1]}".strip() for s in writes)
        ),
        "reads_by_route": {k: dict(v) for k, v in sorted(reads.items())},
        "example_503": None
        if example is None
        else {
            "type": example.ptype,
            "detail": example.detail,
            "retry_after": example.retry_after,
        },
    }
    if not writes or len(good) != len(writes):
        problems.append(
            f"{len(writes) - len(good)} of {len(writes)} writes were not 503 problem+json {suffix} with Retry-After: "
            f"{figures['writes_by_status']}"
        )
    if (
        reads["rooms"].get("200", 0) != sum(reads["rooms"].values())
        or not reads["rooms"]
    ):
        problems.append(
            f"GET /rooms (writes nothing) did not keep working: {dict(reads['rooms'])}"
        )
    other = [s for s in samples if s.status >= 500 and s.status != 503]
    if other:
        problems.append(
            f"{len(other)} answers 5xx other than 503: {Counter((s.route, s.status) for s in other)}"
        )
    return figures, problems


async def until_writes_work(
    d: Driver, c: httpx.AsyncClient, limit_s: float
) -> float | None:
    """Seconds until a write is accepted again (None: not within limit_s); then 4 more must be."""
    t0 = time.monotonic()
    rng = random.Random(3)
    while time.monotonic() - t0 < limit_s:
        await d.patient(c, rng)
        if 200 <= d.samples[-1].status < 300:
            took = time.monotonic() - t0
            for _ in range(2):
                await d.patient(c, rng)
                await d.questionnaire(c, rng)
            if all(200 <= s.status < 300 for s in d.samples[-4:]):
                return took
        await asyncio.sleep(0.25)
    return None


SITECUSTOMIZE = """
# bench/faults.py: SQLite's page limit on every pooled connection, read from a file at each checkout
import os
from sqlalchemy import event
from sqlalchemy.pool import Pool

_LIMIT = os.environ.get("PROLO_FAULTS_MAX_PAGES_FILE")

@event.listens_for(Pool, "checkout")
def _limit_pages(dbapi_connection, record, proxy):
    if _LIMIT and os.path.exists(_LIMIT) and "sqlite" in type(dbapi_connection).__module__:
        with open(_LIMIT) as f:
            pages = int(f.read().strip() or 0)
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages or 1073741823}")
"""


def scenario_disk_full(run_: Run, tpl: Template, mechanism: str) -> dict[str, Any]:
    t0 = time.monotonic()
    problems: list[str] = []
    figures: dict[str, Any] = {}
    mnt = Path(tempfile.mkdtemp(prefix="prolo-faults-full-"))
    mounted = False
    server: Server | None = None
    try:
        if mechanism in ("auto", "tmpfs"):
            try:
                run(
                    [
                        "mount",
                        "-t",
                        "tmpfs",
                        "-o",
                        "size=16m,mode=0755",
                        "tmpfs",
                        str(mnt),
                    ]
                )
                mounted = True
            except RuntimeError as exc:
                if mechanism == "tmpfs":
                    raise
                figures["tmpfs_refused"] = str(exc)[-200:]
        db = run_.copy(tpl, "full", directory=mnt)
        env = db_env(db.url)
        ballast = mnt / "ballast"
        limit_file = run_.workdir / "max_pages"
        if mounted:
            figures["mechanism"] = (
                "tmpfs of 16 MiB holding the database, filled by a ballast file"
            )
        else:
            site = run_.workdir / "faults-site"
            site.mkdir(exist_ok=True)
            (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
            env["PYTHONPATH"] = str(site)
            env["PROLO_FAULTS_MAX_PAGES_FILE"] = str(limit_file)
            limit_file.write_text("0")
            figures["mechanism"] = (
                "PRAGMA max_page_count on every pooled connection (sitecustomize hook)"
            )
        server = Server(env, run_.workdir, "sqlite-full", run_.aux_workers)
        figures["start_s"] = round(server.start(), 1)
        d = Driver(tpl.world, run_.tag, seed=3)
        marks: dict[str, float] = {}

        async def scenario() -> None:
            assert server is not None
            async with client(server.base, 8) as c:
                await probe_round(d, c)  # all fine before the fault
                figures["before_fault"] = [s.status for s in d.samples]
                if mounted:
                    st = os.statvfs(mnt)
                    spare = st.f_bavail * st.f_frsize - 384 * 1024
                    with open(ballast, "wb") as f:
                        for _ in range(spare // (1024 * 1024)):
                            f.write(b"\0" * 1024 * 1024)
                        f.write(b"\0" * (spare % (1024 * 1024)))
                    figures["free_after_ballast_kib"] = (
                        os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize // 1024
                    )
                else:
                    with db.connect() as conn:
                        pages = int(conn.q("PRAGMA page_count")[0][0])
                    limit_file.write_text(str(pages + 40))
                    figures["max_page_count"] = pages + 40
                marks["fill"] = time.monotonic()
                n_before = len(d.samples)
                refusals = 0
                rng = random.Random(5)
                while time.monotonic() - marks["fill"] < 30 and refusals < 6:
                    await (d.patient if rng.random() < 0.5 else d.questionnaire)(c, rng)
                    refusals = 0 if 200 <= d.samples[-1].status < 300 else refusals + 1
                fill = d.samples[n_before:]
                figures["fill_writes_accepted"] = sum(
                    200 <= s.status < 300 for s in fill
                )
                figures["fill_first_refusal"] = next(
                    (
                        {"status": s.status, "type": s.ptype, "detail": s.detail}
                        for s in fill
                        if s.status >= 300
                    ),
                    None,
                )
                marks["full"] = time.monotonic()
                for _ in range(3):
                    await probe_round(d, c)
                marks["free"] = time.monotonic()
                if mounted:
                    ballast.unlink()
                else:
                    limit_file.write_text("0")
                figures["writes_again_after_s"] = await until_writes_work(
                    d, c, LIFT_LIMIT_S
                )

        log(f"[sqlite] disk-full: {figures['mechanism']}")
        asyncio.run(scenario())
        if any(not 200 <= x < 300 for x in figures.get("before_fault", [])):
            problems.append(
                f"the app was not healthy before the fault: {figures['before_fault']}"
            )
        fault = [s for s in d.samples if marks["full"] <= s.t0 < marks["free"]]
        during, bad = judge_fault(fault, "database-full")
        figures["while_full"] = during
        problems += bad
        fill = [s for s in d.samples if marks["fill"] <= s.t0 < marks["full"]]
        other = [
            s for s in fill if s.status >= 300 and not db_problem(s, "database-full")
        ]
        if other:
            problems.append(
                f"while filling up, {len(other)} refusals were not 503 database-full: "
                f"{Counter((s.status, s.ptype) for s in other).most_common(3)}"
            )
        if figures["writes_again_after_s"] is None:
            problems.append(
                f"writes not accepted within {LIFT_LIMIT_S} s after the space was freed"
            )
        figures["requests"] = d.codes()
        server.stop()
        problems += judge_database(db, d, tpl, figures)
    except Exception as exc:
        problems.append(f"error: {exc!r}")
        figures["traceback"] = traceback.format_exc()[-2000:]
    finally:
        if server is not None:
            server.stop()
            figures["server_log"] = server.notable()
        if mounted:
            try:
                run(["umount", str(mnt)])
            except RuntimeError:
                with contextlib.suppress(RuntimeError):
                    run(["umount", "-l", str(mnt)])
        shutil.rmtree(mnt, ignore_errors=True)
    return result("disk-full", "sqlite", problems, figures, t0)


def scenario_read_only(run_: Run, tpl: Template) -> dict[str, Any]:
    t0 = time.monotonic()
    problems: list[str] = []
    figures: dict[str, Any] = {}
    workdir = Path(tempfile.mkdtemp(prefix="prolo-faults-ro-"))
    server: Server | None = None
    db = run_.copy(tpl, "ro", directory=workdir if tpl.kind == "sqlite" else None)
    dbname = db.conninfo.rsplit("dbname=", 1)[-1]
    try:
        prefix: tuple[str, ...] = ()
        if tpl.kind == "sqlite":
            assert db.path is not None
            os.chmod(workdir, 0o755)
            os.chmod(db.path, 0o444)
            # root ignores file modes through CAP_DAC_OVERRIDE: start the server without it
            prefix = (
                "setpriv",
                "--bounding-set",
                "-dac_override,-dac_read_search",
                "--",
            )
            figures["mechanism"] = (
                "database file mode 0444, server started by `setpriv --bounding-set "
                "-dac_override,-dac_read_search` (root without the capability to override file modes)"
            )
        else:
            figures["mechanism"] = (
                f'ALTER DATABASE "{dbname}" SET default_transaction_read_only = on, then '
                "pg_terminate_backend on its sessions (a new session picks the setting up)"
            )
        server = Server(
            db_env(db.url), run_.workdir, f"{tpl.kind}-ro", run_.aux_workers, prefix
        )
        figures["start_s"] = round(server.start(), 1)
        figures["server_command"] = shlex.join(server.cmd)
        d = Driver(tpl.world, run_.tag, seed=4)
        marks: dict[str, float] = {}

        def terminate_sessions() -> int:
            return len(
                pg_admin(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    f" WHERE datname = '{dbname}' AND pid <> pg_backend_pid()"
                )
            )

        async def scenario() -> None:
            assert server is not None
            async with client(server.base, 8) as c:
                if tpl.kind == "postgresql":
                    await probe_round(d, c)  # fine before
                    figures["before_fault"] = [s.status for s in d.samples]
                    pg_admin(
                        f'ALTER DATABASE "{dbname}" SET default_transaction_read_only = on'
                    )
                    figures["sessions_terminated"] = terminate_sessions()
                    await asyncio.sleep(0.5)
                marks["ro"] = time.monotonic()
                for _ in range(3):
                    await probe_round(d, c)
                marks["lift"] = time.monotonic()
                if tpl.kind == "sqlite":
                    assert db.path is not None
                    for suffix in ("", "-wal", "-shm"):
                        p = Path(f"{db.path}{suffix}")
                        if p.exists():
                            os.chmod(p, 0o644)
                    figures["lifted_by"] = (
                        "chmod 0644 on the database, -wal and -shm files"
                    )
                else:
                    pg_admin(
                        f'ALTER DATABASE "{dbname}" RESET default_transaction_read_only'
                    )
                    figures["lifted_by"] = (
                        "ALTER DATABASE ... RESET default_transaction_read_only"
                    )
                figures["writes_again_after_s"] = await until_writes_work(
                    d, c, LIFT_LIMIT_S
                )

        log(f"[{tpl.kind}] read-only: {figures['mechanism']}")
        asyncio.run(scenario())
        if any(not 200 <= x < 300 for x in figures.get("before_fault", [])):
            problems.append(
                f"the app was not healthy before the fault: {figures['before_fault']}"
            )
        during, bad = judge_fault(
            [s for s in d.samples if marks["ro"] <= s.t0 < marks["lift"]],
            "database-read-only",
        )
        figures["while_read_only"] = during
        problems += bad
        if figures["writes_again_after_s"] is None:
            if tpl.kind == "sqlite":
                # Documented (docs/reliability.md): SQLite shares one read-only mapping of the
                # -shm file among a process's connections, so a running server keeps refusing
                # writes until it is restarted. The operator's step is the restart; it must work.
                figures["limitation"] = (
                    "the running server did not recover on its own: SQLite needs a restart"
                    " after its file is made writable again (documented)"
                )
            else:
                problems.append(
                    f"writes not accepted within {LIFT_LIMIT_S} s after the database was made"
                    " writable again (the running server did not recover on its own)"
                )
            # what an operator would do next: show that it then works
            if tpl.kind == "postgresql":
                terminate_sessions()
                how = "pg_terminate_backend on the app's sessions"
            else:
                server.stop()
                server = Server(
                    db_env(db.url),
                    run_.workdir,
                    f"{tpl.kind}-ro-restart",
                    run_.aux_workers,
                )
                server.start()
                how = "a restart of the server"

            async def again() -> float | None:
                assert server is not None
                async with client(server.base, 4) as c:
                    return await until_writes_work(d, c, LIFT_LIMIT_S)

            figures["recovered_after_operator_step"] = {
                "step": how,
                "writes_again_after_s": asyncio.run(again()),
            }
            if figures["recovered_after_operator_step"]["writes_again_after_s"] is None:
                problems.append(f"writes not accepted even after {how}")
        figures["requests"] = d.codes()
        server.stop()
        problems += judge_database(db, d, tpl, figures)
    except Exception as exc:
        problems.append(f"error: {exc!r}")
        figures["traceback"] = traceback.format_exc()[-2000:]
    finally:
        if server is not None:
            server.stop()
            figures["server_log"] = server.notable()
        if tpl.kind == "postgresql":
            with contextlib.suppress(Exception):
                pg_admin(
                    f'ALTER DATABASE "{dbname}" RESET default_transaction_read_only'
                )
        shutil.rmtree(workdir, ignore_errors=True)
    return result("read-only", tpl.kind, problems, figures, t0)


# ---- scenario 4: backup under load, restore into a fresh database -------------------------------


def pk_columns(conn: Conn, table: str) -> list[str]:
    if conn.kind == "sqlite":
        return [
            str(r[0])
            for r in conn.q(
                "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk",
                (table,),
            )
        ]
    return [
        str(r[0])
        for r in conn.q(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = ?::regclass AND i.indisprimary"
            " ORDER BY array_position(i.indkey::int2[], a.attnum)",
            (f'"{table}"',),
        )
    ]


def table_rows(conn: Conn) -> dict[str, dict[str, str]]:
    """Every table as {primary key: the whole row, canonically encoded}."""
    out: dict[str, dict[str, str]] = {}
    for table in table_names(conn):
        cur = conn.raw.execute(f'SELECT * FROM "{table}"')
        names = [d[0] for d in cur.description]
        pk = pk_columns(conn, table) or names
        idx = [names.index(k) for k in pk]
        rows: dict[str, str] = {}
        for row in cur.fetchall():
            key = json.dumps([str(nid(row[i])) for i in idx])
            rows[key] = json.dumps(list(row), default=str, sort_keys=True)
        out[table] = rows
    return out


def digest(rows: dict[str, str]) -> str:
    h = hashlib.sha256()
    for key in sorted(rows):
        h.update(rows[key].encode())
    return h.hexdigest()[:16]


def restore_into(run_: Run, kind: str, backup: Path, what: str) -> tuple[Db, float]:
    if kind == "sqlite":
        path = run_.new_sqlite_path(what)
        db = Db("sqlite", f"sqlite:///{path}", path=path)
    else:
        db = run_.new_pg_database(what)
    t = time.monotonic()
    done = run_cli(
        ["restore", str(backup), "--yes", "--format", "json"],
        db_env(db.url),
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"prolo restore failed: {done.stderr.strip()[-400:]}")
    return db, time.monotonic() - t


def scenario_backup(run_: Run, tpl: Template, users: int) -> dict[str, Any]:
    t0 = time.monotonic()
    problems: list[str] = []
    figures: dict[str, Any] = {}
    db = run_.copy(tpl, "bsrc")
    env = db_env(db.url)
    server = Server(env, run_.workdir, f"{tpl.kind}-backup", run_.aux_workers)
    during = run_.workdir / f"{tpl.kind}-during.backup"
    after = run_.workdir / f"{tpl.kind}-after.backup"
    try:
        figures["start_s"] = round(server.start(), 1)
        d = Driver(tpl.world, run_.tag, seed=5)
        marks: dict[str, float] = {}
        outcome: dict[str, Any] = {}

        async def load() -> None:
            async with client(server.base, users) as c:
                until = time.monotonic() + 120
                tasks = [
                    asyncio.create_task(d.worker(c, n, d.storm_mix(), until, 0.05))
                    for n in range(users)
                ]
                await asyncio.sleep(3)
                marks["b0"] = time.monotonic()
                outcome["backup"] = await asyncio.to_thread(
                    run_cli,
                    ["backup", str(during), "--format", "json"],
                    env,
                    check=False,
                )
                marks["b1"] = time.monotonic()
                await asyncio.sleep(1.5)
                d.stop = True
                await asyncio.wait_for(
                    asyncio.gather(*tasks, return_exceptions=True), 60
                )

        log(
            f"[{tpl.kind}] backup: {users} writers, `prolo backup` after 3 s, then `prolo restore` x2"
        )
        asyncio.run(load())
        b = outcome["backup"]
        if b.returncode != 0:
            raise RuntimeError(
                f"prolo backup under load failed: {b.stderr.strip()[-400:]}"
            )
        window = [
            s
            for s in d.samples
            if s.kind == "write" and marks["b0"] <= s.t1 <= marks["b1"]
        ]
        figures["backup_during_load"] = {
            "seconds": round(marks["b1"] - marks["b0"], 2),
            "bytes": json.loads(b.stdout)["size_bytes"],
            "writes_acknowledged_while_it_ran": sum(
                200 <= s.status < 300 for s in window
            ),
            "answers_while_it_ran": dict(
                Counter(str(s.status or s.error) for s in window)
            ),
        }
        if not any(200 <= s.status < 300 for s in window):
            problems.append(
                "no write was acknowledged while the backup ran: it did not test a backup under load"
            )
        server_errors = [s for s in d.samples if s.status >= 500 or s.status == 0]
        figures["client_errors"] = d.errors[:10]
        if server_errors:
            problems.append(
                f"{len(server_errors)} requests failed (5xx or no answer) during the load: "
                f"{Counter((s.route, s.status or s.error) for s in server_errors).most_common(4)}"
            )
        figures["requests"] = d.codes()

        def backup_then_restore() -> tuple[Db, float]:
            t = time.monotonic()
            run_cli(["backup", str(after), "--format", "json"], env)
            figures["backup_after_load_s"] = round(time.monotonic() - t, 2)
            return restore_into(run_, tpl.kind, after, "r2")

        # the first restore runs while the second backup is made (independent databases)
        with ThreadPoolExecutor(max_workers=2) as pool:
            first = pool.submit(restore_into, run_, tpl.kind, during, "r1")
            second = pool.submit(backup_then_restore)
            (r1, r1_s), (r2, r2_s) = first.result(), second.result()
        server.stop()
        figures["restore_s"] = [round(r1_s, 2), round(r2_s, 2)]
        with db.connect() as src_conn, r1.connect() as c1, r2.connect() as c2:
            src, one, two = table_rows(src_conn), table_rows(c1), table_rows(c2)
            st = read_state(src_conn, tpl.base)
            ledger = verify_ledger(src_conn, d, tpl.base, st)
            problems += [f"source: {p}" for p in ledger.pop("problems")]
            figures["ledger"] = ledger
            # restore 1: a snapshot taken mid-load
            snap: dict[str, Any] = {
                "tables": len(one),
                "not_in_source": {},
                "changed_since": {},
                "rows": {},
            }
            for table, rows in one.items():
                theirs = src.get(table, {})
                missing = [k for k in rows if k not in theirs]
                changed = [k for k in rows if k in theirs and theirs[k] != rows[k]]
                snap["rows"][table] = len(rows)
                if missing:
                    snap["not_in_source"][table] = len(missing)
                    problems.append(
                        f"restore during load: {len(missing)} rows of {table} are not in the source"
                    )
                if changed:
                    snap["changed_since"][table] = len(changed)
                    if table in APPEND_ONLY:
                        problems.append(
                            f"restore during load: {len(changed)} rows of append-only {table} differ"
                        )
            audit_r1 = {int(json.loads(k)[0]) for k in one.get("audit_events", {})}
            audit_src = {int(json.loads(k)[0]) for k in src.get("audit_events", {})}
            top = max(audit_r1, default=0)
            snap["audit_events"] = [
                tpl.base.rows.get("audit_events", 0),
                len(audit_r1),
                len(audit_src),
            ]
            snap["audit_log_is_a_prefix_of_the_source"] = audit_r1 == {
                i for i in audit_src if i <= top
            }
            if (
                not tpl.base.rows.get("audit_events", 0)
                < len(audit_r1)
                < len(audit_src)
            ):
                problems.append(
                    f"restore during load is not mid-load: audit events (template, restore, source) {snap['audit_events']}"
                )
            if tpl.kind == "sqlite" and not snap["audit_log_is_a_prefix_of_the_source"]:
                problems.append(
                    "restore during load: its audit log is not a prefix of the source's (SQLite commits in id order)"
                )
            cons1 = consistency(c1, tpl.base)
            problems += [f"restore during load: {p}" for p in cons1.pop("problems")]
            snap["consistency"] = cons1
            figures["restore_during_load"] = snap
            # restore 2: after the load, everything identical
            same = {
                t: digest(src.get(t, {})) == digest(two.get(t, {}))
                for t in sorted(set(src) | set(two))
            }
            differ = [t for t, ok in same.items() if not ok]
            if differ:
                problems.append(
                    f"restore after load: tables differ from the source: {differ}"
                )
            cons2 = consistency(c2, tpl.base)
            problems += [f"restore after load: {p}" for p in cons2.pop("problems")]
            cons_src = consistency(src_conn, tpl.base, st)
            problems += [f"source: {p}" for p in cons_src.pop("problems")]
            figures["restore_after_load"] = {
                "tables": len(same),
                "tables_identical": sum(same.values()),
                "rows": sum(len(v) for v in two.values()),
                "digests": {t: digest(two.get(t, {})) for t in sorted(two)},
                "consistency": cons2,
            }
            figures["source_consistency"] = cons_src
    except Exception as exc:
        problems.append(f"error: {exc!r}")
        figures["traceback"] = traceback.format_exc()[-2000:]
    finally:
        server.stop()
        figures["server_log"] = server.notable()
    return result("backup", tpl.kind, problems, figures, t0)


# ---- the report --------------------------------------------------------------------------------


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def summary(r: dict[str, Any]) -> str:
    f = r["figures"]
    led = f.get("ledger", {})
    cons = f.get("consistency", f.get("source_consistency", {}))
    integ = (
        "integrity ok"
        if cons.get("ok")
        else "integrity/consistency FAIL"
        if cons
        else ""
    )
    if r["scenario"] == "kill":
        inf = led.get("in_flight", {})
        sent = sum(v["sent"] for v in inf.values())
        landed = sum(v["landed"] for v in inf.values())
        return (
            f"acked {sum(led.get('acknowledged', {}).values())} (missing {led.get('acknowledged_missing')}), "
            f"in flight {sent} (landed {landed}, none {sent - landed - led.get('in_flight_partial', 0)}, "
            f"partial {led.get('in_flight_partial')}), phantom {led.get('phantom_rows')}, "
            f"restart {f.get('restart_s')} s ({f.get('worker_deaths')} workers replaced by "
            f"uvicorn), {integ}"
        )
    if r["scenario"] == "pg-restart":
        return (
            f"down {f.get('down_s')} s: {f.get('answers_while_down_503_problem_json')}/{f.get('answers_while_down')} "
            f"503 problem+json {f.get('answers_while_down_by_status')}, max {f.get('max_latency_while_down_ms')} ms; "
            f"first 2xx {f.get('first_2xx_after_start_s')} s, all routes {f.get('all_routes_2xx_after_start_s')} s; {integ}"
        )
    if r["scenario"] in ("disk-full", "read-only"):
        w = f.get("while_full") or f.get("while_read_only") or {}
        return (
            f"writes {w.get('writes_by_status')}, rooms {w.get('reads_by_route', {}).get('rooms')}, "
            f"patient reads {w.get('reads_by_route', {}).get('patients')}; "
            f"writes again after {_round(f.get('writes_again_after_s'))} s; {integ}"
        )
    if r["scenario"] == "backup":
        b = f.get("backup_during_load", {})
        s1 = f.get("restore_during_load", {})
        s2 = f.get("restore_after_load", {})
        return (
            f"backup {b.get('seconds')} s with {b.get('writes_acknowledged_while_it_ran')} writes acked meanwhile; "
            f"snapshot audit (tpl, restore, src) {s1.get('audit_events')}, rows not in source "
            f"{sum(s1.get('not_in_source', {}).values()) if s1 else None}; after load "
            f"{s2.get('tables_identical')}/{s2.get('tables')} tables identical"
        )
    return ""


def print_table(results: list[dict[str, Any]]) -> None:
    print(f"\n{'scenario':<11}{'database':<11}{'result':<7}{'s':>6}  figures")
    for r in results:
        print(
            f"{r['scenario']:<11}{r['database']:<11}{r['result']:<7}{r['seconds']:>6}  {summary(r)}"
        )
        for p in r["problems"][:6]:
            print(f"{'':<35}- {p[:300]}")


def jobs(
    scenario: str, tpl: Template, run_: Run, args: argparse.Namespace
) -> list[Callable[[], dict[str, Any]]]:
    """The scenario's runs on one database, in order (each logs its result)."""

    def logged(
        name: str, fn: Callable[[], dict[str, Any]]
    ) -> Callable[[], dict[str, Any]]:
        def job() -> dict[str, Any]:
            t0 = time.monotonic()
            try:
                r = fn()
            # a setup step failed outside the scenario's own handling: report it, go on
            except Exception as exc:
                tb = traceback.format_exc()[-2000:]
                r = result(name, tpl.kind, [f"error: {exc!r}"], {"traceback": tb}, t0)
            log(f"{r['scenario']} {r['database']}: {r['result']} ({r['seconds']} s)")
            return r

        return job

    if scenario == "kill":
        return [logged("kill", lambda: scenario_kill(run_, tpl, args.users))]
    if scenario == "pg-restart" and tpl.kind == "postgresql":
        return [
            logged(
                "pg-restart",
                lambda: scenario_pg_restart(run_, tpl, args.pg_users, args.down),
            )
        ]
    if scenario == "disk":
        chain = [logged("read-only", lambda: scenario_read_only(run_, tpl))]
        if tpl.kind == "sqlite":
            full = logged(
                "disk-full", lambda: scenario_disk_full(run_, tpl, args.disk_full)
            )
            chain.insert(0, full)
        return chain
    if scenario == "backup":
        return [logged("backup", lambda: scenario_backup(run_, tpl, args.users))]
    return []


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--databases", default="sqlite,postgresql")
    ap.add_argument(
        "--workers", type=int, default=2, help="server workers for kill and pg-restart"
    )
    ap.add_argument(
        "--aux-workers",
        type=int,
        default=1,
        help="server workers for disk and backup (each start costs ~5 s of CPU per worker)",
    )
    ap.add_argument(
        "--users",
        type=int,
        default=24,
        help="concurrent writers in the kill and backup storms",
    )
    ap.add_argument(
        "--pg-users", type=int, default=12, help="users during the PostgreSQL restart"
    )
    ap.add_argument(
        "--down", type=float, default=10.0, help="seconds PostgreSQL stays stopped"
    )
    ap.add_argument(
        "--disk-full", choices=("auto", "tmpfs", "max_page_count"), default="auto"
    )
    ap.add_argument(
        "--sequential",
        action="store_true",
        help="run a scenario's SQLite and PostgreSQL runs one after the other",
    )
    ap.add_argument("--output", type=Path, default=RESULTS)
    args = ap.parse_args()
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    if set(scenarios) - set(SCENARIOS) or set(kinds) - {"sqlite", "postgresql"}:
        ap.error(f"--scenarios from {SCENARIOS}, --databases from sqlite,postgresql")
    if not 1 <= args.users <= 200 or not 1 <= args.down <= 120:
        ap.error("--users must be 1-200 and --down 1-120 s")
    started = time.monotonic()
    out: dict[str, Any] = {
        "benchmark": "faults",
        "command": shlex.join([".venv/bin/python", "bench/faults.py", *sys.argv[1:]]),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "scenarios": scenarios,
            "databases": kinds,
            "workers": args.workers,
            "aux_workers": args.aux_workers,
            "users": args.users,
            "pg_users": args.pg_users,
            "down_s": args.down,
            "hang_limit_s": HANG_LIMIT_S,
            "recovery_limit_s": RECOVERY_LIMIT_S,
            "lift_limit_s": LIFT_LIMIT_S,
            "sequential": args.sequential,
        },
    }
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="prolo-faults-") as tmp:
        run_ = Run(Path(tmp), args.workers, args.aux_workers)
        try:
            needed = [
                k
                for k in kinds
                if k == "postgresql" or set(scenarios) & {"kill", "disk", "backup"}
            ]
            log(f"templates: {', '.join(needed)} (db upgrade, demo, logins)")
            with ThreadPoolExecutor(max_workers=2) as pool:
                made = dict(
                    zip(
                        needed,
                        pool.map(lambda k: make_template(run_, k), needed),
                        strict=True,
                    )
                )
            out["templates_s"] = {k: round(t.seconds, 1) for k, t in made.items()}
            for scenario in scenarios:
                # the SQLite and the PostgreSQL runs of a scenario share nothing: run them side
                # by side (their waits overlap), except kill, whose multi-worker servers are
                # CPU-heavy to start and whose storms would slow each other; --sequential
                chains = [
                    chain
                    for kind in kinds
                    if (chain := jobs(scenario, made[kind], run_, args))
                ]
                side_by_side = not args.sequential and scenario != "kill"
                with ThreadPoolExecutor(max_workers=2 if side_by_side else 1) as pool:
                    for chain_results in pool.map(
                        lambda ch: [job() for job in ch], chains
                    ):
                        results += chain_results
        finally:
            run_.cleanup()
    out["seconds"] = round(time.monotonic() - started, 1)
    out["results"] = results
    print_table(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(f"\n{len(results)} scenarios in {out['seconds']} s; wrote {args.output}")
    return 0 if results and all(r["result"] == "PASS" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
