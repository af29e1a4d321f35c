# The windows are written with an en dash, as the page shows them.
# ruff: noqa: RUF001
"""The clinician's pages over HTTP on the demo clinic: today's list, the chart, screening
sign-off (a clinician only) and the outcome chart images."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import get_args

import httpx
import pytest

from prolo.services import courses, patients, questionnaires, screening
from prolo.services.context import Actor
from prolo.services.sessions import DayStatus
from prolo.services.values import Role, SignOffStatus
from prolo.web.contexts.clinician import DayStatusCode
from servers import HTTP_TIMEOUT

from . import test_runner_pages
from .conftest import http_sign_in
from .test_runner_pages import ClockSite

clock_site = test_runner_pages.clock_site  # the fixture, shared

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def client(clock_site: ClockSite):
    with httpx.Client(
        base_url=clock_site.url, follow_redirects=False, timeout=HTTP_TIMEOUT
    ) as c:
        yield c


def staff(site: ClockSite, role: Role) -> Actor:
    return Actor.system(site.clinic_id, role, via="test")


def find_patient(site: ClockSite, family_name: str):
    with site.database.unit_of_work() as uow:
        found = patients.list_patients(
            uow, staff(site, Role.clinician), query=family_name
        ).items
    (patient,) = [p for p in found if p.family_name == family_name]
    return patient


def pending_screening(site: ClockSite, patient_id):
    with site.database.unit_of_work() as uow:
        return screening.list_screenings(
            uow, staff(site, Role.clinician), patient_id=patient_id
        )[0]


class TestToday:
    def test_the_day_lists_the_booked_session_with_runner_and_chart_links(
        self, clock_site, client
    ):
        http_sign_in(client, clock_site, "nurse")
        page = client.get("/clinician")
        assert page.status_code == 200
        assert f'href="/runner/{clock_site.appointment_id}"' in page.text
        assert f'href="/clinician/patients/{clock_site.patient_id}"' in page.text
        row = page.text.split(f'href="/runner/{clock_site.appointment_id}"')[0]
        assert "status-badge--booked" in row.rsplit("<tr", 1)[1]

    def test_the_status_follows_the_session(self, clock_site, client):
        csrf = http_sign_in(client, clock_site, "clinician")
        client.post(
            f"/runner/{clock_site.appointment_id}/start", data={"csrf_token": csrf}
        )
        row = client.get("/clinician").text.split(
            f'href="/runner/{clock_site.appointment_id}"'
        )[0]
        assert "status-badge--in_progress" in row.rsplit("<tr", 1)[1]

    def test_reception_and_patients_cannot_open_it(self, clock_site, client):
        http_sign_in(client, clock_site, "reception")
        assert client.get("/clinician").status_code == 403
        assert (
            client.get(f"/clinician/patients/{clock_site.patient_id}").status_code
            == 403
        )


class TestSignOff:
    """Demo patient 18 (Oğuz Doğan) waits for review: his intake says he takes an
    anticoagulant."""

    def test_a_nurse_reads_the_screening_but_has_no_form_and_is_refused(
        self, clock_site, client
    ):
        patient = find_patient(clock_site, "Doğan")
        pending = pending_screening(clock_site, patient.id)
        csrf = http_sign_in(client, clock_site, "nurse")
        chart = client.get(f"/clinician/patients/{patient.id}")
        assert chart.status_code == 200
        assert "Needs a clinician&#39;s review" in chart.text
        for reason in pending.reasons:  # every reason, with code and source
            assert reason["code"] in chart.text
            assert reason["source"] in chart.text
        assert "/sign-off" not in chart.text
        assert "Only a clinician can sign off or override" in chart.text
        refused = client.post(
            f"/clinician/patients/{patient.id}/screenings/{pending.id}/sign-off",
            data={
                "csrf_token": csrf,
                "version": str(pending.version),
                "decision": "eligible",
                "reason": "I think it is fine",
            },
        )
        assert refused.status_code == 403
        assert pending_screening(clock_site, patient.id).status is SignOffStatus.pending

    def test_a_clinician_needs_a_reason_to_decide_a_review(self, clock_site, client):
        patient = find_patient(clock_site, "Doğan")
        pending = pending_screening(clock_site, patient.id)
        csrf = http_sign_in(client, clock_site, "clinician")
        action = f"/clinician/patients/{patient.id}/screenings/{pending.id}/sign-off"
        form = {
            "csrf_token": csrf,
            "version": str(pending.version),
            "decision": "eligible",
        }
        assert action in client.get(f"/clinician/patients/{patient.id}").text
        missing = client.post(action, data=form | {"reason": "  "})
        assert missing.status_code == 422
        assert "Write a reason for a decision that differs from the rules." in (
            missing.text
        )
        assert 'aria-invalid="true"' in missing.text
        assert pending_screening(clock_site, patient.id).status is SignOffStatus.pending
        reason = "INR stable; bleeding risk discussed"
        done = client.post(action, data=form | {"reason": reason})
        assert done.status_code == 303
        signed = pending_screening(clock_site, patient.id)
        assert signed.status is SignOffStatus.signed_off
        assert signed.override_reason == reason
        chart = client.get(f"/clinician/patients/{patient.id}").text
        assert "Reason given: INR stable; bleeding risk discussed" in chart
        assert action not in chart  # a signed-off screening is final


class TestChart:
    def test_the_chart_shows_course_windows_and_session_history(
        self, clock_site, client
    ):
        patient = find_patient(clock_site, "Koç")  # part-way through her course
        http_sign_in(client, clock_site, "clinician")
        chart = client.get(f"/clinician/patients/{patient.id}").text
        with clock_site.database.unit_of_work() as uow:
            actor = staff(clock_site, Role.clinician)
            (course,) = courses.list_courses(uow, actor, patient_id=patient.id)
            detail = courses.get_course(uow, actor, course_id=course.id)
        for window in detail.windows:
            assert (
                f"Window {window.earliest.isoformat()} – {window.latest.isoformat()}"
                in chart
            )
        lots = re.findall(r'<td class="mono">(DX25-[0-9]+)</td>', chart)
        assert lots  # injections with their lot numbers
        assert "No marked improvement is expected after the first session" in chart
        assert "Course advice" in chart

    def test_the_outcome_chart_image_is_svg_and_draws_the_scores(
        self, clock_site, client
    ):
        patient = find_patient(clock_site, "Koç")
        http_sign_in(client, clock_site, "clinician")
        with clock_site.database.unit_of_work() as uow:
            actor = staff(clock_site, Role.clinician)
            (course,) = courses.list_courses(uow, actor, patient_id=patient.id)
            outcome = questionnaires.course_outcomes(
                uow, actor, course_id=course.id
            ).outcomes[0]
        assert outcome.instrument == "nrs"
        chart = client.get(f"/clinician/patients/{patient.id}").text
        src = f"/clinician/patients/{patient.id}/courses/{course.id}/charts/nrs.svg"
        assert f'src="{src}"' in chart
        image = client.get(src)
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/svg+xml"
        root = ET.fromstring(image.content)
        (score,) = [g for g in root.iter(f"{SVG}g") if g.get("id") == "score"]
        line = next(p for p in score.iter(f"{SVG}path") if "L" in p.get("d", ""))
        drawn = [v for v in outcome.points if v.value is not None]
        assert line.get("d", "").count("L") == len(drawn) - 1
        text = "".join(root.itertext())
        assert f"baseline ({outcome.baseline:g})" in text
        assert "No significant improvement is expected after the first session" in text
        png = client.get(src.replace(".svg", ".png"))
        assert png.headers["content-type"] == "image/png"
        assert png.content.startswith(b"\x89PNG")

    def test_a_chart_image_of_another_patients_course_is_not_found(
        self, clock_site, client
    ):
        koc = find_patient(clock_site, "Koç")
        http_sign_in(client, clock_site, "clinician")
        with clock_site.database.unit_of_work() as uow:
            actor = staff(clock_site, Role.clinician)
            (course,) = courses.list_courses(uow, actor, patient_id=koc.id)
        other = clock_site.patient_id
        response = client.get(
            f"/clinician/patients/{other}/courses/{course.id}/charts/nrs.svg"
        )
        assert response.status_code == 404

    def test_a_patient_cannot_open_a_chart(self, clock_site, client):
        http_sign_in(client, clock_site, "patient")
        koc = find_patient(clock_site, "Koç")
        assert client.get(f"/clinician/patients/{koc.id}").status_code == 404


def test_the_day_statuses_the_pages_know_are_the_services():
    assert set(get_args(DayStatusCode)) == {s.value for s in DayStatus}
