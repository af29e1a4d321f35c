"""The solvers' compiled view of an instance: days x grid slots as Python-int bitmasks.

Bit `t` of a day mask is the grid slot starting `t * grid_minutes` after local midnight. Every
solver (greedy, chain search, CP-SAT windows, rebooking) works on this view and on an `Occupancy`
(which slots each clinician, room and recovery place already has booked). The validator does NOT
use this module: it re-checks schedules from the instance with datetime arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from prolo.scheduling.instance import (
    WEEKDAYS,
    Instance,
    Schedule,
    ScheduledSession,
    WeeklyHours,
    local_datetime,
    minutes_of,
)


def starts(mask: int, length: int) -> int:
    """Bit t set iff slots t .. t+length-1 are all set in `mask`."""
    result = mask
    for shift in range(1, length):
        result &= mask >> shift
        if not result:
            break
    return result


def lowest_bit(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


def closest_bit(mask: int, target: int) -> int:
    """The set bit nearest to `target` (the earlier one on a tie); `mask` must be non-zero."""
    high = mask >> target
    up = target + lowest_bit(high) if high else -1
    low = mask & ((1 << target) - 1)
    down = low.bit_length() - 1 if low else -1
    if up < 0:
        return down
    if down < 0:
        return up
    return down if target - down <= up - target else up


def mask_intervals(mask: int) -> list[tuple[int, int]]:
    """The runs of set bits of `mask` as [start, end) slot pairs."""
    runs: list[tuple[int, int]] = []
    t = 0
    while mask:
        if mask & 1:
            run = (~mask & (mask + 1)).bit_length() - 1  # length of the run of ones
            runs.append((t, t + run))
            mask >>= run
            t += run
        else:
            gap = lowest_bit(mask)
            mask >>= gap
            t += gap
    return runs


@dataclass(frozen=True, slots=True)
class Placement:
    """One session placed on the grid: day index, start slot, resource indexes, lengths in slots."""

    day: int
    start: int
    clinician: int
    room: int
    bed: int
    proc: int
    rec: int
    fixed: bool = False


@dataclass(frozen=True, slots=True)
class CourseData:
    index: int
    id: str
    patient_id: str
    sessions: int
    release: int
    weekday_masks: tuple[int, ...]
    pref_slot: int | None
    pref_clinician: int | None
    fixed: tuple[Placement, ...]


@dataclass
class Grid:
    """Compiled instance. Build with `Grid.build(instance)`."""

    instance: Instance
    zone: ZoneInfo
    grid_minutes: int
    slots: int
    days: list[date]
    open_mask: list[int]
    clin_mask: list[list[int]]
    room_mask: list[list[int]]
    bed_mask: list[list[int]]
    proc_first: int
    proc_rest: int
    rec: int
    gap_min: int
    gap_max: int
    courses: list[CourseData]
    clinician_index: dict[str, int]
    room_index: dict[str, int]
    bed_index: dict[str, int]
    weekday: list[int] = field(default_factory=list)

    @property
    def horizon(self) -> int:
        return len(self.days)

    def proc_slots(self, session: int) -> int:
        return self.proc_first if session == 1 else self.proc_rest

    def patient_mask(self, course: CourseData, day: int) -> int:
        return course.weekday_masks[self.weekday[day]] & self.open_mask[day]

    @staticmethod
    def build(instance: Instance) -> Grid:
        clinic = instance.clinic
        g = clinic.grid_minutes
        slots = 1440 // g
        zone = ZoneInfo(clinic.timezone)
        days = [
            instance.horizon.start + timedelta(days=i)
            for i in range(instance.horizon.days)
        ]
        weekday = [d.weekday() for d in days]

        def weekly(hours: WeeklyHours) -> tuple[int, ...]:
            out = []
            for name in WEEKDAYS:
                mask = 0
                for w in hours.get(name, []):  # type: ignore[call-overload]
                    a, b = minutes_of(w.start) // g, minutes_of(w.end) // g
                    mask |= ((1 << (b - a)) - 1) << a
                out.append(mask)
            return tuple(out)

        opening = weekly(clinic.opening_hours)
        holidays = set(clinic.holidays)
        open_mask = [
            0 if d in holidays else opening[weekday[i]] for i, d in enumerate(days)
        ]
        clin_mask = []
        for c in instance.clinicians:
            roster = weekly(c.roster)
            leave = set(c.leave)
            clin_mask.append(
                [
                    0 if d in leave else roster[weekday[i]] & open_mask[i]
                    for i, d in enumerate(days)
                ]
            )
        room_mask = []
        for r in instance.rooms:
            closed = set(r.closed)
            room_mask.append(
                [0 if d in closed else open_mask[i] for i, d in enumerate(days)]
            )
        bed_mask = [list(open_mask) for _ in instance.recovery_places]
        clinician_index = {c.id: i for i, c in enumerate(instance.clinicians)}
        room_index = {r.id: i for i, r in enumerate(instance.rooms)}
        bed_index = {b.id: i for i, b in enumerate(instance.recovery_places)}
        proc_first = clinic.session.first_procedure_minutes // g
        proc_rest = clinic.session.procedure_minutes // g
        courses = []
        for i, course in enumerate(instance.courses):
            fixed = []
            for f in course.fixed:
                local = f.procedure_start.astimezone(zone)
                fixed.append(
                    Placement(
                        day=(local.date() - instance.horizon.start).days,
                        start=(local.hour * 60 + local.minute) // g,
                        clinician=clinician_index[f.clinician_id],
                        room=room_index[f.room_id],
                        bed=bed_index[f.recovery_place_id],
                        proc=proc_first if f.session == 1 else proc_rest,
                        rec=f.recovery_minutes // g,
                        fixed=True,
                    )
                )
            courses.append(
                CourseData(
                    index=i,
                    id=course.id,
                    patient_id=course.patient_id,
                    sessions=course.sessions,
                    release=(course.earliest_start - instance.horizon.start).days,
                    weekday_masks=weekly(course.availability),
                    pref_slot=None
                    if course.preferred_time is None
                    else minutes_of(course.preferred_time) // g,
                    pref_clinician=None
                    if course.preferred_clinician_id is None
                    else clinician_index[course.preferred_clinician_id],
                    fixed=tuple(fixed),
                )
            )
        return Grid(
            instance=instance,
            zone=zone,
            grid_minutes=g,
            slots=slots,
            days=days,
            open_mask=open_mask,
            clin_mask=clin_mask,
            room_mask=room_mask,
            bed_mask=bed_mask,
            proc_first=proc_first,
            proc_rest=proc_rest,
            rec=clinic.session.recovery_minutes // g,
            gap_min=clinic.course.min_gap_days,
            gap_max=clinic.course.max_gap_days,
            courses=courses,
            clinician_index=clinician_index,
            room_index=room_index,
            bed_index=bed_index,
            weekday=weekday,
        )


class Occupancy:
    """Booked slots per resource and day, with per-day caches of feasible start masks."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        h = grid.horizon
        self.clin = [[0] * h for _ in grid.clin_mask]
        self.room = [[0] * h for _ in grid.room_mask]
        self.bed = [[0] * h for _ in grid.bed_mask]
        self._cache: list[dict[tuple[int, ...], int]] = [{} for _ in range(h)]

    def copy(self) -> Occupancy:
        other = Occupancy.__new__(Occupancy)
        other.grid = self.grid
        other.clin = [list(row) for row in self.clin]
        other.room = [list(row) for row in self.room]
        other.bed = [list(row) for row in self.bed]
        other._cache = [{} for _ in range(self.grid.horizon)]
        return other

    def book(self, p: Placement) -> None:
        self.clin[p.clinician][p.day] |= ((1 << p.proc) - 1) << p.start
        self.room[p.room][p.day] |= ((1 << p.proc) - 1) << p.start
        self.bed[p.bed][p.day] |= ((1 << p.rec) - 1) << (p.start + p.proc)
        self._cache[p.day].clear()

    def unbook(self, p: Placement) -> None:
        self.clin[p.clinician][p.day] &= ~(((1 << p.proc) - 1) << p.start)
        self.room[p.room][p.day] &= ~(((1 << p.proc) - 1) << p.start)
        self.bed[p.bed][p.day] &= ~(((1 << p.rec) - 1) << (p.start + p.proc))
        self._cache[p.day].clear()

    def block_clinician_day(self, clinician: int, day: int) -> None:
        """Mark a clinician absent for the whole day (illness)."""
        self.clin[clinician][day] = (1 << self.grid.slots) - 1
        self._cache[day].clear()

    def set_clinician_day(self, clinician: int, day: int, busy: int) -> None:
        """Restore a clinician's booked-slot mask for one day (undo of `block_clinician_day`)."""
        self.clin[clinician][day] = busy
        self._cache[day].clear()

    def free_clinician(self, k: int, day: int) -> int:
        return self.grid.clin_mask[k][day] & ~self.clin[k][day]

    def free_room(self, r: int, day: int) -> int:
        return self.grid.room_mask[r][day] & ~self.room[r][day]

    def free_bed(self, b: int, day: int) -> int:
        return self.grid.bed_mask[b][day] & ~self.bed[b][day]

    def clinician_starts(self, k: int, day: int, proc: int) -> int:
        key = (0, k, proc)
        cache = self._cache[day]
        value = cache.get(key)
        if value is None:
            value = starts(self.free_clinician(k, day), proc)
            cache[key] = value
        return value

    def room_starts(self, day: int, proc: int) -> int:
        key = (1, proc)
        cache = self._cache[day]
        value = cache.get(key)
        if value is None:
            value = 0
            for r in range(len(self.room)):
                value |= starts(self.free_room(r, day), proc)
            cache[key] = value
        return value

    def bed_starts(self, day: int, proc: int, rec: int) -> int:
        """Session starts t for which some recovery place is free over [t+proc, t+proc+rec)."""
        key = (2, proc, rec)
        cache = self._cache[day]
        value = cache.get(key)
        if value is None:
            value = 0
            for b in range(len(self.bed)):
                value |= starts(self.free_bed(b, day), rec)
            value >>= proc
            cache[key] = value
        return value

    def options(
        self, course: CourseData, day: int, session: int
    ) -> list[tuple[int, int]]:
        """(clinician, start-mask) pairs for `session` of `course` on `day`; empty if none fits."""
        grid = self.grid
        proc = grid.proc_slots(session)
        patient = starts(grid.patient_mask(course, day), proc + grid.rec)
        if not patient:
            return []
        base = patient & self.room_starts(day, proc)
        if not base:
            return []
        base &= self.bed_starts(day, proc, grid.rec)
        if not base:
            return []
        out = []
        for k in range(len(self.clin)):
            m = base & self.clinician_starts(k, day, proc)
            if m:
                out.append((k, m))
        return out

    def place(self, day: int, start: int, clinician: int, proc: int) -> Placement:
        """Pick the first free room and recovery place for a start known to be feasible."""
        rec = self.grid.rec
        room = next(
            r
            for r in range(len(self.room))
            if (starts(self.free_room(r, day), proc) >> start) & 1
        )
        bed = next(
            b
            for b in range(len(self.bed))
            if (starts(self.free_bed(b, day), rec) >> (start + proc)) & 1
        )
        return Placement(day, start, clinician, room, bed, proc, rec)


