"""Outcome instruments: the reference-data model, answer checking, the result type and the registry.

Every questionnaire has one module in this package (`nrs.py` ... `fiqr.py`) holding its published
formula, and one reference table `domain/data/instruments/<id>.yaml` holding everything else: item
identifiers, response options with their scored values, subscale membership, range, direction, the
missing-item rule, MCIDs, LOINC code and licence status, each with its `source`.

    answers (the values printed on the form, in item order; None = missing item)
      -> Instrument.check_answers()   count and range, InvalidInputError naming the item
      -> scored values                (HIT-6 options 1-5 become 6, 8, 10, 11, 13)
      -> missing-item rules           which scales are withheld, and why
      -> Instrument._compute()        the instrument's own formula, exact (fractions.Fraction)
      -> ScoreResult                  frozen; floats are the exact value correctly rounded once

Nothing is rounded inside scoring; people-facing views may round.
"""

from __future__ import annotations

import importlib
import math
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from types import MappingProxyType
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from prolo.domain.errors import InvalidInputError, ReferenceDataError, UnknownIdError
from prolo.domain.reference import load_model, require_sources

#: The total score's name wherever a "scale" is named (missing rules, MCIDs, outcome scale).
TOTAL = "score"

#: Instrument ids in the order they are listed; each is a module of this package.
INSTRUMENT_IDS: tuple[str, ...] = (
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


# --------------------------------------------------------------------------- reference-data model


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ResponseOption(_Frozen):
    """One box on the form: `value` is what is entered, `scored` the points it counts for."""

    value: int
    scored: int
    label: str = Field(min_length=1)


class OptionSet(_Frozen):
    """A response scale shared by several items."""

    id: str
    options: tuple[ResponseOption, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        values = [o.value for o in self.options]
        if values != sorted(set(values)):
            raise ValueError(
                f"option set {self.id}: values must be unique and ascending"
            )
        return self

    @property
    def min_value(self) -> int:
        return self.options[0].value

    @property
    def max_value(self) -> int:
        return self.options[-1].value

    @property
    def min_scored(self) -> int:
        return min(o.scored for o in self.options)

    @property
    def max_scored(self) -> int:
        return max(o.scored for o in self.options)


class ItemDefinition(_Frozen):
    """One item: a stable identifier, a short neutral label (never licensed wording)."""

    id: str = Field(min_length=1)
    label: str = Field(min_length=1)
    subscale: str | None = None
    options: str


class ScaleDefinition(_Frozen):
    """A subscale; `name` is the lowercase key used in results and JSON."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    min: float
    max: float


class MissingItemRule(_Frozen):
    """A scale (`score` or a subscale name) is withheld when fewer than `min_answered` of its
    items are answered. `basis` says whether the number is the published rule or a Prolo decision
    taken because the official rule was not available (docs/adr/0006)."""

    scale: str
    min_answered: int = Field(ge=1)
    basis: Literal["published", "decision"]
    note: str
    source: tuple[str, ...] = Field(min_length=1)


class Mcid(_Frozen):
    """A minimal clinically important difference on one scale.

    `kind`: `absolute` (points of the scale) or `percent` (of the baseline value). `tier`: `mcid`
    decides responder status; `substantial` is reported beside it (e.g. NRS 50%). Only `primary`
    thresholds decide responder status; the others are shown for context.
    """

    scale: str
    kind: Literal["absolute", "percent"]
    value: float = Field(gt=0)
    tier: Literal["mcid", "substantial"] = "mcid"
    primary: bool
    context: str
    source: tuple[str, ...] = Field(min_length=1)


class Loinc(_Frozen):
    code: str
    display: str
    status: Literal["verified", "unverified"]
    note: str = ""
    source: tuple[str, ...] = Field(min_length=1)


class Licence(_Frozen):
    """Whether the item wording may be shipped. `licensed` and `unverified` ship identifiers and
    neutral labels only; a clinic loads its own licensed text (`wording.load_item_text`)."""

    status: Literal["free", "licensed", "unverified"]
    holder: str
    wording_shipped: bool
    note: str
    source: tuple[str, ...] = Field(min_length=1)


class Scoring(_Frozen):
    """The published formula in words, and the formula's own constants (e.g. FIQR's divisors)."""

    formula: str
    params: dict[str, int] = Field(default_factory=dict)
    source: tuple[str, ...] = Field(min_length=1)


class ItemText(_Frozen):
    """Wording shipped with Prolo (only where the licence allows it)."""

    item: str
    text: str
    source: tuple[str, ...] = Field(min_length=1)


class InstrumentDefinition(_Frozen):
    """One `domain/data/instruments/<id>.yaml` table."""

    version: int
    id: str
    name: str
    instrument_version: str
    recall_period: str | None = None
    higher_is_better: bool
    min: float
    max: float
    has_total: bool
    outcome_scale: str
    raw: ScaleDefinition | None = None
    scoring: Scoring
    option_sets: tuple[OptionSet, ...] = Field(min_length=1)
    subscales: tuple[ScaleDefinition, ...] = ()
    items: tuple[ItemDefinition, ...] = Field(min_length=1)
    missing: tuple[MissingItemRule, ...] = Field(min_length=1)
    mcids: tuple[Mcid, ...] = ()
    loinc: Loinc | None = None
    licence: Licence
    item_text: tuple[ItemText, ...] = ()
    source: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("item ids must be unique")
        option_ids = {o.id for o in self.option_sets}
        names = {s.name for s in self.subscales}
        scales = names | ({TOTAL} if self.has_total else set())
        for item in self.items:
            if item.options not in option_ids:
                raise ValueError(f"item {item.id}: unknown option set {item.options}")
            if item.subscale is not None and item.subscale not in names:
                raise ValueError(f"item {item.id}: unknown subscale {item.subscale}")
        if self.subscales and any(item.subscale is None for item in self.items):
            raise ValueError("with subscales, every item must name its subscale")
        for rule in self.missing:
            if rule.scale not in scales:
                raise ValueError(f"missing-item rule for unknown scale {rule.scale}")
        for mcid in self.mcids:
            if mcid.scale not in scales:
                raise ValueError(f"MCID for unknown scale {mcid.scale}")
        if self.outcome_scale not in scales:
            raise ValueError(f"outcome_scale {self.outcome_scale} is not a scale")
        if self.item_text and not self.licence.wording_shipped:
            raise ValueError(
                "item_text may only be shipped when licence.wording_shipped"
            )
        if self.licence.wording_shipped and self.licence.status != "free":
            raise ValueError("wording may only be shipped for instruments free to use")
        unknown_text = {t.item for t in self.item_text} - set(ids)
        if unknown_text:
            raise ValueError(f"item_text for unknown items {sorted(unknown_text)}")
        return self

    def all_source_ids(self) -> list[str]:
        found = [*self.source, *self.scoring.source, *self.licence.source]
        for rule in self.missing:
            found.extend(rule.source)
        for mcid in self.mcids:
            found.extend(mcid.source)
        if self.loinc is not None:
            found.extend(self.loinc.source)
        for text in self.item_text:
            found.extend(text.source)
        return found


def load_definition(instrument_id: str) -> InstrumentDefinition:
    """Load and check `domain/data/instruments/<instrument_id>.yaml` (ReferenceDataError if bad)."""
    where = f"instruments/{instrument_id}.yaml"
    definition = load_model(where, InstrumentDefinition)
    if definition.id != instrument_id:
        raise ReferenceDataError(
            f"{where}: id is {definition.id!r}, expected {instrument_id!r}"
        )
    require_sources(definition.all_source_ids(), where)
    return definition


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ScoreResult:
    """The scores of one completed questionnaire.

    `score` is the total (None where the instrument has none or it is withheld); `subscales` maps
    the lowercase subscale names to their value or None; `extra` holds additional published
    numbers (NDI's `raw`). `valid` is False when any part was withheld, and `withheld_reason`
    says which part and why.
    """

    instrument: str
    score: float | None
    subscales: Mapping[str, float | None]
    min: float
    max: float
    higher_is_better: bool
    missing: int
    valid: bool
    withheld_reason: str | None
    extra: Mapping[str, float | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "subscales", MappingProxyType(dict(self.subscales)))
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    def value(self, scale: str) -> float | None:
        """The value of `score` or of a subscale by name (KeyError for an unknown name)."""
        if scale == TOTAL:
            return self.score
        return self.subscales[scale]

    def to_dict(self) -> dict[str, object]:
        """The `prolo score --format json` shape (a stable contract)."""
        data: dict[str, object] = {
            "instrument": self.instrument,
            "score": self.score,
            "subscales": dict(self.subscales),
            "min": self.min,
            "max": self.max,
            "higher_is_better": self.higher_is_better,
            "missing": self.missing,
            "valid": self.valid,
            "withheld_reason": self.withheld_reason,
        }
        data.update(self.extra)
        return data


@dataclass(frozen=True)
class Computed:
    """What an instrument's formula returns (exact fractions; None = withheld or not defined)."""

    score: Fraction | None
    subscales: Mapping[str, Fraction | None] = field(default_factory=dict)
    extra: Mapping[str, Fraction | None] = field(default_factory=dict)


def _to_float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _show(value: float) -> str:
    """A number as a person would write it: 7 rather than 7.0."""
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return repr(value)


# --------------------------------------------------------------------------- instruments


class Instrument(ABC):
    """A scored questionnaire. Subclasses implement `_compute` with the published formula."""

    def __init__(self, definition: InstrumentDefinition) -> None:
        self.definition = definition
        self._option_sets = {o.id: o for o in definition.option_sets}
        self._item_options = tuple(
            self._option_sets[i.options] for i in definition.items
        )
        self._scored = tuple(
            {o.value: o.scored for o in options.options}
            for options in self._item_options
        )
        self._subscale_index: dict[str, tuple[int, ...]] = {
            s.name: tuple(
                i for i, item in enumerate(definition.items) if item.subscale == s.name
            )
            for s in definition.subscales
        }

    # -- description

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def items(self) -> tuple[ItemDefinition, ...]:
        return self.definition.items

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.definition.items)

    @property
    def higher_is_better(self) -> bool:
        return self.definition.higher_is_better

    @property
    def min(self) -> float:
        return self.definition.min

    @property
    def max(self) -> float:
        return self.definition.max

    @property
    def subscale_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.definition.subscales)

    @property
    def mcids(self) -> tuple[Mcid, ...]:
        return self.definition.mcids

    def item_options(self, index: int) -> OptionSet:
        """The response options of item `index` (0-based)."""
        return self._item_options[index]

    def scale_range(self, scale: str) -> tuple[float, float]:
        """(min, max) of `score`, of a subscale, or of `raw` where defined."""
        if scale == TOTAL:
            return (self.definition.min, self.definition.max)
        if self.definition.raw is not None and scale == self.definition.raw.name:
            return (self.definition.raw.min, self.definition.raw.max)
        for sub in self.definition.subscales:
            if sub.name == scale:
                return (sub.min, sub.max)
        raise UnknownIdError(f"{self.id} has no scale {scale!r}", field="scale")

    def scale_items(self, scale: str) -> tuple[int, ...]:
        """0-based indices of the items that make up `score` (all) or a subscale."""
        if scale == TOTAL:
            return tuple(range(len(self.definition.items)))
        try:
            return self._subscale_index[scale]
        except KeyError:
            raise UnknownIdError(
                f"{self.id} has no subscale {scale!r}", field="scale"
            ) from None

    def param(self, name: str) -> int:
        """A constant of the published formula, from the reference table."""
        try:
            return self.definition.scoring.params[name]
        except KeyError:
            raise ReferenceDataError(
                f"instruments/{self.id}.yaml: scoring.params lacks {name}"
            ) from None

    # -- scoring

    def describe_item(self, index: int) -> str:
        """`item 3 (P3)`: how errors name an item (1-based position and identifier)."""
        return f"item {index + 1} ({self.definition.items[index].id})"

    def check_answers(self, answers: Sequence[float | None]) -> tuple[int | None, ...]:
        """The answers as whole option values, or InvalidInputError naming the first bad item."""
        expected = len(self.definition.items)
        if isinstance(answers, str | bytes) or len(answers) != expected:
            got = "a string" if isinstance(answers, str | bytes) else str(len(answers))
            ids = self.item_ids
            order = ids[0] if expected == 1 else f"{ids[0]}..{ids[-1]}"
            raise InvalidInputError(
                f"{self.id} expects {expected} answer{'s' if expected != 1 else ''} in item "
                f"order ({order}), got {got}",
                field="answers",
            )
        checked: list[int | None] = []
        for index, answer in enumerate(answers):
            if answer is None:
                checked.append(None)
                continue
            where = self.describe_item(index)
            options = self._item_options[index]
            if isinstance(answer, bool) or not isinstance(answer, int | float):
                raise InvalidInputError(
                    f"{where}: {answer!r} is not a number", field=where
                )
            if not math.isfinite(answer):
                raise InvalidInputError(
                    f"{where}: {answer!r} is not a number", field=where
                )
            if not options.min_value <= answer <= options.max_value:
                raise InvalidInputError(
                    f"{where}: {_show(answer)} is outside "
                    f"{options.min_value}-{options.max_value}",
                    field=where,
                )
            if answer != int(answer) or int(answer) not in self._scored[index]:
                allowed = ", ".join(str(o.value) for o in options.options)
                raise InvalidInputError(
                    f"{where}: {_show(answer)} is not one of the answers {allowed}",
                    field=where,
                )
            checked.append(int(answer))
        return tuple(checked)

    def scored_values(self, answers: Sequence[float | None]) -> tuple[int | None, ...]:
        """Checked answers converted to the points each option counts for."""
        checked = self.check_answers(answers)
        return tuple(
            None if value is None else self._scored[i][value]
            for i, value in enumerate(checked)
        )

    def _withheld(self, scored: Sequence[int | None]) -> dict[str, str]:
        """Scale name -> reason, for every scale whose missing-item rule is not met."""
        reasons: dict[str, str] = {}
        for rule in self.definition.missing:
            indices = self.scale_items(rule.scale)
            answered = sum(1 for i in indices if scored[i] is not None)
            if answered < rule.min_answered:
                basis = (
                    "published rule" if rule.basis == "published" else "Prolo decision"
                )
                reasons[rule.scale] = (
                    f"{rule.scale}: {answered} of {len(indices)} items answered, "
                    f"at least {rule.min_answered} needed; {basis}: {rule.note}"
                )
        if self.definition.has_total and TOTAL not in reasons:
            blocked = [s for s in self.subscale_names if s in reasons]
            if blocked and self.total_needs_every_subscale:
                reasons[TOTAL] = (
                    f"score: withheld because {', '.join(blocked)} is withheld"
                )
        if reasons and self.all_or_nothing:
            scales = ([TOTAL] if self.definition.has_total else []) + list(
                self.subscale_names
            )
            for scale in scales:
                reasons.setdefault(
                    scale,
                    f"{scale}: withheld because the questionnaire as a whole is invalid",
                )
        return reasons

    #: Whether the total is withheld as soon as one subscale is (true for composite totals).
    total_needs_every_subscale: bool = True
    #: Whether one failed missing-item rule invalidates every scale (FIQR's published rule).
    all_or_nothing: bool = False

    def score(self, answers: Sequence[float | None]) -> ScoreResult:
        """Score one completed questionnaire (answers in item order, None for a missing item)."""
        scored = self.scored_values(answers)
        withheld = self._withheld(scored)
        computed = self._compute(scored, withheld)
        subscales = {name: computed.subscales.get(name) for name in self.subscale_names}
        for name in self.subscale_names:
            if name in withheld:
                subscales[name] = None
        total = (
            None
            if TOTAL in withheld or not self.definition.has_total
            else computed.score
        )
        reason = "; ".join(
            withheld[s] for s in (*self.subscale_names, TOTAL) if s in withheld
        )
        return ScoreResult(
            instrument=self.id,
            score=_to_float(total),
            subscales={name: _to_float(value) for name, value in subscales.items()},
            min=self.definition.min,
            max=self.definition.max,
            higher_is_better=self.definition.higher_is_better,
            missing=sum(1 for value in scored if value is None),
            valid=not withheld,
            withheld_reason=reason or None,
            extra={name: _to_float(value) for name, value in computed.extra.items()},
        )

    @abstractmethod
    def _compute(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        """The published formula on scored values; may skip any scale named in `withheld`."""

    # -- helpers for the formulas

    def sum_of_divided_subscales(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        """Each subscale = its (prorated) item sum / the data file's `<scale>_divisor`; total = their sum.

        The shape of PRTEE (pain + function / 2) and FIQR (function / 3 + overall + symptoms / 2).
        """
        subscales: dict[str, Fraction | None] = {}
        for name in self.subscale_names:
            if name in withheld:
                subscales[name] = None
                continue
            values = self.answered(scored, name)
            subscales[name] = prorated_sum(
                values, len(self.scale_items(name))
            ) / self.param(f"{name}_divisor")
        parts = list(subscales.values())
        total = (
            None
            if TOTAL in withheld or None in parts
            else sum(p for p in parts if p is not None)
        )
        return Computed(
            score=None if total is None else Fraction(total), subscales=subscales
        )

    def answered(self, scored: Sequence[int | None], scale: str) -> list[int]:
        """The answered scored values of a scale, in item order."""
        return [
            value for i in self.scale_items(scale) if (value := scored[i]) is not None
        ]

    def max_scored(self, scale: str) -> int:
        """The largest scored value any item of `scale` can take (all items of a scale share it)."""
        tops = {self._item_options[i].max_scored for i in self.scale_items(scale)}
        if len(tops) != 1:
            raise ReferenceDataError(
                f"instruments/{self.id}.yaml: {scale} mixes option scales"
            )
        return tops.pop()

    def min_scored(self, scale: str) -> int:
        lows = {self._item_options[i].min_scored for i in self.scale_items(scale)}
        if len(lows) != 1:
            raise ReferenceDataError(
                f"instruments/{self.id}.yaml: {scale} mixes option scales"
            )
        return lows.pop()


def prorated_sum(values: Sequence[int], n_items: int) -> Fraction:
    """The sum of a scale with each missing item replaced by the mean of the answered ones.

    Equal to the plain sum when every item is answered: sum x n_items / answered.
    """
    return Fraction(sum(values) * n_items, len(values))


def percent_of_answered_max(values: Sequence[int], top: int) -> Fraction:
    """sum / (top x answered) x 100: the ODI/NDI/FFI form of a percentage score."""
    return Fraction(sum(values) * 100, top * len(values))


# --------------------------------------------------------------------------- registry


@cache
def _registry() -> dict[str, Instrument]:
    found: dict[str, Instrument] = {}
    for instrument_id in INSTRUMENT_IDS:
        module = importlib.import_module(f"prolo.domain.instruments.{instrument_id}")
        instrument = module.build()
        if not isinstance(instrument, Instrument) or instrument.id != instrument_id:
            raise ReferenceDataError(
                f"instrument module {instrument_id} built the wrong thing"
            )
        found[instrument_id] = instrument
    return found


def get_instrument(instrument_id: str) -> Instrument:
    """The instrument with this id (UnknownIdError naming the known ids otherwise)."""
    registry = _registry()
    try:
        return registry[instrument_id]
    except KeyError:
        raise UnknownIdError(
            f"unknown instrument {instrument_id!r}; known: {', '.join(INSTRUMENT_IDS)}",
            field="instrument",
        ) from None


def all_instruments() -> tuple[Instrument, ...]:
    """Every instrument, in the listing order of INSTRUMENT_IDS."""
    registry = _registry()
    return tuple(registry[i] for i in INSTRUMENT_IDS)
