"""Sample contexts of the reception desk's pages (the contract and accessibility tests render
each in both languages)."""

# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from prolo.web.contexts import ShellUser, TemplateContext
from prolo.web.contexts.reception import (
    AppointmentPage,
    ArrivalRow,
    BookPage,
    CalendarCell,
    CalendarColumn,
    CalendarEvent,
    CalendarPage,
    CalendarRow,
    ChainRow,
    CheckInPage,
    Choice,
    ConditionRow,
    CourseRow,
    FreedSlotRow,
    Link,
    MovedRow,
    OfferRow,
    PatientHit,
    PlanPage,
    PlanRow,
    RepairView,
    RuleProblem,
    SelectedPatient,
    SlotOption,
    WaitingRow,
    WaitlistPage,
)
from prolo.web.i18n import Lang
from prolo.web.shell import build_shell

from . import make_request

DAY = date(2025, 3, 4)
CSRF = "csrf-sample"


def _shell(lang: Lang, path: str = "/reception"):
    return build_shell(
        make_request(path), lang, ShellUser("Emre Şahin", "reception"), csrf_token=CSRF
    )


def _event(status="booked") -> CalendarEvent:
    return CalendarEvent(
        href="/reception/appointments/a1",
        patient_name="Merve Yavuz",
        session_number=2,
        planned_sessions=5,
        status=status,
        time_label="10:00–10:30",
        resource_label="Dr. Ayşe Demir",
    )


def calendar(lang: Lang) -> CalendarPage:
    return CalendarPage(
        lang=lang,
        shell=_shell(lang),
        view="day",
        resource="room",
        first_day=DAY,
        last_day=DAY,
        view_links=(
            Link("day", "/reception?view=day", True),
            Link("week", "/reception?view=week"),
        ),
        resource_links=(
            Link("clinician", "/reception?resource=clinician"),
            Link("room", "/reception?resource=room", True),
            Link("place", "/reception?resource=place"),
        ),
        resource_choices=(Link("Procedure room 1", "/reception?id=r1", True),),
        previous_href="/reception?date=2025-03-03",
        next_href="/reception?date=2025-03-05",
        today_href="/reception",
        step_minutes=15,
        columns=(
            CalendarColumn("Procedure room 1", None),
            CalendarColumn(None, DAY, leave=True),
        ),
        rows=(
            CalendarRow(
                "10:00", (CalendarCell("event", 2, _event()), CalendarCell("leave"))
            ),
            CalendarRow("", (CalendarCell("off"),)),
            CalendarRow("10:30", (CalendarCell("free"), CalendarCell("closed"))),
        ),
        inactive=(_event("cancelled"),),
        booked_notice=True,
    )


def book(lang: Lang) -> BookPage:
    return BookPage(
        lang=lang,
        shell=_shell(lang, "/reception/book"),
        query="Bulut",
        hits=(PatientHit("Serkan Bulut", "1980-05-06", "/reception/book?patient=p1"),),
        patient=SelectedPatient(
            patient_id="p1",
            name="Serkan Bulut",
            detail="1980-05-06",
            courses=(
                CourseRow("Meniscus injury", "planned", "0/5", "/reception/book/c1"),
            ),
            conditions=(
                ConditionRow("meniscus_injury", "Meniscus injury", "ready"),
                ConditionRow("neck_pain", "Neck pain", "awaiting_review"),
                ConditionRow("low_back_pain", "Low back pain", "not_eligible"),
            ),
            ready=(Choice("meniscus_injury", "Meniscus injury"),),
            clinicians=(Choice("d1", "Dr. Ayşe Demir"),),
            min_sessions=4,
            max_sessions=8,
        ),
        error="the patient has no signed-off eligible screening for neck_pain",
    )


def _choices() -> tuple[Choice, ...]:
    return (Choice("x1", "One", True), Choice("x2", "Two"))


def plan(lang: Lang) -> PlanPage:
    return PlanPage(
        lang=lang,
        shell=_shell(lang, "/reception/book/c1"),
        patient_name="Serkan Bulut",
        condition="Meniscus injury",
        planned_sessions=4,
        start_value="2025-03-04",
        rows=(
            PlanRow(
                1,
                None,
                None,
                "2025-03-04",
                "10:00",
                _choices(),
                _choices(),
                _choices(),
                None,
                True,
            ),
            PlanRow(
                2,
                date(2025, 3, 18),
                date(2025, 3, 25),
                "2025-03-14",
                "10:00",
                _choices(),
                _choices(),
                _choices(),
                "Dr. Ayşe Demir is on leave on 2025-03-14",
                False,
            ),
        ),
        rule_problems=(
            RuleProblem("gap_too_short", 1, 2, 10, 14),
            RuleProblem("gap_too_long", 2, 3, 25, 21),
            RuleProblem("not_increasing", 3, 4, 0, 0),
            RuleProblem("too_many_sessions", 0, 0, 0, 8),
            RuleProblem("too_few_sessions", 0, 0, 0, 4),
        ),
        checked_ok=False,
        error="session 2: already booked",
        action_href="/reception/book/c1",
    )


