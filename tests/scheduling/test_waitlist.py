from __future__ import annotations

import json
from datetime import timedelta

from prolo.scheduling import (
    Disruption,
    Rebooker,
    greedy,
    load_instance,
    validate,
    waitlist_offers,
)


def test_a_freed_slot_is_offered_to_the_waiting_patient(tiny_data) -> None:  # type: ignore[no-untyped-def]
    data = tiny_data()
    week = {
        d: [{"start": "08:00", "end": "09:00"}]
        for d in ("mon", "tue", "wed", "thu", "fri")
    }
    data["clinic"]["opening_hours"] = week
    data["clinicians"][0]["roster"] = week
    data["courses"][0]["availability"] = week
    data["courses"][0]["preferred_time"] = None
    data["horizon"]["days"] = 43
    # Two patients who can only come on Mondays: the second cannot get a chain in 43 days.
    data["courses"][0]["availability"] = {"mon": [{"start": "08:00", "end": "09:00"}]}
    data["courses"].append(dict(data["courses"][0], id="C2", patient_id="P2"))
    instance = load_instance(json.dumps(data))
    schedule = greedy(instance)
    assert schedule.unscheduled == ["C2"]
    rebooker = Rebooker(instance, schedule)
    freed = next(s for s in schedule.sessions if s.course_id == "C1" and s.session == 1)
    # C1 cancels session 1 and cannot be rebooked in the horizon: C1 is left as it was.
    result = rebooker.apply(Disruption("cancel", course_id="C1", session=1))
    assert result.failed == ["C1"]
    assert result.proposals == []  # nobody else could make room either
    assert waitlist_offers(rebooker, "K1", freed.procedure_start) == []
    # The patient then stops the course: its sessions are freed on purpose.
    result = rebooker.apply(Disruption("withdraw", course_id="C1"))
    assert result.failed == []
    assert {m.to_start for m in result.moved} == {None}
    offers = waitlist_offers(rebooker, "K1", freed.procedure_start, exclude=["C1"])
    assert [o.course_id for o in offers][:1] == ["C2"]
    assert offers[0].gain > 0
    assert offers[0].first_session == freed.procedure_start
    assert validate(instance, rebooker.schedule()) == []


def test_no_offer_for_a_slot_nobody_can_take(tiny_instance) -> None:  # type: ignore[no-untyped-def]
    instance = tiny_instance()
    schedule = greedy(instance)
    rebooker = Rebooker(instance, schedule)
    late = schedule.sessions[-1].procedure_start + timedelta(days=1)
    assert waitlist_offers(rebooker, "K1", late) == []
