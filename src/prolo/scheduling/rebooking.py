"""Rebooking after a cancellation, a no-show or a clinician's day of absence: a LOCAL repair.

A `Rebooker` holds one clinic's compiled plan in memory (built once from the instance and the
current schedule). `apply(disruption)` repairs only the affected courses: each keeps its sessions
before the affected one and gets the cheapest completion of the rest (the exact chain search of
`chain.best_chain`) inside the capacity the other patients leave free. No other patient's session
moves and no fixed (booked/done) session moves: this is by construction, and `other_patients_moved`
reports it. For an absence, each affected session first tries the same day and time band with
another clinician, which keeps the chain; otherwise the course is re-chained from that session.
A course that cannot be repaired without moving someone else is reported in `failed` and left
exactly as it was (nothing of it is committed or released); `proposals` then carries the smallest
repair that moves one other patient (computed, NOT committed), which a receptionist may accept
explicitly with `Rebooker.accept(proposal)` (the same as `apply(d, allow_other_moves=True)`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from prolo.domain.errors import InvalidInputError, UnknownIdError
from prolo.scheduling.chain import best_chain
from prolo.scheduling.instance import Instance, Schedule, local_datetime
from prolo.scheduling.timegrid import (
    Grid,
    Occupancy,
    Placement,
    Plan,
    course_cost,
    occupancy_of,
    plan_from_schedule,
    to_schedule,
)

Kind = Literal["cancel", "no_show", "absence", "withdraw"]


@dataclass(frozen=True)
class Disruption:
    """cancel / no_show: `course_id` + `session`; absence: `clinician_id` + `day` (local date);
    withdraw: `course_id` (the patient stops the course: its planned sessions are freed on purpose)."""

    kind: Kind
    course_id: str | None = None
    session: int | None = None
    clinician_id: str | None = None
    day: date | None = None


@dataclass(frozen=True)
class Move:
    course_id: str
    patient_id: str
    session: int
    from_start: datetime | None
    from_clinician: str | None
    to_start: datetime | None
    to_clinician: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "course_id": self.course_id,
            "patient_id": self.patient_id,
            "session": self.session,
            "from": None
            if self.from_start is None
            else {
                "start": self.from_start.isoformat(),
                "clinician_id": self.from_clinician,
            },
            "to": None
            if self.to_start is None
            else {
                "start": self.to_start.isoformat(),
                "clinician_id": self.to_clinician,
            },
        }


@dataclass(frozen=True)
class Proposal:
    """A repair of `course_id` that moves `other_patients_moved` other patients: not committed.

    `moves` lists every session that would move (the course's and the other patient's);
    `objective_after` is the plan's objective if accepted. Accept it with `Rebooker.accept`.
    """

    course_id: str
    disruption: Disruption
    moves: list[Move]
    other_patients_moved: int
    objective_after: int

    def as_dict(self) -> dict[str, object]:
        return {
            "course_id": self.course_id,
            "moves": [m.as_dict() for m in self.moves],
            "other_patients_moved": self.other_patients_moved,
            "objective_after": self.objective_after,
        }


@dataclass
class RebookResult:
    moved: list[Move]
    failed: list[str]
    other_patients_moved: int
    objective_before: int
    objective_after: int
    seconds: float
    affected_courses: list[str] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)

    @property
    def proposal(self) -> Proposal | None:
        """The first failed course's proposal (None when nothing failed or none exists)."""
        return self.proposals[0] if self.proposals else None

    def as_dict(self) -> dict[str, object]:
        return {
            "moved": [m.as_dict() for m in self.moved],
            "failed": self.failed,
            "proposals": [p.as_dict() for p in self.proposals],
            "affected_courses": self.affected_courses,
            "other_patients_moved": self.other_patients_moved,
            "objective_before": self.objective_before,
            "objective_after": self.objective_after,
            "seconds": round(self.seconds, 6),
        }


