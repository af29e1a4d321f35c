"""A whole session in a real browser: a clinician runs a booked demo patient's first session
through every step, is refused discharge before the 10-minute rest, discharges after it, and
finds the session in the chart. The services' clock is moved by the test (clock_site)."""

from __future__ import annotations

import re

import pytest

from . import test_runner_pages
from .conftest import sign_in
from .test_runner_pages import ClockSite

clock_site = test_runner_pages.clock_site  # the fixture, shared

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_a_clinician_runs_a_session_through_discharge(
    clock_site: ClockSite, new_browser_context, screenshots_dir
):
    page = new_browser_context(viewport={"width": 1180, "height": 820}).new_page()
    problems = watch_console(page)
    sign_in(page, clock_site, "clinician")
    assert page.url.endswith("/clinician")
    runner_link = page.locator(f'a[href="/runner/{clock_site.appointment_id}"]')
    page.screenshot(path=str(screenshots_dir / "clinician-today.png"), full_page=True)
    runner_link.click()

    def tap(name: str, minutes: float = 1) -> None:
        clock_site.advance(minutes)
        page.get_by_role("button", name=name, exact=True).click()
        page.wait_for_load_state()

    tap("Check in and start", 0)
    tap("Consent given")
    tap("Start preparation")
    page.get_by_label("Anaesthetic", exact=True).fill("lidocaine")
    page.get_by_label("Concentration (%)").fill("1")
    tap("Local anaesthesia given", 2)
    if not page.get_by_label("Solution", exact=True).input_value():
        page.get_by_label("Solution", exact=True).fill("dextrose")
    concentration = page.locator("#inj-concentration")
    if not concentration.input_value():
        concentration.fill("15")
    volume = page.locator("#inj-volume")
    if not volume.input_value():
        volume.fill("5")
    page.get_by_label("Lot number").fill("LOT-BROWSER-1")
    tap("Record injection", 3)
    assert page.locator("td.mono", has_text="LOT-BROWSER-1").count() == 1
    tap("Start heat-pack rest", 2)
    checklist = page.locator(".checklist__item--current")
    assert checklist.inner_text().startswith("Heat-pack rest")
    # runner.js counts down to the earliest discharge (from the server's times)
    countdown = page.locator("[data-clock-countdown]")
    page.wait_for_function(
        "el => /Discharge allowed in \\d+:\\d\\d/.test(el.textContent)",
        arg=countdown.element_handle(),
    )

    tap("Discharge", 4)
    alert = page.get_by_role("alert")
    assert (
        "Not yet: the patient has rested 4 minutes; the minimum is 10."
        in alert.inner_text()
    )
    assert page.locator(".runner-grid").get_attribute("data-step") == "rest"
    page.screenshot(path=str(screenshots_dir / "runner.png"), full_page=True)

    tap("Discharge", 6)
    assert page.get_by_role("heading", name="The patient has been discharged").count()
    assert page.locator(".runner-grid").get_attribute("data-step") == "discharged"
    assert clock_site.session().protocol.step.value == "discharged"

    page.get_by_role("link", name="Open the chart").click()
    page.wait_for_load_state()
    history = page.locator("#history")
    assert history.locator("td.mono", has_text="LOT-BROWSER-1").count() == 1
    assert re.search(r"Session 1 · ", history.inner_text())
    image = page.locator(".outcome-chart__image").first
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    page.screenshot(path=str(screenshots_dir / "clinician-chart.png"), full_page=True)
    # the refused discharge answers 422 (the page with the reason): that is the only "error"
    assert [p for p in problems if "status of 422" not in p] == []
    assert len(problems) == 1
