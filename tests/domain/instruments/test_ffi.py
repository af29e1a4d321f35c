"""FFI (0-10 version): subscale = sum / (10 x answered) x 100; total over all answered items [S46];
at least half of each subscale's items (Prolo decision, ADR 0006)."""

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

FFI = get_instrument("ffi")


class TestPublishedScoring:
    def test_all_answered_total_is_sum_over_230(self) -> None:
        # S46: total = sum / 230 x 100 for the 0-10 version; all 5s -> 115 / 230 = 50%.
        result = FFI.score([5] * 23)
        assert result.score == 50
        assert result.subscales == {"pain": 50, "disability": 50, "activity": 50}

    def test_subscales_and_total(self) -> None:
        # pain 9 items sum 45 -> 50; disability sum 18 -> 20; activity sum 40 -> 80;
        # total 103 / 230 x 100 = 1030/23.
        result = FFI.score([5] * 9 + [2] * 9 + [8] * 5)
        assert result.subscales == {"pain": 50, "disability": 20, "activity": 80}
        assert result.score == 1030 / 23

    def test_not_applicable_items_leave_the_denominator(self) -> None:
        # S46: divide by the maximum for the items marked applicable: 8 pain items summing 40 -> 40/80.
        result = FFI.score([5] * 8 + [None] + [0] * 14)
        assert result.subscales["pain"] == 50
        assert result.score == 40 / 220 * 100


class TestBoundaries:
    def test_all_zero_is_0(self) -> None:
        assert FFI.score(all_at(FFI, "min")).score == 0

    def test_all_ten_is_100(self) -> None:
        assert FFI.score(all_at(FFI, "max")).score == 100

    def test_half_the_pain_items_is_enough(self) -> None:
        result = FFI.score([4] * 5 + [None] * 4 + [0] * 14)
        assert result.subscales["pain"] == 40
        assert result.valid

    def test_fewer_than_half_withholds_the_subscale_and_total(self) -> None:
        result = FFI.score([4] * 4 + [None] * 5 + [0] * 14)
        assert result.subscales["pain"] is None
        assert result.score is None
        assert result.subscales["disability"] == 0

    def test_activity_needs_three_of_five(self) -> None:
        assert (
            FFI.score([0] * 18 + [10, 10, 10, None, None]).subscales["activity"] == 100
        )
        assert (
            FFI.score([0] * 18 + [10, 10, None, None, None]).subscales["activity"]
            is None
        )


class TestAnswers:
    def test_out_of_range_names_the_item(self) -> None:
        with pytest.raises(
            InvalidInputError, match=r"item 19 \(A1\): 12 is outside 0-10"
        ):
            FFI.score([0] * 18 + [12, 0, 0, 0, 0])


class TestProperties:
    @given(answers(FFI))
    def test_scores_stay_in_range(self, given_answers: list[int | None]) -> None:
        check_in_range(FFI, given_answers)

    @given(answers(FFI), st.integers(0, 22))
    def test_monotone_in_each_item(
        self, given_answers: list[int | None], index: int
    ) -> None:
        check_monotone(FFI, given_answers, index)

    @given(answers(FFI))
    def test_missing_rule_is_respected(self, given_answers: list[int | None]) -> None:
        check_missing_rule(FFI, given_answers)