class Rebooker:
    """A clinic's plan kept in memory for interactive repairs."""

    def __init__(self, instance: Instance, schedule: Schedule) -> None:
        self.grid = Grid.build(instance)
        self.plan: Plan = plan_from_schedule(self.grid, schedule)
        self.occ: Occupancy = occupancy_of(self.grid, self.plan)
        self.blocked: set[tuple[int, int]] = set()  # (clinician, day) absences applied
        self.course_index = {c.id: c.index for c in self.grid.courses}
        self.total = sum(
            course_cost(self.grid, c, self.plan[c.index]) for c in self.grid.courses
        )

    def schedule(self, method: str = "rebook") -> Schedule:
        return to_schedule(self.grid, self.plan, method, {})

    def _day_of(self, value: date) -> int:
        offset = (value - self.grid.days[0]).days
        if not 0 <= offset < self.grid.horizon:
            raise InvalidInputError(f"day: {value} is outside the horizon", field="day")
        return offset

    def _affected(self, d: Disruption) -> list[tuple[int, int]]:
        """(course index, 0-based session position) pairs hit by the disruption."""
        grid = self.grid
        if d.kind == "withdraw":
            if d.course_id is None:
                raise InvalidInputError("withdraw needs a course id", field="course_id")
            ci = self.course_index.get(d.course_id)
            if ci is None:
                raise UnknownIdError(
                    f"course_id: unknown course {d.course_id!r}", field="course_id"
                )
            chain = self.plan[ci]
            j = next((i for i, p in enumerate(chain) if not p.fixed), None)
            if j is None:
                raise InvalidInputError(
                    f"course_id: {d.course_id} has no planned (not fixed) session to free",
                    field="course_id",
                )
            return [(ci, j)]
        if d.kind in ("cancel", "no_show"):
            if d.course_id is None or d.session is None:
                raise InvalidInputError(
                    f"{d.kind} needs a course id and a session number",
                    field="course_id",
                )
            ci = self.course_index.get(d.course_id)
            if ci is None:
                raise UnknownIdError(
                    f"course_id: unknown course {d.course_id!r}", field="course_id"
                )
            chain = self.plan[ci]
            if not 1 <= d.session <= len(chain):
                raise InvalidInputError(
                    f"session: course {d.course_id} has no booked session {d.session}",
                    field="session",
                )
            if chain[d.session - 1].fixed:
                raise InvalidInputError(
                    f"session: session {d.session} of {d.course_id} is fixed (booked or done) in the "
                    "instance; update the instance to change it",
                    field="session",
                )
            return [(ci, d.session - 1)]
        if d.clinician_id is None or d.day is None:
            raise InvalidInputError(
                "absence needs a clinician id and a day", field="clinician_id"
            )
        k = grid.clinician_index.get(d.clinician_id)
        if k is None:
            raise UnknownIdError(
                f"clinician_id: unknown clinician {d.clinician_id!r}",
                field="clinician_id",
            )
        day = self._day_of(d.day)
        hits = []
        for ci, chain in enumerate(self.plan):
            for j, p in enumerate(chain):
                if p.day == day and p.clinician == k:
                    hits.append((ci, j))
        return hits

    def apply(
        self, d: Disruption, *, commit: bool = True, allow_other_moves: bool = False
    ) -> RebookResult:
        """Repair the courses `d` affects. With commit=False the state is restored afterwards.

        By default no other patient moves: a course that cannot be repaired is left unchanged,
        listed in `failed`, and (when one exists) gets a `Proposal` that moves one other patient,
        computed but not committed. With `allow_other_moves` (what `accept` uses) such a repair
        is committed: the course takes the day of one other (not fixed) course's session, which
        is re-chained itself; `other_patients_moved` counts such patients.
        """
        started = time.perf_counter()
        grid = self.grid
        hits = self._affected(d)
        saved = {ci: self.plan[ci] for ci, _ in hits}
        absence = None
        if d.kind == "absence":
            assert d.clinician_id is not None
            assert d.day is not None
            absence = (grid.clinician_index[d.clinician_id], self._day_of(d.day))
        saved_clin_day = (
            None if absence is None else self.occ.clin[absence[0]][absence[1]]
        )
        # Release the affected sessions and everything after them in their course.
        for ci, j in hits:
            for p in self.plan[ci][j:]:
                if not p.fixed:
                    self.occ.unbook(p)
        if absence is not None:
            self.occ.block_clinician_day(*absence)
        failed: list[str] = []
        proposals: list[Proposal] = []
        new: dict[int, tuple[Placement, ...]] = {}
        others_moved = 0
        affected = {ci for ci, _ in hits}
        for ci, j in hits:
            course = grid.courses[ci]
            old = self.plan[ci]
            if old[j].fixed:
                failed.append(course.id)  # a fixed session on an absent clinician's day
                for p in old[j:]:
                    if not p.fixed:
                        self.occ.book(p)
                new[ci] = old
                continue
            prefix = old[:j]
            chain = None
            if d.kind == "withdraw":
                new[ci] = prefix  # deliberately freed: reported as moves with no target
                continue
            if d.kind == "absence":
                chain = self._same_day(ci, old, j)
            if chain is None:
                forbid: list[int] = []
                min_day = 0
                if d.kind == "cancel":
                    forbid = [old[j].day]
                elif d.kind == "no_show":
                    min_day = old[j].day + 1
                found = best_chain(
                    grid, self.occ, course, prefix, min_day=min_day, forbid_days=forbid
                )
                chain = None if found is None else found.chain
                if chain is None and allow_other_moves:
                    ejected = self._eject(ci, prefix, min_day, forbid, affected)
                    if ejected is not None:
                        chain, (vi, v_old, v_new) = ejected
                        saved[vi] = v_old
                        new[vi] = v_new
                        affected.add(vi)
                        others_moved += 1
                elif chain is None:
                    proposal = self._propose(d, ci, prefix, min_day, forbid, affected)
                    if proposal is not None:
                        proposals.append(proposal)
            if chain is None:
                failed.append(course.id)
                chain = old  # left exactly as it was: nothing is committed or released
            for p in chain[j:]:
                if not p.fixed:
                    self.occ.book(p)
            new[ci] = chain
        moved: list[Move] = []
        for ci, chain in new.items():
            moved += self._moves(ci, saved[ci], chain)
            self.plan[ci] = chain
        before = sum(course_cost(grid, grid.courses[ci], saved[ci]) for ci in saved)
        after = sum(course_cost(grid, grid.courses[ci], self.plan[ci]) for ci in saved)
        result = RebookResult(
            moved=moved,
            failed=failed,
            other_patients_moved=others_moved,
            objective_before=self.total,
            objective_after=self.total - before + after,
            seconds=time.perf_counter() - started,
            affected_courses=[grid.courses[ci].id for ci in saved],
            proposals=proposals,
        )
        if commit:
            self.total = result.objective_after
            if absence is not None:
                self.blocked.add(absence)
        else:
            for chain in new.values():
                for p in chain:
                    if not p.fixed:
                        self.occ.unbook(p)
            if absence is not None and saved_clin_day is not None:
                self.occ.set_clinician_day(absence[0], absence[1], saved_clin_day)
            for ci, chain in saved.items():
                for p in chain:
                    if not p.fixed:
                        self.occ.book(p)
                self.plan[ci] = chain
        return result

    def accept(self, proposal: Proposal) -> RebookResult:
        """Commit a proposal: repair its disruption allowing one other patient to move per course."""
        return self.apply(proposal.disruption, allow_other_moves=True)

    def _propose(
        self,
        d: Disruption,
        ci: int,
        prefix: tuple[Placement, ...],
        min_day: int,
        forbid: list[int],
        affected: set[int],
    ) -> Proposal | None:
        """The allow-moves repair of course `ci`, computed and then undone (occ is unchanged)."""
        grid = self.grid
        ejected = self._eject(ci, prefix, min_day, forbid, affected)
        if ejected is None:
            return None
        chain, (vi, v_old, v_new) = ejected
        old = self.plan[ci]
        moves = self._moves(ci, old, chain) + self._moves(vi, v_old, v_new)
        courses = grid.courses
        delta = (
            course_cost(grid, courses[ci], chain)
            - course_cost(grid, courses[ci], old)
            + course_cost(grid, courses[vi], v_new)
            - course_cost(grid, courses[vi], v_old)
        )
        for p in chain[len(prefix) :]:
            self.occ.unbook(p)
        for p in v_new:
            if not p.fixed:
                self.occ.unbook(p)
        for p in v_old:
            if not p.fixed:
                self.occ.book(p)
        return Proposal(courses[ci].id, d, moves, 1, self.total + delta)

    def _eject(
        self,
        ci: int,
        prefix: tuple[Placement, ...],
        min_day: int,
        forbid: list[int],
        affected: set[int],
        limit: int = 25,
    ) -> (
        tuple[
            tuple[Placement, ...],
            tuple[int, tuple[Placement, ...], tuple[Placement, ...]],
        ]
        | None
    ):
        """Free the day of one other course's session for `ci`, then re-chain that course.

        Both placements are booked in `occ` on success; on failure `occ` is unchanged.
        """
        grid = self.grid
        course = grid.courses[ci]
        if prefix:
            lo, hi = prefix[-1].day + grid.gap_min, prefix[-1].day + grid.gap_max
        else:
            lo = max(course.release, 0)
            hi = lo + grid.gap_max
        lo = max(lo, min_day)
        hi = min(hi, grid.horizon - 1)
        banned = set(forbid)
        victims: list[tuple[int, int, int]] = []
        for vi, chain in enumerate(self.plan):
            if vi in affected:
                continue
            for jv, p in enumerate(chain):
                if not p.fixed and lo <= p.day <= hi and p.day not in banned:
                    if grid.patient_mask(course, p.day):
                        victims.append((p.day - lo, vi, jv))
                    break
        victims.sort()
        for _, vi, jv in victims[:limit]:
            v_course = grid.courses[vi]
            v_old = self.plan[vi]
            for p in v_old[jv:]:
                self.occ.unbook(p)
            found = best_chain(
                grid, self.occ, course, prefix, min_day=min_day, forbid_days=forbid
            )
            if found is not None:
                added = found.chain[len(prefix) :]  # the prefix stays booked throughout
                for p in added:
                    self.occ.book(p)
                again = best_chain(
                    grid, self.occ, v_course, v_old[:jv], min_day=v_old[jv].day
                )
                if again is not None:
                    for p in again.chain[jv:]:
                        self.occ.book(p)
                    return found.chain, (vi, v_old, again.chain)
                for p in added:
                    self.occ.unbook(p)
            for p in v_old[jv:]:
                self.occ.book(p)
        return None

    def _same_day(
        self, ci: int, old: tuple[Placement, ...], j: int
    ) -> tuple[Placement, ...] | None:
        """Keep the day: another clinician at the cheapest time that day, the chain unchanged."""
        grid = self.grid
        course = grid.courses[ci]
        p = old[j]
        options = self.occ.options(course, p.day, j + 1)
        if not options:
            return None
        best: tuple[int, tuple[Placement, ...]] | None = None
        for k, mask in options:
            for t in _nearest_bits(mask, p.start, 3):
                q = self.occ.place(p.day, t, k, p.proc)
                chain = (*old[:j], q, *old[j + 1 :])
                cost = course_cost(grid, course, chain)
                if best is None or cost < best[0]:
                    best = (cost, chain)
        return None if best is None else best[1]

    def _moves(
        self, ci: int, old: tuple[Placement, ...], new: tuple[Placement, ...]
    ) -> list[Move]:
        grid = self.grid
        course = grid.courses[ci]
        out = []
        for j in range(max(len(old), len(new))):
            a = old[j] if j < len(old) else None
            b = new[j] if j < len(new) else None
            if a == b:
                continue
            out.append(
                Move(
                    course.id,
                    course.patient_id,
                    j + 1,
                    None if a is None else self._start(a),
                    None if a is None else grid.instance.clinicians[a.clinician].id,
                    None if b is None else self._start(b),
                    None if b is None else grid.instance.clinicians[b.clinician].id,
                )
            )
        return out

    def _start(self, p: Placement) -> datetime:
        return local_datetime(
            self.grid.days[p.day], p.start * self.grid.grid_minutes, self.grid.zone
        )


def _nearest_bits(mask: int, target: int, n: int) -> list[int]:
    out = []
    m = mask
    for _ in range(n):
        if not m:
            break
        high = m >> target
        low = m & ((1 << target) - 1)
        up = target + (high & -high).bit_length() - 1 if high else None
        down = low.bit_length() - 1 if low else None
        if up is None or (down is not None and target - down <= up - target):
            assert down is not None
            out.append(down)
            m &= ~(1 << down)
        else:
            out.append(up)
            m &= ~(1 << up)
    return out


def rebook(
    instance: Instance,
    schedule: Schedule,
    disruption: Disruption,
    *,
    allow_other_moves: bool = False,
) -> tuple[Schedule, RebookResult]:
    """One-shot repair (the CLI's path): returns the repaired schedule and what moved."""
    rebooker = Rebooker(instance, schedule)
    result = rebooker.apply(disruption, allow_other_moves=allow_other_moves)
    return rebooker.schedule(), result
