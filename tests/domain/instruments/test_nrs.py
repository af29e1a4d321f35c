"""NRS pain 0-10: the score is the rating (0 = no pain, 10 = worst possible pain) [S34]."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from instrument_checks import (
    answers,
    check_in_range,
    check_missing_rule,
    check_monotone,
)

from prolo.domain.errors import InvalidInputError
from prolo.domain.instruments import get_instrument
from prolo.domain.instruments.wording import shipped_item_text

NRS = get_instrument("nrs")


class TestScoring:
    @pytest.mark.parametrize("rating", range(11))
    def test_score_is_the_rating(self, rating: int) -> None:
        # S34: 11-point PI-NRS, 0 = no pain, 10 = worst possible pain.
        result = NRS.score([rating])
        assert result.score == rating
        assert result.valid
        assert result.missing == 0

    def test_lower_is_better_on_0_to_10(self) -> None:
        result = NRS.score([4])
        assert (result.min, result.max, result.higher_is_better) == (0, 10, False)
        assert result.subscales == {}

    def test_no_answer_withholds_the_score(self) -> None:
        result = NRS.score([None])
        assert result.score is None
        assert not result.valid
        assert "0 of 1 items answered" in (result.withheld_reason or "")


class TestAnswers:
    def test_eleven_is_outside_the_scale_and_names_the_item(self) -> None:
        with pytest.raises(
            InvalidInputError, match=r"item 1 \(NRS\): 11 is outside 0-10"
        ):
            NRS.score([11])

    def test_a_fraction_is_not_a_box_on_the_scale(self) -> None:
        with pytest.raises(
            InvalidInputError, match=r"item 1 \(NRS\): 2.5 is not one of"
        ):
            NRS.score([2.5])

    def test_two_answers_for_one_item_is_the_wrong_count(self) -> None:
        with pytest.raises(
            InvalidInputError, match="nrs expects 1 answer in item order"
        ):
            NRS.score([1, 2])

    def test_float_form_of_a_whole_answer_is_accepted(self) -> None:
        assert NRS.score([7.0]).score == 7


class TestData:
    def test_loinc_and_mcids_come_from_the_sources(self) -> None:
        d = NRS.definition
        assert d.loinc is not None
        assert d.loinc.code == "72514-3"
        found = {(m.kind, m.value, m.tier) for m in d.mcids}
        assert found == {
            ("absolute", 2, "mcid"),
            ("percent", 30, "mcid"),
            ("percent", 50, "substantial"),
        }

    def test_wording_is_shipped_because_the_scale_is_free(self) -> None:
        wording = shipped_item_text("nrs")
        assert wording is not None
        assert wording.shipped
        assert "0 (no pain)" in wording.items["NRS"]
        assert "10 (worst possible pain)" in wording.items["NRS"]


class TestProperties:
    @given(answers(NRS))
    def test_score_stays_in_range(self, given_answers: list[int | None]) -> None:
        check_in_range(NRS, given_answers)

    @given(answers(NRS), st.just(0))
    def test_score_rises_with_the_rating(
        self, given_answers: list[int | None], index: int
    ) -> None:
        check_monotone(NRS, given_answers, index)

    @given(answers(NRS))
    def test_missing_rule_is_respected(self, given_answers: list[int | None]) -> None:
        check_missing_rule(NRS, given_answers)
