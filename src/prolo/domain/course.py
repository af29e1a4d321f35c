"""Course rules: how many sessions, how far apart, and what to do after each session.

A course has `min_sessions`..`max_sessions` sessions (4-8 by the clinic's text), consecutive
sessions `min_gap_days`..`max_gap_days` apart (14-21). Every number comes from a `CourseRules`
object, loaded from `data/course_rules.yaml` (`load_course_rules()`); a clinic may narrow the
numbers inside the clinical bounds of that file, never widen them.

- `plan_windows(start, sessions, rules, fixed)` gives each session's window of allowed dates. Before
  anything is booked, session n's window is [start + min_gap*(n-1), start + max_gap*(n-1)]. Sessions
  already booked or done (`fixed`) narrow the windows around them, in both directions, so that
  every date inside every window can still be completed into a course that keeps the rules.
- `check_dates(dates, rules)` lists each broken rule of a list of session dates, in plain words.
- `advise(...)` says what to do after a session: continue, review or complete (table in
  docs/course-rules.md and in `advise`'s docstring).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from itertools import pairwise
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prolo.domain.errors import InvalidInputError, ReferenceDataError
from prolo.domain.reference import read_yaml, require_sources

COURSE_RULES_FILE = "course_rules.yaml"


class CourseBounds(BaseModel):
    """The clinical outer limits inside which a clinic configures its course rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_sessions: int = Field(ge=1)
    max_sessions: int = Field(ge=1)
    min_gap_days: int = Field(ge=1)
    max_gap_days: int = Field(ge=1)
    source: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min_sessions > self.max_sessions:
            raise ValueError("min_sessions is greater than max_sessions")
        if self.min_gap_days > self.max_gap_days:
            raise ValueError("min_gap_days is greater than max_gap_days")
        return self


