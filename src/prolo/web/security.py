"""The Content-Security-Policy the web pages are written for and tested against.

No inline scripts, no inline styles, no eval, nothing from another origin: htmx's own indicator
styles and eval are switched off in base.html's `htmx-config`. The composition root sends this
header on HTML responses; tests/web/test_browser.py loads every page under it and fails on any
violation the browser reports.
"""

from __future__ import annotations

from typing import Final

CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    )
)
