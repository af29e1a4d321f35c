"""Loading a clinic's licensed item text from its own file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from prolo.domain.errors import InvalidInputError, UnknownIdError
from prolo.domain.instruments import get_instrument, load_item_text, parse_item_text
from prolo.domain.instruments.wording import shipped_item_text


def hit6_text() -> dict[str, object]:
    # Placeholder strings, not the licensed wording.
    return {
        "instrument": "hit6",
        "language": "en",
        "licence": "clinic licence 42",
        "items": {f"Q{n}": f"clinic text {n}" for n in range(1, 7)},
    }


class TestLoadItemText:
    def test_a_complete_yaml_file_loads_in_item_order(self, tmp_path: Path) -> None:
        path = tmp_path / "hit6.yaml"
        raw = hit6_text()
        raw["items"] = dict(reversed(list(raw["items"].items())))  # type: ignore[union-attr]
        path.write_text(yaml.safe_dump(raw), encoding="utf-8")
        wording = load_item_text("hit6", path)
        assert list(wording.items) == list(get_instrument("hit6").item_ids)
        assert wording.items["Q3"] == "clinic text 3"
        assert (wording.language, wording.licence, wording.shipped) == (
            "en",
            "clinic licence 42",
            False,
        )

    def test_json_works_too(self, tmp_path: Path) -> None:
        path = tmp_path / "hit6.json"
        path.write_text(json.dumps(hit6_text()), encoding="utf-8")
        assert load_item_text("hit6", path).items["Q6"] == "clinic text 6"

    def test_a_missing_item_is_named(self) -> None:
        raw = hit6_text()
        del raw["items"]["Q4"]  # type: ignore[attr-defined]
        with pytest.raises(InvalidInputError, match="item Q4 has no text") as caught:
            parse_item_text("hit6", raw)
        assert caught.value.field == "items.Q4"

    def test_an_empty_item_is_refused(self) -> None:
        raw = hit6_text()
        raw["items"]["Q1"] = "   "  # type: ignore[index]
        with pytest.raises(InvalidInputError, match="item Q1 has no text"):
            parse_item_text("hit6", raw)

    def test_an_unknown_item_is_named(self) -> None:
        raw = hit6_text()
        raw["items"]["Q7"] = "extra"  # type: ignore[index]
        with pytest.raises(InvalidInputError, match=r"unknown item id.*Q7"):
            parse_item_text("hit6", raw)

    def test_a_file_for_another_instrument_is_refused(self) -> None:
        with pytest.raises(
            InvalidInputError, match="for instrument 'hit6', not 'womac'"
        ):
            parse_item_text("womac", hit6_text())

    def test_an_unknown_instrument_is_refused(self) -> None:
        with pytest.raises(UnknownIdError):
            parse_item_text("sf36", hit6_text())

    def test_an_unreadable_path_is_bad_input(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInputError, match="cannot read item text file"):
            load_item_text("hit6", tmp_path / "nope.yaml")

    def test_broken_yaml_is_bad_input(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.yaml"
        path.write_text("items: [unclosed", encoding="utf-8")
        with pytest.raises(InvalidInputError, match="not valid YAML"):
            load_item_text("hit6", path)

    def test_unknown_top_level_keys_are_refused(self) -> None:
        raw = hit6_text()
        raw["options"] = {}
        with pytest.raises(InvalidInputError, match="unknown key"):
            parse_item_text("hit6", raw)


class TestShippedText:
    def test_licensed_instruments_ship_none(self) -> None:
        for instrument_id in (
            "womac",
            "hit6",
            "fiqr",
            "quickdash",
            "prtee",
            "koos",
            "odi",
        ):
            assert shipped_item_text(instrument_id) is None

    def test_nrs_ships_its_anchors_with_a_source(self) -> None:
        wording = shipped_item_text("nrs")
        assert wording is not None
        assert wording.sources == ("S34",)
