"""The window objective, one function per term of the global objective (docs/scheduling.md).

Every term is the change the free sessions can make; the rest of the plan is constant.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from prolo.scheduling.cpsat.variables import WindowVars
from prolo.scheduling.timegrid import Grid

LinearTerms = list[cp_model.LinearExprT]


def start_delay(grid: Grid, wv: WindowVars) -> LinearTerms:
    w = grid.instance.weights.start_delay_day
    out: LinearTerms = []
    for fs, sv in zip(wv.window.sessions, wv.sessions, strict=True):
        if fs.session == 1:
            out += [w * (d - fs.course.release) * x for d, x in sv.day.items()]
    return out


def gap_stretch(grid: Grid, wv: WindowVars) -> LinearTerms:
    w = grid.instance.weights.gap_stretch_day
    out: LinearTerms = []
    for fs, sv in zip(wv.window.sessions, wv.sessions, strict=True):
        for d, x in sv.day.items():
            extra = 0
            if fs.prev_day is not None:
                extra += d - fs.prev_day - grid.gap_min
            if fs.next_day is not None:
                extra += fs.next_day - d - grid.gap_min
            out.append(w * extra * x)
    return out


def clinician_change(grid: Grid, wv: WindowVars) -> LinearTerms:
    """Sessions whose clinician is not the course's reference (preferred, else session 1's)."""
    w = grid.instance.weights.clinician_change
    out: LinearTerms = []
    for fs, sv in zip(wv.window.sessions, wv.sessions, strict=True):
        ref = fs.course.pref_clinician
        for k, x in sv.clinician.items():
            if ref is not None:
                cost = 1 if k != ref else 0
            elif fs.session == 1:
                cost = sum(1 for other in fs.other_clinicians if other != k)
            else:
                cost = 1 if k != fs.other_clinicians[0] else 0
            out.append(w * cost * x)
    return out


def time_deviation(model: cp_model.CpModel, grid: Grid, wv: WindowVars) -> LinearTerms:
    w = grid.instance.weights.time_deviation_step
    out: LinearTerms = []
    for i, (fs, sv) in enumerate(zip(wv.window.sessions, wv.sessions, strict=True)):
        pref = fs.course.pref_slot
        if pref is None:
            continue
        dev = model.new_int_var(0, grid.slots, f"dev{i}")
        model.add_abs_equality(dev, sv.tod - pref)
        wv.deviation[i] = dev
        out.append(w * dev)
    return out


def objective(
    model: cp_model.CpModel, grid: Grid, wv: WindowVars
) -> cp_model.LinearExprT:
    terms = (
        start_delay(grid, wv)
        + gap_stretch(grid, wv)
        + clinician_change(grid, wv)
        + time_deviation(model, grid, wv)
    )
    return sum(terms)
