"""The session state machine, its rules (session_rules.yaml) and the injection protocol templates."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from prolo.domain.catalog import load_catalog
from prolo.domain.errors import (
    DomainError,
    InvalidInputError,
    ReferenceDataError,
    RuleViolationError,
    UnknownIdError,
)
from prolo.domain.protocol import (
    Abort,
    Discharge,
    GiveConsent,
    GiveInjection,
    GiveLocalAnaesthesia,
    Guidance,
    Laterality,
    LogEntry,
    Override,
    ProtocolTemplates,
    Range,
    ReportAdverseEvent,
    SessionEvent,
    SessionRecord,
    SessionRules,
    SessionStep,
    StartPreparation,
    StartRest,
    TemplateLine,
    allowed_events,
    check_in,
    check_protocol_templates,
    earliest_discharge,
    load_protocol_templates,
    load_session_rules,
    procedure_minutes,
    rest_minutes,
    transition,
)
from prolo.domain.reference import read_yaml

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def rules_with(**changes: Any) -> SessionRules:
    """The default rules with some values changed, e.g. rest={"min_minutes": 5}."""
    base = load_session_rules()
    update: dict[str, Any] = {}
    for key, value in changes.items():
        if isinstance(value, dict):
            update[key] = getattr(base, key).model_copy(update=value)
        else:
            update[key] = value
    return SessionRules.model_validate(base.model_copy(update=update).model_dump())


def knee_injection(**changes: Any) -> GiveInjection:
    values: dict[str, Any] = {
        "site": "knee_intra_articular",
        "laterality": Laterality.right,
        "solution": "dextrose",
        "concentration_percent": 12.5,
        "volume_ml": 6,
        "anaesthetic": "lidocaine 1%",
        "guidance": Guidance.landmark,
        "lot_number": "LOT-1",
    }
    values.update(changes)
    return GiveInjection(**values)


def run(
    events: list[tuple[float, SessionEvent]],
    rules: SessionRules | None = None,
    conditions: tuple[str, ...] = ("knee_osteoarthritis",),
) -> SessionRecord:
    record = check_in(list(conditions), T0, by="reception")
    for minutes, event in events:
        record, _ = transition(
            record, event, at(minutes), rules or load_session_rules()
        )
    return record


def to_rest(rest_at: float = 20) -> list[tuple[float, SessionEvent]]:
    """check-in at 0, consent 1, preparation 2, anaesthesia 4, one injection 6, rest at `rest_at`."""
    return [
        (1, GiveConsent(by="dr-a")),
        (2, StartPreparation(by="nurse-b")),
        (
            4,
            GiveLocalAnaesthesia(
                agent="lidocaine", concentration_percent=1, volume_ml=2
            ),
        ),
        (6, knee_injection()),
        (rest_at, StartRest()),
    ]


def adverse(**changes: Any) -> ReportAdverseEvent:
    values: dict[str, Any] = {
        "event": "vasovagal_reaction",
        "severity": "mild",
        "onset": at(5),
        "action": "supine, legs raised",
        "outcome": "resolved",
    }
    values.update(changes)
    return ReportAdverseEvent(**values)


class TestRules:
    def test_defaults_come_from_the_clinic_text(self) -> None:
        rules = load_session_rules()
        assert rules.procedure.max_minutes == 30
        assert (rules.rest.min_minutes, rules.rest.max_minutes) == (10, 15)
        assert rules.rest.heat_packs
        assert rules.local_anaesthesia.required
        assert {
            rules.procedure.source,
            rules.rest.source,
            rules.local_anaesthesia.source,
        } == {"CLINIC"}

    def test_adverse_event_kinds_cover_the_reference_list(self) -> None:
        ids = {k.id for k in load_session_rules().adverse_event_kinds}
        assert {
            "vasovagal_reaction",
            "bleeding",
            "pain_flare",
            "allergic_reaction",
            "anaphylaxis",
            "pneumothorax",
            "dural_puncture_headache",
            "nerve_injury",
            "infection",
            "other",
        } <= ids

    def test_every_adverse_event_kind_cites_a_publication(self) -> None:
        for kind in load_session_rules().adverse_event_kinds:
            assert set(kind.sources) <= {"S2", "S24", "S28", "S32"}, kind.id

    def test_rest_minimum_above_maximum_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="min_minutes"):
            rules_with(rest={"min_minutes": 20, "max_minutes": 15})


class TestCheckIn:
    def test_opens_the_record_in_check_in(self) -> None:
        record = check_in(["knee_osteoarthritis"], T0, by="reception")
        assert record.step is SessionStep.check_in
        assert record.checked_in_at == T0
        assert record.log[0].by == "reception"

    def test_unknown_condition_is_refused(self) -> None:
        with pytest.raises(UnknownIdError, match="knee_pain"):
            check_in(["knee_pain"], T0)

    def test_no_condition_is_refused(self) -> None:
        with pytest.raises(InvalidInputError, match="at least one"):
            check_in([], T0)

    def test_naive_time_is_refused(self) -> None:
        with pytest.raises(InvalidInputError, match="timezone-aware"):
            check_in(["migraine"], datetime(2026, 3, 2, 9, 0))


class TestTransitions:
    def test_the_full_path_timestamps_every_step(self) -> None:
        record = run([*to_rest(20), (32, Discharge(by="nurse-b"))])
        assert [e.step for e in record.log] == [
            SessionStep.check_in,
            SessionStep.consent,
            SessionStep.preparation,
            SessionStep.local_anaesthesia,
            SessionStep.injections,
            SessionStep.rest,
            SessionStep.discharged,
        ]
        assert [e.at for e in record.log] == [at(m) for m in (0, 1, 2, 4, 6, 20, 32)]
        assert record.consent_by == "dr-a"
        assert record.anaesthetic is not None
        assert record.anaesthetic.agent == "lidocaine"
        assert record.heat_packs_applied is True
        assert record.discharged_at == at(32)
        assert not record.flagged

    def test_each_injection_is_recorded_with_its_details(self) -> None:
        events = to_rest(20)
        events.insert(
            4,
            (
                8,
                knee_injection(
                    site="knee_periarticular", laterality=Laterality.left, points=4
                ),
            ),
        )
        record = run(events)
        first, second = record.injections
        assert (first.site, first.laterality, first.given_at, first.lot_number) == (
            "knee_intra_articular",
            Laterality.right,
            at(6),
            "LOT-1",
        )
        assert (second.site, second.laterality, second.points) == (
            "knee_periarticular",
            Laterality.left,
            4,
        )
        assert record.step is SessionStep.rest

    def test_the_record_is_immutable(self) -> None:
        record = check_in(["knee_osteoarthritis"], T0)
        new, _ = transition(record, GiveConsent(by="dr-a"), at(1), load_session_rules())
        assert record.step is SessionStep.check_in
        assert new.step is SessionStep.consent
        assert len(record.log) == 1
        assert len(new.log) == 2

    @pytest.mark.parametrize(
        ("prefix", "event", "step"),
        [
            (0, StartPreparation(), "check_in"),
            (0, StartRest(), "check_in"),
            (1, GiveConsent(by="x"), "consent"),
            (1, knee_injection(), "consent"),
            (2, Discharge(), "preparation"),
            (2, StartRest(), "preparation"),
            (3, GiveLocalAnaesthesia(agent="lidocaine"), "local_anaesthesia"),
            (3, StartRest(), "local_anaesthesia"),
            (4, Discharge(), "injections"),
            (4, GiveLocalAnaesthesia(agent="lidocaine"), "injections"),
            (5, knee_injection(), "rest"),
            (5, StartRest(), "rest"),
        ],
    )
    def test_illegal_events_name_the_step_and_the_event(
        self, prefix: int, event: SessionEvent, step: str
    ) -> None:
        record = run(to_rest(20)[:prefix])
        with pytest.raises(RuleViolationError) as raised:
            transition(record, event, at(25), load_session_rules())
        assert f"'{step}'" in str(raised.value)
        assert f"'{event.kind}'" in str(raised.value)

    def test_nothing_but_adverse_events_after_discharge(self) -> None:
        record = run([*to_rest(20), (31, Discharge())])
        for event in (
            GiveConsent(by="x"),
            StartRest(),
            Discharge(),
            Abort(reason="late"),
        ):
            with pytest.raises(RuleViolationError, match="'discharged'"):
                transition(record, event, at(40), load_session_rules())
        after, notes = transition(
            record,
            adverse(event="pain_flare", onset=at(35)),
            at(60),
            load_session_rules(),
        )
        assert after.step is SessionStep.discharged
        assert after.adverse_events[0].kind == "pain_flare"
        assert notes[0].code == "adverse_event"

    @pytest.mark.parametrize("prefix", range(6))
    def test_abort_from_every_open_step_records_the_reason(self, prefix: int) -> None:
        record = run(to_rest(20)[:prefix])
        aborted, notes = transition(
            record,
            Abort(reason="patient felt faint", by="dr-a"),
            at(25),
            load_session_rules(),
        )
        assert aborted.step is SessionStep.aborted
        assert aborted.abort_reason == "patient felt faint"
        assert aborted.log[-1].by == "dr-a"
        assert notes[0].code == "aborted"
        with pytest.raises(RuleViolationError, match="'aborted'"):
            transition(aborted, Abort(reason="again"), at(26), load_session_rules())

    def test_abort_needs_a_reason(self) -> None:
        with pytest.raises(ValidationError):
            Abort(reason="   ")

    def test_allowed_events_follow_the_rules(self) -> None:
        record = run(to_rest(20)[:2])
        assert "injection" not in allowed_events(record, load_session_rules())
        assert "injection" in allowed_events(
            record, rules_with(local_anaesthesia={"required": False})
        )

    @pytest.mark.parametrize(
        ("step", "event", "missing"),
        [
            (SessionStep.injections, StartRest(), "preparation"),
            (SessionStep.rest, Discharge(), "rest"),
        ],
    )
    def test_a_hand_built_record_without_its_earlier_steps_is_refused(
        self, step: SessionStep, event: SessionEvent, missing: str
    ) -> None:
        record = SessionRecord(
            condition_ids=("knee_osteoarthritis",),
            step=step,
            log=(LogEntry(kind="check_in", at=T0, step=SessionStep.check_in),),
        )
        with pytest.raises(RuleViolationError, match=f"no {missing} step"):
            transition(record, event, at(40), load_session_rules())

    def test_time_must_not_run_backwards(self) -> None:
        record = run(to_rest(20)[:2])
        with pytest.raises(InvalidInputError, match="backwards") as raised:
            transition(
                record,
                GiveLocalAnaesthesia(agent="lidocaine"),
                at(1),
                load_session_rules(),
            )
        assert raised.value.field == "now"

    def test_naive_now_is_refused(self) -> None:
        record = check_in(["migraine"], T0)
        with pytest.raises(InvalidInputError, match="timezone-aware"):
            transition(
                record,
                GiveConsent(by="x"),
                datetime(2026, 3, 2, 9, 5),
                load_session_rules(),
            )

    def test_other_timezones_compare_by_instant(self) -> None:
        record = check_in(["migraine"], T0)
        istanbul = timezone(timedelta(hours=3))
        new, _ = transition(
            record,
            GiveConsent(by="x"),
            datetime(2026, 3, 2, 12, 1, tzinfo=istanbul),
            load_session_rules(),
        )
        assert new.log[-1].at - T0 == timedelta(minutes=1)


class TestInjections:
    def _ready(
        self, conditions: tuple[str, ...] = ("knee_osteoarthritis",)
    ) -> SessionRecord:
        return run(to_rest(20)[:3], conditions=conditions)

    def test_site_must_be_a_catalog_site_of_the_condition(self) -> None:
        with pytest.raises(InvalidInputError, match="plantar_fascia") as raised:
            transition(
                self._ready(),
                knee_injection(site="plantar_fascia"),
                at(5),
                load_session_rules(),
            )
        assert raised.value.field == "site"

    def test_a_session_for_two_conditions_allows_both_site_lists(self) -> None:
        record = self._ready(("knee_osteoarthritis", "plantar_fasciitis_heel_spur"))
        record, _ = transition(
            record, knee_injection(site="plantar_fascia"), at(5), load_session_rules()
        )
        record, _ = transition(record, knee_injection(), at(6), load_session_rules())
        assert [i.site for i in record.injections] == [
            "plantar_fascia",
            "knee_intra_articular",
        ]

    def test_a_lateral_site_needs_a_side(self) -> None:
        with pytest.raises(
            InvalidInputError, match="left, right or bilateral"
        ) as raised:
            transition(
                self._ready(),
                knee_injection(laterality=Laterality.none),
                at(5),
                load_session_rules(),
            )
        assert raised.value.field == "laterality"

    def test_bilateral_is_a_side(self) -> None:
        record, _ = transition(
            self._ready(),
            knee_injection(laterality=Laterality.bilateral),
            at(5),
            load_session_rules(),
        )
        assert record.injections[0].laterality is Laterality.bilateral

    def test_a_midline_site_has_no_side(self) -> None:
        record = self._ready(("neck_pain",))
        with pytest.raises(InvalidInputError, match="'none'"):
            transition(
                record,
                knee_injection(site="cervical_spinous_processes"),
                at(5),
                load_session_rules(),
            )
        ok, _ = transition(
            record,
            knee_injection(
                site="cervical_spinous_processes", laterality=Laterality.none
            ),
            at(5),
            load_session_rules(),
        )
        assert ok.injections[0].laterality is Laterality.none

    @pytest.mark.parametrize(
        "bad",
        [
            {"concentration_percent": 0},
            {"concentration_percent": 101},
            {"volume_ml": 0},
            {"solution": " "},
            {"points": 0},
            {"guidance": "fluoroscopy"},
            {"laterality": "middle"},
        ],
    )
    def test_malformed_injections_are_refused(self, bad: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            knee_injection(**bad)

    def test_lot_number_is_optional_in_the_domain(self) -> None:
        record, _ = transition(
            self._ready(), knee_injection(lot_number=None), at(5), load_session_rules()
        )
        assert record.injections[0].lot_number is None

    def test_injecting_without_the_anaesthesia_step_is_refused_when_the_rules_require_it(
        self,
    ) -> None:
        record = run(to_rest(20)[:2])
        with pytest.raises(RuleViolationError, match="local-anaesthesia step first"):
            transition(record, knee_injection(), at(5), load_session_rules())

    def test_clinic_rules_may_make_the_anaesthesia_step_optional(self) -> None:
        record = run(to_rest(20)[:2])
        rules = rules_with(local_anaesthesia={"required": False})
        record, _ = transition(record, knee_injection(), at(5), rules)
        assert record.step is SessionStep.injections
        assert record.anaesthetic is None


class TestProcedureTime:
    def test_thirty_minutes_exactly_is_not_flagged(self) -> None:
        # preparation starts at minute 2; the rest (= end of injections) at minute 32
        record = run(to_rest(32))
        assert procedure_minutes(record, at(40)) == 30
        assert not [n for n in record.notes if n.code == "procedure_over_time"]

    def test_over_thirty_minutes_is_flagged_not_refused(self) -> None:
        record = run(to_rest(32.5))
        assert record.step is SessionStep.rest
        (note,) = [n for n in record.notes if n.code == "procedure_over_time"]
        assert note.severity.value == "warning"
        assert note.source == "CLINIC"
        assert "30.5 min" in note.message
        assert record.flagged

    def test_the_clinic_limit_changes_the_flag(self) -> None:
        strict = run(to_rest(25), rules=rules_with(procedure={"max_minutes": 20}))
        lenient = run(to_rest(25), rules=rules_with(procedure={"max_minutes": 30}))
        assert any(n.code == "procedure_over_time" for n in strict.notes)
        assert not any(n.code == "procedure_over_time" for n in lenient.notes)

    def test_running_procedure_time(self) -> None:
        record = run(to_rest(20)[:4])
        assert procedure_minutes(record, at(10)) == 8
        assert procedure_minutes(check_in(["migraine"], T0), at(3)) is None

    def test_rest_without_heat_packs_is_noted(self) -> None:
        events = to_rest(20)
        events[-1] = (20, StartRest(heat_packs_applied=False))
        record = run(events)
        assert record.heat_packs_applied is False
        assert any(n.code == "rest_without_heat_packs" for n in record.notes)
        no_heat_rule = run(events, rules=rules_with(rest={"heat_packs": False}))
        assert not any(n.code == "rest_without_heat_packs" for n in no_heat_rule.notes)


class TestDischarge:
    def test_ten_minutes_of_rest_is_enough(self) -> None:
        record = run([*to_rest(20), (30, Discharge())])
        assert record.step is SessionStep.discharged
        assert record.discharge_override is None
        assert rest_minutes(record, at(99)) == 10

    def test_discharge_before_ten_minutes_is_refused(self) -> None:
        record = run(to_rest(20))
        with pytest.raises(
            RuleViolationError, match=r"rested 9\.9 min, the minimum is 10 min"
        ):
            transition(record, Discharge(), at(29.9), load_session_rules())

    def test_a_clinician_override_with_a_reason_allows_early_discharge(self) -> None:
        record = run(to_rest(20))
        override = Override(by="dr-a", reason="patient well, transport waiting")
        done, notes = transition(
            record, Discharge(override=override), at(25), load_session_rules()
        )
        assert done.step is SessionStep.discharged
        assert done.discharge_override is not None
        assert (done.discharge_override.by, done.discharge_override.reason) == (
            "dr-a",
            "patient well, transport waiting",
        )
        assert done.discharge_override.rest_minutes == 5
        assert done.discharge_override.rule == "rest.min_minutes"
        assert [n.code for n in notes] == ["discharge_override"]

    @pytest.mark.parametrize(
        ("by", "reason"), [("dr-a", ""), ("dr-a", "   "), ("", "reason")]
    )
    def test_an_override_needs_who_and_why(self, by: str, reason: str) -> None:
        with pytest.raises(ValidationError):
            Override(by=by, reason=reason)

    def test_an_unneeded_override_is_not_recorded(self) -> None:
        record = run(to_rest(20))
        done, notes = transition(
            record,
            Discharge(override=Override(by="dr-a", reason="x")),
            at(31),
            load_session_rules(),
        )
        assert done.discharge_override is None
        assert [n.code for n in notes] == ["override_not_needed"]

    def test_rest_over_fifteen_minutes_is_noted(self) -> None:
        exact = run([*to_rest(20), (35, Discharge())])
        longer = run([*to_rest(20), (36, Discharge())])
        assert not any(n.code == "rest_over_time" for n in exact.notes)
        (note,) = [n for n in longer.notes if n.code == "rest_over_time"]
        assert note.severity.value == "info"
        assert "16.0 min" in note.message

    def test_changing_the_minimum_rest_changes_what_is_refused(self) -> None:
        record = run(to_rest(20))
        short = rules_with(rest={"min_minutes": 5})
        done, _ = transition(record, Discharge(), at(26), short)
        assert done.step is SessionStep.discharged
        with pytest.raises(RuleViolationError, match="minimum is 10 min"):
            transition(record, Discharge(), at(26), load_session_rules())
        long = rules_with(rest={"min_minutes": 20, "max_minutes": 25})
        with pytest.raises(RuleViolationError, match="minimum is 20 min"):
            transition(record, Discharge(), at(35), long)

    def test_earliest_discharge(self) -> None:
        record = run(to_rest(20))
        assert earliest_discharge(record, load_session_rules()) == at(30)
        assert earliest_discharge(record, rules_with(rest={"min_minutes": 12})) == at(
            32
        )
        assert earliest_discharge(run(to_rest(20)[:3]), load_session_rules()) is None


class TestAdverseEvents:
    def test_recorded_with_severity_onset_action_and_outcome(self) -> None:
        record = run(to_rest(20)[:4])
        record, notes = transition(
            record, adverse(site="knee_intra_articular"), at(7), load_session_rules()
        )
        (event,) = record.adverse_events
        assert (
            event.kind,
            event.severity,
            event.onset,
            event.outcome,
            event.recorded_at,
        ) == (
            "vasovagal_reaction",
            "mild",
            at(5),
            "resolved",
            at(7),
        )
        assert record.step is SessionStep.injections
        assert notes[0].source in {"S24", "S32"}
        assert record.flagged

    def test_unknown_kind_severity_or_outcome_is_refused(self) -> None:
        record = run(to_rest(20)[:4])
        rules = load_session_rules()
        for bad, field in (
            (adverse(event="levitation"), "kind"),
            (adverse(severity="catastrophic"), "severity"),
            (adverse(outcome="fine"), "outcome"),
            (adverse(site="moon"), "site"),
        ):
            with pytest.raises((InvalidInputError, UnknownIdError)) as raised:
                transition(record, bad, at(7), rules)
            assert raised.value.field == field

    def test_other_needs_a_description(self) -> None:
        record = run(to_rest(20)[:4])
        with pytest.raises(InvalidInputError, match="description"):
            transition(
                record,
                adverse(event="other", description="  "),
                at(7),
                load_session_rules(),
            )
        ok, _ = transition(
            record,
            adverse(event="other", description="rash at the site"),
            at(7),
            load_session_rules(),
        )
        assert ok.adverse_events[0].description == "rash at the site"

    def test_onset_must_lie_between_check_in_and_now(self) -> None:
        record = run(to_rest(20)[:4])
        with pytest.raises(InvalidInputError, match="future"):
            transition(record, adverse(onset=at(9)), at(8), load_session_rules())
        with pytest.raises(InvalidInputError, match="precede the check-in"):
            transition(record, adverse(onset=at(-1)), at(8), load_session_rules())

    def test_the_kinds_come_from_the_rules(self) -> None:
        record = run(to_rest(20)[:4])
        base = load_session_rules()
        fewer = base.model_copy(
            update={
                "adverse_event_kinds": [
                    k for k in base.adverse_event_kinds if k.id != "bleeding"
                ]
            }
        )
        transition(record, adverse(event="bleeding"), at(7), base)
        with pytest.raises(InvalidInputError, match="bleeding"):
            transition(record, adverse(event="bleeding"), at(7), fewer)

    def test_events_parse_from_json_by_kind(self) -> None:
        adapter: TypeAdapter[SessionEvent] = TypeAdapter(SessionEvent)
        event = adapter.validate_python(
            {
                "kind": "adverse_event",
                "event": "bleeding",
                "severity": "mild",
                "onset": "2026-03-02T09:05:00+00:00",
                "outcome": "resolved",
            }
        )
        assert isinstance(event, ReportAdverseEvent)
        with pytest.raises(ValidationError):
            adapter.validate_python(
                {
                    "kind": "adverse_event",
                    "event": "bleeding",
                    "severity": "mild",
                    "onset": "2026-03-02T09:05:00",
                    "outcome": "resolved",
                }
            )


# ------------------------------------------------------------------------------------------------
# Property tests
# ------------------------------------------------------------------------------------------------

KNEE_SITES = ["knee_intra_articular", "knee_periarticular"]

injection_events = st.builds(
    knee_injection,
    site=st.sampled_from([*KNEE_SITES, "plantar_fascia"]),
    laterality=st.sampled_from(list(Laterality)),
)
discharge_events = st.builds(
    Discharge,
    override=st.one_of(
        st.none(), st.just(Override(by="dr-a", reason="clinical judgement"))
    ),
)
rest_events = st.builds(StartRest, heat_packs_applied=st.booleans())
extra_events = st.one_of(
    st.builds(GiveConsent, by=st.just("dr-a")),
    st.builds(StartPreparation),
    st.builds(GiveLocalAnaesthesia, agent=st.just("lidocaine")),
    injection_events,
    rest_events,
    discharge_events,
)
gaps = st.floats(min_value=-2, max_value=20, allow_nan=False)


@st.composite
def steps_strategy(draw: st.DrawFn) -> list[tuple[float, SessionEvent]]:
    """The usual path with steps dropped, stray events inserted, odd gaps and maybe an abort."""
    usual: list[SessionEvent] = [
        GiveConsent(by="dr-a"),
        StartPreparation(),
        GiveLocalAnaesthesia(agent="lidocaine"),
        draw(injection_events),
        draw(rest_events),
        draw(discharge_events),
    ]
    sequence: list[tuple[float, SessionEvent]] = []
    for event in usual:
        for extra in draw(st.lists(extra_events, max_size=1)):
            sequence.append((draw(gaps), extra))
        if draw(st.integers(0, 7)) < 7:
            sequence.append((draw(gaps), event))
    if draw(st.integers(0, 4)) == 4:
        sequence.insert(
            draw(st.integers(0, len(sequence))), (draw(gaps), Abort(reason="stopped"))
        )
    return sequence


def _apply(
    sequence: list[tuple[float, SessionEvent]], rules: SessionRules
) -> SessionRecord:
    record = check_in(["knee_osteoarthritis"], T0)
    clock = 0.0
    for gap, event in sequence:
        clock += gap
        try:
            record, _ = transition(record, event, at(clock), rules)
        except DomainError:
            continue
    return record


rules_strategy = st.builds(
    lambda proc, low, extra, anaesthesia: rules_with(
        procedure={"max_minutes": proc},
        rest={"min_minutes": low, "max_minutes": low + extra},
        local_anaesthesia={"required": anaesthesia},
    ),
    st.integers(1, 60),
    st.integers(0, 30),
    st.integers(1, 30),
    st.booleans(),
)


class TestProperties:
    @settings(
        max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(sequence=steps_strategy(), rules=rules_strategy)
    def test_any_event_sequence_yields_a_consistent_record(
        self, sequence: list[tuple[float, SessionEvent]], rules: SessionRules
    ) -> None:
        record = _apply(sequence, rules)
        times = [e.at for e in record.log]
        assert times == sorted(times), "timestamps run backwards"
        assert record.log[0].step is SessionStep.check_in
        order = list(SessionStep)
        for before, after in zip(record.log, record.log[1:], strict=False):
            if after.step is not SessionStep.aborted:
                assert order.index(after.step) >= order.index(before.step)
        rest_start = record.rest_started_at
        for injection in record.injections:
            assert injection.site in KNEE_SITES
            assert injection.laterality is not Laterality.none
            assert rest_start is None or injection.given_at <= rest_start
        if rules.local_anaesthesia.required and record.injections:
            assert record.anaesthetic is not None
            assert record.anaesthetic.given_at <= record.injections[0].given_at
        if rest_start is not None:
            assert record.injections
            prep = record.preparation_started_at
            assert prep is not None
            over = rest_start - prep > timedelta(minutes=rules.procedure.max_minutes)
            assert over == any(n.code == "procedure_over_time" for n in record.notes)

    @settings(
        max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(sequence=steps_strategy(), rules=rules_strategy)
    def test_discharge_never_precedes_the_minimum_rest_without_an_override(
        self, sequence: list[tuple[float, SessionEvent]], rules: SessionRules
    ) -> None:
        record = _apply(sequence, rules)
        if record.step is SessionStep.discharged:
            rest_start, discharged = record.rest_started_at, record.discharged_at
            assert rest_start is not None
            assert discharged is not None
            short = discharged - rest_start < timedelta(minutes=rules.rest.min_minutes)
            assert short == (record.discharge_override is not None)
            if record.discharge_override is not None:
                assert record.discharge_override.reason

    @given(
        minimum=st.integers(0, 30),
        rested=st.floats(min_value=0, max_value=45, allow_nan=False),
    )
    def test_the_minimum_rest_setting_decides_refusal(
        self, minimum: int, rested: float
    ) -> None:
        rules = rules_with(
            rest={"min_minutes": minimum, "max_minutes": max(minimum, 1)}
        )
        record = run(to_rest(20), rules=rules)
        if rested >= minimum:
            done, _ = transition(record, Discharge(), at(20 + rested), rules)
            assert done.step is SessionStep.discharged
        else:
            with pytest.raises(RuleViolationError):
                transition(record, Discharge(), at(20 + rested), rules)


# ------------------------------------------------------------------------------------------------
# Injection protocol templates
# ------------------------------------------------------------------------------------------------


def _raw_templates() -> dict[str, Any]:
    return copy.deepcopy(read_yaml("protocols.yaml"))


class TestTemplates:
    def test_every_template_uses_catalog_sites_of_its_condition(self) -> None:
        catalog = load_catalog()
        for template in load_protocol_templates().templates:
            assert set(template.sites) <= set(
                catalog.condition(template.condition).sites
            ), template.id
            assert all(s.startswith("S") for s in template.sources)

    def test_every_condition_either_has_templates_or_is_listed_without(self) -> None:
        templates = load_protocol_templates()
        with_template = {t.condition for t in templates.templates}
        without = set(templates.conditions_without_published_protocol.conditions)
        assert with_template | without == set(load_catalog().conditions)
        assert not with_template & without

    @pytest.mark.parametrize(
        "condition_id",
        [
            "hip_osteoarthritis",
            "meniscus_injury",
            "degenerative_disc_disease_lumbar",
            "degenerative_disc_disease_cervical",
            "lumbar_disc_herniation",
            "cervical_disc_herniation",
            "migraine",
            "fibromyalgia",
        ],
    )
    def test_no_template_is_invented_where_none_is_published(
        self, condition_id: str
    ) -> None:
        assert load_protocol_templates().for_condition(condition_id) == []

    def test_published_values_are_carried_as_reported(self) -> None:
        templates = load_protocol_templates()
        altas = templates.template("plantar_fasciitis_altas")
        line = altas.lines[0]
        assert (line.concentration_percent, line.total_volume_ml) == (
            Range(min=15, max=15),
            Range(min=3, max=3),
        )
        assert altas.sessions.count == Range(min=3, max=3)
        neck = templates.template("neck_hauser_case_series")
        assert neck.lines[0].volume_ml_per_point == Range(min=0.5, max=1)
        scarpone = templates.template("lateral_epicondylosis_scarpone_2008")
        assert scarpone.lines[0].concentration_basis.value == "derived"
        assert "sodium morrhuate" in scarpone.lines[0].ingredients

    def test_unknown_template_is_an_unknown_id(self) -> None:
        with pytest.raises(UnknownIdError, match="nope"):
            load_protocol_templates().template("nope")

    def test_the_default_templates_are_cached_and_the_catalog_can_be_passed(
        self,
    ) -> None:
        assert load_protocol_templates() is load_protocol_templates()
        assert len(load_protocol_templates(load_catalog()).templates) == len(
            load_protocol_templates().templates
        )

    @pytest.mark.parametrize(
        ("mutate", "message"),
        [
            (lambda r: r["templates"][0].update(condition="gout"), "unknown condition"),
            (
                lambda r: r["templates"][0]["lines"][0].update(site="plantar_fascia"),
                "not a catalog site",
            ),
            (lambda r: r["templates"][0].update(sources=["NOPE-2"]), "NOPE-2"),
            (
                lambda r: r["templates"].append(copy.deepcopy(r["templates"][0])),
                "defined twice",
            ),
            (
                lambda r: r["conditions_without_published_protocol"][
                    "conditions"
                ].remove("migraine"),
                "migraine",
            ),
            (
                lambda r: r["conditions_without_published_protocol"][
                    "conditions"
                ].append("low_back_pain"),
                "listed without",
            ),
        ],
    )
    def test_bad_templates_are_refused(self, mutate: Any, message: str) -> None:
        raw = _raw_templates()
        mutate(raw)
        with pytest.raises(ReferenceDataError, match=message):
            check_protocol_templates(
                ProtocolTemplates.model_validate(raw), load_catalog()
            )

    @pytest.mark.parametrize(
        "line",
        [
            {"site": "x", "as_reported": "y", "concentration_percent": 120},
            {"site": "x", "as_reported": "y", "concentration_basis": "derived"},
            {
                "site": "x",
                "as_reported": "y",
                "points": 4,
                "volume_ml_per_point": 2.5,
                "total_volume_ml": 20,
            },
            {
                "site": "x",
                "as_reported": "y",
                "volume_ml_per_point": {"min": 2, "max": 1},
            },
            {"site": "x", "as_reported": ""},
        ],
    )
    def test_inconsistent_lines_are_refused(self, line: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            TemplateLine.model_validate(line)

    def test_a_consistent_line_is_accepted(self) -> None:
        line = TemplateLine.model_validate(
            {
                "site": "x",
                "as_reported": "4 x 2.5",
                "points": 4,
                "volume_ml_per_point": 2.5,
                "total_volume_ml": 10,
            }
        )
        assert line.points == Range(min=4, max=4)


class TestDocs:
    def test_session_protocol_page_names_every_step_kind_and_template(self) -> None:
        page = (
            Path(__file__).resolve().parents[2] / "docs" / "session-protocol.md"
        ).read_text(encoding="utf-8")
        rules = load_session_rules()
        names = [s.value for s in SessionStep]
        names += [k.id for k in rules.adverse_event_kinds]
        names += [t.id for t in load_protocol_templates().templates]
        missing = [n for n in names if f"`{n}`" not in page]
        assert missing == [], f"docs/session-protocol.md does not mention {missing}"
        for value in (
            rules.procedure.max_minutes,
            rules.rest.min_minutes,
            rules.rest.max_minutes,
        ):
            assert f"| {value} |" in page
