"""Courses of treatment."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from prolo.store.errors import StaleVersionError
from prolo.store.records import Course, CourseStatus
from prolo.store.repositories.base import Repository
from prolo.store.tables import CourseRow

UPDATABLE = frozenset(
    {
        "planned_sessions",
        "status",
        "start_date",
        "extra_sessions_reason",
        "preferred_clinician_id",
        "body_site",
        "laterality",
    }
)


def _course(row: CourseRow) -> Course:
    return Course(
        id=row.id,
        clinic_id=row.clinic_id,
        patient_id=row.patient_id,
        condition_id=row.condition_id,
        body_site=row.body_site,
        laterality=row.laterality,
        planned_sessions=row.planned_sessions,
        status=row.status,
        screening_id=row.screening_id,
        start_date=row.start_date,
        extra_sessions_reason=row.extra_sessions_reason,
        preferred_clinician_id=row.preferred_clinician_id,
        created_at=row.created_at,
        version=row.version,
    )


class CourseRepository(Repository):
    def add(
        self,
        clinic_id: uuid.UUID,
        *,
        patient_id: uuid.UUID,
        condition_id: str,
        planned_sessions: int,
        screening_id: uuid.UUID | None,
        body_site: str | None = None,
        laterality: str | None = None,
        start_date: date | None = None,
        extra_sessions_reason: str | None = None,
        preferred_clinician_id: uuid.UUID | None = None,
        created_at: datetime,
    ) -> Course:
        row = CourseRow(
            clinic_id=clinic_id,
            patient_id=patient_id,
            condition_id=condition_id,
            planned_sessions=planned_sessions,
            screening_id=screening_id,
            body_site=body_site,
            laterality=laterality,
            start_date=start_date,
            extra_sessions_reason=extra_sessions_reason,
            preferred_clinician_id=preferred_clinician_id,
            status=CourseStatus.planned,
            created_at=created_at,
            updated_at=created_at,
        )
        self.session.add(row)
        self.flush()
        return _course(row)

    def get(self, clinic_id: uuid.UUID, course_id: uuid.UUID) -> Course | None:
        row = self.session.get(CourseRow, course_id)
        return _course(row) if row and row.clinic_id == clinic_id else None

    def lock(self, clinic_id: uuid.UUID, course_id: uuid.UUID) -> Course | None:
        """Read the course with a row lock (PostgreSQL FOR UPDATE; SQLite already holds the
        database write lock), so two bookings of one course serialise. The locked row replaces
        what this unit of work read before (`populate_existing`): another booking may have
        committed in between, and an identity-mapped row would otherwise keep the old values."""
        row = self.session.scalars(
            select(CourseRow)
            .where(CourseRow.id == course_id, CourseRow.clinic_id == clinic_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        return _course(row) if row else None

    def for_patient(self, patient_id: uuid.UUID) -> list[Course]:
        rows = self.session.scalars(
            select(CourseRow)
            .where(CourseRow.patient_id == patient_id)
            .order_by(CourseRow.created_at.desc(), CourseRow.id)
        )
        return [_course(r) for r in rows]

    def in_clinic(
        self, clinic_id: uuid.UUID, *, status: CourseStatus | None = None
    ) -> list[Course]:
        stmt = select(CourseRow).where(CourseRow.clinic_id == clinic_id)
        if status is not None:
            stmt = stmt.where(CourseRow.status == status)
        return [
            _course(r)
            for r in self.session.scalars(stmt.order_by(CourseRow.created_at))
        ]

    def update(
        self,
        course_id: uuid.UUID,
        *,
        expected_version: int | None,
        changes: dict[str, Any],
        updated_at: datetime,
    ) -> Course:
        """Apply `changes`; with `expected_version`, refuse when the course moved on."""
        row = self.session.get_one(CourseRow, course_id)
        if expected_version is not None and row.version != expected_version:
            raise StaleVersionError("the course", expected_version, row.version)
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_at = updated_at
        self.flush()
        return _course(row)
