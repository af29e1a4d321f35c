"""Accounts: users, argon2 passwords, login with rate limits, bearer tokens, web sessions, CSRF.

- Passwords are hashed with argon2id; the default cost is OWASP's first recommended setting
  (19 MiB, 2 iterations, 1 lane: ~0.1 s on a 2-core machine), set by PROLO_PASSWORD_HASH_*;
  hashes made with other parameters are upgraded at the next login.
- A login gives a random token (256 bits, `secrets.token_urlsafe`); only its SHA-256 is stored,
  with an expiry. API clients send it as `Authorization: Bearer ...`; the web keeps it in an
  HttpOnly cookie. Logging out revokes it; expired and revoked tokens authenticate nobody.
- Login attempts are stored, so limits hold across worker processes: after `delay_after` failures
  for an account within `window_s`, each further attempt must wait 2^k seconds (up to
  `max_delay_s`); after `lock_after` failures the account is locked for `lock_s`; a client address
  with `address_lock_after` failures in the window is blocked. A correct password resets the
  account's count. Refusals say when to try again (HTTP 429 + Retry-After).
- CSRF: the web form token is HMAC-SHA256(secret key, session token), so it needs no storage and
  dies with the session.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from prolo.services.context import Actor, audit, authorize
from prolo.services.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    ServiceError,
    TooManyRequestsError,
    use_case,
)
from prolo.services.permissions import Permission
from prolo.store.records import Page, Role, TokenKind, User
from prolo.store.unit_of_work import UnitOfWork

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class PasswordPolicy:
    """How passwords are checked and hashed (from PROLO_PASSWORD_* settings)."""

    min_length: int = 10
    time_cost: int = 2
    memory_kib: int = 19456
    parallelism: int = 1

    @functools.cached_property
    def hasher(self) -> PasswordHasher:
        return PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_kib,
            parallelism=self.parallelism,
        )

    @functools.cached_property
    def dummy_hash(self) -> str:
        """Verified against when the e-mail is unknown: both paths cost one verification."""
        return self.hasher.hash(secrets.token_urlsafe(16))


DEFAULT_PASSWORD_POLICY = PasswordPolicy()


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """Rate limits of password logins (from PROLO_LOGIN_* settings)."""

    window_s: int = 900
    delay_after: int = 5
    max_delay_s: int = 60
    lock_after: int = 10
    lock_s: int = 900
    address_lock_after: int = 50


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A fresh login. `token` is shown once; only its hash is kept."""

    token: str
    kind: TokenKind
    expires_at: datetime
    user: User


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    """What a login attempt gave. The attempt itself is recorded either way: commit, then
    call `unwrap()` (which raises the refusal)."""

    issued: IssuedToken | None
    error: ServiceError | None

    def unwrap(self) -> IssuedToken:
        if self.issued is None:
            assert self.error is not None
            raise self.error
        return self.issued


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 320:
        raise InvalidInputError(f"not an e-mail address: {email!r}", field="email")
    return value


def hash_password(
    password: str, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY
) -> str:
    return policy.hasher.hash(password)


def verify_password(
    password_hash: str, password: str, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY
) -> bool:
    try:
        return policy.hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password(password: str, *, min_length: int) -> None:
    if len(password) < min_length:
        raise InvalidInputError(
            f"the password must have at least {min_length} characters", field="password"
        )
    if len(password) > 1024:
        raise InvalidInputError(
            "the password is too long (over 1024 characters)", field="password"
        )
    if password.strip() != password or not password.strip():
        raise InvalidInputError(
            "the password must not start or end with spaces", field="password"
        )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- users


