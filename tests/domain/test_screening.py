"""Screening: intake -> decision with reasons; every number and severity comes from the rule table."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from prolo.domain.catalog import load_catalog
from prolo.domain.errors import ReferenceDataError, UnknownIdError
from prolo.domain.reference import read_yaml, sources
from prolo.domain.screening import (
    BOOL_FIELDS,
    Decision,
    Intake,
    ScreeningDecision,
    Severity,
    example_intake,
    load_screening_rules,
    parse_screening_rules,
    screen,
)

RULES = load_screening_rules()
CATALOG = load_catalog()
EXAMPLE = example_intake()


def with_answers(**answers: Any) -> Intake:
    """The example (eligible) intake with some answers changed."""
    return Intake.model_validate({**EXAMPLE.model_dump(), **answers})


def run(intake: Intake, rules: Any = RULES) -> ScreeningDecision:
    return screen(intake, rules, CATALOG)


def codes(decision: ScreeningDecision) -> list[str]:
    return [r.code for r in decision.reasons]


def raw_rules() -> dict[str, Any]:
    return copy.deepcopy(read_yaml("screening_rules.yaml"))


def flag_row(raw: dict[str, Any], field: str) -> dict[str, Any]:
    return next(r for r in raw["flags"] if r["field"] == field)


class TestEligible:
    def test_the_example_intake_is_eligible_and_says_what_was_checked(self) -> None:
        decision = run(EXAMPLE)
        assert decision.decision is Decision.eligible
        assert codes(decision) == ["checked"]
        summary = decision.reasons[0]
        assert summary.severity is Severity.info
        assert "Knee osteoarthritis" in summary.message
        assert "infection_at_site" in summary.message
        assert summary.source == "SCR-RULES"

    def test_info_reasons_keep_the_patient_eligible(self) -> None:
        decision = run(with_answers(low_dose_aspirin=True, nsaid_use=True))
        assert decision.decision is Decision.eligible
        assert codes(decision)[:2] == ["low_dose_aspirin", "nsaid_use"]
        assert all(r.severity is Severity.info for r in decision.reasons)


class TestContraindications:
    @pytest.mark.parametrize(
        "field",
        [
            "infection_at_site",
            "systemic_infection",
            "joint_infection",
            "bleeding_disorder",
            "malignancy_at_site",
        ],
    )
    def test_absolute_contraindications_make_the_patient_not_eligible(
        self, field: str
    ) -> None:
        decision = run(with_answers(**{field: True}))
        assert decision.decision is Decision.not_eligible
        first = decision.reasons[0]
        assert first.code == field
        assert first.severity is Severity.absolute
        assert first.message
        assert first.source in sources()

    @pytest.mark.parametrize(
        "field",
        [
            "anticoagulant",
            "antiplatelet",
            "pregnant",
            "recent_fracture",
            "acute_gout",
            "diabetes",
            "immunosuppressed",
            "recent_steroid",
            "prosthesis_needing_prophylaxis",
            "unexplained_swelling",
            "heavy_opioid_use",
        ],
    )
    def test_relative_contraindications_need_review(self, field: str) -> None:
        answers: dict[str, Any] = {field: True}
        if field == "diabetes":
            answers["diabetes_controlled"] = True
        decision = run(with_answers(**answers))
        assert decision.decision is Decision.needs_review
        assert decision.reasons[0].severity is Severity.relative
        assert decision.reasons[0].code == field

    def test_poorly_controlled_diabetes_adds_a_second_reason(self) -> None:
        decision = run(with_answers(diabetes=True, diabetes_controlled=False))
        assert codes(decision)[:2] == ["diabetes", "diabetes_not_controlled"]

    def test_diabetes_control_is_not_asked_without_diabetes(self) -> None:
        decision = run(with_answers(diabetes=False, diabetes_controlled=None))
        assert decision.decision is Decision.eligible
        assert "diabetes_controlled" not in decision.reasons[-1].message

    def test_the_worst_reason_decides(self) -> None:
        decision = run(with_answers(anticoagulant=True, infection_at_site=True))
        assert decision.decision is Decision.not_eligible
        assert codes(decision)[:2] == ["infection_at_site", "anticoagulant"]


class TestAllergies:
    @pytest.mark.parametrize(
        ("allergy", "code"),
        [
            ("dextrose", "allergy_dextrose"),
            ("Glucose", "allergy_dextrose"),
            ("corn", "allergy_corn"),
            ("CORN", "allergy_corn"),
            ("local_anaesthetic", "allergy_local_anaesthetic"),
            ("Local anaesthetic", "allergy_local_anaesthetic"),
            ("local-anesthetic", "allergy_local_anaesthetic"),
            ("Lidocaine", "allergy_local_anaesthetic"),
        ],
    )
    def test_allergy_to_the_solution_is_absolute(self, allergy: str, code: str) -> None:
        decision = run(with_answers(allergies=[allergy]))
        assert decision.decision is Decision.not_eligible
        assert decision.reasons[0].code == code

    @pytest.mark.parametrize(
        ("allergy", "code"), [("latex", "allergy_latex"), ("Fish", "allergy_fish")]
    )
    def test_latex_and_fish_need_review(self, allergy: str, code: str) -> None:
        decision = run(with_answers(allergies=[allergy]))
        assert decision.decision is Decision.needs_review
        assert decision.reasons[0].code == code

    def test_an_unknown_allergy_needs_review_not_an_error(self) -> None:
        decision = run(with_answers(allergies=["kiwi fruit"]))
        assert decision.decision is Decision.needs_review
        assert decision.reasons[0].code == "allergy_unrecognised"
        assert "'kiwi fruit'" in decision.reasons[0].message

    def test_the_same_allergen_twice_gives_one_reason(self) -> None:
        decision = run(with_answers(allergies=["corn", "Corn", "maize"]))
        assert codes(decision).count("allergy_corn") == 1

    def test_unanswered_allergies_are_missing(self) -> None:
        decision = run(with_answers(allergies=None))
        assert decision.decision is Decision.needs_review
        assert decision.reasons[0].code == "missing_allergies"
        assert decision.reasons[0].severity is Severity.missing
        assert "allergies" in decision.reasons[0].message


class TestIndication:
    def test_pain_under_3_months_needs_review(self) -> None:
        decision = run(with_answers(pain_duration_months=2.5))
        assert decision.decision is Decision.needs_review
        reason = decision.reasons[0]
        assert reason.code == "pain_not_chronic"
        assert "2.5 months" in reason.message
        assert reason.source == "SCR-IASP-2019"

    def test_pain_of_exactly_3_months_is_enough(self) -> None:
        assert run(with_answers(pain_duration_months=3)).decision is Decision.eligible

    def test_no_conservative_care_needs_review(self) -> None:
        decision = run(with_answers(conservative_care_tried=False))
        assert decision.decision is Decision.needs_review
        assert decision.reasons[0].code == "no_conservative_care"
        assert decision.reasons[0].severity is Severity.review

    @pytest.mark.parametrize(
        ("age", "decision"), [(17, "needs_review"), (18, "eligible")]
    )
    def test_minors_need_review(self, age: int, decision: str) -> None:
        assert run(with_answers(age=age)).decision.value == decision

    def test_a_condition_marked_requires_review_needs_review(self) -> None:
        assert CATALOG.condition("chronic_pain_refractory").requires_review
        decision = run(
            with_answers(conditions=["chronic_pain_refractory"], body_sites=None)
        )
        assert decision.decision is Decision.needs_review
        assert decision.reasons[0].code == "condition_needs_review"
        assert "Chronic pain" in decision.reasons[0].message

    def test_every_requires_review_condition_needs_review(self) -> None:
        flagged = [c for c in CATALOG.conditions.values() if c.requires_review]
        assert flagged
        for condition in flagged:
            intake = with_answers(conditions=[condition.id], body_sites=None)
            assert run(intake).decision is Decision.needs_review

    def test_an_unknown_condition_is_an_input_error_naming_the_field(self) -> None:
        with pytest.raises(UnknownIdError) as info:
            run(with_answers(conditions=["knee_osteoarthritis", "bad_knee"]))
        assert info.value.field == "conditions.1"
        assert "bad_knee" in info.value.message

    def test_an_unknown_body_site_is_an_input_error(self) -> None:
        with pytest.raises(UnknownIdError) as info:
            run(with_answers(body_sites=["left_knee"]))
        assert info.value.field == "body_sites.0"

    def test_a_site_the_condition_does_not_use_needs_review(self) -> None:
        decision = run(with_answers(body_sites=["plantar_fascia"]))
        assert decision.decision is Decision.needs_review
        assert decision.reasons[0].code == "site_not_for_condition"
        assert "Plantar fascia" in decision.reasons[0].message


class TestMissingInformation:
    REQUIRED = [r.field for r in RULES.flags if r.required and not r.only_when] + [
        t.field for t in RULES.thresholds if t.required
    ]

    def test_the_contract_fields_are_required(self) -> None:
        for field in (
            "pain_duration_months",
            "conservative_care_tried",
            "infection_at_site",
            "systemic_infection",
            "bleeding_disorder",
            "anticoagulant",
            "malignancy_at_site",
            "recent_fracture",
            "acute_gout",
            "diabetes",
            "age",
        ):
            assert field in self.REQUIRED

    @pytest.mark.parametrize("field", REQUIRED)
    def test_an_unanswered_required_question_needs_review_and_names_the_field(
        self, field: str
    ) -> None:
        decision = run(with_answers(**{field: None}))
        assert decision.decision is Decision.needs_review
        reason = decision.reasons[0]
        assert reason.code == f"missing_{field}"
        assert reason.severity is Severity.missing
        assert f"field {field}" in reason.message

    def test_an_unanswered_optional_question_is_listed_as_not_asked(self) -> None:
        decision = run(with_answers(immunosuppressed=None))
        assert decision.decision is Decision.eligible
        assert "Not asked (optional): immunosuppressed" in decision.reasons[-1].message

    def test_pregnancy_is_not_asked_of_men(self) -> None:
        assert (
            run(with_answers(sex="male", pregnant=None)).decision is Decision.eligible
        )
        for sex in ("female", "other", None):
            decision = run(with_answers(sex=sex, pregnant=None))
            assert "missing_pregnant" in codes(decision)

    def test_an_intake_with_only_a_condition_lists_every_missing_answer(self) -> None:
        decision = run(Intake(conditions=["low_back_pain"]))
        missing = {r.code for r in decision.reasons if r.severity is Severity.missing}
        assert missing == {
            f"missing_{f}" for f in [*self.REQUIRED, "pregnant", "allergies"]
        }


class TestIntakeValidation:
    def test_unknown_field_is_refused(self) -> None:
        with pytest.raises(ValidationError) as info:
            Intake.model_validate({"conditions": ["low_back_pain"], "smoker": True})
        assert info.value.errors()[0]["loc"] == ("smoker",)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("infection_at_site", "no"),
            ("infection_at_site", 0),
            ("age", "forty"),
            ("age", -1),
            ("pain_duration_months", -2),
            ("allergies", "corn"),
            ("sex", "f"),
        ],
    )
    def test_wrong_types_are_refused_naming_the_field(
        self, field: str, value: Any
    ) -> None:
        with pytest.raises(ValidationError) as info:
            Intake.model_validate({"conditions": ["low_back_pain"], field: value})
        assert info.value.errors()[0]["loc"][0] == field

    def test_conditions_are_required(self) -> None:
        bad_inputs: list[dict[str, Any]] = [{}, {"conditions": []}]
        for bad in bad_inputs:
            with pytest.raises(ValidationError) as info:
                Intake.model_validate(bad)
            assert info.value.errors()[0]["loc"][0] == "conditions"

    def test_whole_numbers_are_accepted_for_number_fields(self) -> None:
        intake = Intake.model_validate_json('{"conditions": ["neck_pain"], "age": 40}')
        assert intake.age == 40


class TestRulesAreData:
    def test_every_rule_names_known_sources(self) -> None:
        known = sources()
        assert all(i in known for i in RULES.source_ids())

    def test_making_anticoagulants_absolute_changes_the_decision(self) -> None:
        raw = raw_rules()
        flag_row(raw, "anticoagulant")["severity"] = "absolute"
        rules = parse_screening_rules(raw)
        intake = with_answers(anticoagulant=True)
        assert run(intake).decision is Decision.needs_review
        assert run(intake, rules).decision is Decision.not_eligible

    def test_raising_the_pain_threshold_changes_the_decision(self) -> None:
        raw = raw_rules()
        next(t for t in raw["thresholds"] if t["field"] == "pain_duration_months")[
            "min"
        ] = 6
        rules = parse_screening_rules(raw)
        intake = with_answers(pain_duration_months=4)
        assert run(intake).decision is Decision.eligible
        decision = run(intake, rules)
        assert decision.decision is Decision.needs_review
        assert "less than the 6 months" in decision.reasons[0].message

    def test_lowering_the_age_limit_changes_the_decision(self) -> None:
        raw = raw_rules()
        next(t for t in raw["thresholds"] if t["field"] == "age")["min"] = 16
        intake = with_answers(age=17)
        assert run(intake).decision is Decision.needs_review
        assert run(intake, parse_screening_rules(raw)).decision is Decision.eligible

    def test_making_an_optional_question_required(self) -> None:
        raw = raw_rules()
        flag_row(raw, "immunosuppressed")["required"] = True
        intake = with_answers(immunosuppressed=None)
        assert run(intake).decision is Decision.eligible
        decision = run(intake, parse_screening_rules(raw))
        assert decision.reasons[0].code == "missing_immunosuppressed"

    def test_a_clinic_can_add_an_allergen(self) -> None:
        raw = raw_rules()
        raw["allergies"]["allergens"].append(
            {
                "id": "sarapin",
                "aliases": ["pitcher plant"],
                "code": "allergy_sarapin",
                "severity": "absolute",
                "message": "Allergy to Sarapin, which this clinic adds to the solution.",
                "source": ["S20"],
            }
        )
        intake = with_answers(allergies=["Pitcher plant"])
        assert run(intake).reasons[0].code == "allergy_unrecognised"
        decision = run(intake, parse_screening_rules(raw))
        assert decision.decision is Decision.not_eligible
        assert decision.reasons[0].code == "allergy_sarapin"

    @pytest.mark.parametrize(
        ("change", "match"),
        [
            (
                lambda r: flag_row(r, "anticoagulant").update(field="blood_thinner"),
                "not a yes/no",
            ),
            (
                lambda r: r["flags"].remove(flag_row(r, "acute_gout")),
                "without a rule: acute_gout",
            ),
            (
                lambda r: flag_row(r, "acute_gout").update(code="anticoagulant"),
                "used twice",
            ),
            (lambda r: flag_row(r, "acute_gout").update(source=["S999"]), "S999"),
            (
                lambda r: flag_row(r, "acute_gout").update(severity="missing"),
                "automatically",
            ),
            (lambda r: flag_row(r, "acute_gout").update(severity="fatal"), "severity"),
            (
                lambda r: r["allergies"]["allergens"][0]["aliases"].append("Corn"),
                "listed twice",
            ),
        ],
    )
    def test_malformed_rule_tables_are_refused(self, change: Any, match: str) -> None:
        raw = raw_rules()
        change(raw)
        with pytest.raises(ReferenceDataError, match=match):
            parse_screening_rules(raw)


# ----------------------------------------------------------------------------- properties

_ALLERGY_WORDS = [
    "dextrose",
    "corn",
    "local anaesthetic",
    "latex",
    "fish",
    "kiwi",
    "penicillin",
]


@st.composite
def intakes(draw: st.DrawFn) -> Intake:
    data: dict[str, Any] = {
        "conditions": draw(
            st.lists(
                st.sampled_from(sorted(CATALOG.conditions)), min_size=1, max_size=3
            )
        ),
        "age": draw(st.none() | st.floats(0, 100, allow_nan=False)),
        "sex": draw(st.sampled_from(["female", "male", "other", None])),
        "pain_duration_months": draw(st.none() | st.floats(0, 240, allow_nan=False)),
        "allergies": draw(
            st.none() | st.lists(st.sampled_from(_ALLERGY_WORDS), max_size=3)
        ),
    }
    for field in sorted(BOOL_FIELDS):
        data[field] = draw(st.none() | st.booleans())
    return Intake.model_validate(data)


_DECISION = {
    Severity.absolute: Decision.not_eligible,
    Severity.relative: Decision.needs_review,
    Severity.review: Decision.needs_review,
    Severity.missing: Decision.needs_review,
}


@given(intakes())
def test_every_decision_is_its_worst_reason_and_explains_itself(intake: Intake) -> None:
    decision = run(intake)
    assert decision.reasons, "every decision has reasons"
    assert decision.reasons[-1].code == "checked"
    known = sources()
    for reason in decision.reasons:
        assert reason.message
        assert reason.source in known
    severities = {r.severity for r in decision.reasons}
    if Severity.absolute in severities:
        assert decision.decision is Decision.not_eligible
    elif severities & {Severity.relative, Severity.review, Severity.missing}:
        assert decision.decision is Decision.needs_review
    else:
        assert decision.decision is Decision.eligible
    assert decision.decision in {
        _DECISION.get(s, Decision.eligible) for s in severities
    }


@given(intakes())
def test_an_absolute_contraindication_always_wins(intake: Intake) -> None:
    worse = Intake.model_validate({**intake.model_dump(), "infection_at_site": True})
    assert run(worse).decision is Decision.not_eligible


@given(intakes())
def test_answering_a_missing_question_harmlessly_never_makes_it_worse(
    intake: Intake,
) -> None:
    before = run(intake).decision
    if intake.bleeding_disorder is None:
        after = run(
            Intake.model_validate({**intake.model_dump(), "bleeding_disorder": False})
        )
        rank = [Decision.eligible, Decision.needs_review, Decision.not_eligible]
        assert rank.index(after.decision) <= rank.index(before)


def test_docs_explain_every_rule_code() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "screening.md").read_text(
        encoding="utf-8"
    )
    for rule in RULES.all_rules():
        assert f"`{rule.code}`" in doc, rule.code
