"""Waitlist fill: when a slot frees up, offer it to the best waiting patient.

A freed slot is a clinician and a local start time. Candidates are the courses not yet scheduled and
the courses whose (movable) first session is planned later than the slot. For each, session 1 must
fit exactly at the slot (its patient's availability, a free room and recovery place) and the rest of
the course must chain after it (the exact chain search), with every other booking fixed. Offers are
ranked by how much they lower the objective (an unscheduled course gains its penalty).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from prolo.domain.errors import InvalidInputError, UnknownIdError
from prolo.scheduling.chain import best_chain
from prolo.scheduling.rebooking import Rebooker
from prolo.scheduling.timegrid import course_cost


@dataclass(frozen=True)
class Offer:
    course_id: str
    patient_id: str
    gain: int
    was_scheduled: bool
    first_session: datetime

    def as_dict(self) -> dict[str, object]:
        return {
            "course_id": self.course_id,
            "patient_id": self.patient_id,
            "gain": self.gain,
            "was_scheduled": self.was_scheduled,
            "first_session": self.first_session.isoformat(),
        }


def waitlist_offers(
    rebooker: Rebooker,
    clinician_id: str,
    start: datetime,
    limit: int = 5,
    exclude: Iterable[str] = (),
) -> list[Offer]:
    """The best `limit` courses to offer the freed slot to (none move anyone else).

    `exclude` names courses not to offer it to (e.g. the patient who just cancelled it).
    """
    skip = set(exclude)
    grid = rebooker.grid
    occ = rebooker.occ
    k = grid.clinician_index.get(clinician_id)
    if k is None:
        raise UnknownIdError(
            f"clinician_id: unknown clinician {clinician_id!r}", field="clinician_id"
        )
    if start.tzinfo is None:
        raise InvalidInputError("start: must carry a UTC offset", field="start")
    local = start.astimezone(grid.zone)
    day = (local.date() - grid.days[0]).days
    if not 0 <= day < grid.horizon:
        raise InvalidInputError("start: outside the horizon", field="start")
    t = (local.hour * 60 + local.minute) // grid.grid_minutes
    offers: list[Offer] = []
    for course in grid.courses:
        chain = rebooker.plan[course.index]
        if course.fixed or course.release > day or course.id in skip:
            continue
        scheduled = len(chain) == course.sessions
        if scheduled and chain[0].day <= day:
            continue
        old_cost = course_cost(grid, course, chain)
        for p in chain:
            occ.unbook(p)
        try:
            fits = any(
                kk == k and (mask >> t) & 1 for kk, mask in occ.options(course, day, 1)
            )
            if not fits:
                continue
            first = occ.place(day, t, k, grid.proc_first)
            occ.book(first)
            found = best_chain(grid, occ, course, (first,))
            occ.unbook(first)
            if found is None:
                continue
            gain = old_cost - found.cost
            if gain > 0:
                offers.append(
                    Offer(course.id, course.patient_id, gain, scheduled, local)
                )
        finally:
            for p in chain:
                occ.book(p)
    offers.sort(key=lambda o: (-o.gain, o.course_id))
    return offers[:limit]
