"""`prolo protocol`: the clinic's injection protocol templates and the session rules."""

from __future__ import annotations

from typing import Any

import typer

from prolo.cli.output import (
    FormatOption,
    OutputFormat,
    bad_input_exits,
    console,
    emit,
    print_table,
)
from prolo.domain.catalog import load_catalog
from prolo.domain.protocol import (
    ProtocolTemplate,
    Range,
    load_protocol_templates,
    load_session_rules,
)

protocol_app = typer.Typer(
    help="Injection protocol templates (per condition, as published) and the session rules.",
    no_args_is_help=True,
)


def _range(value: Range | None) -> str:
    if value is None:
        return "-"
    low, high = f"{value.min:g}", f"{value.max:g}"
    return low if low == high else f"{low}-{high}"


def _summary(template: ProtocolTemplate) -> dict[str, Any]:
    return {
        "id": template.id,
        "condition": template.condition,
        "title": template.title,
        "sources": list(template.sources),
        "guidance": template.guidance.value,
        "sites": template.sites,
        "sessions": template.sessions.model_dump(mode="json"),
    }


@protocol_app.command("list")
def list_command(
    condition: str | None = typer.Option(
        None, "--condition", help="Only the templates of this catalog condition id."
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """List the injection protocol templates (one per published protocol)."""
    with bad_input_exits():
        templates = load_protocol_templates()
        if condition is None:
            chosen = list(templates.templates)
        else:
            load_catalog().condition(condition)
            chosen = templates.for_condition(condition)
    rows = [
        [
            t.id,
            t.condition,
            t.title,
            ", ".join(t.sources),
            t.guidance.value,
            t.sessions.as_reported,
        ]
        for t in chosen
    ]
    emit(
        fmt,
        [_summary(t) for t in chosen],
        lambda: print_table(
            "Injection protocol templates (as reported)",
            ["id", "condition", "protocol", "sources", "guidance", "sessions"],
            rows,
        ),
    )


def _render_show(name: str, chosen: list[ProtocolTemplate], note: str | None) -> None:
    out = console()
    if not chosen:
        out.print(f"{name}: no published protocol. {note or ''}".strip())
        return
    for t in chosen:
        out.print(
            f"[bold]{t.title}[/bold]  ({t.id}; sources {', '.join(t.sources)}; "
            f"guidance {t.guidance.value})"
        )
        print_table(
            None,
            [
                "site",
                "solution",
                "dextrose %",
                "points",
                "mL/point",
                "total mL",
                "anaesthetic",
            ],
            [
                [
                    line.site,
                    line.solution or "not reported",
                    _range(line.concentration_percent)
                    + (
                        " (derived)"
                        if line.concentration_basis.value == "derived"
                        else ""
                    ),
                    _range(line.points),
                    _range(line.volume_ml_per_point),
                    _range(line.total_volume_ml),
                    line.anaesthetic or "-",
                ]
                for line in t.lines
            ],
        )
        out.print(f"Sessions: {t.sessions.as_reported}")
        if t.evidence_note:
            out.print(f"Note: {t.evidence_note}")
        out.print()


@protocol_app.command("show")
def show_command(
    condition: str = typer.Argument(
        ..., help="A catalog condition id, e.g. knee_osteoarthritis."
    ),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Show the full templates of one condition (or say that none is published)."""
    with bad_input_exits():
        found = load_catalog().condition(condition)
        templates = load_protocol_templates()
        chosen = templates.for_condition(condition)
    note = None if chosen else templates.conditions_without_published_protocol.note
    data = {
        "condition": found.id,
        "name": found.name,
        "templates": [t.model_dump(mode="json") for t in chosen],
        "note": note,
    }
    emit(fmt, data, lambda: _render_show(found.name, chosen, note))


@protocol_app.command("rules")
def rules_command(fmt: OutputFormat = FormatOption) -> None:
    """Show the session rules: procedure limit, rest window, anaesthesia step, adverse-event kinds."""
    with bad_input_exits():
        rules = load_session_rules()
    rows = [
        [
            "procedure (preparation to end of injections)",
            f"flagged over {rules.procedure.max_minutes} min",
            rules.procedure.source,
        ],
        [
            "rest before discharge",
            f"refused under {rules.rest.min_minutes} min without an override",
            rules.rest.source,
        ],
        ["rest length", f"noted over {rules.rest.max_minutes} min", rules.rest.source],
        [
            "heat packs during rest",
            "expected" if rules.rest.heat_packs else "not required",
            rules.rest.source,
        ],
        [
            "local anaesthesia before injections",
            "required" if rules.local_anaesthesia.required else "optional",
            rules.local_anaesthesia.source,
        ],
    ] + [
        [f"adverse event: {k.name}", k.id, ", ".join(k.sources)]
        for k in rules.adverse_event_kinds
    ]
    emit(
        fmt,
        rules.model_dump(mode="json"),
        lambda: print_table("Session rules", ["rule", "value", "source"], rows),
    )


def register(app: typer.Typer) -> None:
    app.add_typer(protocol_app, name="protocol")
