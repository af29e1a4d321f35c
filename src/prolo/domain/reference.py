"""Loading of the reference tables in `prolo/domain/data/`.

Every table is a versioned YAML file. Every row that carries a clinical fact names its `source`,
an id from the sources registry (`sources.yaml` plus any `sources-*.yaml`), which mirrors
`docs/clinical-sources.md`. Tables are read with `importlib.resources`, so they work from a wheel.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from prolo.domain.errors import ReferenceDataError

DATA_PACKAGE = "prolo.domain.data"

M = TypeVar("M", bound=BaseModel)


class Source(BaseModel):
    """A publication or document a reference fact comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    url: str | None = None
    note: str | None = None


def read_yaml(name: str) -> Any:
    """Parse `prolo/domain/data/<name>` and return the raw YAML value."""
    try:
        text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ReferenceDataError(f"reference table {name} is missing") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ReferenceDataError(
            f"reference table {name} is not valid YAML: {exc}"
        ) from exc


def load_model(name: str, model: type[M]) -> M:
    """Parse `prolo/domain/data/<name>` into the Pydantic `model`, or raise ReferenceDataError."""
    raw = read_yaml(name)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ReferenceDataError(f"reference table {name} is malformed: {exc}") from exc


@cache
def sources() -> dict[str, Source]:
    """All known sources by id, from `sources.yaml` and every `sources-*.yaml`."""
    found: dict[str, Source] = {}
    names = sorted(
        entry.name
        for entry in resources.files(DATA_PACKAGE).iterdir()
        if entry.name == "sources.yaml"
        or (entry.name.startswith("sources-") and entry.name.endswith(".yaml"))
    )
    for name in names:
        raw = read_yaml(name)
        rows = raw.get("sources", []) if isinstance(raw, dict) else []
        for row in rows:
            try:
                source = Source.model_validate(row)
            except ValidationError as exc:
                raise ReferenceDataError(
                    f"{name}: malformed source {row!r}: {exc}"
                ) from exc
            if source.id in found:
                raise ReferenceDataError(
                    f"{name}: source id {source.id} is defined twice"
                )
            found[source.id] = source
    return found


def require_sources(ids: list[str], where: str) -> None:
    """Raise ReferenceDataError unless every id in `ids` is a known source."""
    known = sources()
    missing = [i for i in ids if i not in known]
    if missing:
        raise ReferenceDataError(f"{where}: unknown source id(s) {', '.join(missing)}")
