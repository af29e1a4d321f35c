"""Cheap lower bounds on the objective (scheduling-notes section 3).

- `chain_bound` (LB0): every course alone, capacity ignored. A forward DP over (session, day) per
  course, vectorised with numpy across courses: the cheapest chain of allowed days with gaps in the
  clinic's bounds, each day costing the least time-deviation and clinician-change cost that any
  rostered clinician could give it, or the unscheduled penalty if cheaper / no chain fits.
- `capacity_bound`: if the horizon cannot hold every session (procedure minutes vs clinician and room
  minutes, recovery minutes vs recovery places), at least the fewest courses that free enough minutes
  stay unscheduled; they are charged the penalty instead of their LB0.
- `lagrangian_bound`: the day-indexed flow relaxation with each day's procedure and recovery capacity
  priced by multipliers (subgradient ascent). Each step is the same DP with day prices, so it is the
  LP bound approached from below; every iterate is a valid bound. It starts at LB0 (prices 0).

`lower_bound` returns the best of them. Every value is a valid bound: no schedule scores lower.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from prolo.scheduling.instance import Instance
from prolo.scheduling.timegrid import (
    CourseData,
    Grid,
    closest_bit,
    course_cost,
    mask_intervals,
    starts,
)

FloatArray = npt.NDArray[np.float64]
INF = float("inf")
# Subgradient step: Polyak step scaled by theta, halved after THETA_PATIENCE steps without gain.
THETA_START = 1.0
THETA_PATIENCE = 5
TARGET_RISE = 0.05  # the Polyak target: 5% above the best Lagrangian value so far


@dataclass
class BoundReport:
    bound: int
    chain: int
    capacity: int
    lagrangian: int
    iterations: int = 0
    seconds: float = 0.0
    history: list[tuple[float, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "bound": self.bound,
            "chain_bound": self.chain,
            "capacity_bound": self.capacity,
            "lagrangian_bound": self.lagrangian,
            "lagrangian_iterations": self.iterations,
            "seconds": round(self.seconds, 3),
        }


class _ChainData:
    """Per-course day-cost rows and the DP set-up shared by LB0 and the Lagrangian."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        h = grid.horizon
        n = len(grid.courses)
        w = grid.instance.weights
        self.penalty = float(w.unscheduled_course)
        self.k = np.array([c.sessions for c in grid.courses], dtype=np.int64)
        self.kmax = int(self.k.max()) if n else 0
        # Day classes: days with the same resource masks share costs.
        classes: dict[tuple[int, ...], int] = {}
        day_class = []
        for d in range(h):
            key = (
                grid.weekday[d],
                grid.open_mask[d],
                *(m[d] for m in grid.clin_mask),
                *(m[d] for m in grid.room_mask),
            )
            day_class.append(classes.setdefault(key, len(classes)))
        self.day_class = np.array(day_class, dtype=np.int64)
        reps = [0] * len(classes)
        for d in range(h - 1, -1, -1):
            reps[day_class[d]] = d
        self.reps = reps
        memo: dict[tuple[int, int, int, int | None, int | None], float] = {}
        self.cost_first = np.full((n, h), INF)
        self.cost_rest = np.full((n, h), INF)
        self.start = np.ones(n, dtype=np.int64)  # the first session the DP decides
        self.const = np.zeros(
            n
        )  # cost of fixed sessions (and their delay / stretch terms)
        self.anchor = np.full(n, -1, dtype=np.int64)  # day of the last fixed session
        days = np.arange(h, dtype=np.float64)
        for c in grid.courses:
            ref = c.pref_clinician
            if ref is None and c.fixed:
                ref = c.fixed[0].clinician
            for session_type, target in ((1, self.cost_first), (2, self.cost_rest)):
                per_class = np.array(
                    [
                        self._class_cost(memo, cls, c, session_type, ref)
                        for cls in range(len(reps))
                    ]
                )
                row = per_class[self.day_class]
                row[: max(0, min(h, c.release))] = INF
                target[c.index] = row
            self.cost_first[c.index] += w.start_delay_day * (days - c.release)
            if c.fixed:
                m = len(c.fixed)
                self.start[c.index] = m + 1
                self.anchor[c.index] = c.fixed[-1].day
                self.const[c.index] = _fixed_cost(grid, c)
        self.q_proc, self.q_rec = _day_capacities(grid)

    def _class_cost(
        self,
        memo: dict[tuple[int, int, int, int | None, int | None], float],
        cls: int,
        course: CourseData,
        session_type: int,
        ref: int | None,
    ) -> float:
        grid = self.grid
        d = self.reps[cls]
        pat = course.weekday_masks[grid.weekday[d]] & grid.open_mask[d]
        key = (cls, pat, session_type, course.pref_slot, ref)
        if key in memo:
            return memo[key]
        proc = grid.proc_slots(session_type)
        w = grid.instance.weights
        base = starts(pat, proc + grid.rec)
        rooms = 0
        for m in grid.room_mask:
            rooms |= starts(m[d], proc)
        beds = 0
        for m in grid.bed_mask:
            beds |= starts(m[d], grid.rec)
        base &= rooms & (beds >> proc)
        best = INF
        if base:
            for k, masks in enumerate(grid.clin_mask):
                feasible = base & starts(masks[d], proc)
                if not feasible:
                    continue
                dev = (
                    0
                    if course.pref_slot is None
                    else abs(closest_bit(feasible, course.pref_slot) - course.pref_slot)
                )
                cost = w.time_deviation_step * dev + (
                    w.clinician_change if ref is not None and k != ref else 0
                )
                best = min(best, cost)
        memo[key] = float(best)
        return float(best)

    def solve(
        self, price: FloatArray | None = None
    ) -> tuple[FloatArray, npt.NDArray[np.int64]]:
        """Per course: the cheapest chain cost (capped at the penalty) and the days it uses.

        `price[c, d]` (optional) is added to every session of course c on day d. Returns
        (costs, days) where days[c, j] is the day of session j+1 (-1 for fixed sessions or when
        the course is left unscheduled).
        """
        grid = self.grid
        n, h = self.cost_first.shape
        first = self.cost_first
        rest = self.cost_rest
        if price is not None:
            first = first + price
            rest = rest + price
        w = grid.instance.weights
        gmin, gmax = grid.gap_min, grid.gap_max
        stretch = w.gap_stretch_day
        best = np.full(n, INF)
        best_end = np.full(n, -1, dtype=np.int64)
        back: list[npt.NDArray[np.int64]] = []
        f = np.full((n, h), INF)
        rows1 = self.start == 1
        f[rows1] = first[rows1]
        anchored = np.nonzero(self.anchor >= 0)[0]
        for layer in range(1, self.kmax + 1):
            if layer > 1:
                g_best = np.full((n, h), INF)
                g_arg = np.zeros((n, h), dtype=np.int64)
                for gap in range(gmin, gmax + 1):
                    if gap >= h:
                        break
                    cand = np.full((n, h), INF)
                    cand[:, gap:] = f[:, : h - gap] + stretch * (gap - gmin)
                    better = cand < g_best
                    g_best = np.where(better, cand, g_best)
                    g_arg = np.where(better, gap, g_arg)
                f = g_best + rest
                back.append(g_arg)
            else:
                back.append(np.zeros((n, h), dtype=np.int64))
            # Courses whose last fixed session is this layer start here.
            for ci in anchored:
                if self.start[ci] == layer + 1:
                    f[ci] = INF
                    f[ci, self.anchor[ci]] = 0.0
            done = self.k == layer
            if done.any():
                idx = np.nonzero(done)[0]
                ends = np.argmin(f[idx], axis=1)
                vals = f[idx, ends]
                best[idx] = vals
                best_end[idx] = ends
        costs = np.minimum(best + self.const, self.penalty)
        days = np.full((n, self.kmax), -1, dtype=np.int64)
        chosen = np.nonzero(best + self.const < self.penalty)[0]
        if chosen.size:
            d = best_end[chosen].copy()
            k_of = self.k[chosen]
            s_of = self.start[chosen]
            for layer in range(self.kmax, 0, -1):
                on = (k_of >= layer) & (s_of <= layer)
                if not on.any():
                    continue
                rows = chosen[on]
                days[rows, layer - 1] = d[on]
                d[on] -= back[layer - 1][rows, d[on]]
        return costs, days


