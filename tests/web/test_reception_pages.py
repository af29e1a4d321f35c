"""The reception desk over HTTP, on the full app with the demo clinic: calendar views per
resource (and their htmx fragments), check-in, the waitlist offer, role refusals and CSRF."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from prolo.services import booking, waitlist
from prolo.services.bootstrap import open_database
from prolo.services.context import Actor
from prolo.services.values import AppointmentStatus, Role, WaitlistStatus
from servers import HTTP_TIMEOUT

from . import test_runner_pages
from .conftest import DemoSite, http_sign_in
from .test_runner_pages import ClockSite

clock_site = test_runner_pages.clock_site  # the fixture, shared


@pytest.fixture
def client(demo_site: DemoSite) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=demo_site.url, follow_redirects=False, timeout=HTTP_TIMEOUT
    ) as c:
        yield c


def desk_actor(uow) -> Actor:
    clinic = uow.clinics.find_by_name("Prolo Demo Clinic")
    return Actor.system(clinic.id, Role.reception, via="test")


def read(site: DemoSite, fn):
    """Run `fn(uow, actor)` on the site's database as a trusted reception process."""
    database = open_database(site.database_url)
    try:
        with database.unit_of_work() as uow:
            return fn(uow, desk_actor(uow))
    finally:
        database.dispose()


ZONE = ZoneInfo("Europe/Istanbul")


class TestCalendar:
    @pytest.mark.parametrize(
        ("resource", "names"),
        [
            ("clinician", ["Dr. Ayşe Demir", "Dr. Mehmet Yıldız"]),  # noqa: RUF001
            ("room", ["Procedure room 1", "Procedure room 2"]),
            ("place", ["Bed A", "Bed B", "Recliner chair"]),
        ],
    )
    def test_the_day_view_has_a_column_per_resource(
        self, demo_site: DemoSite, client: httpx.Client, resource: str, names
    ) -> None:
        http_sign_in(client, demo_site, "reception")
        response = client.get("/reception", params={"resource": resource})
        assert response.status_code == 200
        header = response.text.split("<tbody>")[0]
        for name in names:
            assert name in header

    def test_appointments_show_patient_and_session_in_day_and_week(
        self, demo_site: DemoSite, client: httpx.Client
    ) -> None:
        upcoming = read(
            demo_site,
            lambda uow, actor: booking.calendar(
                uow,
                actor,
                starts_from=datetime.now(UTC),
                starts_before=datetime.now(UTC) + timedelta(days=14),
                statuses=[AppointmentStatus.booked],
            ),
        )
        entry = upcoming[0]
        day = entry.appointment.starts_at.astimezone(ZONE).date().isoformat()
        label = (
            f"Session {entry.appointment.session_number} of {entry.planned_sessions}"
        )
        http_sign_in(client, demo_site, "reception")
        for params in (
            {"date": day},
            {"date": day, "view": "week", "id": str(entry.appointment.clinician_id)},
            {"date": day, "resource": "room"},
            {
                "date": day,
                "resource": "place",
                "view": "week",
                "id": str(entry.appointment.recovery_place_id),
            },
        ):
            page = client.get("/reception", params=params)
            assert page.status_code == 200
            assert entry.patient_name in page.text, params
            assert label in page.text
            assert f"/reception/appointments/{entry.appointment.id}" in page.text

    def test_navigation_is_an_htmx_fragment(
        self, demo_site: DemoSite, client: httpx.Client
    ) -> None:
        http_sign_in(client, demo_site, "reception")
        full = client.get("/reception", params={"date": "2030-01-07"})
        part = client.get(
            "/reception", params={"date": "2030-01-07"}, headers={"HX-Request": "true"}
        )
        assert "<html" in full.text
        assert "<html" not in part.text
        assert part.text.startswith("<title>")
        assert 'class="cal ' in part.text
        # closed hours are shaded: Sunday 13 January 2030 is closed all day
        sunday = client.get("/reception", params={"date": "2030-01-13"})
        assert "cal__cell--free" not in sunday.text
        assert "cal__cell--closed" in sunday.text


class TestCheckIn:
    def test_todays_arrival_is_checked_in(self, clock_site: ClockSite) -> None:
        """The clinic's clock stands 5 minutes before a booked session, so it is one of today's
        arrivals whatever time the test runs."""
        with clock_site.database.unit_of_work() as uow:
            reception = Actor.system(clock_site.clinic_id, Role.reception, via="test")
            arrival = booking.get_appointment(
                uow, reception, appointment_id=clock_site.appointment_id
            )
        assert arrival.status is AppointmentStatus.booked
        with httpx.Client(
            base_url=clock_site.url, follow_redirects=False, timeout=HTTP_TIMEOUT
        ) as client:
            csrf = http_sign_in(client, clock_site, "reception")
            page = client.get("/reception/check-in")
            assert f"/reception/check-in/{arrival.id}" in page.text
            done = client.post(
                f"/reception/check-in/{arrival.id}",
                data={"csrf_token": csrf, "version": arrival.version},
            )
            assert done.status_code == 303
            again = client.get("/reception/check-in")
        with clock_site.database.unit_of_work() as uow:
            status = booking.get_appointment(
                uow, reception, appointment_id=arrival.id
            ).status
        assert status is AppointmentStatus.checked_in
        assert f"/reception/check-in/{arrival.id}" not in again.text


