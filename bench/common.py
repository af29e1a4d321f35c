"""What the benchmarks share: the machine's description, free ports on 127.0.0.1, the
environment for `prolo` subprocesses, starting and stopping servers, and API helpers (bearer
header, all pages of a list)."""

from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    t0 = time.perf_counter()
    total = 0
    # a speed reference to compare runs by (the same loop on the same Python)
    for i in range(10_000_000):
        total += i
    loop_s = time.perf_counter() - t0
    return {
        "python_loop_10m_s": round(loop_s, 2),
        "load_average_before": list(os.getloadavg()),
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def base_env() -> dict[str, str]:
    """The environment for a `prolo` subprocess: no PROLO_* of the caller's, default settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROLO_")}
    # the server as a clinic runs it: "test" would also turn off the heap freeze (settings.py)
    env["PROLO_ENVIRONMENT"] = "development"
    return env


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def all_pages(
    c: httpx.Client, url: str, token: str, **params: Any
) -> list[dict[str, Any]]:
    """Every item of a paginated list route, 200 at a time."""
    items: list[dict[str, Any]] = []
    for offset in range(0, 200_000, 200):
        r = c.get(
            url, params={**params, "limit": 200, "offset": offset}, headers=auth(token)
        )
        r.raise_for_status()
        page = r.json()
        items += page["items"]
        if offset + 200 >= page["total"]:
            break
    return items


# A session as a nurse runs it (each step one POST /sessions/{id}/events); the injection's site
# and laterality come from the course's condition at the time of use.
SESSION_STEPS: list[dict[str, Any]] = [
    {"kind": "consent"},
    {"kind": "preparation"},
    {
        "kind": "local_anaesthesia",
        "agent": "lidocaine",
        "concentration_percent": 1.0,
        "volume_ml": 2.0,
    },
    {
        "kind": "injection",
        "solution": "dextrose",
        "concentration_percent": 12.5,
        "volume_ml": 6.0,
        "guidance": "landmark",
        "lot_number": "BENCH-1",
    },
    {"kind": "rest", "heat_packs_applied": True},
]


def wait_ready(
    url: str, proc: subprocess.Popen[bytes], limit_s: float = 60, poll_s: float = 0.3
) -> None:
    """Return once `url` answers 200; SystemExit if the server exits or `limit_s` passes."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(poll_s)
    raise SystemExit(f"{url} not ready after {limit_s} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started with `start_new_session=True` (SIGTERM, then its group SIGKILL)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            # a hung worker ignores SIGTERM: end the server's own process group
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
