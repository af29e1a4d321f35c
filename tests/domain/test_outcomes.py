"""Outcomes: baseline, change, MCID responders, first response, advice, cohorts and Kaplan-Meier."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prolo.domain.course import Action, load_course_rules
from prolo.domain.errors import InvalidInputError, UnknownIdError
from prolo.domain.instruments import get_instrument
from prolo.domain.instruments.schedule import Timepoint, TimepointKind
from prolo.domain.outcomes import (
    CohortMember,
    CourseOutcome,
    Observation,
    assess_course,
    course_advice,
    exact,
    kaplan_meier,
    responder_rate_by_follow_up,
    responder_rate_by_session,
    sessions_to_response,
    summarise_cohort,
)

NRS = get_instrument("nrs")
ODI = get_instrument("odi")
KOOS = get_instrument("koos")
WOMAC = get_instrument("womac")
FFI = get_instrument("ffi")

BASELINE = Timepoint(TimepointKind.baseline)


def before(session: int) -> Timepoint:
    return Timepoint(TimepointKind.pre_session, session=session)


def follow_up(months: int) -> Timepoint:
    return Timepoint(TimepointKind.follow_up, months=months)


def odi_answers(total: int) -> list[int | None]:
    """Ten ODI sections summing to `total` (score = total x 2 %)."""
    answers: list[int | None] = []
    left = total
    for _ in range(10):
        answers.append(min(5, left))
        left -= min(5, left)
    assert left == 0
    return answers


def nrs_course(
    values: dict[Timepoint, int | None], sessions_done: int
) -> CourseOutcome:
    observations = [Observation(tp, NRS.score([v])) for tp, v in values.items()]
    return assess_course(NRS, observations, sessions_done=sessions_done)


class TestBaseline:
    def test_the_questionnaire_before_session_1_is_the_baseline(self) -> None:
        outcome = assess_course(
            ODI,
            [
                Observation(BASELINE, ODI.score(odi_answers(25))),
                Observation(before(1), ODI.score(odi_answers(24))),
            ],
            sessions_done=0,
        )
        assert outcome.baseline == 48
        assert outcome.baseline_timepoint == before(1)

    def test_intake_is_the_baseline_when_session_1_has_no_score(self) -> None:
        withheld = [None, None, *odi_answers(16)[:8]]
        outcome = assess_course(
            ODI,
            [
                Observation(BASELINE, ODI.score(odi_answers(25))),
                Observation(before(1), ODI.score(withheld)),
            ],
            sessions_done=0,
        )
        assert outcome.baseline == 50
        assert outcome.baseline_timepoint == BASELINE
        point = outcome.points[1]
        assert point.value is None
        assert point.responded is None
        assert point.withheld_reason is not None
        assert "8 of 10" in point.withheld_reason

    def test_without_a_baseline_nothing_is_judged(self) -> None:
        outcome = nrs_course({before(2): 3}, sessions_done=1)
        assert outcome.baseline is None
        assert outcome.responded is None
        assert outcome.judged == ()


class TestOdiCourse:
    def outcome(self) -> CourseOutcome:
        totals = {
            BASELINE: 25,
            before(1): 24,
            before(2): 23,
            before(3): 20,
            before(4): 19,
            follow_up(3): 12,
        }
        return assess_course(
            ODI,
            [Observation(tp, ODI.score(odi_answers(t))) for tp, t in totals.items()],
            sessions_done=4,
        )

    def test_change_and_percent_change_per_timepoint(self) -> None:
        points = {p.timepoint.key: p for p in self.outcome().points}
        assert points["session-2"].change == -2  # 46 - 48
        assert points["session-2"].improvement == 2
        assert points["session-2"].percent_change == pytest.approx(-2 / 48 * 100)
        assert points["session-4"].change == -10
        assert points["follow-up-3m"].percent_improvement == 50  # 48 -> 24

    def test_responder_by_the_10_point_mcid(self) -> None:
        # S35: ODI 10 points or 30%. 48 -> 40 is 8 points (16.7%): not yet; 48 -> 38 is 10 points.
        points = {p.timepoint.key: p for p in self.outcome().points}
        assert points["session-3"].responded is False
        assert points["session-4"].responded is True
        met = {(c.mcid.kind, c.met) for c in points["session-4"].criteria}
        assert met == {("absolute", True), ("percent", False)}

    def test_first_response_after_three_sessions(self) -> None:
        outcome = self.outcome()
        assert outcome.first_response is not None
        assert outcome.first_response.timepoint == before(4)
        assert outcome.first_response_sessions == 3
        assert outcome.responded is True
        assert outcome.ever_responded is True

    def test_follow_up_counts_all_sessions_done(self) -> None:
        last = self.outcome().points[-1]
        assert last.timepoint == follow_up(3)
        assert last.sessions_done == 4

    def test_points_are_in_timeline_order(self) -> None:
        keys = [p.timepoint.key for p in self.outcome().points]
        assert keys == [
            "baseline",
            "session-1",
            "session-2",
            "session-3",
            "session-4",
            "follow-up-3m",
        ]

    def test_json_view(self) -> None:
        data = self.outcome().to_dict()
        assert data["first_response_sessions"] == 3
        assert data["baseline"] == 48
        assert data["baseline_timepoint"] == "session-1"


class TestNrsResponders:
    def test_30_percent_reduction_counts_exactly(self) -> None:
        # S34: 2 points or 30%. 10 -> 7: 3 points and exactly 30% (not 29.999...).
        point = nrs_course({before(1): 10, before(3): 7}, sessions_done=2).points[-1]
        assert point.percent_improvement == 30
        assert point.responded is True
        assert point.substantial is False

    def test_50_percent_reduction_is_substantial(self) -> None:
        # INS-IMMPACT: at least 50% = substantial.
        point = nrs_course({before(1): 8, before(4): 4}, sessions_done=3).points[-1]
        assert point.responded is True
        assert point.substantial is True

    def test_percent_alone_can_make_a_responder(self) -> None:
        # 3 -> 2: 1 point (< 2) but 33% (>= 30%).
        point = nrs_course({before(1): 3, before(2): 2}, sessions_done=1).points[-1]
        met = {(c.mcid.kind, c.mcid.value): c.met for c in point.criteria}
        assert met[("absolute", 2)] is False
        assert met[("percent", 30)] is True
        assert point.responded is True

    def test_one_point_on_a_high_baseline_is_not_a_response(self) -> None:
        point = nrs_course({before(1): 9, before(2): 8}, sessions_done=1).points[-1]
        assert point.responded is False

    def test_worsening_is_not_a_response(self) -> None:
        point = nrs_course({before(1): 4, before(2): 7}, sessions_done=1).points[-1]
        assert point.improvement == -3
        assert point.responded is False

    def test_zero_baseline_has_no_percent(self) -> None:
        point = nrs_course({before(1): 0, before(2): 0}, sessions_done=1).points[-1]
        assert point.percent_change is None
        assert point.responded is False  # the absolute criterion can still be judged


class TestDirectionAndExactness:
    def test_koos_qol_improves_upwards(self) -> None:
        # S43: KOOS higher = better; QOL MCID 8.0. qol 37.5 -> 43.75 (+6.25) no; -> 50 (+12.5) yes.
        rest = [0] * 38

        def koos(qol: list[int]) -> Observation:
            return Observation(before(len(seen) + 1), KOOS.score([*rest, *qol]))

        seen: list[Observation] = []
        for qol in ([3, 2, 3, 2], [3, 2, 2, 2], [2, 2, 2, 2]):
            seen.append(koos(qol))
        outcome = assess_course(KOOS, seen, sessions_done=2)
        assert outcome.scale == "qol"
        assert [p.value for p in outcome.points] == [37.5, 43.75, 50]
        assert [p.responded for p in outcome.points] == [False, False, True]

    def test_womac_12_percent_met_exactly(self) -> None:
        # S42: >= 12% improvement from baseline. 50 -> 44 is exactly 12%.
        baseline = [2] * 22 + [3, 3]
        later = [2] * 20 + [1, 1, 1, 1]
        outcome = assess_course(
            WOMAC,
            [
                Observation(before(1), WOMAC.score(baseline)),
                Observation(before(5), WOMAC.score(later)),
            ],
            sessions_done=4,
        )
        assert outcome.points[-1].percent_improvement == 12
        assert outcome.points[-1].responded is True

    def test_instrument_without_mcid_is_never_judged(self) -> None:
        outcome = assess_course(
            FFI,
            [
                Observation(before(1), FFI.score([8] * 23)),
                Observation(before(3), FFI.score([1] * 23)),
            ],
            sessions_done=2,
        )
        assert outcome.points[-1].improvement == pytest.approx(100 * 7 / 10)
        assert outcome.points[-1].responded is None
        assert outcome.responded is None

    def test_exact_recovers_small_denominators(self) -> None:
        assert exact(125 / 3).denominator == 3
        assert exact(289 / 16).denominator == 16

    def test_another_scale_can_be_judged(self) -> None:
        rest = [0] * 38
        outcome = assess_course(
            KOOS,
            [Observation(before(1), KOOS.score([*rest, 1, 1, 1, 1]))],
            sessions_done=0,
            scale="pain",
        )
        assert outcome.scale == "pain"
        assert outcome.baseline == 100
        assert outcome.points[0].responded is None  # no sourced MCID for KOOS pain
        with pytest.raises(UnknownIdError):
            assess_course(KOOS, [], sessions_done=0, scale="grip")


class TestBadInput:
    def test_results_of_another_instrument(self) -> None:
        with pytest.raises(
            InvalidInputError, match="a nrs result cannot be judged on odi"
        ):
            assess_course(
                ODI, [Observation(before(1), NRS.score([3]))], sessions_done=0
            )

    def test_a_timepoint_given_twice(self) -> None:
        obs = Observation(before(1), NRS.score([3]))
        with pytest.raises(InvalidInputError, match="given twice"):
            assess_course(NRS, [obs, obs], sessions_done=1)

    def test_a_questionnaire_from_the_future(self) -> None:
        with pytest.raises(InvalidInputError, match="before session 3"):
            assess_course(
                NRS, [Observation(before(4), NRS.score([3]))], sessions_done=2
            )

    def test_negative_sessions_done(self) -> None:
        with pytest.raises(InvalidInputError, match="sessions_done"):
            assess_course(NRS, [], sessions_done=-1)


class TestCourseAdvice:
    rules = load_course_rules()

    def test_no_response_after_the_fourth_session_asks_for_review(self) -> None:
        outcome = nrs_course({before(1): 8, before(5): 7}, sessions_done=4)
        advice = course_advice(outcome, planned_sessions=6, rules=self.rules)
        assert advice.action is Action.review

    def test_a_responder_continues(self) -> None:
        outcome = nrs_course({before(1): 8, before(5): 4}, sessions_done=4)
        assert (
            course_advice(outcome, planned_sessions=6, rules=self.rules).action
            is Action.continue_
        )

    def test_no_improvement_after_the_first_session_is_expected(self) -> None:
        outcome = nrs_course({before(1): 8, before(2): 8}, sessions_done=1)
        advice = course_advice(outcome, planned_sessions=6, rules=self.rules)
        assert advice.action is Action.continue_
        assert advice.reasons[0].code == "first_session"

    def test_responder_at_the_last_planned_session_completes(self) -> None:
        outcome = nrs_course({before(1): 8, before(5): 2}, sessions_done=4)
        assert (
            course_advice(outcome, planned_sessions=4, rules=self.rules).action
            is Action.complete
        )


class TestKaplanMeier:
    # Freireich et al. 1963, 6-MP arm (Gehan 1965; the worked example of Kleinbaum & Klein,
    # "Survival Analysis: A Self-Learning Text", ch. 2): weeks in remission, + = censored.
    # fmt: off
    TIMES = (6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35)
    EVENTS = (True, True, True, False, True, False, True, False, False, True, True,
              False, False, False, True, True, False, False, False, False, False)
    # fmt: on

    def test_textbook_survival_estimates(self) -> None:
        km = kaplan_meier(self.TIMES, self.EVENTS)
        expected = {
            6: 18 / 21,
            7: 0.8067,
            10: 0.7529,
            13: 0.6902,
            16: 0.6275,
            22: 0.5378,
            23: 0.4482,
        }
        for time, survival in expected.items():
            assert km.survival_at(time) == pytest.approx(survival, abs=5e-5), time
        assert km.survival_at(35) == pytest.approx(0.4482, abs=5e-5)
        assert km.survival_at(5) == 1.0

    def test_textbook_median_is_23_weeks(self) -> None:
        km = kaplan_meier(self.TIMES, self.EVENTS)
        assert km.median == 23
        assert (km.subjects, km.events) == (21, 9)

    def test_risk_sets_count_events_before_censorings_at_ties(self) -> None:
        steps = {s.time: s for s in kaplan_meier(self.TIMES, self.EVENTS).steps}
        assert (steps[6].at_risk, steps[6].events, steps[6].censored) == (21, 3, 1)
        assert (steps[7].at_risk, steps[10].at_risk, steps[13].at_risk) == (17, 15, 12)

    def test_median_not_reached(self) -> None:
        km = kaplan_meier([2, 4, 4, 6], [True, False, False, False])
        assert km.median is None
        assert km.survival_at(6) == 0.75

    def test_empty(self) -> None:
        km = kaplan_meier([], [])
        assert km.median is None
        assert km.steps == ()
        assert km.survival_at(3) == 1.0

    def test_lengths_must_match(self) -> None:
        with pytest.raises(InvalidInputError, match="differ in length"):
            kaplan_meier([1, 2], [True])

    @given(st.lists(st.tuples(st.integers(0, 12), st.booleans()), max_size=40))
    def test_survival_never_rises_and_stays_in_0_1(
        self, data: list[tuple[int, bool]]
    ) -> None:
        km = kaplan_meier([t for t, _ in data], [e for _, e in data])
        values = [s.survival for s in km.steps]
        assert all(0 <= v <= 1 for v in values)
        assert values == sorted(values, reverse=True)
        if data and all(e for _, e in data):
            assert values[-1] == 0

    @given(st.lists(st.integers(0, 12), min_size=1, max_size=40))
    def test_without_censoring_it_is_the_empirical_distribution(
        self, times: list[int]
    ) -> None:
        km = kaplan_meier(times, [True] * len(times))
        for step in km.steps:
            share_left = sum(1 for t in times if t > step.time) / len(times)
            assert step.survival == pytest.approx(share_left)


class TestCohort:
    def members(self) -> list[CohortMember]:
        back = [
            # responds after 2 sessions
            nrs_course(
                {before(1): 8, before(2): 8, before(3): 5, before(4): 4},
                sessions_done=3,
            ),
            # responds after 3 sessions
            nrs_course(
                {before(1): 8, before(2): 8, before(3): 7, before(4): 5},
                sessions_done=3,
            ),
            # never responds; last judged after 4 sessions
            nrs_course(
                {before(1): 8, before(2): 8, before(3): 8, before(5): 7},
                sessions_done=4,
            ),
        ]
        knee = [
            nrs_course({before(1): 6, before(2): 3, follow_up(3): 2}, sessions_done=4),
            # no baseline: cannot be judged, left out of the rates
            nrs_course({before(2): 3}, sessions_done=1),
        ]
        return [CohortMember("low_back_pain", o) for o in back] + [
            CohortMember("knee_oa", o) for o in knee
        ]

    def test_responder_rate_by_sessions_done(self) -> None:
        back = [m for m in self.members() if m.condition == "low_back_pain"]
        rates = {
            r.key: (r.judged, r.responders) for r in responder_rate_by_session(back)
        }
        assert rates == {0: (3, 0), 1: (3, 0), 2: (3, 1), 3: (2, 2), 4: (1, 0)}

    def test_never_responders_are_censored_not_dropped(self) -> None:
        back = [m for m in self.members() if m.condition == "low_back_pain"]
        km = sessions_to_response(back)
        # times 2 (event), 3 (event), 4 (censored): S(2) = 2/3, S(3) = 1/3 -> median 3.
        # Dropping the never-responder would give S(2) = 1/2 and a median of 2.
        assert km.subjects == 3
        assert km.events == 2
        assert km.survival_at(2) == pytest.approx(2 / 3)
        assert km.median == 3

    def test_summary_per_condition(self) -> None:
        summaries = {s.condition: s for s in summarise_cohort(self.members())}
        assert list(summaries) == ["knee_oa", "low_back_pain"]
        back, knee = summaries["low_back_pain"], summaries["knee_oa"]
        assert (back.courses, back.judged, back.responders) == (3, 3, 2)
        assert back.rate == pytest.approx(2 / 3)
        assert back.median_sessions_to_response == 3
        assert (knee.courses, knee.judged, knee.responders) == (2, 1, 1)
        assert knee.median_sessions_to_response == 1
        assert [(r.key, r.judged, r.responders) for r in knee.by_follow_up] == [
            (3, 1, 1)
        ]
        assert back.to_dict()["median_sessions_to_response"] == 3

    def test_follow_up_rates(self) -> None:
        rates = responder_rate_by_follow_up(self.members())
        assert [(r.key, r.rate) for r in rates] == [(3, 1.0)]
