from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from prolo.api.schemas.common import InputModel, OutputModel
from prolo.services.values import Role


class UserCreate(InputModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    role: Role
    patient_id: uuid.UUID | None = None
    staff_member_id: uuid.UUID | None = None


class UserUpdate(InputModel):
    active: bool


class UserRead(OutputModel):
    id: uuid.UUID
    email: str
    role: Role
    active: bool
    patient_id: uuid.UUID | None
    staff_member_id: uuid.UUID | None
    created_at: datetime
    last_login_at: datetime | None
