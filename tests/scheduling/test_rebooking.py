from __future__ import annotations

import random

import pytest

from prolo.domain.errors import InvalidInputError, UnknownIdError
from prolo.scheduling import (
    Disruption,
    GeneratorConfig,
    Rebooker,
    SolverConfig,
    generate,
    rebook,
    solve,
    validate,
)


@pytest.fixture(scope="module")
def solved():  # type: ignore[no-untyped-def]
    instance = generate(
        GeneratorConfig(
            patients=80,
            clinicians=2,
            rooms=2,
            recovery=3,
            weeks=26,
            seed=21,
            fixed_fraction=0.1,
        )
    )
    return instance, solve(instance, SolverConfig(time_limit=1.0, max_iterations=20))


def others(schedule, course_ids):  # type: ignore[no-untyped-def]
    return sorted(
        (
            s.course_id,
            s.session,
            s.procedure_start,
            s.clinician_id,
            s.room_id,
            s.recovery_place_id,
        )
        for s in schedule.sessions
        if s.course_id not in course_ids
    )


def test_random_cancellations_repair_only_the_affected_course(solved) -> None:  # type: ignore[no-untyped-def]
    instance, schedule = solved
    rng = random.Random(3)
    movable = [s for s in schedule.sessions if not s.fixed]
    for target in rng.sample(movable, 15):
        repaired, result = rebook(
            instance,
            schedule,
            Disruption("cancel", course_id=target.course_id, session=target.session),
        )
        assert validate(instance, repaired) == []
        assert result.other_patients_moved == 0
        assert others(repaired, {target.course_id}) == others(
            schedule, {target.course_id}
        )
        kept = [
            s
            for s in repaired.sessions
            if s.course_id == target.course_id and s.session < target.session
        ]
        before = [
            s
            for s in schedule.sessions
            if s.course_id == target.course_id and s.session < target.session
        ]
        assert kept == before
        if target.course_id not in result.failed:
            new = next(
                s
                for s in repaired.sessions
                if s.course_id == target.course_id and s.session == target.session
            )
            assert (
                new.procedure_start.date() != target.procedure_start.date()
            )  # the cancelled day is not reused


def test_fixed_sessions_never_move(solved) -> None:  # type: ignore[no-untyped-def]
    instance, schedule = solved
    fixed_before = sorted(
        (s.course_id, s.session, s.procedure_start)
        for s in schedule.sessions
        if s.fixed
    )
    assert fixed_before
    day = min(s.procedure_start for s in schedule.sessions if s.fixed).date()
    clinician = next(
        s.clinician_id for s in schedule.sessions if s.procedure_start.date() == day
    )
    repaired, _ = rebook(
        instance, schedule, Disruption("absence", clinician_id=clinician, day=day)
    )
    assert (
        sorted(
            (s.course_id, s.session, s.procedure_start)
            for s in repaired.sessions
            if s.fixed
        )
        == fixed_before
    )


