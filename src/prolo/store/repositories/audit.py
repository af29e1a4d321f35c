"""The audit log. Append and read only: there is deliberately no update or delete here, and the
database refuses both anyway (triggers from the first migration)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from prolo.store.records import AuditEvent, NewAuditEvent, Page
from prolo.store.repositories.base import Repository
from prolo.store.repositories.paging import paginate
from prolo.store.tables import AuditEventRow


def _event(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        id=row.id,
        at=row.at,
        clinic_id=row.clinic_id,
        actor_user_id=row.actor_user_id,
        actor_role=row.actor_role,
        action=row.action,
        patient_id=row.patient_id,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        client_address=row.client_address,
        detail=dict(row.detail),
    )


class AuditRepository(Repository):
    def add(self, event: NewAuditEvent) -> None:
        self.session.add(
            AuditEventRow(
                at=event.at,
                clinic_id=event.clinic_id,
                actor_user_id=event.actor_user_id,
                actor_role=event.actor_role,
                action=event.action,
                patient_id=event.patient_id,
                resource_type=event.resource_type,
                resource_id=event.resource_id,
                client_address=event.client_address,
                detail=event.detail,
            )
        )

    def page(
        self,
        clinic_id: uuid.UUID,
        *,
        patient_id: uuid.UUID | None = None,
        actor_user_id: uuid.UUID | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int,
        offset: int,
    ) -> Page[AuditEvent]:
        self.flush()
        stmt = select(AuditEventRow).where(AuditEventRow.clinic_id == clinic_id)
        if patient_id is not None:
            stmt = stmt.where(AuditEventRow.patient_id == patient_id)
        if actor_user_id is not None:
            stmt = stmt.where(AuditEventRow.actor_user_id == actor_user_id)
        if action is not None:
            stmt = stmt.where(AuditEventRow.action == action)
        if since is not None:
            stmt = stmt.where(AuditEventRow.at >= since)
        if until is not None:
            stmt = stmt.where(AuditEventRow.at < until)
        stmt = stmt.order_by(AuditEventRow.id.desc())
        return paginate(
            self.session, stmt, limit=limit, offset=offset, to_record=_event
        )
