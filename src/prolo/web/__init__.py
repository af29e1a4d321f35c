"""prolo.web: the server-rendered pages (Jinja2 + htmx), their static files and error pages.

The composition root (prolo.main) wires it in:

    app.include_router(build_web_router())
    app.mount(STATIC_URL_PREFIX, static_files(), name=STATIC_ROUTE_NAME)

and routes HTML errors to `html_http_error_handler` / `html_server_error_handler`.
See docs/web.md.
"""

from prolo.web.assets import STATIC_ROUTE_NAME, STATIC_URL_PREFIX, static_files
from prolo.web.errors import (
    error_page,
    html_http_error_handler,
    html_server_error_handler,
)
from prolo.web.i18n.catalogs import LANGUAGES, catalog
from prolo.web.rendering import load_templates
from prolo.web.routes import build_web_router

__all__ = [
    "STATIC_ROUTE_NAME",
    "STATIC_URL_PREFIX",
    "build_web_router",
    "error_page",
    "html_http_error_handler",
    "html_server_error_handler",
    "static_files",
    "warm_up_pages",
]


def warm_up_pages() -> None:
    """Compile the page templates and read the translations of every language now, instead of
    in the first page request of a process (together about 0.5 s of CPU)."""
    load_templates()
    for lang in LANGUAGES:
        catalog(lang)
