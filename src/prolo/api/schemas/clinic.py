from __future__ import annotations

import uuid
from datetime import date, time
from typing import Annotated, Any

from pydantic import AfterValidator, Field, WithJsonSchema

from prolo.api.schemas.common import InputModel, OutputModel
from prolo.services.values import RecoveryPlaceKind, Role


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError(
            "a wall-clock time without an offset (the clinic's timezone applies)"
        )
    return value


# A time of day on the clinic's wall clock. JSON Schema's `time` format is RFC 3339's full-time,
# which requires an offset; these times have none, so the document says `partial-time`.
_LOCAL_TIME_SCHEMA: dict[str, Any] = {
    "type": "string",
    "format": "partial-time",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
    "description": "HH:MM[:SS] in the clinic's timezone, without an offset",
}
LocalTime = Annotated[
    time, AfterValidator(_wall_clock), WithJsonSchema(_LOCAL_TIME_SCHEMA)
]
# An opening interval [start, end): documented as a two-item array of local times (the same
# constraint as a tuple's prefixItems, which some OpenAPI tools cannot read).
TimeRange = Annotated[
    tuple[LocalTime, LocalTime],
    WithJsonSchema(
        {"type": "array", "items": _LOCAL_TIME_SCHEMA, "minItems": 2, "maxItems": 2}
    ),
]


class ClinicRead(OutputModel):
    id: uuid.UUID
    name: str
    timezone: str
    opening_hours: dict[str, list[TimeRange]]
    slot_minutes: int
    version: int


class ClinicUpdate(InputModel):
    name: str | None = Field(default=None, max_length=200)
    timezone: str | None = Field(default=None, max_length=64)
    opening_hours: dict[str, list[TimeRange]] | None = None


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
    starts: LocalTime
    ends: LocalTime


class RosterSlotRead(OutputModel):
    weekday: int
    starts: LocalTime
    ends: LocalTime


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
