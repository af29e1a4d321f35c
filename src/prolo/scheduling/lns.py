"""The engine: a fast constructive start, then large-neighbourhood search until the time limit.

1. Construct: the receptionist first-fit (the first valid schedule, in well under a second), the
   smart first-fit and the spread first-fit (later sessions late in their 14-21-day windows, which
   leaves room for patients still arriving); keep the cheapest that books as many whole courses.
2. Improve, alternating two moves, each accepted only if the objective does not get worse:
   - ruin and recreate: take a course with a large excess over its own chain bound and a few courses
     holding the days it would like, release them all, and re-insert each with the exact best-chain
     search (`chain.best_chain`), the excess course first;
   - CP-SAT window: free the sessions of 1-3 days held by up to 3 clinicians and re-optimise their
     days, times, clinicians, rooms and recovery places jointly, everything else fixed
     (`cpsat.model.solve_window`, hinted with the current placements).
The full model is never built: on 2 cores it stalls from about 1,000 patients (scheduling-notes).
"""

from __future__ import annotations

import random
import time

from prolo.scheduling.bounds import course_lb0
from prolo.scheduling.chain import best_chain
from prolo.scheduling.cpsat.model import select_window, solve_window
from prolo.scheduling.greedy import greedy_plan
from prolo.scheduling.instance import (
    Instance,
    Schedule,
    SolverConfig,
    weight_order_problems,
)
from prolo.scheduling.timegrid import (
    Grid,
    Occupancy,
    Placement,
    Plan,
    course_cost,
    course_tiers,
    to_schedule,
)


def _sum_tiers(rows: list[tuple[int, ...]]) -> tuple[int, ...]:
    return tuple(sum(col) for col in zip(*rows, strict=True)) if rows else ()


def acceptable(
    old_cost: int,
    new_cost: int,
    old_tiers: list[tuple[int, ...]],
    new_tiers: list[tuple[int, ...]],
) -> bool:
    """A move is kept only if the objective does not get worse AND the group's terms, read in the
    issue's order (unscheduled, start delay, stretch, continuity, time), do not get worse
    lexicographically: no move trades a later start for gains lower in the order."""
    return new_cost <= old_cost and _sum_tiers(new_tiers) <= _sum_tiers(old_tiers)


# CP-SAT windows cost ~0.1-0.5 s each and gain less per second than ruin-and-recreate (measured on
# T1: 20 s of ruin-and-recreate alone closed 3x more than a 1:3 mix), so they get a small share.
WINDOW_EVERY = 10  # at most one window per this many iterations
WINDOW_SHARE = 0.15  # and at most this share of the wall time (wall-clock runs)
WINDOW_SECONDS = 0.3
WINDOW_MAX_SESSIONS = 40


