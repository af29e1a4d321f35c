from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from prolo.api.schemas.common import InputModel, OutputModel
from prolo.services.values import Sex


class IdentifierModel(InputModel):
    system: str = Field(max_length=200, examples=["urn:oid:2.16.792.1.56.5.8"])
    value: str = Field(max_length=200)


class IdentifierRead(OutputModel):
    system: str
    value: str


class PatientCreate(InputModel):
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    birth_date: date | None = None
    sex: Sex = Sex.unknown
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=320)
    address: str | None = Field(default=None, max_length=500)
    preferred_language: str = Field(default="en", max_length=16)
    identifiers: list[IdentifierModel] = Field(default_factory=list, max_length=20)


class PatientUpdate(InputModel):
    """Only the fields sent change; send `If-Match` with the ETag you read."""

    given_name: str | None = Field(default=None, max_length=100)
    family_name: str | None = Field(default=None, max_length=100)
    birth_date: date | None = None
    sex: Sex | None = None
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=320)
    address: str | None = Field(default=None, max_length=500)
    preferred_language: str | None = Field(default=None, max_length=16)
    identifiers: list[IdentifierModel] | None = Field(default=None, max_length=20)


class PatientRead(OutputModel):
    id: uuid.UUID
    name: str
    given_name: str
    family_name: str
    birth_date: date | None
    sex: Sex
    phone: str | None
    email: str | None
    address: str | None
    preferred_language: str
    identifiers: list[IdentifierRead]
    created_at: datetime
    updated_at: datetime
    version: int
