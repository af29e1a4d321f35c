"""The audit log (admin, read only: there is no route that changes it)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from prolo.api.deps import ActorDep, PageDep, UoWDep
from prolo.api.schemas.audit import AuditEventRead
from prolo.api.schemas.common import PROBLEM_RESPONSES, Moment, PageRead, page_of
from prolo.services import audit

router = APIRouter(prefix="/audit-events", tags=["audit"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=PageRead[AuditEventRead])
def list_events(
    uow: UoWDep,
    actor: ActorDep,
    page: PageDep,
    patient_id: uuid.UUID | None = None,
    actor_user_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    since: Moment | None = None,
    until: Moment | None = None,
) -> dict[str, Any]:
    """Newest first."""
    return page_of(
        audit.list_events(
            uow,
            actor,
            patient_id=patient_id,
            actor_user_id=actor_user_id,
            action=action,
            since=since,
            until=until,
            limit=page.limit,
            offset=page.offset,
        ),
        AuditEventRead,
    )
