"""Courses: create, read with sessions and windows, change, propose and book sessions."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from prolo.api.deps import ActorDep, UoWDep
from prolo.api.etag import if_match_version, set_etag
from prolo.api.schemas.bookings import (
    AppointmentRead,
    CourseBooking,
    CourseCreate,
    CourseDetailRead,
    CourseRead,
    CourseUpdate,
    FreeSlotRead,
    Proposal,
    WindowRead,
)
from prolo.api.schemas.common import PROBLEM_RESPONSES
from prolo.api.schemas.questionnaires import (
    AdviceRead,
    AdviceReasonRead,
    CourseOutcomesRead,
    DueRead,
    OutcomeRead,
    TrajectoryPointRead,
)
from prolo.services import booking, courses, questionnaires

router = APIRouter(tags=["courses"], responses=PROBLEM_RESPONSES)


@router.post(
    "/patients/{patient_id}/courses", response_model=CourseRead, status_code=201
)
def create_course(
    patient_id: uuid.UUID,
    body: CourseCreate,
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
) -> CourseRead:
    """A course needs a signed-off eligible screening for its condition."""
    course = courses.create_course(
        uow,
        actor,
        patient_id=patient_id,
        condition_id=body.condition_id,
        planned_sessions=body.planned_sessions,
        body_site=body.body_site,
        laterality=body.laterality,
        start_date=body.start_date,
        preferred_clinician_id=body.preferred_clinician_id,
        extension_reason=body.extension_reason,
    )
    set_etag(response, course.version)
    response.headers["Location"] = f"/api/v1/courses/{course.id}"
    return CourseRead.model_validate(course)


@router.get("/patients/{patient_id}/courses", response_model=list[CourseRead])
def list_courses(
    patient_id: uuid.UUID, uow: UoWDep, actor: ActorDep
) -> list[CourseRead]:
    return [
        CourseRead.model_validate(c)
        for c in courses.list_courses(uow, actor, patient_id=patient_id)
    ]


@router.get("/courses/{course_id}", response_model=CourseDetailRead)
def get_course(
    course_id: uuid.UUID, response: Response, uow: UoWDep, actor: ActorDep
) -> CourseDetailRead:
    detail = courses.get_course(uow, actor, course_id=course_id)
    set_etag(response, detail.course.version)
    return CourseDetailRead(
        course=CourseRead.model_validate(detail.course),
        appointments=[AppointmentRead.model_validate(a) for a in detail.appointments],
        windows=[WindowRead.model_validate(w) for w in detail.windows],
    )


@router.patch("/courses/{course_id}", response_model=CourseRead)
def update_course(
    course_id: uuid.UUID,
    body: CourseUpdate,
    response: Response,
    uow: UoWDep,
    actor: ActorDep,
    version: Annotated[int, Depends(if_match_version)],
) -> CourseRead:
    course = courses.update_course(
        uow,
        actor,
        course_id=course_id,
        expected_version=version,
        status=body.status,
        planned_sessions=body.planned_sessions,
        extension_reason=body.extension_reason,
        preferred_clinician_id=body.preferred_clinician_id,
    )
    set_etag(response, course.version)
    return CourseRead.model_validate(course)


@router.get("/courses/{course_id}/windows", response_model=list[WindowRead])
def windows(
    course_id: uuid.UUID, uow: UoWDep, actor: ActorDep, start_date: date | None = None
) -> list[WindowRead]:
    """Each session's window of allowed dates (from `start_date`, or the booked first session)."""
    return [
        WindowRead.model_validate(w)
        for w in courses.plan(uow, actor, course_id=course_id, start_date=start_date)
    ]


@router.post("/courses/{course_id}/proposal", response_model=list[FreeSlotRead])
def propose(
    course_id: uuid.UUID, body: Proposal, uow: UoWDep, actor: ActorDep
) -> list[FreeSlotRead]:
    """First-fit times for every unbooked session (nothing is booked)."""
    return [
        FreeSlotRead.model_validate(s)
        for s in booking.propose_course(
            uow, actor, course_id=course_id, first_day=body.first_day
        )
    ]


@router.post(
    "/courses/{course_id}/appointments",
    response_model=list[AppointmentRead],
    status_code=201,
)
def book(
    course_id: uuid.UUID, body: CourseBooking, uow: UoWDep, actor: ActorDep
) -> list[AppointmentRead]:
    """Book sessions of the course all-or-nothing (409 names the busy resource, 422 the rule)."""
    booked = booking.book_sessions(
        uow,
        actor,
        course_id=course_id,
        sessions=[
            booking.SlotRequest(
                s.session_number,
                s.starts_at,
                s.clinician_id,
                s.room_id,
                s.recovery_place_id,
            )
            for s in body.sessions
        ],
        override_reason=body.override_reason,
        historical=body.historical,
    )
    return [AppointmentRead.model_validate(a) for a in booked]


@router.get("/courses/{course_id}/due-questionnaires", response_model=list[DueRead])
def due(
    course_id: uuid.UUID, uow: UoWDep, actor: ActorDep, on: date | None = None
) -> list[DueRead]:
    """Questionnaires due on `on` (default today) and not answered yet."""
    return [
        DueRead(
            instrument=d.instrument,
            timepoint=d.timepoint.key,
            label=d.timepoint.label,
            due_on=d.due_on,
            window_start=d.window_start,
            window_end=d.window_end,
        )
        for d in questionnaires.due(uow, actor, course_id=course_id, on=on)
    ]


@router.get("/courses/{course_id}/outcomes", response_model=CourseOutcomesRead)
def outcomes(course_id: uuid.UUID, uow: UoWDep, actor: ActorDep) -> CourseOutcomesRead:
    """Change from baseline and responder status per instrument, and the course advice
    (continue / review / complete). No improvement is expected after the first session."""
    found = questionnaires.course_outcomes(uow, actor, course_id=course_id)
    return CourseOutcomesRead(
        course_id=found.course_id,
        sessions_done=found.sessions_done,
        advice=AdviceRead(
            action=found.advice.action.value,
            reasons=[AdviceReasonRead(**r.to_dict()) for r in found.advice.reasons],
        ),
        outcomes=[
            OutcomeRead(
                instrument=o.instrument,
                scale=o.scale,
                higher_is_better=o.higher_is_better,
                baseline=o.baseline,
                responded=o.responded,
                first_response_sessions=o.first_response_sessions,
                points=[
                    TrajectoryPointRead(
                        timepoint=p.timepoint.key,
                        label=p.timepoint.label,
                        sessions_done=p.sessions_done,
                        value=p.value,
                        change=p.change,
                        percent_change=p.percent_change,
                        improvement=p.improvement,
                        responded=p.responded,
                        withheld_reason=p.withheld_reason,
                    )
                    for p in o.points
                ],
            )
            for o in found.outcomes
        ],
    )