def _fixed_cost(grid: Grid, course: CourseData) -> float:
    """Delay, stretch, clinician and time terms of a course's fixed prefix."""
    w = grid.instance.weights
    chain = course.fixed
    ref = (
        course.pref_clinician
        if course.pref_clinician is not None
        else chain[0].clinician
    )
    total = w.start_delay_day * (chain[0].day - course.release)
    total += w.gap_stretch_day * sum(
        b.day - a.day - grid.gap_min for a, b in pairwise(chain)
    )
    total += w.clinician_change * sum(1 for p in chain if p.clinician != ref)
    if course.pref_slot is not None:
        total += w.time_deviation_step * sum(
            abs(p.start - course.pref_slot) for p in chain
        )
    return float(total)


def _day_capacities(grid: Grid) -> tuple[FloatArray, FloatArray]:
    """Per day: procedure slots available (min of clinician and room slots) and recovery slots,
    minus what the fixed sessions already use."""
    h = grid.horizon
    clin = np.array(
        [sum(m[d].bit_count() for m in grid.clin_mask) for d in range(h)],
        dtype=np.float64,
    )
    room = np.array(
        [sum(m[d].bit_count() for m in grid.room_mask) for d in range(h)],
        dtype=np.float64,
    )
    bed = np.array(
        [sum(m[d].bit_count() for m in grid.bed_mask) for d in range(h)],
        dtype=np.float64,
    )
    proc = np.minimum(clin, room)
    for c in grid.courses:
        for p in c.fixed:
            proc[p.day] -= p.proc
            bed[p.day] -= p.rec
    return proc, bed


