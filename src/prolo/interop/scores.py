"""From the instruments registry to interop records: questionnaire definitions, responses and scores.

These keep the services thin: they hold answers in the instrument's item order and a `ScoreResult`;
here those become the records the FHIR mapping takes. Item ids, neutral labels and option values come
from `prolo.domain.instruments` (never licensed wording).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from pydantic import ValidationError

from prolo.domain.errors import InvalidInputError
from prolo.domain.instruments import TOTAL, Instrument, ScoreResult, all_instruments
from prolo.interop.records import (
    ItemAnswerRecord,
    ObservationRecord,
    QuestionnaireDefinitionRecord,
    QuestionnaireItemRecord,
    QuestionnaireResponseRecord,
    ResponseStatus,
    SubscaleScoreRecord,
)

SCORE_UNIT = "{score}"  # UCUM annotation, the example unit LOINC gives its score terms [IOP-LOINC-ODI]


def definition_from_instrument(instrument: Instrument) -> QuestionnaireDefinitionRecord:
    """The questionnaire definition of an instrument: its item ids, neutral labels and option values."""
    items = tuple(
        QuestionnaireItemRecord(
            item_id=item.id,
            label=item.label,
            answer_type="choice",
            options=tuple(o.value for o in instrument.item_options(index).options),
        )
        for index, item in enumerate(instrument.items)
    )
    return QuestionnaireDefinitionRecord(
        instrument_id=instrument.id,
        title=instrument.name,
        version=instrument.definition.instrument_version,
        items=items,
    )


def all_definitions() -> tuple[QuestionnaireDefinitionRecord, ...]:
    """Questionnaire definitions of every instrument in the registry."""
    return tuple(definition_from_instrument(i) for i in all_instruments())


def response_from_answers(
    instrument: Instrument,
    answers: Sequence[int | None],
    *,
    response_id: uuid.UUID,
    patient_id: uuid.UUID,
    authored: datetime,
    status: ResponseStatus = "completed",
    course_id: uuid.UUID | None = None,
    procedure_id: uuid.UUID | None = None,
) -> QuestionnaireResponseRecord:
    """A response from answers in the instrument's item order (None = item not answered).

    The answers are checked by the instrument first (count and allowed values), so a response that
    cannot be scored is never exported as if it could.
    """
    checked = instrument.check_answers(answers)
    try:
        return QuestionnaireResponseRecord(
            id=response_id,
            patient_id=patient_id,
            instrument_id=instrument.id,
            instrument_version=instrument.definition.instrument_version,
            status=status,
            authored=authored,
            answers=tuple(
                ItemAnswerRecord(item_id=item_id, value=value)
                for item_id, value in zip(instrument.item_ids, checked, strict=True)
                if value is not None
            ),
            course_id=course_id,
            procedure_id=procedure_id,
        )
    except ValidationError as exc:
        raise InvalidInputError(
            f"questionnaire response: {exc}", field="answers"
        ) from exc


def answers_in_item_order(
    instrument: Instrument, response: QuestionnaireResponseRecord
) -> list[int | None]:
    """The inverse of `response_from_answers`: answers in item order, None where not answered."""
    if response.instrument_id != instrument.id:
        raise InvalidInputError(
            f"response is for {response.instrument_id!r}, not {instrument.id!r}",
            field="instrument_id",
        )
    by_item = {a.item_id: a.value for a in response.answers}
    unknown = sorted(set(by_item) - set(instrument.item_ids))
    if unknown:
        raise InvalidInputError(
            f"{instrument.id}: unknown item(s) {', '.join(unknown)}", field="answers"
        )
    result: list[int | None] = []
    for item_id in instrument.item_ids:
        value = by_item.get(item_id)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int)
        ):
            raise InvalidInputError(
                f"{instrument.id} item {item_id}: {value!r} is not an option value",
                field=item_id,
            )
        result.append(value)
    return result


def _decimal(value: float) -> Decimal:
    # repr() is the shortest string that round-trips the float, so no spurious digits appear.
    return Decimal(repr(value))


def observation_from_score(
    result: ScoreResult,
    *,
    observation_id: uuid.UUID,
    patient_id: uuid.UUID,
    effective: datetime,
    questionnaire_response_id: uuid.UUID | None = None,
    course_id: uuid.UUID | None = None,
    procedure_id: uuid.UUID | None = None,
) -> ObservationRecord:
    """The score Observation of a ScoreResult: the total as value, subscales (and extras such as NDI
    `raw`) as components. Withheld parts are left out; a result with nothing scored is refused."""
    subscales = [
        SubscaleScoreRecord(subscale_id=name, value=_decimal(value), unit=SCORE_UNIT)
        for name, value in (*result.subscales.items(), *result.extra.items())
        if value is not None and name != TOTAL
    ]
    if result.score is None and not subscales:
        raise InvalidInputError(
            f"{result.instrument}: nothing was scored ({result.withheld_reason or 'no score'})",
            field="score",
        )
    try:
        return _observation(
            result,
            subscales,
            observation_id=observation_id,
            patient_id=patient_id,
            effective=effective,
            questionnaire_response_id=questionnaire_response_id,
            course_id=course_id,
            procedure_id=procedure_id,
        )
    except ValidationError as exc:
        raise InvalidInputError(
            f"score observation: {exc}", field="observation"
        ) from exc


def _observation(
    result: ScoreResult,
    subscales: list[SubscaleScoreRecord],
    *,
    observation_id: uuid.UUID,
    patient_id: uuid.UUID,
    effective: datetime,
    questionnaire_response_id: uuid.UUID | None,
    course_id: uuid.UUID | None,
    procedure_id: uuid.UUID | None,
) -> ObservationRecord:
    return ObservationRecord(
        id=observation_id,
        patient_id=patient_id,
        instrument_id=result.instrument,
        effective=effective,
        value=_decimal(result.score) if result.score is not None else None,
        unit=SCORE_UNIT,
        subscales=tuple(subscales),
        status="final",
        questionnaire_response_id=questionnaire_response_id,
        course_id=course_id,
        procedure_id=procedure_id,
    )
