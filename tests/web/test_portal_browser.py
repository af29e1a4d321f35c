"""End-to-end in chromium: the patient portal, self check-in with a red flag, the owner's report.

Screenshots: portal-home.png, portal-questionnaire.png, portal-progress.png, checkin.png,
owner-report.png.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from prolo.services import checkin
from prolo.services.bootstrap import open_database
from prolo.services.values import Role

from .conftest import sign_in
from .portal_sites import (
    BOOKED_PATIENT,
    SECRET,
    clinic_actor,
    data_of,
    patient_of,
    shifted_site,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TABLET = {"width": 1024, "height": 1366}


def watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"console.{m.type}: {m.text}")
            if m.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    return problems


def screenshot(page: Any, path: Path) -> None:
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    assert path.stat().st_size > 10_000


@pytest.fixture
def shifted(demo_template, tmp_path, live_server_factory):
    return shifted_site(demo_template, tmp_path, live_server_factory)


def test_a_patient_fills_the_due_questionnaires_and_sees_the_chart_grow(
    shifted, new_browser_context, screenshots_dir
):
    page = new_browser_context(viewport=TABLET).new_page()
    problems = watch(page)
    sign_in(page, shifted.site, BOOKED_PATIENT)
    assert page.url.endswith("/portal")
    page.get_by_role("heading", name=re.compile("Hello")).wait_for()
    screenshot(page, screenshots_dir / "portal-home.png")

    page.get_by_role("link", name="Fill in now").click()
    nrs = page.locator("section.qform").filter(has_text="Pain (0–10)")  # noqa: RUF001
    nrs.locator("label", has_text=re.compile(r"^3$")).click()
    page.evaluate("document.activeElement.blur()")
    screenshot(page, screenshots_dir / "portal-questionnaire.png")
    nrs.get_by_role("button", name="Send my answers").click()
    score = page.locator("section.score")
    assert score.locator(".score__number").inner_text() == "3"
    assert "Your result: Pain" in score.inner_text()

    # the condition's own instrument: every item answered with its second option
    form = page.locator("section.qform").first
    assert "Pain" not in form.locator("h2").inner_text()
    for select in form.locator("select").all():
        select.select_option(index=2)
    form.get_by_role("button", name="Send my answers").click()
    assert page.locator("section.score .score__meaning").inner_text().strip()

    page.get_by_role("link", name="See my progress").click()
    table = page.locator('table[data-instrument="nrs"]')
    row = table.locator("tr", has_text="Before session 1")
    assert row.locator("td").inner_text() == "3"
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.progress-chart__img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)"
    )
    screenshot(page, screenshots_dir / "portal-progress.png")
    assert problems == []


def _birth_date(url: str, email: str) -> date:
    patient_id = patient_of(url, email)
    database = open_database(url)
    try:
        with database.unit_of_work() as uow:
            clinic = uow.clinics.first()
            assert clinic is not None
            patient = uow.patients.get(clinic.id, patient_id)
            assert patient is not None
            assert patient.birth_date is not None
            return patient.birth_date
    finally:
        database.dispose()


def test_self_check_in_with_a_new_fever_stops_the_session_until_cleared(
    shifted, new_browser_context, screenshots_dir
):
    url = shifted.site.database_url
    token = checkin.link_token(
        SECRET, shifted.appointment.clinic_id, shifted.appointment.id
    )
    page = new_browser_context(viewport=TABLET).new_page()
    problems = watch(page)
    page.goto(f"{shifted.site.url}/check-in/{token}")
    page.get_by_label("Family name").fill("aslan")
    page.get_by_label("Date of birth").fill(
        _birth_date(url, BOOKED_PATIENT).isoformat()
    )
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Hello, Burak").wait_for()
    for fieldset in page.locator("fieldset.yesno").all():
        fever = "fever" in fieldset.locator("legend").inner_text()
        fieldset.locator("label", has_text="Yes" if fever else "No").click()
    page.locator("fieldset.nrs label", has_text=re.compile(r"^5$")).click()
    page.evaluate("document.activeElement.blur()")
    screenshot(page, screenshots_dir / "checkin.png")
    page.get_by_role("button", name="Check me in").click()
    page.get_by_role("heading", name="You are checked in").wait_for()
    assert "a doctor will speak with you" in page.locator("main").inner_text()
    assert problems == []

    database = open_database(url, clock=shifted.clock)
    nurse, clinician = clinic_actor(url, Role.nurse), clinic_actor(url, Role.clinician)
    try:
        with database.unit_of_work() as uow:
            assert [
                f.code for f in checkin.red_flags(uow, nurse, shifted.appointment.id)
            ] == ["systemic_infection"]
            with pytest.raises(Exception, match="red flag"):
                checkin.require_cleared(uow, nurse, shifted.appointment.id)
            checkin.clear_red_flags(
                uow,
                clinician,
                appointment_id=shifted.appointment.id,
                reason="examined: afebrile, no infection",
            )
            uow.commit()
        with database.unit_of_work() as uow:
            checkin.require_cleared(uow, nurse, shifted.appointment.id)
    finally:
        database.dispose()
    _, _, responses = data_of(url, BOOKED_PATIENT)
    assert any(
        r.instrument_id == "nrs" and r.timepoint == "session-1" and r.score == 5
        for r in responses
    )


def test_the_owner_sees_the_report_and_downloads_csv_and_pdf(
    demo_site, new_browser_context, screenshots_dir
):
    page = new_browser_context(viewport=TABLET, accept_downloads=True).new_page()
    problems = watch(page)
    sign_in(page, demo_site, "admin")
    assert page.url.endswith("/owner")
    page.get_by_role("heading", name="Outcome report").wait_for()
    assert page.locator("#by-condition tbody tr").count() > 3
    page.wait_for_function(
        "() => document.querySelector('img.owner__chart').naturalWidth > 0"
    )
    screenshot(page, screenshots_dir / "owner-report.png")

    page.get_by_role("link", name="Exports").first.click()
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Outcomes by condition (CSV)").click()
    csv_text = Path(csv_download.value.path()).read_text(encoding="utf-8")
    assert csv_text.startswith("condition_id,condition,instrument,patients")
    with page.expect_download() as pdf_download:
        page.locator("#course-summaries a").first.click()
    assert Path(pdf_download.value.path()).read_bytes().startswith(b"%PDF-")
    assert problems == []
