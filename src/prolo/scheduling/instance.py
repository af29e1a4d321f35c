"""The scheduling instance and schedule formats (JSON, versioned) and their checks.

An `Instance` is one clinic: its timezone, opening hours, grid, holidays, course and session rules,
the clinicians (weekly roster, leave), procedure rooms, recovery places, the courses to schedule
(each with its patient's earliest start, weekly availability, optional preferred clinician and time,
and the sessions already booked or done) and the objective weights. Times of day are "HH:MM" in the
clinic's timezone; dates are local dates; datetimes are ISO-8601 with an offset.

A `Schedule` is the answer: one row per session with the start and end of each resource's interval.

`load_instance(text)` parses and checks an instance (Pydantic validation, then the cross-field checks
of `check_instance`); bad input raises `pydantic.ValidationError` or `InvalidInputError` naming the
field. `instance_json_schema()` is the JSON Schema shipped in `schema/instance.schema.json`.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from prolo.domain.errors import InvalidInputError

INSTANCE_VERSION = 1
SCHEDULE_VERSION = 1

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ClockTime = Annotated[
    str,
    Field(
        pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$",
        description="Local time of day, HH:MM (24:00 allowed as an end).",
    ),
]

SCHEMA_PATH = Path(__file__).parent / "schema" / "instance.schema.json"


def minutes_of(clock: str) -> int:
    """Minutes after local midnight of an "HH:MM" string."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeWindow(_Model):
    """A local time window [start, end) within one day."""

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        if minutes_of(self.start) >= minutes_of(self.end):
            raise ValueError(f"window {self.start}-{self.end} ends before it starts")
        return self


WeeklyHours = dict[Weekday, list[TimeWindow]]


class CourseRules(_Model):
    """How many sessions a course has and how many days lie between consecutive sessions.

    The clinic's bounds, carried in the instance (the clinic's text: 4-8 sessions, 2-3 weeks apart;
    source CLINIC in prolo.domain data).
    """

    min_sessions: int = Field(ge=1)
    max_sessions: int = Field(ge=1)
    min_gap_days: int = Field(ge=1)
    max_gap_days: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> CourseRules:
        if self.min_sessions > self.max_sessions:
            raise ValueError("min_sessions is above max_sessions")
        if self.min_gap_days > self.max_gap_days:
            raise ValueError("min_gap_days is above max_gap_days")
        return self


class SessionRules(_Model):
    """Session timing: a procedure block on clinician + room, then at once a recovery place.

    `recovery_minutes` is the clinic's fixed value that the solvers book; the validator accepts any
    recovery length inside [recovery_min_minutes, recovery_max_minutes].
    """

    procedure_minutes: int = Field(gt=0)
    first_procedure_minutes: int = Field(gt=0)
    recovery_minutes: int = Field(gt=0)
    recovery_min_minutes: int = Field(gt=0)
    recovery_max_minutes: int = Field(gt=0)

    @model_validator(mode="after")
    def _recovery_inside_bounds(self) -> SessionRules:
        if not (
            self.recovery_min_minutes
            <= self.recovery_minutes
            <= self.recovery_max_minutes
        ):
            raise ValueError(
                "recovery_minutes must lie inside [recovery_min_minutes, recovery_max_minutes]"
            )
        return self


class Clinic(_Model):
    id: str = Field(min_length=1)
    name: str = ""
    timezone: str
    grid_minutes: int = Field(default=5, gt=0, le=60)
    opening_hours: WeeklyHours
    holidays: list[date] = Field(default_factory=list)
    course: CourseRules
    session: SessionRules


class Horizon(_Model):
    start: date
    days: int = Field(gt=0, le=3 * 366)


class Clinician(_Model):
    id: str = Field(min_length=1)
    name: str = ""
    roster: WeeklyHours
    leave: list[date] = Field(default_factory=list)


class Room(_Model):
    id: str = Field(min_length=1)
    name: str = ""
    closed: list[date] = Field(default_factory=list)


class RecoveryPlace(_Model):
    id: str = Field(min_length=1)
    name: str = ""
    kind: Literal["bed", "chair"] = "bed"


class FixedSession(_Model):
    """A session already booked or done: no solver may move it."""

    session: int = Field(ge=1)
    status: Literal["booked", "done"]
    clinician_id: str
    room_id: str
    recovery_place_id: str
    procedure_start: AwareDatetime
    recovery_minutes: int = Field(gt=0)


