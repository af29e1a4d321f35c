from __future__ import annotations

from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from scheduling_strategies import small_configs

from prolo.scheduling import GeneratorConfig, generate, greedy, validate

from_configs = small_configs()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=from_configs)
def test_the_receptionist_baseline_is_always_valid(config: GeneratorConfig) -> None:
    instance = generate(config)
    schedule = greedy(instance)
    assert validate(instance, schedule) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=from_configs)
def test_the_smart_constructive_is_always_valid(config: GeneratorConfig) -> None:
    instance = generate(config)
    schedule = greedy(instance, "smart")
    assert validate(instance, schedule) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=from_configs)
def test_the_spread_constructive_is_always_valid(config: GeneratorConfig) -> None:
    instance = generate(config)
    schedule = greedy(instance, "spread")
    assert validate(instance, schedule) == []


def test_spread_puts_later_sessions_late_in_their_window(tiny_instance) -> None:  # type: ignore[no-untyped-def]
    schedule = greedy(tiny_instance(), "spread")
    days = [s.procedure_start.date() for s in schedule.sessions]
    # Session 1 on the first free day, then each later session 21 days on (the window's end).
    assert [(b - a).days for a, b in pairwise(days)] == [21, 21, 21]


def test_the_receptionist_takes_the_first_free_time(tiny_instance) -> None:  # type: ignore[no-untyped-def]
    schedule = greedy(tiny_instance())
    starts = [s.procedure_start.isoformat() for s in schedule.sessions]
    # Release Monday 2026-01-05, opening 08:00: the first free time, then 14 days on each time.
    assert starts == [
        "2026-01-05T08:00:00+03:00",
        "2026-01-19T08:00:00+03:00",
        "2026-02-02T08:00:00+03:00",
        "2026-02-16T08:00:00+03:00",
    ]


def test_every_course_is_whole_or_absent(small) -> None:  # type: ignore[no-untyped-def]
    schedule = greedy(small)
    per_course: dict[str, list[int]] = {}
    for s in schedule.sessions:
        per_course.setdefault(s.course_id, []).append(s.session)
    sizes = {c.id: c.sessions for c in small.courses}
    for course_id, numbers in per_course.items():
        assert sorted(numbers) == list(range(1, sizes[course_id] + 1))
