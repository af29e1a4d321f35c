"""The public surfaces are explicit: each package's __all__ lists exactly what it exports."""

from __future__ import annotations

import importlib
import types

import pytest


@pytest.mark.parametrize(
    "package", ["prolo.domain", "prolo.domain.instruments", "prolo.scheduling"]
)
def test_all_lists_exactly_the_public_names(package: str) -> None:
    module = importlib.import_module(package)
    exported = set(module.__all__)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert exported == public
    for name in exported:
        assert getattr(module, name) is not None