@use_case
def create_user(
    uow: UnitOfWork,
    actor: Actor,
    *,
    email: str,
    password: str,
    role: Role,
    patient_id: uuid.UUID | None = None,
    staff_member_id: uuid.UUID | None = None,
    password_policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
) -> User:
    """Create a login. Patients' logins must name their patient; staff logins may name a staff
    member."""
    authorize(actor, Permission.user_manage)
    address = normalise_email(email)
    check_password(password, min_length=password_policy.min_length)
    if role is Role.patient:
        if patient_id is None:
            raise InvalidInputError(
                "a patient login needs the patient's id", field="patient_id"
            )
        if uow.patients.get(actor.clinic_id, patient_id) is None:
            raise NotFoundError(f"no patient {patient_id}", field="patient_id")
    elif patient_id is not None:
        raise InvalidInputError(
            "only patient logins are linked to a patient", field="patient_id"
        )
    if (
        staff_member_id is not None
        and uow.staff.get(actor.clinic_id, staff_member_id) is None
    ):
        raise NotFoundError(
            f"no staff member {staff_member_id}", field="staff_member_id"
        )
    if uow.users.credentials_by_email(address) is not None:
        raise ConflictError(
            f"a user with the e-mail {address} already exists", field="email"
        )
    user = uow.users.add(
        actor.clinic_id,
        email=address,
        password_hash=hash_password(password, password_policy),
        role=role,
        patient_id=patient_id,
        staff_member_id=staff_member_id,
        created_at=uow.now(),
    )
    audit(
        uow,
        actor,
        "user.create",
        resource_type="user",
        resource_id=user.id,
        patient_id=patient_id,
        detail={"email": address, "role": role.value},
    )
    return user


@use_case
def list_users(
    uow: UnitOfWork,
    actor: Actor,
    *,
    role: Role | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[User]:
    authorize(actor, Permission.user_manage)
    return uow.users.page(actor.clinic_id, role=role, limit=limit, offset=offset)


@use_case
def set_user_active(
    uow: UnitOfWork, actor: Actor, *, user_id: uuid.UUID, active: bool
) -> User:
    """Deactivate (or reactivate) a login; deactivation revokes its tokens."""
    authorize(actor, Permission.user_manage)
    user = uow.users.get(user_id)
    if user is None or user.clinic_id != actor.clinic_id:
        raise NotFoundError(f"no user {user_id}")
    updated = uow.users.set_active(user_id, active)
    if not active:
        uow.users.revoke_all_tokens(user_id, uow.now())
    audit(
        uow,
        actor,
        "user.activate" if active else "user.deactivate",
        resource_type="user",
        resource_id=user_id,
        patient_id=user.patient_id,
    )
    return updated


@use_case
def change_password(
    uow: UnitOfWork,
    actor: Actor,
    *,
    current_password: str,
    new_password: str,
    password_policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
) -> None:
    """Change one's own password; every other login of the user is revoked."""
    if actor.user_id is None or actor.email is None:
        raise AuthenticationError("log in to change a password")
    found = uow.users.credentials_by_email(actor.email)
    if found is None or not verify_password(
        found.password_hash, current_password, password_policy
    ):
        raise AuthenticationError("the current password is wrong")
    check_password(new_password, min_length=password_policy.min_length)
    uow.users.set_password_hash(
        actor.user_id, hash_password(new_password, password_policy)
    )
    uow.users.revoke_all_tokens(actor.user_id, uow.now())
    audit(
        uow,
        actor,
        "user.password_change",
        resource_type="user",
        resource_id=actor.user_id,
    )


# --------------------------------------------------------------------------- login


def _refusal(
    uow: UnitOfWork, email: str, client_address: str, policy: LoginPolicy
) -> ServiceError | None:
    now = uow.now()
    since = now - timedelta(seconds=policy.window_s)
    by_address, _ = uow.users.recent_failures(
        client_address=client_address, since=since
    )
    if by_address >= policy.address_lock_after:
        return TooManyRequestsError(
            "too many failed logins from this address; try again later",
            retry_after=policy.window_s,
        )
    failures, latest = uow.users.recent_failures(
        email=email, since=now - timedelta(seconds=max(policy.window_s, policy.lock_s))
    )
    if latest is None:
        return None
    waited = (now - latest).total_seconds()
    if failures >= policy.lock_after and waited < policy.lock_s:
        return TooManyRequestsError(
            "this account is locked after too many failed logins; try again later",
            retry_after=max(1, int(policy.lock_s - waited + 0.999)),
        )
    if failures >= policy.delay_after:
        delay = min(2 ** (failures - policy.delay_after), policy.max_delay_s)
        if waited < delay:
            return TooManyRequestsError(
                "too many failed logins; wait before trying again",
                retry_after=max(1, int(delay - waited + 0.999)),
            )
    return None


@use_case
def login(
    uow: UnitOfWork,
    *,
    email: str,
    password: str,
    client_address: str,
    kind: TokenKind,
    ttl_s: int,
    policy: LoginPolicy,
    password_policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
) -> LoginOutcome:
    """Check a password and issue a token. Never raises for a wrong password: the outcome says
    so, and the attempt is recorded (commit the unit of work, then `outcome.unwrap()`)."""
    try:
        address = normalise_email(email)
    except InvalidInputError:
        return LoginOutcome(None, AuthenticationError("wrong e-mail or password"))
    refusal = _refusal(uow, address, client_address, policy)
    if refusal is not None:
        return LoginOutcome(None, refusal)
    now = uow.now()
    found = uow.users.credentials_by_email(address)
    ok = verify_password(
        found.password_hash if found else password_policy.dummy_hash,
        password,
        password_policy,
    )
    if found is None or not ok or not found.user.active:
        uow.users.add_login_attempt(
            email=address, client_address=client_address, at=now, succeeded=False
        )
        return LoginOutcome(None, AuthenticationError("wrong e-mail or password"))
    user = found.user
    uow.users.add_login_attempt(
        email=address, client_address=client_address, at=now, succeeded=True
    )
    if password_policy.hasher.check_needs_rehash(found.password_hash):
        uow.users.set_password_hash(user.id, hash_password(password, password_policy))
    uow.users.set_last_login(user.id, now)
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=ttl_s)
    uow.users.add_token(
        user.id,
        kind=kind,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=expires_at,
        client_address=client_address,
    )
    actor = _actor_for(user, client_address, via=kind.value)
    audit(
        uow,
        actor,
        "auth.login",
        resource_type="user",
        resource_id=user.id,
        detail={"kind": kind.value},
    )
    return LoginOutcome(IssuedToken(token, kind, expires_at, user), None)


