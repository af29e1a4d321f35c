"""Who is acting, whether they may, and the audit trail of what they did.

Every service function starts with `authorize(actor, permission, patient_id=...)` and records
`audit(uow, actor, action, ...)` for every read or write of patient data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from prolo.services.errors import (
    ForbiddenError,
    NotFoundError,
    Refusal,
    RefusalReason,
    ServiceError,
)
from prolo.services.permissions import Permission, allows
from prolo.store.records import NewAuditEvent, Role
from prolo.store.unit_of_work import UnitOfWork

__all__ = [
    "Actor",
    "Permission",
    "Role",
    "audit",
    "authorize",
    "refused",
    "require_own",
]


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller of a service: a user (or the operator at the CLI)."""

    user_id: uuid.UUID | None
    role: Role
    clinic_id: uuid.UUID
    patient_id: uuid.UUID | None = None
    staff_member_id: uuid.UUID | None = None
    email: str | None = None
    client_address: str | None = None
    via: str = "api"
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def operator(cls, clinic_id: uuid.UUID, *, via: str = "cli") -> Actor:
        """The person at the server's command line: acts as admin, has no user account."""
        return cls(user_id=None, role=Role.admin, clinic_id=clinic_id, via=via)

    @classmethod
    def system(cls, clinic_id: uuid.UUID, role: Role, *, via: str) -> Actor:
        """A trusted local process acting in a role (the demo seeding, imports)."""
        return cls(user_id=None, role=role, clinic_id=clinic_id, via=via)


def authorize(
    actor: Actor, permission: Permission, *, patient_id: uuid.UUID | None = None
) -> None:
    """Raise unless `actor` may use `permission` (on `patient_id`'s data, when given).

    A patient asking about anyone else gets NotFoundError (404), before the role check, so a
    patient cannot tell whether another patient's id exists. Every refusal carries a `Refusal`,
    which the edge records in the audit log after rolling the request back."""
    if (
        actor.role is Role.patient
        and patient_id is not None
        and patient_id != actor.patient_id
    ):
        raise _refused(
            NotFoundError("not found"), actor, permission, patient_id, "other-patient"
        )
    if not allows(actor.role, permission):
        raise _refused(
            ForbiddenError(
                f"the {actor.role.value} role may not do this ({permission.value}); see docs/roles.md"
            ),
            actor,
            permission,
            patient_id,
            "role",
        )
    if actor.role is Role.patient and patient_id is None and actor.patient_id is None:
        # a patient-scoped permission used without saying whose data, by an unlinked login
        raise _refused(
            ForbiddenError("this login is not linked to a patient"),
            actor,
            permission,
            patient_id,
            "unlinked-login",
        )


def require_own(
    actor: Actor, permission: Permission, patient_id: uuid.UUID, *, not_found: str
) -> None:
    """For a record that exists and belongs to `patient_id`: a patient's login asking for
    someone else's gets `NotFoundError(not_found)`, the very answer a record that does not exist
    gets (call it after the lookup, with the same message), so ids reveal nothing. Unlike that
    one, it carries a `Refusal` (other-patient) and is audited."""
    if actor.role is Role.patient and patient_id != actor.patient_id:
        raise _refused(
            NotFoundError(not_found), actor, permission, patient_id, "other-patient"
        )


def refused(
    error: ServiceError,
    actor: Actor,
    permission: Permission | str,
    *,
    patient_id: uuid.UUID | None = None,
    reason: RefusalReason,
) -> ServiceError:
    """`error` with a `Refusal` attached, for a check `authorize` cannot express (the FHIR
    export's roles); `permission` names what was refused."""
    return _refused(error, actor, permission, patient_id, reason)


def _refused(
    error: ServiceError,
    actor: Actor,
    permission: Permission | str,
    patient_id: uuid.UUID | None,
    reason: RefusalReason,
) -> ServiceError:
    error.refusal = Refusal(
        clinic_id=actor.clinic_id,
        user_id=actor.user_id,
        role=actor.role.value,
        client_address=actor.client_address,
        via=actor.via,
        permission=str(permission),
        patient_id=patient_id,
        reason=reason,
    )
    return error


def audit(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    *,
    resource_type: str,
    resource_id: uuid.UUID | str | None = None,
    patient_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit event (in the same transaction as the work it records)."""
    data = {"via": actor.via}
    if detail:
        data.update(detail)
    uow.audit.add(
        NewAuditEvent(
            at=uow.now(),
            clinic_id=actor.clinic_id,
            actor_user_id=actor.user_id,
            actor_role=actor.role.value,
            action=action,
            patient_id=patient_id,
            resource_type=resource_type,
            resource_id=str(resource_id) if resource_id is not None else None,
            client_address=actor.client_address,
            detail=data,
        )
    )
