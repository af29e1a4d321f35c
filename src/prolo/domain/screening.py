"""Screening: an intake -> eligible / needs_review / not_eligible, with every reason and its source.

    decision = screen(intake, load_screening_rules(), load_catalog())
    decision.decision      # Decision.needs_review
    decision.reasons       # (Reason(code="anticoagulant", severity="relative", message=..., source="S28"), ...)

The rule table lives in `data/screening_rules.yaml` (`load_screening_rules()`): which intake answer
gives which reason, its severity, its plain-words message and its sources, plus the thresholds
(3 months of pain, age 18). A clinic changes the table, not this code. The decision is the worst
severity among the reasons:

    absolute            -> not_eligible
    relative / review / missing -> needs_review
    info                -> eligible

Every decision explains itself: besides the reasons that triggered, a final `checked` info reason
lists what was checked and what was not asked. The absolute/relative split is a documented design
proposal (source SCR-RULES; docs/screening.md), not a published classification.

`Intake` is the patient's answers (Pydantic, `extra="forbid"`, strict types). Its field names are a
stable contract. Only `conditions` is required; every other answer may be left out (null), and a
question the rules mark `required` then gives a "missing" reason (needs_review) naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any, Literal, Self, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    model_validator,
)

from prolo.domain.catalog import Catalog, Condition
from prolo.domain.errors import ReferenceDataError, UnknownIdError
from prolo.domain.reference import read_yaml, require_sources

SCREENING_RULES_FILE = "screening_rules.yaml"


# --------------------------------------------------------------------------- the intake


class Intake(BaseModel):
    """A patient's screening answers. Field names are a stable contract (scripts and the API
    send them). `None` means "not answered"."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    conditions: list[str] = Field(
        min_length=1, description="Catalog condition ids (`prolo catalog`)."
    )
    body_sites: list[str] | None = Field(
        default=None, description="Catalog injection-site ids where the pain is."
    )
    # 0-130: a plausibility check on the input, not a clinical limit (that is the `age` rule).
    age: float | None = Field(default=None, ge=0, le=130, description="Years.")
    sex: Literal["female", "male", "other"] | None = None
    pregnant: bool | None = None
    pain_duration_months: float | None = Field(default=None, ge=0)
    conservative_care_tried: bool | None = None
    treatments_tried: list[str] | None = Field(
        default=None,
        description="Free text, e.g. physiotherapy, exercise, paracetamol, steroid injection.",
    )
    medications: list[str] | None = Field(
        default=None, description="Free text: the medicines the patient takes now."
    )
    infection_at_site: bool | None = None
    systemic_infection: bool | None = None
    joint_infection: bool | None = None
    bleeding_disorder: bool | None = None
    anticoagulant: bool | None = None
    antiplatelet: bool | None = None
    low_dose_aspirin: bool | None = None
    nsaid_use: bool | None = None
    allergies: list[str] | None = Field(
        default=None, description="Known allergies; [] = none known, null = not asked."
    )
    malignancy_at_site: bool | None = None
    recent_fracture: bool | None = None
    acute_gout: bool | None = None
    unexplained_swelling: bool | None = None
    diabetes: bool | None = None
    diabetes_controlled: bool | None = None
    immunosuppressed: bool | None = None
    recent_steroid: bool | None = None
    prosthesis_needing_prophylaxis: bool | None = None
    heavy_opioid_use: bool | None = None
    notes: str | None = None

    @field_serializer("age", "pain_duration_months")
    def _whole_numbers_stay_whole(self, value: float | None) -> float | int | None:
        """58.0 is written back as 58, so an intake survives a round trip unchanged."""
        if value is not None and float(value).is_integer():
            return int(value)
        return value


def _field_kind(name: str) -> str:
    annotation = Intake.model_fields[name].annotation
    args = get_args(annotation) or (annotation,)
    if bool in args:
        return "bool"
    if float in args or int in args:
        return "number"
    return "other"


INTAKE_FIELDS: tuple[str, ...] = tuple(Intake.model_fields)
BOOL_FIELDS = frozenset(n for n in INTAKE_FIELDS if _field_kind(n) == "bool")
NUMBER_FIELDS = frozenset(n for n in INTAKE_FIELDS if _field_kind(n) == "number")


