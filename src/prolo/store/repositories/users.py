"""User accounts, login tokens and login attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select

from prolo.store.records import AuthToken, Page, Role, TokenKind, User, UserCredentials
from prolo.store.repositories.base import Repository
from prolo.store.repositories.paging import paginate
from prolo.store.tables import AuthTokenRow, LoginAttemptRow, UserRow


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        clinic_id=row.clinic_id,
        email=row.email,
        role=row.role,
        active=row.active,
        patient_id=row.patient_id,
        staff_member_id=row.staff_member_id,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


def _token(row: AuthTokenRow) -> AuthToken:
    return AuthToken(
        id=row.id,
        user_id=row.user_id,
        kind=row.kind,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


class UserRepository(Repository):
    def add(
        self,
        clinic_id: uuid.UUID,
        *,
        email: str,
        password_hash: str,
        role: Role,
        patient_id: uuid.UUID | None = None,
        staff_member_id: uuid.UUID | None = None,
        created_at: datetime,
    ) -> User:
        row = UserRow(
            clinic_id=clinic_id,
            email=email,
            password_hash=password_hash,
            role=role,
            active=True,
            patient_id=patient_id,
            staff_member_id=staff_member_id,
            created_at=created_at,
            updated_at=created_at,
        )
        self.session.add(row)
        self.flush()
        return _user(row)

    def get(self, user_id: uuid.UUID) -> User | None:
        row = self.session.get(UserRow, user_id)
        return _user(row) if row else None

    def credentials_by_email(self, email: str) -> UserCredentials | None:
        row = self.session.scalars(
            select(UserRow).where(UserRow.email == email)
        ).first()
        return (
            UserCredentials(user=_user(row), password_hash=row.password_hash)
            if row
            else None
        )

    def by_patient(self, patient_id: uuid.UUID) -> User | None:
        row = self.session.scalars(
            select(UserRow).where(UserRow.patient_id == patient_id)
        ).first()
        return _user(row) if row else None

    def page(
        self, clinic_id: uuid.UUID, *, role: Role | None, limit: int, offset: int
    ) -> Page[User]:
        stmt = select(UserRow).where(UserRow.clinic_id == clinic_id)
        if role is not None:
            stmt = stmt.where(UserRow.role == role)
        return paginate(
            self.session,
            stmt.order_by(UserRow.email),
            limit=limit,
            offset=offset,
            to_record=_user,
        )

    def set_password_hash(self, user_id: uuid.UUID, password_hash: str) -> None:
        row = self.session.get_one(UserRow, user_id)
        row.password_hash = password_hash
        self.flush()

    def set_active(self, user_id: uuid.UUID, active: bool) -> User:
        row = self.session.get_one(UserRow, user_id)
        row.active = active
        self.flush()
        return _user(row)

    def set_last_login(self, user_id: uuid.UUID, at: datetime) -> None:
        row = self.session.get_one(UserRow, user_id)
        row.last_login_at = at
        self.flush()

    # tokens ------------------------------------------------------------------------------
    def add_token(
        self,
        user_id: uuid.UUID,
        *,
        kind: TokenKind,
        token_hash: str,
        created_at: datetime,
        expires_at: datetime,
        client_address: str | None,
    ) -> AuthToken:
        row = AuthTokenRow(
            user_id=user_id,
            kind=kind,
            token_hash=token_hash,
            created_at=created_at,
            expires_at=expires_at,
            client_address=client_address,
        )
        self.session.add(row)
        self.flush()
        return _token(row)

    def token_by_hash(self, token_hash: str) -> tuple[AuthToken, User] | None:
        found = self.session.execute(
            select(AuthTokenRow, UserRow)
            .join(UserRow, UserRow.id == AuthTokenRow.user_id)
            .where(AuthTokenRow.token_hash == token_hash)
        ).first()
        if found is None:
            return None
        token, user = found
        return _token(token), _user(user)

    def touch_token(self, token_id: uuid.UUID, at: datetime) -> None:
        row = self.session.get_one(AuthTokenRow, token_id)
        row.last_used_at = at
        self.flush()

    def revoke_token(self, token_id: uuid.UUID, at: datetime) -> None:
        row = self.session.get_one(AuthTokenRow, token_id)
        if row.revoked_at is None:
            row.revoked_at = at
        self.flush()

    def revoke_all_tokens(self, user_id: uuid.UUID, at: datetime) -> int:
        rows = self.session.scalars(
            select(AuthTokenRow).where(
                AuthTokenRow.user_id == user_id, AuthTokenRow.revoked_at.is_(None)
            )
        ).all()
        for row in rows:
            row.revoked_at = at
        self.flush()
        return len(rows)

    # login attempts ----------------------------------------------------------------------
    def add_login_attempt(
        self, *, email: str, client_address: str, at: datetime, succeeded: bool
    ) -> None:
        self.session.add(
            LoginAttemptRow(
                email=email, client_address=client_address, at=at, succeeded=succeeded
            )
        )
        self.flush()

    def recent_failures(
        self,
        *,
        email: str | None = None,
        client_address: str | None = None,
        since: datetime,
    ) -> tuple[int, datetime | None]:
        """Failed attempts since `since` (for an e-mail or a client address) and the latest one.

        Counting stops at the last success for an e-mail: a correct password resets the count."""
        stmt = select(func.count(), func.max(LoginAttemptRow.at)).where(
            LoginAttemptRow.succeeded.is_(False), LoginAttemptRow.at >= since
        )
        if email is not None:
            last_ok = self.session.scalar(
                select(func.max(LoginAttemptRow.at)).where(
                    LoginAttemptRow.email == email, LoginAttemptRow.succeeded.is_(True)
                )
            )
            stmt = stmt.where(LoginAttemptRow.email == email)
            if last_ok is not None:
                stmt = stmt.where(LoginAttemptRow.at > last_ok)
        if client_address is not None:
            stmt = stmt.where(LoginAttemptRow.client_address == client_address)
        count, latest = self.session.execute(stmt).one()
        return int(count), latest
