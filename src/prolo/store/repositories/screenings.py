"""Intakes and screening results with the clinician's sign-off."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from prolo.store.errors import StaleVersionError
from prolo.store.records import Intake, Screening, ScreeningOutcome, SignOffStatus
from prolo.store.repositories.base import Repository
from prolo.store.tables import IntakeRow, PatientRow, ScreeningRow


def _intake(row: IntakeRow) -> Intake:
    return Intake(
        id=row.id,
        patient_id=row.patient_id,
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
        answers=dict(row.answers),
    )


def _screening(row: ScreeningRow) -> Screening:
    return Screening(
        id=row.id,
        patient_id=row.patient_id,
        intake_id=row.intake_id,
        screened_at=row.screened_at,
        outcome=row.outcome,
        reasons=list(row.reasons),
        status=row.status,
        final_outcome=row.final_outcome,
        override_reason=row.override_reason,
        signed_off_by=row.signed_off_by,
        signed_off_at=row.signed_off_at,
        version=row.version,
    )


class ScreeningRepository(Repository):
    def add_intake(
        self,
        patient_id: uuid.UUID,
        *,
        answers: dict[str, Any],
        recorded_at: datetime,
        recorded_by: uuid.UUID | None,
    ) -> Intake:
        row = IntakeRow(
            patient_id=patient_id,
            answers=answers,
            recorded_at=recorded_at,
            recorded_by=recorded_by,
        )
        self.session.add(row)
        self.flush()
        return _intake(row)

    def get_intake(self, intake_id: uuid.UUID) -> Intake | None:
        row = self.session.get(IntakeRow, intake_id)
        return _intake(row) if row else None

    def add(
        self,
        *,
        patient_id: uuid.UUID,
        intake_id: uuid.UUID,
        outcome: ScreeningOutcome,
        reasons: list[dict[str, Any]],
        screened_at: datetime,
        rules_version: str | None,
    ) -> Screening:
        row = ScreeningRow(
            patient_id=patient_id,
            intake_id=intake_id,
            outcome=outcome,
            reasons=reasons,
            screened_at=screened_at,
            status=SignOffStatus.pending,
            rules_version=rules_version,
        )
        self.session.add(row)
        self.flush()
        return _screening(row)

    def get(self, clinic_id: uuid.UUID, screening_id: uuid.UUID) -> Screening | None:
        found = self.session.execute(
            select(ScreeningRow)
            .join(PatientRow, PatientRow.id == ScreeningRow.patient_id)
            .where(ScreeningRow.id == screening_id, PatientRow.clinic_id == clinic_id)
        ).scalar_one_or_none()
        return _screening(found) if found else None

    def for_patient(self, patient_id: uuid.UUID) -> list[Screening]:
        rows = self.session.scalars(
            select(ScreeningRow)
            .where(ScreeningRow.patient_id == patient_id)
            .order_by(ScreeningRow.screened_at.desc(), ScreeningRow.id)
        )
        return [_screening(r) for r in rows]

    def sign_off(
        self,
        screening_id: uuid.UUID,
        *,
        expected_version: int,
        final_outcome: ScreeningOutcome,
        override_reason: str | None,
        signed_off_by: uuid.UUID | None,
        signed_off_at: datetime,
    ) -> Screening:
        row = self.session.get_one(ScreeningRow, screening_id)
        if row.version != expected_version:
            raise StaleVersionError("the screening", expected_version, row.version)
        row.status = SignOffStatus.signed_off
        row.final_outcome = final_outcome
        row.override_reason = override_reason
        row.signed_off_by = signed_off_by
        row.signed_off_at = signed_off_at
        self.flush()
        return _screening(row)
