"""Session runner bodies: one model per protocol event (the logged-in user is always `by`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from prolo.api.schemas.common import InputModel, Moment, OutputModel


class ConsentCreate(InputModel):
    kind: Literal["consent"]


class PreparationCreate(InputModel):
    kind: Literal["preparation"]


class LocalAnaesthesiaCreate(InputModel):
    kind: Literal["local_anaesthesia"]
    agent: str = Field(min_length=1, max_length=80, examples=["lidocaine"])
    concentration_percent: float | None = Field(default=None, gt=0, le=100)
    volume_ml: float | None = Field(default=None, gt=0, le=100)


class InjectionCreate(InputModel):
    kind: Literal["injection"]
    site: str = Field(max_length=80, examples=["knee_intra_articular"])
    laterality: Literal["left", "right", "bilateral", "none"]
    solution: str = Field(min_length=1, max_length=80, examples=["dextrose"])
    concentration_percent: float = Field(gt=0, le=100)
    volume_ml: float = Field(gt=0, le=100)
    anaesthetic: str | None = Field(default=None, max_length=80)
    guidance: Literal["landmark", "ultrasound"]
    lot_number: str = Field(
        min_length=1, max_length=60, description="The solution's lot."
    )
    points: int = Field(default=1, ge=1, le=100)


class RestCreate(InputModel):
    kind: Literal["rest"]
    heat_packs_applied: bool = True


class DischargeCreate(InputModel):
    kind: Literal["discharge"]
    override_reason: str | None = Field(
        default=None,
        max_length=2000,
        description="A clinician's reason to discharge before the minimum rest.",
    )


class AbortCreate(InputModel):
    kind: Literal["abort"]
    reason: str = Field(min_length=1, max_length=2000)


class AdverseEventCreate(InputModel):
    kind: Literal["adverse_event"]
    event: str = Field(max_length=60, examples=["vasovagal_reaction"])
    description: str | None = Field(default=None, max_length=2000)
    severity: str = Field(max_length=20, examples=["mild"])
    onset: Moment
    action: str | None = Field(default=None, max_length=2000)
    outcome: str = Field(max_length=40, examples=["resolved"])
    site: str | None = Field(default=None, max_length=80)


SessionEventCreate = Annotated[
    ConsentCreate
    | PreparationCreate
    | LocalAnaesthesiaCreate
    | InjectionCreate
    | RestCreate
    | DischargeCreate
    | AbortCreate
    | AdverseEventCreate,
    Field(discriminator="kind"),
]


class StepRead(OutputModel):
    step: str
    at: datetime
    by_user_id: uuid.UUID | None
    note: str | None


class InjectionRead(OutputModel):
    id: uuid.UUID
    site_id: str
    laterality: str | None
    solution: str
    concentration_pct: float
    volume_ml: float
    lot_number: str
    anaesthetic: str | None
    guidance: str | None
    injected_at: datetime


class AdverseEventRead(OutputModel):
    id: uuid.UUID
    kind: str
    severity: str
    description: str | None
    occurred_at: datetime
    action_taken: str | None


class SessionRecordRead(OutputModel):
    id: uuid.UUID
    appointment_id: uuid.UUID
    patient_id: uuid.UUID
    state: str
    started_at: datetime
    discharged_at: datetime | None
    discharge_override_reason: str | None
    notes: str | None
    steps: list[StepRead]
    injections: list[InjectionRead]
    adverse_events: list[AdverseEventRead]
    version: int


class NoteRead(OutputModel):
    code: str
    severity: str
    message: str
    at: datetime


class SessionRead(OutputModel):
    """The record, and what the runner shows: the next allowed events and the clocks."""

    record: SessionRecordRead
    allowed_events: list[str]
    earliest_discharge: datetime | None
    procedure_minutes: float | None
    rest_minutes: float | None
    flagged: bool
    protocol_notes: list[NoteRead]


class NotesUpdate(InputModel):
    notes: str | None = Field(max_length=10_000)