class TestWaitlist:
    def test_a_freed_slot_is_offered_and_booked_in_one_click(
        self, demo_site: DemoSite, client: httpx.Client
    ) -> None:
        def freed_and_offers(uow, actor):
            freed = waitlist.freed_slots(uow, actor)
            for slot in freed:
                offers = waitlist.offers_for_slot(uow, actor, appointment_id=slot.id)
                if offers:
                    return slot, offers
            return None

        found = read(demo_site, freed_and_offers)
        assert found is not None, "the demo cancels an upcoming session"
        slot, offers = found
        csrf = http_sign_in(client, demo_site, "reception")
        page = client.get("/reception/waitlist", params={"slot": str(slot.id)})
        assert page.status_code == 200
        names = re.findall(
            r'class="offer__rank">(\d+)</span> <strong>([^<]+)<', page.text
        )
        assert [(int(r), n) for r, n in names] == [
            (o.rank, o.patient_name) for o in offers
        ]
        best = offers[0]
        done = client.post(
            f"/reception/waitlist/{slot.id}/book",
            data={
                "csrf_token": csrf,
                "entry_id": str(best.entry.id),
                "version": best.entry.version,
            },
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/reception/waitlist?done=booked"

        def after(uow, actor):
            entry = uow.waitlist.get(actor.clinic_id, best.entry.id)
            mine = uow.appointments.for_course(best.entry.course_id)
            return entry.status, [
                (a.session_number, a.starts_at)
                for a in mine
                if a.status is AppointmentStatus.booked
            ]

        status, sessions = read(demo_site, after)
        assert status is WaitlistStatus.booked
        assert (best.entry.session_number, slot.starts_at) in sessions

    def test_recording_an_offer(
        self, demo_site: DemoSite, client: httpx.Client
    ) -> None:
        entry = read(
            demo_site, lambda uow, actor: waitlist.list_entries(uow, actor).items[0]
        )
        csrf = http_sign_in(client, demo_site, "reception")
        done = client.post(
            f"/reception/waitlist/{uuid.uuid4()}/offer",
            data={
                "csrf_token": csrf,
                "entry_id": str(entry.id),
                "version": entry.version,
            },
        )
        assert done.status_code == 303
        status = read(
            demo_site,
            lambda uow, actor: uow.waitlist.get(actor.clinic_id, entry.id).status,
        )
        assert status is WaitlistStatus.offered


PAGES = ["/reception", "/reception/book", "/reception/check-in", "/reception/waitlist"]


class TestWho:
    @pytest.mark.parametrize("role", ["nurse", "clinician", "patient"])
    def test_other_roles_are_refused(
        self, demo_site: DemoSite, client: httpx.Client, role: str
    ) -> None:
        http_sign_in(client, demo_site, role)
        for path in PAGES:
            assert client.get(path).status_code == 403, path

    def test_signed_out_visitors_go_to_sign_in(
        self, demo_site: DemoSite, client: httpx.Client
    ) -> None:
        response = client.get("/reception/waitlist")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")

    def test_the_admin_sees_the_calendar_but_cannot_book(
        self, demo_site: DemoSite, client: httpx.Client
    ) -> None:
        http_sign_in(client, demo_site, "admin")
        assert client.get("/reception").status_code == 200
        assert client.get("/reception/waitlist").status_code == 403

    def test_every_post_needs_the_csrf_token(
        self, demo_site: DemoSite, client: httpx.Client
    ) -> None:
        http_sign_in(client, demo_site, "reception")
        some = uuid.uuid4()
        posts = [
            (
                "/reception/book/course",
                {"patient_id": str(some), "condition_id": "x", "planned_sessions": 4},
            ),
            (f"/reception/book/{some}", {"action": "check"}),
            (f"/reception/appointments/{some}/cancel", {"version": 1, "reason": "x"}),
            (f"/reception/appointments/{some}/no-show", {"version": 1}),
            (f"/reception/appointments/{some}/rebook", {"session_number": 1}),
            (f"/reception/check-in/{some}", {"version": 1}),
            (f"/reception/waitlist/{some}/book", {"entry_id": str(some), "version": 1}),
            (
                f"/reception/waitlist/{some}/offer",
                {"entry_id": str(some), "version": 1},
            ),
        ]
        for path, data in posts:
            assert client.post(path, data=data).status_code == 403, path
            assert (
                client.post(path, data={**data, "csrf_token": "forged"}).status_code
                == 403
            ), path
