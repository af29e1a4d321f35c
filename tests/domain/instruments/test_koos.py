"""KOOS: each subscale 100 - (mean x 100 / 4), at least half of its items answered; no total [S43]."""

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

KOOS = get_instrument("koos")

# Form order S1-S7, P1-P9, A1-A17, SP1-SP5, Q1-Q4.
SYMPTOMS = [2, 3, 1, 4, 2, 1, 3]
PAIN = [3, 2, 1, 2, 3, 4, 1, 2, 3]
ADL = [2, 3, 1, 2, 4, 1, 3, 2, 3, 1, 2, 3, 4, 1, 2, 3, 2]
SPORT = [3, 4, 3, 2, 4]
QOL = [3, 2, 3, 2]


class TestWorkedExample:
    def test_subscales_of_a_mixed_response(self) -> None:
        # Formula S43; responses and expected values from S38's test data ("random_response",
        # reported to 1 decimal: 41.7, 42.9, 42.6, 20, 37.5). Exact values:
        result = KOOS.score([*SYMPTOMS, *PAIN, *ADL, *SPORT, *QOL])
        assert result.subscales["symptoms"] == 300 / 7  # mean 16/7 -> 100 - 400/7
        assert result.subscales["pain"] == 125 / 3  # mean 21/9 -> 100 - 175/3
        assert result.subscales["adl"] == 725 / 17  # mean 39/17 -> 100 - 975/17
        assert result.subscales["sport"] == 20  # mean 16/5 -> 100 - 80
        assert result.subscales["qol"] == 37.5  # mean 10/4 -> 100 - 62.5
        assert [
            round(result.subscales[s] or 0, 1) for s in ("pain", "symptoms", "adl")
        ] == [41.7, 42.9, 42.6]

    def test_there_is_no_total(self) -> None:
        # S43: subscales are reported separately; the scoring guide gives no total.
        result = KOOS.score([0] * 42)
        assert result.score is None
        assert result.valid
        assert result.higher_is_better is True

    def test_missing_items_use_the_mean_of_the_answered(self) -> None:
        # QOL with 2 of 4 answered (3 and 2): mean 2.5 -> 37.5.
        result = KOOS.score([*SYMPTOMS, *PAIN, *ADL, *SPORT, 3, None, None, 2])
        assert result.subscales["qol"] == 37.5
        assert result.valid


class TestBoundaries:
    def test_no_problems_is_100(self) -> None:
        result = KOOS.score(all_at(KOOS, "min"))
        assert set(result.subscales.values()) == {100}

    def test_extreme_problems_is_0(self) -> None:
        result = KOOS.score(all_at(KOOS, "max"))
        assert set(result.subscales.values()) == {0}

    @pytest.mark.parametrize(
        ("subscale", "start", "size", "needed"),
        [
            ("symptoms", 0, 7, 4),
            ("pain", 7, 9, 5),
            ("adl", 16, 17, 9),
            ("sport", 33, 5, 3),
            ("qol", 38, 4, 2),
        ],
    )
    def test_half_the_items_is_the_threshold(
        self, subscale: str, start: int, size: int, needed: int
    ) -> None:
        # S43 2012 rule: >= 50% answered -> Pain 5, Symptoms 4, ADL 9, Sport 3, QOL 2.
        inside: list[int | None] = [1] * 42
        for i in range(start + needed, start + size):
            inside[i] = None
        assert KOOS.score(inside).subscales[subscale] == 75
        outside = list(inside)
        outside[start] = None
        result = KOOS.score(outside)
        assert result.subscales[subscale] is None
        assert not result.valid
        others = [v for k, v in result.subscales.items() if k != subscale]
        assert None not in others


class TestAnswers:
    def test_five_is_outside_0_to_4(self) -> None:
        with pytest.raises(InvalidInputError, match=r"item 8 \(P1\): 5 is outside 0-4"):
            KOOS.score([0] * 7 + [5] + [0] * 34)

    def test_item_ids_follow_the_form(self) -> None:
        ids = KOOS.item_ids
        assert ids[0] == "S1"
        assert ids[7] == "P1"
        assert ids[16] == "A1"
        assert ids[33] == "SP1"
        assert ids[38] == "Q1"
        assert len(ids) == 42


class TestProperties:
    @given(answers(KOOS))
    def test_subscales_stay_in_range(self, given_answers: list[int | None]) -> None:
        check_in_range(KOOS, given_answers)

    @given(answers(KOOS), st.integers(0, 41))
    def test_more_problems_never_raise_a_subscale(
        self, given_answers: list[int | None], index: int
    ) -> None:
        check_monotone(KOOS, given_answers, index)

    @given(answers(KOOS))
    def test_missing_rule_is_respected(self, given_answers: list[int | None]) -> None:
        check_missing_rule(KOOS, given_answers)
