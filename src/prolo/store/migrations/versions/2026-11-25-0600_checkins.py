"""Check-ins get their own table; the check-ins already recorded are copied from the audit log.

Until now a self check-in was recorded only as the audit event `checkin.complete` (detail: the
appointment, the answers, the flags) and a clinician's clearance as `checkin.flags_cleared`
(detail: the appointment, the reason), and every session start searched the audit log for them.
`checkins` holds one row per completed check-in, numbered per appointment (`attempt`), with the
clearance on the row. The audit events stay where they are (the log is append-only); the upgrade
copies them, in the log's order: a clearance applies to the newest check-in of its appointment
recorded before it. Events naming an appointment that no longer exists are not copied.

Downgrade drops the table: the check-ins recorded after this revision are lost (their audit events
name them, but no longer carry the answers).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 06:00:00+00:00
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "checkins",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("answers", _JSON, nullable=False),
        sa.Column("flags", _JSON, nullable=False),
        sa.Column("kiosk_user_id", sa.Uuid(), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_by", sa.Uuid(), nullable=True),
        sa.Column("clearance_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_checkins_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cleared_by"],
            ["users.id"],
            name=op.f("fk_checkins_cleared_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_checkins_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["kiosk_user_id"],
            ["users.id"],
            name=op.f("fk_checkins_kiosk_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_checkins_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint(
            "appointment_id", "attempt", name=op.f("uq_checkins_appointment_id_attempt")
        ),
    )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index(
            "ix_checkins_clinic_id_completed_at",
            ["clinic_id", "completed_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_checkins_patient_id"), ["patient_id"], unique=False
        )
    copy_checkins_from_the_audit_log(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkins_patient_id"))
        batch_op.drop_index("ix_checkins_clinic_id_completed_at")

    op.drop_table("checkins")


_COMPLETE = "checkin.complete"
_CLEARED = "checkin.flags_cleared"

# The tables as this revision knows them (never the application's models, which move on).
_audit = sa.table(
    "audit_events",
    sa.column("id", sa.BigInteger()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("clinic_id", sa.Uuid()),
    sa.column("actor_user_id", sa.Uuid()),
    sa.column("action", sa.String()),
    sa.column("patient_id", sa.Uuid()),
    sa.column("detail", _JSON),
)
_appointments = sa.table(
    "appointments", sa.column("id", sa.Uuid()), sa.column("patient_id", sa.Uuid())
)
_users = sa.table("users", sa.column("id", sa.Uuid()))
_checkins = sa.table(
    "checkins",
    sa.column("id", sa.Uuid()),
    sa.column("clinic_id", sa.Uuid()),
    sa.column("appointment_id", sa.Uuid()),
    sa.column("patient_id", sa.Uuid()),
    sa.column("attempt", sa.Integer()),
    sa.column("completed_at", sa.DateTime(timezone=True)),
    sa.column("via", sa.String()),
    sa.column("answers", _JSON),
    sa.column("flags", _JSON),
    sa.column("kiosk_user_id", sa.Uuid()),
    sa.column("cleared_at", sa.DateTime(timezone=True)),
    sa.column("cleared_by", sa.Uuid()),
    sa.column("clearance_reason", sa.Text()),
)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def copy_checkins_from_the_audit_log(bind: sa.Connection) -> int:
    """Copy the audit log's check-ins and clearances into `checkins`; return how many rows."""
    events = bind.execute(
        sa.select(_audit)
        .where(_audit.c.action.in_([_COMPLETE, _CLEARED]))
        .order_by(_audit.c.id)
    ).all()
    if not events:
        return 0
    patients = dict(
        bind.execute(sa.select(_appointments.c.id, _appointments.c.patient_id)).all()
    )
    users = set(bind.scalars(sa.select(_users.c.id)))
    rows: list[dict[str, Any]] = []
    newest: dict[uuid.UUID, dict[str, Any]] = {}
    for event in events:
        detail = event.detail or {}
        appointment_id = _uuid(detail.get("appointment_id"))
        if appointment_id is None or appointment_id not in patients:
            continue
        if event.action == _COMPLETE:
            kiosk = _uuid(detail.get("kiosk_user_id"))
            row = {
                "id": uuid.uuid4(),
                "clinic_id": event.clinic_id,
                "appointment_id": appointment_id,
                "patient_id": patients[appointment_id],
                "attempt": newest[appointment_id]["attempt"] + 1
                if appointment_id in newest
                else 1,
                "completed_at": event.at,
                "via": str(detail.get("via") or "check-in")[:20],
                "answers": dict(detail.get("answers") or {}),
                "flags": list(detail.get("flags") or []),
                "kiosk_user_id": kiosk if kiosk in users else None,
                "cleared_at": None,
                "cleared_by": None,
                "clearance_reason": None,
            }
            rows.append(row)
            newest[appointment_id] = row
        elif appointment_id in newest and newest[appointment_id]["cleared_at"] is None:
            row = newest[appointment_id]
            row["cleared_at"] = event.at
            row["cleared_by"] = (
                event.actor_user_id if event.actor_user_id in users else None
            )
            row["clearance_reason"] = str(detail.get("reason") or "")
    if rows:
        bind.execute(sa.insert(_checkins), rows)
    return len(rows)
