"""Load test: the real server (uvicorn, several workers) on SQLite and PostgreSQL under 200 users.

For each database it makes a fresh database (a SQLite file; a PostgreSQL database created on
127.0.0.1:5432 and dropped at the end), runs `prolo db upgrade` and `prolo demo --no-serve`,
starts `prolo serve --workers W`, and drives it from this process over 127.0.0.1 with N
concurrent users (asyncio + httpx, each user a closed loop with an exponential think time,
mean 5 s: a person reading the page before the next click): calendar reads, free-slot reads,
bookings and cancellations of 120 newly registered, screened patients' courses, session steps
and questionnaire submissions; then the same users without think time (saturation). A bare
FastAPI JSON route (same uvicorn settings) driven the same way is the ceiling. Afterwards, as
admin through the API, it checks that no resource is double-booked, no course breaks its
interval rule (the clinic's `course_rules` setting), and that every accepted write is in the
database and has its audit event. On PostgreSQL it then drives the slowest route alone under
py-spy (where the time goes). It records the cores the server and the load generator used.
Prints tables and writes bench/results/load.json.

    .venv/bin/python bench/load.py [--users 200] [--duration 60] [--workers 2] [--think 5]
                                  [--saturation 20] [--profile 15] [--new-courses 120]
                                  [--databases sqlite,postgresql]

Every loop is bounded: the run stops after --duration seconds and --max-requests requests.
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from common import (
    HOST,
    SESSION_STEPS,
    all_pages,
    auth,
    base_env,
    free_port,
    machine,
    stop,
    wait_ready,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "load.json"
PROLO = str(ROOT / ".venv" / "bin" / "prolo")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PYSPY = str(ROOT / ".venv" / "bin" / "py-spy")
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
DEMO_PASSWORD = "prolo-demo-2025"  # printed by `prolo demo` (docs/cli.md)
READ_ROUTES = {"calendar", "free-slots", "ceiling"}

# ---- the ceiling: a bare FastAPI JSON route on the same server settings -------------------------
try:
    from fastapi import FastAPI

    ceiling_app = FastAPI()

    @ceiling_app.get("/ping")
    def ping() -> dict[str, str]:  # sync, like every Prolo route (ADR-0001)
        return {"status": "ok"}

except ImportError:  # pragma: no cover
    pass


def cpu_seconds(server_pgid: int) -> dict[str, float]:
    """CPU seconds used so far by this process (the load generator) and by the server's process
    group (its workers), from /proc: where the machine's two cores went."""
    tick = os.sysconf("SC_CLK_TCK")
    server = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == server_pgid:  # field 5 of stat: the process group
            server += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    mine = os.times()
    # the whole machine: busy jiffies of all cores (the first line of /proc/stat)
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    idle = int(fields[3]) + int(fields[4])  # idle + iowait
    busy = sum(int(f) for f in fields[:8]) - idle
    return {
        "load_generator": mine.user + mine.system,
        "server": server,
        "machine": busy / tick,
    }


def cpu_share(
    before: dict[str, float], after: dict[str, float], wall: float
) -> dict[str, Any]:
    used = {k: after[k] - before[k] for k in before}
    return {f"{k}_cores": round(v / wall, 2) for k, v in used.items()} | {
        "wall_s": round(wall, 1)
    }


# ---- stats ------------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    codes: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    conflicts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    requests: int = 0

    def record(
        self, route: str, status: int, seconds: float, *, ok: set[int], body: str = ""
    ) -> None:
        self.requests += 1
        self.latencies[route].append(seconds)
        self.codes[route][status] += 1
        if status in ok:
            return
        if status == 409 or (status == 422 and "rule-violation" in body):
            # a lost race for a slot / a stale version: the expected answer under contention
            self.conflicts[route] += 1
            return
        self.errors[route] += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(f"{route} {status} {body[:200]}")


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k] * 1000


def summarise(stats: Stats, seconds: float) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for route, lat in sorted(stats.latencies.items()):
        out[route] = {
            "kind": "read" if route in READ_ROUTES else "write",
            "requests": len(lat),
            "throughput_rps": round(len(lat) / seconds, 1),
            "p50_ms": round(pct(lat, 50), 1),
            "p95_ms": round(pct(lat, 95), 1),
            "p99_ms": round(pct(lat, 99), 1),
            "max_ms": round(max(lat) * 1000, 1),
            "errors": stats.errors.get(route, 0),
            "conflicts": stats.conflicts.get(route, 0),
            "codes": {str(k): v for k, v in sorted(stats.codes[route].items())},
        }
    return out


# ---- the server --------------------------------------------------------------------------------


