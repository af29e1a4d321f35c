"""WOMAC LK 3.1: raw subscale sums (pain 0-20, stiffness 0-8, function 0-68), total 0-96 [S38][S42];
function: 1-3 missing items replaced by the subscale average, 4 or more invalid [S41]; pain and
stiffness: every item required (Prolo decision, ADR 0006)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from instrument_checks import (
    all_at,
    answers,
    check_in_range,
    check_missing_rule,
    check_monotone,
)

from prolo.domain.errors import InvalidInputError
from prolo.domain.instruments import get_instrument

WOMAC = get_instrument("womac")
PAIN, STIFF, FUNC = 5, 2, 17


def form(
    pain: list[int | None], stiffness: list[int | None], function: list[int | None]
) -> list[int | None]:
    assert (len(pain), len(stiffness), len(function)) == (PAIN, STIFF, FUNC)
    return [*pain, *stiffness, *function]


class TestPublishedScoring:
    def test_all_moderate_is_half_of_every_range(self) -> None:
        # S38 test data ("median response"): every item 2 -> pain 10, stiffness 4, function 34, total 48.
        result = WOMAC.score([2] * 24)
        assert result.subscales == {"pain": 10, "stiffness": 4, "function": 34}
        assert result.score == 48

    def test_subscales_are_raw_sums_and_the_total_their_sum(self) -> None:
        # S42/S38: subscales are summed item scores; the total is their sum.
        result = WOMAC.score(form([1, 2, 3, 4, 0], [2, 3], [1] * 10 + [2] * 7))
        assert result.subscales == {"pain": 10, "stiffness": 5, "function": 24}
        assert result.score == 39

    def test_three_missing_function_items_take_the_subscale_average(self) -> None:
        # S41: 1-3 missing function items -> substitute the average of the answered ones:
        # 14 answered summing 28 (mean 2) -> 28 + 3 x 2 = 34.
        result = WOMAC.score(form([1] * 5, [1, 1], [2] * 14 + [None] * 3))
        assert result.subscales["function"] == 34
        assert result.score == 5 + 2 + 34
        assert result.valid

    def test_substitution_keeps_fractions_exact(self) -> None:
        # 16 answered summing 17 -> 17 x 17 / 16 = 289/16 = 18.0625 (no rounding inside scoring).
        result = WOMAC.score(form([0] * 5, [0, 0], [1] * 15 + [2, None]))
        assert result.subscales["function"] == 289 / 16


class TestMissingThresholds:
    def test_four_missing_function_items_make_it_invalid(self) -> None:
        # S41: 4 or more missing -> invalid; the total goes with it.
        result = WOMAC.score(form([1] * 5, [1, 1], [2] * 13 + [None] * 4))
        assert result.subscales["function"] is None
        assert result.score is None
        assert not result.valid
        assert "function: 13 of 17 items answered, at least 14 needed" in (
            result.withheld_reason or ""
        )
        assert result.subscales["pain"] == 5

    def test_one_missing_pain_item_withholds_pain(self) -> None:
        # Decision (ADR 0006): the official pain rule is in the licensed guide, so every item is required.
        result = WOMAC.score(form([1, 1, 1, 1, None], [1, 1], [1] * 17))
        assert result.subscales["pain"] is None
        assert result.score is None
        assert "Prolo decision" in (result.withheld_reason or "")

    def test_one_missing_stiffness_item_withholds_stiffness(self) -> None:
        result = WOMAC.score(form([1] * 5, [None, 1], [1] * 17))
        assert result.subscales["stiffness"] is None
        assert result.score is None
        assert result.subscales["function"] == 17


class TestBoundaries:
    def test_all_none_is_0(self) -> None:
        result = WOMAC.score(all_at(WOMAC, "min"))
        assert result.score == 0
        assert result.subscales == {
            "pain": 0,
            "stiffness": 0,
            "function": 0,
        }

    def test_all_extreme_is_96(self) -> None:
        result = WOMAC.score(all_at(WOMAC, "max"))
        assert result.score == 96
        assert result.subscales == {
            "pain": 20,
            "stiffness": 8,
            "function": 68,
        }


class TestAnswers:
    def test_the_issue_example_message(self) -> None:
        with pytest.raises(
            InvalidInputError, match=r"^item 3 \(P3\): 7 is outside 0-4$"
        ):
            WOMAC.score([1, 1, 7] + [1] * 21)

    def test_item_order_is_pain_stiffness_function(self) -> None:
        ids = WOMAC.item_ids
        assert ids[:5] == ("P1", "P2", "P3", "P4", "P5")
        assert ids[5:7] == ("S1", "S2")
        assert ids[7:] == tuple(f"F{n}" for n in range(1, 18))


class TestProperties:
    @given(answers(WOMAC))
    def test_scores_stay_in_range(self, given_answers: list[int | None]) -> None:
        check_in_range(WOMAC, given_answers)

    @given(answers(WOMAC), st.integers(0, 23))
    def test_monotone_in_each_item(
        self, given_answers: list[int | None], index: int
    ) -> None:
        check_monotone(WOMAC, given_answers, index)

    @given(answers(WOMAC))
    def test_missing_rule_is_respected(self, given_answers: list[int | None]) -> None:
        check_missing_rule(WOMAC, given_answers)
