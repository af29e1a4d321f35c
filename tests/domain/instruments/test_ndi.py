"""Neck Disability Index: percentage sum / (5 x answered) x 100 and raw 0-50 [S37]."""

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

NDI = get_instrument("ndi")


class TestPublishedExamples:
    def test_all_answered_raw_16_is_32_percent(self) -> None:
        # S37 scoring guide: the same example as the ODI sheet, 16 / 50 x 100 = 32%.
        result = NDI.score([2, 2, 1, 2, 2, 1, 2, 1, 2, 1])
        assert result.score == 32.0
        assert result.extra["raw"] == 16

    def test_one_item_missed_raw_16_is_35_56_percent(self) -> None:
        # S37: 16 / 45 x 100 = 35.5(6)%; Vernon adds the average of the others to the raw sum:
        # 16 + 16/9 = 160/9, so raw x 2 is the percentage.
        result = NDI.score([2, 2, 1, 2, 2, None, 2, 1, 2, 2])
        assert result.score == 320 / 9
        assert result.extra["raw"] == 160 / 9
        assert result.to_dict()["raw"] == 160 / 9

    def test_percentage_is_twice_the_raw_score(self) -> None:
        # S37: % = raw x 2.
        result = NDI.score([5, 4, 3, 2, 1, 0, 1, 2, 3, 4])
        assert result.extra["raw"] == 25
        assert result.score == 50


class TestBoundaries:
    def test_all_minimum_is_0(self) -> None:
        result = NDI.score(all_at(NDI, "min"))
        assert (result.score, result.extra["raw"]) == (0, 0)

    def test_all_maximum_is_100_percent_and_raw_50(self) -> None:
        result = NDI.score(all_at(NDI, "max"))
        assert (result.score, result.extra["raw"]) == (100, 50)

    def test_nine_answered_is_scored(self) -> None:
        assert NDI.score([None] + [3] * 9).score == 60

    def test_eight_answered_withholds_score_and_raw(self) -> None:
        result = NDI.score([None, None] + [3] * 8)
        assert result.score is None
        assert result.extra["raw"] is None
        assert not result.valid


class TestAnswers:
    def test_out_of_range_names_the_item(self) -> None:
        with pytest.raises(
            InvalidInputError, match=r"item 10 \(Q10\): 9 is outside 0-5"
        ):
            NDI.score([0] * 9 + [9])


class TestProperties:
    @given(answers(NDI))
    def test_score_and_raw_stay_in_range(self, given_answers: list[int | None]) -> None:
        check_in_range(NDI, given_answers)

    @given(answers(NDI))
    def test_raw_is_half_the_percentage(self, given_answers: list[int | None]) -> None:
        result = NDI.score(given_answers)
        raw = result.extra["raw"]
        if result.score is None:
            assert raw is None
        else:
            assert raw is not None
            assert raw * 2 == pytest.approx(result.score, rel=1e-15)

    @given(answers(NDI), st.integers(0, 9))
    def test_monotone_in_each_item(
        self, given_answers: list[int | None], index: int
    ) -> None:
        check_monotone(NDI, given_answers, index)

    @given(answers(NDI))
    def test_missing_rule_is_respected(self, given_answers: list[int | None]) -> None:
        check_missing_rule(NDI, given_answers)
