"""Sample contexts of the session runner's pages."""

from __future__ import annotations

from collections.abc import Callable

from prolo.web.contexts import TemplateContext
from prolo.web.contexts.clinician import InjectionRow
from prolo.web.contexts.runner import (
    Choice,
    InjectionPrefill,
    RunnerAdverseEvent,
    RunnerClock,
    RunnerError,
    RunnerIndexPage,
    RunnerNote,
    RunnerPage,
    SiteOption,
    StepView,
)
from prolo.web.i18n import Lang

from .clinician import _shell, day_rows


def index(lang: Lang) -> RunnerIndexPage:
    return RunnerIndexPage(
        lang=lang,
        shell=_shell(lang, "/runner", "nurse"),
        day="2025-03-14",
        rows=day_rows(),
    )


def session(lang: Lang) -> RunnerPage:
    done_steps = ("check_in", "consent", "preparation", "local_anaesthesia")
    return RunnerPage(
        lang=lang,
        shell=_shell(lang, "/runner/a1"),
        action_base="/runner/a1",
        patient_name="Merve Yavuz",
        chart_href="/clinician/patients/p1",
        condition="Knee osteoarthritis",
        session_number=1,
        starts_at="2025-03-14 09:30",
        started=True,
        final=False,
        outcome="open",
        step="rest",
        # every form at once, so the contract and accessibility tests see them all
        allowed=(
            "consent",
            "preparation",
            "local_anaesthesia",
            "injection",
            "rest",
            "discharge",
            "abort",
            "adverse_event",
        ),
        version=7,
        steps=(
            *(
                StepView(s, "done", f"09:2{i}", "nurse")
                for i, s in enumerate(done_steps)
            ),
            StepView("injections", "done", "09:40", "clinician"),
            StepView("rest", "current", "09:45", "nurse"),
            StepView("discharged", "todo", None, None),
        ),
        clock=RunnerClock(
            server_now="2025-03-14T06:50:00+00:00",
            procedure_started="2025-03-14T06:25:00+00:00",
            procedure_ended="2025-03-14T06:45:00+00:00",
            budget_minutes=30,
            procedure_minutes=20,
            over_budget=False,
            rest_started="2025-03-14T06:45:00+00:00",
            rest_minutes=5,
            rest_min_minutes=10,
            rest_max_minutes=15,
            earliest_discharge="2025-03-14T06:55:00+00:00",
            earliest_discharge_time="09:55",
            may_discharge=False,
        ),
        sites=(
            SiteOption("knee_intra_articular", "Knee joint, intra-articular", True),
            SiteOption("knee_periarticular", "Knee, periarticular", True),
        ),
        prefill=InjectionPrefill(
            site="knee_intra_articular",
            laterality="",
            solution="dextrose",
            concentration="25",
            volume="6",
            anaesthetic="lidocaine 1%",
            guidance="",
            template_title="Rabago 2013 RCT",
            template_reported="6 mL of 25% dextrose",
            template_sources="S5",
        ),
        injections=(
            InjectionRow(
                "09:40",
                "Knee joint, intra-articular",
                "right",
                "dextrose",
                "25",
                "6",
                "DX-1",
                "",
                "landmark",
            ),
        ),
        adverse_events=(
            RunnerAdverseEvent("09:47", "Pain flare", "mild", "resolved", "ice", ""),
        ),
        adverse_kinds=(Choice("pain_flare", "Post-injection pain flare"),),
        severities=("mild", "moderate", "severe"),
        outcomes=("resolved", "ongoing"),
        notes=(RunnerNote("warning", "adverse event recorded"),),
        can_override=True,
        red_flags=("New anticoagulant since the last session",),
        can_clear_flags=True,
        error=RunnerError(
            "rest_minimum", "discharge refused", rested="5", minimum="10"
        ),
    )


SAMPLES: dict[type[TemplateContext], Callable[[Lang], TemplateContext]] = {
    RunnerIndexPage: index,
    RunnerPage: session,
}
