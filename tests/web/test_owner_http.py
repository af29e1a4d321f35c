"""The clinic owner's pages over HTTP: the report's numbers, the CSV and PDF downloads, refusals."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest
from pypdf import PdfReader

from prolo.services import reports
from prolo.services.bootstrap import open_database
from prolo.services.values import Role

from .conftest import http_sign_in
from .portal_sites import clinic_actor


@pytest.fixture
def admin_client(demo_site):
    with httpx.Client(base_url=demo_site.url, timeout=60) as client:
        http_sign_in(client, demo_site, "admin")
        yield client


def service_report(url: str) -> reports.OutcomeReport:
    admin = clinic_actor(url, Role.admin)
    database = open_database(url)
    try:
        with database.unit_of_work() as uow:
            return reports.outcome_report(uow, admin)
    finally:
        database.dispose()


def test_the_report_shows_the_services_numbers(demo_site, admin_client):
    page = admin_client.get("/owner")
    assert page.status_code == 200
    report = service_report(demo_site.database_url)
    table = page.text[page.text.index('id="by-condition"') :]
    table = table[: table.index("</table>")]
    for row in report.conditions:
        assert row.condition_name in table
    assert f'<span class="stat__value">{report.patients}</span>' in page.text
    chart = admin_client.get("/owner/charts/responders.png")
    assert chart.content.startswith(b"\x89PNG")


def test_the_outcomes_csv_matches_the_report(demo_site, admin_client):
    response = admin_client.get("/owner/exports/outcomes.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    report = service_report(demo_site.database_url)
    assert [r["condition_id"] for r in rows] == [
        c.condition_id for c in report.conditions
    ]
    for row, condition in zip(rows, report.conditions, strict=True):
        assert int(row["patients"]) == condition.patients
        assert int(row["responders"]) == condition.summary.responders
        median = condition.summary.median_sessions_to_response
        assert row["median_sessions_to_response"] == (
            "" if median is None else str(median)
        )
    by_session = list(
        csv.DictReader(
            io.StringIO(
                admin_client.get("/owner/exports/responders-by-session.csv").text
            )
        )
    )
    assert sum(int(r["judged"]) for r in by_session) == sum(
        r.judged for c in report.conditions for r in c.summary.by_session
    )
    utilisation = admin_client.get("/owner/exports/utilisation.csv").text
    assert "clinician,Dr. Ayşe Demir" in utilisation


def test_a_course_summary_pdf_names_the_patient_and_the_codes(demo_site, admin_client):
    exports = admin_client.get("/owner/exports")
    links = re.findall(r'href="(/owner/courses/[^"]+/summary\.pdf)"', exports.text)
    assert links
    pdf = admin_client.get(links[0])
    assert pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    name = re.search(r'<th scope="row">([^<]+)</th>', exports.text).group(1)
    assert name in text
    assert "ICD-10-CM" in text
    assert "Sessions and injections" in text


@pytest.mark.parametrize("role", ["clinician", "nurse", "reception", "patient"])
def test_only_the_admin_opens_the_owner_pages(demo_site, role):
    with httpx.Client(base_url=demo_site.url, timeout=30) as client:
        http_sign_in(client, demo_site, role)
        for path in (
            "/owner",
            "/owner/utilisation",
            "/owner/exports",
            "/owner/exports/outcomes.csv",
        ):
            assert client.get(path).status_code == 403, path


def test_the_owner_pages_have_turkish_text(admin_client):
    page = admin_client.get("/owner/utilisation", headers={"Accept-Language": "tr"})
    assert page.headers["content-language"] == "tr"
    assert "Kullanım" in page.text  # noqa: RUF001
