from __future__ import annotations

import uuid
from datetime import date, time
from typing import Any

from pydantic import Field

from prolo.api.schemas.common import InputModel, OutputModel
from prolo.services.values import RecoveryPlaceKind, Role


class ClinicRead(OutputModel):
    id: uuid.UUID
    name: str
    timezone: str
    opening_hours: dict[str, list[tuple[time, time]]]
    slot_minutes: int
    version: int


class ClinicUpdate(InputModel):
    name: str | None = Field(default=None, max_length=200)
    timezone: str | None = Field(default=None, max_length=64)
    opening_hours: dict[str, list[tuple[time, time]]] | None = None


class RoomCreate(InputModel):
    name: str = Field(max_length=100)


class RoomRead(OutputModel):
    id: uuid.UUID
    name: str
    active: bool


class RecoveryPlaceCreate(InputModel):
    name: str = Field(max_length=100)
    kind: RecoveryPlaceKind
    has_heat_pack: bool = True


class RecoveryPlaceRead(OutputModel):
    id: uuid.UUID
    name: str
    kind: RecoveryPlaceKind
    has_heat_pack: bool
    active: bool


class RosterSlotModel(InputModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday")
    starts: time
    ends: time


class RosterSlotRead(OutputModel):
    weekday: int
    starts: time
    ends: time


class LeaveCreate(InputModel):
    start_date: date
    end_date: date
    reason: str | None = Field(default=None, max_length=200)


class LeaveRead(OutputModel):
    id: uuid.UUID
    start_date: date
    end_date: date
    reason: str | None


class StaffCreate(InputModel):
    name: str = Field(max_length=200)
    roles: list[Role] = Field(min_length=1)
    roster: list[RosterSlotModel] = Field(default_factory=list, max_length=50)


class RosterUpdate(InputModel):
    roster: list[RosterSlotModel] = Field(max_length=50)


class StaffRead(OutputModel):
    id: uuid.UUID
    name: str
    roles: list[Role]
    active: bool
    roster: list[RosterSlotRead]
    leave: list[LeaveRead]


class SettingsDocument(InputModel):
    """A whole settings document in the domain's own shape (GET it, edit, PUT it back)."""

    value: dict[str, Any]
