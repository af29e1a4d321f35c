"""Cold start: what the first requests of a new server process cost, with and without the warm-up.

    .venv/bin/python bench/cold_start.py [--trials 3] [--databases sqlite postgresql]
                                         [--output bench/results/cold_start.json]

A server process builds some things on first use: FastAPI builds the routes of an included router
when a request first walks it, the reference tables are read and checked, Jinja2 compiles each
template, the translations are read, SQLAlchemy sets up its mappers and opens a connection. Each
request that comes first pays for them. `PROLO_WARM_UP` (on by default) builds them in the
lifespan, before the process takes a request.

For each database, each setting of `PROLO_WARM_UP` (false, true) and each trial, this starts
`prolo serve --workers 1` on the demo clinic (`prolo demo --no-serve`), times how long until
`/api/v1/health` answers, then asks each route below once (its first request in that process) and
five times more (warm), one request at a time. The table gives the median over the trials;
the JSON (`--output`) holds every figure. PostgreSQL runs on a database of its own at
127.0.0.1:5432, dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from common import HOST, auth, base_env, free_port, machine, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "cold_start.json"
PROLO = str(ROOT / ".venv" / "bin" / "prolo")
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
DEMO_PASSWORD = "prolo-demo-2025"  # printed by `prolo demo` (docs/cli.md)
WARM_REPEATS = 5

Request = Callable[[httpx.Client], httpx.Response]


def routes(token: str, patient_id: str) -> dict[str, Request]:
    """The requests measured, by name (a clinician's, as the first minutes of a day bring them)."""
    headers = auth(token)
    day = (date.today() + timedelta(days=3)).isoformat()
    return {
        "sign-in (API token)": lambda c: c.post(
            "/api/v1/auth/token",
            json={"email": "clinician@demo.prolo", "password": DEMO_PASSWORD},
        ),
        "calendar": lambda c: c.get(
            "/api/v1/appointments", params={"limit": 50}, headers=headers
        ),
        "free slots": lambda c: c.get(
            "/api/v1/free-slots",
            params={"first_day": day, "last_day": day},
            headers=headers,
        ),
        "patient list": lambda c: c.get("/api/v1/patients", headers=headers),
        "patient": lambda c: c.get(f"/api/v1/patients/{patient_id}", headers=headers),
        "sign-in page (HTML)": lambda c: c.get("/login"),
    }


def timed_ms(client: httpx.Client, request: Request) -> float:
    started = time.perf_counter()
    response = request(client)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code >= 400:
        raise SystemExit(f"{response.request.url}: {response.status_code}")
    return elapsed


def one_process(env: dict[str, str], workdir: Path, warm_up: bool) -> dict[str, Any]:
    """Start a server, time it until ready, then each route's first and warm requests."""
    port = free_port()
    log = open(workdir / f"server-{port}.log", "wb")  # noqa: SIM115
    started = time.perf_counter()
    proc = subprocess.Popen(
        [PROLO, "serve", "--host", HOST, "--port", str(port), "--workers", "1"],
        env={**env, "PROLO_WARM_UP": "true" if warm_up else "false"},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
        start_new_session=True,
    )
    try:
        base = f"http://{HOST}:{port}"
        wait_ready(f"{base}/api/v1/health", proc, poll_s=0.02)
        ready_s = time.perf_counter() - started
        with httpx.Client(base_url=base, timeout=60) as client:
            # the first two requests give what the others need: time them as well
            firsts: dict[str, float] = {}
            t0 = time.perf_counter()
            signed_in = client.post(
                "/api/v1/auth/token",
                json={"email": "clinician@demo.prolo", "password": DEMO_PASSWORD},
            )
            firsts["sign-in (API token)"] = (time.perf_counter() - t0) * 1000
            signed_in.raise_for_status()
            token = signed_in.json()["access_token"]
            t0 = time.perf_counter()
            patients = client.get("/api/v1/patients", headers=auth(token))
            firsts["patient list"] = (time.perf_counter() - t0) * 1000
            patients.raise_for_status()
            measured: dict[str, dict[str, Any]] = {}
            for name, request in routes(
                token, patients.json()["items"][0]["id"]
            ).items():
                first = firsts[name] if name in firsts else timed_ms(client, request)
                warm = [timed_ms(client, request) for _ in range(WARM_REPEATS)]
                measured[name] = {
                    "first_ms": round(first, 1),
                    "warm_ms": [round(w, 1) for w in warm],
                }
        return {"ready_s": round(ready_s, 2), "routes": measured}
    finally:
        stop(proc)
        log.close()


def run_database(kind: str, trials: int, workdir: Path) -> dict[str, Any]:
    env = base_env()
    dbname = f"prolo_cold_{os.getpid()}"
    if kind == "sqlite":
        env["PROLO_DATABASE_URL"] = f"sqlite:///{workdir / 'cold.db'}"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        env["PROLO_DATABASE_URL"] = (
            f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}"
        )
    try:
        subprocess.run(
            [PROLO, "demo", "--no-serve", "--format", "json"],
            env=env,
            cwd=workdir,
            capture_output=True,
            check=True,
            timeout=300,
        )
        runs: dict[str, list[dict[str, Any]]] = {"false": [], "true": []}
        for trial in range(trials):
            for warm_up in (
                False,
                True,
            ):  # alternate, so drift in the machine hits both
                result = one_process(env, workdir, warm_up)
                runs[str(warm_up).lower()].append(result)
                print(
                    f"[{kind}] trial {trial + 1}/{trials}, PROLO_WARM_UP={str(warm_up).lower()}:"
                    f" ready in {result['ready_s']} s",
                    flush=True,
                )
        return runs
    finally:
        if kind == "postgresql":
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the trials: time to ready, and per route first and warm request."""
    names = list(runs[0]["routes"])
    out: dict[str, Any] = {
        "ready_s": round(statistics.median(r["ready_s"] for r in runs), 2),
        "routes": {},
    }
    for name in names:
        firsts = [r["routes"][name]["first_ms"] for r in runs]
        warm = [w for r in runs for w in r["routes"][name]["warm_ms"]]
        out["routes"][name] = {
            "first_ms": round(statistics.median(firsts), 1),
            "warm_ms": round(statistics.median(warm), 1),
        }
    return out


def print_table(kind: str, summary: dict[str, dict[str, Any]]) -> None:
    off, on = summary["false"], summary["true"]
    print(
        f"\n{kind}: ready after {off['ready_s']} s without the warm-up, {on['ready_s']} s with it"
    )
    print(
        f"{'route':<22} {'first, off':>11} {'first, on':>10} {'warm, off':>10} {'warm, on':>9}  (ms, median)"
    )
    for name in off["routes"]:
        a, b = off["routes"][name], on["routes"][name]
        print(
            f"{name:<22} {a['first_ms']:>11} {b['first_ms']:>10}"
            f" {a['warm_ms']:>10} {b['warm_ms']:>9}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument(
        "--databases",
        nargs="+",
        default=["sqlite", "postgresql"],
        choices=("sqlite", "postgresql"),
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    about = machine()
    result: dict[str, Any] = {
        "benchmark": "cold_start",
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": about,
        "trials": args.trials,
        "warm_repeats": WARM_REPEATS,
        "databases": {},
    }
    with tempfile.TemporaryDirectory(prefix="prolo-cold-") as tmp:
        for kind in args.databases:
            runs = run_database(kind, args.trials, Path(tmp))
            summary = {mode: summarise(r) for mode, r in runs.items()}
            result["databases"][kind] = {"runs": runs, "median": summary}
            print_table(kind, summary)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
