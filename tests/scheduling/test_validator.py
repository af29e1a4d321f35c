"""One test per hard rule: a schedule that keeps it passes, one that breaks it is named."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from prolo.scheduling import (
    Instance,
    Schedule,
    ScheduledSession,
    greedy,
    load_instance,
    score,
    validate,
)

ZONE = ZoneInfo("Europe/Istanbul")
MONDAY = date(2026, 1, 5)


def at(day: int, clock: str) -> datetime:
    hh, mm = clock.split(":")
    return datetime.combine(
        MONDAY + timedelta(days=day), datetime.min.time(), tzinfo=ZONE
    ) + timedelta(hours=int(hh), minutes=int(mm))


def row(
    n: int,
    day: int,
    clock: str = "09:00",
    *,
    course: str = "C1",
    patient: str = "P1",
    clinician: str = "K1",
    room: str = "R1",
    bed: str = "B1",
    proc: int | None = None,
    rec: int = 15,
    rec_gap: int = 0,
) -> ScheduledSession:
    start = at(day, clock)
    proc_minutes = proc if proc is not None else (45 if n == 1 else 30)
    end = start + timedelta(minutes=proc_minutes)
    rs = end + timedelta(minutes=rec_gap)
    return ScheduledSession(
        course_id=course,
        patient_id=patient,
        session=n,
        clinician_id=clinician,
        room_id=room,
        recovery_place_id=bed,
        procedure_start=start,
        procedure_end=end,
        recovery_start=rs,
        recovery_end=rs + timedelta(minutes=rec),
    )


def chain(
    days: tuple[int, ...] = (0, 14, 28, 42), clock: str = "09:00", **kw: Any
) -> list[ScheduledSession]:
    return [row(i + 1, d, clock, **kw) for i, d in enumerate(days)]


def sched(instance: Instance, sessions: list[ScheduledSession], **kw: Any) -> Schedule:
    """A schedule whose summary fields are consistent with its sessions (unless overridden)."""
    draft = Schedule(
        method="hand",
        objective=0,
        courses_scheduled=0,
        courses_total=len(instance.courses),
        sessions=sessions,
    )
    counts: dict[str, set[int]] = {}
    for s in sessions:
        counts.setdefault(s.course_id, set()).add(s.session)
    complete = [
        c.id
        for c in instance.courses
        if counts.get(c.id, set()) == set(range(1, c.sessions + 1))
    ]
    objective, terms = score(instance, draft)
    fields: dict[str, Any] = {
        "objective": objective,
        "terms": terms,
        "courses_scheduled": len(complete),
        "unscheduled": [c.id for c in instance.courses if c.id not in complete],
    }
    fields.update(kw)
    return draft.model_copy(update=fields)


def rules(instance: Instance, sessions: list[ScheduledSession], **kw: Any) -> set[str]:
    return {v.rule for v in validate(instance, sched(instance, sessions, **kw))}


TinyData = Callable[..., dict[str, Any]]


def build(data: dict[str, Any]) -> Instance:
    return load_instance(json.dumps(data))


def two_courses(data: dict[str, Any]) -> dict[str, Any]:
    second = dict(data["courses"][0], id="C2", patient_id="P2")
    data["courses"] = [data["courses"][0], second]
    return data


class TestGap:
    def test_gaps_inside_the_bounds_pass(self, tiny_data: TinyData) -> None:
        assert rules(build(tiny_data()), chain((0, 14, 35, 49))) == set()

    def test_a_gap_below_the_minimum_is_named(self, tiny_data: TinyData) -> None:
        assert "gap" in rules(build(tiny_data()), chain((0, 13, 27, 41)))

    def test_a_gap_above_the_maximum_is_named(self, tiny_data: TinyData) -> None:
        assert "gap" in rules(build(tiny_data()), chain((0, 22, 36, 50)))

    def test_the_clinics_own_bounds_apply(self, tiny_data: TinyData) -> None:
        data = tiny_data()
        data["clinic"]["course"]["max_gap_days"] = 15
        assert "gap" in rules(build(data), chain((0, 14, 30, 44)))


class TestOpeningHours:
    def test_a_session_ending_at_closing_time_passes(self, tiny_data: TinyData) -> None:
        assert (
            rules(
                build(tiny_data()), chain(clock="11:00")[:1] + chain(clock="11:15")[1:]
            )
            == set()
        )

    def test_a_session_running_past_closing_is_named(self, tiny_data: TinyData) -> None:
        assert "opening_hours" in rules(build(tiny_data()), chain(clock="11:30"))

    def test_a_holiday_is_named(self, tiny_data: TinyData) -> None:
        data = tiny_data()
        data["clinic"]["holidays"] = [(MONDAY + timedelta(days=14)).isoformat()]
        assert "opening_hours" in rules(build(data), chain())


class TestRoster:
    def test_inside_the_roster_passes(self, tiny_data: TinyData) -> None:
        data = tiny_data()
        data["clinicians"][0]["roster"] = {
            d: [{"start": "08:00", "end": "10:00"}]
            for d in ("mon", "tue", "wed", "thu", "fri")
        }
        assert rules(build(data), chain()) == set()

    def test_outside_the_roster_is_named(self, tiny_data: TinyData) -> None:
        data = tiny_data()
        data["clinicians"][0]["roster"] = {
            d: [{"start": "08:00", "end": "10:00"}]
            for d in ("mon", "tue", "wed", "thu", "fri")
        }
        assert "roster" in rules(build(data), chain(clock="10:00"))

    def test_leave_is_named(self, tiny_data: TinyData) -> None:
        data = tiny_data()
        data["clinicians"][0]["leave"] = [(MONDAY + timedelta(days=28)).isoformat()]
        assert "roster" in rules(build(data), chain())


class TestRoomClosed:
    def test_a_closed_room_is_named(self, tiny_data: TinyData) -> None:
        data = tiny_data()
        data["rooms"][0]["closed"] = [MONDAY.isoformat()]
        assert "room_closed" in rules(build(data), chain())

    def test_an_open_room_passes(self, tiny_data: TinyData) -> None:
        data = tiny_data()
        data["rooms"][0]["closed"] = [(MONDAY + timedelta(days=1)).isoformat()]
        assert rules(build(data), chain()) == set()


class TestAvailability:
    def test_a_day_the_patient_cannot_come_is_named(self, tiny_data: TinyData) -> None:
        data = tiny_data()
        data["courses"][0]["availability"] = {
            "mon": [{"start": "08:00", "end": "12:00"}]
        }
        assert rules(build(data), chain()) == set()
        assert "availability" in rules(build(data), chain((1, 15, 29, 43)))

    def test_before_the_earliest_start_is_named(self, tiny_data: TinyData) -> None:
        data = tiny_data()
        data["courses"][0]["earliest_start"] = (MONDAY + timedelta(days=1)).isoformat()
        assert "availability" in rules(build(data), chain())
        assert rules(build(data), chain((1, 15, 29, 43))) == set()


class TestDurations:
    def test_the_first_session_needs_its_longer_block(
        self, tiny_data: TinyData
    ) -> None:
        sessions = chain()
        sessions[0] = row(1, 0, proc=30)
        assert "duration" in rules(build(tiny_data()), sessions)

    def test_recovery_inside_its_bounds_passes(self, tiny_data: TinyData) -> None:
        assert rules(build(tiny_data()), chain(rec=10)) == set()

    def test_recovery_outside_its_bounds_is_named(self, tiny_data: TinyData) -> None:
        assert "duration" in rules(build(tiny_data()), chain(rec=20))

    def test_recovery_must_start_when_the_procedure_ends(
        self, tiny_data: TinyData
    ) -> None:
        assert "recovery_start" in rules(build(tiny_data()), chain(rec_gap=5))


class TestOverlap:
    @pytest.mark.parametrize(
        ("resources", "second"),
        [
            (
                {
                    "rooms": [{"id": "R1"}, {"id": "R2"}],
                    "recovery_places": [{"id": "B1"}, {"id": "B2"}],
                },
                {"room": "R2", "bed": "B2"},
            ),
            (
                {"clinicians": "two", "recovery_places": [{"id": "B1"}, {"id": "B2"}]},
                {"clinician": "K2", "bed": "B2"},
            ),
            (
                {"clinicians": "two", "rooms": [{"id": "R1"}, {"id": "R2"}]},
                {"clinician": "K2", "room": "R2"},
            ),
        ],
        ids=["clinician", "room", "recovery place"],
    )
    def test_a_shared_resource_at_the_same_time_is_named(
        self, tiny_data: TinyData, resources: dict[str, Any], second: dict[str, str]
    ) -> None:
        data = two_courses(tiny_data())
        if resources.pop("clinicians", None):
            data["clinicians"] = [
                data["clinicians"][0],
                dict(data["clinicians"][0], id="K2"),
            ]
        data.update(resources)
        instance = build(data)
        first = chain()
        clash = chain(course="C2", patient="P2", **second)
        assert "overlap" in rules(instance, first + clash)
        apart = chain(clock="10:30", course="C2", patient="P2", **second)
        assert rules(instance, first + apart) == set()


class TestWholeCourse:
    def test_a_partly_booked_course_is_named(self, tiny_data: TinyData) -> None:
        assert "whole_course" in rules(build(tiny_data()), chain()[:3])

    def test_an_unbooked_course_is_allowed_and_listed(
        self, tiny_data: TinyData
    ) -> None:
        instance = build(tiny_data())
        assert rules(instance, []) == set()
        assert sched(instance, []).unscheduled == ["C1"]


class TestFixed:
    def fixed_data(self, tiny_data: TinyData) -> dict[str, Any]:
        data = tiny_data()
        data["courses"][0]["fixed"] = [
            {
                "session": 1,
                "status": "done",
                "clinician_id": "K1",
                "room_id": "R1",
                "recovery_place_id": "B1",
                "procedure_start": at(0, "09:00").isoformat(),
                "recovery_minutes": 15,
            }
        ]
        return data

    def test_a_kept_fixed_session_passes(self, tiny_data: TinyData) -> None:
        assert rules(build(self.fixed_data(tiny_data)), chain()) == set()

    def test_a_moved_fixed_session_is_named(self, tiny_data: TinyData) -> None:
        assert "fixed" in rules(build(self.fixed_data(tiny_data)), chain(clock="09:30"))

    def test_a_missing_fixed_session_is_named(self, tiny_data: TinyData) -> None:
        assert "fixed" in rules(build(self.fixed_data(tiny_data)), [])


class TestOtherRules:
    def test_outside_the_horizon_is_named(self, tiny_data: TinyData) -> None:
        assert "horizon" in rules(build(tiny_data()), chain((42, 56, 70, 84)))

    def test_off_the_grid_is_named(self, tiny_data: TinyData) -> None:
        assert "datetime" in rules(build(tiny_data()), chain(clock="09:03"))

    def test_an_unknown_clinician_is_named(self, tiny_data: TinyData) -> None:
        assert "reference" in rules(build(tiny_data()), chain(clinician="K7"))

    def test_a_wrong_objective_is_named(self, tiny_data: TinyData) -> None:
        instance = build(tiny_data())
        assert "objective" in rules(instance, chain(), objective=1)

    def test_a_wrong_summary_is_named(self, tiny_data: TinyData) -> None:
        assert "summary" in rules(build(tiny_data()), chain(), courses_scheduled=0)


def test_a_schedule_across_a_dst_change_is_valid_and_keeps_local_times(
    tiny_data: TinyData,
) -> None:
    data = tiny_data()
    data["clinic"]["timezone"] = "Europe/Berlin"
    data["horizon"] = {"start": "2026-03-16", "days": 84}
    data["courses"][0]["earliest_start"] = "2026-03-16"
    instance = build(data)
    schedule = greedy(instance)
    assert validate(instance, schedule) == []
    offsets = {s.procedure_start.utcoffset() for s in schedule.sessions}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}
    assert {s.procedure_start.strftime("%H:%M") for s in schedule.sessions} == {
        "08:00"
    }  # first free time
