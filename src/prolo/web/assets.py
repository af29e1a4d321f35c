"""The static files served under /static: the stylesheet, images, vendored htmx and fonts.

Nothing is loaded from a CDN: the pages work with no internet. `static_url()` appends a short
content hash, so a browser never keeps a stale stylesheet after an upgrade.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Final

from starlette.staticfiles import StaticFiles

STATIC_DIR: Final = Path(__file__).parent / "static"
STATIC_URL_PREFIX: Final = "/static"
STATIC_ROUTE_NAME: Final = "static"


def static_files() -> StaticFiles:
    """The ASGI app to mount at STATIC_URL_PREFIX (`app.mount(STATIC_URL_PREFIX, static_files())`)."""
    return StaticFiles(directory=STATIC_DIR)


@cache
def static_url(path: str) -> str:
    """The URL of a file under static/, with `?v=` and the first 10 hex digits of its SHA-256."""
    file = (STATIC_DIR / path).resolve()
    if not file.is_relative_to(STATIC_DIR.resolve()) or not file.is_file():
        raise FileNotFoundError(f"no static file {path!r} in {STATIC_DIR}")
    digest = hashlib.sha256(file.read_bytes()).hexdigest()[:10]
    return f"{STATIC_URL_PREFIX}/{path}?v={digest}"