def chain_bound(instance: Instance) -> int:
    """LB0: the sum over courses of their cheapest capacity-free chain."""
    grid = Grid.build(instance)
    if not grid.courses:
        return 0
    costs, _ = _ChainData(grid).solve()
    return _ceil(float(costs.sum()))


def capacity_bound(instance: Instance, chain_costs: FloatArray | None = None) -> int:
    """Courses that cannot fit in the horizon's total minutes cost the penalty (see module doc)."""
    grid = Grid.build(instance)
    data = _ChainData(grid)
    costs = data.solve()[0] if chain_costs is None else chain_costs
    return _capacity_from(grid, data, costs)


def _capacity_from(grid: Grid, data: _ChainData, costs: FloatArray) -> int:
    q_proc = float(np.clip(data.q_proc, 0, None).sum())
    q_rec = float(np.clip(data.q_rec, 0, None).sum())
    needs = []
    for c in grid.courses:
        todo = c.sessions - len(c.fixed)
        if todo <= 0:
            continue
        proc = todo * grid.proc_rest + (
            grid.proc_first - grid.proc_rest if not c.fixed else 0
        )
        needs.append((proc, todo * grid.rec, c.index))
    excess_proc = sum(n[0] for n in needs) - q_proc
    excess_rec = sum(n[1] for n in needs) - q_rec
    total = float(costs.sum())
    if excess_proc <= 0 and excess_rec <= 0:
        return _ceil(total)
    # At least m courses are dropped, m = fewest courses whose minutes cover both excesses.
    by_proc = sorted((n[0] for n in needs), reverse=True)
    by_rec = sorted((n[1] for n in needs), reverse=True)

    def fewest(sizes: list[int], excess: float) -> int:
        acc, m = 0.0, 0
        for s in sizes:
            if acc >= excess:
                break
            acc += s
            m += 1
        return m

    m = max(fewest(by_proc, excess_proc), fewest(by_rec, excess_rec))
    savings = sorted(data.penalty - float(costs[n[2]]) for n in needs)
    return _ceil(total + sum(savings[:m]))


MAX_TYPES = 24  # availability types priced separately; rarer ones use their smallest kept superset


