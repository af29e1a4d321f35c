"""English and Turkish for the web pages: catalogs, Accept-Language negotiation, Jinja2 `t()`."""

from prolo.web.i18n.catalogs import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    CatalogError,
    Lang,
    MissingTranslationError,
    catalog,
    is_language,
    placeholders,
    translate,
)
from prolo.web.i18n.jinja import install_translations
from prolo.web.i18n.negotiation import (
    LANG_COOKIE,
    LANG_QUERY_PARAM,
    negotiate_language,
    parse_accept_language,
    remember_language,
    request_language,
    switched_language,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANG_COOKIE",
    "LANG_QUERY_PARAM",
    "CatalogError",
    "Lang",
    "MissingTranslationError",
    "catalog",
    "install_translations",
    "is_language",
    "negotiate_language",
    "parse_accept_language",
    "placeholders",
    "remember_language",
    "request_language",
    "switched_language",
    "translate",
]
