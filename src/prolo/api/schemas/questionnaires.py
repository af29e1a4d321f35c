from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from prolo.api.schemas.common import InputModel, OutputModel


class ResponseCreate(InputModel):
    instrument_id: str = Field(max_length=40, examples=["odi"])
    answers: list[float | None] = Field(
        min_length=1,
        max_length=100,
        description="In the instrument's item order; null = missing.",
    )
    timepoint: str = Field(
        max_length=40, examples=["baseline", "session-2", "follow-up-6m"]
    )
    course_id: uuid.UUID | None = None


class ResponseRead(OutputModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    course_id: uuid.UUID | None
    appointment_id: uuid.UUID | None
    instrument_id: str
    timepoint: str
    session_number: int | None
    answers: list[float | None]
    score: float | None
    subscales: dict[str, float | None]
    completed_at: datetime


class DueRead(OutputModel):
    instrument: str
    timepoint: str
    label: str
    due_on: date
    window_start: date
    window_end: date


class TrajectoryPointRead(OutputModel):
    timepoint: str
    label: str
    sessions_done: int
    value: float | None
    change: float | None
    percent_change: float | None
    improvement: float | None
    responded: bool | None
    withheld_reason: str | None


class OutcomeRead(OutputModel):
    instrument: str
    scale: str
    higher_is_better: bool
    baseline: float | None
    responded: bool | None
    first_response_sessions: int | None
    points: list[TrajectoryPointRead]


class AdviceReasonRead(OutputModel):
    code: str
    message: str
    source: str


class AdviceRead(OutputModel):
    action: str
    reasons: list[AdviceReasonRead]


class CourseOutcomesRead(OutputModel):
    course_id: uuid.UUID
    sessions_done: int
    advice: AdviceRead
    outcomes: list[OutcomeRead]
