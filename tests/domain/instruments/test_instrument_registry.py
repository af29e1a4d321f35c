"""The registry and the reference tables behind every instrument."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from prolo.domain.errors import UnknownIdError
from prolo.domain.instruments import (
    INSTRUMENT_IDS,
    InstrumentDefinition,
    all_instruments,
    get_instrument,
)
from prolo.domain.instruments.base import load_definition
from prolo.domain.reference import sources

CATALOG_IDS = (
    "nrs",
    "odi",
    "ndi",
    "quickdash",
    "womac",
    "koos",
    "bctq",
    "prtee",
    "ffi",
    "hit6",
    "fiqr",
)


class TestRegistry:
    def test_ids_are_exactly_those_the_catalog_names(self) -> None:
        assert tuple(i.id for i in all_instruments()) == CATALOG_IDS
        assert INSTRUMENT_IDS == CATALOG_IDS

    def test_get_instrument_returns_the_same_object(self) -> None:
        assert get_instrument("koos") is get_instrument("koos")

    def test_unknown_id_names_the_known_ones(self) -> None:
        with pytest.raises(
            UnknownIdError, match="unknown instrument 'vas'; known: nrs, odi"
        ):
            get_instrument("vas")

    @pytest.mark.parametrize(
        ("instrument_id", "items", "lo", "hi", "higher_is_better"),
        [
            ("nrs", 1, 0, 10, False),
            ("odi", 10, 0, 100, False),
            ("ndi", 10, 0, 100, False),
            ("quickdash", 11, 0, 100, False),
            ("womac", 24, 0, 96, False),
            ("koos", 42, 0, 100, True),
            ("bctq", 19, 1, 5, False),
            ("prtee", 15, 0, 100, False),
            ("ffi", 23, 0, 100, False),
            ("hit6", 6, 36, 78, False),
            ("fiqr", 21, 0, 100, False),
        ],
    )
    def test_items_range_and_direction(
        self,
        instrument_id: str,
        items: int,
        lo: float,
        hi: float,
        higher_is_better: bool,
    ) -> None:
        instrument = get_instrument(instrument_id)
        assert len(instrument.items) == items
        assert (instrument.min, instrument.max) == (lo, hi)
        assert instrument.higher_is_better is higher_is_better

    @pytest.mark.parametrize(
        ("instrument_id", "subscales"),
        [
            ("womac", ("pain", "stiffness", "function")),
            ("koos", ("symptoms", "pain", "adl", "sport", "qol")),
            ("bctq", ("sss", "fss")),
            ("prtee", ("pain", "function")),
            ("ffi", ("pain", "disability", "activity")),
            ("fiqr", ("function", "overall", "symptoms")),
            ("odi", ()),
        ],
    )
    def test_subscale_keys_are_the_contract_names(
        self, instrument_id: str, subscales: tuple[str, ...]
    ) -> None:
        assert get_instrument(instrument_id).subscale_names == subscales


class TestReferenceData:
    @pytest.mark.parametrize("instrument_id", CATALOG_IDS)
    def test_every_source_is_registered(self, instrument_id: str) -> None:
        definition = load_definition(instrument_id)
        assert set(definition.all_source_ids()) <= set(sources())

    @pytest.mark.parametrize("instrument_id", CATALOG_IDS)
    def test_wording_ships_only_where_free(self, instrument_id: str) -> None:
        d = get_instrument(instrument_id).definition
        if d.licence.status != "free":
            assert d.item_text == ()
            assert not d.licence.wording_shipped

    def test_only_the_nrs_ships_wording(self) -> None:
        shipped = [i.id for i in all_instruments() if i.definition.item_text]
        assert shipped == ["nrs"]

    def test_licensed_instruments_are_marked(self) -> None:
        licensed = {
            i.id for i in all_instruments() if i.definition.licence.status == "licensed"
        }
        assert licensed == {"quickdash", "womac", "prtee", "hit6", "fiqr"}

    def test_loinc_codes_only_where_found(self) -> None:
        codes = {
            i.id: i.definition.loinc.code
            for i in all_instruments()
            if i.definition.loinc
        }
        assert codes == {"nrs": "72514-3", "odi": "97908-8", "ndi": "82226-2"}
        # ODI's panel code was confirmed on loinc.org (score term 97909-6 is its member) [IOP-LOINC-ODI]
        odi_loinc = get_instrument("odi").definition.loinc
        assert odi_loinc is not None
        assert odi_loinc.status == "verified"
        assert "IOP-LOINC-ODI" in odi_loinc.source

    def test_ffi_has_no_mcid(self) -> None:
        assert get_instrument("ffi").mcids == ()

    def test_decisions_are_marked_as_decisions(self) -> None:
        decided = {
            (i.id, r.scale)
            for i in all_instruments()
            for r in i.definition.missing
            if r.basis == "decision"
        }
        assert decided == {
            ("womac", "pain"),
            ("womac", "stiffness"),
            ("bctq", "sss"),
            ("bctq", "fss"),
            ("prtee", "pain"),
            ("prtee", "function"),
            ("ffi", "pain"),
            ("ffi", "disability"),
            ("ffi", "activity"),
        }

    def test_a_definition_naming_an_unknown_subscale_is_refused(self) -> None:
        raw = get_instrument("prtee").definition.model_dump()
        raw["items"][0]["subscale"] = "grip"
        with pytest.raises(ValidationError, match="unknown subscale grip"):
            InstrumentDefinition.model_validate(raw)

    def test_wording_for_a_licensed_instrument_is_refused(self) -> None:
        raw = get_instrument("hit6").definition.model_dump()
        raw["item_text"] = [{"item": "Q1", "text": "anything", "source": ["S47"]}]
        with pytest.raises(ValidationError, match="wording_shipped"):
            InstrumentDefinition.model_validate(raw)


class TestScoreResult:
    def test_result_is_frozen(self) -> None:
        result = get_instrument("prtee").score([1] * 15)
        with pytest.raises(dataclasses.FrozenInstanceError):
            result.score = 3  # type: ignore[misc]
        with pytest.raises(TypeError):
            result.subscales["pain"] = 0  # type: ignore[index]

    def test_json_shape_has_the_contract_keys_in_order(self) -> None:
        data = get_instrument("prtee").score([1] * 15).to_dict()
        assert list(data) == [
            "instrument",
            "score",
            "subscales",
            "min",
            "max",
            "higher_is_better",
            "missing",
            "valid",
            "withheld_reason",
        ]
        assert data["subscales"] == {"pain": 5, "function": 5}

    def test_value_reads_total_or_subscale(self) -> None:
        result = get_instrument("womac").score([1] * 24)
        assert result.value("score") == 24
        assert result.value("stiffness") == 2
        with pytest.raises(KeyError):
            result.value("grip")


def _instrument_lists(value: object) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "instruments" and isinstance(item, list):
                found.extend(str(x) for x in item)
            else:
                found.extend(_instrument_lists(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_instrument_lists(item))
    return found


def test_every_instrument_the_catalog_names_is_registered() -> None:
    from prolo.domain.reference import read_yaml

    named = set(_instrument_lists(read_yaml("catalog.yaml")))
    assert named, "the catalog names no instruments"
    assert named <= set(INSTRUMENT_IDS)
