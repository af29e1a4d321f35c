"""Solving is a job: a local process pool by default, RQ on Redis when a broker URL is given.

The payload and the result are JSON text (instance + config in, schedule out), so the same job runs
in a child process or on any machine running `rq worker <queue> --url <broker>` with Prolo installed.
A clinic network solves its clinics as independent jobs in parallel.

The broker URL is an argument (the edges read PROLO_SOLVER_BROKER from the settings); this module
never reads the environment.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from redis import Redis
from rq import Queue

from prolo.scheduling.instance import Instance, Schedule, SolverConfig, load_instance
from prolo.scheduling.lns import solve

DEFAULT_QUEUE = "prolo-solver"


def run_solve_job(payload: str) -> str:
    """The job body: {"instance": ..., "config": ...} JSON -> Schedule JSON."""
    data = json.loads(payload)
    instance = load_instance(json.dumps(data["instance"]))
    config = SolverConfig.model_validate(data.get("config", {}))
    return solve(instance, config).model_dump_json()


def job_payload(instance: Instance, config: SolverConfig) -> str:
    return json.dumps(
        {
            "instance": instance.model_dump(mode="json"),
            "config": config.model_dump(mode="json"),
        }
    )


class JobError(RuntimeError):
    """A solver job failed or timed out."""


@dataclass
class SolveHandle:
    """A submitted job; `result()` waits for the schedule."""

    id: str
    _future: Future[str] | None = None
    _rq_job: object | None = None
    _poll: float = 0.05

    def result(self, timeout: float | None = None) -> Schedule:
        if self._future is not None:
            return Schedule.model_validate_json(self._future.result(timeout=timeout))
        job = self._rq_job
        assert job is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = job.get_status(refresh=True)  # type: ignore[attr-defined]
            if status == "finished":
                value = job.return_value()  # type: ignore[attr-defined]
                return Schedule.model_validate_json(value)
            if status in ("failed", "stopped", "canceled"):
                raise JobError(f"solver job {self.id} {status}")
            if deadline is not None and time.monotonic() > deadline:
                raise JobError(
                    f"solver job {self.id} did not finish within {timeout} s"
                )
            time.sleep(self._poll)


class JobRunner:
    """Submit solve jobs to a local process pool, or to RQ when `broker_url` is set."""

    def __init__(
        self,
        broker_url: str | None = None,
        *,
        max_workers: int | None = None,
        queue_name: str = DEFAULT_QUEUE,
    ) -> None:
        self.broker_url = broker_url
        self.queue_name = queue_name
        self._pool: ProcessPoolExecutor | None = None
        self._queue: Queue | None = None
        self._count = 0
        if broker_url:
            self._queue = Queue(queue_name, connection=Redis.from_url(broker_url))
        else:
            self._pool = ProcessPoolExecutor(max_workers=max_workers)

    def submit(self, instance: Instance, config: SolverConfig) -> SolveHandle:
        payload = job_payload(instance, config)
        self._count += 1
        if self._pool is not None:
            return SolveHandle(
                id=f"local-{self._count}",
                _future=self._pool.submit(run_solve_job, payload),
            )
        assert self._queue is not None
        job = self._queue.enqueue(
            run_solve_job,
            payload,
            job_timeout=int(config.time_limit * 4 + 120),
            result_ttl=3600,
        )
        return SolveHandle(id=str(job.id), _rq_job=job)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> JobRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def solve_network(
    instances: Sequence[Instance],
    config: SolverConfig,
    *,
    broker_url: str | None = None,
    max_workers: int | None = None,
    timeout: float | None = None,
) -> list[Schedule]:
    """Solve each clinic as its own job, in parallel; schedules come back in the input order."""
    with JobRunner(broker_url, max_workers=max_workers) as runner:
        handles = [runner.submit(instance, config) for instance in instances]
        return [h.result(timeout=timeout) for h in handles]
