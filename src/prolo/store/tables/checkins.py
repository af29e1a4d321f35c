"""Self check-ins: the screening questions asked again on the day, and the red flags they raised.

One row per completed check-in of an appointment, numbered 1, 2, ... (a patient may check in
again; the highest number counts). A clinician clears the flags of the newest row with a written reason; who and when is
kept on the row, and the audit log records both acts as well.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from prolo.store.base import Base, UUIDPrimaryKey


class CheckinRow(UUIDPrimaryKey, Base):
    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("appointment_id", "attempt"),
        Index("ix_checkins_clinic_id_completed_at", "clinic_id", "completed_at"),
    )

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE")
    )
    appointment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE")
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int]
    completed_at: Mapped[datetime]
    # how the patient checked in: "check-in" (the link), "kiosk" or "portal"
    via: Mapped[str] = mapped_column(String(20))
    # intake field -> yes/no, for every question asked again (services.checkin.RECHECK_FIELDS)
    answers: Mapped[dict[str, Any]]
    # the screening reasons that stop the session: code, severity, message, source
    flags: Mapped[list[Any]]
    kiosk_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    cleared_at: Mapped[datetime | None]
    cleared_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    clearance_reason: Mapped[str | None] = mapped_column(Text)