def example_intake() -> Intake:
    """A complete intake that the shipped rules find eligible (`prolo screen --example`)."""
    return Intake(
        conditions=["knee_osteoarthritis"],
        body_sites=["knee_intra_articular", "knee_periarticular"],
        age=58,
        sex="female",
        pregnant=False,
        pain_duration_months=14,
        conservative_care_tried=True,
        treatments_tried=["physiotherapy", "home exercise programme", "paracetamol"],
        medications=["paracetamol as needed"],
        infection_at_site=False,
        systemic_infection=False,
        joint_infection=False,
        bleeding_disorder=False,
        anticoagulant=False,
        antiplatelet=False,
        low_dose_aspirin=False,
        nsaid_use=False,
        allergies=[],
        malignancy_at_site=False,
        recent_fracture=False,
        acute_gout=False,
        unexplained_swelling=False,
        diabetes=False,
        diabetes_controlled=None,
        immunosuppressed=False,
        recent_steroid=False,
        prosthesis_needing_prophylaxis=False,
        heavy_opioid_use=False,
        notes=None,
    )


# --------------------------------------------------------------------------- the rules


class Severity(StrEnum):
    absolute = "absolute"
    relative = "relative"
    review = "review"
    missing = "missing"
    info = "info"


class Decision(StrEnum):
    eligible = "eligible"
    needs_review = "needs_review"
    not_eligible = "not_eligible"


_DECISION_OF: dict[Severity, Decision] = {
    Severity.absolute: Decision.not_eligible,
    Severity.relative: Decision.needs_review,
    Severity.review: Decision.needs_review,
    Severity.missing: Decision.needs_review,
    Severity.info: Decision.eligible,
}
_RANK: dict[Decision, int] = {
    Decision.eligible: 0,
    Decision.needs_review: 1,
    Decision.not_eligible: 2,
}
# Order of reasons in a decision: worst first.
_SEVERITY_ORDER: dict[Severity, int] = {
    Severity.absolute: 0,
    Severity.relative: 1,
    Severity.review: 2,
    Severity.missing: 3,
    Severity.info: 4,
}

Sources = tuple[str, ...]
AnswerValue = bool | str | None


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    severity: Severity
    message: str = Field(min_length=1)
    source: Sources = Field(min_length=1)

    @model_validator(mode="after")
    def _not_missing(self) -> Self:
        if self.severity is Severity.missing:
            raise ValueError(
                "severity 'missing' is given automatically for unanswered questions; "
                "a rule uses absolute, relative, review or info"
            )
        return self


class _QuestionRule(_Rule):
    field: str
    required: bool
    question: str = Field(min_length=1)
    only_when: dict[str, tuple[AnswerValue, ...]] = Field(default_factory=dict)


class FlagRule(_QuestionRule):
    """A yes/no answer that gives a reason when it equals `trigger`."""

    trigger: bool = True


class ThresholdRule(_QuestionRule):
    """A number that gives a reason when it is below `min` or above `max`."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _a_limit(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError(f"threshold {self.code} needs min or max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"threshold {self.code}: min is greater than max")
        return self


class AllergenRule(_Rule):
    """A recognised allergen (matched on its id or any alias, case-insensitively)."""

    id: str
    aliases: tuple[str, ...] = ()


class AllergyRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    required: bool
    question: str
    source: Sources = Field(min_length=1)
    unrecognised: _Rule
    allergens: tuple[AllergenRule, ...] = Field(min_length=1)


class ConditionRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    requires_review: _Rule
    site_mismatch: _Rule


def normalise_allergy(text: str) -> str:
    """`"Local anaesthetic"` -> `"local_anaesthetic"`: lower case, words joined by `_`."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


