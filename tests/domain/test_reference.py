"""The reference tables: every clinical fact names a known source, and the loader fails loudly."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from prolo.domain.errors import ReferenceDataError
from prolo.domain.reference import load_model, read_yaml, require_sources, sources


def _yaml_files() -> list[str]:
    root = resources.files("prolo.domain.data")
    found: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        for entry in node.iterdir():
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            elif entry.name.endswith((".yaml", ".yml")):
                found.append(f"{prefix}{entry.name}")

    walk(root, "")
    return sorted(found)


def _source_refs(value: Any) -> list[str]:
    refs: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("source", "sources", "source_ids", "source_id"):
                if isinstance(item, str):
                    refs.append(item)
                elif isinstance(item, list):
                    refs.extend(x for x in item if isinstance(x, str))
            else:
                refs.extend(_source_refs(item))
    elif isinstance(value, list):
        for item in value:
            refs.extend(_source_refs(item))
    return refs


class TestSourcesRegistry:
    def test_registry_holds_the_clinical_reference_and_the_clinic_text(self) -> None:
        known = sources()
        assert {f"S{n}" for n in range(1, 59)} <= set(known)
        assert "CLINIC" in known

    @pytest.mark.parametrize(
        "name", [n for n in _yaml_files() if not n.startswith("sources")]
    )
    def test_every_source_named_in_a_table_exists(self, name: str) -> None:
        refs = _source_refs(read_yaml(name))
        unknown = sorted({r for r in refs if r not in sources()})
        assert unknown == [], f"{name} cites unknown sources {unknown}"

    def test_require_sources_names_the_missing_id(self) -> None:
        with pytest.raises(ReferenceDataError, match="NOPE-1"):
            require_sources(["S1", "NOPE-1"], "test")


class TestLoader:
    def test_missing_table_is_a_reference_data_error(self) -> None:
        with pytest.raises(ReferenceDataError, match="missing"):
            read_yaml("does-not-exist.yaml")

    def test_malformed_table_is_a_reference_data_error(self) -> None:
        class Strict(BaseModel):
            model_config = {"extra": "forbid"}
            nothing: int

        with pytest.raises(ReferenceDataError, match="malformed"):
            load_model("sources.yaml", Strict)

    def test_tables_are_valid_yaml_with_a_version(self) -> None:
        for name in _yaml_files():
            raw = yaml.safe_load(
                resources.files("prolo.domain.data")
                .joinpath(name)
                .read_text(encoding="utf-8")
            )
            assert isinstance(raw, dict), name
            assert "version" in raw, f"{name} has no version"
