"""Patients and their external identifiers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select

from prolo.store.errors import StaleVersionError
from prolo.store.records import Page, Patient, PatientIdentifier, Sex
from prolo.store.repositories.base import Repository
from prolo.store.repositories.paging import paginate
from prolo.store.tables import PatientIdentifierRow, PatientRow

UPDATABLE = frozenset(
    {
        "given_name",
        "family_name",
        "birth_date",
        "sex",
        "phone",
        "email",
        "address",
        "preferred_language",
    }
)


def _patient(row: PatientRow) -> Patient:
    return Patient(
        id=row.id,
        clinic_id=row.clinic_id,
        given_name=row.given_name,
        family_name=row.family_name,
        birth_date=row.birth_date,
        sex=row.sex,
        phone=row.phone,
        email=row.email,
        address=row.address,
        preferred_language=row.preferred_language,
        identifiers=tuple(
            PatientIdentifier(system=i.system, value=i.value) for i in row.identifiers
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


class PatientRepository(Repository):
    def add(
        self,
        clinic_id: uuid.UUID,
        *,
        given_name: str,
        family_name: str,
        birth_date: date | None,
        sex: Sex,
        phone: str | None = None,
        email: str | None = None,
        address: str | None = None,
        preferred_language: str = "en",
        identifiers: Iterable[PatientIdentifier] = (),
        created_at: datetime,
    ) -> Patient:
        row = PatientRow(
            clinic_id=clinic_id,
            given_name=given_name,
            family_name=family_name,
            birth_date=birth_date,
            sex=sex,
            phone=phone,
            email=email,
            address=address,
            preferred_language=preferred_language,
            created_at=created_at,
            updated_at=created_at,
        )
        row.identifiers = [
            PatientIdentifierRow(system=i.system, value=i.value) for i in identifiers
        ]
        self.session.add(row)
        self.flush()
        return _patient(row)

    def get(self, clinic_id: uuid.UUID, patient_id: uuid.UUID) -> Patient | None:
        row = self.session.get(PatientRow, patient_id)
        return _patient(row) if row and row.clinic_id == clinic_id else None

    def exists(self, patient_id: uuid.UUID) -> bool:
        """Whether a patient with this id exists (in any clinic); reads the id only."""
        stmt = select(PatientRow.id).where(PatientRow.id == patient_id)
        return self.session.execute(stmt).first() is not None

    def page(
        self,
        clinic_id: uuid.UUID,
        *,
        query: str | None = None,
        limit: int,
        offset: int,
    ) -> Page[Patient]:
        stmt = select(PatientRow).where(PatientRow.clinic_id == clinic_id)
        if query:
            needle = query.strip().lower()
            stmt = stmt.where(
                or_(
                    func.lower(PatientRow.given_name).contains(needle, autoescape=True),
                    func.lower(PatientRow.family_name).contains(
                        needle, autoescape=True
                    ),
                    func.lower(PatientRow.email).contains(needle, autoescape=True),
                    PatientRow.identifiers.any(
                        PatientIdentifierRow.value == query.strip()
                    ),
                )
            )
        stmt = stmt.order_by(
            PatientRow.family_name, PatientRow.given_name, PatientRow.id
        )
        return paginate(
            self.session, stmt, limit=limit, offset=offset, to_record=_patient
        )

    def find_by_identifier(
        self, clinic_id: uuid.UUID, system: str, value: str
    ) -> Patient | None:
        row = self.session.scalars(
            select(PatientRow)
            .join(
                PatientIdentifierRow, PatientIdentifierRow.patient_id == PatientRow.id
            )
            .where(
                PatientRow.clinic_id == clinic_id,
                PatientIdentifierRow.system == system,
                PatientIdentifierRow.value == value,
            )
        ).first()
        return _patient(row) if row else None

    def update(
        self,
        clinic_id: uuid.UUID,
        patient_id: uuid.UUID,
        *,
        expected_version: int,
        changes: dict[str, Any],
        identifiers: Iterable[PatientIdentifier] | None = None,
        updated_at: datetime,
    ) -> Patient | None:
        row = self.session.get(PatientRow, patient_id)
        if row is None or row.clinic_id != clinic_id:
            return None
        if row.version != expected_version:
            raise StaleVersionError("the patient", expected_version, row.version)
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        for name, value in changes.items():
            setattr(row, name, value)
        if identifiers is not None:
            wanted = {(i.system, i.value) for i in identifiers}
            row.identifiers = [
                i for i in row.identifiers if (i.system, i.value) in wanted
            ] + [
                PatientIdentifierRow(system=s, value=v)
                for s, v in sorted(
                    wanted - {(i.system, i.value) for i in row.identifiers}
                )
            ]
        row.updated_at = updated_at
        self.flush()
        return _patient(row)

    def ids(self, clinic_id: uuid.UUID) -> list[uuid.UUID]:
        return list(
            self.session.scalars(
                select(PatientRow.id)
                .where(PatientRow.clinic_id == clinic_id)
                .order_by(PatientRow.family_name, PatientRow.given_name, PatientRow.id)
            )
        )
