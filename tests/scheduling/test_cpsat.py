"""The CP-SAT window model, rule by rule: a window that can keep each rule solves, one that cannot
is infeasible; and the objective moves sessions toward the preferred time."""

from __future__ import annotations

from prolo.scheduling import Instance
from prolo.scheduling.cpsat.model import select_window, solve_window
from prolo.scheduling.greedy import greedy_plan
from prolo.scheduling.timegrid import Grid, course_cost


def window_of(instance: Instance, day: int, n_days: int = 1):  # type: ignore[no-untyped-def]
    grid = Grid.build(instance)
    plan, occ = greedy_plan(grid)
    win = select_window(grid, plan, day, n_days, tuple(range(len(grid.clin_mask))), 40)
    for fs in win.sessions:
        occ.unbook(fs.current)
    return grid, plan, occ, win


def test_the_window_moves_a_session_to_the_preferred_time(tiny_instance) -> None:  # type: ignore[no-untyped-def]
    grid, plan, occ, win = window_of(tiny_instance(), 14)
    assert [fs.current.start * 5 for fs in win.sessions] == [
        8 * 60
    ]  # the receptionist's 08:00
    result = solve_window(grid, occ, win, time_limit=5, seed=1, deterministic=True)
    assert result.status == "OPTIMAL"
    (placement,) = result.placements.values()
    assert placement.start * 5 == 9 * 60  # preferred 09:00
    new_chain = list(plan[0])
    new_chain[1] = placement
    assert course_cost(grid, grid.courses[0], new_chain) < course_cost(
        grid, grid.courses[0], plan[0]
    )


def test_a_clinician_fully_booked_makes_the_window_infeasible(tiny_instance) -> None:  # type: ignore[no-untyped-def]
    grid, _, occ, win = window_of(tiny_instance(), 14)
    occ.block_clinician_day(0, 14)
    assert (
        solve_window(grid, occ, win, time_limit=5, seed=1, deterministic=True).status
        == "INFEASIBLE"
    )


def test_a_taken_room_makes_the_window_infeasible(tiny_instance) -> None:  # type: ignore[no-untyped-def]
    grid, _, occ, win = window_of(tiny_instance(), 14)
    occ.room[0][14] = (1 << grid.slots) - 1
    occ._cache[14].clear()
    assert (
        solve_window(grid, occ, win, time_limit=5, seed=1, deterministic=True).status
        == "INFEASIBLE"
    )


def test_a_taken_recovery_place_makes_the_window_infeasible(tiny_instance) -> None:  # type: ignore[no-untyped-def]
    grid, _, occ, win = window_of(tiny_instance(), 14)
    occ.bed[0][14] = (1 << grid.slots) - 1
    occ._cache[14].clear()
    assert (
        solve_window(grid, occ, win, time_limit=5, seed=1, deterministic=True).status
        == "INFEASIBLE"
    )


def test_a_recovery_place_free_only_after_the_procedure_is_used(tiny_instance) -> None:  # type: ignore[no-untyped-def]
    grid, _, occ, win = window_of(tiny_instance(), 14)
    # The bed is busy until 09:30: a 09:00 procedure (30 min) may still recover from 09:30.
    occ.bed[0][14] = (1 << (9 * 12 + 6)) - 1
    occ._cache[14].clear()
    result = solve_window(grid, occ, win, time_limit=5, seed=1, deterministic=True)
    (placement,) = result.placements.values()
    assert placement.start * 5 + 30 >= 9 * 60 + 30


def test_the_patient_window_bounds_the_time_of_day(tiny_data) -> None:  # type: ignore[no-untyped-def]
    import json

    from prolo.scheduling import load_instance

    data = tiny_data()
    data["courses"][0]["availability"] = {
        d: [{"start": "10:00", "end": "12:00"}]
        for d in ("mon", "tue", "wed", "thu", "fri")
    }
    grid, _, occ, win = window_of(load_instance(json.dumps(data)), 14)
    result = solve_window(grid, occ, win, time_limit=5, seed=1, deterministic=True)
    (placement,) = result.placements.values()
    assert placement.start * 5 == 10 * 60  # closest to 09:00 inside 10:00-12:00


def test_the_chain_limits_the_candidate_days(tiny_instance) -> None:  # type: ignore[no-untyped-def]
    _, _, _, win = window_of(tiny_instance(), 14, n_days=3)
    (fs,) = win.sessions
    # Session 2 after session 1 on day 0 and before session 3 on day 28: days 14..14 (gap 14 both sides).
    assert fs.days == (14,)
