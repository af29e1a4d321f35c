"""English and Turkish: catalog parity, Accept-Language negotiation and the language switch."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prolo.web.contexts import WebRole
from prolo.web.i18n import (
    LANG_COOKIE,
    LANGUAGES,
    MissingTranslationError,
    catalog,
    negotiate_language,
    parse_accept_language,
    placeholders,
    translate,
)
from prolo.web.routes.education import PARTS
from prolo.web.shell import NAV

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "prolo" / "web" / "templates"
T_CALL = re.compile(r"""\bt\(\s*['"]([^'"]+)['"]""")


def template_keys() -> set[str]:
    keys: set[str] = set()
    for path in TEMPLATES.rglob("*.html"):
        keys |= set(T_CALL.findall(path.read_text(encoding="utf-8")))
    return keys


def code_keys() -> set[str]:
    """Keys the Python side hands to templates (nav labels, role labels, guide titles)."""
    keys = {key for links in NAV.values() for key, _ in links}
    keys |= {f"role.{role}" for role in WebRole.__args__}  # type: ignore[attr-defined]
    keys |= {part.title_key for part in PARTS}
    keys.add("language.name")
    return keys


class TestCatalogs:
    def test_both_catalogs_hold_the_same_keys(self):
        en, tr = set(catalog("en")), set(catalog("tr"))
        assert sorted(en - tr) == [], "missing in tr.yaml"
        assert sorted(tr - en) == [], "missing in en.yaml"

    def test_every_message_has_the_same_placeholders_in_both_languages(self):
        differing = {
            key: (placeholders(text), placeholders(catalog("tr")[key]))
            for key, text in catalog("en").items()
            if placeholders(text) != placeholders(catalog("tr")[key])
        }
        assert differing == {}

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_no_message_is_empty(self, lang):
        assert [key for key, text in catalog(lang).items() if not text.strip()] == []

    def test_turkish_text_is_written_not_copied_from_english(self):
        same = [
            key
            for key, text in catalog("en").items()
            if text == catalog("tr")[key] and key not in {"site.name"}
        ]
        assert same == []

    def test_every_key_a_template_uses_exists(self):
        keys = template_keys()
        assert len(keys) > 50  # the scan finds the templates' t() calls
        for lang in LANGUAGES:
            assert sorted(keys - set(catalog(lang))) == [], lang

    def test_every_key_the_code_hands_to_templates_exists(self):
        for lang in LANGUAGES:
            assert sorted(code_keys() - set(catalog(lang))) == [], lang

    def test_every_message_is_used(self):
        used = template_keys() | code_keys()
        assert sorted(set(catalog("en")) - used) == []


class TestTranslate:
    def test_fills_placeholders(self):
        assert translate("error.code", "tr", status=404) == "Hata 404"
        assert translate("site.signed_in_as", "en", name="Ada") == "Signed in as Ada"

    def test_an_unknown_key_raises(self):
        with pytest.raises(MissingTranslationError, match=r"no\.such\.key"):
            translate("no.such.key", "en")

    def test_a_missing_placeholder_raises(self):
        with pytest.raises(MissingTranslationError, match="status"):
            translate("error.code", "en")


class TestNegotiation:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("tr-TR,tr;q=0.9,en-US;q=0.8,en;q=0.7", "tr"),
            ("en-US,en;q=0.9,tr;q=0.8", "en"),
            ("de-DE,de;q=0.9", "en"),
            ("de-DE, tr;q=0.5", "tr"),
            ("en;q=0.5, tr;q=0.8", "tr"),
            ("tr;q=0, en", "en"),
            ("TR", "tr"),
            ("*", "en"),
            ("", "en"),
            (None, "en"),
            ("tr;q=abc, en;q=0.1", "en"),
            ("tr;q=2, en;q=0.1", "en"),
            (";;,,", "en"),
        ],
    )
    def test_picks_the_preferred_supported_language(self, header, expected):
        assert negotiate_language(header) == expected

    def test_parse_orders_by_weight_and_keeps_header_order_on_ties(self):
        assert parse_accept_language("fr;q=0.5, tr, de;q=0.5, en") == [
            ("tr", 1.0),
            ("en", 1.0),
            ("fr", 0.5),
            ("de", 0.5),
        ]

    @given(st.text())
    def test_any_header_gives_a_supported_language(self, header):
        assert negotiate_language(header) in LANGUAGES

    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["en", "tr", "de", "fr", "en-US", "tr-TR", "ar"]),
                st.integers(min_value=0, max_value=1000),
            ),
            max_size=6,
        )
    )
    def test_the_highest_weighted_supported_language_wins(self, entries):
        header = ", ".join(f"{tag};q={q / 1000:.3f}" for tag, q in entries)
        supported = [
            (q, -i, tag.split("-")[0])
            for i, (tag, q) in enumerate(entries)
            if tag.split("-")[0] in LANGUAGES and q > 0
        ]
        expected = max(supported)[2] if supported else "en"
        assert negotiate_language(header) == expected


class TestLanguageOfAPage:
    PAGE = "/learn/what-is-prolotherapy"

    def test_accept_language_turkish_serves_turkish(self, http):
        response = http.get(
            self.PAGE, headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"}
        )
        assert response.status_code == 200
        assert response.headers["content-language"] == "tr"
        assert '<html lang="tr">' in response.text
        assert "Proloterapi nedir?" in response.text
        assert LANG_COOKIE not in response.cookies  # negotiated, nothing to remember

    def test_no_accept_language_serves_english(self, http):
        response = http.get(self.PAGE)
        assert '<html lang="en">' in response.text
        assert "What is prolotherapy?" in response.text

    def test_the_switch_overrides_accept_language_and_persists(self, http):
        switched = http.get(f"{self.PAGE}?lang=en", headers={"Accept-Language": "tr"})
        assert '<html lang="en">' in switched.text
        cookie = switched.headers["set-cookie"]
        assert cookie.startswith(f"{LANG_COOKIE}=en;")
        assert "HttpOnly" in cookie
        assert "Path=/" in cookie
        assert "samesite=lax" in cookie.lower()
        # The next page, without ?lang=, keeps the choice (httpx.Client keeps the cookie).
        later = http.get("/login", headers={"Accept-Language": "tr"})
        assert '<html lang="en">' in later.text
        assert "set-cookie" not in later.headers

    def test_switching_back_replaces_the_cookie(self, http):
        http.get(f"{self.PAGE}?lang=tr")
        assert http.cookies[LANG_COOKIE] == "tr"
        http.get(f"{self.PAGE}?lang=en")
        assert http.cookies[LANG_COOKIE] == "en"
        assert '<html lang="en">' in http.get("/login").text

    def test_an_unsupported_language_is_ignored(self, http):
        response = http.get(f"{self.PAGE}?lang=xx", headers={"Accept-Language": "tr"})
        assert '<html lang="tr">' in response.text
        assert "set-cookie" not in response.headers

    def test_the_switch_links_keep_the_page_and_its_query(self, http):
        response = http.get("/login?next=%2Fportal&lang=tr")
        assert 'href="/login?next=%2Fportal&amp;lang=en"' in response.text
        assert 'href="/login?next=%2Fportal&amp;lang=tr"' in response.text
        assert 'aria-current="true">Türkçe</a>' in response.text