def _runs_count(mask: int, length: int) -> int:
    """How many disjoint blocks of `length` slots fit in the runs of `mask`."""
    return sum((b - a) // length for a, b in mask_intervals(mask)) if length > 0 else 0


class _TypedCapacity:
    """Capacity rows of the day-indexed relaxation, one per (availability type, day).

    A type is a patient's time-of-day mask on a weekday (e.g. mornings only), intersected with the
    opening hours; the opening hours of each weekday are always a type. Row (t, d) says: the
    sessions on day d of courses whose mask that day lies inside type t's mask number at most
    cap[t, d], the fewest disjoint session blocks that fit in the free clinician, room and recovery
    time inside that mask (shortest procedure, shortest recovery; fixed sessions' time removed).
    Every schedule satisfies every row, so pricing them gives a valid Lagrangian bound; with only
    the whole-day type it is the plain daily-capacity relaxation.
    """

    def __init__(self, grid: Grid) -> None:
        h = grid.horizon
        rules = grid.instance.clinic.session
        g = grid.grid_minutes
        proc = min(grid.proc_first, grid.proc_rest)
        rec = rules.recovery_min_minutes // g
        opening = [0] * 7
        for d in range(h):
            opening[grid.weekday[d]] |= grid.open_mask[d]
        counts: dict[tuple[int, int], int] = {}
        for c in grid.courses:
            for wd in range(7):
                m = c.weekday_masks[wd] & opening[wd]
                if m:
                    counts[(wd, m)] = counts.get((wd, m), 0) + 1
        kept = {(wd, opening[wd]) for wd in range(7) if opening[wd]}
        for key, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if len(kept) >= MAX_TYPES:
                break
            kept.add(key)
        types = sorted(kept)
        self.types = types
        t_index = {key: i for i, key in enumerate(types)}
        n_t = len(types)
        # sup[t] = kept types on the same weekday whose mask contains type t's mask.
        self.sup = np.zeros((n_t, n_t))
        for i, (wd, m) in enumerate(types):
            for j, (wd2, m2) in enumerate(types):
                if wd == wd2 and m & ~m2 == 0:
                    self.sup[i, j] = 1.0

        def type_of(wd: int, m: int) -> int:
            got = t_index.get((wd, m))
            if got is not None:
                return got
            cands = [
                (mm.bit_count(), i)
                for i, (w2, mm) in enumerate(types)
                if w2 == wd and m & ~mm == 0
            ]
            return min(cands)[1]

        n = len(grid.courses)
        weekday = np.array(grid.weekday, dtype=np.int64)
        per_course = np.zeros((n, 7), dtype=np.int64)
        for c in grid.courses:
            for wd in range(7):
                m = c.weekday_masks[wd] & opening[wd]
                per_course[c.index, wd] = type_of(wd, m) if m else 0
        self.ctype = per_course[:, weekday]  # (n, h): the type of course c on day d
        # Free time after the fixed sessions.
        clin = [list(row) for row in grid.clin_mask]
        room = [list(row) for row in grid.room_mask]
        bed = [list(row) for row in grid.bed_mask]
        for c in grid.courses:
            for p in c.fixed:
                clin[p.clinician][p.day] &= ~(((1 << p.proc) - 1) << p.start)
                room[p.room][p.day] &= ~(((1 << p.proc) - 1) << p.start)
                bed[p.bed][p.day] &= ~(((1 << p.rec) - 1) << (p.start + p.proc))
        cap = np.zeros((n_t, h))
        region_memo: dict[int, tuple[int, int]] = {}
        for i, (wd, m) in enumerate(types):
            region = region_memo.get(m)
            if region is None:
                # Procedure blocks start where a whole session fits inside m; their first `proc`
                # slots lie in `pr`; recoveries start at least `proc` slots into a run of m.
                ok = starts(m, proc + rec)
                pr = 0
                for shift in range(proc):
                    pr |= ok << shift
                rr = 0
                for a, b_ in mask_intervals(m):
                    if b_ - a > proc:
                        rr |= ((1 << (b_ - a - proc)) - 1) << (a + proc)
                region = (pr & m, rr)
                region_memo[m] = region
            pr, rr = region
            for d in range(h):
                if grid.weekday[d] != wd or not grid.open_mask[d]:
                    continue
                q_c = sum(_runs_count(row[d] & pr, proc) for row in clin)
                q_r = sum(_runs_count(row[d] & pr, proc) for row in room)
                q_b = sum(_runs_count(row[d] & rr, rec) for row in bed)
                cap[i, d] = min(q_c, q_r, q_b)
        self.cap = cap
        self.valid = np.zeros((n_t, h), dtype=bool)
        for i, (wd, _) in enumerate(types):
            self.valid[i] = (weekday == wd) & (np.array(grid.open_mask) != 0)

    def prices(self, lam: FloatArray) -> FloatArray:
        """(n, h): what one session of course c on day d pays (the rows it counts in)."""
        per_type = self.sup @ lam  # (n_t, h): sum over kept supersets
        return per_type[self.ctype, np.arange(self.ctype.shape[1])[None, :]]

    def usage(self, days: npt.NDArray[np.int64]) -> FloatArray:
        """(n_t, h): sessions counted in each row by a DP answer's days."""
        n_t, h = self.cap.shape
        rows, cols = np.nonzero(days >= 0)
        d = days[rows, cols]
        t = self.ctype[rows, d]
        own = np.zeros((n_t, h))
        np.add.at(own, (t, d), 1.0)
        return self.sup.T @ own


def lagrangian_bound(
    instance: Instance,
    *,
    time_limit: float = 5.0,
    max_iterations: int = 200,
    upper: int | None = None,
) -> BoundReport:
    """LB0, the capacity bound and the Lagrangian bound (subgradient on typed day capacities)."""
    started = time.perf_counter()
    grid = Grid.build(instance)
    if not grid.courses:
        return BoundReport(0, 0, 0, 0)
    data = _ChainData(grid)
    costs, days = data.solve()
    lb0 = _ceil(float(costs.sum()))
    cap = _capacity_from(grid, data, costs)
    rows = _TypedCapacity(grid)
    q = rows.cap
    valid = rows.valid
    lam = np.zeros(q.shape)
    best = float(lb0)
    best_lam = lam
    theta = THETA_START
    stall = 0
    iterations = 0
    history = [(time.perf_counter() - started, lb0)]
    value = best
    while iterations < max_iterations and time.perf_counter() - started < time_limit:
        iterations += 1
        sub = np.where(valid, rows.usage(days) - q, 0.0)
        # Projected subgradient: a row with a zero price and slack cannot move.
        sub = np.where((lam <= 0) & (sub < 0), 0.0, sub)
        norm = float((sub**2).sum())
        if norm <= 0:
            break  # the relaxed answer respects every row: it is optimal for the relaxation
        # Polyak step towards a target a little above the best bound so far (capped by the known
        # upper bound): aiming at a far upper bound overshoots and stalls the ascent.
        room_up = INF if upper is None else float(upper) - best
        target = best + max(1.0, min(room_up, TARGET_RISE * abs(best) + 1.0))
        step = theta * (target - value) / norm
        lam = np.maximum(0.0, lam + step * sub)
        price = rows.prices(lam)
        costs, days = data.solve(price)
        value = float(costs.sum()) - float((lam * q).sum())
        if value > best + 1e-9 * abs(best):
            best = value
            best_lam = lam
            stall = 0
            history.append((time.perf_counter() - started, _ceil(best)))
        else:
            stall += 1
            if stall >= THETA_PATIENCE:
                theta /= 2
                stall = 0
                lam = best_lam
                price = rows.prices(lam)
                costs, days = data.solve(price)
                value = best
                if theta < 1e-4:
                    break
    lag = _ceil(best)
    return BoundReport(
        bound=max(lb0, cap, lag),
        chain=lb0,
        capacity=cap,
        lagrangian=lag,
        iterations=iterations,
        seconds=time.perf_counter() - started,
        history=history,
    )


def _ceil(value: float) -> int:
    """Round a float bound up to an integer, allowing for float64 rounding at large magnitudes."""
    return math.ceil(value - max(1e-6, 1e-12 * abs(value)))


def lower_bound(
    instance: Instance, *, time_limit: float = 5.0, upper: int | None = None
) -> BoundReport:
    """The best cheap lower bound within `time_limit` seconds (see module doc)."""
    return lagrangian_bound(
        instance, time_limit=time_limit, max_iterations=1_000_000, upper=upper
    )


def course_lb0(grid: Grid) -> list[float]:
    """Each course's capacity-free cheapest cost (used to steer the search)."""
    if not grid.courses:
        return []
    costs, _ = _ChainData(grid).solve()
    return [float(x) for x in costs]


__all__ = [
    "BoundReport",
    "capacity_bound",
    "chain_bound",
    "course_cost",
    "course_lb0",
    "lagrangian_bound",
    "lower_bound",
]
