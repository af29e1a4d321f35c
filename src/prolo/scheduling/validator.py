"""The independent validator: every hard rule, re-checked from the instance with datetime arithmetic.

It shares no code with the solvers (no grid, no bitmasks): it reads the instance's own fields and the
schedule's ISO datetimes, and lists every violation it finds. It also recomputes the objective with
its own arithmetic (`score`) and flags a schedule whose stated objective differs.

Rules checked (the `rule` field of each Violation):
  reference        unknown course / patient / clinician / room / recovery place id, bad session number
  duplicate        a course's session appears twice
  datetime         a time off the grid, resource intervals not on one local day
  duration         procedure length (first vs later session), recovery length outside the bounds
  recovery_start   recovery does not start exactly when the procedure ends
  horizon          a session outside the planning horizon
  opening_hours    a session outside the clinic's hours, or on a holiday
  roster           the procedure outside the clinician's roster, or on leave
  room_closed      the room is closed that day
  availability     the session outside the patient's availability, or before the earliest start
  gap              consecutive sessions closer than min_gap_days or further than max_gap_days
  whole_course     a course partly booked (beyond its fixed sessions)
  fixed            a fixed (booked/done) session missing or moved
  overlap          two intervals on one clinician, room or recovery place overlap
  summary          courses_scheduled / unscheduled disagree with the sessions
  objective        the stated objective is not the recomputed one
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from prolo.scheduling.instance import (
    Course,
    Instance,
    Schedule,
    ScheduledSession,
    TimeWindow,
)

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    course_id: str | None = None
    session: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "message": self.message,
            "course_id": self.course_id,
            "session": self.session,
        }


def _clock(text: str) -> int:
    hh, mm = text.split(":")
    return int(hh) * 60 + int(mm)


def _inside(windows: list[TimeWindow], start: int, end: int) -> bool:
    return any(_clock(w.start) <= start and end <= _clock(w.end) for w in windows)


def _minutes_between(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 60.0


def _local_minute(dt: datetime) -> int:
    return dt.hour * 60 + dt.minute


def validate(instance: Instance, schedule: Schedule) -> list[Violation]:
    """All violations of the hard rules (empty list: the schedule is valid)."""
    out: list[Violation] = []
    zone = ZoneInfo(instance.clinic.timezone)
    clinic = instance.clinic
    rules = clinic.session
    courses = {c.id: c for c in instance.courses}
    clinicians = {c.id: c for c in instance.clinicians}
    rooms = {r.id: r for r in instance.rooms}
    beds = {b.id for b in instance.recovery_places}
    holidays = set(clinic.holidays)
    first_day = instance.horizon.start
    by_course: dict[str, dict[int, ScheduledSession]] = defaultdict(dict)
    clin_iv: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    room_iv: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    bed_iv: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)

    for s in schedule.sessions:
        label = f"{s.course_id} session {s.session}"

        def bad(
            rule: str, message: str, s: ScheduledSession = s, label: str = label
        ) -> None:
            out.append(Violation(rule, f"{label}: {message}", s.course_id, s.session))

        course = courses.get(s.course_id)
        if course is None:
            bad("reference", f"unknown course {s.course_id!r}")
            continue
        if s.patient_id != course.patient_id:
            bad(
                "reference",
                f"patient {s.patient_id!r} is not the course's {course.patient_id!r}",
            )
        if not 1 <= s.session <= course.sessions:
            bad("reference", f"session number outside 1..{course.sessions}")
            continue
        if s.session in by_course[s.course_id]:
            bad("duplicate", "appears more than once")
            continue
        by_course[s.course_id][s.session] = s
        clinician = clinicians.get(s.clinician_id)
        room = rooms.get(s.room_id)
        if clinician is None:
            bad("reference", f"unknown clinician {s.clinician_id!r}")
        if room is None:
            bad("reference", f"unknown room {s.room_id!r}")
        if s.recovery_place_id not in beds:
            bad("reference", f"unknown recovery place {s.recovery_place_id!r}")

        ps, pe = s.procedure_start.astimezone(zone), s.procedure_end.astimezone(zone)
        rs, re_ = s.recovery_start.astimezone(zone), s.recovery_end.astimezone(zone)
        day = ps.date()
        if len({ps.date(), pe.date(), rs.date(), re_.date()}) != 1:
            bad("datetime", "its intervals do not lie on one local day")
        if ps.second or ps.microsecond or _local_minute(ps) % clinic.grid_minutes:
            bad(
                "datetime",
                f"procedure start {ps.isoformat()} is off the {clinic.grid_minutes}-minute grid",
            )
        want = (
            rules.first_procedure_minutes if s.session == 1 else rules.procedure_minutes
        )
        got = _minutes_between(ps, pe)
        if got != want:
            bad("duration", f"procedure lasts {got:g} min, the rule says {want}")
        if rs != pe:
            bad("recovery_start", "recovery does not start when the procedure ends")
        rec = _minutes_between(rs, re_)
        if not rules.recovery_min_minutes <= rec <= rules.recovery_max_minutes:
            bad(
                "duration",
                f"recovery lasts {rec:g} min, outside {rules.recovery_min_minutes}-{rules.recovery_max_minutes}",
            )
        offset = (day - first_day).days
        if not 0 <= offset < instance.horizon.days:
            bad("horizon", f"{day} is outside the horizon")
        a, e = _local_minute(ps), _local_minute(ps) + round(_minutes_between(ps, re_))
        weekday = _DAY_NAMES[day.weekday()]
        if day in holidays:
            bad("opening_hours", f"{day} is a clinic holiday")
        elif not _inside(clinic.opening_hours.get(weekday, []), a, e):  # type: ignore[call-overload]
            bad(
                "opening_hours",
                f"{ps.isoformat()}..{re_.isoformat()} is outside opening hours",
            )
        if clinician is not None:
            if day in clinician.leave:
                bad("roster", f"clinician {clinician.id} is on leave on {day}")
            elif not _inside(clinician.roster.get(weekday, []), a, a + round(got)):  # type: ignore[call-overload]
                bad("roster", f"procedure is outside clinician {clinician.id}'s roster")
        if room is not None and day in room.closed:
            bad("room_closed", f"room {room.id} is closed on {day}")
        if day < course.earliest_start:
            bad(
                "availability",
                f"{day} is before the earliest start {course.earliest_start}",
            )
        if not _inside(course.availability.get(weekday, []), a, e):  # type: ignore[call-overload]
            bad("availability", "session is outside the patient's availability")
        clin_iv[s.clinician_id].append((s.procedure_start, s.procedure_end, label))
        room_iv[s.room_id].append((s.procedure_start, s.procedure_end, label))
        bed_iv[s.recovery_place_id].append((s.recovery_start, s.recovery_end, label))

    complete = 0
    unscheduled_expected: set[str] = set()
    for course in instance.courses:
        got_sessions = by_course.get(course.id, {})
        out.extend(_check_fixed(course, got_sessions))
        numbers = sorted(got_sessions)
        if numbers == list(range(1, course.sessions + 1)):
            complete += 1
        else:
            unscheduled_expected.add(course.id)
            if len(numbers) > len(course.fixed):
                out.append(
                    Violation(
                        "whole_course",
                        f"{course.id}: sessions {numbers} booked but the course has {course.sessions}",
                        course.id,
                    )
                )
        for n in numbers:
            if n + 1 in got_sessions:
                d1 = got_sessions[n].procedure_start.astimezone(zone).date()
                d2 = got_sessions[n + 1].procedure_start.astimezone(zone).date()
                gap = (d2 - d1).days
                if not clinic.course.min_gap_days <= gap <= clinic.course.max_gap_days:
                    out.append(
                        Violation(
                            "gap",
                            f"{course.id}: sessions {n} and {n + 1} are {gap} days apart, outside "
                            f"{clinic.course.min_gap_days}-{clinic.course.max_gap_days}",
                            course.id,
                            n + 1,
                        )
                    )
    for kind, table in (
        ("clinician", clin_iv),
        ("room", room_iv),
        ("recovery place", bed_iv),
    ):
        for rid, intervals in table.items():
            intervals.sort()
            end: datetime | None = None
            end_label = ""
            for start, stop, label in intervals:
                if end is not None and start < end:
                    out.append(
                        Violation(
                            "overlap", f"{kind} {rid}: {label} overlaps {end_label}"
                        )
                    )
                if end is None or stop > end:
                    end, end_label = stop, label
    if schedule.courses_scheduled != complete:
        out.append(
            Violation(
                "summary",
                f"courses_scheduled says {schedule.courses_scheduled}, sessions show {complete}",
            )
        )
    if set(schedule.unscheduled) != unscheduled_expected:
        out.append(
            Violation("summary", "the unscheduled list does not match the sessions")
        )
    objective, _ = score(instance, schedule)
    if objective != schedule.objective:
        out.append(
            Violation(
                "objective",
                f"stated objective {schedule.objective} but recomputed {objective}",
            )
        )
    return out


def _check_fixed(course: Course, got: dict[int, ScheduledSession]) -> list[Violation]:
    out = []
    for f in course.fixed:
        s = got.get(f.session)
        if s is None:
            out.append(
                Violation(
                    "fixed",
                    f"{course.id}: fixed session {f.session} is missing",
                    course.id,
                    f.session,
                )
            )
            continue
        rec = _minutes_between(s.recovery_start, s.recovery_end)
        if (
            s.procedure_start != f.procedure_start
            or s.clinician_id != f.clinician_id
            or s.room_id != f.room_id
            or s.recovery_place_id != f.recovery_place_id
            or rec != f.recovery_minutes
        ):
            out.append(
                Violation(
                    "fixed",
                    f"{course.id}: fixed session {f.session} was moved",
                    course.id,
                    f.session,
                )
            )
    return out


def score(instance: Instance, schedule: Schedule) -> tuple[int, dict[str, int]]:
    """The objective, recomputed from the schedule (see docs/scheduling.md for the formula)."""
    w = instance.weights
    zone = ZoneInfo(instance.clinic.timezone)
    grid = instance.clinic.grid_minutes
    rows: dict[str, dict[int, ScheduledSession]] = defaultdict(dict)
    for s in schedule.sessions:
        rows[s.course_id][s.session] = s
    terms = {
        "unscheduled": 0,
        "start_delay": 0,
        "gap_stretch": 0,
        "clinician_change": 0,
        "time_deviation": 0,
    }
    for course in instance.courses:
        got = rows.get(course.id, {})
        if sorted(got) != list(range(1, course.sessions + 1)):
            terms["unscheduled"] += w.unscheduled_course
            continue
        ordered = [got[n] for n in range(1, course.sessions + 1)]
        dates = [s.procedure_start.astimezone(zone).date() for s in ordered]
        terms["start_delay"] += (
            w.start_delay_day * (dates[0] - course.earliest_start).days
        )
        terms["gap_stretch"] += w.gap_stretch_day * sum(
            (b - a).days - instance.clinic.course.min_gap_days
            for a, b in pairwise(dates)
        )
        reference = course.preferred_clinician_id or ordered[0].clinician_id
        terms["clinician_change"] += w.clinician_change * sum(
            1 for s in ordered if s.clinician_id != reference
        )
        if course.preferred_time is not None:
            pref = _clock(course.preferred_time)
            terms["time_deviation"] += w.time_deviation_step * sum(
                abs(_local_minute(s.procedure_start.astimezone(zone)) - pref) // grid
                for s in ordered
            )
    return sum(terms.values()), terms
