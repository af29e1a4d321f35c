from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from prolo.api.schemas.common import InputModel, OutputModel
from prolo.services.values import Role


class TokenCreate(InputModel):
    email: str = Field(max_length=320, examples=["reception@demo.prolo"])
    password: str = Field(max_length=1024)


class MeRead(OutputModel):
    id: uuid.UUID
    email: str
    role: Role
    clinic_id: uuid.UUID
    patient_id: uuid.UUID | None
    staff_member_id: uuid.UUID | None


class TokenRead(OutputModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: MeRead


class PasswordChange(InputModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)
