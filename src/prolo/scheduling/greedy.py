"""Constructive schedulers: the receptionist's first-fit baseline and the engine's smarter start.

Both take courses in arrival order (earliest start, then id) and book each session on the first day
in its window that has room (session 1 from the earliest start; session j+1 from 14 to 21 days, the
clinic's gap bounds, after session j). When a chain cannot be completed, its sessions are released
and the course retries from the next first day, as a receptionist would.

- `receptionist` (the baseline): the first free time of that day; the course's clinician (preferred,
  else the one of session 1) only breaks ties.
- `smart` (an engine start): on that same first day, the slot and clinician with the lowest
  time-deviation + clinician-change cost.
- `spread` (an engine start for loaded clinics): each later session on the LAST day of its
  14-21-day window that has room (falling back to the first-fit chain when that fails), with the
  course's clinician at their first free time that day (else the receptionist's first free time). Stretched gaps cost far less than start delay in the objective, and leave the near days
  free for patients still arriving.
"""

from __future__ import annotations

import time
from typing import Literal

from prolo.scheduling.instance import Instance, Schedule
from prolo.scheduling.timegrid import (
    CourseData,
    Grid,
    Occupancy,
    Placement,
    Plan,
    closest_bit,
    fixed_plan,
    lowest_bit,
    occupancy_of,
    to_schedule,
)

Policy = Literal["receptionist", "smart", "spread"]


def choose(
    grid: Grid,
    course: CourseData,
    options: list[tuple[int, int]],
    ref: int | None,
    policy: Policy,
) -> tuple[int, int]:
    """Pick (clinician, start) among a day's options under `policy`."""
    if policy == "spread" and ref is not None:
        for k, m in options:
            if k == ref:
                return k, lowest_bit(
                    m
                )  # the course's clinician, at their first free time
    if policy in ("receptionist", "spread"):
        earliest = min(lowest_bit(m) for _, m in options)
        for k, m in options:
            if k == ref and (m >> earliest) & 1:
                return k, earliest
        for k, m in options:
            if (m >> earliest) & 1:
                return k, earliest
    w = grid.instance.weights
    best: tuple[int, int, int] | None = None
    for k, m in options:
        t = (
            lowest_bit(m)
            if course.pref_slot is None
            else closest_bit(m, course.pref_slot)
        )
        cost = (
            0
            if course.pref_slot is None
            else w.time_deviation_step * abs(t - course.pref_slot)
        ) + (w.clinician_change if ref is not None and k != ref else 0)
        if best is None or cost < best[0]:
            best = (cost, k, t)
    assert best is not None
    return best[1], best[2]


def book_first_fit(
    grid: Grid, occ: Occupancy, course: CourseData, policy: Policy, from_day: int = 0
) -> tuple[Placement, ...]:
    """Book `course` first-fit into `occ`; return its chain (only its fixed sessions if it fails)."""
    chain = list(course.fixed)
    k = course.sessions
    if len(chain) == k:
        return tuple(chain)
    horizon = grid.horizon
    ref = course.pref_clinician
    if chain and ref is None:
        ref = chain[0].clinician
    if chain:
        placed = _extend(grid, occ, course, chain, policy, ref)
        if placed is None and policy == "spread":
            placed = _extend(grid, occ, course, chain, "receptionist", ref)
        return tuple(placed) if placed is not None else course.fixed
    first = max(course.release, 0, from_day)
    # The chain needs (k - 1) * gap_min days after its first day.
    last_first = horizon - 1 - (k - 1) * grid.gap_min
    day = first
    while day <= last_first:
        opts = occ.options(course, day, 1)
        if not opts:
            day += 1
            continue
        clin, start = choose(grid, course, opts, ref, policy)
        p1 = occ.place(day, start, clin, grid.proc_first)
        occ.book(p1)
        ref1 = ref if ref is not None else clin
        placed = _extend(grid, occ, course, [p1], policy, ref1)
        if placed is None and policy == "spread":
            placed = _extend(grid, occ, course, [p1], "receptionist", ref1)
        if placed is not None:
            return tuple(placed)
        occ.unbook(p1)
        day += 1
    return course.fixed


def _extend(
    grid: Grid,
    occ: Occupancy,
    course: CourseData,
    chain: list[Placement],
    policy: Policy,
    ref: int | None,
) -> list[Placement] | None:
    """Append sessions first-fit; undo and return None if one has no day in its window."""
    added: list[Placement] = []
    while len(chain) + len(added) < course.sessions:
        session = len(chain) + len(added) + 1
        prev = (added[-1] if added else chain[-1]).day
        done = False
        window = range(
            prev + grid.gap_min, min(prev + grid.gap_max, grid.horizon - 1) + 1
        )
        for day in reversed(window) if policy == "spread" else window:
            opts = occ.options(course, day, session)
            if opts:
                clin, start = choose(grid, course, opts, ref, policy)
                p = occ.place(day, start, clin, grid.proc_slots(session))
                occ.book(p)
                added.append(p)
                done = True
                break
        if not done:
            for p in added:
                occ.unbook(p)
            return None
    return chain + added


def arrival_order(grid: Grid) -> list[CourseData]:
    return sorted(grid.courses, key=lambda c: (c.release, c.index))


def greedy_plan(grid: Grid, policy: Policy = "receptionist") -> tuple[Plan, Occupancy]:
    """Book every course in arrival order; fixed sessions are booked first."""
    plan = fixed_plan(grid)
    occ = occupancy_of(grid, plan)
    for course in arrival_order(grid):
        if course.fixed and len(course.fixed) == course.sessions:
            continue
        chain = book_first_fit(grid, occ, course, policy)
        plan[course.index] = chain
    return plan, occ


def greedy(instance: Instance, policy: Policy = "receptionist") -> Schedule:
    """The receptionist baseline (or the smart constructive) as a Schedule."""
    started = time.perf_counter()
    grid = Grid.build(instance)
    plan, _ = greedy_plan(grid, policy)
    elapsed = time.perf_counter() - started
    method = "greedy" if policy == "receptionist" else "smart-greedy"
    return to_schedule(
        grid,
        plan,
        method,
        {
            "solve_seconds": round(elapsed, 4),
            "first_solution_seconds": round(elapsed, 4),
        },
    )
