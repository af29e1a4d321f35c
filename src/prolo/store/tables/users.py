"""User accounts, login tokens (API bearer tokens and web sessions) and login attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from prolo.store.base import Base, Timestamps, UUIDPrimaryKey, Versioned, utcnow
from prolo.store.records import Role, TokenKind
from prolo.store.tables.columns import enum_type


class UserRow(UUIDPrimaryKey, Timestamps, Versioned, Base):
    __tablename__ = "users"

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), index=True
    )
    # stored lower-case; unique across the installation (one login per address)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role, "user_role"))
    active: Mapped[bool] = mapped_column(default=True)
    patient_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), unique=True
    )
    staff_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL"), unique=True
    )
    last_login_at: Mapped[datetime | None]


class AuthTokenRow(UUIDPrimaryKey, Base):
    """A login: an API bearer token or a web session. Only the SHA-256 of the token is stored."""

    __tablename__ = "auth_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[TokenKind] = mapped_column(enum_type(TokenKind, "token_kind"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    client_address: Mapped[str | None] = mapped_column(String(64))


class LoginAttemptRow(UUIDPrimaryKey, Base):
    """Every password attempt, so rate limits hold across worker processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_client_address_at", "client_address", "at"),
    )

    email: Mapped[str] = mapped_column(String(320))
    client_address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    succeeded: Mapped[bool]