class Course(_Model):
    id: str = Field(min_length=1)
    patient_id: str = Field(min_length=1)
    sessions: int = Field(ge=1)
    earliest_start: date
    availability: WeeklyHours
    preferred_clinician_id: str | None = None
    preferred_time: ClockTime | None = None
    fixed: list[FixedSession] = Field(default_factory=list)


class Weights(_Model):
    """Objective weights (see docs/scheduling.md for the formula and the order they encode).

    The defaults make the objective lexicographic per course, in the issue's order (whole course,
    early start, then compact gaps, same clinician, preferred time); `weight_order_problems` checks
    the bounds for a given instance. With k_max = 8 sessions and the 5-minute grid:
    - a session off the reference clinician (2,500) costs more than the course's largest total time
      deviation (8 x 279 = 2,232 grid steps even for a 24-hour opening day);
    - a day of gap stretch (25,000) costs more than the course's largest continuity + time cost
      (8 x 2,500 + 2,232 = 22,232);
    - a day of start delay (1,250,000) costs more than the course's largest stretch + continuity +
      time cost (7 x 7 x 25,000 + 22,232 = 1,247,232 with 14-21-day gaps);
    - a course left unscheduled (2 x 10^9) costs more than any booked course can (1,097 days of
      delay x 1,250,000 + 1,247,232 ~ 1.37 x 10^9 at the longest allowed horizon, 3 x 366 days).
    """

    unscheduled_course: int = Field(default=2_000_000_000, ge=0)
    start_delay_day: int = Field(default=1_250_000, ge=0)
    gap_stretch_day: int = Field(default=25_000, ge=0)
    clinician_change: int = Field(default=2_500, ge=0)
    time_deviation_step: int = Field(default=1, ge=0)


class Instance(_Model):
    """One clinic's scheduling problem."""

    version: Literal[1]
    name: str = ""
    clinic: Clinic
    horizon: Horizon
    clinicians: list[Clinician]
    rooms: list[Room]
    recovery_places: list[RecoveryPlace]
    courses: list[Course]
    weights: Weights = Field(default_factory=Weights)


class ScheduledSession(_Model):
    course_id: str
    patient_id: str
    session: int = Field(ge=1)
    clinician_id: str
    room_id: str
    recovery_place_id: str
    procedure_start: AwareDatetime
    procedure_end: AwareDatetime
    recovery_start: AwareDatetime
    recovery_end: AwareDatetime
    fixed: bool = False


class Schedule(_Model):
    """A solver's answer. `objective` is one number, lower is better."""

    version: Literal[1] = 1
    instance: str = ""
    method: str
    objective: int
    courses_scheduled: int
    courses_total: int
    unscheduled: list[str] = Field(default_factory=list)
    terms: dict[str, int] = Field(default_factory=dict)
    stats: dict[str, Any] = Field(default_factory=dict)
    sessions: list[ScheduledSession]


class SolverConfig(_Model):
    """How to solve: method, wall-clock limit, CP-SAT workers, seed, optional iteration cap.

    With `workers=1` and `max_iterations` set, the engine is deterministic: the same instance, seed
    and iteration cap give the same schedule (CP-SAT sub-solves then use deterministic time limits).
    """

    method: Literal["cpsat", "greedy"] = "cpsat"
    time_limit: float = Field(default=10.0, ge=0)
    workers: int = Field(default=1, ge=1, le=16)
    seed: int = 0
    max_iterations: int | None = Field(default=None, ge=0)


def _check_grid(value: int, grid: int, field: str) -> None:
    if value % grid:
        raise InvalidInputError(
            f"{field}: {value} is not a multiple of the {grid}-minute grid", field=field
        )


def _check_hours(hours: WeeklyHours, grid: int, field: str) -> None:
    for day, windows in hours.items():
        for i, window in enumerate(windows):
            for name in ("start", "end"):
                _check_grid(
                    minutes_of(getattr(window, name)), grid, f"{field}.{day}.{i}.{name}"
                )
        ordered = sorted(windows, key=lambda w: minutes_of(w.start))
        for a, b in pairwise(ordered):
            if minutes_of(b.start) < minutes_of(a.end):
                raise InvalidInputError(
                    f"{field}.{day}: windows overlap", field=f"{field}.{day}"
                )


