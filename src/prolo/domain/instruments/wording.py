"""Item wording: shipped where free to use, loaded from the clinic's own file where licensed.

Prolo ships item identifiers and short neutral labels for every instrument, and wording only where
the reference table says it is free to use (`licence.wording_shipped`, today only the NRS). A clinic
that holds a licence loads its text from its own YAML or JSON file:

    instrument: womac          # must match
    language: en               # optional
    version: "LK 3.1"          # optional, the licensed version the text comes from
    licence: "licence no. ..." # optional, how the clinic holds the right to use it
    items:                     # every item id of the instrument, no others
      P1: "..."
      ...

`load_item_text(instrument_id, path)` reads and checks such a file; `parse_item_text` does the same
on an already parsed mapping. The text is never written into Prolo's own files (docs/adr/0006).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml

from prolo.domain.errors import InvalidInputError
from prolo.domain.instruments.base import get_instrument

_KNOWN_KEYS = frozenset({"instrument", "language", "version", "licence", "items"})


@dataclass(frozen=True)
class ItemWording:
    """The text of every item of one instrument, keyed by item id, in item order."""

    instrument: str
    items: Mapping[str, str]
    language: str | None = None
    version: str | None = None
    licence: str | None = None
    shipped: bool = False
    sources: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", MappingProxyType(dict(self.items)))


def _optional_text(raw: Mapping[str, object], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise InvalidInputError(f"{where}: {key} must be text", field=key)
    return str(value)


def parse_item_text(
    instrument_id: str, raw: object, where: str = "item text"
) -> ItemWording:
    """Check a parsed wording document against the instrument's item ids.

    InvalidInputError names the problem: wrong instrument, a missing or empty item, an unknown id.
    """
    instrument = get_instrument(instrument_id)
    if not isinstance(raw, Mapping):
        raise InvalidInputError(
            f"{where}: expected a mapping with `items`", field="items"
        )
    unknown_keys = sorted(str(k) for k in raw if k not in _KNOWN_KEYS)
    if unknown_keys:
        raise InvalidInputError(
            f"{where}: unknown key(s) {', '.join(unknown_keys)}", field=unknown_keys[0]
        )
    named = raw.get("instrument")
    if named != instrument.id:
        raise InvalidInputError(
            f"{where}: the file is for instrument {named!r}, not {instrument.id!r}",
            field="instrument",
        )
    items = raw.get("items")
    if not isinstance(items, Mapping):
        raise InvalidInputError(
            f"{where}: `items` must map each item id to its text", field="items"
        )
    expected = instrument.item_ids
    unknown = sorted(str(k) for k in items if k not in expected)
    if unknown:
        raise InvalidInputError(
            f"{where}: unknown item id(s) for {instrument.id}: {', '.join(unknown)}",
            field=f"items.{unknown[0]}",
        )
    texts: dict[str, str] = {}
    for item_id in expected:
        text = items.get(item_id)
        if not isinstance(text, str) or not text.strip():
            raise InvalidInputError(
                f"{where}: item {item_id} has no text (every item of {instrument.id} is needed)",
                field=f"items.{item_id}",
            )
        texts[item_id] = text.strip()
    return ItemWording(
        instrument=instrument.id,
        items=texts,
        language=_optional_text(raw, "language", where),
        version=_optional_text(raw, "version", where),
        licence=_optional_text(raw, "licence", where),
    )


def load_item_text(instrument_id: str, path: Path | str) -> ItemWording:
    """Read a clinic's wording file (YAML or JSON) and check it (InvalidInputError if unusable)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(
            f"cannot read item text file {file}: {exc.strerror or exc}", field="path"
        ) from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInputError(
            f"item text file {file} is not valid YAML or JSON: {exc}", field="path"
        ) from exc
    return parse_item_text(instrument_id, raw, where=str(file))


def shipped_item_text(instrument_id: str) -> ItemWording | None:
    """The wording Prolo ships for this instrument, or None where it is licensed or unverified."""
    definition = get_instrument(instrument_id).definition
    if not definition.licence.wording_shipped or not definition.item_text:
        return None
    sources: list[str] = []
    for entry in definition.item_text:
        sources.extend(s for s in entry.source if s not in sources)
    return ItemWording(
        instrument=definition.id,
        items={entry.item: entry.text for entry in definition.item_text},
        version=definition.instrument_version,
        shipped=True,
        sources=tuple(sources),
    )
