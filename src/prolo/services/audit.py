"""Reading the audit log (admin only), and recording refused access. There is no service that
changes or deletes the log."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Final

from prolo.services.context import Actor, authorize
from prolo.services.errors import Refusal, ServiceError, use_case
from prolo.services.permissions import Permission
from prolo.store.records import AuditEvent, NewAuditEvent, Page
from prolo.store.unit_of_work import Database, UnitOfWork

logger = logging.getLogger(__name__)

ACCESS_DENIED: Final = "access.denied"
"""The action of an audit event that records a refusal by `authorize`."""


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


def record_refusal(
    database: Database, error: ServiceError, *, route: str | None = None
) -> None:
    """Append an `access.denied` event for `error`'s refusal, in a transaction of its own. Call
    it once the request's own unit of work is closed (a refusal that ended the request rolled it
    back). Does nothing for an error that is not a refusal. `route` is the route's path template
    (no ids, no query).

    A patient asking about a patient id that does not exist is refused like one asking about
    another patient (so ids reveal nothing), but reached no one's data: that is an ordinary
    not-found and leaves no event.

    A database that cannot take the event (unreachable, full, read-only) is logged and the
    refusal stands as it is: recording it must never change the answer to the refused request.
    """
    refusal = error.refusal
    if refusal is None:
        return
    try:
        with database.unit_of_work() as uow:
            if (
                refusal.reason == "other-patient"
                and refusal.patient_id is not None
                and not uow.patients.exists(refusal.patient_id)
            ):
                return
            uow.audit.add(_refusal_event(uow, refusal, error.status, route))
            uow.commit()
    except Exception as exc:  # any failure: the refusal is answered all the same
        logger.warning(
            "could not record a refused access (%s, %s) in the audit log: %s",
            refusal.permission,
            refusal.reason,
            type(exc).__name__,
        )


def _refusal_event(
    uow: UnitOfWork, refusal: Refusal, status: int, route: str | None
) -> NewAuditEvent:
    detail: dict[str, object] = {
        "via": refusal.via,
        "permission": refusal.permission,
        "reason": refusal.reason,
        "status": status,
    }
    if route is not None:
        detail["route"] = route
    return NewAuditEvent(
        at=uow.now(),
        clinic_id=refusal.clinic_id,
        actor_user_id=refusal.user_id,
        actor_role=refusal.role,
        action=ACCESS_DENIED,
        patient_id=refusal.patient_id,
        resource_type="permission",
        resource_id=refusal.permission,
        client_address=refusal.client_address,
        detail=detail,
    )
