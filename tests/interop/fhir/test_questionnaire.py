"""Questionnaires from the instruments registry: item ids and neutral labels only, R4-valid."""

from __future__ import annotations

import json
import uuid

import pytest

from interop.r4 import as_json, bundle_json, parse_r4
from prolo.domain.instruments import Instrument, all_instruments, get_instrument
from prolo.interop.fhir import (
    bundle_to_records,
    codes,
    questionnaire_to_fhir,
)
from prolo.interop.records import PatientBundleRecord, PatientRecord
from prolo.interop.scores import all_definitions, definition_from_instrument


@pytest.mark.parametrize("instrument", all_instruments(), ids=lambda i: i.id)
def test_every_instrument_becomes_an_r4_questionnaire(instrument: Instrument) -> None:
    questionnaire = as_json(
        questionnaire_to_fhir(definition_from_instrument(instrument))
    )
    parse_r4(questionnaire)
    assert questionnaire["url"] == codes.questionnaire_url(instrument.id)
    assert questionnaire["version"] == instrument.definition.instrument_version
    assert [i["linkId"] for i in questionnaire["item"]] == list(instrument.item_ids)
    # the text of each item is the registry's neutral label: nothing is invented or copied here
    assert [i["text"] for i in questionnaire["item"]] == [
        item.label for item in instrument.items
    ]
    for index, item in enumerate(questionnaire["item"]):
        assert item["type"] == "choice"
        assert [o["valueInteger"] for o in item["answerOption"]] == [
            o.value for o in instrument.item_options(index).options
        ]


def test_panel_codes_where_verified() -> None:
    ndi = as_json(
        questionnaire_to_fhir(definition_from_instrument(get_instrument("ndi")))
    )
    assert ndi["code"] == [
        {
            "system": "http://loinc.org",
            "code": "82226-2",
            "display": "Neck Disability Index [NDI]",
        }
    ]
    odi = as_json(
        questionnaire_to_fhir(definition_from_instrument(get_instrument("odi")))
    )
    assert [c["code"] for c in odi["code"]] == ["97908-8"]
    koos = as_json(
        questionnaire_to_fhir(definition_from_instrument(get_instrument("koos")))
    )
    assert "code" not in koos


def test_registry_definitions_round_trip_through_a_bundle() -> None:
    patient = PatientRecord(id=uuid.UUID(int=1), family_name="Test")
    record = PatientBundleRecord(patient=patient, questionnaires=all_definitions())
    assert bundle_to_records(json.dumps(bundle_json(record))) == record