# ----------------------------------------------------------------------------- plan and costs

Plan = list[tuple[Placement, ...]]
"""Per course: all k placements when scheduled, else only its fixed placements."""


def course_terms(
    grid: Grid, course: CourseData, chain: Sequence[Placement]
) -> dict[str, int]:
    """The objective terms of one course (solver-side arithmetic; the validator has its own)."""
    w = grid.instance.weights
    if len(chain) < course.sessions:
        return {"unscheduled": w.unscheduled_course}
    ref = (
        course.pref_clinician
        if course.pref_clinician is not None
        else chain[0].clinician
    )
    stretch = sum(b.day - a.day - grid.gap_min for a, b in pairwise(chain))
    changes = sum(1 for p in chain if p.clinician != ref)
    deviation = (
        0
        if course.pref_slot is None
        else sum(abs(p.start - course.pref_slot) for p in chain)
    )
    return {
        "start_delay": w.start_delay_day * (chain[0].day - course.release),
        "gap_stretch": w.gap_stretch_day * stretch,
        "clinician_change": w.clinician_change * changes,
        "time_deviation": w.time_deviation_step * deviation,
    }


TIERS = (
    "unscheduled",
    "start_delay",
    "gap_stretch",
    "clinician_change",
    "time_deviation",
)
"""The objective's terms in the issue's order (the per-course lexicographic order)."""


