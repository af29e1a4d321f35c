"""Questionnaires: answers scored at once by the instrument's published rules
(`prolo.domain.instruments`), stored with their scores; what is due when, by the clinic's
questionnaire schedule."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from prolo.domain.catalog import load_catalog
from prolo.domain.course import CourseAdvice
from prolo.domain.instruments import get_instrument
from prolo.domain.instruments.schedule import (
    DueQuestionnaire,
    Timepoint,
    TimepointKind,
    due_on,
    due_questionnaires,
)
from prolo.domain.outcomes import (
    CourseOutcome,
    Observation,
    assess_course,
    course_advice,
)
from prolo.services import clinic as clinic_service
from prolo.services.context import Actor, audit, authorize, require_own
from prolo.services.courses import active, clinic_zone, local_date, require_course
from prolo.services.errors import InvalidInputError, NotFoundError, use_case
from prolo.services.patients import require_patient
from prolo.services.permissions import Permission
from prolo.store.records import (
    AppointmentStatus,
    Course,
    CourseStatus,
    Page,
    QuestionnaireResponse,
)
from prolo.store.unit_of_work import UnitOfWork

_TIMEPOINT = re.compile(r"^(baseline|session-([1-9][0-9]?)|follow-up-([1-9][0-9]?)m)$")


def parse_timepoint(key: str) -> int | None:
    """Validate a timepoint key (baseline, session-3, follow-up-6m); return its session number."""
    match = _TIMEPOINT.match(key)
    if match is None:
        raise InvalidInputError(
            f"timepoint must be baseline, session-N or follow-up-Mm, got {key!r}",
            field="timepoint",
        )
    return int(match.group(2)) if match.group(2) else None


@use_case
def submit(
    uow: UnitOfWork,
    actor: Actor,
    *,
    patient_id: uuid.UUID,
    instrument_id: str,
    answers: Sequence[float | None],
    timepoint: str,
    course_id: uuid.UUID | None = None,
) -> QuestionnaireResponse:
    """Score and store one completed questionnaire (a patient: their own)."""
    authorize(actor, Permission.questionnaire_answer, patient_id=patient_id)
    require_patient(uow, actor, patient_id)
    session_number = parse_timepoint(timepoint)
    appointment_id = None
    if course_id is not None:
        course = require_course(
            uow, actor, course_id, permission=Permission.questionnaire_answer
        )
        if course.patient_id != patient_id:
            raise NotFoundError(
                f"no course {course_id} for this patient", field="course_id"
            )
        if session_number is not None:
            match = [
                a
                for a in active(uow.appointments.for_course(course.id))
                if a.session_number == session_number
            ]
            appointment_id = match[0].id if match else None
    instrument = get_instrument(instrument_id)
    result = instrument.score(list(answers))
    response = uow.answers.add(
        patient_id=patient_id,
        course_id=course_id,
        appointment_id=appointment_id,
        instrument_id=instrument.id,
        timepoint=timepoint,
        session_number=session_number,
        answers=list(answers),
        score=result.score,
        subscales=dict(result.subscales),
        completed_at=uow.now(),
        entered_by=actor.user_id,
    )
    audit(
        uow,
        actor,
        "questionnaire.submit",
        resource_type="questionnaire_response",
        resource_id=response.id,
        patient_id=patient_id,
        detail={"instrument": instrument.id, "timepoint": timepoint},
    )
    return response


@use_case
def list_responses(
    uow: UnitOfWork,
    actor: Actor,
    *,
    patient_id: uuid.UUID,
    instrument_id: str | None = None,
    course_id: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[QuestionnaireResponse]:
    authorize(actor, Permission.questionnaire_read, patient_id=patient_id)
    require_patient(uow, actor, patient_id)
    page = uow.answers.for_patient(
        patient_id,
        instrument_id=instrument_id,
        course_id=course_id,
        limit=limit,
        offset=offset,
    )
    audit(
        uow,
        actor,
        "questionnaire.list",
        resource_type="questionnaire_response",
        patient_id=patient_id,
    )
    return page


@use_case
def get_response(
    uow: UnitOfWork, actor: Actor, *, response_id: uuid.UUID
) -> QuestionnaireResponse:
    found = uow.answers.get(response_id)
    if found is None or uow.patients.get(actor.clinic_id, found.patient_id) is None:
        raise NotFoundError(f"no questionnaire response {response_id}")
    require_own(
        actor,
        Permission.questionnaire_read,
        found.patient_id,
        not_found=f"no questionnaire response {response_id}",
    )
    authorize(actor, Permission.questionnaire_read, patient_id=found.patient_id)
    audit(
        uow,
        actor,
        "questionnaire.read",
        resource_type="questionnaire_response",
        resource_id=found.id,
        patient_id=found.patient_id,
    )
    return found


def _plan(
    uow: UnitOfWork, actor: Actor, course_id: uuid.UUID
) -> tuple[Course, list[DueQuestionnaire], set[tuple[str, str]], date]:
    """A course's questionnaire plan, what is done already, and today in the clinic's zone."""
    course = require_course(
        uow, actor, course_id, permission=Permission.questionnaire_read
    )
    authorize(actor, Permission.questionnaire_read, patient_id=course.patient_id)
    zone = clinic_zone(uow, actor.clinic_id)
    appointments = sorted(
        active(uow.appointments.for_course(course.id)), key=lambda a: a.session_number
    )
    intake_on = local_date(course.created_at, zone)
    sessions = [local_date(a.starts_at, zone) for a in appointments]
    if sessions and sessions[0] < intake_on:
        intake_on = sessions[0]
    instruments = load_catalog().conditions[course.condition_id].instruments
    planned = due_questionnaires(
        instruments=instruments,
        intake_on=intake_on,
        session_dates=sessions,
        schedule=clinic_service.questionnaire_schedule(uow, actor.clinic_id),
        course_complete=course.status is CourseStatus.completed,
    )
    done = {(r.instrument_id, r.timepoint) for r in uow.answers.for_course(course.id)}
    return course, list(planned), done, local_date(uow.now(), zone)


@use_case
def due(
    uow: UnitOfWork, actor: Actor, *, course_id: uuid.UUID, on: date | None = None
) -> list[DueQuestionnaire]:
    """The questionnaires of a course due on `on` (default: today in the clinic's timezone) and
    not answered yet, by the clinic's questionnaire schedule and the condition's instruments."""
    course, planned, done, today = _plan(uow, actor, course_id)
    audit(
        uow,
        actor,
        "questionnaire.due",
        resource_type="course",
        resource_id=course.id,
        patient_id=course.patient_id,
    )
    return list(due_on(planned, on or today, done=done))


@use_case
def upcoming(
    uow: UnitOfWork, actor: Actor, *, course_id: uuid.UUID, on: date | None = None
) -> list[DueQuestionnaire]:
    """The questionnaires of a course not answered yet whose window has not closed by `on`
    (default: today in the clinic's timezone), in date order: the open ones (`due`) first, then
    those whose window opens later (e.g. before the next session)."""
    course, planned, done, today = _plan(uow, actor, course_id)
    day = on or today
    audit(
        uow,
        actor,
        "questionnaire.upcoming",
        resource_type="course",
        resource_id=course.id,
        patient_id=course.patient_id,
    )
    return [
        d
        for d in planned
        if d.window_end >= day and (d.instrument, d.timepoint.key) not in done
    ]


@dataclass(frozen=True, slots=True)
class CourseOutcomes:
    """A course's trajectories (one per instrument of its condition) and the course advice,
    fed by the first instrument's (the condition's primary outcome) responder status."""

    course_id: uuid.UUID
    sessions_done: int
    outcomes: tuple[CourseOutcome, ...]
    advice: CourseAdvice


def timepoint_of(key: str) -> Timepoint:
    parse_timepoint(key)
    if key == "baseline":
        return Timepoint(TimepointKind.baseline)
    if key.startswith("session-"):
        return Timepoint(
            TimepointKind.pre_session, session=int(key.removeprefix("session-"))
        )
    return Timepoint(TimepointKind.follow_up, months=int(key[len("follow-up-") : -1]))


def outcomes_of(uow: UnitOfWork, course: Course) -> CourseOutcomes:
    """A course's outcomes from its stored answers (no authorisation, no audit: the callers,
    `course_outcomes` and the owner's aggregate reports, do both)."""
    appointments = uow.appointments.for_course(course.id)
    done = sum(1 for a in appointments if a.status is AppointmentStatus.done)
    latest: dict[tuple[str, str], QuestionnaireResponse] = {}
    for response in uow.answers.for_course(
        course.id
    ):  # oldest first: the last one wins
        latest[(response.instrument_id, response.timepoint)] = response
    results: list[CourseOutcome] = []
    for instrument_id in load_catalog().conditions[course.condition_id].instruments:
        instrument = get_instrument(instrument_id)
        observations = [
            Observation(timepoint_of(tp), instrument.score(r.answers))
            for (iid, tp), r in latest.items()
            if iid == instrument.id
        ]
        results.append(assess_course(instrument, observations, sessions_done=done))
    advice = course_advice(
        results[0],
        planned_sessions=course.planned_sessions,
        rules=clinic_service.course_rules(uow, course.clinic_id),
        extension_reason=course.extra_sessions_reason,
    )
    return CourseOutcomes(course.id, done, tuple(results), advice)


@use_case
def course_outcomes(
    uow: UnitOfWork, actor: Actor, *, course_id: uuid.UUID
) -> CourseOutcomes:
    """Change from baseline, responders by the instruments' MCIDs, and continue/review/complete
    advice (`prolo.domain.outcomes`), from the course's stored answers rescored exactly."""
    course = require_course(
        uow, actor, course_id, permission=Permission.questionnaire_read
    )
    authorize(actor, Permission.questionnaire_read, patient_id=course.patient_id)
    outcomes = outcomes_of(uow, course)
    audit(
        uow,
        actor,
        "questionnaire.outcomes",
        resource_type="course",
        resource_id=course.id,
        patient_id=course.patient_id,
    )
    return outcomes
