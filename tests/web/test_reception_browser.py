"""The reception desk in a real browser (Debian's chromium): book a course for a screened demo
patient (accept the proposal, break the 14-day rule, read the plain message, fix it, book), see
it on the calendar, cancel a session and see the later sessions repaired with no other patient
moved. Saves docs/screenshots/reception-book.png, reception-calendar.png, reception-waitlist.png.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from prolo.domain.course import check_dates, load_course_rules
from prolo.services.bootstrap import open_database
from prolo.services.values import ACTIVE_APPOINTMENT_STATUSES

from .conftest import DemoSite, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ZONE = ZoneInfo("Europe/Istanbul")
PATIENT = "Serkan Bulut"  # a demo patient signed off eligible, with a planned course


def appointments(site: DemoSite) -> dict:
    """Every appointment of the clinic: id -> (patient, session, start, clinician, status)."""
    database = open_database(site.database_url)
    try:
        with database.unit_of_work() as uow:
            clinic = uow.clinics.find_by_name("Prolo Demo Clinic")
            page = uow.appointments.page(
                clinic.id,
                starts_from=None,
                starts_before=None,
                limit=500,
                offset=0,
            )
            names = {
                a.patient_id: uow.patients.get(clinic.id, a.patient_id).name
                for a in page.items
            }
            return {
                a.id: (
                    names[a.patient_id],
                    a.session_number,
                    a.starts_at,
                    a.clinician_id,
                    a.status,
                )
                for a in page.items
            }
    finally:
        database.dispose()


def course_days(rows: dict, patient: str) -> list[date]:
    active = sorted(
        (
            r
            for r in rows.values()
            if r[0] == patient and r[4] in ACTIVE_APPOINTMENT_STATUSES
        ),
        key=lambda r: r[1],
    )
    return [r[2].astimezone(ZONE).date() for r in active]


def watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type in {"error", "warning"} else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_book_a_course_then_cancel_and_see_it_repaired(
    demo_site: DemoSite, new_browser_context, screenshots_dir
) -> None:
    context = new_browser_context(viewport={"width": 1180, "height": 900})
    page = context.new_page()
    problems = watch(page)
    sign_in(page, demo_site, "reception")
    assert page.url.endswith("/reception")

    # find the screened patient and plan their course
    page.get_by_role("link", name="Book a course").click()
    page.get_by_label("Patient's name, e-mail or number").fill("Bulut")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=PATIENT).click()
    page.get_by_role("link", name="Plan and book").first.click()
    page.wait_for_selector("#s1-date")
    proposed = [page.input_value(f"#s{n}-date") for n in (1, 2, 3, 4)]
    assert all(proposed)
    screenshot_book = screenshots_dir / "reception-book.png"
    page.screenshot(path=str(screenshot_book), full_page=True)

    # break the 14-day rule: session 2 ten days after session 1
    first = date.fromisoformat(proposed[0])
    page.fill("#s2-date", (first + timedelta(days=10)).isoformat())
    page.get_by_role("button", name="Check").click()
    alert = page.locator("#plan-rules")
    assert (
        "Sessions 1 and 2 are 10 days apart. They must be at least 14 days apart."
        in (alert.inner_text())
    )
    # fix it (back to the proposal) and book
    page.fill("#s2-date", proposed[1])
    page.get_by_role("button", name="Check").click()
    assert "Every session fits." in page.get_by_role("status").inner_text()
    before = appointments(demo_site)
    page.get_by_role("button", name="Book all sessions").click()
    page.wait_for_url("**/reception?**booked=**")
    assert page.get_by_text("The course is booked.").is_visible()
    event = page.locator(".cal-event", has_text=PATIENT)
    assert event.count() == 1
    assert "Session 1 of" in event.inner_text()
    page.screenshot(
        path=str(screenshots_dir / "reception-calendar.png"), full_page=True
    )
    booked = appointments(demo_site)
    days = course_days(booked, PATIENT)
    assert [d.isoformat() for d in days][: len(proposed)] == proposed

    # cancel session 2 from its appointment page
    event.click()
    page.locator(".chain__item").nth(1).locator("a").click()
    page.get_by_label("Why is it cancelled?").fill("patient has a fever")
    page.get_by_role("button", name="Cancel this session").click()
    result = page.locator("#repair-result")
    assert "The course was repaired" in result.inner_text()
    assert "No other patient was moved." in result.inner_text()
    after = appointments(demo_site)
    repaired = course_days(after, PATIENT)
    assert len(repaired) == len(days)
    assert repaired[1] != days[1]  # session 2 rebooked on another day
    assert repaired[2:] != days[2:]  # the 14-day minimum pushed the later sessions on
    assert check_dates(repaired, load_course_rules(), partial=True) == []
    others_before = {k: v for k, v in booked.items() if v[0] != PATIENT}
    others_after = {k: v for k, v in after.items() if v[0] != PATIENT}
    assert others_after == others_before
    assert before.keys() <= after.keys()
    assert problems == []


def test_the_waitlist_page(
    demo_site: DemoSite, new_browser_context, screenshots_dir
) -> None:
    context = new_browser_context(viewport={"width": 1180, "height": 900})
    page = context.new_page()
    problems = watch(page)
    sign_in(page, demo_site, "reception")
    page.get_by_role("link", name="Waitlist").click()
    assert page.locator("h1").inner_text() == "Waitlist"
    assert page.locator(".offer").count() >= 1
    page.screenshot(
        path=str(screenshots_dir / "reception-waitlist.png"), full_page=True
    )
    assert problems == []
