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


def test_a_single_course_is_proven_optimal_at_its_chain_bound(tiny_instance) -> None:  # type: ignore[no-untyped-def]
    from prolo.scheduling import chain_bound

    instance = tiny_instance()
    schedule = solve(instance, SolverConfig(time_limit=1.0, max_iterations=5))
    assert schedule.stats["proven_optimal"] is True
    assert schedule.objective == chain_bound(instance)


def test_a_proof_of_optimality_is_never_beaten() -> None:
    from prolo.scheduling import lower_bound

    instance = generate(
        GeneratorConfig(
            patients=20, clinicians=1, rooms=1, recovery=2, weeks=16, seed=2, load=0.5
        )
    )
    schedule = solve(instance, SolverConfig(time_limit=2.0, max_iterations=40))
    assert validate(instance, schedule) == []
    assert schedule.stats["proven_optimal"] is True
    assert lower_bound(instance, time_limit=0.5).bound <= schedule.objective
    for policy in ("receptionist", "smart", "spread"):
        assert schedule.objective <= greedy(instance, policy).objective  # type: ignore[arg-type]


def test_no_proof_when_clinicians_compete_for_the_days() -> None:
    instance = generate(
        GeneratorConfig(
            patients=60, clinicians=2, rooms=2, recovery=3, weeks=20, seed=11, load=1.4
        )
    )
    schedule = solve(instance, SolverConfig(time_limit=1.0, max_iterations=30))
    assert schedule.stats["proven_optimal"] is False