def _actor_for(user: User, client_address: str | None, *, via: str) -> Actor:
    return Actor(
        user_id=user.id,
        role=user.role,
        clinic_id=user.clinic_id,
        patient_id=user.patient_id,
        staff_member_id=user.staff_member_id,
        email=user.email,
        client_address=client_address,
        via=via,
    )


@use_case
def authenticate(
    uow: UnitOfWork, *, token: str, kind: TokenKind, client_address: str | None
) -> Actor:
    """The actor a token belongs to, or AuthenticationError (unknown, expired, revoked, wrong
    kind, or a deactivated user)."""
    if not token or len(token) > 200:
        raise AuthenticationError("invalid or expired credentials")
    found = uow.users.token_by_hash(token_hash(token))
    now = uow.now()
    if found is None:
        raise AuthenticationError("invalid or expired credentials")
    issued, user = found
    if (
        issued.kind is not kind
        or issued.revoked_at is not None
        or issued.expires_at <= now
    ):
        raise AuthenticationError("invalid or expired credentials")
    if not user.active:
        raise AuthenticationError("this account is deactivated")
    return _actor_for(user, client_address, via=kind.value)


@use_case
def logout(uow: UnitOfWork, *, token: str) -> None:
    """Revoke a token (idempotent; an unknown token is ignored)."""
    found = uow.users.token_by_hash(token_hash(token))
    if found is None:
        return
    issued, user = found
    uow.users.revoke_token(issued.id, uow.now())
    actor = _actor_for(user, None, via=issued.kind.value)
    audit(uow, actor, "auth.logout", resource_type="user", resource_id=user.id)


def csrf_token(secret_key: str, session_token: str) -> str:
    """The CSRF token of a web session (put it in forms and the X-CSRF-Token header)."""
    return hmac.new(
        secret_key.encode("utf-8"),
        b"csrf:" + session_token.encode("utf-8"),
        hashlib.sha256,
    ).hexdigest()


def verify_csrf(secret_key: str, session_token: str, presented: str | None) -> bool:
    if not presented:
        return False
    return hmac.compare_digest(csrf_token(secret_key, session_token), presented)
