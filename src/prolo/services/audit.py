"""Reading the audit log (admin only). There is no service that changes or deletes it."""

from __future__ import annotations

import uuid
from datetime import datetime

from prolo.services.context import Actor, authorize
from prolo.services.errors import use_case
from prolo.services.permissions import Permission
from prolo.store.records import AuditEvent, Page
from prolo.store.unit_of_work import UnitOfWork


@use_case
def list_events(
    uow: UnitOfWork,
    actor: Actor,
    *,
    patient_id: uuid.UUID | None = None,
    actor_user_id: uuid.UUID | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[AuditEvent]:
    """Newest first. Reading the log is not itself logged (it holds no patient data beyond ids)."""
    authorize(actor, Permission.audit_read)
    return uow.audit.page(
        actor.clinic_id,
        patient_id=patient_id,
        actor_user_id=actor_user_id,
        action=action,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
