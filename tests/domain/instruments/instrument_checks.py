"""Shared Hypothesis strategies and property checks for the instrument test modules.

Each `check_*` states one property every instrument must have:
- every score and subscale lies in its published range;
- raising one item's answer never makes any scale better (all items are scored so that a higher
  answer means more pain, symptoms or difficulty; the scale's direction turns that into a higher
  or a lower score);
- a scale is withheld exactly when its missing-item rule is not met.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from prolo.domain.instruments import TOTAL, Instrument


def answers(
    instrument: Instrument, *, missing: bool = True
) -> st.SearchStrategy[list[int | None]]:
    """Answers in item order, each one of the item's option values; with `missing`, some items are
    left empty: usually a few (so the scales are mostly scored), sometimes any number."""
    per_item: list[st.SearchStrategy[int]] = [
        st.sampled_from([o.value for o in instrument.item_options(i).options])
        for i in range(len(instrument.items))
    ]
    full = st.tuples(*per_item).map(list)
    if not missing:
        return full
    indices = st.integers(0, len(instrument.items) - 1)
    blanks = st.one_of(st.sets(indices, max_size=2), st.sets(indices))

    def blank(pair: tuple[list[int], set[int]]) -> list[int | None]:
        values, empty = pair
        return [None if i in empty else v for i, v in enumerate(values)]

    return st.tuples(full, blanks).map(blank)


def scales(instrument: Instrument) -> list[str]:
    names = list(instrument.subscale_names)
    return [TOTAL, *names] if instrument.definition.has_total else names


def check_in_range(instrument: Instrument, given: Sequence[int | None]) -> None:
    result = instrument.score(given)
    for scale in scales(instrument):
        value = result.value(scale)
        if value is not None:
            lo, hi = instrument.scale_range(scale)
            assert lo <= value <= hi, (scale, value, given)
    for name, value in result.extra.items():
        if value is not None:
            lo, hi = instrument.scale_range(name)
            assert lo <= value <= hi, (name, value, given)
    if instrument.definition.has_total is False:
        assert result.score is None


def check_monotone(
    instrument: Instrument, given: Sequence[int | None], index: int
) -> None:
    """Raising item `index` by one option never improves any scale that contains it."""
    current = given[index]
    values = [o.value for o in instrument.item_options(index).options]
    if current is None or current == values[-1]:
        return
    raised = list(given)
    raised[index] = values[values.index(current) + 1]
    before, after = instrument.score(given), instrument.score(raised)
    for scale in scales(instrument):
        if index not in instrument.scale_items(scale):
            continue
        b, a = before.value(scale), after.value(scale)
        assert (b is None) == (a is None), (scale, given, raised)
        if b is None or a is None:
            continue
        if instrument.higher_is_better:
            assert a <= b, (scale, b, a, given, raised)
        else:
            assert a >= b, (scale, b, a, given, raised)


def check_missing_rule(instrument: Instrument, given: Sequence[int | None]) -> None:
    """Each rule's scale is None exactly when fewer than `min_answered` of its items are answered."""
    result = instrument.score(given)
    failed = False
    for rule in instrument.definition.missing:
        answered = sum(
            1 for i in instrument.scale_items(rule.scale) if given[i] is not None
        )
        if answered < rule.min_answered:
            failed = True
            assert result.value(rule.scale) is None, (rule.scale, answered, given)
            assert result.withheld_reason is not None
            assert rule.scale in result.withheld_reason
        elif not instrument.all_or_nothing:
            assert result.value(rule.scale) is not None, (rule.scale, answered, given)
    assert result.valid is not failed
    assert result.missing == sum(1 for v in given if v is None)


def all_at(instrument: Instrument, end: str) -> list[int | None]:
    """Every item at its lowest (`end="min"`) or highest (`end="max"`) option value."""
    pick = 0 if end == "min" else -1
    return [
        instrument.item_options(i).options[pick].value
        for i in range(len(instrument.items))
    ]