def course_tiers(
    grid: Grid, course: CourseData, chain: Sequence[Placement]
) -> tuple[int, ...]:
    """The course's weighted terms as a tuple in `TIERS` order (compare lexicographically)."""
    terms = course_terms(grid, course, chain)
    return tuple(terms.get(name, 0) for name in TIERS)


def course_cost(grid: Grid, course: CourseData, chain: Sequence[Placement]) -> int:
    return sum(course_terms(grid, course, chain).values())


def plan_terms(grid: Grid, plan: Plan) -> dict[str, int]:
    totals = {
        "unscheduled": 0,
        "start_delay": 0,
        "gap_stretch": 0,
        "clinician_change": 0,
        "time_deviation": 0,
    }
    for course, chain in zip(grid.courses, plan, strict=True):
        for name, value in course_terms(grid, course, chain).items():
            totals[name] += value
    return totals


def occupancy_of(grid: Grid, plan: Iterable[Sequence[Placement]]) -> Occupancy:
    occ = Occupancy(grid)
    for chain in plan:
        for p in chain:
            occ.book(p)
    return occ


def fixed_plan(grid: Grid) -> Plan:
    return [c.fixed for c in grid.courses]


def to_schedule(
    grid: Grid, plan: Plan, method: str, stats: dict[str, object]
) -> Schedule:
    """Turn a plan into the Schedule format (ISO datetimes with the clinic's offset)."""
    g = grid.grid_minutes
    sessions = []
    inst = grid.instance
    clinicians = inst.clinicians
    rooms = inst.rooms
    beds = inst.recovery_places
    for course, chain in zip(grid.courses, plan, strict=True):
        for j, p in enumerate(chain, start=1):
            day = grid.days[p.day]
            a = p.start * g
            b = a + p.proc * g
            e = b + p.rec * g
            sessions.append(
                ScheduledSession(
                    course_id=course.id,
                    patient_id=course.patient_id,
                    session=j,
                    clinician_id=clinicians[p.clinician].id,
                    room_id=rooms[p.room].id,
                    recovery_place_id=beds[p.bed].id,
                    procedure_start=local_datetime(day, a, grid.zone),
                    procedure_end=local_datetime(day, b, grid.zone),
                    recovery_start=local_datetime(day, b, grid.zone),
                    recovery_end=local_datetime(day, e, grid.zone),
                    fixed=p.fixed,
                )
            )
    terms = plan_terms(grid, plan)
    scheduled = [
        c.id
        for c, chain in zip(grid.courses, plan, strict=True)
        if len(chain) == c.sessions
    ]
    unscheduled = [
        c.id
        for c, chain in zip(grid.courses, plan, strict=True)
        if len(chain) < c.sessions
    ]
    return Schedule(
        instance=inst.name,
        method=method,
        objective=sum(terms.values()),
        courses_scheduled=len(scheduled),
        courses_total=len(grid.courses),
        unscheduled=unscheduled,
        terms=terms,
        stats=dict(stats),
        sessions=sessions,
    )


