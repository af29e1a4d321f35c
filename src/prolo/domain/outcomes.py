"""Outcomes of a course: change from baseline, MCID responders, first response, course advice,
and cohort summaries with a Kaplan-Meier estimate of sessions to response.

Timeline of one course (questionnaire schedule, `instruments/schedule.py`):

    baseline (intake) -> before session 1 -> [session 1] -> before session 2 -> ... -> follow-ups
    sessions_done:  0               0                            1                     all done

- **Baseline** = the answers before the first injection: the questionnaire before session 1 when it
  has a score, else the intake questionnaire.
- **Change** = value - baseline (signed); **improvement** = the change in the better direction
  (baseline - value when lower is better). **Percent** = of the baseline value (undefined when the
  baseline is 0).
- **Responder** at a point: any *primary* MCID of tier `mcid` on the judged scale is met
  (absolute: improvement >= value; percent: percent improvement >= value). `substantial` (NRS 50%)
  is reported beside it. An instrument without a sourced MCID (FFI) is never judged (None).
- **First response**: the earliest point judged a response; `sessions_done` there is the number of
  sessions after which the patient first responded.
- **Course advice** comes from `prolo.domain.course.advise`, fed with the responder status at the
  latest judged point.
- **Cohorts**: responder rate per condition and per number of sessions done; sessions to response
  by Kaplan-Meier, where courses that never responded are censored at their last judged point
  instead of being dropped.

Scores are rationals with small denominators; comparisons recover them exactly from the floats
(`Fraction.limit_denominator`), so 41.666666666666664 counts as 125/3 and a change of exactly the
MCID counts as met.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from prolo.domain.course import CourseAdvice, CourseRules, advise
from prolo.domain.errors import InvalidInputError
from prolo.domain.instruments.base import Instrument, Mcid, ScoreResult
from prolo.domain.instruments.schedule import Timepoint, TimepointKind

#: Largest denominator expected in a score (KOOS 17 items x 4, FFI 230, ...), with a wide margin.
_MAX_DENOMINATOR = 100_000


def exact(value: float) -> Fraction:
    """The small-denominator rational a score float stands for."""
    return Fraction(value).limit_denominator(_MAX_DENOMINATOR)


# --------------------------------------------------------------------------- one course


@dataclass(frozen=True, slots=True)
class Observation:
    """One completed questionnaire of a course, at one timepoint."""

    timepoint: Timepoint
    result: ScoreResult


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """Whether one MCID was met at a point (None: cannot be judged, e.g. percent of a 0 baseline)."""

    mcid: Mcid
    met: bool | None

    @property
    def label(self) -> str:
        value = f"{self.mcid.value:g}"
        unit = "%" if self.mcid.kind == "percent" else " points"
        return f">= {value}{unit} improvement ({self.mcid.tier})"

    def to_dict(self) -> dict[str, object]:
        return {
            "scale": self.mcid.scale,
            "kind": self.mcid.kind,
            "value": self.mcid.value,
            "tier": self.mcid.tier,
            "source": list(self.mcid.source),
            "met": self.met,
        }


@dataclass(frozen=True, slots=True)
class TrajectoryPoint:
    timepoint: Timepoint
    sessions_done: int
    value: float | None
    change: float | None
    percent_change: float | None
    improvement: float | None
    percent_improvement: float | None
    criteria: tuple[CriterionResult, ...]
    responded: bool | None
    substantial: bool | None
    withheld_reason: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "timepoint": self.timepoint.key,
            "label": self.timepoint.label,
            "sessions_done": self.sessions_done,
            "value": self.value,
            "change": self.change,
            "percent_change": self.percent_change,
            "improvement": self.improvement,
            "percent_improvement": self.percent_improvement,
            "responded": self.responded,
            "substantial": self.substantial,
            "criteria": [c.to_dict() for c in self.criteria],
            "withheld_reason": self.withheld_reason,
        }


@dataclass(frozen=True, slots=True)
class CourseOutcome:
    """The trajectory of one course on one instrument's judged scale."""

    instrument: str
    scale: str
    higher_is_better: bool
    sessions_done: int
    baseline: float | None
    baseline_timepoint: Timepoint | None
    points: tuple[TrajectoryPoint, ...]
    mcids: tuple[Mcid, ...]

    @property
    def judged(self) -> tuple[TrajectoryPoint, ...]:
        """Points with a responder judgement (value, baseline and an MCID all present)."""
        return tuple(p for p in self.points if p.responded is not None)

    @property
    def first_response(self) -> TrajectoryPoint | None:
        return next((p for p in self.points if p.responded is True), None)

    @property
    def first_response_sessions(self) -> int | None:
        """Sessions done when the patient first responded (None: not yet / cannot be judged)."""
        first = self.first_response
        return None if first is None else first.sessions_done

    @property
    def responded(self) -> bool | None:
        """Responder status at the latest judged point (what the course advice is fed)."""
        judged = self.judged
        return judged[-1].responded if judged else None

    @property
    def ever_responded(self) -> bool | None:
        judged = self.judged
        if not judged:
            return None
        return any(p.responded for p in judged)

    def to_dict(self) -> dict[str, object]:
        first = self.first_response
        return {
            "instrument": self.instrument,
            "scale": self.scale,
            "higher_is_better": self.higher_is_better,
            "sessions_done": self.sessions_done,
            "baseline": self.baseline,
            "baseline_timepoint": None
            if self.baseline_timepoint is None
            else self.baseline_timepoint.key,
            "responded": self.responded,
            "first_response": None if first is None else first.timepoint.key,
            "first_response_sessions": self.first_response_sessions,
            "points": [p.to_dict() for p in self.points],
        }


