"""Sample contexts of the clinician's pages (the contract and accessibility tests render them)."""

# Turkish letters are meant.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Callable

from prolo.web.contexts import ShellUser, TemplateContext
from prolo.web.contexts.clinician import (
    AdverseEventRow,
    AdviceReasonRow,
    ChartPointRow,
    ClinicianTodayPage,
    CourseView,
    DayRow,
    HistoryRow,
    InjectionRow,
    IntakeAnswer,
    OutcomeChart,
    PatientChartPage,
    PatientListPage,
    PatientRow,
    ReasonRow,
    ScreeningView,
    SessionSlot,
)
from prolo.web.i18n import Lang
from prolo.web.shell import build_shell

from . import make_request

PID = "6b0c4f8e-0000-4000-8000-000000000001"
CID = "6b0c4f8e-0000-4000-8000-000000000002"


def _shell(lang: Lang, path: str, role: str = "clinician"):
    return build_shell(
        make_request(path),
        lang,
        ShellUser("clinician@demo.prolo", role),  # type: ignore[arg-type]
        csrf_token="csrf",
    )


def day_rows() -> tuple[DayRow, ...]:
    return (
        DayRow(
            time="09:30",
            patient_name="Merve Yavuz",
            chart_href=f"/clinician/patients/{PID}",
            condition="Knee osteoarthritis",
            session_number=1,
            clinician="Dr. Ayşe Demir",
            status="booked",
            runner_href="/runner/a1",
            red_flags=("New anticoagulant",),
        ),
        DayRow(
            time="10:15",
            patient_name="Zehra Koç",
            chart_href=f"/clinician/patients/{PID}",
            condition="Knee osteoarthritis",
            session_number=3,
            clinician="Dr. Mehmet Yıldız",
            status="cancelled",
            runner_href=None,
        ),
    )


def today(lang: Lang) -> ClinicianTodayPage:
    return ClinicianTodayPage(
        lang=lang, shell=_shell(lang, "/clinician"), day="2025-03-14", rows=day_rows()
    )


def patients(lang: Lang) -> PatientListPage:
    return PatientListPage(
        lang=lang,
        shell=_shell(lang, "/clinician/patients"),
        query="Yavuz",
        patients=(
            PatientRow("Merve Yavuz", "1990-03-05", f"/clinician/patients/{PID}"),
        ),
        total=1,
    )


def _screening(signed: bool, sid: str) -> ScreeningView:
    return ScreeningView(
        id=sid,
        screened_at="2025-03-01 10:00",
        outcome="eligible" if signed else "needs_review",
        reasons=(
            ReasonRow(
                "anticoagulant", "review", "Takes an anticoagulant: review", "S24"
            ),
        ),
        signed_off=signed,
        final_outcome="eligible" if signed else None,
        override_reason="reviewed with the patient" if signed else None,
        signed_off_at="2025-03-01 16:00" if signed else None,
        version=1,
        intake=(
            IntakeAnswer("conditions", "text", "Knee osteoarthritis"),
            IntakeAnswer("anticoagulant", "yes", ""),
            IntakeAnswer("pregnant", "no", ""),
        ),
        sign_off_action=f"/clinician/patients/{PID}/screenings/{sid}/sign-off",
    )


def chart(lang: Lang) -> PatientChartPage:
    injection = InjectionRow(
        at="09:42",
        site="Knee joint, intra-articular",
        laterality="right",
        solution="dextrose",
        concentration="25",
        volume="5",
        lot_number="DX25-0301",
        anaesthetic="",
        guidance="ultrasound",
    )
    return PatientChartPage(
        lang=lang,
        shell=_shell(lang, f"/clinician/patients/{PID}"),
        patient_name="Merve Yavuz",
        birth_date="1990-03-05",
        phone="+90 511 555 11 11",
        screenings=(_screening(False, "s2"), _screening(True, "s1")),
        can_sign_off=True,
        sign_off_error="reason_required",
        sign_off_message="deciding eligible needs a written reason",
        courses=(
            CourseView(
                id=CID,
                condition="Knee osteoarthritis",
                status="active",
                planned_sessions=4,
                sessions_done=1,
                slots=(
                    SessionSlot(
                        1, "2025-03-03", "2025-03-03", "2025-03-03 09:30", "done", "/r"
                    ),
                    SessionSlot(2, "2025-03-17", "2025-03-24", None, "planned", None),
                ),
                charts=(
                    OutcomeChart(
                        instrument="nrs",
                        instrument_name="Numeric Rating Scale",
                        src=f"/clinician/patients/{PID}/courses/{CID}/charts/nrs.svg",
                        baseline="7",
                        mcid="2",
                        points=(
                            ChartPointRow("baseline", "7", "", None),
                            ChartPointRow("session-1", "6", "-1", False),
                        ),
                    ),
                ),
                advice="continue",
                advice_reasons=(
                    AdviceReasonRow("too_early", "Too early to judge", "CLINIC"),
                ),
            ),
        ),
        history=(
            HistoryRow(
                session_number=1,
                date="2025-03-03 09:27",
                state="discharged",
                injections=(injection,),
                adverse_events=(
                    AdverseEventRow("09:55", "pain_flare", "mild", "", "ice pack"),
                ),
                override_reason=None,
                runner_href="/runner/a1",
            ),
        ),
    )


SAMPLES: dict[type[TemplateContext], Callable[[Lang], TemplateContext]] = {
    ClinicianTodayPage: today,
    PatientListPage: patients,
    PatientChartPage: chart,
}