def test_an_absent_clinician_has_no_sessions_that_day(solved) -> None:  # type: ignore[no-untyped-def]
    instance, schedule = solved
    busy = [s for s in schedule.sessions if not s.fixed]
    target = busy[len(busy) // 2]
    day = target.procedure_start.date()
    repaired, result = rebook(
        instance,
        schedule,
        Disruption("absence", clinician_id=target.clinician_id, day=day),
    )
    assert validate(instance, repaired) == []
    # Only a course that could not be repaired keeps its session there (left for a decision).
    assert {
        s.course_id
        for s in repaired.sessions
        if s.clinician_id == target.clinician_id
        and s.procedure_start.date() == day
        and not s.fixed
    } <= set(result.failed)
    assert others(repaired, set(result.affected_courses)) == others(
        schedule, set(result.affected_courses)
    )


def test_a_no_show_is_rebooked_after_the_missed_day(solved) -> None:  # type: ignore[no-untyped-def]
    instance, schedule = solved
    target = next(s for s in schedule.sessions if not s.fixed and s.session == 2)
    repaired, result = rebook(
        instance, schedule, Disruption("no_show", course_id=target.course_id, session=2)
    )
    assert validate(instance, repaired) == []
    if target.course_id not in result.failed:
        new = next(
            s
            for s in repaired.sessions
            if s.course_id == target.course_id and s.session == 2
        )
        assert new.procedure_start > target.procedure_start


def test_a_trial_repair_leaves_the_plan_unchanged(solved) -> None:  # type: ignore[no-untyped-def]
    instance, schedule = solved
    rebooker = Rebooker(instance, schedule)
    before = rebooker.schedule().sessions
    target = next(s for s in schedule.sessions if not s.fixed)
    rebooker.apply(
        Disruption("cancel", course_id=target.course_id, session=target.session),
        commit=False,
    )
    busy = next(s for s in schedule.sessions if not s.fixed and s.session == 1)
    rebooker.apply(
        Disruption(
            "absence", clinician_id=busy.clinician_id, day=busy.procedure_start.date()
        ),
        commit=False,
    )
    assert rebooker.schedule().sessions == before


def test_bad_disruptions_name_the_problem(solved) -> None:  # type: ignore[no-untyped-def]
    instance, schedule = solved
    with pytest.raises(UnknownIdError, match="course"):
        rebook(instance, schedule, Disruption("cancel", course_id="nope", session=1))
    fixed = next(s for s in schedule.sessions if s.fixed)
    with pytest.raises(InvalidInputError, match="fixed"):
        rebook(
            instance,
            schedule,
            Disruption("cancel", course_id=fixed.course_id, session=fixed.session),
        )
    with pytest.raises(UnknownIdError, match="clinician"):
        rebook(
            instance,
            schedule,
            Disruption("absence", clinician_id="K99", day=instance.horizon.start),
        )


def test_a_course_that_needs_someone_else_to_move_is_left_unchanged_with_a_proposal() -> (
    None
):
    instance = generate(
        GeneratorConfig(
            patients=150, clinicians=1, rooms=1, recovery=2, weeks=30, seed=8, load=1.2
        )
    )
    schedule = solve(instance, SolverConfig(time_limit=1.0, max_iterations=20))
    movable = [s for s in schedule.sessions if not s.fixed and s.session > 1]
    accepted = 0
    for target in random.Random(5).sample(movable, 40):
        d = Disruption("cancel", course_id=target.course_id, session=target.session)
        unchanged, strict = rebook(instance, schedule, d)
        if not strict.failed:
            continue
        # Nothing of the failed course is committed or released: the plan is as it was.
        assert strict.failed == [target.course_id]
        assert strict.moved == []
        assert unchanged.sessions == schedule.sessions
        assert strict.other_patients_moved == 0
        repaired, loose = rebook(instance, schedule, d, allow_other_moves=True)
        assert validate(instance, repaired) == []
        if loose.failed:
            assert strict.proposal is None
            continue
        # The proposal is exactly the repair that --allow-moves commits.
        proposal = strict.proposal
        assert proposal is not None
        assert proposal.course_id == target.course_id
        assert proposal.other_patients_moved == loose.other_patients_moved == 1
        assert sorted(proposal.moves, key=repr) == sorted(loose.moved, key=repr)
        assert proposal.objective_after == loose.objective_after
        rebooker = Rebooker(instance, schedule)
        assert rebooker.accept(proposal).moved == loose.moved
        assert rebooker.schedule().sessions == repaired.sessions
        moved_courses = {m.course_id for m in loose.moved} - {target.course_id}
        assert len(moved_courses) == 1
        assert others(repaired, moved_courses | {target.course_id}) == others(
            schedule, moved_courses | {target.course_id}
        )
        accepted += 1
    assert accepted > 0


def test_a_withdrawn_course_frees_its_planned_sessions(solved) -> None:  # type: ignore[no-untyped-def]
    instance, schedule = solved
    target = next(s for s in schedule.sessions if not s.fixed and s.session == 1)
    freed, result = rebook(
        instance, schedule, Disruption("withdraw", course_id=target.course_id)
    )
    assert validate(instance, freed) == []
    assert target.course_id in freed.unscheduled
    assert {m.to_start for m in result.moved} == {None}
    assert others(freed, {target.course_id}) == others(schedule, {target.course_id})
