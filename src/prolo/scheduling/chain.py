"""Exact best insertion of one course's remaining sessions, everything else fixed.

Sessions of one course lie at least `gap_min` (>= 1) days apart, so given the days, the choice of
time, clinician, room and recovery place on each day is independent except through the course's
reference clinician. `best_chain` therefore runs a DP over (session, day) per candidate reference
clinician, with first days tried in increasing order and cut off once the start-delay term alone
reaches the best chain found. The result is the cheapest completion for that course under the
objective, given the other bookings: the engine's repair move, rebooking and the waitlist all use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from prolo.scheduling.timegrid import (
    CourseData,
    Grid,
    Occupancy,
    Placement,
    closest_bit,
    course_cost,
    lowest_bit,
)

INF = float("inf")


@dataclass(frozen=True)
class ChainResult:
    cost: int
    chain: tuple[Placement, ...]


class _DayCosts:
    """Memoised per-day options: for each clinician, its best start and time-deviation cost."""

    def __init__(
        self, grid: Grid, occ: Occupancy, course: CourseData, forbid: frozenset[int]
    ) -> None:
        self.grid = grid
        self.occ = occ
        self.course = course
        self.forbid = forbid
        self.memo: dict[tuple[int, int], dict[int, tuple[int, int]]] = {}
        self.best_memo: dict[
            tuple[int, int, int | None], tuple[int, int, int] | None
        ] = {}
        self.w = grid.instance.weights

    def per_clinician(self, day: int, session: int) -> dict[int, tuple[int, int]]:
        key = (day, 1 if session == 1 else 2)
        got = self.memo.get(key)
        if got is None:
            got = {}
            if day not in self.forbid:
                pref = self.course.pref_slot
                for k, mask in self.occ.options(self.course, day, session):
                    if pref is None:
                        got[k] = (0, lowest_bit(mask))
                    else:
                        t = closest_bit(mask, pref)
                        got[k] = (self.w.time_deviation_step * abs(t - pref), t)
            self.memo[key] = got
        return got

    def best(
        self, day: int, session: int, ref: int | None
    ) -> tuple[int, int, int] | None:
        """(cost, clinician, start) of the cheapest option on `day` given the reference clinician."""
        key = (day, 1 if session == 1 else 2, ref)
        if key in self.best_memo:
            return self.best_memo[key]
        result: tuple[int, int, int] | None = None
        change = self.w.clinician_change
        for k, (cost, t) in self.per_clinician(day, session).items():
            total = cost + (change if ref is not None and k != ref else 0)
            if result is None or total < result[0]:
                result = (total, k, t)
        self.best_memo[key] = result
        return result


def _rest(
    grid: Grid,
    costs: _DayCosts,
    anchor_day: int,
    first_session: int,
    last_session: int,
    ref: int | None,
    budget: float,
) -> tuple[float, list[tuple[int, int, int]]] | None:
    """Cheapest days/clinicians/starts for sessions first_session..last_session after anchor_day."""
    if first_session > last_session:
        return 0.0, []
    stretch = grid.instance.weights.gap_stretch_day
    gmin, gmax, horizon = grid.gap_min, grid.gap_max, grid.horizon
    frontier: dict[int, float] = {anchor_day: 0.0}
    layers: list[dict[int, tuple[float, int, int, int]]] = []
    for session in range(first_session, last_session + 1):
        new: dict[int, tuple[float, int, int, int]] = {}
        for d_prev, c_prev in frontier.items():
            for gap in range(gmin, gmax + 1):
                d = d_prev + gap
                if d >= horizon:
                    break
                base = c_prev + stretch * (gap - gmin)
                if base >= budget:
                    break
                option = costs.best(d, session, ref)
                if option is None:
                    continue
                value = base + option[0]
                if value < budget and (d not in new or value < new[d][0]):
                    new[d] = (value, d_prev, option[1], option[2])
        if not new:
            return None
        layers.append(new)
        frontier = {d: v[0] for d, v in new.items()}
    end = min(frontier, key=lambda d: (frontier[d], d))
    total = frontier[end]
    path: list[tuple[int, int, int]] = []
    d = end
    for layer in reversed(layers):
        _, d_prev, k, t = layer[d]
        path.append((d, k, t))
        d = d_prev
    path.reverse()
    return total, path


def best_chain(
    grid: Grid,
    occ: Occupancy,
    course: CourseData,
    prefix: tuple[Placement, ...] = (),
    *,
    min_day: int = 0,
    forbid_days: Iterable[int] = (),
    upper: float = INF,
) -> ChainResult | None:
    """The cheapest completion of `course` after `prefix` (kept as is) within the free capacity of
    `occ` (which must not hold this course's own non-prefix sessions). Sessions go on days >= min_day
    and never on `forbid_days`. Returns None when no completion exists or none costs under `upper`.
    """
    forbid = frozenset(forbid_days)
    costs = _DayCosts(grid, occ, course, forbid)
    w = grid.instance.weights
    k_total = course.sessions
    if len(prefix) >= k_total:
        return ChainResult(course_cost(grid, course, prefix), prefix)
    ref = course.pref_clinician
    if ref is None and prefix:
        ref = prefix[0].clinician
    best: tuple[float, tuple[Placement, ...]] | None = None
    budget = upper
    if prefix:
        anchor = prefix[-1].day
        # Sessions must not go before min_day: shift the DP's window by forbidding earlier days.
        early = frozenset(range(0, min(min_day, grid.horizon)))
        if early:
            costs.forbid = forbid | early
        got = _rest(grid, costs, anchor, len(prefix) + 1, k_total, ref, INF)
        if got is None:
            return None
        chain = prefix + _placements(grid, occ, got[1], len(prefix) + 1)
        cost = course_cost(grid, course, chain)
        return ChainResult(cost, chain) if cost < upper else None
    first = max(course.release, 0, min_day)
    last_first = grid.horizon - 1 - (k_total - 1) * grid.gap_min
    for d1 in range(first, last_first + 1):
        delay = w.start_delay_day * (d1 - course.release)
        if delay >= budget:
            break
        options = costs.per_clinician(d1, 1)
        if not options:
            continue
        if ref is not None:
            candidates = [(ref, options[ref])] if ref in options else []
            others = [(k, v) for k, v in options.items() if k != ref]
            if others:
                k_best, v_best = min(others, key=lambda kv: kv[1][0])
                candidates.append((k_best, (v_best[0] + w.clinician_change, v_best[1])))
        else:
            candidates = sorted(options.items(), key=lambda kv: kv[1][0])
        loose = None
        if ref is None:
            loose = _rest(grid, costs, d1, 2, k_total, None, budget - delay)
            if loose is None:
                continue
        for k, (c1, t1) in candidates:
            if loose is not None and delay + c1 + loose[0] >= budget:
                break
            got = _rest(
                grid,
                costs,
                d1,
                2,
                k_total,
                ref if ref is not None else k,
                budget - delay - c1,
            )
            if got is None:
                continue
            value = delay + c1 + got[0]
            if value < budget:
                budget = value
                steps = [(d1, k, t1), *got[1]]
                best = (value, _placements(grid, occ, steps, 1))
    if best is None:
        return None
    chain = best[1]
    return ChainResult(course_cost(grid, course, chain), chain)


def _placements(
    grid: Grid, occ: Occupancy, steps: list[tuple[int, int, int]], first_session: int
) -> tuple[Placement, ...]:
    out = []
    for i, (day, k, t) in enumerate(steps):
        out.append(occ.place(day, t, k, grid.proc_slots(first_session + i)))
    return tuple(out)