class CourseRules(BaseModel):
    """The course rules one clinic works with; always inside `bounds`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_sessions: int = Field(ge=1)
    max_sessions: int = Field(ge=1)
    min_gap_days: int = Field(ge=1)
    max_gap_days: int = Field(ge=1)
    review_after_session: int = Field(ge=1)
    bounds: CourseBounds
    source: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _inside_bounds(self) -> Self:
        b = self.bounds
        if (
            not b.min_sessions
            <= self.min_sessions
            <= self.max_sessions
            <= b.max_sessions
        ):
            raise ValueError(
                f"sessions {self.min_sessions}-{self.max_sessions} must lie inside the "
                f"clinical bounds {b.min_sessions}-{b.max_sessions}, minimum first"
            )
        if (
            not b.min_gap_days
            <= self.min_gap_days
            <= self.max_gap_days
            <= b.max_gap_days
        ):
            raise ValueError(
                f"gaps {self.min_gap_days}-{self.max_gap_days} days must lie inside the "
                f"clinical bounds {b.min_gap_days}-{b.max_gap_days} days, minimum first"
            )
        # No improvement is expected after the first session (CLINIC), so the review point is
        # never session 1; it must also be reachable within the longest course.
        if not 2 <= self.review_after_session <= self.max_sessions:
            raise ValueError(
                f"review_after_session must be between 2 and max_sessions "
                f"({self.max_sessions}); got {self.review_after_session}"
            )
        return self

    def with_changes(self, **changes: int) -> CourseRules:
        """A copy with some numbers changed, validated again (InvalidInputError if not allowed)."""
        unknown = sorted(set(changes) - _CLINIC_NUMBERS)
        if unknown:
            raise InvalidInputError(
                f"unknown course rule(s): {', '.join(unknown)}", field=unknown[0]
            )
        data: dict[str, Any] = self.model_dump()
        data.update(changes)
        try:
            return CourseRules.model_validate(data)
        except ValidationError as exc:
            raise InvalidInputError(
                f"course rules not allowed: {_first_error(exc)}",
                field=",".join(sorted(changes)) or None,
            ) from exc


_CLINIC_NUMBERS = frozenset(
    {
        "min_sessions",
        "max_sessions",
        "min_gap_days",
        "max_gap_days",
        "review_after_session",
    }
)


class _CourseRulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    bounds: CourseBounds
    clinic: dict[str, Any]


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {err['msg']}" if loc else str(err["msg"])


def parse_course_rules(raw: object, where: str = COURSE_RULES_FILE) -> CourseRules:
    """Build CourseRules from a parsed course-rules document (the layout of course_rules.yaml)."""
    try:
        doc = _CourseRulesFile.model_validate(raw)
        rules = CourseRules.model_validate({**doc.clinic, "bounds": doc.bounds})
    except ValidationError as exc:
        raise ReferenceDataError(f"{where} is malformed: {_first_error(exc)}") from exc
    require_sources([*rules.bounds.source, *rules.source], where)
    return rules


@cache
def load_course_rules() -> CourseRules:
    """The course rules shipped in `data/course_rules.yaml`."""
    return parse_course_rules(read_yaml(COURSE_RULES_FILE))


# --------------------------------------------------------------------------- windows


@dataclass(frozen=True, slots=True)
class SessionWindow:
    """Session `number` (1-based) may take place on any day from `earliest` to `latest`."""

    number: int
    earliest: date
    latest: date
    booked: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "earliest": self.earliest.isoformat(),
            "latest": self.latest.isoformat(),
            "booked": self.booked,
        }


def _require_date(value: object, field: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInputError(
            f"{field}: expected a calendar date, got {value!r}", field=field
        )
    return value


def _require_session_count(sessions: object, rules: CourseRules) -> int:
    if isinstance(sessions, bool) or not isinstance(sessions, int):
        raise InvalidInputError(
            f"sessions: expected a whole number, got {sessions!r}", field="sessions"
        )
    if not rules.min_sessions <= sessions <= rules.max_sessions:
        raise InvalidInputError(
            f"sessions: a course has {rules.min_sessions} to {rules.max_sessions} sessions; "
            f"got {sessions}",
            field="sessions",
        )
    return sessions


def plan_windows(
    start: date,
    sessions: int,
    rules: CourseRules,
    fixed: Mapping[int, date] | None = None,
) -> list[SessionWindow]:
    """Each session's window of allowed dates for a course of `sessions` starting on `start`.

    `fixed` maps session numbers to the real dates of sessions already booked or done. They must
    be consistent with `start` (session 1 is on `start`) and with each other; otherwise
    InvalidInputError names the first session that does not fit. Windows between fixed sessions
    are narrowed from both sides; every date of every window belongs to at least one course that
    keeps all the rules (the gaps are whole days, so any total between n*min and n*max is reachable).
    """
    start = _require_date(start, "start")
    count = _require_session_count(sessions, rules)
    lo_gap, hi_gap = rules.min_gap_days, rules.max_gap_days

    anchors: dict[int, date] = {1: start}
    booked: set[int] = set()
    for number, day in (fixed or {}).items():
        field = f"fixed.{number}"
        if isinstance(number, bool) or not isinstance(number, int):
            raise InvalidInputError(
                f"{field}: session number must be a whole number", field=field
            )
        if not 1 <= number <= count:
            raise InvalidInputError(
                f"{field}: the course has sessions 1 to {count}; there is no session {number}",
                field=field,
            )
        day = _require_date(day, field)
        if number == 1 and day != start:
            raise InvalidInputError(
                f"{field}: session 1 is on {day.isoformat()} but the course starts on "
                f"{start.isoformat()}; plan from the real first date",
                field=field,
            )
        anchors[number] = day
        booked.add(number)

    ordered = sorted(anchors.items())
    for (a, day_a), (b, day_b) in pairwise(ordered):
        earliest = day_a + timedelta(days=lo_gap * (b - a))
        latest = day_a + timedelta(days=hi_gap * (b - a))
        if not earliest <= day_b <= latest:
            raise InvalidInputError(
                f"fixed.{b}: session {b} on {day_b.isoformat()} does not fit after session {a} "
                f"on {day_a.isoformat()}: with sessions {lo_gap}-{hi_gap} days apart it must "
                f"fall between {earliest.isoformat()} and {latest.isoformat()}",
                field=f"fixed.{b}",
            )

    windows: list[SessionWindow] = []
    for n in range(1, count + 1):
        if n in anchors:
            windows.append(SessionWindow(n, anchors[n], anchors[n], booked=n in booked))
            continue
        prev = max(k for k in anchors if k < n)  # session 1 is always an anchor
        earliest = anchors[prev] + timedelta(days=lo_gap * (n - prev))
        latest = anchors[prev] + timedelta(days=hi_gap * (n - prev))
        later = [k for k in anchors if k > n]
        if later:
            nxt = min(later)
            earliest = max(earliest, anchors[nxt] - timedelta(days=hi_gap * (nxt - n)))
            latest = min(latest, anchors[nxt] - timedelta(days=lo_gap * (nxt - n)))
        windows.append(SessionWindow(n, earliest, latest))
    return windows


# --------------------------------------------------------------------------- checking dates


class ProblemCode(StrEnum):
    too_few_sessions = "too_few_sessions"
    too_many_sessions = "too_many_sessions"
    not_increasing = "not_increasing"
    gap_too_short = "gap_too_short"
    gap_too_long = "gap_too_long"


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken course rule; `sessions` names the 1-based sessions concerned."""

    code: ProblemCode
    message: str
    sessions: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "message": self.message,
            "sessions": list(self.sessions),
        }


