"""Calendar feed tokens: secret URLs a calendar app subscribes to (`GET /calendar/<token>.ics`).

A token names one feed: a patient's appointments or a clinician's sessions. Only the SHA-256 of
the token is stored; a revoked token stops working at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from prolo.store.base import Base, UUIDPrimaryKey


class CalendarFeedTokenRow(UUIDPrimaryKey, Base):
    __tablename__ = "calendar_feed_tokens"
    __table_args__ = (
        CheckConstraint("kind IN ('patient', 'clinician')", name="kind_known"),
        CheckConstraint(
            "(kind = 'patient' AND patient_id IS NOT NULL AND staff_member_id IS NULL)"
            " OR (kind = 'clinician' AND staff_member_id IS NOT NULL AND patient_id IS NULL)",
            name="one_owner",
        ),
        Index("ix_calendar_feed_tokens_clinic_id_kind", "clinic_id", "kind"),
    )

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(20))
    patient_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    staff_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