class Search:
    """A plan under improvement: the plan, its occupancy, each course's cost and a day index."""

    def __init__(
        self, grid: Grid, plan: Plan, occ: Occupancy, rng: random.Random
    ) -> None:
        self.grid = grid
        self.plan = plan
        self.occ = occ
        self.rng = rng
        self.cost = [course_cost(grid, c, plan[c.index]) for c in grid.courses]
        self.tiers = [course_tiers(grid, c, plan[c.index]) for c in grid.courses]
        self.total = sum(self.cost)
        self.lb0 = course_lb0(grid)
        self.day_courses: list[set[int]] = [set() for _ in range(grid.horizon)]
        for ci, chain in enumerate(plan):
            for p in chain:
                if not p.fixed:
                    self.day_courses[p.day].add(ci)
        self.accepted = {"ruin_recreate": 0, "window": 0}
        self.tried = {"ruin_recreate": 0, "window": 0}

    # -- bookkeeping
    def remove(self, ci: int) -> None:
        for p in self.plan[ci]:
            if not p.fixed:
                self.occ.unbook(p)
                self.day_courses[p.day].discard(ci)
        self.plan[ci] = self.grid.courses[ci].fixed

    def put(self, ci: int, chain: tuple[Placement, ...]) -> None:
        for p in chain:
            if not p.fixed:
                self.occ.book(p)
                self.day_courses[p.day].add(ci)
        self.plan[ci] = chain

    def pick_seed(self) -> int:
        excess = [
            max(0.0, c - lb) + 1.0 for c, lb in zip(self.cost, self.lb0, strict=True)
        ]
        return self.rng.choices(range(len(excess)), weights=excess, k=1)[0]

    # -- moves
    def ruin_recreate(self, size: int) -> bool:
        grid = self.grid
        seed = self.pick_seed()
        course = grid.courses[seed]
        chain = self.plan[seed]
        lo = max(0, course.release)
        hi = chain[0].day if len(chain) == course.sessions and chain else lo + 28
        hi = min(grid.horizon - 1, max(hi, lo))
        pool: set[int] = set()
        for d in range(lo, hi + 1):
            if grid.patient_mask(course, d):
                pool |= self.day_courses[d]
        pool.discard(seed)
        candidates = sorted(pool)
        self.rng.shuffle(candidates)
        group = [seed, *candidates[:size]]
        old = {ci: self.plan[ci] for ci in group}
        old_cost = sum(self.cost[ci] for ci in group)
        for ci in group:
            self.remove(ci)
        rest = group[1:]
        self.rng.shuffle(rest)
        new_cost = 0
        new_costs: dict[int, int] = {}
        for ci in [seed, *rest]:
            c = grid.courses[ci]
            found = best_chain(grid, self.occ, c, c.fixed)
            chosen = found.chain if found is not None else c.fixed
            self.put(ci, chosen)
            new_costs[ci] = course_cost(grid, c, chosen)
            new_cost += new_costs[ci]
            if new_cost > old_cost:
                break
        self.tried["ruin_recreate"] += 1
        if len(new_costs) == len(group) and acceptable(
            old_cost,
            new_cost,
            [self.tiers[ci] for ci in group],
            [course_tiers(grid, grid.courses[ci], self.plan[ci]) for ci in group],
        ):
            for ci, value in new_costs.items():
                self.cost[ci] = value
                self.tiers[ci] = course_tiers(grid, grid.courses[ci], self.plan[ci])
            self.total += new_cost - old_cost
            if new_cost < old_cost:
                self.accepted["ruin_recreate"] += 1
            return new_cost < old_cost
        for ci in group:
            self.remove(ci)
        for ci in group:
            self.put(ci, old[ci])
        return False

    def window(
        self, seconds: float, seed: int, workers: int, deterministic: bool
    ) -> bool:
        grid = self.grid
        ci = self.pick_seed()
        chain = self.plan[ci]
        movable = [p for p in chain if not p.fixed]
        if not movable:
            return False
        anchor = self.rng.choice(movable)
        n_days = self.rng.randint(1, min(3, grid.gap_min - 1))
        first_day = max(0, anchor.day - self.rng.randrange(n_days))
        n_clin = len(grid.clin_mask)
        clinicians = {anchor.clinician}
        course = grid.courses[ci]
        if course.pref_clinician is not None:
            clinicians.add(course.pref_clinician)
        others = [k for k in range(n_clin) if k not in clinicians]
        self.rng.shuffle(others)
        while len(clinicians) < min(3, n_clin) and others:
            clinicians.add(others.pop())
        win = select_window(
            grid,
            self.plan,
            first_day,
            n_days,
            tuple(sorted(clinicians)),
            WINDOW_MAX_SESSIONS,
        )
        if not win.sessions:
            return False
        touched = sorted({fs.course.index for fs in win.sessions})
        old_cost = sum(self.cost[c] for c in touched)
        old_plan = {c: self.plan[c] for c in touched}
        for fs in win.sessions:
            self.occ.unbook(fs.current)
            self.day_courses[fs.current.day].discard(fs.course.index)
        result = solve_window(
            grid,
            self.occ,
            win,
            time_limit=seconds,
            seed=seed,
            workers=workers,
            deterministic=deterministic,
        )
        self.tried["window"] += 1
        new_plan = dict(old_plan)
        if result.improved:
            for (c, session), p in result.placements.items():
                chain_list = list(new_plan[c])
                chain_list[session - 1] = p
                new_plan[c] = tuple(chain_list)
        new_costs = {
            c: course_cost(grid, grid.courses[c], new_plan[c]) for c in touched
        }
        chosen = (
            new_plan
            if result.improved
            and sum(new_costs.values()) < old_cost
            and acceptable(
                old_cost,
                sum(new_costs.values()),
                [self.tiers[c] for c in touched],
                [course_tiers(grid, grid.courses[c], new_plan[c]) for c in touched],
            )
            else old_plan
        )
        for fs in win.sessions:
            p = chosen[fs.course.index][fs.session - 1]
            self.occ.book(p)
            self.day_courses[p.day].add(fs.course.index)
        for c in touched:
            self.plan[c] = chosen[c]
        if chosen is new_plan:
            for c in touched:
                self.cost[c] = new_costs[c]
                self.tiers[c] = course_tiers(grid, grid.courses[c], new_plan[c])
            self.total += sum(new_costs.values()) - old_cost
            self.accepted["window"] += 1
            return True
        return False


