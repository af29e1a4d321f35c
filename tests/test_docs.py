"""Docs are code: settings, CLI commands and sources must be documented, and generated pages current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from prolo.settings import DEVELOPMENT_SECRET, Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [
        f"PROLO_{name.upper()}"
        for name in Settings.model_fields
        if f"PROLO_{name.upper()}" not in text
    ]
    assert missing == []


@pytest.mark.parametrize("script", ["gen_cli_docs.py", "gen_sources_doc.py"])
def test_generated_docs_are_current(script: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_every_adr_has_status_and_date() -> None:
    adrs = sorted((ROOT / "docs" / "adr").glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert adrs, "no ADRs"
    for adr in adrs:
        text = adr.read_text(encoding="utf-8")
        assert "Status:" in text, adr.name
        assert "Date:" in text, adr.name
        for heading in (
            "## Context",
            "## Decision",
            "## Consequences",
            "## Alternatives",
        ):
            assert heading in text, f"{adr.name} lacks {heading}"


def test_production_refuses_the_placeholder_secret() -> None:
    with pytest.raises(ValueError, match="PROLO_SECRET_KEY"):
        Settings(environment="production", secret_key=DEVELOPMENT_SECRET)
    assert (
        Settings(environment="production", secret_key="x" * 40).secret_key == "x" * 40
    )
