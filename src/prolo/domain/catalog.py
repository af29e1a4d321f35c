"""The catalog: body regions, conditions, injection sites and their codes.

Read from `domain/data/catalog.yaml` (see its header for what each field means). `load_catalog()`
validates the table, every source id and every cross reference (region, site, instrument, alternative
reading) and caches the result; the catalog is immutable.

    catalog = load_catalog()
    catalog.condition("knee_osteoarthritis").icd10      # ["M17.0", "M17.11", ...]
    catalog.sites_for("lateral_epicondylitis")          # [InjectionSite(...), ...]
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from prolo.domain.errors import ReferenceDataError, UnknownIdError
from prolo.domain.reference import load_model, require_sources

T = TypeVar("T")

CATALOG_FILE = "catalog.yaml"

# Source ids of the two code systems (clinical-reference.md section 6).
ICD10_SOURCE = "S50"
SNOMED_SOURCE = "S51"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CodeLaterality(StrEnum):
    """The side an ICD-10-CM code itself names."""

    right = "right"
    left = "left"
    bilateral = "bilateral"
    unspecified = "unspecified"  # the code family has sides, this code leaves it open
    none = "none"  # the code has no laterality


class SnomedConfidence(StrEnum):
    corroborated = "corroborated"  # seen in independent public repositories (S51)
    unverified = "unverified"  # tagged R or "1 repo" in clinical-reference.md


class Icd10Code(_Frozen):
    """One ICD-10-CM billable code with the tabular's own description."""

    code: str
    display: str
    laterality: CodeLaterality
    note: str | None = None


