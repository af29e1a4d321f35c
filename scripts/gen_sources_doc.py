"""Regenerate docs/clinical-sources.md from the sources registry, or with --check fail when it is stale."""

from __future__ import annotations

import sys
from pathlib import Path

from prolo.domain.reference import sources

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "clinical-sources.md"


def render() -> str:
    lines = [
        "# Clinical sources",
        "",
        "Every clinical fact in `src/prolo/domain/data/` names one of these ids in its `source` field.",
        "This page is generated from `sources*.yaml` by `make docs`; CI fails when it is stale.",
        "",
        "| id | source | link | note |",
        "|---|---|---|---|",
    ]
    for source in sorted(sources().values(), key=lambda s: (s.id.split("-")[0].rstrip("0123456789"), _num(s.id), s.id)):
        note = (source.note or "").replace("|", "\\|")
        title = source.title.replace("|", "\\|")
        link = f"<{source.url}>" if source.url else ""
        lines.append(f"| {source.id} | {title} | {link} | {note} |")
    return "\n".join(lines) + "\n"


def _num(source_id: str) -> int:
    digits = "".join(ch for ch in source_id.split("-")[0] if ch.isdigit())
    return int(digits) if digits else 0


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print("docs/clinical-sources.md is stale: run `make docs` and commit it", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