def _days_forced(search: Search) -> int | None:
    """If no schedule with other days can beat this plan by the objective's order, return the
    lowest cost such a schedule can have; else None.

    Holds when every course is booked whole, starts on the earliest day any chain of its own could
    (capacity ignored), has every later gap at the minimum, and its continuity term does not couple
    its days (a preferred clinician, a fixed first session, or a one-clinician clinic). Then any
    other day assignment starts some course later or stretches one of its gaps: it costs at least
    the plan's start-delay and stretch terms plus one day of stretch (the weights' order holds).
    """
    grid = search.grid
    if weight_order_problems(grid.instance):
        return None
    w = grid.instance.weights
    single = len(grid.clin_mask) == 1
    empty = Occupancy(grid)
    for c in grid.courses:
        for p in c.fixed:
            empty.book(p)
    floor = 0
    for c in grid.courses:
        chain = search.plan[c.index]
        if len(chain) < c.sessions:
            return None
        if not (single or c.pref_clinician is not None or c.fixed):
            return None
        first = len(c.fixed)
        if not all(
            chain[j].day - chain[j - 1].day == grid.gap_min
            for j in range(max(1, first), c.sessions)
        ):
            return None
        if first < c.sessions:
            alone = best_chain(grid, empty, c, c.fixed)
            if alone is None or chain[first].day != alone.chain[first].day:
                return None
        terms = course_tiers(grid, c, chain)
        floor += terms[1] + terms[2]  # start delay + stretch, each at its minimum
    return floor + min(w.gap_stretch_day, w.start_delay_day)


def polish_days(
    search: Search, deadline: float, seed: int, workers: int, deterministic: bool
) -> bool:
    """Re-optimise each day's sessions (all clinicians, days kept) with CP-SAT, then try to prove
    the plan optimal: True when every day solved to OPTIMAL and `_days_forced` shows that no
    schedule on other days can be cheaper (the plan is then a proven optimum)."""
    grid = search.grid
    floor = _days_forced(search)
    if floor is None:
        return False
    clinicians = tuple(range(len(grid.clin_mask)))
    all_optimal = True
    for day in sorted({p.day for chain in search.plan for p in chain if not p.fixed}):
        left = deadline - time.perf_counter()
        if left <= 0 and not deterministic:
            return False
        win = select_window(grid, search.plan, day, 1, clinicians, 10_000)
        if not win.sessions:
            continue
        for fs in win.sessions:
            search.occ.unbook(fs.current)
        result = solve_window(
            grid,
            search.occ,
            win,
            time_limit=WINDOW_SECONDS * 10 if deterministic else max(0.05, left),
            seed=seed,
            workers=workers,
            deterministic=deterministic,
        )
        all_optimal &= result.status == "OPTIMAL"
        touched = sorted({fs.course.index for fs in win.sessions})
        old = {c: search.plan[c] for c in touched}
        new = dict(old)
        if result.improved:
            for (c, session), p in result.placements.items():
                chain = list(new[c])
                chain[session - 1] = p
                new[c] = tuple(chain)
        old_cost = sum(search.cost[c] for c in touched)
        new_costs = {c: course_cost(grid, grid.courses[c], new[c]) for c in touched}
        keep = sum(new_costs.values()) < old_cost
        if not keep:
            all_optimal &= sum(new_costs.values()) == old_cost
        chosen = new if keep else old
        for fs in win.sessions:
            search.occ.book(chosen[fs.course.index][fs.session - 1])
        for c in touched:
            search.plan[c] = chosen[c]
            if keep:
                search.cost[c] = new_costs[c]
                search.tiers[c] = course_tiers(grid, grid.courses[c], chosen[c])
        if keep:
            search.total += sum(new_costs.values()) - old_cost
    return all_optimal and search.total <= floor


