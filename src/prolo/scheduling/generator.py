"""A seeded generator of realistic single-clinic instances (the benchmark ladder's source).

Shape (scheduling-notes section 4.1): Mon-Fri 08:00-17:00 on a 5-minute grid, a few closure days,
full-time and part-time clinicians with the odd leave week, k ~ U{min..max} sessions 14-21 days apart,
a 30-minute procedure then 10-15 minutes of heat-pack recovery (source CLINIC, the clinic's own text),
patients available on 2-5 weekdays (mornings, afternoons or all day), a preferred time for most and a
preferred clinician for some, and arrivals spread so that session demand / capacity over the active
window is about `load`. A small share of courses arrive with session 1 already booked (fixed).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from prolo.scheduling.greedy import book_first_fit
from prolo.scheduling.instance import (
    INSTANCE_VERSION,
    WEEKDAYS,
    Clinic,
    Clinician,
    Course,
    CourseRules,
    FixedSession,
    Horizon,
    Instance,
    RecoveryPlace,
    Room,
    SessionRules,
    TimeWindow,
    WeeklyHours,
    check_instance,
    local_datetime,
)
from prolo.scheduling.timegrid import Grid, Occupancy

OPEN = ("08:00", "17:00")
AM = ("08:00", "12:30")
PM = ("12:30", "17:00")


@dataclass(frozen=True)
class GeneratorConfig:
    patients: int = 50
    clinicians: int = 1
    rooms: int = 1
    recovery: int = 2
    weeks: int = 26
    seed: int = 0
    load: float = 0.8
    timezone: str = "Europe/Istanbul"
    start: date = date(2026, 1, 5)  # a Monday
    clinic_id: str = "clinic-1"
    # Session timing (source CLINIC: "30 minutes or less", then "10-15 minutes" of heat packs).
    procedure_minutes: int = 30
    first_procedure_minutes: int = 30
    recovery_minutes: int = 15
    recovery_min_minutes: int = 10
    recovery_max_minutes: int = 15
    # Course rules (source CLINIC: "4 - 8 sessions ... approximately 2 - 3 weeks apart").
    min_sessions: int = 4
    max_sessions: int = 8
    min_gap_days: int = 14
    max_gap_days: int = 21
    fixed_fraction: float = 0.03


def _hours(days: list[str], window: tuple[str, str]) -> WeeklyHours:
    return {d: [TimeWindow(start=window[0], end=window[1])] for d in days}  # type: ignore[misc]


def _minutes(clock: str) -> int:
    h, m = clock.split(":")
    return int(h) * 60 + int(m)


def generate(config: GeneratorConfig) -> Instance:
    """A seeded, valid instance; the same config always gives the same instance."""
    rng = random.Random(config.seed)
    weekdays = list(WEEKDAYS[:5])
    horizon_days = config.weeks * 7
    end = config.start + timedelta(days=horizon_days)
    # Closure days: one random weekday per 13 weeks.
    holidays: set[date] = set()
    for _ in range(max(1, config.weeks // 13)):
        d = config.start + timedelta(days=rng.randrange(horizon_days))
        if d.weekday() < 5:
            holidays.add(d)
    clinicians = []
    full_time = max(1, math.ceil(config.clinicians * 3 / 4))
    weekly_minutes = 0
    day_minutes = _minutes(OPEN[1]) - _minutes(OPEN[0])
    for i in range(config.clinicians):
        if i < full_time:
            days = weekdays
        else:
            days = sorted(rng.sample(weekdays, rng.randint(2, 4)), key=weekdays.index)
        weekly_minutes += len(days) * day_minutes
        leave: list[date] = []
        if config.weeks >= 8 and rng.random() < 0.5:
            week = rng.randrange(config.weeks)
            monday = config.start + timedelta(days=7 * week - config.start.weekday())
            leave = [monday + timedelta(days=j) for j in range(5)]
        clinicians.append(
            Clinician(
                id=f"K{i + 1:02d}",
                name=f"Clinician {i + 1}",
                roster=_hours(days, OPEN),
                leave=leave,
            )
        )
    rooms = [
        Room(id=f"R{i + 1:02d}", name=f"Room {i + 1}") for i in range(config.rooms)
    ]
    beds = [
        RecoveryPlace(
            id=f"B{i + 1:02d}",
            name=f"Recovery {i + 1}",
            kind="bed" if i % 2 == 0 else "chair",
        )
        for i in range(config.recovery)
    ]
    proc = config.procedure_minutes
    cap_week = min(
        weekly_minutes // proc,
        config.rooms * 5 * day_minutes // proc,
        config.recovery * 5 * day_minutes // config.recovery_minutes,
    )
    ks = [
        rng.randint(config.min_sessions, config.max_sessions)
        for _ in range(config.patients)
    ]
    demand = sum(ks)
    mean_k = demand / max(1, len(ks))
    span_weeks = (mean_k - 1) * (config.min_gap_days + config.max_gap_days) / 2 / 7
    active_weeks = demand / max(1e-9, config.load * max(1, cap_week))
    arrival_days = max(7, round((active_weeks - span_weeks) * 7))
    courses = []
    for i, k in enumerate(ks):
        n_days = rng.randint(2, 5)
        days = sorted(rng.sample(weekdays, n_days), key=weekdays.index)
        kind = rng.random()
        window = AM if kind < 0.3 else PM if kind < 0.6 else OPEN
        pref_time = None
        if rng.random() < 0.7:
            lo = _minutes(window[0])
            hi = (
                _minutes(window[1])
                - config.first_procedure_minutes
                - config.recovery_minutes
            )
            m = lo + 5 * rng.randrange((hi - lo) // 5 + 1)
            pref_time = f"{m // 60:02d}:{m % 60:02d}"
        pref_clin = None
        if rng.random() < 0.4:
            pref_clin = clinicians[rng.randrange(len(clinicians))].id
        courses.append(
            Course(
                id=f"C{i + 1:05d}",
                patient_id=f"P{i + 1:05d}",
                sessions=k,
                earliest_start=config.start
                + timedelta(days=rng.randrange(arrival_days)),
                availability=_hours(days, window),
                preferred_clinician_id=pref_clin,
                preferred_time=pref_time,
            )
        )
    clinic = Clinic(
        id=config.clinic_id,
        name=f"Clinic {config.clinic_id}",
        timezone=config.timezone,
        grid_minutes=5,
        opening_hours=_hours(weekdays, OPEN),
        holidays=sorted(d for d in holidays if d < end),
        course=CourseRules(
            min_sessions=config.min_sessions,
            max_sessions=config.max_sessions,
            min_gap_days=config.min_gap_days,
            max_gap_days=config.max_gap_days,
        ),
        session=SessionRules(
            procedure_minutes=config.procedure_minutes,
            first_procedure_minutes=config.first_procedure_minutes,
            recovery_minutes=config.recovery_minutes,
            recovery_min_minutes=config.recovery_min_minutes,
            recovery_max_minutes=config.recovery_max_minutes,
        ),
    )
    instance = Instance(
        version=INSTANCE_VERSION,
        name=f"gen-p{config.patients}-k{config.clinicians}-s{config.seed}",
        clinic=clinic,
        horizon=Horizon(start=config.start, days=horizon_days),
        clinicians=clinicians,
        rooms=rooms,
        recovery_places=beds,
        courses=courses,
    )
    instance = _with_fixed(instance, rng, config.fixed_fraction)
    check_instance(instance)
    return instance


def _with_fixed(instance: Instance, rng: random.Random, fraction: float) -> Instance:
    """Book session 1 (status booked) first-fit for a random share of the first fortnight's arrivals."""
    if fraction <= 0 or not instance.courses:
        return instance
    grid = Grid.build(instance)
    occ = Occupancy(grid)
    early = [c for c in grid.courses if c.release < 14]
    chosen = sorted(
        rng.sample(early, min(len(early), round(fraction * len(grid.courses)))),
        key=lambda c: c.index,
    )
    courses = list(instance.courses)
    for course in chosen:
        chain = book_first_fit(grid, occ, course, "receptionist")
        if len(chain) < course.sessions:
            for p in chain:
                occ.unbook(p)
            continue
        for p in chain[1:]:
            occ.unbook(p)
        p = chain[0]
        g = grid.grid_minutes
        courses[course.index] = courses[course.index].model_copy(
            update={
                "fixed": [
                    FixedSession(
                        session=1,
                        status="booked",
                        clinician_id=instance.clinicians[p.clinician].id,
                        room_id=instance.rooms[p.room].id,
                        recovery_place_id=instance.recovery_places[p.bed].id,
                        procedure_start=local_datetime(
                            grid.days[p.day], p.start * g, grid.zone
                        ),
                        recovery_minutes=p.rec * g,
                    )
                ]
            }
        )
    return instance.model_copy(update={"courses": courses})
