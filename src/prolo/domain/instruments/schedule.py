"""The questionnaire schedule: which instruments are due when during and after a course.

Default (data/questionnaire_schedule.yaml, per clinic): a baseline at intake, one before every
session, and follow-ups 3, 6 and 12 months after the last session. `due_questionnaires` turns a
course's dates and its condition's instruments into dated, windowed questionnaires; `due_on` picks
the ones whose window contains a given day. Pure: callers pass every date.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from prolo.domain.errors import InvalidInputError, ReferenceDataError
from prolo.domain.instruments.base import get_instrument
from prolo.domain.reference import read_yaml, require_sources

SCHEDULE_FILE = "questionnaire_schedule.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BaselineRule(_Frozen):
    window_days_before: int = Field(ge=0)
    window_days_after: int = Field(ge=0)


class SessionRule(_Frozen):
    enabled: bool
    window_days_before: int = Field(ge=0)
    window_days_after: int = Field(ge=0)


class FollowUpRule(_Frozen):
    months: int = Field(ge=1)
    window_days_before: int = Field(ge=0)
    window_days_after: int = Field(ge=0)


class Note(_Frozen):
    text: str = Field(min_length=1)
    source: tuple[str, ...] = Field(min_length=1)


class QuestionnaireSchedule(_Frozen):
    """One clinic's questionnaire schedule."""

    version: int
    source: tuple[str, ...] = Field(min_length=1)
    baseline: BaselineRule
    before_each_session: SessionRule
    follow_ups: tuple[FollowUpRule, ...] = ()
    expected_course_note: Note

    @model_validator(mode="after")
    def _distinct_follow_ups(self) -> Self:
        months = [f.months for f in self.follow_ups]
        if months != sorted(set(months)):
            raise ValueError("follow_ups must be distinct and in increasing months")
        return self


def parse_questionnaire_schedule(
    raw: object, where: str = SCHEDULE_FILE
) -> QuestionnaireSchedule:
    """Build a schedule from a parsed document of the questionnaire_schedule.yaml layout."""
    try:
        schedule = QuestionnaireSchedule.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise ReferenceDataError(f"{where} is malformed: {loc}: {err['msg']}") from exc
    require_sources([*schedule.source, *schedule.expected_course_note.source], where)
    return schedule


def load_questionnaire_schedule() -> QuestionnaireSchedule:
    """The default schedule shipped in data/questionnaire_schedule.yaml."""
    return parse_questionnaire_schedule(read_yaml(SCHEDULE_FILE))


class TimepointKind(StrEnum):
    baseline = "baseline"
    pre_session = "pre_session"
    follow_up = "follow_up"


@dataclass(frozen=True, slots=True)
class Timepoint:
    """When a questionnaire is answered: at intake, before session n, or m months after the end."""

    kind: TimepointKind
    session: int | None = None
    months: int | None = None

    def __post_init__(self) -> None:
        if self.kind is TimepointKind.pre_session and (
            self.session is None or self.session < 1
        ):
            raise InvalidInputError(
                "a pre-session timepoint needs a session >= 1", field="session"
            )
        if self.kind is TimepointKind.follow_up and (
            self.months is None or self.months < 1
        ):
            raise InvalidInputError(
                "a follow-up timepoint needs months >= 1", field="months"
            )

    @property
    def key(self) -> str:
        """A stable key: `baseline`, `session-3`, `follow-up-6m`."""
        if self.kind is TimepointKind.pre_session:
            return f"session-{self.session}"
        if self.kind is TimepointKind.follow_up:
            return f"follow-up-{self.months}m"
        return "baseline"

    @property
    def label(self) -> str:
        if self.kind is TimepointKind.pre_session:
            return f"before session {self.session}"
        if self.kind is TimepointKind.follow_up:
            return f"{self.months}-month follow-up"
        return "baseline (intake)"


