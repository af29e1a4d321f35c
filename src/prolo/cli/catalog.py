"""`prolo catalog`: the regions and conditions the clinic treats, with codes, instruments and sites."""

from __future__ import annotations

from typing import Any

import typer

from prolo.cli.output import (
    FormatOption,
    OutputFormat,
    bad_input_exits,
    emit,
    print_table,
)
from prolo.domain.catalog import Catalog, Condition, load_catalog


def condition_json(condition: Condition) -> dict[str, Any]:
    """The stable JSON shape of one condition (`prolo catalog --format json` prints a list of these)."""
    return {
        "id": condition.id,
        "name": condition.name,
        "region": condition.region,
        "icd10": list(condition.icd10),
        "snomed": list(condition.snomed),
        "instruments": list(condition.instruments),
        "instrument_choices": list(condition.instrument_choices),
        "sites": list(condition.sites),
        "requires_review": condition.requires_review,
        "review_reason": condition.review_reason,
        "ambiguity": condition.ambiguity,
        "alternatives": list(condition.alternatives),
        "clinic_text": condition.clinic_text,
        "reading": condition.reading,
        "icd10_codes": [c.model_dump(mode="json") for c in condition.icd10_codes],
        "icd10_source": condition.icd10_source,
        "snomed_codes": [c.model_dump(mode="json") for c in condition.snomed_codes],
        "snomed_source": condition.snomed_source,
        "sources": list(condition.sources),
    }


def _render(conditions: list[Condition]) -> None:
    rows = []
    for c in conditions:
        snomed = ", ".join(
            s.code + ("" if s.confidence == "corroborated" else " (unverified)")
            for s in c.snomed_codes
        )
        instruments = ", ".join(c.instruments)
        if c.instrument_choices:
            instruments += " + one of " + "/".join(c.instrument_choices)
        review = "yes" if c.requires_review else ""
        if c.ambiguity:
            review = (review + " ambiguous").strip()
        rows.append(
            [
                c.id,
                c.name,
                c.region,
                ", ".join(c.icd10),
                snomed or "-",
                instruments,
                review,
            ]
        )
    print_table(
        "Prolo catalog (ICD-10-CM FY2026 [S50]; SNOMED CT [S51])",
        [
            "id",
            "condition",
            "region",
            "ICD-10-CM",
            "SNOMED CT",
            "instruments",
            "review",
        ],
        rows,
    )


def markdown_table(catalog: Catalog, conditions: list[Condition]) -> str:
    """The catalog as the Markdown table of docs/catalog.md (generic sites in italics)."""
    lines = [
        "| id | condition | region | ICD-10-CM (FY2026, S50) | SNOMED CT (S51) "
        "| instruments | injection sites | review |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in conditions:
        snomed = ", ".join(
            s.code + ("" if s.confidence == "corroborated" else " (unverified)")
            for s in c.snomed_codes
        )
        instruments = ", ".join(c.instruments)
        if c.instrument_choices:
            instruments += " + one of " + "/".join(c.instrument_choices)
        sites = ", ".join(f"*{s}*" if catalog.sites[s].generic else s for s in c.sites)
        review = "yes" if c.requires_review else ""
        lines.append(
            f"| `{c.id}` | {c.name} | {c.region} | {', '.join(c.icd10)} "
            f"| {snomed or 'none listed'} | {instruments} | {sites} | {review} |"
        )
    return "\n".join(lines) + "\n"


def catalog_command(
    region: str | None = typer.Option(
        None,
        "--region",
        help="Only the conditions of this region id (e.g. knee, back).",
    ),
    markdown: bool = typer.Option(
        False, "--markdown", help="Print the Markdown table of docs/catalog.md instead."
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """List every condition the clinic treats: region, ICD-10-CM and SNOMED CT codes, instruments, sites."""
    with bad_input_exits():
        catalog = load_catalog()
        if region is None:
            conditions = list(catalog.conditions.values())
        else:
            conditions = catalog.conditions_in(region)
    if markdown:
        typer.echo(markdown_table(catalog, conditions), nl=False)
        return
    emit(
        fmt,
        [condition_json(c) for c in conditions],
        lambda: _render(conditions),
    )


def register(app: typer.Typer) -> None:
    app.command("catalog")(catalog_command)
