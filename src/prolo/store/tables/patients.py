"""Patients and their external identifiers."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prolo.store.base import Base, Timestamps, UUIDPrimaryKey, Versioned
from prolo.store.records import Sex
from prolo.store.tables.columns import enum_type


class PatientRow(UUIDPrimaryKey, Timestamps, Versioned, Base):
    __tablename__ = "patients"
    __table_args__ = (
        Index("ix_patients_clinic_id_family_name", "clinic_id", "family_name"),
    )

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE")
    )
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date | None]
    sex: Mapped[Sex] = mapped_column(enum_type(Sex, "patient_sex"))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(320))
    address: Mapped[str | None] = mapped_column(String(500))
    preferred_language: Mapped[str] = mapped_column(String(8), default="en")

    identifiers: Mapped[list[PatientIdentifierRow]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="(PatientIdentifierRow.system, PatientIdentifierRow.value)",
    )


class PatientIdentifierRow(UUIDPrimaryKey, Base):
    """An external identifier (national id, hospital MRN, FHIR identifier): unique per system."""

    __tablename__ = "patient_identifiers"
    __table_args__ = (UniqueConstraint("system", "value"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    system: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(200))