def _order(timepoint: Timepoint) -> tuple[int, int]:
    if timepoint.kind is TimepointKind.baseline:
        return (0, 0)
    if timepoint.kind is TimepointKind.pre_session:
        return (1, timepoint.session or 0)
    return (2, timepoint.months or 0)


def _sessions_done(timepoint: Timepoint, sessions_done: int) -> int:
    if timepoint.kind is TimepointKind.pre_session:
        return (timepoint.session or 1) - 1
    if timepoint.kind is TimepointKind.follow_up:
        return sessions_done
    return 0


def _met(mcid: Mcid, improvement: Fraction, baseline: Fraction) -> bool | None:
    threshold = exact(mcid.value)
    if mcid.kind == "absolute":
        return improvement >= threshold
    if baseline == 0:
        return None
    return improvement * 100 / abs(baseline) >= threshold


def _verdict(results: Iterable[bool | None]) -> bool | None:
    values = list(results)
    if any(v is True for v in values):
        return True
    if any(v is False for v in values):
        return False
    return None


def assess_course(
    instrument: Instrument,
    observations: Sequence[Observation],
    *,
    sessions_done: int,
    scale: str | None = None,
) -> CourseOutcome:
    """Change from baseline, percent change and responder status at every timepoint of a course.

    `scale` defaults to the instrument's `outcome_scale` (KOOS: qol, BCTQ: sss, else the total).
    InvalidInputError for results of another instrument, a timepoint given twice, or a
    questionnaire before a session later than the next one.
    """
    if (
        isinstance(sessions_done, bool)
        or not isinstance(sessions_done, int)
        or sessions_done < 0
    ):
        raise InvalidInputError(
            f"sessions_done: expected a whole number >= 0, got {sessions_done!r}",
            field="sessions_done",
        )
    judged_scale = scale or instrument.definition.outcome_scale
    instrument.scale_range(
        judged_scale
    )  # UnknownIdError for a scale the instrument lacks
    seen: set[str] = set()
    for obs in observations:
        if obs.result.instrument != instrument.id:
            raise InvalidInputError(
                f"observation {obs.timepoint.key}: a {obs.result.instrument} result cannot be "
                f"judged on {instrument.id}",
                field="observations",
            )
        if obs.timepoint.key in seen:
            raise InvalidInputError(
                f"observation {obs.timepoint.key} is given twice", field="observations"
            )
        seen.add(obs.timepoint.key)
        if obs.timepoint.kind is TimepointKind.pre_session and (
            (obs.timepoint.session or 0) > sessions_done + 1
        ):
            raise InvalidInputError(
                f"observation {obs.timepoint.key}: only {sessions_done} sessions are done, so "
                f"the latest questionnaire is before session {sessions_done + 1}",
                field="observations",
            )
    ordered = sorted(observations, key=lambda o: _order(o.timepoint))

    def value_of(obs: Observation) -> float | None:
        return obs.result.value(judged_scale)

    baseline_obs = next(
        (
            o
            for o in ordered
            if o.timepoint.kind is TimepointKind.pre_session
            and o.timepoint.session == 1
            and value_of(o) is not None
        ),
        None,
    ) or next(
        (
            o
            for o in ordered
            if o.timepoint.kind is TimepointKind.baseline and value_of(o) is not None
        ),
        None,
    )
    baseline_value = None if baseline_obs is None else value_of(baseline_obs)
    base = None if baseline_value is None else exact(baseline_value)
    mcids = tuple(m for m in instrument.mcids if m.scale == judged_scale)
    sign = 1 if instrument.higher_is_better else -1

    points: list[TrajectoryPoint] = []
    for obs in ordered:
        value = value_of(obs)
        reason = obs.result.withheld_reason if value is None else None
        done = _sessions_done(obs.timepoint, sessions_done)
        if value is None or base is None:
            points.append(
                TrajectoryPoint(
                    obs.timepoint,
                    done,
                    value,
                    None,
                    None,
                    None,
                    None,
                    (),
                    None,
                    None,
                    reason,
                )
            )
            continue
        current = exact(value)
        change = current - base
        improvement = sign * change
        criteria = tuple(CriterionResult(m, _met(m, improvement, base)) for m in mcids)
        primary = [c for c in criteria if c.mcid.primary]
        points.append(
            TrajectoryPoint(
                timepoint=obs.timepoint,
                sessions_done=done,
                value=value,
                change=float(change),
                percent_change=None if base == 0 else float(change * 100 / abs(base)),
                improvement=float(improvement),
                percent_improvement=None
                if base == 0
                else float(improvement * 100 / abs(base)),
                criteria=criteria,
                responded=_verdict(c.met for c in primary if c.mcid.tier == "mcid"),
                substantial=_verdict(
                    c.met for c in primary if c.mcid.tier == "substantial"
                ),
                withheld_reason=None,
            )
        )
    return CourseOutcome(
        instrument=instrument.id,
        scale=judged_scale,
        higher_is_better=instrument.higher_is_better,
        sessions_done=sessions_done,
        baseline=baseline_value,
        baseline_timepoint=None if baseline_obs is None else baseline_obs.timepoint,
        points=tuple(points),
        mcids=mcids,
    )


