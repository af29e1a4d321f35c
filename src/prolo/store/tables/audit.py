"""The audit log: append-only (database triggers reject UPDATE and DELETE on both databases)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from prolo.store.base import Base


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_clinic_id_at", "clinic_id", "at"),
        Index("ix_audit_events_patient_id_at", "patient_id", "at"),
        Index("ix_audit_events_actor_user_id_at", "actor_user_id", "at"),
    )

    # a sequence, so the log has a total order; no foreign keys: the log outlives what it names
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    )
    at: Mapped[datetime]
    clinic_id: Mapped[uuid.UUID]
    actor_user_id: Mapped[uuid.UUID | None]
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    patient_id: Mapped[uuid.UUID | None]
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    client_address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]