def plan_from_schedule(grid: Grid, schedule: Schedule) -> Plan:
    """Read a Schedule back onto the grid (for rebooking and waitlist on a stored schedule)."""
    g = grid.grid_minutes
    course_index = {c.id: c.index for c in grid.courses}
    rows: list[list[tuple[int, Placement]]] = [[] for _ in grid.courses]
    for s in schedule.sessions:
        ci = course_index[s.course_id]
        ps = s.procedure_start.astimezone(grid.zone)
        pe = s.procedure_end.astimezone(grid.zone)
        re_ = s.recovery_end.astimezone(grid.zone)
        day = (ps.date() - grid.days[0]).days
        start = (ps.hour * 60 + ps.minute) // g
        proc = int((pe - ps).total_seconds() // 60) // g
        rec = int((re_ - pe).total_seconds() // 60) // g
        rows[ci].append(
            (
                s.session,
                Placement(
                    day,
                    start,
                    grid.clinician_index[s.clinician_id],
                    grid.room_index[s.room_id],
                    grid.bed_index[s.recovery_place_id],
                    proc,
                    rec,
                    fixed=s.session <= len(grid.courses[ci].fixed),
                ),
            )
        )
    return [tuple(p for _, p in sorted(r, key=lambda x: x[0])) for r in rows]
