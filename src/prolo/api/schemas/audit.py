from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from prolo.api.schemas.common import OutputModel


class AuditEventRead(OutputModel):
    id: int
    at: datetime
    actor_user_id: uuid.UUID | None
    actor_role: str
    action: str
    patient_id: uuid.UUID | None
    resource_type: str
    resource_id: str | None
    client_address: str | None
    detail: dict[str, Any]
