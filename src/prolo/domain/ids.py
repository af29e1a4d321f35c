"""Identifier types. Ids exposed outside Prolo are UUIDs or prefixed ids, never row numbers."""

from __future__ import annotations

import uuid
from typing import NewType

PatientId = NewType("PatientId", uuid.UUID)
CourseId = NewType("CourseId", uuid.UUID)
AppointmentId = NewType("AppointmentId", uuid.UUID)
StaffId = NewType("StaffId", uuid.UUID)
UserId = NewType("UserId", uuid.UUID)
ClinicId = NewType("ClinicId", uuid.UUID)

# Reference-data ids are short stable slugs, e.g. "knee_osteoarthritis", "odi".
ConditionId = NewType("ConditionId", str)
RegionId = NewType("RegionId", str)
InstrumentId = NewType("InstrumentId", str)
SiteId = NewType("SiteId", str)


def new_uuid() -> uuid.UUID:
    """A fresh random UUID (version 4)."""
    return uuid.uuid4()
