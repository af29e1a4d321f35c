"""Code systems and code maps: sourced, one-to-one, total, and consistent with the instruments registry."""

from __future__ import annotations

from typing import get_args

import pytest

from prolo.domain.instruments import all_instruments
from prolo.domain.reference import require_sources
from prolo.interop.fhir import codes
from prolo.interop.records import (
    AppointmentStatus,
    CourseStatus,
    ObservationStatus,
    PlannedSessionStatus,
    ProcedureStatus,
    ResponseStatus,
)


def test_every_cited_source_is_in_the_registry() -> None:
    cited = [
        *codes.SOURCE_IDS,
        *(c.source for c in codes.SCORE_LOINC.values()),
        *(c.source for c in codes.PANEL_LOINC.values()),
    ]
    require_sources(cited, "prolo.interop.fhir.codes")


@pytest.mark.parametrize(
    ("mapping", "literal"),
    [
        (codes.APPOINTMENT_STATUS, AppointmentStatus),
        (codes.COURSE_STATUS, CourseStatus),
        (codes.SESSION_STATUS, PlannedSessionStatus),
        (codes.PROCEDURE_STATUS, ProcedureStatus),
        (codes.RESPONSE_STATUS, ResponseStatus),
        (codes.OBSERVATION_STATUS, ObservationStatus),
    ],
)
def test_status_maps_cover_every_value_one_to_one(
    mapping: dict[str, str], literal: object
) -> None:
    assert set(mapping) == set(get_args(literal))
    inverse = codes.invert(mapping)
    assert {inverse[v] for v in mapping.values()} == set(mapping)


def test_invert_refuses_a_many_to_one_map() -> None:
    with pytest.raises(ValueError, match="one-to-one"):
        codes.invert({"a": "x", "b": "x"})


def test_appointment_statuses_are_the_verified_r4_codes() -> None:
    # clinical-reference 5.2: proposed, pending, booked, arrived, fulfilled, cancelled, noshow are V [S57].
    verified = {
        "proposed",
        "pending",
        "booked",
        "arrived",
        "fulfilled",
        "cancelled",
        "noshow",
    }
    assert set(codes.APPOINTMENT_STATUS.values()) <= verified


def test_loinc_codes_agree_with_the_instruments_registry() -> None:
    for instrument in all_instruments():
        loinc = instrument.definition.loinc
        ours = {
            c.code
            for table in (codes.SCORE_LOINC, codes.PANEL_LOINC)
            if (c := table.get(instrument.id))
        }
        if loinc is None:
            assert not ours, (
                f"{instrument.id}: the registry knows no LOINC code, Prolo must not invent one"
            )
        else:
            assert loinc.code in ours, instrument.id


def test_instruments_without_a_loinc_code_in_the_reference_get_none() -> None:
    # clinical-reference 5.3: QuickDASH, WOMAC, KOOS, BCTQ, PRTEE, FFI, HIT-6, FIQR have no LOINC code found.
    for instrument_id in (
        "quickdash",
        "womac",
        "koos",
        "bctq",
        "prtee",
        "ffi",
        "hit6",
        "fiqr",
    ):
        assert instrument_id not in codes.SCORE_LOINC
        assert instrument_id not in codes.PANEL_LOINC


def test_full_urls_are_deterministic_and_type_scoped() -> None:
    assert codes.full_url("Patient", "x") == codes.full_url("Patient", "x")
    assert codes.full_url("Patient", "x") != codes.full_url("Practitioner", "x")
    assert codes.full_url("Patient", "x").startswith("urn:uuid:")


def test_questionnaire_resource_ids_are_valid_and_distinct() -> None:
    assert codes.questionnaire_resource_id("odi") == "odi"
    assert codes.questionnaire_resource_id(
        "koos_jr"
    ) != codes.questionnaire_resource_id("koos-jr")
    assert len(codes.questionnaire_resource_id("x" * 100)) <= 64


def test_prolo_urls_live_under_the_canonical_base() -> None:
    prolo = [
        value
        for name, value in vars(codes).items()
        if name.startswith(("CS_", "EXT_", "ID_")) and isinstance(value, str)
    ]
    assert prolo
    assert all(url.startswith("https://prolo.dev/fhir/") for url in prolo)
