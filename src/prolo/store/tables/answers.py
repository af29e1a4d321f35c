"""Questionnaire responses: the answers and the scores the domain computed from them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from prolo.store.base import Base, UUIDPrimaryKey


class QuestionnaireResponseRow(UUIDPrimaryKey, Base):
    __tablename__ = "questionnaire_responses"
    __table_args__ = (
        Index(
            "ix_questionnaire_responses_patient_id_completed_at",
            "patient_id",
            "completed_at",
        ),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE")
    )
    course_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL")
    )
    instrument_id: Mapped[str] = mapped_column(String(40))
    # baseline, pre_session, follow_up_3m, follow_up_6m, follow_up_12m ...
    timepoint: Mapped[str] = mapped_column(String(40))
    session_number: Mapped[int | None]
    answers: Mapped[list[Any]]
    score: Mapped[float | None] = mapped_column(Float)
    subscales: Mapped[dict[str, Any]]
    completed_at: Mapped[datetime]
    entered_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
