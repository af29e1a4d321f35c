"""The objective's order (docs/scheduling.md): the default weights make it lexicographic per course,
and the engine never keeps a move that trades a later start for gains lower in the order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from prolo.scheduling import GeneratorConfig, generate, weight_order_problems
from prolo.scheduling.instance import Weights, max_deviation_steps
from prolo.scheduling.lns import acceptable


def test_the_default_weights_honour_the_order_on_generated_clinics() -> None:
    instance = generate(GeneratorConfig(patients=5, weeks=30, seed=2))
    assert weight_order_problems(instance) == []
    # 08:00-17:00 on a 5-minute grid, less the shortest 40-minute session.
    assert max_deviation_steps(instance) == (9 * 60 - 40) // 5


def test_weights_that_break_the_order_are_named(tiny_instance) -> None:  # type: ignore[no-untyped-def]
    instance = tiny_instance()
    broken = instance.model_copy(
        update={"weights": Weights(start_delay_day=12, clinician_change=24)}
    )
    problems = weight_order_problems(broken)
    assert any(p.startswith("clinician_change") for p in problems)
    assert any(p.startswith("start_delay_day") for p in problems)
    assert not any(p.startswith("unscheduled_course") for p in problems)


tier = st.integers(0, 10_000)


@given(
    old=st.tuples(tier, tier, tier, tier, tier),
    new=st.tuples(tier, tier, tier, tier, tier),
)
def test_a_move_is_kept_only_if_no_worse_in_total_and_in_order(
    old: tuple[int, ...], new: tuple[int, ...]
) -> None:
    kept = acceptable(sum(old), sum(new), [old], [new])
    assert kept == (sum(new) <= sum(old) and new <= old)


def test_a_later_start_for_better_preferred_times_is_refused() -> None:
    # A later start (+50,000) bought with 60,000 less time deviation: a lower total, yet refused.
    old = (0, 100_000, 0, 0, 70_000)
    new = (0, 150_000, 0, 0, 10_000)
    assert sum(new) < sum(old)
    assert not acceptable(sum(old), sum(new), [old], [new])
