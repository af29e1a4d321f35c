"""From the instruments registry to records: responses, score observations, definitions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interop.r4 import as_json
from prolo.domain.errors import InvalidInputError
from prolo.domain.instruments import all_instruments, get_instrument
from prolo.interop.fhir.to_fhir import observation_to_fhir
from prolo.interop.scores import (
    all_definitions,
    answers_in_item_order,
    observation_from_score,
    response_from_answers,
)

WHEN = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
PATIENT = uuid.UUID(int=1)


@st.composite
def instrument_answers(draw: st.DrawFn) -> tuple[str, list[int | None]]:
    instrument = draw(st.sampled_from(all_instruments()))
    answers = [
        draw(
            st.none()
            | st.sampled_from([o.value for o in instrument.item_options(i).options])
        )
        for i in range(len(instrument.items))
    ]
    return instrument.id, answers


@settings(max_examples=100, deadline=None)
@given(case=instrument_answers())
def test_answers_survive_response_records(case: tuple[str, list[int | None]]) -> None:
    instrument = get_instrument(case[0])
    response = response_from_answers(
        instrument, case[1], response_id=uuid.uuid4(), patient_id=PATIENT, authored=WHEN
    )
    assert [a.item_id for a in response.answers] == [
        item_id
        for item_id, value in zip(instrument.item_ids, case[1], strict=True)
        if value is not None
    ]
    assert answers_in_item_order(instrument, response) == case[1]


def test_answers_outside_the_options_are_refused_by_the_instrument() -> None:
    odi = get_instrument("odi")
    with pytest.raises(InvalidInputError):
        response_from_answers(
            odi, [9] * 10, response_id=uuid.uuid4(), patient_id=PATIENT, authored=WHEN
        )


def test_answers_of_another_instrument_are_refused() -> None:
    response = response_from_answers(
        get_instrument("nrs"),
        [4],
        response_id=uuid.uuid4(),
        patient_id=PATIENT,
        authored=WHEN,
    )
    with pytest.raises(InvalidInputError, match="not 'odi'"):
        answers_in_item_order(get_instrument("odi"), response)


def test_odi_worked_example_becomes_a_loinc_coded_observation() -> None:
    # ODI sheet example [S36]: sections summing to 16 of 50 -> 32 %.
    odi = get_instrument("odi")
    result = odi.score([2, 2, 2, 2, 2, 2, 1, 1, 1, 1])
    response_id = uuid.uuid4()
    observation = observation_from_score(
        result,
        observation_id=uuid.uuid4(),
        patient_id=PATIENT,
        effective=WHEN,
        questionnaire_response_id=response_id,
    )
    assert observation.value == Decimal(32)
    assert observation.questionnaire_response_id == response_id
    fhir = as_json(observation_to_fhir(observation))
    assert {c["code"] for c in fhir["code"]["coding"]} == {"odi", "97909-6"}
    assert fhir["valueQuantity"]["value"] == 32


def test_subscale_only_instrument_has_components_and_no_value() -> None:
    koos = get_instrument("koos")
    result = koos.score([1] * len(koos.items))
    observation = observation_from_score(
        result, observation_id=uuid.uuid4(), patient_id=PATIENT, effective=WHEN
    )
    assert observation.value is None
    assert {s.subscale_id for s in observation.subscales} == set(koos.subscale_names)
    for sub in observation.subscales:
        assert sub.value == Decimal(repr(result.subscales[sub.subscale_id]))


def test_ndi_raw_score_is_a_component() -> None:
    ndi = get_instrument("ndi")
    result = ndi.score([1] * 10)
    observation = observation_from_score(
        result, observation_id=uuid.uuid4(), patient_id=PATIENT, effective=WHEN
    )
    assert {s.subscale_id: s.value for s in observation.subscales} == {
        "raw": Decimal(repr(result.extra["raw"]))
    }


def test_withheld_parts_are_left_out_and_nothing_scored_is_refused() -> None:
    koos = get_instrument("koos")
    nothing = koos.score([None] * len(koos.items))
    with pytest.raises(InvalidInputError, match="nothing was scored"):
        observation_from_score(
            nothing, observation_id=uuid.uuid4(), patient_id=PATIENT, effective=WHEN
        )


def test_naive_effective_time_is_an_input_error() -> None:
    result = get_instrument("nrs").score([5])
    with pytest.raises(InvalidInputError):
        observation_from_score(
            result,
            observation_id=uuid.uuid4(),
            patient_id=PATIENT,
            effective=datetime(2026, 1, 1),
        )


def test_a_definition_for_every_instrument() -> None:
    assert [d.instrument_id for d in all_definitions()] == [
        i.id for i in all_instruments()
    ]