def course_advice(
    outcome: CourseOutcome,
    *,
    planned_sessions: int,
    rules: CourseRules,
    extension_reason: str | None = None,
) -> CourseAdvice:
    """The course rules' advice (continue / review / complete) fed with this course's outcome."""
    return advise(
        sessions_done=outcome.sessions_done,
        planned_sessions=planned_sessions,
        responded=outcome.responded,
        rules=rules,
        extension_reason=extension_reason,
    )


# --------------------------------------------------------------------------- Kaplan-Meier


@dataclass(frozen=True, slots=True)
class KmStep:
    """At `time`: `at_risk` subjects, `events` responses, `censored` leaving; S(time) = `survival`."""

    time: int
    at_risk: int
    events: int
    censored: int
    survival: float

    def to_dict(self) -> dict[str, object]:
        return {
            "time": self.time,
            "at_risk": self.at_risk,
            "events": self.events,
            "censored": self.censored,
            "survival": self.survival,
        }


@dataclass(frozen=True, slots=True)
class KaplanMeier:
    """The product-limit estimate of 'not yet responded' over time (sessions done)."""

    subjects: int
    events: int
    steps: tuple[KmStep, ...]
    median: int | None

    def survival_at(self, time: float) -> float:
        """S(time): the estimated share not yet responded after `time` (right-continuous)."""
        survival = 1.0
        for step in self.steps:
            if step.time > time:
                break
            survival = step.survival
        return survival

    def to_dict(self) -> dict[str, object]:
        return {
            "subjects": self.subjects,
            "events": self.events,
            "median": self.median,
            "steps": [s.to_dict() for s in self.steps],
        }


def kaplan_meier(times: Sequence[int], events: Sequence[bool]) -> KaplanMeier:
    """Kaplan-Meier estimator. `events[i]` True = subject i responded at `times[i]`; False =
    censored then (never seen to respond). At tied times events count before censorings.
    S(t) = product over event times t_i <= t of (1 - d_i / n_i). The median is the first time with
    S <= 1/2 (None when the curve never falls that far: the median is not reached).
    """
    if len(times) != len(events):
        raise InvalidInputError(
            f"times and events differ in length ({len(times)} vs {len(events)})",
            field="events",
        )
    for i, t in enumerate(times):
        if isinstance(t, bool) or not isinstance(t, int) or t < 0:
            raise InvalidInputError(
                f"times.{i}: expected a whole number >= 0, got {t!r}",
                field=f"times.{i}",
            )
    at_time: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for t, event in zip(times, events, strict=True):
        at_time[t][0 if event else 1] += 1
    at_risk = len(times)
    survival = Fraction(1)
    steps: list[KmStep] = []
    median: int | None = None
    for t in sorted(at_time):
        d, c = at_time[t]
        if d:
            survival *= 1 - Fraction(d, at_risk)
        steps.append(KmStep(t, at_risk, d, c, float(survival)))
        if median is None and d and survival <= Fraction(1, 2):
            median = t
        at_risk -= d + c
    return KaplanMeier(
        subjects=len(times),
        events=sum(1 for e in events if e),
        steps=tuple(steps),
        median=median,
    )


