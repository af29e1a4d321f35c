"""The catalog: fixed ids, ICD-10-CM codes checked against the CMS FY2026 tabular, SNOMED CT ids,
instruments by region, injection sites, the clinic's ambiguous phrases, and the loader's checks."""

from __future__ import annotations

import copy
import re
import warnings
from types import ModuleType
from typing import Any

import pytest

from prolo.domain.catalog import (
    InjectionSite,
    is_snomed_concept_id,
    load_catalog,
    parse_catalog,
    verhoeff_valid,
)
from prolo.domain.errors import ReferenceDataError, UnknownIdError
from prolo.domain.reference import read_yaml

FIXED_CONDITION_IDS = {
    "low_back_pain",
    "neck_pain",
    "lumbar_disc_herniation",
    "cervical_disc_herniation",
    "degenerative_disc_disease_lumbar",
    "degenerative_disc_disease_cervical",
    "sciatica",
    "knee_osteoarthritis",
    "meniscus_injury",
    "hip_osteoarthritis",
    "greater_trochanteric_pain",
    "rotator_cuff_tendinopathy",
    "rotator_cuff_partial_tear",
    "lateral_epicondylitis",
    "carpal_tunnel_syndrome",
    "plantar_fasciitis_heel_spur",
    "partial_tendon_ligament_tear",
    "sports_injury_ligament_sprain",
    "joint_pain_osteoarthritis_other",
    "migraine",
    "fibromyalgia",
    "postherpetic_neuralgia",
    "chronic_postsurgical_pain",
    "chronic_pain_refractory",
}

# SNOMED CT ids listed in ../shared/clinical-reference.md section 3, with the reference's own tag:
# "corroborated" (independent public repositories) or not (R = recollection, or seen in 1 repository).
REFERENCE_SNOMED = {
    "279039007": "corroborated",
    "278860009": "corroborated",
    "81680005": "unverified",
    "1121000119107": "unverified",
    "239873007": "corroborated",
    "239872002": "unverified",
    "57406009": "corroborated",
    "37796009": "unverified",
    "203082005": "corroborated",
    "23056005": "unverified",
    "202882003": "corroborated",
    "202888004": "unverified",
    "202855006": "corroborated",
    "2177002": "unverified",
    "82423001": "unverified",
}

# Each region's conditions carry at least one of these (clinical-reference.md section 3).
REGION_INSTRUMENT = {
    "back": {"odi"},
    "neck": {"ndi"},
    "knee": {"koos", "womac"},
    "hip": {"womac"},
    "shoulder": {"quickdash"},
    "elbow": {"prtee"},
    "wrist_hand": {"bctq"},
    "foot_ankle": {"ffi"},
    "head": {"hit6"},
    "widespread": {"fiqr"},
}


