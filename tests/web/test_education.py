"""The patient guide: three parts, English and Turkish, written from the clinic's text."""

# Turkish letters (dotless i) and en dashes in ranges are meant: the pages must show them.
# ruff: noqa: RUF001

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest

from prolo.domain.course import load_course_rules
from prolo.web.deps import course_rules
from prolo.web.i18n import LANGUAGES, translate
from servers import HTTP_TIMEOUT

from .conftest import shell_app

PARTS = {
    "/learn/what-is-prolotherapy": "learn.what.title",
    "/learn/what-to-expect": "learn.session.title",
    "/learn/your-course": "learn.course.title",
}


def text_of(html: str) -> str:
    """The visible text of a page, whitespace collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, flags=re.S)
    assert match, "no <h1>"
    return " ".join(unescape(match.group(1)).split())


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", sorted(PARTS))
def test_each_part_renders_in_both_languages(http, path, lang):
    response = http.get(path, params={"lang": lang})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert h1(response.text) == translate(PARTS[path], lang)
    assert f"<title>{translate(PARTS[path], lang)} · Prolo</title>" in response.text
    visible = text_of(response.text)
    assert not re.search(r"\b(learn|site|nav|login|error)\.[a-z_]+", visible), (
        "a raw key shows"
    )
    assert "{" not in visible, "an unfilled placeholder shows"
    assert "}" not in visible, "an unfilled placeholder shows"


@pytest.mark.parametrize("path", sorted(PARTS))
def test_the_guide_marks_the_current_part_and_links_its_neighbours(http, path):
    html = http.get(path).text
    current = re.findall(r'href="([^"]+)"[^>]*aria-current="page"', html)
    assert current == [path]
    paths = list(PARTS)
    index = paths.index(path)
    assert ('rel="prev"' in html) == (index > 0)
    assert ('rel="next"' in html) == (index < len(paths) - 1)
    if index + 1 < len(paths):
        assert f'href="{paths[index + 1]}"' in html


@pytest.mark.parametrize(
    ("lang", "facts"),
    [
        # The clinic's text: 30 minutes or less with preparation; local anaesthesia, then the
        # injections; 10-15 minutes of rest with heat packs; then home.
        (
            "en",
            [
                "30 minutes or less",
                "local anaesthetic",
                "10–15 minutes",
                "heat packs",
                "go home",
            ],
        ),
        (
            "tr",
            [
                "30 dakika",
                "lokal anestezi",
                "10–15 dakika",
                "sıcak paket",
                "evinize dönebilirsiniz",
            ],
        ),
    ],
)
def test_the_session_part_restates_the_clinics_session(http, lang, facts):
    visible = text_of(http.get("/learn/what-to-expect", params={"lang": lang}).text)
    for fact in facts:
        assert fact in visible


@pytest.mark.parametrize(
    ("lang", "facts"),
    [
        ("en", ["4 to 8 sessions, about 2 to 3 weeks apart", "first session", "cause"]),
        (
            "tr",
            [
                "yaklaşık 2–3 hafta arayla yapılan 4–8 seanstan",
                "İlk uygulamanın",
                "nedenini",
            ],
        ),
    ],
)
def test_the_course_part_quotes_the_clinics_course(http, lang, facts):
    visible = text_of(http.get("/learn/your-course", params={"lang": lang}).text)
    for fact in facts:
        assert fact in visible


def test_the_course_track_follows_the_course_rules(http):
    rules = load_course_rules()
    html = http.get("/learn/your-course").text
    assert html.count('class="course-track__session') == rules.max_sessions
    assert (
        html.count("course-track__session--optional")
        == rules.max_sessions - rules.min_sessions
    )


def test_a_clinic_with_narrower_rules_gets_its_own_numbers(live_server_factory):
    narrower = load_course_rules().with_changes(
        min_sessions=5, max_sessions=6, min_gap_days=15, max_gap_days=20
    )

    def app():
        application = shell_app()
        application.dependency_overrides[course_rules] = lambda: narrower
        return application

    with httpx.Client(
        base_url=live_server_factory(app), timeout=HTTP_TIMEOUT
    ) as client:
        en = text_of(client.get("/learn/your-course").text)
        tr = text_of(client.get("/learn/your-course?lang=tr").text)
        html = client.get("/learn/your-course").text
    assert "5 to 6 sessions, about 15 to 20 days apart" in en
    assert "yaklaşık 15–20 gün arayla yapılan 5–6 seanstan" in tr
    assert html.count('class="course-track__session') == 6
    assert html.count("course-track__session--optional") == 1


class TestHtmxFragments:
    def test_an_htmx_request_gets_only_the_guide_and_its_title(self, http):
        response = http.get("/learn/your-course", headers={"HX-Request": "true"})
        assert response.status_code == 200
        body = response.text
        assert body.startswith("<title>Your course of treatment · Prolo</title>")
        assert '<div class="guide" id="guide">' in body
        assert "<html" not in body
        assert "site-header" not in body
        assert "HX-Request" in response.headers["vary"]

    @pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
    def test_boosted_and_history_restore_requests_get_the_whole_page(
        self, http, header
    ):
        response = http.get(
            "/learn/your-course", headers={"HX-Request": "true", header: "true"}
        )
        assert response.text.lstrip().startswith("<!doctype html>")

    def test_a_plain_request_gets_the_whole_page(self, http):
        response = http.get("/learn/your-course")
        assert response.text.lstrip().startswith("<!doctype html>")
        assert "HX-Request" in response.headers["vary"]


def test_learn_starts_at_the_first_part(http):
    response = http.get("/learn")
    assert response.status_code == 307
    assert response.headers["location"] == "/learn/what-is-prolotherapy"


def test_the_site_root_leads_signed_out_visitors_to_the_guide(http):
    response = http.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/learn"
