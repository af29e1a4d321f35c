from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from scheduling_strategies import small_configs

from prolo.scheduling import (
    GeneratorConfig,
    SolverConfig,
    generate,
    greedy,
    solve,
    validate,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=small_configs())
def test_every_engine_schedule_is_valid_and_no_worse_than_the_baseline(
    config: GeneratorConfig,
) -> None:
    instance = generate(config)
    baseline = greedy(instance)
    schedule = solve(instance, SolverConfig(time_limit=0.5, max_iterations=24))
    assert validate(instance, schedule) == []
    assert schedule.objective <= baseline.objective
    assert schedule.courses_scheduled >= baseline.courses_scheduled


def test_the_engine_improves_on_the_baseline(small) -> None:  # type: ignore[no-untyped-def]
    baseline = greedy(small)
    schedule = solve(small, SolverConfig(time_limit=2.0))
    assert validate(small, schedule) == []
    assert schedule.objective < baseline.objective
    assert schedule.stats["first_solution_seconds"] < 1.0


def test_same_seed_one_worker_gives_the_same_schedule() -> None:
    instance = generate(
        GeneratorConfig(
            patients=60, clinicians=2, rooms=2, recovery=3, weeks=20, seed=11
        )
    )
    config = SolverConfig(time_limit=30, workers=1, seed=5, max_iterations=40)
    a = solve(instance, config)
    b = solve(instance, config)
    assert a.objective == b.objective
    assert a.sessions == b.sessions


def test_the_greedy_method_is_the_baseline(small) -> None:  # type: ignore[no-untyped-def]
    assert (
        solve(small, SolverConfig(method="greedy")).sessions == greedy(small).sessions
    )
