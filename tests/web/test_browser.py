"""The web shell in a real browser: Debian's chromium, headless, driven by Playwright.

Saves docs/screenshots/education-en.png, education-tr.png, education-course-en.png and login.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from prolo.web.i18n import translate

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAGES = [
    "/learn/what-is-prolotherapy",
    "/learn/what-to-expect",
    "/learn/your-course",
    "/login",
    "/no-such-page",
]


def watch(page: Any) -> list[str]:
    """Collect console errors, page errors and CSP violations of `page`."""
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"console.{m.type}: {m.text}")
            if m.type in {"error", "warning"}
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    return problems


def screenshot(page: Any, path: Path) -> None:
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    assert path.stat().st_size > 10_000


def test_the_guide_in_english_and_turkish(
    live_server, new_browser_context, screenshots_dir
):
    english = new_browser_context(locale="en-GB").new_page()
    english.goto(f"{live_server}/learn/what-is-prolotherapy")
    assert english.locator("h1").inner_text() == translate("learn.what.title", "en")
    assert english.evaluate("document.documentElement.lang") == "en"
    assert english.evaluate("document.fonts.check('16px \"Inter Variable\"')")
    screenshot(english, screenshots_dir / "education-en.png")

    turkish = new_browser_context(locale="tr-TR").new_page()  # Accept-Language: tr-TR
    turkish.goto(f"{live_server}/learn/what-is-prolotherapy")
    assert turkish.locator("h1").inner_text() == translate("learn.what.title", "tr")
    assert turkish.evaluate("document.documentElement.lang") == "tr"
    screenshot(turkish, screenshots_dir / "education-tr.png")


def test_guide_links_swap_only_the_guide_with_htmx(live_server, page, screenshots_dir):
    problems = watch(page)
    page.goto(f"{live_server}/learn/what-is-prolotherapy")
    page.wait_for_function("window.htmx !== undefined")
    assert page.evaluate("htmx.version") == "2.0.11"
    page.evaluate("document.querySelector('.site-header').dataset.kept = 'yes'")

    with page.expect_response(re.compile(r"/learn/your-course$")) as answer:
        page.get_by_role("navigation", name="Patient guide").get_by_role(
            "link", name="Your course"
        ).click()
    assert answer.value.request.headers.get("hx-request") == "true"
    page.wait_for_url(f"{live_server}/learn/your-course")
    heading = translate("learn.course.title", "en")
    page.wait_for_function(
        "t => document.querySelector('h1').innerText === t", arg=heading
    )
    assert page.title() == f"{heading} · Prolo"
    # The header was not reloaded: only #guide was swapped.
    assert page.evaluate("document.querySelector('.site-header').dataset.kept") == "yes"
    assert page.locator("#guide").count() == 1
    current = page.locator(".guide-nav__link[aria-current=page]")
    assert current.get_attribute("href") == "/learn/your-course"
    assert page.locator(".course-track__session").count() == 8
    screenshot(page, screenshots_dir / "education-course-en.png")

    page.go_back()
    page.wait_for_url(f"{live_server}/learn/what-is-prolotherapy")
    page.wait_for_function(
        "t => document.querySelector('h1').innerText === t",
        arg=translate("learn.what.title", "en"),
    )
    assert problems == []


def test_the_language_switch_persists(live_server, page):
    page.goto(f"{live_server}/learn/what-to-expect")
    assert page.locator("h1").inner_text() == translate("learn.session.title", "en")
    page.get_by_role("navigation", name="Language").get_by_role(
        "link", name="Türkçe"
    ).click()
    page.wait_for_url(re.compile(r"lang=tr$"))
    assert page.locator("h1").inner_text() == translate("learn.session.title", "tr")
    page.goto(f"{live_server}/login")  # no ?lang=: the cookie keeps Turkish
    assert page.locator("h1").inner_text() == "Giriş yap"
    assert page.locator("label[for=login-email]").inner_text() == "E-posta adresi"


def test_the_login_form_is_reachable_by_keyboard(live_server, page, screenshots_dir):
    page.goto(f"{live_server}/login")
    labels = page.evaluate(
        "[...document.querySelectorAll('input:not([type=hidden])')]"
        ".map(i => [i.name, [...i.labels].map(l => l.innerText)])"
    )
    assert labels == [["email", ["Email address"]], ["password", ["Password"]]]

    order = []
    for _ in range(20):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const e = document.activeElement;
                const s = getComputedStyle(e);
                return {tag: e.tagName, name: e.name || null, text: e.innerText || null,
                        outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                        height: e.getBoundingClientRect().height};
            }"""
        )
        order.append(focused)
        # Every focused element shows a focus ring and is big enough to tap.
        assert focused["outline"] != "none", focused
        assert focused["width"] >= 2, focused
        if focused["tag"] == "BUTTON":
            break
    assert order[0]["text"] == "Skip to main content"
    fields = [(f["tag"], f["name"]) for f in order if f["tag"] in {"INPUT", "BUTTON"}]
    assert fields == [("INPUT", "email"), ("INPUT", "password"), ("BUTTON", None)]
    assert all(f["height"] >= 44 for f in order if f["tag"] in {"INPUT", "BUTTON"})

    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("ada@clinic.example")
    assert page.locator("#login-email").input_value() == "ada@clinic.example"
    page.locator("#login-email").fill("")
    page.evaluate("document.activeElement.blur()")  # no focus ring in the screenshot
    screenshot(page, screenshots_dir / "login.png")


def test_the_skip_link_moves_focus_to_the_content(live_server, page):
    page.goto(f"{live_server}/learn/your-course")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # visible once focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("path", PAGES)
def test_pages_keep_to_the_content_security_policy(live_server, page, path):
    problems = watch(page)
    violations: list[str] = []
    page.expose_function("reportViolation", lambda text: violations.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI))"
    )
    response = page.goto(f"{live_server}{path}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("document.fonts.ready")
    assert violations == []
    # The 404 page logs its own status as a console error; nothing else may.
    assert [p for p in problems if "404" not in p] == []


def test_a_tablet_in_portrait_gets_one_column(live_server, new_browser_context):
    tablet = new_browser_context(
        viewport={"width": 768, "height": 1024}, has_touch=True
    ).new_page()
    tablet.goto(f"{live_server}/learn/what-to-expect")
    nav = tablet.locator(".guide-nav").bounding_box()
    article = tablet.locator(".guide-article").bounding_box()
    assert (
        article["y"] > nav["y"] + nav["height"] - 1
    )  # the article comes below the guide nav
    assert (
        tablet.evaluate("document.documentElement.scrollWidth") <= 768
    )  # no sideways scroll
    heights = tablet.evaluate(
        "[...document.querySelectorAll('a, button')].filter(e => e.offsetParent)"
        ".filter(e => !e.classList.contains('skip-link'))"
        ".map(e => [e.innerText, e.getBoundingClientRect().height])"
    )
    assert [h for h in heights if h[1] < 40] == []
