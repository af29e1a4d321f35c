"""Self check-ins: record one, read an appointment's newest, clear its red flags."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from prolo.store.repositories.base import Repository
from prolo.store.tables import CheckinRow


@dataclass(frozen=True, slots=True)
class Checkin:
    """A completed check-in: the answers given on the day and the flags they raised."""

    id: uuid.UUID
    clinic_id: uuid.UUID
    appointment_id: uuid.UUID
    patient_id: uuid.UUID
    attempt: int
    completed_at: datetime
    via: str
    answers: Mapping[str, bool]
    flags: tuple[Mapping[str, Any], ...]
    kiosk_user_id: uuid.UUID | None
    cleared_at: datetime | None
    cleared_by: uuid.UUID | None
    clearance_reason: str | None

    @property
    def standing_flags(self) -> tuple[Mapping[str, Any], ...]:
        """The flags that still stop the session (none once a clinician cleared them)."""
        return () if self.cleared_at is not None else self.flags


def _checkin(row: CheckinRow) -> Checkin:
    return Checkin(
        id=row.id,
        clinic_id=row.clinic_id,
        appointment_id=row.appointment_id,
        patient_id=row.patient_id,
        attempt=row.attempt,
        completed_at=row.completed_at,
        via=row.via,
        answers={str(k): bool(v) for k, v in row.answers.items()},
        flags=tuple(dict(f) for f in row.flags),
        kiosk_user_id=row.kiosk_user_id,
        cleared_at=row.cleared_at,
        cleared_by=row.cleared_by,
        clearance_reason=row.clearance_reason,
    )


class CheckinRepository(Repository):
    def add(
        self,
        clinic_id: uuid.UUID,
        *,
        appointment_id: uuid.UUID,
        patient_id: uuid.UUID,
        completed_at: datetime,
        via: str,
        answers: Mapping[str, bool],
        flags: Sequence[Mapping[str, Any]],
        kiosk_user_id: uuid.UUID | None = None,
    ) -> Checkin:
        """Record a check-in as the appointment's next attempt (a concurrent one of the same
        appointment fails on the unique attempt number instead of interleaving)."""
        last = self.session.scalar(
            select(func.max(CheckinRow.attempt)).where(
                CheckinRow.appointment_id == appointment_id
            )
        )
        row = CheckinRow(
            clinic_id=clinic_id,
            appointment_id=appointment_id,
            patient_id=patient_id,
            attempt=(last or 0) + 1,
            completed_at=completed_at,
            via=via,
            answers=dict(answers),
            flags=[dict(f) for f in flags],
            kiosk_user_id=kiosk_user_id,
        )
        self.session.add(row)
        self.flush()
        return _checkin(row)

    def latest(self, clinic_id: uuid.UUID, appointment_id: uuid.UUID) -> Checkin | None:
        """The appointment's newest check-in (None before the first)."""
        row = self.session.scalars(
            select(CheckinRow)
            .where(
                CheckinRow.clinic_id == clinic_id,
                CheckinRow.appointment_id == appointment_id,
            )
            .order_by(CheckinRow.attempt.desc())
            .limit(1)
        ).first()
        return _checkin(row) if row else None

    def for_appointment(
        self, clinic_id: uuid.UUID, appointment_id: uuid.UUID
    ) -> list[Checkin]:
        """Every check-in of the appointment, oldest first."""
        rows = self.session.scalars(
            select(CheckinRow)
            .where(
                CheckinRow.clinic_id == clinic_id,
                CheckinRow.appointment_id == appointment_id,
            )
            .order_by(CheckinRow.attempt)
        )
        return [_checkin(r) for r in rows]

    def clear(
        self,
        checkin_id: uuid.UUID,
        *,
        at: datetime,
        by: uuid.UUID | None,
        reason: str,
    ) -> Checkin:
        """A clinician's clearance of the check-in's flags, with the reason."""
        row = self.session.get_one(CheckinRow, checkin_id)
        row.cleared_at = at
        row.cleared_by = by
        row.clearance_reason = reason
        self.flush()
        return _checkin(row)
