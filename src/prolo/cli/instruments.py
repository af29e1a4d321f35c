"""`prolo score` and `prolo instruments`: score one questionnaire, list the instruments.

Contract (scripts depend on it):

    prolo score INSTRUMENT --answers "v1,v2,...,vn" [--format json]

Answers in the instrument's item order, each the scored value printed on the form (HIT-6: the
option number 1-5 from never to always); an empty field is a missing item. JSON: `instrument`,
`score`, `subscales`, `min`, `max`, `higher_is_better`, `missing`, `valid`, `withheld_reason`
(+ `raw` for NDI). A wrong count or an out-of-range value exits 2 naming the item.
"""

from __future__ import annotations

import typer

from prolo.cli.output import (
    FormatOption,
    OutputFormat,
    bad_input_exits,
    emit,
    print_table,
)
from prolo.domain.errors import InvalidInputError
from prolo.domain.instruments import (
    Instrument,
    ScoreResult,
    all_instruments,
    get_instrument,
)


def parse_answers(text: str, instrument: Instrument) -> list[float | None]:
    """Split `--answers` into values; an empty field is a missing item (None)."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != len(instrument.items):
        instrument.check_answers([None] * len(parts))  # raises the count error
    values: list[float | None] = []
    for index, part in enumerate(parts):
        if part == "":
            values.append(None)
            continue
        try:
            values.append(float(part))
        except ValueError:
            where = instrument.describe_item(index)
            raise InvalidInputError(
                f"{where}: {part!r} is not a number", field=where
            ) from None
    return values


def _people(value: float | None) -> str:
    """Rounded for reading; JSON keeps the exact value."""
    if value is None:
        return "-"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _render_score(instrument: Instrument, result: ScoreResult) -> None:
    lo, hi = result.min, result.max
    direction = "higher is better" if result.higher_is_better else "lower is better"
    rows: list[list[object]] = []
    if instrument.definition.has_total:
        rows.append(["score", _people(result.score), f"{_people(lo)}-{_people(hi)}"])
    for name in instrument.subscale_names:
        sub_lo, sub_hi = instrument.scale_range(name)
        rows.append(
            [
                name,
                _people(result.subscales[name]),
                f"{_people(sub_lo)}-{_people(sub_hi)}",
            ]
        )
    for name, value in result.extra.items():
        extra_lo, extra_hi = instrument.scale_range(name)
        rows.append([name, _people(value), f"{_people(extra_lo)}-{_people(extra_hi)}"])
    print_table(
        f"{instrument.name} ({direction}; {result.missing} missing"
        + ("" if result.valid else "; partly withheld")
        + ")",
        ["scale", "value", "range"],
        rows,
    )
    if result.withheld_reason:
        typer.echo(f"withheld: {result.withheld_reason}")


def score_command(
    instrument: str = typer.Argument(
        ...,
        help="Instrument id: nrs, odi, ndi, quickdash, womac, koos, bctq, prtee, ffi, hit6, fiqr.",
    ),
    answers: str = typer.Option(
        ...,
        "--answers",
        help="Comma-separated answers in item order, as printed on the form; empty = missing.",
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Score one completed questionnaire exactly as the instrument is published."""
    with bad_input_exits():
        found = get_instrument(instrument)
        result = found.score(parse_answers(answers, found))
    emit(fmt, result.to_dict(), lambda: _render_score(found, result))


def describe(instrument: Instrument) -> dict[str, object]:
    """The `prolo instruments --format json` entry of one instrument."""
    d = instrument.definition
    return {
        "id": d.id,
        "name": d.name,
        "version": d.instrument_version,
        "items": list(instrument.item_ids),
        "subscales": [
            {"name": s.name, "label": s.label, "min": s.min, "max": s.max}
            for s in d.subscales
        ],
        "has_total": d.has_total,
        "min": d.min,
        "max": d.max,
        "higher_is_better": d.higher_is_better,
        "outcome_scale": d.outcome_scale,
        "scoring": d.scoring.formula,
        "missing_rules": [
            {
                "scale": r.scale,
                "min_answered": r.min_answered,
                "basis": r.basis,
                "note": r.note,
                "source": list(r.source),
            }
            for r in d.missing
        ],
        "mcids": [
            {
                "scale": m.scale,
                "kind": m.kind,
                "value": m.value,
                "tier": m.tier,
                "primary": m.primary,
                "context": m.context,
                "source": list(m.source),
            }
            for m in d.mcids
        ],
        "loinc": None
        if d.loinc is None
        else {
            "code": d.loinc.code,
            "display": d.loinc.display,
            "status": d.loinc.status,
        },
        "licence": {
            "status": d.licence.status,
            "holder": d.licence.holder,
            "wording_shipped": d.licence.wording_shipped,
        },
        "source": list(d.source),
    }


def _render_list(instruments: tuple[Instrument, ...]) -> None:
    rows: list[list[object]] = []
    for instrument in instruments:
        d = instrument.definition
        scales = ", ".join(instrument.subscale_names) or "-"
        primary = [m for m in d.mcids if m.primary and m.tier == "mcid"]
        mcid = "; ".join(
            f"{m.scale} {m.value:g}{'%' if m.kind == 'percent' else ''}"
            for m in primary
        )
        rows.append(
            [
                d.id,
                d.name,
                len(d.items),
                f"{_people(d.min)}-{_people(d.max)}",
                "higher" if d.higher_is_better else "lower",
                scales,
                mcid or "-",
                d.licence.status,
            ]
        )
    print_table(
        "Outcome instruments",
        ["id", "name", "items", "range", "better", "subscales", "MCID", "licence"],
        rows,
    )


def instruments_command(fmt: OutputFormat = FormatOption) -> None:
    """List the outcome instruments: items, range, direction, MCIDs, LOINC and licence."""
    with bad_input_exits():
        found = all_instruments()
    emit(fmt, [describe(i) for i in found], lambda: _render_list(found))


def register(app: typer.Typer) -> None:
    app.command("score")(score_command)
    app.command("instruments")(instruments_command)
