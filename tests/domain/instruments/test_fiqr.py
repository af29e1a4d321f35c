"""FIQR: function sum / 3 + overall sum + symptoms sum / 2 (0-100) [S48]; missing answers weighted
9/x, 2/x, 10/x; invalid with 2+ function items or any overall/symptom item missing [INS-FIQR-SCORING]."""

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

FIQR = get_instrument("fiqr")
FUNCTION = [5, 4, 6, 5, 5, 4, 6, 5, 5]  # sum 45
OVERALL = [3, 4]  # sum 7
SYMPTOMS = [5, 6, 4, 5, 5, 6, 4, 5, 5, 5]  # sum 50


class TestPublishedScoring:
    def test_three_steps(self) -> None:
        # S48: step 1 sum each domain; step 2 function / 3, overall / 1, symptoms / 2; step 3 add.
        result = FIQR.score([*FUNCTION, *OVERALL, *SYMPTOMS])
        assert result.subscales == {"function": 15, "overall": 7, "symptoms": 25}
        assert result.score == 47

    def test_one_missing_function_item_is_weighted_9_over_8(self) -> None:
        # INS-FIQR-SCORING: 8 answered summing 40 -> 40 x 9/8 = 45 -> / 3 = 15.
        result = FIQR.score([5] * 8 + [None, *OVERALL, *SYMPTOMS])
        assert result.subscales["function"] == 15
        assert result.score == 47
        assert result.valid

    def test_weighting_keeps_exact_fractions(self) -> None:
        # 8 answered summing 41 -> 41 x 9 / 8 / 3 = 123/8 = 15.375.
        result = FIQR.score([5] * 7 + [6, None, *OVERALL, *SYMPTOMS])
        assert result.subscales["function"] == 15.375


class TestBoundaries:
    def test_all_zero_is_0(self) -> None:
        assert FIQR.score(all_at(FIQR, "min")).score == 0

    def test_all_ten_is_100(self) -> None:
        result = FIQR.score(all_at(FIQR, "max"))
        assert result.score == 100
        assert result.subscales == {"function": 30, "overall": 20, "symptoms": 50}

    def test_two_missing_function_items_invalidate_the_questionnaire(self) -> None:
        result = FIQR.score([5] * 7 + [None, None, *OVERALL, *SYMPTOMS])
        assert result.score is None
        assert not result.valid
        assert result.subscales == {"function": None, "overall": None, "symptoms": None}
        assert "function: 7 of 9 items answered, at least 8 needed; published rule" in (
            result.withheld_reason or ""
        )

    @pytest.mark.parametrize("index", [9, 10, 11, 20])
    def test_any_missing_overall_or_symptom_item_invalidates_it(
        self, index: int
    ) -> None:
        given_answers: list[int | None] = [*FUNCTION, *OVERALL, *SYMPTOMS]
        given_answers[index] = None
        result = FIQR.score(given_answers)
        assert result.score is None
        assert set(result.subscales.values()) == {None}


class TestAnswers:
    def test_out_of_range_names_the_item(self) -> None:
        with pytest.raises(
            InvalidInputError, match=r"item 10 \(O1\): 11 is outside 0-10"
        ):
            FIQR.score([*FUNCTION, 11, 4, *SYMPTOMS])


class TestProperties:
    @given(answers(FIQR))
    def test_scores_stay_in_range(self, given_answers: list[int | None]) -> None:
        check_in_range(FIQR, given_answers)

    @given(answers(FIQR), st.integers(0, 20))
    def test_monotone_in_each_item(
        self, given_answers: list[int | None], index: int
    ) -> None:
        check_monotone(FIQR, given_answers, index)

    @given(answers(FIQR))
    def test_missing_rule_is_respected(self, given_answers: list[int | None]) -> None:
        check_missing_rule(FIQR, given_answers)
