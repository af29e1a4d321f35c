"""HIT-6: options 1-5 (never ... always) score 6, 8, 10, 11, 13; total 36-78; all 6 required [S47]."""

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

HIT6 = get_instrument("hit6")


class TestPublishedScoring:
    @pytest.mark.parametrize(
        ("option", "points"), [(1, 6), (2, 8), (3, 10), (4, 11), (5, 13)]
    )
    def test_each_option_scores_its_points(self, option: int, points: int) -> None:
        # S47: never 6, rarely 8, sometimes 10, very often 11, always 13.
        assert HIT6.score([option] * 6).score == points * 6

    def test_mixed_answers_sum_the_points(self) -> None:
        # 6 + 8 + 10 + 11 + 13 + 13 = 61 (>= 60: severe impact, S47 bands).
        assert HIT6.score([1, 2, 3, 4, 5, 5]).score == 61

    def test_range_is_36_to_78(self) -> None:
        assert HIT6.score(all_at(HIT6, "min")).score == 36
        assert HIT6.score(all_at(HIT6, "max")).score == 78
        assert (HIT6.min, HIT6.max) == (36, 78)

    def test_any_missing_item_withholds_the_score(self) -> None:
        result = HIT6.score([1, 2, 3, 4, 5, None])
        assert result.score is None
        assert not result.valid
        assert result.missing == 1


class TestAnswers:
    def test_answers_are_option_numbers_not_points(self) -> None:
        with pytest.raises(InvalidInputError, match=r"item 1 \(Q1\): 6 is outside 1-5"):
            HIT6.score([6, 1, 1, 1, 1, 1])

    def test_zero_is_outside(self) -> None:
        with pytest.raises(InvalidInputError, match=r"item 6 \(Q6\): 0 is outside 1-5"):
            HIT6.score([1, 1, 1, 1, 1, 0])


class TestProperties:
    @given(answers(HIT6))
    def test_score_stays_in_range(self, given_answers: list[int | None]) -> None:
        check_in_range(HIT6, given_answers)

    @given(answers(HIT6), st.integers(0, 5))
    def test_monotone_in_each_item(
        self, given_answers: list[int | None], index: int
    ) -> None:
        check_monotone(HIT6, given_answers, index)

    @given(answers(HIT6))
    def test_missing_rule_is_respected(self, given_answers: list[int | None]) -> None:
        check_missing_rule(HIT6, given_answers)