def appointment(lang: Lang) -> AppointmentPage:
    return AppointmentPage(
        lang=lang,
        shell=_shell(lang, "/reception/appointments/a1"),
        appointment_id="a1",
        version=2,
        patient_name="Merve Yavuz",
        session_number=2,
        planned_sessions=5,
        day=DAY,
        time_label="10:00–10:45",
        clinician="Dr. Ayşe Demir",
        room="Procedure room 1",
        place="Bed A",
        status="cancelled",
        status_reason="ill",
        chain=(
            ChainRow(
                1,
                DAY,
                "10:00",
                "done",
                "Dr. Ayşe Demir",
                "/reception/appointments/a0",
                False,
                False,
            ),
            ChainRow(2, DAY, "10:00", "cancelled", "Dr. Ayşe Demir", None, False, True),
            ChainRow(
                2,
                DAY,
                "11:00",
                "booked",
                "Dr. Ayşe Demir",
                "/reception/appointments/a2",
                True,
                False,
            ),
        ),
        can_cancel=True,
        can_no_show=True,
        can_check_in=True,
        options=(
            SlotOption(
                DAY,
                "09:00",
                "Dr. Ayşe Demir",
                2,
                "2025-03-04T06:00:00+00:00",
                "d1",
                "r1",
                "p1",
            ),
        ),
        options_need_override=True,
        repair=RepairView(
            repaired=True,
            moved=(
                MovedRow(2, None, "", DAY, "11:00"),
                MovedRow(3, DAY, "10:00", date(2025, 3, 19), "10:00"),
            ),
            problem=None,
            need_override=False,
        ),
        error="a cancelled appointment cannot become cancelled",
        calendar_href="/reception?date=2025-03-04",
    )


def appointment_failed(lang: Lang) -> AppointmentPage:
    page = appointment(lang)
    return AppointmentPage(
        **{
            **{f: getattr(page, f) for f in page.__dataclass_fields__},
            "repair": RepairView(False, (), "Session 2 cannot be rebooked.", True),
            "status": "booked",
        }
    )


def check_in(lang: Lang) -> CheckInPage:
    return CheckInPage(
        lang=lang,
        shell=_shell(lang, "/reception/check-in"),
        day=DAY,
        arrivals=(
            ArrivalRow(
                "a1",
                1,
                "09:00",
                "Merve Yavuz",
                "1/5",
                "Dr. Ayşe Demir",
                "Procedure room 1",
                "booked",
                "/reception/appointments/a1",
            ),
            ArrivalRow(
                "a2",
                3,
                "09:45",
                "Burak Aslan",
                "2/4",
                "Dr. Mehmet Yıldız",
                "Procedure room 2",
                "checked_in",
                "/reception/appointments/a2",
            ),
        ),
        error="stale",
    )


def waitlist(lang: Lang) -> WaitlistPage:
    slot = FreedSlotRow(
        DAY, "10:00", "Dr. Ayşe Demir", "/reception/waitlist?slot=a1", True
    )
    return WaitlistPage(
        lang=lang,
        shell=_shell(lang, "/reception/waitlist"),
        freed=(slot,),
        slot=slot,
        slot_id="a1",
        offers=(
            OfferRow(
                1,
                "e1",
                1,
                "Gül Karaca",
                DAY,
                date(2025, 3, 20),
                3,
                True,
                1,
                True,
                False,
            ),
            OfferRow(
                2, "e2", 2, "Serkan Bulut", DAY, None, 9, False, None, False, True
            ),
        ),
        waiting=(
            WaitingRow(
                "Gül Karaca",
                DAY,
                date(2025, 3, 20),
                1,
                "waiting",
                "wants an early slot",
                3,
            ),
        ),
        notice="booked",
        error="the entry is booked",
    )


SAMPLES: dict[type[TemplateContext], Callable[[Lang], TemplateContext]] = {
    CalendarPage: calendar,
    BookPage: book,
    PlanPage: plan,
    AppointmentPage: appointment,
    CheckInPage: check_in,
    WaitlistPage: waitlist,
}
