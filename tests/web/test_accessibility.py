"""Accessibility basics on every page, both languages: labels, landmarks, headings, skip link."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from prolo.web.assets import STATIC_DIR
from prolo.web.contexts import CONTRACTS
from prolo.web.i18n import LANGUAGES
from prolo.web.rendering import render

from .samples import SAMPLES, make_request

PAGES = [
    "/learn/what-is-prolotherapy",
    "/learn/what-to-expect",
    "/learn/your-course",
    "/login",
    "/missing",
]


class Page(HTMLParser):
    """Collects what the checks below need from one HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open_labels = 0
        self.fields_in_labels: list[dict[str, str | None]] = []
        self.html_lang: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.label_for.add(a["for"] or "")
        if tag in {"input", "select", "textarea"} and a.get("type") not in {
            "hidden",
            "submit",
            "button",
        }:
            self.fields.append(a)
            if self.open_labels:
                self.fields_in_labels.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.open_labels -= 1

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def rendered_pages():
    """Every registered page template rendered in every language (forms with errors included)."""
    for template, cls in sorted(CONTRACTS.items()):
        for lang in LANGUAGES:
            html = render(make_request(), template, SAMPLES[cls](lang)).body.decode()
            yield pytest.param(html, lang, id=f"{template}-{lang}")


@pytest.mark.parametrize(("html", "lang"), list(rendered_pages()))
class TestEveryPage:
    def test_every_form_field_has_a_label(self, html, lang):
        page = Page(html)
        for field in page.fields:
            labelled = (
                field.get("id") in page.label_for
                or field in page.fields_in_labels
                or field.get("aria-label")
                or field.get("aria-labelledby")
            )
            assert labelled, f"unlabelled field {field}"

    def test_the_page_declares_its_language_and_has_one_h1(self, html, lang):
        page = Page(html)
        assert page.html_lang == lang
        assert len(page.named("h1")) == 1

    def test_ids_are_unique_and_references_resolve(self, html, lang):
        page = Page(html)
        assert len(page.ids) == len(set(page.ids))
        for _, attrs in page.tags:
            for name in ("for", "aria-labelledby", "aria-describedby"):
                for ref in (attrs.get(name) or "").split():
                    assert ref in page.ids, f"{name}={ref} points nowhere"

    def test_the_skip_link_comes_first_and_reaches_main(self, html, lang):
        page = Page(html)
        first_link = page.named("a")[0]
        assert first_link.get("class") == "skip-link"
        assert first_link.get("href") == "#main"
        (main,) = page.named("main")
        assert main.get("id") == "main"

    def test_navigation_landmarks_are_told_apart(self, html, lang):
        labels = [a.get("aria-label") for a in Page(html).named("nav")]
        assert all(labels)
        assert len(labels) == len(set(labels))

    def test_images_have_alt_text(self, html, lang):
        assert all("alt" in a for a in Page(html).named("img"))


@pytest.mark.parametrize("path", PAGES)
def test_served_pages_have_labelled_fields_and_a_language(http, path):
    page = Page(http.get(path, headers={"Accept-Language": "tr"}).text)
    assert page.html_lang == "tr"
    for field in page.fields:
        assert field.get("id") in page.label_for


def _luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG 2.2, "relative luminance")."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    )
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_have_aa_contrast_on_every_background():
    css = (STATIC_DIR / "css" / "prolo.css").read_text()
    tokens = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})\b", css))
    texts = [
        "text",
        "text-muted",
        "primary",
        "primary-strong",
        "warm",
        "info",
        "danger",
        "focus",
    ]
    backgrounds = ["surface", "bg", "surface-muted", "primary-soft", "primary-softer"]
    backgrounds += ["warm-soft", "info-soft", "danger-soft"]
    assert set(texts + backgrounds) <= set(tokens)
    low = {
        (t, b): round(contrast(tokens[t], tokens[b]), 2)
        for t in texts
        for b in backgrounds
        if contrast(tokens[t], tokens[b]) < 4.5
    }
    assert low == {}
    # White text on the filled buttons, step numbers and course dots.
    assert contrast("#ffffff", tokens["primary"]) >= 4.5
    assert contrast("#ffffff", tokens["warm"]) >= 4.5
