"""The hard rules of a window model, one class per rule; each `apply(model, grid, occ, vars)`.

Resources outside the free sessions are fixed: their bookings (and the hours a clinician is off
roster, a room closed, the clinic shut) become fixed "blocked" intervals in each resource's NoOverlap.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from prolo.scheduling.cpsat.variables import WindowVars
from prolo.scheduling.timegrid import Grid, Occupancy, mask_intervals, starts


def _blocked(
    model: cp_model.CpModel, free: int, offset: int, slots: int, name: str
) -> list[cp_model.IntervalVar]:
    blocked = ~free & ((1 << slots) - 1)
    return [
        model.new_fixed_size_interval_var(offset + a, b - a, f"{name}_{a}")
        for a, b in mask_intervals(blocked)
    ]


class OneDayAndStart:
    """Each free session takes exactly one candidate day; start = day offset + time of day."""

    def apply(
        self, model: cp_model.CpModel, grid: Grid, _occ: Occupancy, wv: WindowVars
    ) -> None:
        d0 = wv.window.first_day
        for sv in wv.sessions:
            model.add_exactly_one(sv.day.values())
            model.add(
                sv.start
                == sum((d - d0) * grid.slots * x for d, x in sv.day.items()) + sv.tod
            )


class PatientAvailability:
    """On its day, the whole session (procedure + recovery) lies inside the patient's availability
    and the clinic's opening hours."""

    def apply(
        self, model: cp_model.CpModel, grid: Grid, _occ: Occupancy, wv: WindowVars
    ) -> None:
        for fs, sv in zip(wv.window.sessions, wv.sessions, strict=True):
            for d, x in sv.day.items():
                allowed = starts(grid.patient_mask(fs.course, d), sv.proc + sv.rec)
                values = [t for a, b in mask_intervals(allowed) for t in (a, b - 1)]
                intervals = [[a, b - 1] for a, b in mask_intervals(allowed)]
                if not values:
                    model.add(x == 0)
                    continue
                model.add_linear_expression_in_domain(
                    sv.tod, cp_model.Domain.from_intervals(intervals)
                ).only_enforce_if(x)


class ClinicianNoOverlap:
    """Exactly one window clinician per session; a clinician's procedures never overlap each other,
    the fixed bookings, or the time off roster."""

    def apply(
        self, model: cp_model.CpModel, grid: Grid, occ: Occupancy, wv: WindowVars
    ) -> None:
        w = wv.window
        for sv in wv.sessions:
            model.add_exactly_one(sv.clinician.values())
        for k in w.clinicians:
            intervals = []
            for day in range(w.first_day, w.first_day + w.n_days):
                offset = (day - w.first_day) * grid.slots
                intervals += _blocked(
                    model,
                    occ.free_clinician(k, day),
                    offset,
                    grid.slots,
                    f"bk{k}_{day}",
                )
            for i, sv in enumerate(wv.sessions):
                intervals.append(
                    model.new_optional_fixed_size_interval_var(
                        sv.start, sv.proc, sv.clinician[k], f"pk{i}_{k}"
                    )
                )
            model.add_no_overlap(intervals)


class RoomNoOverlap:
    """Exactly one room per session; a room's procedures never overlap (or fall on a closed day)."""

    def apply(
        self, model: cp_model.CpModel, grid: Grid, occ: Occupancy, wv: WindowVars
    ) -> None:
        w = wv.window
        for sv in wv.sessions:
            model.add_exactly_one(sv.room.values())
        for r in range(len(grid.room_mask)):
            intervals = []
            for day in range(w.first_day, w.first_day + w.n_days):
                offset = (day - w.first_day) * grid.slots
                intervals += _blocked(
                    model, occ.free_room(r, day), offset, grid.slots, f"br{r}_{day}"
                )
            for i, sv in enumerate(wv.sessions):
                intervals.append(
                    model.new_optional_fixed_size_interval_var(
                        sv.start, sv.proc, sv.room[r], f"pr{i}_{r}"
                    )
                )
            model.add_no_overlap(intervals)


class RecoveryNoOverlap:
    """Exactly one recovery place per session, taken from the procedure's end for `rec` slots."""

    def apply(
        self, model: cp_model.CpModel, grid: Grid, occ: Occupancy, wv: WindowVars
    ) -> None:
        w = wv.window
        for sv in wv.sessions:
            model.add_exactly_one(sv.bed.values())
        for b in range(len(grid.bed_mask)):
            intervals = []
            for day in range(w.first_day, w.first_day + w.n_days):
                offset = (day - w.first_day) * grid.slots
                intervals += _blocked(
                    model, occ.free_bed(b, day), offset, grid.slots, f"bb{b}_{day}"
                )
            for i, sv in enumerate(wv.sessions):
                intervals.append(
                    model.new_optional_fixed_size_interval_var(
                        sv.start + sv.proc, sv.rec, sv.bed[b], f"rb{i}_{b}"
                    )
                )
            model.add_no_overlap(intervals)


HARD_RULES: tuple[type, ...] = (
    OneDayAndStart,
    PatientAvailability,
    ClinicianNoOverlap,
    RoomNoOverlap,
    RecoveryNoOverlap,
)
"""Chain spacing and the earliest start are enforced by each FreeSession's candidate days."""
