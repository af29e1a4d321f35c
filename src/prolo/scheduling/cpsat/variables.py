"""The window's decision variables, held in one container (cpsat-primer `examples/tdd` pattern)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from prolo.scheduling.timegrid import CourseData, Grid, Placement


@dataclass(frozen=True)
class FreeSession:
    """A session the window may move: its course, number, current placement and candidate days.

    `prev_day` / `next_day` are its chain neighbours (fixed during the move). `other_clinicians`
    lists the clinicians of the course's other sessions (for the continuity term).
    """

    course: CourseData
    session: int
    current: Placement
    days: tuple[int, ...]
    prev_day: int | None
    next_day: int | None
    other_clinicians: tuple[int, ...]


@dataclass(frozen=True)
class Window:
    """Days [first_day, first_day + n_days), the clinicians that may take the free sessions."""

    first_day: int
    n_days: int
    clinicians: tuple[int, ...]
    sessions: tuple[FreeSession, ...]


@dataclass
class SessionVars:
    day: dict[int, cp_model.IntVar]
    tod: cp_model.IntVar
    start: cp_model.IntVar
    clinician: dict[int, cp_model.IntVar]
    room: dict[int, cp_model.IntVar]
    bed: dict[int, cp_model.IntVar]
    proc: int
    rec: int


@dataclass
class WindowVars:
    """One SessionVars per free session (same order as `window.sessions`)."""

    window: Window
    sessions: list[SessionVars] = field(default_factory=list)
    deviation: dict[int, cp_model.IntVar] = field(default_factory=dict)

    @staticmethod
    def build(model: cp_model.CpModel, grid: Grid, window: Window) -> WindowVars:
        out = WindowVars(window)
        span = window.n_days * grid.slots
        rooms = range(len(grid.room_mask))
        beds = range(len(grid.bed_mask))
        for i, s in enumerate(window.sessions):
            proc = grid.proc_slots(s.session)
            out.sessions.append(
                SessionVars(
                    day={d: model.new_bool_var(f"x{i}_d{d}") for d in s.days},
                    tod=model.new_int_var(0, grid.slots - proc - grid.rec, f"tod{i}"),
                    start=model.new_int_var(0, span, f"start{i}"),
                    clinician={
                        k: model.new_bool_var(f"x{i}_k{k}") for k in window.clinicians
                    },
                    room={r: model.new_bool_var(f"x{i}_r{r}") for r in rooms},
                    bed={b: model.new_bool_var(f"x{i}_b{b}") for b in beds},
                    proc=proc,
                    rec=grid.rec,
                )
            )
        return out
