"""Course rules: windows, date checks and advice, with their numbers taken from CourseRules."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prolo.domain.course import (
    Action,
    CourseRules,
    ProblemCode,
    advise,
    check_dates,
    load_course_rules,
    parse_course_rules,
    plan_windows,
)
from prolo.domain.errors import InvalidInputError, ReferenceDataError
from prolo.domain.reference import read_yaml

RULES = load_course_rules()
START = date(2026, 1, 5)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def course_from_gaps(start: date, gaps: list[int]) -> list[date]:
    dates = [start]
    for gap in gaps:
        dates.append(dates[-1] + days(gap))
    return dates


# ----------------------------------------------------------------------------- strategies


@st.composite
def course_rules(draw: st.DrawFn) -> CourseRules:
    """Any clinic configuration inside the clinical bounds of course_rules.yaml."""
    b = RULES.bounds
    min_gap = draw(st.integers(b.min_gap_days, b.max_gap_days))
    max_gap = draw(st.integers(min_gap, b.max_gap_days))
    min_s = draw(st.integers(b.min_sessions, b.max_sessions))
    max_s = draw(st.integers(min_s, b.max_sessions))
    review = draw(st.integers(2, max_s))
    return RULES.with_changes(
        min_gap_days=min_gap,
        max_gap_days=max_gap,
        min_sessions=min_s,
        max_sessions=max_s,
        review_after_session=review,
    )


starts = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def valid_courses(draw: st.DrawFn) -> tuple[CourseRules, list[date]]:
    rules = draw(course_rules())
    n = draw(st.integers(rules.min_sessions, rules.max_sessions))
    gaps = draw(
        st.lists(
            st.integers(rules.min_gap_days, rules.max_gap_days),
            min_size=n - 1,
            max_size=n - 1,
        )
    )
    return rules, course_from_gaps(draw(starts), gaps)


# ----------------------------------------------------------------------------- rules file


class TestCourseRulesFile:
    def test_shipped_rules_are_the_clinics_4_to_8_sessions_14_to_21_days(self) -> None:
        assert (RULES.min_sessions, RULES.max_sessions) == (4, 8)
        assert (RULES.min_gap_days, RULES.max_gap_days) == (14, 21)
        assert RULES.review_after_session == 4
        assert "CLINIC" in RULES.source

    def test_clinic_values_outside_the_bounds_are_refused(self) -> None:
        raw = read_yaml("course_rules.yaml")
        raw["clinic"]["max_gap_days"] = raw["bounds"]["max_gap_days"] + 1
        with pytest.raises(ReferenceDataError, match="clinical bounds"):
            parse_course_rules(raw)

    def test_unknown_source_is_refused(self) -> None:
        raw = read_yaml("course_rules.yaml")
        raw["clinic"]["source"] = ["NO-SUCH-SOURCE"]
        with pytest.raises(ReferenceDataError, match="NO-SUCH-SOURCE"):
            parse_course_rules(raw)

    def test_review_after_the_first_session_is_refused(self) -> None:
        with pytest.raises(InvalidInputError, match="review_after_session"):
            RULES.with_changes(review_after_session=1)

    def test_with_changes_refuses_gaps_outside_the_bounds(self) -> None:
        with pytest.raises(InvalidInputError, match="clinical bounds"):
            RULES.with_changes(min_gap_days=7)

    def test_with_changes_refuses_unknown_names(self) -> None:
        with pytest.raises(InvalidInputError, match="unknown course rule"):
            RULES.with_changes(gap=3)

    def test_a_clinic_can_narrow_the_gaps(self) -> None:
        narrowed = RULES.with_changes(min_gap_days=15, max_gap_days=18)
        assert (narrowed.min_gap_days, narrowed.max_gap_days) == (15, 18)
        assert narrowed.bounds == RULES.bounds


# ----------------------------------------------------------------------------- windows


class TestPlanWindows:
    def test_unbooked_windows_follow_the_issue_formula(self) -> None:
        windows = plan_windows(START, 4, RULES)
        assert [(w.number, w.earliest, w.latest) for w in windows] == [
            (1, date(2026, 1, 5), date(2026, 1, 5)),
            (2, date(2026, 1, 19), date(2026, 1, 26)),
            (3, date(2026, 2, 2), date(2026, 2, 16)),
            (4, date(2026, 2, 16), date(2026, 3, 9)),
        ]
        assert not any(w.booked for w in windows)

    @pytest.mark.parametrize("sessions", [0, 3, 9, 12])
    def test_session_count_outside_the_rules_is_refused(self, sessions: int) -> None:
        with pytest.raises(InvalidInputError) as info:
            plan_windows(START, sessions, RULES)
        assert info.value.field == "sessions"

    def test_a_booked_session_narrows_the_windows_after_it(self) -> None:
        windows = plan_windows(START, 5, RULES, {2: date(2026, 1, 22)})
        assert windows[1].booked
        assert (windows[1].earliest, windows[1].latest) == (
            date(2026, 1, 22),
            date(2026, 1, 22),
        )
        assert (windows[2].earliest, windows[2].latest) == (
            date(2026, 2, 5),
            date(2026, 2, 12),
        )
        assert (windows[4].earliest, windows[4].latest) == (
            date(2026, 1, 22) + days(42),
            date(2026, 1, 22) + days(63),
        )

    def test_a_booked_later_session_narrows_the_windows_before_it(self) -> None:
        # Session 3 on day 28 forces session 2 to day 14 exactly.
        windows = plan_windows(START, 4, RULES, {3: START + days(28)})
        assert (windows[1].earliest, windows[1].latest) == (
            START + days(14),
            START + days(14),
        )

    def test_inconsistent_booking_names_the_session(self) -> None:
        with pytest.raises(InvalidInputError) as info:
            plan_windows(START, 6, RULES, {2: START + days(20), 3: START + days(30)})
        assert info.value.field == "fixed.3"
        assert "session 3" in info.value.message

    def test_first_session_must_be_the_start(self) -> None:
        with pytest.raises(InvalidInputError) as info:
            plan_windows(START, 4, RULES, {1: START + days(1)})
        assert info.value.field == "fixed.1"

    def test_booking_a_session_the_course_does_not_have_is_refused(self) -> None:
        with pytest.raises(InvalidInputError) as info:
            plan_windows(START, 4, RULES, {5: START + days(60)})
        assert info.value.field == "fixed.5"

    def test_a_datetime_is_not_a_date(self) -> None:
        from datetime import UTC, datetime

        with pytest.raises(InvalidInputError, match="start"):
            plan_windows(datetime(2026, 1, 5, tzinfo=UTC), 4, RULES)

    def test_changing_the_gaps_changes_the_windows(self) -> None:
        narrowed = RULES.with_changes(min_gap_days=16, max_gap_days=19)
        windows = plan_windows(START, 4, narrowed)
        assert (windows[3].earliest, windows[3].latest) == (
            START + days(48),
            START + days(57),
        )

    def test_changing_the_session_limits_changes_what_is_allowed(self) -> None:
        plan_windows(START, 8, RULES)
        with pytest.raises(InvalidInputError):
            plan_windows(START, 8, RULES.with_changes(max_sessions=6))

    @given(rules=course_rules(), start=starts, data=st.data())
    def test_unbooked_windows_widen_monotonically(
        self, rules: CourseRules, start: date, data: st.DataObject
    ) -> None:
        n = data.draw(st.integers(rules.min_sessions, rules.max_sessions))
        windows = plan_windows(start, n, rules)
        for k, w in enumerate(windows):
            assert w.earliest == start + days(rules.min_gap_days * k)
            assert w.latest == start + days(rules.max_gap_days * k)
        widths = [(w.latest - w.earliest).days for w in windows]
        assert widths == sorted(widths)
        assert [w.earliest for w in windows] == sorted(w.earliest for w in windows)

    @given(rules=course_rules(), start=starts, data=st.data())
    def test_booking_inside_each_window_in_turn_always_gives_a_valid_course(
        self, rules: CourseRules, start: date, data: st.DataObject
    ) -> None:
        n = data.draw(st.integers(rules.min_sessions, rules.max_sessions))
        fixed: dict[int, date] = {}
        for number in range(2, n + 1):
            window = plan_windows(start, n, rules, fixed)[number - 1]
            offset = data.draw(st.integers(0, (window.latest - window.earliest).days))
            fixed[number] = window.earliest + days(offset)
        dates = [start] + [fixed[k] for k in range(2, n + 1)]
        assert check_dates(dates, rules) == []

    @given(course=valid_courses(), data=st.data())
    def test_narrowing_never_leaves_a_window_outside_the_rules(
        self, course: tuple[CourseRules, list[date]], data: st.DataObject
    ) -> None:
        rules, dates = course
        n = len(dates)
        booked = data.draw(st.sets(st.integers(2, n)))
        fixed = {k: dates[k - 1] for k in booked}
        free = plan_windows(dates[0], n, rules)
        narrowed = plan_windows(dates[0], n, rules, fixed)
        for w, outer, real in zip(narrowed, free, dates, strict=True):
            assert outer.earliest <= w.earliest <= real <= w.latest <= outer.latest
            # Both ends of every window belong to some valid course: booking there is accepted.
            if w.number not in fixed and w.number != 1:
                for end in (w.earliest, w.latest):
                    plan_windows(dates[0], n, rules, {**fixed, w.number: end})

    @given(course=valid_courses())
    def test_a_course_outside_its_windows_is_refused(
        self, course: tuple[CourseRules, list[date]]
    ) -> None:
        rules, dates = course
        n = len(dates)
        free = plan_windows(dates[0], n, rules)
        too_late = free[-1].latest + days(1)
        with pytest.raises(InvalidInputError):
            plan_windows(dates[0], n, rules, {n: too_late})


# ----------------------------------------------------------------------------- check_dates


class TestCheckDates:
    def test_a_course_keeping_every_rule_has_no_problems(self) -> None:
        assert check_dates(course_from_gaps(START, [14, 21, 17]), RULES) == []

    def test_too_few_sessions(self) -> None:
        problems = check_dates(course_from_gaps(START, [14, 14]), RULES)
        assert [p.code for p in problems] == [ProblemCode.too_few_sessions]
        assert "at least 4" in problems[0].message

    def test_a_partial_course_is_not_too_short(self) -> None:
        assert check_dates(course_from_gaps(START, [14]), RULES, partial=True) == []

    def test_too_many_sessions_needs_a_recorded_reason(self) -> None:
        dates = course_from_gaps(START, [14] * 8)
        problems = check_dates(dates, RULES)
        assert [p.code for p in problems] == [ProblemCode.too_many_sessions]
        assert problems[0].sessions == (9,)
        assert check_dates(dates, RULES, extension_reason="   ") == problems
        assert check_dates(dates, RULES, extension_reason="partial response") == []

    def test_gap_too_short_and_too_long_name_the_sessions(self) -> None:
        problems = check_dates(course_from_gaps(START, [13, 22, 14]), RULES)
        assert [(p.code, p.sessions) for p in problems] == [
            (ProblemCode.gap_too_short, (1, 2)),
            (ProblemCode.gap_too_long, (2, 3)),
        ]
        assert "13 days apart" in problems[0].message
        assert "at most 21" in problems[1].message

    def test_dates_out_of_order(self) -> None:
        dates = course_from_gaps(START, [14, 14, 14])
        dates[2], dates[3] = dates[3], dates[2]
        codes = [p.code for p in check_dates(dates, RULES)]
        assert ProblemCode.not_increasing in codes

    def test_two_sessions_on_one_day(self) -> None:
        problems = check_dates(
            [START, START, START + days(14), START + days(28)], RULES
        )
        assert problems[0].code is ProblemCode.not_increasing
        assert problems[0].sessions == (1, 2)

    def test_changing_the_minimum_gap_changes_the_verdict(self) -> None:
        dates = course_from_gaps(START, [15, 15, 15])
        assert check_dates(dates, RULES) == []
        stricter = RULES.with_changes(min_gap_days=16)
        assert {p.code for p in check_dates(dates, stricter)} == {
            ProblemCode.gap_too_short
        }

    def test_a_non_date_is_refused(self) -> None:
        with pytest.raises(InvalidInputError) as info:
            check_dates([START, "2026-01-19"], RULES)  # type: ignore[list-item]
        assert info.value.field == "dates.1"

    @given(course=valid_courses())
    def test_every_course_built_from_allowed_gaps_passes(
        self, course: tuple[CourseRules, list[date]]
    ) -> None:
        rules, dates = course
        assert check_dates(dates, rules) == []

    @given(course=valid_courses(), data=st.data())
    def test_a_gap_pushed_outside_the_rules_is_reported(
        self, course: tuple[CourseRules, list[date]], data: st.DataObject
    ) -> None:
        rules, dates = course
        i = data.draw(st.integers(1, len(dates) - 1))
        shift = data.draw(st.sampled_from(["short", "long"]))
        gap = rules.min_gap_days - 1 if shift == "short" else rules.max_gap_days + 1
        moved = dates[i - 1] + days(gap)
        delta = moved - dates[i]
        changed = dates[:i] + [d + delta for d in dates[i:]]
        problems = check_dates(changed, rules)
        expected = (
            ProblemCode.gap_too_short if shift == "short" else ProblemCode.gap_too_long
        )
        assert [(p.code, p.sessions) for p in problems] == [(expected, (i, i + 1))]


# ----------------------------------------------------------------------------- advise


class TestAdvise:
    @pytest.mark.parametrize(
        ("done", "planned", "responded", "action", "code"),
        [
            (0, 6, None, Action.continue_, "not_started"),
            (1, 6, False, Action.continue_, "first_session"),
            (1, 6, None, Action.continue_, "first_session"),
            (1, 6, True, Action.continue_, "before_review_point"),
            (3, 6, False, Action.continue_, "before_review_point"),
            (4, 6, True, Action.continue_, "improving"),
            (4, 6, False, Action.review, "no_improvement_at_review"),
            (4, 6, None, Action.review, "no_outcome_data_at_review"),
            (5, 6, False, Action.review, "no_improvement_at_review"),
            (6, 6, True, Action.complete, "planned_sessions_done"),
            (6, 6, False, Action.review, "no_improvement_at_end"),
            (6, 6, None, Action.review, "no_outcome_data_at_end"),
            (4, 4, True, Action.complete, "planned_sessions_done"),
            (4, 4, False, Action.review, "no_improvement_at_end"),
        ],
    )
    def test_advice_table(
        self,
        done: int,
        planned: int,
        responded: bool | None,
        action: Action,
        code: str,
    ) -> None:
        advice = advise(
            sessions_done=done,
            planned_sessions=planned,
            responded=responded,
            rules=RULES,
        )
        assert advice.action is action
        assert [r.code for r in advice.reasons] == [code]
        assert all(r.source == "CLINIC" for r in advice.reasons)

    @given(rules=course_rules(), data=st.data())
    def test_no_review_for_lack_of_response_after_the_first_session(
        self, rules: CourseRules, data: st.DataObject
    ) -> None:
        planned = data.draw(st.integers(rules.min_sessions, rules.max_sessions))
        advice = advise(
            sessions_done=1,
            planned_sessions=planned,
            responded=data.draw(st.sampled_from([False, None])),
            rules=rules,
        )
        assert advice.action is Action.continue_

    def test_more_than_max_sessions_without_a_reason_is_flagged(self) -> None:
        advice = advise(
            sessions_done=2, planned_sessions=10, responded=True, rules=RULES
        )
        assert advice.action is Action.review
        assert advice.reasons[0].code == "extension_without_reason"

    def test_more_than_max_sessions_with_a_reason_is_allowed(self) -> None:
        advice = advise(
            sessions_done=9,
            planned_sessions=10,
            responded=True,
            rules=RULES,
            extension_reason="steady gains, patient wishes to continue",
        )
        assert advice.action is Action.continue_
        assert advice.reasons[0].code == "extension_recorded"
        assert "steady gains" in advice.reasons[0].message

    def test_changing_the_review_point_changes_the_advice(self) -> None:
        later = RULES.with_changes(review_after_session=5)
        for rules, action in ((RULES, Action.review), (later, Action.continue_)):
            advice = advise(
                sessions_done=4, planned_sessions=6, responded=False, rules=rules
            )
            assert advice.action is action

    @pytest.mark.parametrize(
        ("done", "planned", "field"),
        [(-1, 6, "sessions_done"), (7, 6, "sessions_done"), (1, 3, "planned_sessions")],
    )
    def test_impossible_counts_are_refused(
        self, done: int, planned: int, field: str
    ) -> None:
        with pytest.raises(InvalidInputError) as info:
            advise(
                sessions_done=done,
                planned_sessions=planned,
                responded=None,
                rules=RULES,
            )
        assert info.value.field == field


def test_docs_list_every_problem_and_advice_code() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "course-rules.md").read_text(
        encoding="utf-8"
    )
    for code in ProblemCode:
        assert f"`{code.value}`" in doc, code
    seen: set[str] = set()
    for planned in (RULES.min_sessions, RULES.max_sessions + 1):
        for done in range(planned + 1):
            for responded in (True, False, None):
                for reason in (None, "documented"):
                    advice = advise(
                        sessions_done=done,
                        planned_sessions=planned,
                        responded=responded,
                        rules=RULES,
                        extension_reason=reason,
                    )
                    seen.update(r.code for r in advice.reasons)
    assert len(seen) >= 10
    for code in seen:
        assert f"`{code}`" in doc, code
