"""Session records: protocol state and steps, injections, adverse events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from prolo.store.errors import StaleVersionError
from prolo.store.records import (
    AdverseEvent,
    Injection,
    SessionRecord,
    SessionStep,
)
from prolo.store.repositories.base import Repository
from prolo.store.tables import (
    AdverseEventRow,
    InjectionRow,
    SessionRecordRow,
    SessionStepRow,
)


def _record(row: SessionRecordRow) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        appointment_id=row.appointment_id,
        patient_id=row.patient_id,
        state=row.state,
        started_at=row.started_at,
        discharged_at=row.discharged_at,
        discharge_override_reason=row.discharge_override_reason,
        notes=row.notes,
        steps=tuple(
            SessionStep(step=s.step, at=s.at, by_user_id=s.by_user_id, note=s.note)
            for s in row.steps
        ),
        injections=tuple(
            Injection(
                id=i.id,
                site_id=i.site_id,
                laterality=i.laterality,
                solution=i.solution,
                concentration_pct=float(i.concentration_pct),
                volume_ml=float(i.volume_ml),
                lot_number=i.lot_number,
                anaesthetic=i.anaesthetic,
                guidance=i.guidance,
                injected_at=i.injected_at,
            )
            for i in row.injections
        ),
        adverse_events=tuple(
            AdverseEvent(
                id=e.id,
                kind=e.kind,
                severity=e.severity,
                description=e.description,
                occurred_at=e.occurred_at,
                action_taken=e.action_taken,
            )
            for e in row.adverse_events
        ),
        version=row.version,
    )


class SessionRepository(Repository):
    def start(
        self,
        *,
        appointment_id: uuid.UUID,
        patient_id: uuid.UUID,
        state: str,
        protocol_state: dict[str, Any],
        started_at: datetime,
    ) -> SessionRecord:
        row = SessionRecordRow(
            appointment_id=appointment_id,
            patient_id=patient_id,
            state=state,
            protocol_state=protocol_state,
            started_at=started_at,
            created_at=started_at,
            updated_at=started_at,
        )
        self.session.add(row)
        self.flush()
        return _record(row)

    def get(self, record_id: uuid.UUID) -> SessionRecord | None:
        row = self.session.get(SessionRecordRow, record_id)
        return _record(row) if row else None

    def by_appointment(self, appointment_id: uuid.UUID) -> SessionRecord | None:
        row = self.session.scalars(
            select(SessionRecordRow).where(
                SessionRecordRow.appointment_id == appointment_id
            )
        ).first()
        return _record(row) if row else None

    def for_patient(self, patient_id: uuid.UUID) -> list[SessionRecord]:
        rows = self.session.scalars(
            select(SessionRecordRow)
            .where(SessionRecordRow.patient_id == patient_id)
            .order_by(SessionRecordRow.started_at)
        )
        return [_record(r) for r in rows]

    def protocol_state(self, record_id: uuid.UUID) -> dict[str, Any]:
        row = self.session.get_one(SessionRecordRow, record_id)
        return dict(row.protocol_state)

    def advance(
        self,
        record_id: uuid.UUID,
        *,
        expected_version: int | None,
        state: str,
        protocol_state: dict[str, Any],
        step: str,
        at: datetime,
        by_user_id: uuid.UUID | None,
        note: str | None,
        discharged_at: datetime | None = None,
        discharge_override_reason: str | None = None,
    ) -> SessionRecord:
        row = self.session.get_one(SessionRecordRow, record_id)
        if expected_version is not None and row.version != expected_version:
            raise StaleVersionError("the session record", expected_version, row.version)
        row.state = state
        row.protocol_state = protocol_state
        row.steps.append(
            SessionStepRow(step=step, at=at, by_user_id=by_user_id, note=note)
        )
        if discharged_at is not None:
            row.discharged_at = discharged_at
        if discharge_override_reason is not None:
            row.discharge_override_reason = discharge_override_reason
        row.updated_at = at
        self.flush()
        return _record(row)

    def add_injection(
        self,
        record_id: uuid.UUID,
        *,
        site_id: str,
        laterality: str | None,
        solution: str,
        concentration_pct: float,
        volume_ml: float,
        lot_number: str,
        anaesthetic: str | None,
        guidance: str | None,
        injected_at: datetime,
        by_user_id: uuid.UUID | None,
    ) -> SessionRecord:
        row = self.session.get_one(SessionRecordRow, record_id)
        row.injections.append(
            InjectionRow(
                site_id=site_id,
                laterality=laterality,
                solution=solution,
                concentration_pct=concentration_pct,
                volume_ml=volume_ml,
                lot_number=lot_number,
                anaesthetic=anaesthetic,
                guidance=guidance,
                injected_at=injected_at,
                by_user_id=by_user_id,
            )
        )
        row.updated_at = injected_at
        self.flush()
        return _record(row)

    def add_adverse_event(
        self,
        record_id: uuid.UUID,
        *,
        kind: str,
        severity: str,
        description: str | None,
        occurred_at: datetime,
        action_taken: str | None,
        by_user_id: uuid.UUID | None,
    ) -> SessionRecord:
        row = self.session.get_one(SessionRecordRow, record_id)
        row.adverse_events.append(
            AdverseEventRow(
                kind=kind,
                severity=severity,
                description=description,
                occurred_at=occurred_at,
                action_taken=action_taken,
                by_user_id=by_user_id,
            )
        )
        row.updated_at = occurred_at
        self.flush()
        return _record(row)

    def set_notes(
        self,
        record_id: uuid.UUID,
        *,
        expected_version: int | None,
        notes: str | None,
        at: datetime,
    ) -> SessionRecord:
        row = self.session.get_one(SessionRecordRow, record_id)
        if expected_version is not None and row.version != expected_version:
            raise StaleVersionError("the session record", expected_version, row.version)
        row.notes = notes
        row.updated_at = at
        self.flush()
        return _record(row)

    def patients_injected_from_lot(self, lot_number: str) -> list[uuid.UUID]:
        """Every patient injected from a solution lot (a recall)."""
        return list(
            self.session.scalars(
                select(SessionRecordRow.patient_id)
                .join(
                    InjectionRow, InjectionRow.session_record_id == SessionRecordRow.id
                )
                .where(InjectionRow.lot_number == lot_number)
                .distinct()
            )
        )
