from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from scheduling_strategies import small_configs

from prolo.scheduling import (
    GeneratorConfig,
    SolverConfig,
    chain_bound,
    generate,
    greedy,
    lower_bound,
    solve,
)
from prolo.scheduling.bounds import capacity_bound


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=small_configs())
def test_no_bound_is_above_any_schedule(config: GeneratorConfig) -> None:
    instance = generate(config)
    report = lower_bound(instance, time_limit=0.5)
    baseline = greedy(instance)
    engine = solve(instance, SolverConfig(time_limit=0.3, max_iterations=30))
    assert report.chain <= report.bound
    assert report.lagrangian <= min(baseline.objective, engine.objective)
    assert report.capacity <= min(baseline.objective, engine.objective)
    assert report.bound <= min(baseline.objective, engine.objective)


def test_the_chain_bound_is_exact_for_a_single_course(tiny_instance) -> None:  # type: ignore[no-untyped-def]
    instance = tiny_instance()
    engine = solve(instance, SolverConfig(time_limit=0.2, max_iterations=5))
    assert chain_bound(instance) == engine.objective


def test_a_course_that_cannot_fit_the_horizon_costs_the_penalty(tiny_data) -> None:  # type: ignore[no-untyped-def]
    import json

    from prolo.scheduling import load_instance

    data = tiny_data()
    data["horizon"]["days"] = 30  # 4 sessions need at least 42 days
    instance = load_instance(json.dumps(data))
    assert chain_bound(instance) == instance.weights.unscheduled_course
    assert greedy(instance).objective == instance.weights.unscheduled_course


def test_the_capacity_bound_charges_courses_that_cannot_all_fit() -> None:
    # Far more demand than one clinician can see in 8 weeks.
    instance = generate(
        GeneratorConfig(patients=600, weeks=20, seed=4, load=5.0, fixed_fraction=0)
    )
    lb0 = chain_bound(instance)
    cap = capacity_bound(instance)
    assert cap > lb0
    assert cap <= greedy(instance).objective


def test_the_lagrangian_bound_improves_on_a_loaded_clinic() -> None:
    instance = generate(
        GeneratorConfig(
            patients=150, clinicians=1, recovery=2, weeks=26, seed=9, load=1.0
        )
    )
    report = lower_bound(instance, time_limit=3.0, upper=greedy(instance).objective)
    assert report.lagrangian > report.chain
    assert report.bound <= greedy(instance).objective
