"""Where a page may send the browser next: only to a path on this site (no open redirect)."""

from __future__ import annotations

from urllib.parse import urlsplit


def local_path(raw: str | None, default: str = "/") -> str:
    """`raw` when it is a path on this site (`/portal?x=1`), else `default`.

    Refused: absolute URLs, scheme-relative `//host`, backslashes (browsers read `/\\host` as
    `//host`), control characters and anything not starting with a single `/`.
    """
    if not raw or not raw.startswith("/") or raw.startswith("//"):
        return default
    if "\\" in raw or any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        return default
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return default
    return raw