@pytest.fixture(scope="module")
def icd() -> ModuleType:
    """simple-icd-10-cm 1.5.0 (CMS tabular of April 1 2026); its import uses a deprecated API."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    module: ModuleType = simple_icd_10_cm
    return module


def _all_icd10() -> list[tuple[str, str]]:
    return [
        (c.id, code.code)
        for c in load_catalog().conditions.values()
        for code in c.icd10_codes
    ]


def _laterality_of(description: str) -> str:
    text = description.lower()
    if re.search(r"\bbilateral\b", text):
        return "bilateral"
    if re.search(r"\bright\b", text):
        return "right"
    if re.search(r"\bleft\b", text):
        return "left"
    if re.search(
        r"\bunspecified (side|knee|hip|shoulder|elbow|foot|upper limb|hand|ankle|wrist)\b",
        text,
    ):
        return "unspecified"
    return "none"


class TestIds:
    def test_every_fixed_condition_id_is_present(self) -> None:
        assert set(load_catalog().conditions) >= FIXED_CONDITION_IDS

    def test_unknown_condition_raises_naming_the_id(self) -> None:
        with pytest.raises(UnknownIdError, match="no_such_condition"):
            load_catalog().condition("no_such_condition")

    def test_sites_for_returns_the_sites_in_catalog_order(self) -> None:
        catalog = load_catalog()
        sites = catalog.sites_for("lateral_epicondylitis")
        assert all(isinstance(s, InjectionSite) for s in sites)
        assert [s.id for s in sites] == [
            "supracondylar_ridge",
            "lateral_epicondyle",
            "annular_ligament",
        ]

    def test_sites_for_an_unknown_condition_raises(self) -> None:
        with pytest.raises(UnknownIdError, match="nope"):
            load_catalog().sites_for("nope")

    def test_conditions_in_a_region(self) -> None:
        knee = {c.id for c in load_catalog().conditions_in("knee")}
        assert knee == {"knee_osteoarthritis", "meniscus_injury"}
        with pytest.raises(UnknownIdError, match="elsewhere"):
            load_catalog().conditions_in("elsewhere")

    def test_load_catalog_is_cached(self) -> None:
        assert load_catalog() is load_catalog()

    def test_conditions_are_frozen(self) -> None:
        condition = load_catalog().condition("migraine")
        with pytest.raises(ValueError, match="frozen"):
            condition.name = "Headache"  # type: ignore[misc]


class TestRegions:
    def test_every_area_the_clinic_names_is_a_region_area(self) -> None:
        areas = {r.clinic_area for r in load_catalog().regions.values()}
        assert {
            "back",
            "neck",
            "knees",
            "hips",
            "shoulders",
            "other_joints_ligaments",
        } <= areas

    def test_each_condition_points_to_one_known_region(self) -> None:
        catalog = load_catalog()
        for condition in catalog.conditions.values():
            assert condition.region in catalog.regions, condition.id


class TestIcd10:
    @pytest.mark.parametrize(("condition_id", "code"), _all_icd10())
    def test_code_is_a_billable_leaf_of_fy2026(
        self, icd: ModuleType, condition_id: str, code: str
    ) -> None:
        assert icd.is_valid_item(code), (
            f"{condition_id}: {code} is not in the FY2026 tabular"
        )
        assert icd.is_leaf(code), (
            f"{condition_id}: {code} is a category, not a billable code"
        )

    @pytest.mark.parametrize(("condition_id", "code"), _all_icd10())
    def test_display_and_laterality_match_the_tabular(
        self, icd: ModuleType, condition_id: str, code: str
    ) -> None:
        entry = next(
            c
            for c in load_catalog().condition(condition_id).icd10_codes
            if c.code == code
        )
        description = icd.get_description(code)
        assert entry.display == description
        assert entry.laterality.value == _laterality_of(description), code

    def test_known_categories_are_refused_by_the_check(self, icd: ModuleType) -> None:
        # The check above would catch the traps the issue names (M54.5, M51.36, M77.3 are categories).
        for category in ("M54.5", "M51.36", "M77.3", "M75.1"):
            assert icd.is_valid_item(category)
            assert not icd.is_leaf(category)

    @pytest.mark.parametrize("condition_id", sorted(FIXED_CONDITION_IDS))
    def test_sided_codes_come_with_their_other_side(
        self, icd: ModuleType, condition_id: str
    ) -> None:
        condition = load_catalog().condition(condition_id)
        descriptions = {
            icd.get_description(c.code).lower() for c in condition.icd10_codes
        }
        for code in condition.icd10_codes:
            text = icd.get_description(code.code).lower()
            if code.laterality.value == "right":
                assert re.sub(r"\bright\b", "left", text) in descriptions, (
                    f"{code.code} lacks its left side"
                )
            if code.laterality.value == "left":
                assert re.sub(r"\bleft\b", "right", text) in descriptions, (
                    f"{code.code} lacks its right side"
                )
            if code.laterality.value == "unspecified":
                sided = {
                    d for d in descriptions if _laterality_of(d) in ("right", "left")
                }
                assert len(sided) >= 2, (
                    f"{code.code}: unspecified side without right and left codes"
                )

    def test_codes_cite_s50(self) -> None:
        for condition in load_catalog().conditions.values():
            assert condition.icd10_source == "S50"
            assert "S50" in condition.sources

    def test_issue_examples(self) -> None:
        catalog = load_catalog()
        assert "M54.50" in catalog.condition("low_back_pain").icd10
        assert "M54.5" not in catalog.condition("low_back_pain").icd10
        assert "M79.7" in catalog.condition("fibromyalgia").icd10
        assert "M72.2" in catalog.condition("plantar_fasciitis_heel_spur").icd10
        assert "G56.03" in catalog.condition("carpal_tunnel_syndrome").icd10


class TestSnomed:
    def test_only_ids_the_reference_lists_with_its_confidence(self) -> None:
        for condition in load_catalog().conditions.values():
            for code in condition.snomed_codes:
                assert code.code in REFERENCE_SNOMED, (
                    f"{condition.id}: {code.code} is not in the reference"
                )
                assert code.confidence.value == REFERENCE_SNOMED[code.code], code.code

    def test_ids_are_well_formed(self) -> None:
        for condition in load_catalog().conditions.values():
            for code in condition.snomed:
                assert is_snomed_concept_id(code), code

    def test_snomed_source_is_cited_only_when_there_is_a_code(self) -> None:
        for condition in load_catalog().conditions.values():
            assert condition.snomed_source == "S51"
            assert ("S51" in condition.sources) == bool(condition.snomed)

    @pytest.mark.parametrize(
        ("value", "valid"),
        [
            ("279039007", True),
            ("1121000119107", True),
            ("279039008", False),  # wrong check digit
            ("279039070", False),  # transposed digits
            ("81680008", False),  # the typo the reference warns about
            ("12345", False),
            ("2790390a7", False),
        ],
    )
    def test_concept_id_check(self, value: str, valid: bool) -> None:
        assert is_snomed_concept_id(value) is valid

    def test_verhoeff_detects_every_single_digit_error(self) -> None:
        base = "239873007"
        assert verhoeff_valid(base)
        for position in range(len(base)):
            for digit in "0123456789":
                if digit != base[position]:
                    assert not verhoeff_valid(
                        base[:position] + digit + base[position + 1 :]
                    )


class TestInstruments:
    def test_every_condition_records_nrs(self) -> None:
        for condition in load_catalog().conditions.values():
            assert condition.instruments[0] == "nrs", condition.id

    @pytest.mark.parametrize("condition_id", sorted(FIXED_CONDITION_IDS))
    def test_region_instrument(self, condition_id: str) -> None:
        condition = load_catalog().condition(condition_id)
        expected = REGION_INSTRUMENT.get(condition.region)
        if expected is None:
            # region-dependent entries name the choices, or are pain-only (postherpetic neuralgia: NRS)
            assert (
                condition.instrument_choices or condition.id == "postherpetic_neuralgia"
            )
        else:
            assert expected & set(condition.instruments), condition.id

    def test_every_instrument_is_one_issue_3_builds(self) -> None:
        catalog = load_catalog()
        known = {
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
        }
        assert set(catalog.instrument_ids) == known
        for condition in catalog.conditions.values():
            assert (
                set(condition.instruments) | set(condition.instrument_choices) <= known
            )

    def test_catalog_instruments_are_the_registered_ones(self) -> None:
        from prolo.domain.instruments.base import INSTRUMENT_IDS

        assert set(load_catalog().instrument_ids) == set(INSTRUMENT_IDS)


class TestSites:
    # clinical-reference.md 1.2: no published protocol for hip, meniscus, degenerative disc disease,
    # disc herniation, migraine or fibromyalgia.
    @pytest.mark.parametrize(
        "condition_id",
        [
            "hip_osteoarthritis",
            "greater_trochanteric_pain",
            "meniscus_injury",
            "degenerative_disc_disease_lumbar",
            "degenerative_disc_disease_cervical",
            "lumbar_disc_herniation",
            "cervical_disc_herniation",
            "migraine",
            "fibromyalgia",
        ],
    )
    def test_conditions_without_a_published_site_list_use_generic_sites(
        self, condition_id: str
    ) -> None:
        catalog = load_catalog()
        condition = catalog.condition(condition_id)
        assert all(s.generic for s in catalog.sites_for(condition_id))
        assert condition.sites_note

    def test_sourced_sites_cite_a_publication(self) -> None:
        for site in load_catalog().sites.values():
            if not site.generic:
                assert all(s.startswith("S") for s in site.sources), site.id
            else:
                assert site.note, site.id

    def test_each_site_is_used(self) -> None:
        catalog = load_catalog()
        used = {s for c in catalog.conditions.values() for s in c.sites}
        assert used == set(catalog.sites)

    def test_published_site_lists(self) -> None:
        catalog = load_catalog()
        assert {s.id for s in catalog.sites_for("knee_osteoarthritis")} == {
            "knee_intra_articular",
            "knee_periarticular",
        }
        assert catalog.sites_for("carpal_tunnel_syndrome")[0].sources == ["S17"]
        assert (
            catalog.sites_for("plantar_fasciitis_heel_spur")[0].id == "plantar_fascia"
        )
        assert "S19" in catalog.condition("neck_pain").sources

    def test_spinous_processes_have_no_side_but_facets_do(self) -> None:
        catalog = load_catalog()
        assert catalog.site("cervical_spinous_processes").lateral is False
        assert catalog.site("cervical_facet_joints").lateral is True


class TestReadingTheClinicText:
    def _by_phrase(self, phrase: str) -> set[str]:
        return {
            c.id for c in load_catalog().conditions.values() if c.clinic_text == phrase
        }

    def test_neck_and_waist_hernia_is_two_disc_herniations(self) -> None:
        assert self._by_phrase("Neck and Waist hernia") == {
            "cervical_disc_herniation",
            "lumbar_disc_herniation",
        }

    def test_meniscus_heel_spur_is_two_conditions(self) -> None:
        assert self._by_phrase("Meniscus Heel Spur") == {
            "meniscus_injury",
            "plantar_fasciitis_heel_spur",
        }
        catalog = load_catalog()
        assert catalog.condition("meniscus_injury").region == "knee"
        assert catalog.condition("plantar_fasciitis_heel_spur").region == "foot_ankle"

    def test_knee_calcification_is_osteoarthritis(self) -> None:
        assert self._by_phrase("Calcification in the knee (arthrosis)") == {
            "knee_osteoarthritis"
        }

    def test_herpes_after_surgery_carries_both_readings_with_the_ambiguity(
        self,
    ) -> None:
        catalog = load_catalog()
        readings = self._by_phrase("Herpes That Do Not Heal After Surgery")
        assert readings == {"postherpetic_neuralgia", "chronic_postsurgical_pain"}
        for condition_id in readings:
            condition = catalog.condition(condition_id)
            assert condition.ambiguity
            assert condition.requires_review
            assert condition.alternatives == sorted(readings - {condition_id})
        assert "G89.28" in catalog.condition("chronic_postsurgical_pain").icd10
        assert "M96.1" in catalog.condition("chronic_postsurgical_pain").icd10
        assert "B02.29" in catalog.condition("postherpetic_neuralgia").icd10

    def test_pain_not_improving_with_drugs_always_needs_review(self) -> None:
        condition = load_catalog().condition("chronic_pain_refractory")
        assert condition.requires_review is True
        assert condition.review_reason

    def test_unambiguous_entries_carry_no_ambiguity(self) -> None:
        for condition in load_catalog().conditions.values():
            assert bool(condition.ambiguity) == bool(condition.alternatives), (
                condition.id
            )

    def test_every_condition_cites_the_clinic(self) -> None:
        for condition in load_catalog().conditions.values():
            assert condition.sources[0] == "CLINIC"
            assert condition.clinic_text
            assert condition.reading


def _raw() -> dict[str, Any]:
    return copy.deepcopy(read_yaml("catalog.yaml"))


def _condition(raw: dict[str, Any], condition_id: str) -> dict[str, Any]:
    return next(c for c in raw["conditions"] if c["id"] == condition_id)


class TestLoaderChecks:
    def test_the_shipped_table_parses(self) -> None:
        assert (
            parse_catalog(_raw()).conditions.keys() == load_catalog().conditions.keys()
        )

    @pytest.mark.parametrize(
        ("mutate", "message"),
        [
            (
                lambda r: _condition(r, "migraine").update(region="scalp"),
                "unknown region",
            ),
            (
                lambda r: _condition(r, "migraine").update(sites=["temple"]),
                "unknown site",
            ),
            (
                lambda r: _condition(r, "migraine").update(
                    instruments=["nrs", "midas"]
                ),
                "unknown instrument",
            ),
            (lambda r: _condition(r, "migraine").update(instruments=["hit6"]), "NRS"),
            (
                lambda r: _condition(r, "migraine").update(
                    sources=["CLINIC", "NOPE-9"]
                ),
                "NOPE-9",
            ),
            (
                lambda r: _condition(r, "migraine").update(requires_review=True),
                "review_reason",
            ),
            (
                lambda r: _condition(r, "postherpetic_neuralgia").update(
                    alternatives=[]
                ),
                "each other",
            ),
            (
                lambda r: _condition(r, "migraine").update(
                    alternatives=["fibromyalgia"]
                ),
                "ambiguity note",
            ),
            (
                lambda r: r["conditions"].append(
                    copy.deepcopy(_condition(r, "migraine"))
                ),
                "defined twice",
            ),
            (lambda r: _condition(r, "migraine")["icd10"].update(source="S51"), "S50"),
            (
                lambda r: _condition(r, "migraine")["snomed"]["codes"][0].update(
                    code="37796008"
                ),
                "not a well-formed SNOMED CT",
            ),
            (
                lambda r: _condition(r, "migraine")["snomed"].update(
                    codes=[], note=None
                ),
                "no SNOMED CT",
            ),
            (lambda r: _condition(r, "migraine").update(sites_note=None), "sites_note"),
            (lambda r: r["sites"][0].update(region="moon"), "unknown region"),
            (lambda r: r["sites"][0].update(sources=[]), "at least one source"),
            (lambda r: _condition(r, "migraine").update(colour="blue"), "malformed"),
        ],
    )
    def test_bad_tables_are_refused(self, mutate: Any, message: str) -> None:
        raw = _raw()
        mutate(raw)
        with pytest.raises(ReferenceDataError, match=message):
            parse_catalog(raw)