# Verhoeff dihedral-group tables: every SNOMED CT identifier (SCTID) ends in a Verhoeff check digit,
# and its two digits before that (the partition identifier) are 00 (concept) or 10 (concept in an
# extension). Checking both catches most typing errors in a concept id.
_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
CONCEPT_PARTITIONS = ("00", "10")


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit of `digits` is the Verhoeff check digit of the others."""
    check = 0
    for position, char in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[position % 8][int(char)]]
    return check == 0


def is_snomed_concept_id(value: str) -> bool:
    """A well-formed SNOMED CT concept id: 6-18 digits, concept partition, valid check digit."""
    return (
        value.isdigit()
        and 6 <= len(value) <= 18
        and not value.startswith("0")
        and value[-3:-1] in CONCEPT_PARTITIONS
        and verhoeff_valid(value)
    )


class SnomedCode(_Frozen):
    code: str
    display: str
    confidence: SnomedConfidence
    note: str | None = None

    @field_validator("code")
    @classmethod
    def _well_formed(cls, value: str) -> str:
        if not is_snomed_concept_id(value):
            raise ValueError(f"{value!r} is not a well-formed SNOMED CT concept id")
        return value


class Region(_Frozen):
    id: str
    name: str
    clinic_area: str | None
    clinic_text: str
    source: str


class InjectionSite(_Frozen):
    """A place a prolotherapy injection goes. `lateral`: the site has a left and a right."""

    id: str
    name: str
    region: str
    lateral: bool
    generic: bool
    note: str | None = None
    sources: list[str]

    @field_validator("sources")
    @classmethod
    def _non_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("a site names at least one source")
        return value


class Condition(_Frozen):
    """A condition the clinic treats, with its codes, instruments and injection sites."""

    id: str
    name: str
    region: str
    clinic_text: str
    reading: str
    ambiguity: str | None
    alternatives: list[str]
    requires_review: bool
    review_reason: str | None
    icd10: list[str]
    icd10_codes: list[Icd10Code]
    icd10_source: str
    icd10_note: str | None
    snomed: list[str]
    snomed_codes: list[SnomedCode]
    snomed_source: str
    snomed_note: str | None
    instruments: list[str]
    instrument_choices: list[str]
    sites: list[str]
    sites_note: str | None
    sources: list[str]


class _CodeList(_Frozen):
    source: str
    note: str | None = None


class _Icd10List(_CodeList):
    codes: list[Icd10Code] = Field(min_length=1)


class _SnomedList(_CodeList):
    codes: list[SnomedCode]


class _ConditionRow(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    region: str
    clinic_text: str
    reading: str
    ambiguity: str | None
    alternatives: list[str]
    requires_review: bool
    review_reason: str | None
    icd10: _Icd10List
    snomed: _SnomedList
    instruments: list[str] = Field(min_length=1)
    instrument_choices: list[str]
    sites: list[str] = Field(min_length=1)
    sites_note: str | None
    sources: list[str] = Field(min_length=1)


class _CatalogFile(_Frozen):
    version: int
    instrument_ids: list[str]
    regions: list[Region]
    sites: list[InjectionSite]
    conditions: list[_ConditionRow]


def _lookup(table: Mapping[str, T], key: str, noun: str, field: str) -> T:
    try:
        return table[key]
    except KeyError:
        raise UnknownIdError(f"unknown {noun} {key!r}", field=field) from None


class Catalog(_Frozen):
    """Regions, conditions and injection sites, each by id."""

    version: int
    instrument_ids: list[str]
    regions: dict[str, Region]
    conditions: dict[str, Condition]
    sites: dict[str, InjectionSite]

    def condition(self, condition_id: str) -> Condition:
        """The condition with this id, or UnknownIdError naming it."""
        return _lookup(self.conditions, condition_id, "condition id", "condition")

    def region(self, region_id: str) -> Region:
        """The body region with this id, or UnknownIdError naming it."""
        return _lookup(self.regions, region_id, "region id", "region")

    def site(self, site_id: str) -> InjectionSite:
        """The injection site with this id, or UnknownIdError naming it."""
        return _lookup(self.sites, site_id, "injection site id", "site")

    def sites_for(self, condition_id: str) -> list[InjectionSite]:
        """The injection sites of a condition, in catalog order."""
        return [self.sites[s] for s in self.condition(condition_id).sites]

    def conditions_in(self, region_id: str) -> list[Condition]:
        self.region(region_id)
        return [c for c in self.conditions.values() if c.region == region_id]


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ReferenceDataError(
                f"{CATALOG_FILE}: {what} {item!r} is defined twice"
            )
        seen.add(item)


def _check_condition(
    row: _ConditionRow,
    regions: dict[str, Region],
    sites: dict[str, InjectionSite],
    instruments: set[str],
    condition_ids: set[str],
) -> None:
    where = f"{CATALOG_FILE}: condition {row.id}"
    if row.region not in regions:
        raise ReferenceDataError(f"{where}: unknown region {row.region!r}")
    for site_id in row.sites:
        if site_id not in sites:
            raise ReferenceDataError(f"{where}: unknown site {site_id!r}")
    _unique(row.sites, f"site of condition {row.id}")
    for instrument in [*row.instruments, *row.instrument_choices]:
        if instrument not in instruments:
            raise ReferenceDataError(f"{where}: unknown instrument {instrument!r}")
    if "nrs" not in row.instruments:
        raise ReferenceDataError(f"{where}: every condition records the NRS pain score")
    for other in row.alternatives:
        if other not in condition_ids or other == row.id:
            raise ReferenceDataError(f"{where}: unknown alternative reading {other!r}")
    if row.alternatives and not row.ambiguity:
        raise ReferenceDataError(
            f"{where}: alternative readings need an ambiguity note"
        )
    if row.requires_review and not row.review_reason:
        raise ReferenceDataError(f"{where}: requires_review needs a review_reason")
    if row.icd10.source != ICD10_SOURCE:
        raise ReferenceDataError(f"{where}: ICD-10-CM codes must cite {ICD10_SOURCE}")
    if row.snomed.source != SNOMED_SOURCE:
        raise ReferenceDataError(f"{where}: SNOMED CT codes must cite {SNOMED_SOURCE}")
    if not row.snomed.codes and not row.snomed.note:
        raise ReferenceDataError(f"{where}: say why there is no SNOMED CT code")
    _unique([c.code for c in row.icd10.codes], f"ICD-10-CM code of {row.id}")
    _unique([c.code for c in row.snomed.codes], f"SNOMED CT code of {row.id}")
    if any(sites[s].generic for s in row.sites) and not row.sites_note:
        raise ReferenceDataError(f"{where}: generic sites need a sites_note")
    require_sources(row.sources, where)


def _build(raw: _CatalogFile) -> Catalog:
    _unique([r.id for r in raw.regions], "region")
    _unique([s.id for s in raw.sites], "site")
    _unique([c.id for c in raw.conditions], "condition")
    regions = {r.id: r for r in raw.regions}
    sites = {s.id: s for s in raw.sites}
    for region in raw.regions:
        require_sources([region.source], f"{CATALOG_FILE}: region {region.id}")
    for site in raw.sites:
        if site.region not in regions:
            raise ReferenceDataError(
                f"{CATALOG_FILE}: site {site.id}: unknown region {site.region!r}"
            )
        if site.generic and not site.note:
            raise ReferenceDataError(
                f"{CATALOG_FILE}: site {site.id}: a generic site says why it is generic"
            )
        require_sources(site.sources, f"{CATALOG_FILE}: site {site.id}")
    instruments = set(raw.instrument_ids)
    condition_ids = {c.id for c in raw.conditions}
    conditions: dict[str, Condition] = {}
    for row in raw.conditions:
        _check_condition(row, regions, sites, instruments, condition_ids)
        conditions[row.id] = _condition_from(row, sites)
    for condition in conditions.values():
        for other in condition.alternatives:
            if condition.id not in conditions[other].alternatives:
                raise ReferenceDataError(
                    f"{CATALOG_FILE}: {condition.id} and {other} must name each other as alternatives"
                )
    return Catalog(
        version=raw.version,
        instrument_ids=list(raw.instrument_ids),
        regions=regions,
        conditions=conditions,
        sites=sites,
    )


def _condition_from(row: _ConditionRow, sites: dict[str, InjectionSite]) -> Condition:
    cited: list[str] = []
    site_sources = [src for s in row.sites for src in sites[s].sources]
    snomed_sources = [row.snomed.source] if row.snomed.codes else []
    for source in [*row.sources, row.icd10.source, *snomed_sources, *site_sources]:
        if source not in cited:
            cited.append(source)
    return Condition(
        id=row.id,
        name=row.name,
        region=row.region,
        clinic_text=row.clinic_text,
        reading=row.reading,
        ambiguity=row.ambiguity,
        alternatives=list(row.alternatives),
        requires_review=row.requires_review,
        review_reason=row.review_reason,
        icd10=[c.code for c in row.icd10.codes],
        icd10_codes=list(row.icd10.codes),
        icd10_source=row.icd10.source,
        icd10_note=row.icd10.note,
        snomed=[c.code for c in row.snomed.codes],
        snomed_codes=list(row.snomed.codes),
        snomed_source=row.snomed.source,
        snomed_note=row.snomed.note,
        instruments=list(row.instruments),
        instrument_choices=list(row.instrument_choices),
        sites=list(row.sites),
        sites_note=row.sites_note,
        sources=cited,
    )


def parse_catalog(raw: object) -> Catalog:
    """Validate a raw catalog value (as read from YAML) into a Catalog, or raise ReferenceDataError."""
    try:
        parsed = _CatalogFile.model_validate(raw)
    except ValidationError as exc:
        raise ReferenceDataError(
            f"reference table {CATALOG_FILE} is malformed: {exc}"
        ) from exc
    return _build(parsed)


@cache
def load_catalog() -> Catalog:
    """The catalog from `domain/data/catalog.yaml`, validated and cached."""
    return _build(load_model(CATALOG_FILE, _CatalogFile))