class ScreeningRules(BaseModel):
    """The screening rule table (the layout of screening_rules.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    summary_source: Sources = Field(min_length=1)
    flags: tuple[FlagRule, ...]
    thresholds: tuple[ThresholdRule, ...]
    allergies: AllergyRules
    conditions: ConditionRules

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for rule in self.flags:
            if rule.field not in BOOL_FIELDS:
                raise ValueError(
                    f"flag {rule.code}: {rule.field!r} is not a yes/no intake field"
                )
        for threshold in self.thresholds:
            if threshold.field not in NUMBER_FIELDS:
                raise ValueError(
                    f"threshold {threshold.code}: {threshold.field!r} is not a number intake field"
                )
        for q in (*self.flags, *self.thresholds):
            for other in q.only_when:
                if other not in INTAKE_FIELDS:
                    raise ValueError(
                        f"{q.code}: only_when names unknown field {other!r}"
                    )
        covered = {r.field for r in self.flags} | {t.field for t in self.thresholds}
        unchecked = sorted((BOOL_FIELDS | NUMBER_FIELDS) - covered)
        if unchecked:
            raise ValueError(
                f"intake field(s) without a rule: {', '.join(unchecked)} "
                "(give each one a rule; use severity info to only record it)"
            )
        codes = [r.code for r in self.all_rules()]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"rule code(s) used twice: {', '.join(duplicates)}")
        names: list[str] = []
        for allergen in self.allergies.allergens:
            names.extend(normalise_allergy(n) for n in (allergen.id, *allergen.aliases))
        clashes = sorted({n for n in names if names.count(n) > 1})
        if clashes:
            raise ValueError(f"allergen name(s) listed twice: {', '.join(clashes)}")
        return self

    def all_rules(self) -> list[_Rule]:
        return [
            *self.flags,
            *self.thresholds,
            self.allergies.unrecognised,
            *self.allergies.allergens,
            self.conditions.requires_review,
            self.conditions.site_mismatch,
        ]

    def source_ids(self) -> list[str]:
        ids = [*self.summary_source, *self.allergies.source]
        for rule in self.all_rules():
            ids.extend(rule.source)
        return ids

    def allergen(self, name: str) -> AllergenRule | None:
        """The allergen rule `name` refers to (id or alias, any case), or None."""
        key = normalise_allergy(name)
        for allergen in self.allergies.allergens:
            if key in {normalise_allergy(n) for n in (allergen.id, *allergen.aliases)}:
                return allergen
        return None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {err['msg']}" if loc else str(err["msg"])


def parse_screening_rules(
    raw: object, where: str = SCREENING_RULES_FILE
) -> ScreeningRules:
    """Validate a parsed rule table (e.g. a clinic's own YAML) and check its sources."""
    try:
        rules = ScreeningRules.model_validate(raw)
    except ValidationError as exc:
        raise ReferenceDataError(f"{where} is malformed: {_first_error(exc)}") from exc
    require_sources(rules.source_ids(), where)
    return rules


@cache
def load_screening_rules() -> ScreeningRules:
    """The screening rules shipped in `data/screening_rules.yaml`."""
    return parse_screening_rules(read_yaml(SCREENING_RULES_FILE))


# --------------------------------------------------------------------------- the decision


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason behind a decision. `source` is the main source id; `sources` all of them."""

    code: str
    severity: Severity
    message: str
    sources: Sources

    @property
    def source(self) -> str:
        return self.sources[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "source": self.source,
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class ScreeningDecision:
    decision: Decision
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _applies(rule: _QuestionRule, intake: Intake) -> bool:
    return all(getattr(intake, f) in allowed for f, allowed in rule.only_when.items())


def _missing(rule: _QuestionRule) -> Reason:
    return Reason(
        f"missing_{rule.field}",
        Severity.missing,
        f"Not answered: {rule.question} (field {rule.field}). A clinician must ask this "
        "before treatment.",
        rule.source,
    )


def _resolve_conditions(intake: Intake, catalog: Catalog) -> list[Condition]:
    found: list[Condition] = []
    for i, condition_id in enumerate(intake.conditions):
        try:
            condition = catalog.condition(condition_id)
        except UnknownIdError:
            raise UnknownIdError(
                f"conditions.{i}: unknown condition id {condition_id!r}; "
                "`prolo catalog` lists the known ids",
                field=f"conditions.{i}",
            ) from None
        if condition not in found:
            found.append(condition)
    return found


def _check_sites(intake: Intake, catalog: Catalog) -> None:
    for i, site_id in enumerate(intake.body_sites or []):
        if site_id not in catalog.sites:
            raise UnknownIdError(
                f"body_sites.{i}: unknown injection site id {site_id!r}; "
                "the catalog lists the known sites",
                field=f"body_sites.{i}",
            )


def screen(
    intake: Intake, rules: ScreeningRules, catalog: Catalog
) -> ScreeningDecision:
    """Screen one intake against the rule table. Unknown condition or site ids raise
    UnknownIdError naming the field (`conditions.1`); everything else becomes a reason."""
    conditions = _resolve_conditions(intake, catalog)
    _check_sites(intake, catalog)
    reasons: list[Reason] = []
    answered: list[str] = []
    not_asked: list[str] = []
    missing_fields: set[str] = set()

    def note_missing(rule: _QuestionRule) -> None:
        if rule.required:
            if rule.field not in missing_fields:
                missing_fields.add(rule.field)
                reasons.append(_missing(rule))
        elif rule.field not in not_asked:
            not_asked.append(rule.field)

    def note_answered(field: str) -> None:
        if field not in answered:
            answered.append(field)

    # The conditions: some always need a clinician (catalog `requires_review`).
    cr = rules.conditions
    for condition in conditions:
        if condition.requires_review:
            reasons.append(
                Reason(
                    cr.requires_review.code,
                    cr.requires_review.severity,
                    cr.requires_review.message.format(
                        condition=condition.name,
                        reason=condition.review_reason or "",
                    ),
                    cr.requires_review.source,
                )
            )
    if intake.body_sites:
        usual = {s for c in conditions for s in c.sites}
        for site_id in intake.body_sites:
            if site_id not in usual:
                reasons.append(
                    Reason(
                        cr.site_mismatch.code,
                        cr.site_mismatch.severity,
                        cr.site_mismatch.message.format(
                            site=catalog.site(site_id).name,
                            conditions=", ".join(c.name for c in conditions),
                        ),
                        cr.site_mismatch.source,
                    )
                )

    for flag in rules.flags:
        if not _applies(flag, intake):
            continue
        value = getattr(intake, flag.field)
        if value is None:
            note_missing(flag)
            continue
        note_answered(flag.field)
        if value is flag.trigger:
            reasons.append(Reason(flag.code, flag.severity, flag.message, flag.source))

    for threshold in rules.thresholds:
        if not _applies(threshold, intake):
            continue
        number = getattr(intake, threshold.field)
        if number is None:
            note_missing(threshold)
            continue
        note_answered(threshold.field)
        below = threshold.min is not None and number < threshold.min
        above = threshold.max is not None and number > threshold.max
        if below or above:
            reasons.append(
                Reason(
                    threshold.code,
                    threshold.severity,
                    threshold.message.format(
                        value=_number(number),
                        min=_number(threshold.min) if threshold.min is not None else "",
                        max=_number(threshold.max) if threshold.max is not None else "",
                    ),
                    threshold.source,
                )
            )

    ar = rules.allergies
    if intake.allergies is None:
        if ar.required:
            reasons.append(
                Reason(
                    "missing_allergies",
                    Severity.missing,
                    f"Not answered: {ar.question} (field allergies). A clinician must ask "
                    "this before treatment.",
                    ar.source,
                )
            )
        else:
            not_asked.append("allergies")
    else:
        note_answered("allergies")
        seen: set[str] = set()
        for allergy in intake.allergies:
            allergen = rules.allergen(allergy)
            key = allergen.id if allergen else normalise_allergy(allergy)
            if key in seen:
                continue
            seen.add(key)
            if allergen is None:
                u = ar.unrecognised
                reasons.append(
                    Reason(
                        u.code,
                        u.severity,
                        u.message.format(allergy=allergy.strip()),
                        u.source,
                    )
                )
            else:
                reasons.append(
                    Reason(
                        allergen.code,
                        allergen.severity,
                        allergen.message,
                        allergen.source,
                    )
                )

    worst = max(
        (_DECISION_OF[r.severity] for r in reasons),
        key=_RANK.__getitem__,
        default=Decision.eligible,
    )
    reasons.sort(key=lambda r: _SEVERITY_ORDER[r.severity])
    reasons.append(_summary(worst, conditions, answered, not_asked, rules))
    return ScreeningDecision(worst, tuple(reasons))


def _summary(
    decision: Decision,
    conditions: list[Condition],
    answered: list[str],
    not_asked: list[str],
    rules: ScreeningRules,
) -> Reason:
    lead = {
        Decision.eligible: "Nothing found that stops treatment or needs a clinician's review.",
        Decision.needs_review: "A clinician must review the reasons above before a course is planned.",
        Decision.not_eligible: "Prolotherapy must not be given while the reasons above apply.",
    }[decision]
    names = ", ".join(c.name for c in conditions)
    text = (
        f"{lead} Checked against the clinic's screening rules (version {rules.version}): "
        f"condition(s) {names}; answers checked: {', '.join(answered) or 'none'}."
    )
    if not_asked:
        text += f" Not asked (optional): {', '.join(not_asked)}."
    return Reason("checked", Severity.info, text, rules.summary_source)
