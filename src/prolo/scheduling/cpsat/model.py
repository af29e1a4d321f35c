"""Compose a window model, hint it with the current plan, solve, and read the placements back."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from prolo.scheduling.cpsat.constraints import HARD_RULES
from prolo.scheduling.cpsat.objective import objective
from prolo.scheduling.cpsat.variables import FreeSession, Window, WindowVars
from prolo.scheduling.timegrid import Grid, Occupancy, Placement, Plan


@dataclass(frozen=True)
class WindowResult:
    status: str
    improved: bool
    placements: dict[tuple[int, int], Placement]
    objective: int
    hinted_objective: int
    wall_time: float


def select_window(
    grid: Grid,
    plan: Plan,
    first_day: int,
    n_days: int,
    clinicians: tuple[int, ...],
    max_sessions: int,
) -> Window:
    """The movable sessions on days [first_day, first_day + n_days) held by `clinicians`."""
    assert n_days < grid.gap_min, "a window must not hold two sessions of one course"
    last = min(grid.horizon, first_day + n_days) - 1
    chosen: list[FreeSession] = []
    wanted = set(clinicians)
    for course, chain in zip(grid.courses, plan, strict=True):
        if len(chain) < course.sessions:
            continue
        for j, p in enumerate(chain):
            if p.fixed or not first_day <= p.day <= last or p.clinician not in wanted:
                continue
            lo, hi = first_day, last
            prev_day = chain[j - 1].day if j > 0 else None
            next_day = chain[j + 1].day if j + 1 < len(chain) else None
            if prev_day is not None:
                lo, hi = (
                    max(lo, prev_day + grid.gap_min),
                    min(hi, prev_day + grid.gap_max),
                )
            else:
                lo = max(lo, course.release)
            if next_day is not None:
                lo, hi = (
                    max(lo, next_day - grid.gap_max),
                    min(hi, next_day - grid.gap_min),
                )
            days = tuple(d for d in range(lo, hi + 1) if grid.patient_mask(course, d))
            others = tuple(q.clinician for i, q in enumerate(chain) if i != j)
            chosen.append(
                FreeSession(course, j + 1, p, days, prev_day, next_day, others)
            )
            break  # at most one session of a course lies in a window
        if len(chosen) >= max_sessions:
            break
    return Window(first_day, n_days, clinicians, tuple(chosen))


def solve_window(
    grid: Grid,
    occ: Occupancy,
    window: Window,
    *,
    time_limit: float,
    seed: int,
    workers: int = 1,
    deterministic: bool = False,
) -> WindowResult:
    """Re-optimise the window's sessions; `occ` must not hold them. Hinted with their current
    placements, so the result is never worse than the current plan."""
    model = cp_model.CpModel()
    wv = WindowVars.build(model, grid, window)
    for rule in HARD_RULES:
        rule().apply(model, grid, occ, wv)
    model.minimize(objective(model, grid, wv))
    d0 = window.first_day
    for i, (fs, sv) in enumerate(zip(window.sessions, wv.sessions, strict=True)):
        p = fs.current
        for d, x in sv.day.items():
            model.add_hint(x, d == p.day)
        model.add_hint(sv.tod, p.start)
        model.add_hint(sv.start, (p.day - d0) * grid.slots + p.start)
        for k, x in sv.clinician.items():
            model.add_hint(x, k == p.clinician)
        for r, x in sv.room.items():
            model.add_hint(x, r == p.room)
        for b, x in sv.bed.items():
            model.add_hint(x, b == p.bed)
        if i in wv.deviation and fs.course.pref_slot is not None:
            model.add_hint(wv.deviation[i], abs(p.start - fs.course.pref_slot))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if deterministic:
        solver.parameters.max_deterministic_time = time_limit
    else:
        solver.parameters.max_time_in_seconds = time_limit
    status = solver.solve(model)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return WindowResult(name, False, {}, 0, 0, solver.wall_time)
    placements: dict[tuple[int, int], Placement] = {}
    for fs, sv in zip(window.sessions, wv.sessions, strict=True):
        day = next(d for d, x in sv.day.items() if solver.boolean_value(x))
        k = next(k for k, x in sv.clinician.items() if solver.boolean_value(x))
        r = next(r for r, x in sv.room.items() if solver.boolean_value(x))
        b = next(b for b, x in sv.bed.items() if solver.boolean_value(x))
        placements[(fs.course.index, fs.session)] = Placement(
            day, int(solver.value(sv.tod)), k, r, b, sv.proc, sv.rec
        )
    return WindowResult(
        name,
        True,
        placements,
        int(solver.objective_value),
        0,
        solver.wall_time,
    )