def _has_text(value: str | None) -> bool:
    return value is not None and value.strip() != ""


def check_dates(
    dates: Sequence[date],
    rules: CourseRules,
    *,
    partial: bool = False,
    extension_reason: str | None = None,
) -> list[Problem]:
    """Every rule the session dates break, in plain words; an empty list means the course is fine.

    `partial=True` checks a course still in progress (no "too few sessions"). More than
    `max_sessions` sessions is a problem unless a clinician recorded an `extension_reason`.
    """
    days = [_require_date(d, f"dates.{i}") for i, d in enumerate(dates)]
    problems: list[Problem] = []
    n = len(days)
    if n < rules.min_sessions and not partial:
        problems.append(
            Problem(
                ProblemCode.too_few_sessions,
                f"The course has {n} session{'s' if n != 1 else ''}; it needs at least "
                f"{rules.min_sessions}.",
            )
        )
    if n > rules.max_sessions and not _has_text(extension_reason):
        problems.append(
            Problem(
                ProblemCode.too_many_sessions,
                f"The course has {n} sessions, more than the {rules.max_sessions} allowed; "
                "a clinician must record the reason for extending it.",
                tuple(range(rules.max_sessions + 1, n + 1)),
            )
        )
    for i, (earlier, later) in enumerate(pairwise(days), start=1):
        j = i + 1
        gap = (later - earlier).days
        span = f"({earlier.isoformat()} to {later.isoformat()})"
        if gap <= 0:
            problems.append(
                Problem(
                    ProblemCode.not_increasing,
                    f"Session {j} {span} is not after session {i}; list the sessions in date "
                    "order, one per day at most.",
                    (i, j),
                )
            )
        elif gap < rules.min_gap_days:
            problems.append(
                Problem(
                    ProblemCode.gap_too_short,
                    f"Sessions {i} and {j} are {gap} days apart {span}; they must be at least "
                    f"{rules.min_gap_days} days apart.",
                    (i, j),
                )
            )
        elif gap > rules.max_gap_days:
            problems.append(
                Problem(
                    ProblemCode.gap_too_long,
                    f"Sessions {i} and {j} are {gap} days apart {span}; they must be at most "
                    f"{rules.max_gap_days} days apart.",
                    (i, j),
                )
            )
    return problems


# --------------------------------------------------------------------------- advice


class Action(StrEnum):
    continue_ = "continue"
    review = "review"
    complete = "complete"


@dataclass(frozen=True, slots=True)
class AdviceReason:
    code: str
    message: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "source": self.source}


