"""Oswestry Disability Index: sum / (5 x sections answered) x 100 [S36]."""

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

ODI = get_instrument("odi")


class TestPublishedExamples:
    def test_all_sections_answered_total_16_is_32_percent(self) -> None:
        # S36, official scoring sheet: 16 / 50 x 100 = 32%.
        result = ODI.score([3, 2, 2, 1, 2, 1, 2, 1, 1, 1])
        assert result.score == 32.0
        assert result.missing == 0
        assert result.valid

    def test_one_section_missed_total_16_is_35_56_percent(self) -> None:
        # S36: one section not answered (e.g. sex life), 16 / 45 x 100 = 35.56% (exact 320/9).
        result = ODI.score([3, 2, 2, 1, 2, 1, 2, None, 2, 1])
        assert result.score == 320 / 9
        assert round(result.score, 2) == 35.56
        assert result.missing == 1
        assert result.valid


class TestBoundaries:
    def test_all_first_statements_score_0(self) -> None:
        assert ODI.score(all_at(ODI, "min")).score == 0

    def test_all_last_statements_score_100(self) -> None:
        assert ODI.score(all_at(ODI, "max")).score == 100

    def test_nine_sections_answered_is_scored(self) -> None:
        result = ODI.score([5] * 9 + [None])
        assert result.score == 100
        assert result.valid

    def test_eight_sections_answered_is_withheld(self) -> None:
        result = ODI.score([5] * 8 + [None, None])
        assert result.score is None
        assert not result.valid
        assert "8 of 10 items answered, at least 9 needed" in (
            result.withheld_reason or ""
        )

    def test_lower_is_better(self) -> None:
        assert ODI.higher_is_better is False
        assert (ODI.min, ODI.max) == (0, 100)


class TestAnswers:
    def test_six_is_outside_0_to_5(self) -> None:
        with pytest.raises(InvalidInputError, match=r"item 3 \(Q3\): 6 is outside 0-5"):
            ODI.score([0, 0, 6, 0, 0, 0, 0, 0, 0, 0])

    def test_negative_answer_is_outside(self) -> None:
        with pytest.raises(
            InvalidInputError, match=r"item 1 \(Q1\): -1 is outside 0-5"
        ):
            ODI.score([-1] + [0] * 9)

    def test_nine_answers_is_the_wrong_count(self) -> None:
        with pytest.raises(InvalidInputError, match=r"odi expects 10 answers .*got 9"):
            ODI.score([0] * 9)


class TestProperties:
    @given(answers(ODI))
    def test_score_stays_in_range(self, given_answers: list[int | None]) -> None:
        check_in_range(ODI, given_answers)

    @given(answers(ODI), st.integers(0, 9))
    def test_more_disability_never_lowers_the_score(
        self, given_answers: list[int | None], index: int
    ) -> None:
        check_monotone(ODI, given_answers, index)

    @given(answers(ODI))
    def test_missing_rule_is_respected(self, given_answers: list[int | None]) -> None:
        check_missing_rule(ODI, given_answers)
