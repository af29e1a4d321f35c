"""Questionnaire responses."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from prolo.store.records import Page, QuestionnaireResponse
from prolo.store.repositories.base import Repository
from prolo.store.repositories.paging import paginate
from prolo.store.tables import QuestionnaireResponseRow


def _response(row: QuestionnaireResponseRow) -> QuestionnaireResponse:
    return QuestionnaireResponse(
        id=row.id,
        patient_id=row.patient_id,
        course_id=row.course_id,
        appointment_id=row.appointment_id,
        instrument_id=row.instrument_id,
        timepoint=row.timepoint,
        session_number=row.session_number,
        answers=list(row.answers),
        score=row.score,
        subscales=dict(row.subscales),
        completed_at=row.completed_at,
        entered_by=row.entered_by,
    )


class AnswerRepository(Repository):
    def add(
        self,
        *,
        patient_id: uuid.UUID,
        course_id: uuid.UUID | None,
        appointment_id: uuid.UUID | None,
        instrument_id: str,
        timepoint: str,
        session_number: int | None,
        answers: list[float | None],
        score: float | None,
        subscales: dict[str, float | None],
        completed_at: datetime,
        entered_by: uuid.UUID | None,
    ) -> QuestionnaireResponse:
        row = QuestionnaireResponseRow(
            patient_id=patient_id,
            course_id=course_id,
            appointment_id=appointment_id,
            instrument_id=instrument_id,
            timepoint=timepoint,
            session_number=session_number,
            answers=answers,
            score=score,
            subscales=subscales,
            completed_at=completed_at,
            entered_by=entered_by,
        )
        self.session.add(row)
        self.flush()
        return _response(row)

    def get(self, response_id: uuid.UUID) -> QuestionnaireResponse | None:
        row = self.session.get(QuestionnaireResponseRow, response_id)
        return _response(row) if row else None

    def for_patient(
        self,
        patient_id: uuid.UUID,
        *,
        instrument_id: str | None = None,
        course_id: uuid.UUID | None = None,
        limit: int,
        offset: int,
    ) -> Page[QuestionnaireResponse]:
        stmt = select(QuestionnaireResponseRow).where(
            QuestionnaireResponseRow.patient_id == patient_id
        )
        if instrument_id is not None:
            stmt = stmt.where(QuestionnaireResponseRow.instrument_id == instrument_id)
        if course_id is not None:
            stmt = stmt.where(QuestionnaireResponseRow.course_id == course_id)
        stmt = stmt.order_by(
            QuestionnaireResponseRow.completed_at, QuestionnaireResponseRow.id
        )
        return paginate(
            self.session, stmt, limit=limit, offset=offset, to_record=_response
        )

    def for_course(self, course_id: uuid.UUID) -> list[QuestionnaireResponse]:
        rows = self.session.scalars(
            select(QuestionnaireResponseRow)
            .where(QuestionnaireResponseRow.course_id == course_id)
            .order_by(
                QuestionnaireResponseRow.completed_at, QuestionnaireResponseRow.id
            )
        )
        return [_response(r) for r in rows]