@dataclass(frozen=True, slots=True)
class CourseAdvice:
    action: Action
    reasons: tuple[AdviceReason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def _require_count(value: object, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(
            f"{field}: expected a whole number, got {value!r}", field=field
        )
    if value < minimum:
        raise InvalidInputError(
            f"{field}: must be at least {minimum}, got {value}", field=field
        )
    return value


def advise(
    *,
    sessions_done: int,
    planned_sessions: int,
    responded: bool | None,
    rules: CourseRules,
    extension_reason: str | None = None,
) -> CourseAdvice:
    """What to do after a session. `responded` = meaningful improvement from baseline so far
    (from the outcomes module); None = no outcome data.

    | situation                                              | action   |
    |--------------------------------------------------------|----------|
    | no session done yet                                    | continue |
    | done < review_after_session (response not judged yet)  | continue |
    | review_after_session <= done < planned, responded      | continue |
    | review_after_session <= done < planned, not / no data  | review   |
    | done = planned, responded                              | complete |
    | done = planned, not responded / no data                | review   |
    | planned > max_sessions without a recorded reason       | review (overrides the above) |

    After the first session a lack of improvement is never a reason to review (the clinic's text:
    no significant improvement should be expected after the first application).
    """
    source = rules.source[0]
    done = _require_count(sessions_done, "sessions_done", 0)
    planned = _require_count(planned_sessions, "planned_sessions", rules.min_sessions)
    if done > planned:
        raise InvalidInputError(
            f"sessions_done: {done} sessions done but only {planned} planned; "
            "extend the plan first",
            field="sessions_done",
        )
    if responded is not None and not isinstance(responded, bool):
        raise InvalidInputError(
            f"responded: expected true, false or none, got {responded!r}",
            field="responded",
        )

    reasons: list[AdviceReason] = []
    flagged = False
    why = (extension_reason or "").strip()
    if planned > rules.max_sessions:
        if why:
            reasons.append(
                AdviceReason(
                    "extension_recorded",
                    f"The course is extended to {planned} sessions, beyond the usual "
                    f"{rules.max_sessions}; the clinician's recorded reason: "
                    f"{why}",
                    source,
                )
            )
        else:
            flagged = True
            reasons.append(
                AdviceReason(
                    "extension_without_reason",
                    f"The plan has {planned} sessions, more than the {rules.max_sessions} the "
                    "rules allow; a clinician must record the reason for extending the course.",
                    source,
                )
            )

    review_at = rules.review_after_session
    if done == 0:
        base = Action.continue_
        reasons.append(
            AdviceReason(
                "not_started",
                f"No session done yet; the course plans {planned} sessions.",
                source,
            )
        )
    elif done >= planned:
        if responded is True:
            base = Action.complete
            reasons.append(
                AdviceReason(
                    "planned_sessions_done",
                    f"All {planned} planned sessions are done and the patient has improved "
                    "meaningfully: the course is complete.",
                    source,
                )
            )
        elif responded is False:
            base = Action.review
            reasons.append(
                AdviceReason(
                    "no_improvement_at_end",
                    f"All {planned} planned sessions are done without meaningful improvement; "
                    "a clinician should review the course before closing or extending it.",
                    source,
                )
            )
        else:
            base = Action.review
            reasons.append(
                AdviceReason(
                    "no_outcome_data_at_end",
                    f"All {planned} planned sessions are done but no outcome data were "
                    "recorded, so the response cannot be judged; a clinician should review.",
                    source,
                )
            )
    elif done < review_at:
        base = Action.continue_
        if done == 1 and responded is not True:
            reasons.append(
                AdviceReason(
                    "first_session",
                    "No significant improvement is expected after the first session; the "
                    "repair shows itself over the following sessions.",
                    source,
                )
            )
        else:
            reasons.append(
                AdviceReason(
                    "before_review_point",
                    f"Session {done} of {planned} is done; the response is judged from "
                    f"session {review_at} on.",
                    source,
                )
            )
    elif responded is True:
        base = Action.continue_
        reasons.append(
            AdviceReason(
                "improving",
                f"Meaningful improvement after {done} sessions; continue the planned "
                f"{planned} sessions.",
                source,
            )
        )
    elif responded is False:
        base = Action.review
        reasons.append(
            AdviceReason(
                "no_improvement_at_review",
                f"No meaningful improvement after {done} sessions (review point: session "
                f"{review_at}); a clinician should review whether to continue.",
                source,
            )
        )
    else:
        base = Action.review
        reasons.append(
            AdviceReason(
                "no_outcome_data_at_review",
                f"{done} sessions are done but no outcome data were recorded, so the "
                "response cannot be judged; record the outcome questionnaires and review.",
                source,
            )
        )

    action = Action.review if flagged else base
    return CourseAdvice(action, tuple(reasons))
