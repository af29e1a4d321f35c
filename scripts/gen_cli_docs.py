"""Regenerate docs/cli.md from the Typer app, or with --check fail when it is stale."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "cli.md"


def generate() -> str:
    typer_bin = Path(sys.executable).with_name("typer")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cli.md"
        subprocess.run(
            [str(typer_bin), "prolo.cli", "utils", "docs", "--name", "prolo", "--title", "prolo CLI reference", "--output", str(out)],
            check=True,
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"},
        )
        return out.read_text(encoding="utf-8")


def main() -> int:
    text = generate()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print("docs/cli.md is stale: run `make docs` and commit it", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
