"""Which language a request is served in.

Order of precedence: the `?lang=` query parameter (the language switch), then the `prolo_lang`
cookie (the switch remembered), then the browser's Accept-Language header (RFC 9110 section
12.5.4, with q-values), then English.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from prolo.web.i18n.catalogs import DEFAULT_LANGUAGE, LANGUAGES, Lang

LANG_QUERY_PARAM: Final = "lang"
LANG_COOKIE: Final = "prolo_lang"
LANG_COOKIE_MAX_AGE_S: Final = 365 * 24 * 3600  # a year: a preference, not a session


def _as_language(value: str | None) -> Lang | None:
    for lang in LANGUAGES:
        if value == lang:
            return lang
    return None


def _parse_q(raw: str) -> float | None:
    """An RFC 9110 qvalue (0 to 1, at most three decimals), or None when malformed."""
    try:
        q = float(raw)
    except ValueError:
        return None
    return q if 0.0 <= q <= 1.0 else None  # NaN fails the comparison too


def parse_accept_language(header: str) -> list[tuple[str, float]]:
    """The language ranges of an Accept-Language header with their weights, best first.

    Malformed entries are skipped rather than rejected: a browser's odd header must not
    break a page. Ties keep the header's order.
    """
    ranges: list[tuple[int, str, float]] = []
    for position, item in enumerate(header.split(",")):
        parts = [part.strip() for part in item.split(";")]
        tag = parts[0].lower()
        if not tag:
            continue
        q: float | None = 1.0
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                q = _parse_q(value.strip())
        if q is None:
            continue
        ranges.append((position, tag, q))
    ranges.sort(key=lambda item: (-item[2], item[0]))
    return [(tag, q) for _, tag, q in ranges]


def negotiate_language(header: str | None) -> Lang:
    """The supported language the Accept-Language header prefers most, else the default."""
    if not header:
        return DEFAULT_LANGUAGE
    for tag, q in parse_accept_language(header):
        if q <= 0:
            continue
        if tag == "*":
            return DEFAULT_LANGUAGE
        lang = _as_language(tag.split("-", 1)[0])
        if lang is not None:
            return lang
    return DEFAULT_LANGUAGE


def switched_language(request: Request) -> Lang | None:
    """The language chosen with the switch on this request (`?lang=`), if any and supported."""
    return _as_language(request.query_params.get(LANG_QUERY_PARAM))


def request_language(request: Request) -> Lang:
    """The language to serve `request` in (usable as a FastAPI dependency)."""
    return (
        switched_language(request)
        or _as_language(request.cookies.get(LANG_COOKIE))
        or negotiate_language(request.headers.get("accept-language"))
    )


def remember_language(request: Request, response: Response, *, secure: bool) -> None:
    """Persist a language picked with the switch in a cookie, so later pages keep it."""
    chosen = switched_language(request)
    if chosen is None or request.cookies.get(LANG_COOKIE) == chosen:
        return
    response.set_cookie(
        LANG_COOKIE,
        chosen,
        max_age=LANG_COOKIE_MAX_AGE_S,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )
