"""Both job paths for real: a local process pool, and RQ on Redis with a worker this test starts."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from redis import Redis

from prolo.scheduling import (
    GeneratorConfig,
    JobRunner,
    SolverConfig,
    generate,
    solve_network,
    validate,
)

REDIS_URL = "redis://127.0.0.1:6379/14"


def test_the_local_pool_solves_a_network_in_input_order() -> None:
    clinics = [
        generate(GeneratorConfig(patients=20, seed=s, clinic_id=f"clinic-{s}"))
        for s in (1, 2, 3)
    ]
    schedules = solve_network(clinics, SolverConfig(time_limit=0.3), max_workers=2)
    for instance, schedule in zip(clinics, schedules, strict=True):
        assert schedule.instance == instance.name
        assert validate(instance, schedule) == []


def redis_up() -> bool:
    try:
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


def test_jobs_go_through_rq_on_redis_to_a_real_worker(tmp_path: Path) -> None:
    if not redis_up():
        message = "Redis is not running at 127.0.0.1:6379"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI=true: the RQ path must be tested)")
        pytest.skip(message)
    queue = f"prolo-test-{uuid.uuid4().hex[:8]}"
    rq = Path(sys.executable).with_name("rq")
    log = (tmp_path / "worker.log").open("w")
    instance = generate(GeneratorConfig(patients=20, seed=4))
    with JobRunner(REDIS_URL, queue_name=queue) as runner:
        handle = runner.submit(instance, SolverConfig(time_limit=0.3))
    # The worker starts after the job is queued and, in burst mode, stops when the queue is empty.
    worker = subprocess.Popen(
        [str(rq), "worker", queue, "--url", REDIS_URL, "--burst"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        schedule = handle.result(timeout=120)
        assert not handle.id.startswith("local-")
        assert validate(instance, schedule) == []
        assert schedule.method == "cpsat"
    finally:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.terminate()
            worker.wait(timeout=10)
        log.close()
        Redis.from_url(REDIS_URL).delete(f"rq:queue:{queue}")
