"""What the FHIR export and import need beyond the other repositories.

- Reads: the timestamps of appointments (iCalendar DTSTAMP, FHIR meta), the patient an adverse
  event belongs to, and whether an id is already used anywhere in the database.
- Writes that KEEP the record's id: an import keeps the ids of the Bundle it reads, so importing
  the same Bundle again finds every record by its id and adds nothing (docs/interop.md).
Every insert flushes, so a constraint the database enforces (double booking, duplicate
identifier, name taken) surfaces as a StoreError at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import select

from prolo.store.base import Base
from prolo.store.records import (
    AppointmentStatus,
    CourseStatus,
    PatientIdentifier,
    RecoveryPlaceKind,
    Role,
    Sex,
)
from prolo.store.repositories.base import Repository
from prolo.store.tables import (
    AdverseEventRow,
    AppointmentRow,
    CourseRow,
    PatientIdentifierRow,
    PatientRow,
    QuestionnaireResponseRow,
    RecoveryPlaceRow,
    RoomRow,
    SessionRecordRow,
    StaffMemberRow,
    StaffRoleRow,
)

Kind = Literal[
    "patient",
    "staff",
    "room",
    "recovery_place",
    "course",
    "appointment",
    "session",
    "response",
    "adverse_event",
]

_TABLES: dict[Kind, type[Base]] = {
    "patient": PatientRow,
    "staff": StaffMemberRow,
    "room": RoomRow,
    "recovery_place": RecoveryPlaceRow,
    "course": CourseRow,
    "appointment": AppointmentRow,
    "session": SessionRecordRow,
    "response": QuestionnaireResponseRow,
    "adverse_event": AdverseEventRow,
}


@dataclass(frozen=True, slots=True)
class Stamps:
    """When a row was created and last changed."""

    created_at: datetime
    updated_at: datetime


class InteropRepository(Repository):
    # reads --------------------------------------------------------------------------------
    def taken(self, kind: Kind, record_id: uuid.UUID) -> bool:
        """True when a row of `kind` with this id exists (in any clinic)."""
        return self.session.get(_TABLES[kind], record_id) is not None

    def appointment_stamps(
        self, appointment_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Stamps]:
        if not appointment_ids:
            return {}
        rows = self.session.execute(
            select(
                AppointmentRow.id, AppointmentRow.created_at, AppointmentRow.updated_at
            ).where(AppointmentRow.id.in_(list(appointment_ids)))
        )
        return {r.id: Stamps(r.created_at, r.updated_at) for r in rows}

    def adverse_event_patient(self, event_id: uuid.UUID) -> uuid.UUID | None:
        """The patient whose session an adverse event was recorded in."""
        return self.session.scalar(
            select(SessionRecordRow.patient_id)
            .join(
                AdverseEventRow,
                AdverseEventRow.session_record_id == SessionRecordRow.id,
            )
            .where(AdverseEventRow.id == event_id)
        )

    def adverse_event_ids(self, session_record_id: uuid.UUID) -> list[uuid.UUID]:
        return list(
            self.session.scalars(
                select(AdverseEventRow.id).where(
                    AdverseEventRow.session_record_id == session_record_id
                )
            )
        )

    # writes that keep the id ----------------------------------------------------------------
    def add_patient(
        self,
        patient_id: uuid.UUID,
        clinic_id: uuid.UUID,
        *,
        given_name: str,
        family_name: str,
        birth_date: date | None,
        sex: Sex,
        phone: str | None,
        email: str | None,
        preferred_language: str,
        identifiers: Iterable[PatientIdentifier],
        created_at: datetime,
    ) -> None:
        row = PatientRow(
            id=patient_id,
            clinic_id=clinic_id,
            given_name=given_name,
            family_name=family_name,
            birth_date=birth_date,
            sex=sex,
            phone=phone,
            email=email,
            preferred_language=preferred_language,
            created_at=created_at,
            updated_at=created_at,
        )
        row.identifiers = [
            PatientIdentifierRow(system=i.system, value=i.value) for i in identifiers
        ]
        self.session.add(row)
        self.flush()

    def add_staff(
        self,
        staff_id: uuid.UUID,
        clinic_id: uuid.UUID,
        *,
        name: str,
        roles: Iterable[Role],
        active: bool,
    ) -> None:
        row = StaffMemberRow(id=staff_id, clinic_id=clinic_id, name=name, active=active)
        row.roles = [StaffRoleRow(role=r) for r in sorted(set(roles))]
        self.session.add(row)
        self.flush()

    def add_room(
        self, room_id: uuid.UUID, clinic_id: uuid.UUID, *, name: str, active: bool
    ) -> None:
        self.session.add(
            RoomRow(id=room_id, clinic_id=clinic_id, name=name, active=active)
        )
        self.flush()

    def add_recovery_place(
        self,
        place_id: uuid.UUID,
        clinic_id: uuid.UUID,
        *,
        name: str,
        kind: RecoveryPlaceKind,
        active: bool,
    ) -> None:
        self.session.add(
            RecoveryPlaceRow(
                id=place_id,
                clinic_id=clinic_id,
                name=name,
                kind=kind,
                has_heat_pack=True,
                active=active,
            )
        )
        self.flush()

    def add_course(
        self,
        course_id: uuid.UUID,
        clinic_id: uuid.UUID,
        *,
        patient_id: uuid.UUID,
        condition_id: str,
        body_site: str | None,
        laterality: str | None,
        planned_sessions: int,
        status: CourseStatus,
        start_date: date | None,
        created_at: datetime,
    ) -> None:
        self.session.add(
            CourseRow(
                id=course_id,
                clinic_id=clinic_id,
                patient_id=patient_id,
                condition_id=condition_id,
                body_site=body_site,
                laterality=laterality,
                planned_sessions=planned_sessions,
                status=status,
                screening_id=None,
                start_date=start_date,
                created_at=created_at,
                updated_at=created_at,
            )
        )
        self.flush()

    def add_appointment(
        self,
        appointment_id: uuid.UUID,
        clinic_id: uuid.UUID,
        *,
        course_id: uuid.UUID,
        patient_id: uuid.UUID,
        session_number: int,
        clinician_id: uuid.UUID,
        room_id: uuid.UUID,
        recovery_place_id: uuid.UUID,
        starts_at: datetime,
        ends_at: datetime,
        recovery_starts_at: datetime,
        recovery_ends_at: datetime,
        status: AppointmentStatus,
        status_reason: str | None,
        created_at: datetime,
        updated_at: datetime,
    ) -> None:
        self.session.add(
            AppointmentRow(
                id=appointment_id,
                clinic_id=clinic_id,
                course_id=course_id,
                patient_id=patient_id,
                session_number=session_number,
                clinician_id=clinician_id,
                room_id=room_id,
                recovery_place_id=recovery_place_id,
                starts_at=starts_at,
                ends_at=ends_at,
                recovery_starts_at=recovery_starts_at,
                recovery_ends_at=recovery_ends_at,
                status=status,
                status_reason=status_reason,
                created_at=created_at,
                updated_at=updated_at,
            )
        )
        self.flush()

    def add_session_record(
        self,
        record_id: uuid.UUID,
        *,
        appointment_id: uuid.UUID,
        patient_id: uuid.UUID,
        state: str,
        protocol_state: dict[str, Any],
        started_at: datetime,
        discharged_at: datetime | None,
        notes: str | None,
    ) -> None:
        self.session.add(
            SessionRecordRow(
                id=record_id,
                appointment_id=appointment_id,
                patient_id=patient_id,
                state=state,
                protocol_state=protocol_state,
                started_at=started_at,
                discharged_at=discharged_at,
                notes=notes,
                created_at=started_at,
                updated_at=discharged_at or started_at,
            )
        )
        self.flush()

    def add_adverse_event(
        self,
        event_id: uuid.UUID,
        *,
        session_record_id: uuid.UUID,
        kind: str,
        severity: str,
        occurred_at: datetime,
    ) -> None:
        row = AdverseEventRow(
            id=event_id,
            session_record_id=session_record_id,
            kind=kind,
            severity=severity,
            description=None,
            occurred_at=occurred_at,
            action_taken=None,
        )
        # through the record's collection, so a record this unit of work already holds lists
        # it; an unknown record is left to the foreign key to refuse, as before
        record = self.session.get(SessionRecordRow, session_record_id)
        if record is not None:
            record.adverse_events.append(row)
        else:
            self.session.add(row)
        self.flush()

    def add_response(
        self,
        response_id: uuid.UUID,
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
    ) -> None:
        self.session.add(
            QuestionnaireResponseRow(
                id=response_id,
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
                entered_by=None,
            )
        )
        self.flush()
