"""PRTEE: pain = sum of 5, function = sum of 10 / 2, total = pain + function [S45];
every item required (Prolo decision, ADR 0006)."""

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

PRTEE = get_instrument("prtee")
PAIN = [5, 6, 4, 3, 7]
FUNCTION = [4, 5, 6, 3, 2, 4, 5, 6, 3, 2]


class TestPublishedScoring:
    def test_pain_sum_function_half_sum_total_their_sum(self) -> None:
        # S45: pain 25; function 40 / 2 = 20; total 45.
        result = PRTEE.score([*PAIN, *FUNCTION])
        assert result.subscales == {"pain": 25, "function": 20}
        assert result.score == 45

    def test_odd_function_sum_gives_a_half_point(self) -> None:
        result = PRTEE.score([0] * 5 + [1] + [0] * 9)
        assert result.subscales["function"] == 0.5
        assert result.score == 0.5

    def test_all_fives_is_the_middle(self) -> None:
        result = PRTEE.score([5] * 15)
        assert result.subscales == {"pain": 25, "function": 25}
        assert result.score == 50


class TestBoundaries:
    def test_all_zero_is_0(self) -> None:
        assert PRTEE.score(all_at(PRTEE, "min")).score == 0

    def test_all_ten_is_100(self) -> None:
        result = PRTEE.score(all_at(PRTEE, "max"))
        assert result.score == 100
        assert result.subscales == {"pain": 50, "function": 50}

    def test_one_missing_pain_item_withholds_pain_and_total(self) -> None:
        result = PRTEE.score([*PAIN[:4], None, *FUNCTION])
        assert result.subscales == {"pain": None, "function": 20}
        assert result.score is None
        assert not result.valid

    def test_one_missing_function_item_withholds_function_and_total(self) -> None:
        result = PRTEE.score([*PAIN, *FUNCTION[:9], None])
        assert result.subscales == {"pain": 25, "function": None}
        assert result.score is None


class TestAnswers:
    def test_eleven_is_outside_0_to_10(self) -> None:
        with pytest.raises(
            InvalidInputError, match=r"item 6 \(F1\): 11 is outside 0-10"
        ):
            PRTEE.score([*PAIN, 11, *FUNCTION[1:]])


class TestProperties:
    @given(answers(PRTEE))
    def test_scores_stay_in_range(self, given_answers: list[int | None]) -> None:
        check_in_range(PRTEE, given_answers)

    @given(answers(PRTEE), st.integers(0, 14))
    def test_monotone_in_each_item(
        self, given_answers: list[int | None], index: int
    ) -> None:
        check_monotone(PRTEE, given_answers, index)

    @given(answers(PRTEE))
    def test_missing_rule_is_respected(self, given_answers: list[int | None]) -> None:
        check_missing_rule(PRTEE, given_answers)
