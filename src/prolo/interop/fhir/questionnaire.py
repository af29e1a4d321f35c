"""Questionnaire definitions for the instruments, as FHIR Questionnaires.

Items are identified by the instrument's own item ids (linkId = item id) and carry only the neutral
labels the instruments registry gives them: never a licensed instrument's wording (clinical-reference
section 7, line 10). Ordinal items are `choice` items whose answer options are the item's integer
scores, so a QuestionnaireResponse answers them with `valueInteger`.
"""

from __future__ import annotations

from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.questionnaire import (
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireItemAnswerOption,
)

from prolo.interop.fhir import codes
from prolo.interop.records import QuestionnaireDefinitionRecord, QuestionnaireItemRecord


def _item(item: QuestionnaireItemRecord) -> QuestionnaireItem:
    options = [
        QuestionnaireItemAnswerOption(valueInteger=v) for v in item.options
    ] or None
    return QuestionnaireItem(
        linkId=item.item_id,
        text=item.label,
        type=item.answer_type,
        required=item.required,
        answerOption=options,
    )


def questionnaire_to_fhir(definition: QuestionnaireDefinitionRecord) -> Questionnaire:
    """The Questionnaire for one instrument; `code` is its LOINC panel where one is verified."""
    panel = codes.PANEL_LOINC.get(definition.instrument_id)
    code = None
    if panel is not None:
        code = [Coding(system=codes.LOINC, code=panel.code, display=panel.display)]
    return Questionnaire(
        id=codes.questionnaire_resource_id(definition.instrument_id),
        url=codes.questionnaire_url(definition.instrument_id),
        identifier=[
            Identifier(system=codes.ID_INSTRUMENT, value=definition.instrument_id)
        ],
        version=definition.version,
        name=_computable_name(definition.instrument_id),
        title=definition.title,
        status="active",
        subjectType=["Patient"],
        code=code,
        item=[_item(i) for i in definition.items],
    )


def _computable_name(instrument_id: str) -> str:
    # Questionnaire.name should be usable as a code identifier: "Prolo" + CamelCase of the id.
    parts = "".join(
        ch if ch.isascii() and ch.isalnum() else " " for ch in instrument_id
    ).split()
    return "Prolo" + "".join(p[:1].upper() + p[1:] for p in parts)