# --------------------------------------------------------------------------- cohorts


@dataclass(frozen=True, slots=True)
class CohortMember:
    """One course of the cohort and the condition it treated."""

    condition: str
    outcome: CourseOutcome


@dataclass(frozen=True, slots=True)
class Rate:
    """Responders among the courses judged at one point (`key`: sessions done, or follow-up months)."""

    key: int
    judged: int
    responders: int

    @property
    def rate(self) -> float | None:
        return None if self.judged == 0 else self.responders / self.judged

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "judged": self.judged,
            "responders": self.responders,
            "rate": self.rate,
        }


@dataclass(frozen=True, slots=True)
class ConditionSummary:
    condition: str
    courses: int
    judged: int
    responders: int
    by_session: tuple[Rate, ...]
    by_follow_up: tuple[Rate, ...]
    time_to_response: KaplanMeier

    @property
    def rate(self) -> float | None:
        """Courses that ever responded among those that could be judged."""
        return None if self.judged == 0 else self.responders / self.judged

    @property
    def median_sessions_to_response(self) -> int | None:
        return self.time_to_response.median

    def to_dict(self) -> dict[str, object]:
        return {
            "condition": self.condition,
            "courses": self.courses,
            "judged": self.judged,
            "responders": self.responders,
            "rate": self.rate,
            "median_sessions_to_response": self.median_sessions_to_response,
            "by_session": [r.to_dict() for r in self.by_session],
            "by_follow_up": [r.to_dict() for r in self.by_follow_up],
            "time_to_response": self.time_to_response.to_dict(),
        }


def _rates(members: Iterable[CohortMember], follow_up: bool) -> tuple[Rate, ...]:
    judged: dict[int, int] = defaultdict(int)
    responders: dict[int, int] = defaultdict(int)
    for member in members:
        for point in member.outcome.judged:
            is_follow_up = point.timepoint.kind is TimepointKind.follow_up
            if is_follow_up != follow_up:
                continue
            key = (point.timepoint.months or 0) if follow_up else point.sessions_done
            judged[key] += 1
            responders[key] += 1 if point.responded else 0
    return tuple(Rate(k, judged[k], responders[k]) for k in sorted(judged))


def responder_rate_by_session(members: Iterable[CohortMember]) -> tuple[Rate, ...]:
    """Per number of sessions done (0 = baseline), the share of judged courses responding there."""
    return _rates(members, follow_up=False)


def responder_rate_by_follow_up(members: Iterable[CohortMember]) -> tuple[Rate, ...]:
    """Per follow-up (months after the last session), the share of judged courses responding."""
    return _rates(members, follow_up=True)


def sessions_to_response(members: Iterable[CohortMember]) -> KaplanMeier:
    """Kaplan-Meier of sessions done until first response; never-responders are censored at their
    last judged point; courses that cannot be judged at all (no baseline, no MCID) are left out."""
    times: list[int] = []
    events: list[bool] = []
    for member in members:
        outcome = member.outcome
        judged = outcome.judged
        if not judged:
            continue
        first = outcome.first_response_sessions
        if first is not None:
            times.append(first)
            events.append(True)
        else:
            times.append(judged[-1].sessions_done)
            events.append(False)
    return kaplan_meier(times, events)


def summarise_cohort(members: Sequence[CohortMember]) -> tuple[ConditionSummary, ...]:
    """One summary per condition (sorted by condition id)."""
    by_condition: dict[str, list[CohortMember]] = defaultdict(list)
    for member in members:
        by_condition[member.condition].append(member)
    summaries: list[ConditionSummary] = []
    for condition in sorted(by_condition):
        group = by_condition[condition]
        judged = [m for m in group if m.outcome.ever_responded is not None]
        summaries.append(
            ConditionSummary(
                condition=condition,
                courses=len(group),
                judged=len(judged),
                responders=sum(1 for m in judged if m.outcome.ever_responded),
                by_session=responder_rate_by_session(group),
                by_follow_up=responder_rate_by_follow_up(group),
                time_to_response=sessions_to_response(group),
            )
        )
    return tuple(summaries)


__all__ = [
    "CohortMember",
    "ConditionSummary",
    "CourseOutcome",
    "CriterionResult",
    "KaplanMeier",
    "KmStep",
    "Observation",
    "Rate",
    "TrajectoryPoint",
    "assess_course",
    "course_advice",
    "exact",
    "kaplan_meier",
    "responder_rate_by_follow_up",
    "responder_rate_by_session",
    "sessions_to_response",
    "summarise_cohort",
]