@dataclass(frozen=True, slots=True)
class DueQuestionnaire:
    """Instrument `instrument` is due on `due_on`, answerable from `window_start` to `window_end`."""

    instrument: str
    timepoint: Timepoint
    due_on: date
    window_start: date
    window_end: date

    def to_dict(self) -> dict[str, object]:
        return {
            "instrument": self.instrument,
            "timepoint": self.timepoint.key,
            "label": self.timepoint.label,
            "due_on": self.due_on.isoformat(),
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
        }


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, clamped to the month's end (Jan 31 + 1 = Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _require_date(value: object, field: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInputError(
            f"{field}: expected a calendar date, got {value!r}", field=field
        )
    return value


def due_questionnaires(
    *,
    instruments: Sequence[str],
    intake_on: date,
    session_dates: Sequence[date],
    schedule: QuestionnaireSchedule,
    course_complete: bool = False,
) -> tuple[DueQuestionnaire, ...]:
    """Every questionnaire the course calls for, in date order (then instrument order).

    `session_dates` are the course's sessions (done or planned), in order. Follow-ups are counted
    from the last session once `course_complete` is true; before that the end is not known.
    """
    intake = _require_date(intake_on, "intake_on")
    sessions = [
        _require_date(d, f"session_dates.{i}") for i, d in enumerate(session_dates)
    ]
    ids = list(dict.fromkeys(get_instrument(i).id for i in instruments))
    if not ids:
        raise InvalidInputError(
            "instruments: at least one instrument is needed", field="instruments"
        )
    if sessions and sessions[0] < intake:
        raise InvalidInputError(
            f"session_dates.0: session 1 ({sessions[0].isoformat()}) is before intake "
            f"({intake.isoformat()})",
            field="session_dates.0",
        )
    for i, (a, b) in enumerate(pairwise(sessions), start=1):
        if b <= a:
            raise InvalidInputError(
                f"session_dates.{i}: session {i + 1} ({b.isoformat()}) is not after session {i} "
                f"({a.isoformat()})",
                field=f"session_dates.{i}",
            )
    if course_complete and not sessions:
        raise InvalidInputError(
            "session_dates: a complete course needs its session dates",
            field="session_dates",
        )

    slots: list[tuple[Timepoint, date, date, date]] = []
    base = schedule.baseline
    slots.append(
        (
            Timepoint(TimepointKind.baseline),
            intake,
            intake - timedelta(days=base.window_days_before),
            intake + timedelta(days=base.window_days_after),
        )
    )
    rule = schedule.before_each_session
    if rule.enabled:
        for number, day in enumerate(sessions, start=1):
            slots.append(
                (
                    Timepoint(TimepointKind.pre_session, session=number),
                    day,
                    day - timedelta(days=rule.window_days_before),
                    day + timedelta(days=rule.window_days_after),
                )
            )
    if course_complete:
        last = sessions[-1]
        for follow in schedule.follow_ups:
            day = add_months(last, follow.months)
            slots.append(
                (
                    Timepoint(TimepointKind.follow_up, months=follow.months),
                    day,
                    day - timedelta(days=follow.window_days_before),
                    day + timedelta(days=follow.window_days_after),
                )
            )
    due: list[DueQuestionnaire] = [
        DueQuestionnaire(instrument, timepoint, on, start, end)
        for timepoint, on, start, end in slots
        for instrument in ids
    ]
    return tuple(sorted(due, key=lambda d: (d.due_on, ids.index(d.instrument))))


def due_on(
    planned: Iterable[DueQuestionnaire],
    day: date,
    *,
    done: Collection[tuple[str, str]] = (),
) -> tuple[DueQuestionnaire, ...]:
    """The questionnaires whose window contains `day`, less those `done` ((instrument, timepoint key))."""
    on = _require_date(day, "day")
    return tuple(
        d
        for d in planned
        if d.window_start <= on <= d.window_end
        and (d.instrument, d.timepoint.key) not in done
    )
