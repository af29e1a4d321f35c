"""The patient portal over HTTP: a patient sees only their own data (404 on every other id),
staff are refused, the pages speak Turkish, the calendar file and the charts are served."""

from __future__ import annotations

import re

import httpx
import pytest
from icalendar import Calendar

from .conftest import http_sign_in
from .portal_sites import BOOKED_PATIENT, MIDWAY_PATIENT, data_of, shifted_site


@pytest.fixture
def client(demo_site):
    with httpx.Client(base_url=demo_site.url, follow_redirects=False, timeout=30) as c:
        yield c


def other_patients_ids(demo_site) -> dict[str, str]:
    courses, appointments, responses = data_of(demo_site.database_url, MIDWAY_PATIENT)
    return {
        "course": str(courses[0].id),
        "appointment": str(appointments[0].id),
        "response": str(responses[-1].id),
        "instrument": responses[-1].instrument_id,
    }


def test_every_portal_route_answers_404_for_another_patients_ids(demo_site, client):
    csrf = http_sign_in(client, demo_site, BOOKED_PATIENT)
    other = other_patients_ids(demo_site)
    gets = [
        f"/portal/questionnaires?course={other['course']}",
        f"/portal/questionnaires?sent={other['response']}",
        f"/portal/progress?course={other['course']}",
        f"/portal/progress/{other['course']}/{other['instrument']}.png",
        f"/portal/progress/{other['course']}/nrs.png",
        f"/portal/check-in/{other['appointment']}",
    ]
    for path in gets:
        assert client.get(path).status_code == 404, path
    posted = client.post(
        f"/portal/questionnaires/{other['course']}/nrs",
        data={"csrf_token": csrf, "timepoint": "session-2", "a.0": "3"},
    )
    assert posted.status_code == 404
    # and the same routes with the patient's own ids work
    courses, _, _ = data_of(demo_site.database_url, BOOKED_PATIENT)
    own = str(courses[0].id)
    assert client.get(f"/portal/questionnaires?course={own}").status_code == 200
    assert client.get(f"/portal/progress?course={own}").status_code == 200


def test_every_other_demo_patient_is_refused_too(demo_site, client):
    http_sign_in(client, demo_site, BOOKED_PATIENT)
    for number in (1, 2, 5, 9, 11, 13):
        email = f"patient{number:02d}@demo.prolo"
        courses, appointments, _ = data_of(demo_site.database_url, email)
        for course in courses:
            assert client.get(f"/portal/progress?course={course.id}").status_code == 404
            assert (
                client.get(f"/portal/progress/{course.id}/nrs.png").status_code == 404
            )
        for appointment in appointments[:2]:
            assert client.get(f"/portal/check-in/{appointment.id}").status_code == 404


def test_a_malformed_id_is_not_found_either(demo_site, client):
    http_sign_in(client, demo_site, BOOKED_PATIENT)
    assert client.get("/portal/progress?course=not-a-uuid").status_code == 404
    assert client.get("/portal/questionnaires?sent=1").status_code == 404


@pytest.mark.parametrize("role", ["reception", "clinician", "nurse", "admin"])
def test_staff_cannot_open_the_portal(demo_site, client, role):
    http_sign_in(client, demo_site, role)
    for path in ("/portal", "/portal/questionnaires", "/portal/progress"):
        assert client.get(path).status_code == 403, path


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/portal")
    assert response.status_code in (302, 303, 307)
    assert "/login?next=" in response.headers["location"]


def test_the_home_page_lists_the_sessions_in_the_clinic_timezone(demo_site, client):
    http_sign_in(client, demo_site, BOOKED_PATIENT)
    page = client.get("/portal")
    assert page.status_code == 200
    _, appointments, _ = data_of(demo_site.database_url, BOOKED_PATIENT)
    first = min(appointments, key=lambda a: a.starts_at)
    from zoneinfo import ZoneInfo

    local = first.starts_at.astimezone(ZoneInfo("Europe/Istanbul"))
    assert f"{local:%Y-%m-%d} · {local:%H:%M}" in page.text
    planned = {a.session_number for a in appointments}
    assert f"Session 1 of {max(planned)}" in page.text or "Session 1 of" in page.text


def test_the_calendar_file_holds_the_patients_own_sessions(demo_site, client):
    http_sign_in(client, demo_site, BOOKED_PATIENT)
    response = client.get("/portal/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
    _, own, _ = data_of(demo_site.database_url, BOOKED_PATIENT)
    _, other, _ = data_of(demo_site.database_url, MIDWAY_PATIENT)
    assert {f"{a.id}@prolo.dev" for a in own} <= uids
    assert not uids & {f"{a.id}@prolo.dev" for a in other}


def test_the_portal_speaks_turkish(demo_site, client):
    http_sign_in(client, demo_site, BOOKED_PATIENT)
    for path, words in (
        ("/portal", "Yaklaşan seanslar"),
        ("/portal/questionnaires", "Anketler"),
        ("/portal/progress", "Gelişimim"),
    ):
        page = client.get(path, headers={"Accept-Language": "tr-TR,tr;q=0.9"})
        assert page.status_code == 200
        assert page.headers["content-language"] == "tr"
        assert words in page.text
        assert '<html lang="tr">' in page.text


def test_progress_shows_the_patients_own_scores(demo_site, client):
    http_sign_in(client, demo_site, MIDWAY_PATIENT)
    page = client.get("/portal/progress")
    assert page.status_code == 200
    srcs = re.findall(r'src="(/portal/progress/[^"]+\.png)"', page.text)
    assert srcs
    image = client.get(srcs[0])
    assert image.status_code == 200
    assert image.content.startswith(b"\x89PNG")
    _, _, responses = data_of(demo_site.database_url, MIDWAY_PATIENT)
    nrs_scores = {
        f"{r.score:g}" for r in responses if r.instrument_id == "nrs" and r.course_id
    }
    table = page.text[page.text.index('data-instrument="nrs"') :]
    table = table[: table.index("</table>")]
    shown = set(re.findall(r"<td>([0-9.]+)</td>", table))
    assert nrs_scores <= shown


def test_a_due_questionnaire_is_scored_and_explained(
    demo_template, tmp_path, live_server_factory
):
    shifted = shifted_site(demo_template, tmp_path, live_server_factory)
    with httpx.Client(base_url=shifted.site.url, timeout=30) as client:
        csrf = http_sign_in(client, shifted.site, BOOKED_PATIENT)
        page = client.get("/portal/questionnaires")
        assert 'action="/portal/questionnaires/' in page.text
        action = re.search(r'action="(/portal/questionnaires/[^"]+/nrs)"', page.text)
        assert action is not None
        bad = client.post(
            action.group(1),
            data={"csrf_token": csrf, "timepoint": "session-1", "a.0": "11"},
            follow_redirects=False,
        )
        assert bad.status_code == 422
        assert "11 is outside" in bad.text or "not one of" in bad.text
        sent = client.post(
            action.group(1),
            data={"csrf_token": csrf, "timepoint": "session-1", "a.0": "3"},
            follow_redirects=False,
        )
        assert sent.status_code == 303
        result = client.get(sent.headers["location"])
        assert "Your result: Pain (0–10)" in result.text  # noqa: RUF001
        assert '<span class="score__number">3</span>' in result.text
        again = client.post(
            action.group(1),
            data={"csrf_token": csrf, "timepoint": "session-1", "a.0": "4"},
            follow_redirects=False,
        )
        assert again.status_code == 404  # answered: no longer due