def _window_minutes(hours: WeeklyHours, other: WeeklyHours, day: str) -> int:
    """Longest stretch (minutes) inside both weekly hours on `day`."""
    best = 0
    for a in hours.get(day, []):  # type: ignore[call-overload]
        for b in other.get(day, []):  # type: ignore[call-overload]
            lo = max(minutes_of(a.start), minutes_of(b.start))
            hi = min(minutes_of(a.end), minutes_of(b.end))
            best = max(best, hi - lo)
    return best


def _unique(ids: list[str], field: str) -> None:
    seen: set[str] = set()
    for i, value in enumerate(ids):
        if value in seen:
            raise InvalidInputError(
                f"{field}.{i}.id: duplicate id {value!r}", field=f"{field}.{i}.id"
            )
        seen.add(value)


def check_instance(instance: Instance) -> None:
    """Cross-field checks Pydantic cannot express; raise InvalidInputError naming the field."""
    clinic = instance.clinic
    grid = clinic.grid_minutes
    try:
        ZoneInfo(clinic.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(
            f"clinic.timezone: unknown timezone {clinic.timezone!r}",
            field="clinic.timezone",
        ) from exc
    if 1440 % grid:
        raise InvalidInputError(
            "clinic.grid_minutes: must divide a day (1440 minutes)",
            field="clinic.grid_minutes",
        )
    rules = clinic.session
    for name in (
        "procedure_minutes",
        "first_procedure_minutes",
        "recovery_minutes",
        "recovery_min_minutes",
        "recovery_max_minutes",
    ):
        _check_grid(getattr(rules, name), grid, f"clinic.session.{name}")
    _check_hours(clinic.opening_hours, grid, "clinic.opening_hours")
    if not instance.clinicians:
        raise InvalidInputError(
            "clinicians: at least one is needed", field="clinicians"
        )
    if not instance.rooms:
        raise InvalidInputError("rooms: at least one is needed", field="rooms")
    if not instance.recovery_places:
        raise InvalidInputError(
            "recovery_places: at least one is needed", field="recovery_places"
        )
    _unique([c.id for c in instance.clinicians], "clinicians")
    _unique([r.id for r in instance.rooms], "rooms")
    _unique([b.id for b in instance.recovery_places], "recovery_places")
    _unique([c.id for c in instance.courses], "courses")
    for i, clinician in enumerate(instance.clinicians):
        _check_hours(clinician.roster, grid, f"clinicians.{i}.roster")
    clinician_ids = {c.id for c in instance.clinicians}
    room_ids = {r.id for r in instance.rooms}
    bed_ids = {b.id for b in instance.recovery_places}
    longest = max(rules.first_procedure_minutes, rules.procedure_minutes)
    need = longest + rules.recovery_minutes
    zone = ZoneInfo(clinic.timezone)
    for i, course in enumerate(instance.courses):
        where = f"courses.{i}"
        if not (
            clinic.course.min_sessions <= course.sessions <= clinic.course.max_sessions
        ):
            raise InvalidInputError(
                f"{where}.sessions: {course.sessions} is outside the clinic's "
                f"{clinic.course.min_sessions}-{clinic.course.max_sessions}",
                field=f"{where}.sessions",
            )
        _check_hours(course.availability, grid, f"{where}.availability")
        if course.preferred_time is not None:
            _check_grid(
                minutes_of(course.preferred_time), grid, f"{where}.preferred_time"
            )
        if (
            course.preferred_clinician_id is not None
            and course.preferred_clinician_id not in clinician_ids
        ):
            raise InvalidInputError(
                f"{where}.preferred_clinician_id: unknown clinician "
                f"{course.preferred_clinician_id!r}",
                field=f"{where}.preferred_clinician_id",
            )
        fits = max(
            (
                _window_minutes(course.availability, clinic.opening_hours, d)
                for d in WEEKDAYS
            ),
            default=0,
        )
        if fits < need:
            raise InvalidInputError(
                f"{where}.availability: no window inside the opening hours fits a "
                f"{longest}-minute procedure plus {rules.recovery_minutes}-minute recovery",
                field=f"{where}.availability",
            )
        for j, fixed in enumerate(course.fixed):
            fwhere = f"{where}.fixed.{j}"
            if fixed.session != j + 1:
                raise InvalidInputError(
                    f"{fwhere}.session: fixed sessions must be the course's first sessions "
                    f"in order (expected {j + 1}, got {fixed.session})",
                    field=f"{fwhere}.session",
                )
            if fixed.session > course.sessions:
                raise InvalidInputError(
                    f"{fwhere}.session: course has only {course.sessions} sessions",
                    field=f"{fwhere}.session",
                )
            for name, known in (
                ("clinician_id", clinician_ids),
                ("room_id", room_ids),
                ("recovery_place_id", bed_ids),
            ):
                value = getattr(fixed, name)
                if value not in known:
                    raise InvalidInputError(
                        f"{fwhere}.{name}: unknown id {value!r}",
                        field=f"{fwhere}.{name}",
                    )
            local = fixed.procedure_start.astimezone(zone)
            if (local.hour * 60 + local.minute) % grid or local.second:
                raise InvalidInputError(
                    f"{fwhere}.procedure_start: not on the {grid}-minute grid",
                    field=f"{fwhere}.procedure_start",
                )
            offset = (local.date() - instance.horizon.start).days
            if not 0 <= offset < instance.horizon.days:
                raise InvalidInputError(
                    f"{fwhere}.procedure_start: outside the horizon",
                    field=f"{fwhere}.procedure_start",
                )
            _check_grid(fixed.recovery_minutes, grid, f"{fwhere}.recovery_minutes")


def max_deviation_steps(instance: Instance) -> int:
    """The largest time deviation (grid steps) one session can have: the longest opening day, less
    the shortest session, in grid steps (0 when the clinic has no opening hours)."""
    clinic = instance.clinic
    rules = clinic.session
    shortest = (
        min(rules.procedure_minutes, rules.first_procedure_minutes)
        + rules.recovery_min_minutes
    )
    spans = [
        max(minutes_of(w.end) for w in windows)
        - min(minutes_of(w.start) for w in windows)
        for windows in clinic.opening_hours.values()
        if windows
    ]
    if not spans:
        return 0
    return max(0, max(spans) - shortest) // clinic.grid_minutes


def weight_order_problems(instance: Instance) -> list[str]:
    """The dominance conditions of the objective's order that this instance's weights break.

    Empty when, for every course: a clinician change outweighs the course's largest total time
    deviation; a day of gap stretch outweighs its largest continuity + time cost; a day of start
    delay outweighs its largest stretch + continuity + time cost; and leaving the course out costs
    more than booking it anywhere in the horizon (docs/scheduling.md, "The objective").
    """
    w = instance.weights
    rules = instance.clinic.course
    k = rules.max_sessions
    dev = k * max_deviation_steps(instance) * w.time_deviation_step
    continuity_time = k * w.clinician_change + dev
    stretch_days = (k - 1) * (rules.max_gap_days - rules.min_gap_days)
    below_start = stretch_days * w.gap_stretch_day + continuity_time
    booked_max = (instance.horizon.days - 1) * w.start_delay_day + below_start
    checks = (
        ("clinician_change", w.clinician_change, "time deviation cost", dev),
        (
            "gap_stretch_day",
            w.gap_stretch_day,
            "continuity + time cost",
            continuity_time,
        ),
        (
            "start_delay_day",
            w.start_delay_day,
            "stretch + continuity + time cost",
            below_start,
        ),
        (
            "unscheduled_course",
            w.unscheduled_course,
            "cost of a booked course",
            booked_max,
        ),
    )
    return [
        f"{name} ({value}) must exceed a course's largest {what} ({limit})"
        for name, value, what, limit in checks
        if value <= limit
    ]


def load_instance(text: str | bytes) -> Instance:
    """Parse JSON text into a checked Instance (ValidationError / InvalidInputError on bad input)."""
    instance = Instance.model_validate_json(text)
    check_instance(instance)
    return instance


def load_schedule(text: str | bytes) -> Schedule:
    return Schedule.model_validate_json(text)


def instance_json_schema() -> dict[str, Any]:
    """The JSON Schema of the instance format (what `schema/instance.schema.json` holds)."""
    schema = Instance.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://prolo.invalid/schema/scheduling-instance-v1.json"
    return schema


def write_json_schema(path: Path = SCHEMA_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(instance_json_schema(), indent=2) + "\n", encoding="utf-8"
    )


def local_datetime(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The aware datetime of `minute` minutes after local midnight of `day` in `zone`."""
    return datetime.combine(day, time(0), tzinfo=zone) + timedelta(minutes=minute)