def solve(instance: Instance, config: SolverConfig | None = None) -> Schedule:
    """Solve one clinic: `config.method` "greedy" is the receptionist baseline, "cpsat" the engine."""
    config = config or SolverConfig()
    started = time.perf_counter()
    grid = Grid.build(instance)
    plan, occ = greedy_plan(grid, "receptionist")
    first = time.perf_counter() - started
    if config.method == "greedy":
        return to_schedule(
            grid,
            plan,
            "greedy",
            {
                "solve_seconds": round(first, 4),
                "first_solution_seconds": round(first, 4),
            },
        )
    greedy_cost = sum(course_cost(grid, c, plan[c.index]) for c in grid.courses)
    constructive = {"receptionist": greedy_cost}
    best_cost = greedy_cost
    for policy in ("spread", "smart"):
        other, other_occ = greedy_plan(grid, policy)
        cost = sum(course_cost(grid, c, other[c.index]) for c in grid.courses)
        constructive[policy] = cost
        scheduled = sum(
            len(ch) == c.sessions for c, ch in zip(grid.courses, other, strict=True)
        )
        base = sum(
            len(ch) == c.sessions for c, ch in zip(grid.courses, plan, strict=True)
        )
        if cost < best_cost and scheduled >= base:
            plan, occ, best_cost = other, other_occ, cost
    rng = random.Random(config.seed)
    search = Search(grid, plan, occ, rng)
    trajectory = [(round(time.perf_counter() - started, 3), search.total)]
    deterministic = config.workers == 1 and config.max_iterations is not None
    iterations = 0
    window_time = 0.0
    # When the days look forced (small, lightly loaded clinics), keep a share of the time for the
    # per-day CP-SAT polish that can prove the plan optimal.
    reserve = (
        min(2.0, 0.1 * config.time_limit) if _days_forced(search) is not None else 0.0
    )
    polish_deadline = started + config.time_limit
    deadline = polish_deadline - reserve
    while True:
        if config.max_iterations is not None and iterations >= config.max_iterations:
            break
        if not deterministic and time.perf_counter() >= deadline:
            break
        if (
            deterministic
            and time.perf_counter() >= deadline + 60 * config.time_limit + 60
        ):
            break  # a safety net far beyond the limit; the iteration cap is what stops a deterministic run
        iterations += 1
        now = time.perf_counter()
        if iterations % WINDOW_EVERY == 0 and (
            deterministic or window_time <= WINDOW_SHARE * (now - started)
        ):
            left = deadline - time.perf_counter()
            seconds = (
                WINDOW_SECONDS
                if deterministic
                else max(0.05, min(WINDOW_SECONDS, left))
            )
            improved = search.window(
                seconds, rng.randrange(1 << 30), config.workers, deterministic
            )
            window_time += time.perf_counter() - now
        else:
            improved = search.ruin_recreate(size=rng.randint(2, 8))
        if improved:
            trajectory.append((round(time.perf_counter() - started, 3), search.total))
    proven = polish_days(
        search, polish_deadline, rng.randrange(1 << 30), config.workers, deterministic
    )
    elapsed = time.perf_counter() - started
    stats: dict[str, object] = {
        "proven_optimal": proven,
        "solve_seconds": round(elapsed, 4),
        "first_solution_seconds": round(first, 4),
        "greedy_objective": greedy_cost,
        "constructive_objective": best_cost,
        "constructives": constructive,
        "iterations": iterations,
        "accepted": dict(search.accepted),
        "tried": dict(search.tried),
        "trajectory": trajectory[-50:],
        "seed": config.seed,
        "workers": config.workers,
    }
    return to_schedule(grid, search.plan, "cpsat", stats)