def run_cli(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [PROLO, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"prolo {' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def wait_drained(url: str, proc: subprocess.Popen[bytes], limit_s: float = 90) -> float:
    """Seconds until the server answers /health within a second again (the queue has drained)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit_s and proc.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.monotonic() - t0
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"{url}: the server did not drain within {limit_s} s")


# ---- the virtual users -------------------------------------------------------------------------


@dataclass
class World:
    base: str
    staff_tokens: list[str]
    clinician_tokens: list[str]
    patient_tokens: dict[str, str]  # patient id -> token
    patient_courses: dict[str, str | None]
    clinician_ids: list[str]
    bookable: list[
        tuple[str, str, int, date, date]
    ]  # course, patient, number, first, last
    session_queue: list[str]  # appointment ids on which a session may start
    site_of_course: dict[str, str]  # course id -> an injection site of its condition
    lateral: dict[str, bool]  # site id -> whether it has a side
    course_of: dict[str, str] = field(
        default_factory=dict
    )  # appointment id -> course id
    accepted: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))


async def timed(
    client: httpx.AsyncClient,
    stats: Stats,
    route: str,
    method: str,
    url: str,
    *,
    ok: set[int],
    **kw: Any,
) -> httpx.Response | None:
    t0 = time.perf_counter()
    try:
        r = await client.request(method, url, **kw)
    except httpx.HTTPError as exc:
        stats.record(route, 599, time.perf_counter() - t0, ok=ok, body=repr(exc))
        return None
    stats.record(route, r.status_code, time.perf_counter() - t0, ok=ok, body=r.text)
    return r


async def calendar_read(
    c: httpx.AsyncClient,
    w: World,
    s: Stats,
    rng: random.Random,
    token: str,
    patient: str | None,
) -> None:
    day = datetime.now(UTC).replace(
        hour=0, minute=0, second=0, microsecond=0
    ) + timedelta(days=rng.randint(-30, 60))
    params: dict[str, Any] = {
        "starts_from": day.isoformat(),
        "starts_before": (day + timedelta(days=7)).isoformat(),
        "limit": 50,
    }
    if patient is None and rng.random() < 0.5:
        params["clinician_id"] = rng.choice(w.clinician_ids)
    await timed(
        c,
        s,
        "calendar",
        "GET",
        "/appointments",
        ok={200},
        params=params,
        headers=auth(token),
    )


async def free_slots(
    c: httpx.AsyncClient, s: Stats, rng: random.Random, token: str
) -> None:
    first = date.today() + timedelta(days=rng.randint(1, 40))
    await timed(
        c,
        s,
        "free-slots",
        "GET",
        "/free-slots",
        ok={200},
        params={"first_day": first.isoformat(), "last_day": first.isoformat()},
        headers=auth(token),
    )


async def book_and_cancel(
    c: httpx.AsyncClient, w: World, s: Stats, rng: random.Random, token: str
) -> None:
    # no client-side lock: users race for the same course and the same slots on purpose
    if not w.bookable:
        await free_slots(c, s, rng, token)
        return
    target = rng.choice(w.bookable)
    course, patient, number, first, last = target
    day = first + timedelta(days=rng.randint(0, max(0, (last - first).days)))
    r = await timed(
        c,
        s,
        "free-slots",
        "GET",
        "/free-slots",
        ok={200},
        params={
            "first_day": day.isoformat(),
            "last_day": day.isoformat(),
            "patient_id": patient,
        },
        headers=auth(token),
    )
    if r is None or r.status_code != 200 or not r.json():
        return
    slot = rng.choice(r.json()[:3])
    body = {
        "sessions": [
            {
                "session_number": number,
                "starts_at": slot["starts_at"],
                "clinician_id": slot["clinician_id"],
                "room_id": slot["room_id"],
                "recovery_place_id": slot["recovery_place_id"],
            }
        ]
    }
    r = await timed(
        c,
        s,
        "book",
        "POST",
        f"/courses/{course}/appointments",
        ok={201},
        json=body,
        headers=auth(token),
    )
    if r is None or r.status_code != 201:
        return
    appt = r.json()[0]
    w.accepted["booked"].append(appt["id"])
    w.course_of[appt["id"]] = course
    if (
        rng.random() < 0.25 and target in w.bookable
    ):  # kept: a nurse may run its session
        w.bookable.remove(target)
        w.session_queue.append(appt["id"])
        return
    r = await timed(
        c,
        s,
        "cancel",
        "POST",
        f"/appointments/{appt['id']}/cancel",
        ok={200},
        json={"reason": "load test: patient rang to cancel"},
        headers={**auth(token), "If-Match": f'"v{appt["version"]}"'},
    )
    if r is not None and r.status_code == 200:
        w.accepted["cancelled"].append(appt["id"])


async def session_steps(
    c: httpx.AsyncClient, w: World, s: Stats, rng: random.Random, token: str
) -> None:
    if not w.session_queue:
        await calendar_read(c, w, s, rng, token, None)
        return
    appt = w.session_queue.pop(rng.randrange(len(w.session_queue)))
    r = await timed(
        c,
        s,
        "session-start",
        "POST",
        f"/appointments/{appt}/session",
        ok={201},
        headers=auth(token),
    )
    if r is None or r.status_code != 201:
        return
    sid = r.json()["record"]["id"]
    w.accepted["sessions"].append(sid)
    site = w.site_of_course.get(w.course_of.get(appt, ""), "")
    for step in SESSION_STEPS:
        if step["kind"] == "injection":
            step = {
                **step,
                "site": site,
                "laterality": "left" if w.lateral.get(site) else "none",
            }
        r = await timed(
            c,
            s,
            "session-event",
            "POST",
            f"/sessions/{sid}/events",
            ok={200, 201},
            json=step,
            headers=auth(token),
        )
        if r is None or r.status_code not in (200, 201):
            return
        w.accepted["session_events"].append((sid, step["kind"]))


async def questionnaire(
    c: httpx.AsyncClient,
    w: World,
    s: Stats,
    rng: random.Random,
    patient: str,
    token: str,
) -> None:
    body: dict[str, Any] = {
        "instrument_id": "nrs",
        "answers": [rng.randint(0, 10)],
        "timepoint": f"session-{rng.randint(1, 8)}",
    }
    r = await timed(
        c,
        s,
        "questionnaire",
        "POST",
        f"/patients/{patient}/questionnaires",
        ok={201},
        json=body,
        headers=auth(token),
    )
    if r is not None and r.status_code == 201:
        w.accepted["questionnaires"].append(r.json()["id"])


async def only_route(
    route: str,
    c: httpx.AsyncClient,
    w: World,
    s: Stats,
    rng: random.Random,
    staff_token: str,
) -> None:
    """One action that exercises `route` (the profile phase drives one route only)."""
    if route in ("book", "cancel"):
        await book_and_cancel(c, w, s, rng, staff_token)
    elif route in ("session-start", "session-event"):
        await session_steps(c, w, s, rng, rng.choice(w.clinician_tokens))
    elif route == "questionnaire":
        patient = rng.choice(list(w.patient_tokens))
        await questionnaire(c, w, s, rng, patient, w.patient_tokens[patient])
    elif route == "free-slots":
        await free_slots(c, s, rng, staff_token)
    else:
        await calendar_read(c, w, s, rng, staff_token, None)


async def user(
    n: int,
    c: httpx.AsyncClient,
    w: World,
    s: Stats,
    until: float,
    think: float,
    max_requests: int,
    only: str | None = None,
) -> None:
    rng = random.Random(n)
    patients = list(w.patient_tokens)
    is_patient = n % 10 < 3  # 30 % of the users are patients on the portal
    patient = patients[n % len(patients)] if is_patient else None
    staff_token = rng.choice(w.clinician_tokens if n % 2 else w.staff_tokens)
    await asyncio.sleep(rng.random() * think)  # stagger the start
    while time.monotonic() < until and s.requests < max_requests:
        x = rng.random()
        if only is not None:
            await only_route(only, c, w, s, rng, staff_token)
        elif patient is not None:
            token = w.patient_tokens[patient]
            if x < 0.75:
                await calendar_read(c, w, s, rng, token, patient)
            else:
                await questionnaire(c, w, s, rng, patient, token)
        elif x < 0.55:
            await calendar_read(c, w, s, rng, staff_token, None)
        elif x < 0.65:
            await free_slots(c, s, rng, staff_token)
        elif x < 0.88:
            await book_and_cancel(c, w, s, rng, staff_token)
        else:
            await session_steps(c, w, s, rng, rng.choice(w.clinician_tokens))
        if think > 0:  # never past the end: the phase's seconds are its own
            await asyncio.sleep(
                min(rng.expovariate(1 / think), max(0.0, until - time.monotonic()))
            )


async def ping_user(
    n: int,
    c: httpx.AsyncClient,
    s: Stats,
    until: float,
    think: float,
    max_requests: int,
) -> None:
    rng = random.Random(n)
    await asyncio.sleep(rng.random() * think)
    while time.monotonic() < until and s.requests < max_requests:
        await timed(c, s, "ceiling", "GET", "/ping", ok={200})
        if think > 0:
            await asyncio.sleep(rng.expovariate(1 / think))


def limits(users: int) -> httpx.Limits:
    # Idle connections are dropped after 2 s, before uvicorn's keep-alive timeout (5 s) closes
    # them: with equal timeouts a request sent as the server closes fails with ReadError('').
    return httpx.Limits(
        max_connections=users, max_keepalive_connections=users, keepalive_expiry=2.0
    )


async def drive(
    w: World | None,
    base: str,
    users: int,
    duration: float,
    think: float,
    max_requests: int,
    only: str | None = None,
) -> tuple[Stats, float]:
    s = Stats()
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits(users)) as c:
        t0 = time.monotonic()
        until = t0 + duration
        if w is None:
            tasks = [
                ping_user(n, c, s, until, think, max_requests) for n in range(users)
            ]
        else:
            tasks = [
                user(n, c, w, s, until, think, max_requests, only) for n in range(users)
            ]
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=duration + 60)
        return s, time.monotonic() - t0


# ---- setup and checks (as admin, through the API) ---------------------------------------------


def login(c: httpx.Client, email: str) -> tuple[str, dict[str, Any]]:
    r = c.post("/auth/token", json={"email": email, "password": DEMO_PASSWORD})
    r.raise_for_status()
    body = r.json()
    return body["access_token"], body["user"]


def seed_courses(c: httpx.Client, tokens: dict[str, list[str]], count: int) -> None:
    """`count` new patients as reception, nurse and clinician would enter them (registration,
    intake screened eligible, clinician sign-off, a 4-session knee course), so that bookings
    have unbooked first sessions to race for (the demo clinic has only a few)."""
    from prolo.domain.screening import example_intake

    reception, nurse, clinician = (
        auth(tokens["reception"][0]),
        auth(tokens["nurse"][0]),
        auth(tokens["clinician"][0]),
    )
    intake = example_intake().model_dump(mode="json")
    for n in range(count):
        patient = c.post(
            "/patients",
            json={
                "given_name": "Load",
                "family_name": f"Patient {n:03d}",
                "birth_date": "1966-05-04",
                "sex": "female" if n % 2 else "male",
            },
            headers=reception,
        )
        patient.raise_for_status()
        pid = patient.json()["id"]
        screening = c.post(f"/patients/{pid}/intakes", json=intake, headers=nurse)
        screening.raise_for_status()
        c.post(
            f"/screenings/{screening.json()['id']}/sign-off",
            json={"decision": "eligible"},
            headers={**clinician, "If-Match": '"v1"'},
        ).raise_for_status()
        c.post(
            f"/patients/{pid}/courses",
            json={"condition_id": "knee_osteoarthritis", "planned_sessions": 4},
            headers=reception,
        ).raise_for_status()


def setup_world(
    base: str, logins: list[dict[str, str]], new_courses: int
) -> tuple[World, str]:
    with httpx.Client(base_url=base, timeout=30) as c:
        tokens: dict[str, list[str]] = defaultdict(list)
        patient_tokens: dict[str, str] = {}
        for entry in logins:
            token, me = login(c, entry["email"])
            tokens[entry["role"]].append(token)
            if entry["role"] == "patient":
                patient_tokens[str(me.get("patient_id"))] = token
        seed_courses(c, tokens, new_courses)
        admin = tokens["clinician"][0]  # the admin role may not read clinical records
        staff = all_pages(c, "/appointments", admin)
        clinician_ids = sorted({a["clinician_id"] for a in staff})
        patients = all_pages(c, "/patients", admin)
        from prolo.domain.reference import read_yaml

        catalog = read_yaml("catalog.yaml")
        lateral = {row["id"]: bool(row.get("lateral")) for row in catalog["sites"]}
        sites = {row["id"]: row["sites"][0] for row in catalog["conditions"]}
        site_of_course: dict[str, str] = {}
        bookable: list[tuple[str, str, int, date, date]] = []
        courses: dict[str, str | None] = {}
        today = date.today()
        for p in patients:
            for course in c.get(
                f"/patients/{p['id']}/courses", headers=auth(admin)
            ).json():
                courses.setdefault(p["id"], course["id"])
                site_of_course[course["id"]] = sites.get(course["condition_id"], "")
                if course["status"] not in ("planned", "active"):
                    continue
                detail = c.get(f"/courses/{course['id']}", headers=auth(admin)).json()
                if not detail["appointments"]:
                    bookable.append(
                        (
                            course["id"],
                            p["id"],
                            1,
                            today + timedelta(days=1),
                            today + timedelta(days=28),
                        )
                    )
                for win in detail["windows"]:
                    first = max(
                        date.fromisoformat(win["earliest"]), today + timedelta(days=1)
                    )
                    last = date.fromisoformat(win["latest"])
                    if not win["booked"] and first <= last:
                        bookable.append(
                            (course["id"], p["id"], win["number"], first, last)
                        )
        queue = [a["id"] for a in staff if a["status"] == "booked"]
        patient_tokens.pop("None", None)  # a patient login that names no patient record
        w = World(
            base=base,
            staff_tokens=tokens["nurse"] + tokens["reception"] + tokens["clinician"],
            clinician_tokens=tokens["clinician"],
            patient_tokens=patient_tokens or {p["id"]: admin for p in patients},
            patient_courses=courses,
            clinician_ids=clinician_ids,
            bookable=bookable,
            session_queue=queue,
            site_of_course=site_of_course,
            lateral=lateral,
            course_of={a["id"]: a["course_id"] for a in staff},
        )
        return w, tokens["admin"][0]


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flatten(v)]
    if isinstance(value, list):
        return [x for v in value for x in _flatten(v)]
    return [value]


def check(base: str, admin: str, w: World, started: datetime) -> dict[str, Any]:
    """The invariants, read back through the API: a clinician reads the records, the admin the audit log."""
    problems: list[str] = []
    audit_token, admin = admin, w.clinician_tokens[0]
    with httpx.Client(base_url=base, timeout=120) as c:
        appts = all_pages(c, "/appointments", admin)
        rules = c.get("/clinic/settings/course_rules", headers=auth(audit_token)).json()
        lo, hi = int(rules["min_gap_days"]), int(rules["max_gap_days"])
        live = [a for a in appts if a["status"] != "cancelled"]
        by: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
        for a in live:
            for kind in ("clinician_id", "room_id", "patient_id"):
                by[(kind, a[kind])].append((a["starts_at"], a["ends_at"], a["id"]))
            by[("recovery_place_id", a["recovery_place_id"])].append(
                (a["recovery_starts_at"], a["recovery_ends_at"], a["id"])
            )
        double = 0
        for (kind, rid), spans in by.items():
            spans.sort()
            for (_s1, e1, i1), (s2, _e2, i2) in itertools.pairwise(spans):
                if datetime.fromisoformat(s2) < datetime.fromisoformat(e1):
                    double += 1
                    problems.append(f"double-booked {kind} {rid}: {i1} and {i2}")
        courses: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for a in live:
            courses[a["course_id"]].append(a)
        interval = 0
        for cid, items in courses.items():
            items.sort(key=lambda a: a["session_number"])
            for a, b in itertools.pairwise(items):
                gap = (
                    datetime.fromisoformat(b["starts_at"]).date()
                    - datetime.fromisoformat(a["starts_at"]).date()
                ).days
                if not lo <= gap <= hi and not b["timing_override_reason"]:
                    interval += 1
                    problems.append(
                        f"course {cid}: sessions {a['session_number']}->{b['session_number']} {gap} days apart"
                    )
        status = {a["id"]: a["status"] for a in appts}
        cancelled = set(w.accepted["cancelled"])
        missing = 0
        for aid in w.accepted["booked"]:
            want_cancelled = aid in cancelled
            if aid not in status or (status[aid] == "cancelled") != want_cancelled:
                missing += 1
                problems.append(f"accepted booking {aid}: {status.get(aid, 'absent')}")
        for rid in w.accepted["questionnaires"]:
            if (
                c.get(
                    f"/questionnaire-responses/{rid}", headers=auth(admin)
                ).status_code
                != 200
            ):
                missing += 1
                problems.append(f"accepted questionnaire response {rid} absent")
        steps_by: dict[str, int] = defaultdict(int)
        for sid, _ in w.accepted["session_events"]:
            steps_by[sid] += 1
        for sid in w.accepted["sessions"]:
            got = c.get(f"/sessions/{sid}", headers=auth(admin))
            if got.status_code != 200:
                missing += 1
                problems.append(f"accepted session {sid} absent")
                continue
            steps = got.json()["record"]["steps"]
            if len(steps) < 1 + steps_by[sid]:  # check-in + the accepted events
                missing += 1
                problems.append(
                    f"session {sid}: {len(steps)} steps, {1 + steps_by[sid]} accepted"
                )
        audit = all_pages(c, "/audit-events", audit_token, since=started.isoformat())
        actions: dict[str, int] = defaultdict(int)
        for e in audit:
            actions[e.get("action", "?")] += 1
        writes = {
            "bookings": len(w.accepted["booked"]),
            "cancellations": len(w.accepted["cancelled"]),
            "sessions": len(w.accepted["sessions"]),
            "session_events": len(w.accepted["session_events"]),
            "questionnaires": len(w.accepted["questionnaires"]),
        }
        # every accepted write must have an audit event naming its resource
        audited: set[str] = set()
        for e in audit:
            audited.add(str(e.get("resource_id")))
            audited.update(str(v) for v in _flatten(e.get("detail")))
        unaudited = [
            x
            for x in w.accepted["booked"]
            + w.accepted["questionnaires"]
            + w.accepted["sessions"]
            if x not in audited
        ]
        if unaudited:
            problems.append(
                f"{len(unaudited)} accepted writes without an audit event, e.g. {unaudited[:3]}"
            )
    return {
        "appointments_checked": len(appts),
        "double_bookings": double,
        "interval_violations": interval,
        "interval_rule_days": [lo, hi],
        "accepted_writes": writes,
        "accepted_writes_missing": missing,
        "accepted_writes_without_audit": len(unaudited),
        "audit_events_since_start": len(audit),
        "audit_actions": dict(sorted(actions.items())),
        "problems": problems[:50],
        "ok": not problems,
    }


# ---- where the time goes: py-spy on the slowest route -----------------------------------------

FRAME = re.compile(r"^(?P<func>.+) \((?P<file>[^():]+):(?P<line>\d+)\)$")


def _frame_module(path: str) -> str:
    """`prolo.store`, `sqlalchemy`, `psycopg`, ... or `python (stdlib)` for a frame's file as
    py-spy names it (relative to its sys.path entry: `sqlalchemy/orm/session.py`)."""
    parts = path.replace("\\", "/").split("/")
    top = parts[0].removesuffix(".py")
    if top == "prolo" and len(parts) > 1:
        return f"prolo.{parts[1].removesuffix('.py')}"
    if top in sys.stdlib_module_names or top.startswith("<frozen"):
        return "python (stdlib)"
    return top


# Stacks whose top frame is one of these are threads waiting for work, not doing it.
IDLE_LEAVES = ("Condition.wait", "Event.wait", "Queue.get", "Selector.select")


def summarise_profile(raw: Path, top: int = 15) -> dict[str, Any]:
    """From py-spy's raw (collapsed) output: the share of busy samples spent in each module and
    function (the frame on top of the stack: self time) and in each Prolo function (anywhere in
    the stack: inclusive time). Threads waiting for work are counted apart as idle."""
    busy = idle = 0
    self_by_module: dict[str, int] = defaultdict(int)
    self_by_function: dict[str, int] = defaultdict(int)
    inclusive: dict[str, int] = defaultdict(int)
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [m for f in stack.split(";") if (m := FRAME.match(f.strip()))]
        if not frames:
            continue
        leaf = frames[-1]
        if leaf["func"].endswith(IDLE_LEAVES) and (
            _frame_module(leaf["file"]) == "python (stdlib)"
        ):
            idle += count
            continue
        busy += count
        module = _frame_module(leaf["file"])
        self_by_module[module] += count
        self_by_function[f"{module}:{leaf['func']} ({Path(leaf['file']).name})"] += (
            count
        )
        seen = set()
        for m in frames:
            owner = _frame_module(m["file"])
            if owner.startswith("prolo."):
                name = f"{owner}:{m['func']}"
                if name not in seen:
                    seen.add(name)
                    inclusive[name] += count

    def share(values: dict[str, int]) -> list[dict[str, Any]]:
        ranked = sorted(values.items(), key=lambda kv: -kv[1])[:top]
        return [
            {"name": k, "percent": round(100 * v / busy, 1) if busy else 0.0}
            for k, v in ranked
        ]

    return {
        "busy_samples": busy,
        "idle_samples": idle,
        "self_time_by_module": share(self_by_module),
        "self_time_by_function": share(self_by_function),
        "inclusive_time_prolo_functions": share(inclusive),
    }


def profile_route(
    w: World,
    base: str,
    server_pid: int,
    route: str,
    args: argparse.Namespace,
    workdir: Path,
) -> dict[str, Any]:
    """Drive `route` alone with `--users` users (think time as in phase 1) for `--profile` s while
    py-spy samples the server's worker processes."""
    raw = workdir / f"profile-{route}.txt"
    seconds = max(3, int(args.profile))
    spy = subprocess.Popen(
        [
            PYSPY,
            "record",
            "--pid",
            str(server_pid),
            "--subprocesses",
            "--nonblocking",
            "--rate",
            "200",
            "--duration",
            str(seconds + 1),
            "--format",
            "raw",
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(1)
    stats, driven = asyncio.run(
        drive(w, base, args.users, seconds, args.think, args.max_requests, only=route)
    )
    _, err = spy.communicate(timeout=seconds + 60)
    if spy.returncode != 0 or not raw.exists():
        return {"route": route, "error": err.decode()[-500:]}
    return {
        "route": route,
        "py_spy": shlex.join(spy.args),  # type: ignore[arg-type]
        "seconds": round(driven, 1),
        "routes": summarise(stats, driven),
        **summarise_profile(raw),
    }


def print_profile(profile: dict[str, Any]) -> None:
    if "error" in profile:
        print(f"profile of {profile['route']}: py-spy failed: {profile['error']}")
        return
    print(
        f"\n== where the time goes: {profile['route']} alone, {profile['busy_samples']} busy"
        f" samples ({profile['idle_samples']} idle); shares of the busy samples"
    )
    print("self time by module:")
    for row in profile["self_time_by_module"][:10]:
        print(f"  {row['percent']:>5}%  {row['name']}")
    print("self time by function:")
    for row in profile["self_time_by_function"][:12]:
        print(f"  {row['percent']:>5}%  {row['name']}")
    print("inclusive time, Prolo functions:")
    for row in profile["inclusive_time_prolo_functions"][:12]:
        print(f"  {row['percent']:>5}%  {row['name']}")


# ---- one database -----------------------------------------------------------------------------


def run_database(kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    env = base_env()
    dbname = f"prolo_load_{os.getpid()}"
    if kind == "sqlite":
        env["PROLO_DATABASE_URL"] = f"sqlite:///{workdir / 'load.db'}"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        env["PROLO_DATABASE_URL"] = (
            f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}"
        )
    proc: subprocess.Popen[bytes] | None = None
    try:
        run_cli(["db", "upgrade"], env)
        demo = json.loads(run_cli(["demo", "--no-serve", "--format", "json"], env))
        port = free_port()
        cmd = [
            PROLO,
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ]
        log = open(workdir / f"server-{kind}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            start_new_session=True,
        )
        base = f"http://{HOST}:{port}/api/v1"
        wait_ready(f"{base}/health", proc)
        world, admin = setup_world(base, demo["logins"], args.new_courses)
        started = datetime.now(UTC) - timedelta(seconds=1)
        print(
            f"[{kind}] {len(world.bookable)} bookable sessions, {len(world.session_queue)} booked appointments; driving {args.users} users for {args.duration:.0f} s",
            flush=True,
        )
        warmup: dict[str, Any] = {}
        if args.warmup > 0:
            # Every worker imports lazily, builds its routes' validators and compiles its SQL
            # on first use, and setup_world reached only one worker (one keep-alive
            # connection): the same users for --warmup s first, reported but not measured.
            print(f"[{kind}] warm-up: {args.warmup:.0f} s, not measured", flush=True)
            warm, warm_s = asyncio.run(
                drive(
                    world, base, args.users, args.warmup, args.think, args.max_requests
                )
            )
            warmup = {
                "seconds": round(warm_s, 1),
                "requests": warm.requests,
                "throughput_rps": round(warm.requests / warm_s, 1),
                "routes": summarise(warm, warm_s),
                "error_samples": warm.error_samples,
            }
        cpu_before = cpu_seconds(proc.pid)
        stats, seconds = asyncio.run(
            drive(world, base, args.users, args.duration, args.think, args.max_requests)
        )
        cpu_phase1 = cpu_share(cpu_before, cpu_seconds(proc.pid), seconds)
        print(f"[{kind}] cores used: {cpu_phase1}", flush=True)
        saturation: dict[str, Any] = {}
        if args.saturation > 0:
            print(
                f"[{kind}] saturation: {args.users} users, no think time, {args.saturation:.0f} s",
                flush=True,
            )
            cpu_before = cpu_seconds(proc.pid)
            sat, sat_s = asyncio.run(
                drive(world, base, args.users, args.saturation, 0.0, args.max_requests)
            )
            saturation = {
                "cpu": cpu_share(cpu_before, cpu_seconds(proc.pid), sat_s),
                "seconds": round(sat_s, 1),
                "requests": sat.requests,
                "throughput_rps": round(sat.requests / sat_s, 1),
                "routes": summarise(sat, sat_s),
                "error_samples": sat.error_samples,
            }
        print_table(
            {
                "database": kind,
                "requests": stats.requests,
                "seconds": round(seconds, 1),
                "throughput_rps": round(stats.requests / seconds, 1),
                "routes": summarise(stats, seconds),
            },
            0.0,
        )
        if saturation:
            print_table({"database": f"{kind} saturation", **saturation}, 0.0)
        try:
            drained: float | None = wait_drained(f"{base}/health", proc)
            print(
                f"[{kind}] /health prompt again after {drained:.1f} s; checking",
                flush=True,
            )
            checks = check(base, admin, world, started)
        except SystemExit as exc:  # the server hung: record it rather than lose the run
            drained = None
            checks = {
                "ok": False,
                "problems": [str(exc)],
                "double_bookings": None,
                "interval_violations": None,
                "accepted_writes": {},
                "accepted_writes_missing": None,
                "accepted_writes_without_audit": None,
                "audit_events_since_start": None,
            }
            print(f"[{kind}] {exc}", flush=True)
        profile: dict[str, Any] = {}
        if kind == "postgresql" and args.profile > 0 and drained is not None:
            phase1 = summarise(stats, seconds)
            slowest = max(
                (r for r in phase1 if r != "ceiling"), key=lambda r: phase1[r]["p99_ms"]
            )
            print(
                f"[{kind}] profiling {slowest} (the slowest p99) with py-spy",
                flush=True,
            )
            profile = profile_route(world, base, proc.pid, slowest, args, workdir)
            print_profile(profile)
        return {
            "cpu": cpu_phase1,
            "profile": profile,
            "drain_s": None if drained is None else round(drained, 1),
            "saturation": saturation,
            "warmup": warmup,
            "database": kind,
            "server_command": shlex.join(cmd),
            "seconds": round(seconds, 1),
            "requests": stats.requests,
            "throughput_rps": round(stats.requests / seconds, 1),
            "routes": summarise(stats, seconds),
            "error_samples": stats.error_samples,
            "checks": checks,
        }
    finally:
        if proc is not None:
            stop(proc)
        if kind == "postgresql":
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def run_ceiling(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    port = free_port()
    cmd = [
        PYTHON,
        "-m",
        "uvicorn",
        "--app-dir",
        str(ROOT / "bench"),
        "load:ceiling_app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--no-access-log",
    ]
    log = open(workdir / "server-ceiling.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True
    )
    try:
        base = f"http://{HOST}:{port}"
        wait_ready(f"{base}/ping", proc)
        # closed loop without think time: the most this stack serves to these clients
        cpu_before = cpu_seconds(proc.pid)
        stats, seconds = asyncio.run(
            drive(
                None, base, args.users, args.saturation or 20.0, 0.0, args.max_requests
            )
        )
        cpu = cpu_share(cpu_before, cpu_seconds(proc.pid), seconds)
        print(f"[ceiling] Python client, cores used: {cpu}", flush=True)
        python_client = {
            "cpu": cpu,
            "seconds": round(seconds, 1),
            "requests": stats.requests,
            "throughput_rps": round(stats.requests / seconds, 1),
            "routes": summarise(stats, seconds),
        }
        # The Python client tops out near one core; wrk (C) measures what the stack serves.
        wrk = run_wrk(f"{base}/ping", args.users, args.saturation or 20.0, proc.pid)
        print(f"[ceiling] wrk: {wrk}", flush=True)
        return {
            "server_command": shlex.join(cmd),
            "wrk": wrk,
            "python_client": python_client,
            # the ceiling is the better of the two clients (wrk unless it is missing)
            "throughput_rps": max(
                wrk.get("throughput_rps", 0.0), python_client["throughput_rps"]
            ),
            "seconds": python_client["seconds"],
            "requests": python_client["requests"],
            "routes": python_client["routes"],
        }
    finally:
        stop(proc)


WRK_LATENCY = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(
    url: str, connections: int, seconds: float, server_pgid: int
) -> dict[str, Any]:
    """`wrk` (Debian's package; `make bench` installs it) on `url`: requests/s and latency."""
    if shutil.which("wrk") is None:
        return {"error": "wrk is not installed (apt-get install wrk, or make bench)"}
    cmd = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{int(seconds)}s",
        "--timeout",
        "30s",
        "--latency",
        url,
    ]
    before = cpu_seconds(server_pgid)
    t0 = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    wall = time.monotonic() - t0
    after = cpu_seconds(server_pgid)
    text = done.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "command": shlex.join(cmd),
        "throughput_rps": float(rps.group(1)) if rps else 0.0,
        "latency_ms": {
            f"p{m[0]}": round(float(m[1]) * WRK_UNITS[m[2]], 2)
            for m in WRK_LATENCY.findall(text)
        },
        "socket_errors": errors.group(1) if errors else "none",
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "server_cores": round((after["server"] - before["server"]) / wall, 2),
    }


def print_table(result: dict[str, Any], ceiling_rps: float) -> None:
    print(
        f"\n== {result['database']}: {result['requests']} requests in {result['seconds']} s = "
        f"{result['throughput_rps']} req/s (ceiling {ceiling_rps} req/s, ratio "
        f"{result['throughput_rps'] / ceiling_rps if ceiling_rps else 0:.2f})"
    )
    print(
        f"{'route':<15}{'kind':<6}{'req':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'409/rule':>9}{'errors':>8}"
    )
    for route, r in result["routes"].items():
        print(
            f"{route:<15}{r['kind']:<6}{r['requests']:>7}{r['throughput_rps']:>8}{r['p50_ms']:>9}{r['p95_ms']:>9}"
            f"{r['p99_ms']:>9}{r['max_ms']:>9}{r['conflicts']:>9}{r['errors']:>8}"
        )
    ch = result.get("checks", {})
    if ch:
        print(
            f"checks: double bookings {ch['double_bookings']}, interval violations {ch['interval_violations']}, "
            f"accepted writes {ch['accepted_writes']} missing {ch['accepted_writes_missing']}, "
            f"without audit {ch['accepted_writes_without_audit']}, audit events {ch['audit_events_since_start']}"
        )
        for p in ch["problems"][:10]:
            print("  problem:", p)
    for e in result.get("error_samples", [])[:5]:
        print("  error:", e)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--think",
        type=float,
        default=5.0,
        help="mean think time between a user's requests (s; exponential)",
    )
    ap.add_argument(
        "--saturation",
        type=float,
        default=20.0,
        help="seconds of the no-think-time phase (0: skip)",
    )
    ap.add_argument(
        "--warmup",
        type=float,
        default=15.0,
        help="seconds of the same load before the measured phase, reported apart (0: none)",
    )
    ap.add_argument("--max-requests", type=int, default=500_000)
    ap.add_argument(
        "--new-courses",
        type=int,
        default=120,
        help="patients with a new, unbooked course added before the run (bookings' targets)",
    )
    ap.add_argument(
        "--profile",
        type=float,
        default=15.0,
        help="seconds of py-spy on the slowest route, PostgreSQL only (0: skip)",
    )
    ap.add_argument("--databases", default="sqlite,postgresql")
    ap.add_argument("--output", type=Path, default=RESULTS)
    args = ap.parse_args()
    if not 1 <= args.users <= 2000 or not 1 <= args.duration <= 1800:
        ap.error("--users must be 1-2000 and --duration 1-1800 s")
    out: dict[str, Any] = {
        "benchmark": "load",
        "command": shlex.join([".venv/bin/python", "bench/load.py", *sys.argv[1:]]),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "users": args.users,
            "duration_s": args.duration,
            "workers": args.workers,
            "think_s": args.think,
            "saturation_s": args.saturation,
            "warmup_s": args.warmup,
            "max_requests": args.max_requests,
            "new_courses": args.new_courses,
            "profile_s": args.profile,
        },
        "targets": {
            "read_p99_ms": 100,
            "write_p99_ms": 250,
            "errors": 0,
            "database": "postgresql",
            "users": 200,
        },
    }
    with tempfile.TemporaryDirectory(prefix="prolo-load-") as tmp:
        workdir = Path(tmp)
        print("ceiling: bare FastAPI route", flush=True)
        out["ceiling"] = run_ceiling(args, workdir)
        ceiling_rps = out["ceiling"]["throughput_rps"]
        print_table({"database": "ceiling", **out["ceiling"]}, ceiling_rps)
        out["databases"] = {}
        for kind in [k.strip() for k in args.databases.split(",") if k.strip()]:
            result = run_database(kind, args, workdir)
            sat_rps = result["saturation"].get("throughput_rps", 0.0)
            result["ratio_to_ceiling"] = (
                round(sat_rps / ceiling_rps, 3) if ceiling_rps else None
            )
            out["databases"][kind] = result
            if result["warmup"]:
                print_table(
                    {"database": f"{kind} warm-up (not measured)", **result["warmup"]},
                    ceiling_rps,
                )
            print_table(result, ceiling_rps)
            if result["saturation"]:
                print_table(
                    {
                        "database": f"{kind} saturation (no think time)",
                        **result["saturation"],
                    },
                    ceiling_rps,
                )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwrote {args.output}")
    ok = all(
        r["checks"]["ok"]
        and not any(v["errors"] for v in r["routes"].values())
        and not any(v["errors"] for v in r["warmup"].get("routes", {}).values())
        for r in out["databases"].values()
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
