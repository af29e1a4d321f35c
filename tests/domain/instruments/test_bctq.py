"""BCTQ: SSS = mean of 11 symptom items, FSS = mean of 8 function items, each 1-5 [S44];
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

BCTQ = get_instrument("bctq")
SSS = [3, 2, 4, 1, 2, 3, 3, 2, 1, 2, 3]
FSS = [2, 2, 1, 3, 4, 2, 3, 1]


class TestPublishedScoring:
    def test_each_scale_is_the_mean_of_its_items(self) -> None:
        # S44: scale score = mean of its items; SSS 26/11, FSS 18/8.
        result = BCTQ.score([*SSS, *FSS])
        assert result.subscales == {"sss": 26 / 11, "fss": 2.25}
        assert result.score is None
        assert result.valid

    def test_symptom_items_come_first(self) -> None:
        result = BCTQ.score([5] * 11 + [1] * 8)
        assert result.subscales == {"sss": 5, "fss": 1}


class TestBoundaries:
    def test_all_ones_is_1(self) -> None:
        assert BCTQ.score(all_at(BCTQ, "min")).subscales == {"sss": 1, "fss": 1}

    def test_all_fives_is_5(self) -> None:
        assert BCTQ.score(all_at(BCTQ, "max")).subscales == {"sss": 5, "fss": 5}

    def test_one_missing_symptom_item_withholds_sss_only(self) -> None:
        result = BCTQ.score([*SSS[:-1], None, *FSS])
        assert result.subscales == {"sss": None, "fss": 2.25}
        assert not result.valid
        assert "sss: 10 of 11 items answered, at least 11 needed; Prolo decision" in (
            result.withheld_reason or ""
        )

    def test_one_missing_function_item_withholds_fss_only(self) -> None:
        result = BCTQ.score([*SSS, None, *FSS[1:]])
        assert result.subscales == {"sss": 26 / 11, "fss": None}


class TestAnswers:
    def test_zero_is_outside_1_to_5(self) -> None:
        with pytest.raises(
            InvalidInputError, match=r"item 12 \(FSS1\): 0 is outside 1-5"
        ):
            BCTQ.score([*SSS, 0, *FSS[1:]])


class TestProperties:
    @given(answers(BCTQ))
    def test_scales_stay_in_range(self, given_answers: list[int | None]) -> None:
        check_in_range(BCTQ, given_answers)

    @given(answers(BCTQ), st.integers(0, 18))
    def test_monotone_in_each_item(
        self, given_answers: list[int | None], index: int
    ) -> None:
        check_monotone(BCTQ, given_answers, index)

    @given(answers(BCTQ))
    def test_missing_rule_is_respected(self, given_answers: list[int | None]) -> None:
        check_missing_rule(BCTQ, given_answers)
