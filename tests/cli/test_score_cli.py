"""`prolo score INSTRUMENT --answers ... [--format json]`: the contract scripts depend on."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from prolo.cli import instruments as instruments_cli

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()
    instruments_cli.register(app)
    return app


APP = make_app()


def score(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(APP, ["score", *args])
    return result.exit_code, result.stdout, result.stderr


def score_json(instrument: str, answers: str) -> dict[str, object]:
    code, out, err = score(instrument, "--answers", answers, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


class TestJsonContract:
    def test_odi_worked_example(self) -> None:
        # S36: one section missed, total 16 -> 16/45 x 100.
        data = score_json("odi", "3,2,2,1,2,1,2,,2,1")
        assert data == {
            "instrument": "odi",
            "score": 320 / 9,
            "subscales": {},
            "min": 0,
            "max": 100,
            "higher_is_better": False,
            "missing": 1,
            "valid": True,
            "withheld_reason": None,
        }

    def test_ndi_reports_raw(self) -> None:
        data = score_json("ndi", "2,2,1,2,2,1,2,1,2,1")
        assert (data["score"], data["raw"]) == (32, 16)

    def test_subscales_are_keyed_by_lowercase_names(self) -> None:
        data = score_json("womac", ",".join(["2"] * 24))
        assert data["subscales"] == {"pain": 10, "stiffness": 4, "function": 34}
        assert data["score"] == 48

    def test_koos_has_a_null_score(self) -> None:
        data = score_json("koos", ",".join(["0"] * 42))
        assert data["score"] is None
        assert data["higher_is_better"] is True
        assert data["subscales"] == {
            "symptoms": 100,
            "pain": 100,
            "adl": 100,
            "sport": 100,
            "qol": 100,
        }

    def test_hit6_takes_option_numbers(self) -> None:
        assert score_json("hit6", "1,2,3,4,5,5")["score"] == 61

    def test_withheld_score_says_why(self) -> None:
        data = score_json("quickdash", ",,1,1,1,1,1,1,1,1,1")
        assert data["score"] is None
        assert data["valid"] is False
        assert data["missing"] == 2
        assert "9 of 11 items answered, at least 10 needed" in str(
            data["withheld_reason"]
        )

    def test_spaces_around_answers_are_ignored(self) -> None:
        assert score_json("nrs", " 7 ")["score"] == 7

    def test_an_empty_single_answer_is_a_missing_item(self) -> None:
        data = score_json("nrs", "")
        assert data["score"] is None
        assert data["missing"] == 1


class TestBadInputExits2:
    def test_out_of_range_names_the_item(self) -> None:
        code, _, err = score(
            "womac", "--answers", ",".join(["1", "1", "7"] + ["1"] * 21)
        )
        assert code == 2
        assert "item 3 (P3): 7 is outside 0-4" in err

    @pytest.mark.parametrize("answers", ["1,2,3", ",".join(["1"] * 11)])
    def test_wrong_count(self, answers: str) -> None:
        code, _, err = score("odi", "--answers", answers)
        assert code == 2
        assert "odi expects 10 answers" in err

    def test_not_a_number_names_the_item(self) -> None:
        code, _, err = score("prtee", "--answers", "1,2,x," + ",".join(["1"] * 12))
        assert code == 2
        assert "item 3 (P3): 'x' is not a number" in err

    def test_not_a_box_on_the_form(self) -> None:
        code, _, err = score("nrs", "--answers", "2.5")
        assert code == 2
        assert "is not one of the answers" in err

    def test_nan_is_refused(self) -> None:
        code, _, err = score("nrs", "--answers", "nan")
        assert code == 2
        assert "not a number" in err

    def test_unknown_instrument(self) -> None:
        code, _, err = score("sf36", "--answers", "1")
        assert code == 2
        assert "unknown instrument 'sf36'" in err

    def test_no_traceback_on_bad_input(self) -> None:
        result = runner.invoke(APP, ["score", "hit6", "--answers", "9,1,1,1,1,1"])
        assert result.exit_code == 2
        assert result.exception is not None
        assert isinstance(result.exception, SystemExit)


class TestTable:
    def test_table_rounds_for_people(self) -> None:
        code, out, _ = score("odi", "--answers", "3,2,2,1,2,1,2,,2,1")
        assert code == 0
        assert "35.56" in out
        assert "35.5555" not in out

    def test_table_lists_subscales_and_the_withheld_reason(self) -> None:
        code, out, _ = score(
            "bctq", "--answers", ",".join(["2"] * 10 + [""] + ["3"] * 8)
        )
        assert code == 0
        assert "sss" in out
        assert "fss" in out
        assert "withheld: sss: 10 of 11" in out
