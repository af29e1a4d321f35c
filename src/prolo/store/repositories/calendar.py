"""Calendar feed tokens: issue (store the hash), find by hash, list, revoke."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select

from prolo.store.repositories.base import Repository
from prolo.store.tables import CalendarFeedTokenRow

FeedKind = Literal["patient", "clinician"]


@dataclass(frozen=True, slots=True)
class CalendarFeedToken:
    """A feed subscription (never the token itself: only its hash is stored)."""

    id: uuid.UUID
    clinic_id: uuid.UUID
    kind: FeedKind
    patient_id: uuid.UUID | None
    staff_member_id: uuid.UUID | None
    label: str | None
    created_at: datetime
    created_by: uuid.UUID | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def owner_id(self) -> uuid.UUID:
        owner = self.patient_id if self.kind == "patient" else self.staff_member_id
        assert owner is not None  # the table's one_owner constraint
        return owner


def _token(row: CalendarFeedTokenRow) -> CalendarFeedToken:
    kind: FeedKind = "patient" if row.kind == "patient" else "clinician"
    return CalendarFeedToken(
        id=row.id,
        clinic_id=row.clinic_id,
        kind=kind,
        patient_id=row.patient_id,
        staff_member_id=row.staff_member_id,
        label=row.label,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


class CalendarFeedRepository(Repository):
    def add(
        self,
        clinic_id: uuid.UUID,
        *,
        kind: FeedKind,
        owner_id: uuid.UUID,
        token_hash: str,
        label: str | None,
        created_at: datetime,
        created_by: uuid.UUID | None,
    ) -> CalendarFeedToken:
        row = CalendarFeedTokenRow(
            clinic_id=clinic_id,
            kind=kind,
            patient_id=owner_id if kind == "patient" else None,
            staff_member_id=owner_id if kind == "clinician" else None,
            token_hash=token_hash,
            label=label,
            created_at=created_at,
            created_by=created_by,
        )
        self.session.add(row)
        self.flush()
        return _token(row)

    def get(
        self, clinic_id: uuid.UUID, token_id: uuid.UUID
    ) -> CalendarFeedToken | None:
        row = self.session.get(CalendarFeedTokenRow, token_id)
        return _token(row) if row and row.clinic_id == clinic_id else None

    def by_hash(self, token_hash: str) -> CalendarFeedToken | None:
        row = self.session.scalars(
            select(CalendarFeedTokenRow).where(
                CalendarFeedTokenRow.token_hash == token_hash
            )
        ).first()
        return _token(row) if row else None

    def for_owner(
        self, clinic_id: uuid.UUID, *, kind: FeedKind, owner_id: uuid.UUID
    ) -> list[CalendarFeedToken]:
        owner = (
            CalendarFeedTokenRow.patient_id
            if kind == "patient"
            else CalendarFeedTokenRow.staff_member_id
        )
        rows = self.session.scalars(
            select(CalendarFeedTokenRow)
            .where(
                CalendarFeedTokenRow.clinic_id == clinic_id,
                CalendarFeedTokenRow.kind == kind,
                owner == owner_id,
            )
            .order_by(CalendarFeedTokenRow.created_at, CalendarFeedTokenRow.id)
        )
        return [_token(r) for r in rows]

    def touch(self, token_id: uuid.UUID, at: datetime) -> None:
        row = self.session.get_one(CalendarFeedTokenRow, token_id)
        row.last_used_at = at
        self.flush()

    def revoke(self, token_id: uuid.UUID, at: datetime) -> CalendarFeedToken:
        row = self.session.get_one(CalendarFeedTokenRow, token_id)
        if row.revoked_at is None:
            row.revoked_at = at
        self.flush()
        return _token(row)
