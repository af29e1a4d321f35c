from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from prolo.api.schemas.common import InputModel, OutputModel
from prolo.services.values import ScreeningOutcome, SignOffStatus


class ScreeningRead(OutputModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    intake_id: uuid.UUID
    screened_at: datetime
    outcome: ScreeningOutcome = Field(description="What the clinic's rules decided.")
    reasons: list[dict[str, Any]] = Field(
        description="[{code, severity, message, source, sources}], worst first."
    )
    status: SignOffStatus
    final_outcome: ScreeningOutcome | None = Field(
        description="The clinician's decision."
    )
    override_reason: str | None
    signed_off_by: uuid.UUID | None
    signed_off_at: datetime | None
    version: int


class IntakeRead(OutputModel):
    id: uuid.UUID
    recorded_at: datetime
    recorded_by: uuid.UUID | None
    answers: dict[str, Any]


class ScreeningDetailRead(OutputModel):
    screening: ScreeningRead
    intake: IntakeRead


class IntakeReceipt(OutputModel):
    """What a patient sees after sending their answers: a clinician reviews the result."""

    screening_id: uuid.UUID
    received_at: datetime
    status: SignOffStatus


class SignOff(InputModel):
    decision: ScreeningOutcome = Field(description="eligible or not_eligible")
    reason: str | None = Field(
        default=None,
        max_length=2000,
        description="Required when the decision differs from the rules' outcome.",
    )
