"""QuickDASH: ((sum / n) - 1) x 25, n = items answered, at most 1 missing [S39][S40-web]."""

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

QD = get_instrument("quickdash")


class TestPublishedFormula:
    def test_all_answered_mean_3_is_50(self) -> None:
        # S39: ((33 / 11) - 1) x 25 = 50.
        assert QD.score([3] * 11).score == 50

    def test_sum_24_of_11_items(self) -> None:
        # S39: ((24 / 11) - 1) x 25 = 325/11 = 29.545...; S38's test data reports it as 29.55.
        result = QD.score([1, 2, 3, 2, 3, 2, 3, 2, 2, 2, 2])
        assert result.score == 325 / 11
        assert round(result.score, 2) == 29.55

    def test_one_missing_uses_the_ten_answered(self) -> None:
        # S39: n = 10 answered, sum 25: ((25 / 10) - 1) x 25 = 37.5.
        assert QD.score([2, 3, 2, 3, 2, 3, 2, 3, 2, 3, None]).score == 37.5


class TestBoundaries:
    def test_all_ones_is_0(self) -> None:
        assert QD.score(all_at(QD, "min")).score == 0

    def test_all_fives_is_100(self) -> None:
        assert QD.score(all_at(QD, "max")).score == 100

    def test_ten_answered_is_scored(self) -> None:
        assert QD.score([None] + [1] * 10).score == 0

    def test_two_missing_is_withheld(self) -> None:
        # S39 / S40-web: QuickDASH cannot be computed when more than 1 item is missing.
        result = QD.score([None, None] + [1] * 9)
        assert result.score is None
        assert not result.valid


class TestAnswers:
    def test_zero_is_below_the_1_to_5_scale(self) -> None:
        with pytest.raises(InvalidInputError, match=r"item 2 \(Q2\): 0 is outside 1-5"):
            QD.score([1, 0] + [1] * 9)

    def test_twelve_answers_is_the_wrong_count(self) -> None:
        with pytest.raises(InvalidInputError, match="quickdash expects 11 answers"):
            QD.score([1] * 12)


class TestProperties:
    @given(answers(QD))
    def test_score_stays_in_range(self, given_answers: list[int | None]) -> None:
        check_in_range(QD, given_answers)

    @given(answers(QD), st.integers(0, 10))
    def test_monotone_in_each_item(
        self, given_answers: list[int | None], index: int
    ) -> None:
        check_monotone(QD, given_answers, index)

    @given(answers(QD))
    def test_missing_rule_is_respected(self, given_answers: list[int | None]) -> None:
        check_missing_rule(QD, given_answers)
