"""Calendar feed tokens: secret subscription URLs for the patient and clinician iCalendar feeds.

Only the SHA-256 of each token is stored (`token_hash`, unique); a row names exactly one owner,
a patient or a clinician (staff member), checked by the `one_owner` constraint.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 22:45:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feed_tokens",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("staff_member_id", sa.Uuid(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'patient' AND patient_id IS NOT NULL AND staff_member_id IS NULL)"
            " OR (kind = 'clinician' AND staff_member_id IS NOT NULL AND patient_id IS NULL)",
            name=op.f("ck_calendar_feed_tokens_one_owner"),
        ),
        sa.CheckConstraint(
            "kind IN ('patient', 'clinician')",
            name=op.f("ck_calendar_feed_tokens_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_calendar_feed_tokens_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_calendar_feed_tokens_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_calendar_feed_tokens_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_members.id"],
            name=op.f("fk_calendar_feed_tokens_staff_member_id_staff_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed_tokens")),
        sa.UniqueConstraint(
            "token_hash", name=op.f("uq_calendar_feed_tokens_token_hash")
        ),
    )
    with op.batch_alter_table("calendar_feed_tokens", schema=None) as batch_op:
        batch_op.create_index(
            "ix_calendar_feed_tokens_clinic_id_kind",
            ["clinic_id", "kind"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_calendar_feed_tokens_patient_id"),
            ["patient_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_calendar_feed_tokens_staff_member_id"),
            ["staff_member_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("calendar_feed_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feed_tokens_staff_member_id"))
        batch_op.drop_index(batch_op.f("ix_calendar_feed_tokens_patient_id"))
        batch_op.drop_index("ix_calendar_feed_tokens_clinic_id_kind")

    op.drop_table("calendar_feed_tokens")
