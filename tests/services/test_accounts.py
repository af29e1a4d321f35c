"""Accounts: users, passwords, tokens, web sessions, rate-limited logins, CSRF."""

from __future__ import annotations

import pytest

from factories import MutableClock, save_patient
from prolo.services import accounts
from prolo.services.context import Actor
from prolo.services.errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    TooManyRequestsError,
)
from prolo.store.records import Clinic, Role, TokenKind
from prolo.store.unit_of_work import UnitOfWork

PASSWORD = "correct horse battery"
POLICY = accounts.LoginPolicy(
    window_s=900,
    delay_after=3,
    max_delay_s=8,
    lock_after=6,
    lock_s=600,
    address_lock_after=20,
)


def _login(
    uow: UnitOfWork,
    email: str,
    password: str = PASSWORD,
    *,
    address: str = "192.0.2.1",
    kind: TokenKind = TokenKind.api,
) -> accounts.LoginOutcome:
    return accounts.login(
        uow,
        email=email,
        password=password,
        client_address=address,
        kind=kind,
        ttl_s=3600,
        policy=POLICY,
    )


@pytest.fixture
def user_email(uow: UnitOfWork, admin: Actor) -> str:
    accounts.create_user(
        uow, admin, email="Dr.Who@Example.org", password=PASSWORD, role=Role.clinician
    )
    return "dr.who@example.org"


class TestCreateUser:
    def test_admin_creates_a_login_with_a_hashed_password(
        self, uow: UnitOfWork, admin: Actor
    ) -> None:
        user = accounts.create_user(
            uow, admin, email=" Nurse@Example.org ", password=PASSWORD, role=Role.nurse
        )
        assert user.email == "nurse@example.org"
        found = uow.users.credentials_by_email("nurse@example.org")
        assert found is not None
        assert found.password_hash.startswith("$argon2id$")
        assert PASSWORD not in found.password_hash
        assert accounts.verify_password(found.password_hash, PASSWORD)

    @pytest.mark.parametrize("role", [Role.clinician, Role.nurse, Role.reception])
    def test_only_admin_creates_logins(
        self, uow: UnitOfWork, clinic: Clinic, role: Role
    ) -> None:
        from factories import actor_for

        with pytest.raises(ForbiddenError):
            accounts.create_user(
                uow,
                actor_for(clinic, role),
                email="x@example.org",
                password=PASSWORD,
                role=Role.nurse,
            )

    def test_duplicate_email_is_a_conflict(
        self, uow: UnitOfWork, admin: Actor, user_email: str
    ) -> None:
        with pytest.raises(ConflictError):
            accounts.create_user(
                uow, admin, email=user_email.upper(), password=PASSWORD, role=Role.nurse
            )

    @pytest.mark.parametrize(
        ("email", "password", "field"),
        [
            ("not-an-address", PASSWORD, "email"),
            ("a@example.org", "short", "password"),
            ("a@example.org", " padded password ", "password"),
        ],
    )
    def test_bad_input_names_the_field(
        self, uow: UnitOfWork, admin: Actor, email: str, password: str, field: str
    ) -> None:
        with pytest.raises(InvalidInputError) as info:
            accounts.create_user(
                uow, admin, email=email, password=password, role=Role.nurse
            )
        assert info.value.field == field

    def test_a_patient_login_must_name_an_existing_patient(
        self, uow: UnitOfWork, admin: Actor, clinic: Clinic
    ) -> None:
        import uuid

        with pytest.raises(InvalidInputError):
            accounts.create_user(
                uow, admin, email="p@example.org", password=PASSWORD, role=Role.patient
            )
        with pytest.raises(NotFoundError):
            accounts.create_user(
                uow,
                admin,
                email="p@example.org",
                password=PASSWORD,
                role=Role.patient,
                patient_id=uuid.uuid4(),
            )
        patient = save_patient(uow, clinic)
        user = accounts.create_user(
            uow,
            admin,
            email="p@example.org",
            password=PASSWORD,
            role=Role.patient,
            patient_id=patient.id,
        )
        assert user.patient_id == patient.id


class TestLogin:
    def test_a_correct_password_gives_a_token_that_authenticates(
        self, uow: UnitOfWork, user_email: str
    ) -> None:
        issued = _login(uow, user_email).unwrap()
        assert len(issued.token) >= 40
        actor = accounts.authenticate(
            uow, token=issued.token, kind=TokenKind.api, client_address="192.0.2.9"
        )
        assert (actor.role, actor.email, actor.client_address) == (
            Role.clinician,
            user_email,
            "192.0.2.9",
        )
        stored = uow.users.token_by_hash(accounts.token_hash(issued.token))
        assert stored is not None  # stored by hash only
        assert uow.users.token_by_hash(issued.token) is None

    def test_email_is_case_insensitive(self, uow: UnitOfWork, user_email: str) -> None:
        assert _login(uow, user_email.upper()).issued is not None

    @pytest.mark.parametrize(
        "email", ["dr.who@example.org", "nobody@example.org", "garbage"]
    )
    def test_wrong_credentials_are_refused_alike(
        self, uow: UnitOfWork, user_email: str, email: str
    ) -> None:
        outcome = _login(uow, email, "wrong password!")
        assert isinstance(outcome.error, AuthenticationError)
        assert str(outcome.error) == "wrong e-mail or password"
        with pytest.raises(AuthenticationError):
            outcome.unwrap()

    def test_tokens_expire(
        self, uow: UnitOfWork, user_email: str, clock: MutableClock
    ) -> None:
        issued = _login(uow, user_email).unwrap()
        clock.advance(seconds=3599)
        accounts.authenticate(
            uow, token=issued.token, kind=TokenKind.api, client_address=None
        )
        clock.advance(seconds=1)
        with pytest.raises(AuthenticationError):
            accounts.authenticate(
                uow, token=issued.token, kind=TokenKind.api, client_address=None
            )

    def test_logout_revokes_the_token(self, uow: UnitOfWork, user_email: str) -> None:
        issued = _login(uow, user_email).unwrap()
        accounts.logout(uow, token=issued.token)
        with pytest.raises(AuthenticationError):
            accounts.authenticate(
                uow, token=issued.token, kind=TokenKind.api, client_address=None
            )

    def test_web_sessions_and_api_tokens_are_not_interchangeable(
        self, uow: UnitOfWork, user_email: str
    ) -> None:
        web = _login(uow, user_email, kind=TokenKind.web).unwrap()
        with pytest.raises(AuthenticationError):
            accounts.authenticate(
                uow, token=web.token, kind=TokenKind.api, client_address=None
            )
        assert (
            accounts.authenticate(
                uow, token=web.token, kind=TokenKind.web, client_address=None
            ).email
            == user_email
        )

    def test_a_deactivated_user_cannot_log_in_and_loses_its_tokens(
        self, uow: UnitOfWork, admin: Actor, user_email: str
    ) -> None:
        issued = _login(uow, user_email).unwrap()
        accounts.set_user_active(uow, admin, user_id=issued.user.id, active=False)
        with pytest.raises(AuthenticationError):
            accounts.authenticate(
                uow, token=issued.token, kind=TokenKind.api, client_address=None
            )
        assert _login(uow, user_email).error is not None

    def test_changing_the_password_revokes_other_logins(
        self, uow: UnitOfWork, user_email: str
    ) -> None:
        issued = _login(uow, user_email).unwrap()
        actor = accounts.authenticate(
            uow, token=issued.token, kind=TokenKind.api, client_address=None
        )
        with pytest.raises(AuthenticationError):
            accounts.change_password(
                uow, actor, current_password="nope", new_password="another long one"
            )
        accounts.change_password(
            uow, actor, current_password=PASSWORD, new_password="another long one"
        )
        with pytest.raises(AuthenticationError):
            accounts.authenticate(
                uow, token=issued.token, kind=TokenKind.api, client_address=None
            )
        assert _login(uow, user_email, "another long one").issued is not None


class TestLoginRateLimit:
    def _fail(self, uow: UnitOfWork, email: str, times: int, **kw: str) -> None:
        for _ in range(times):
            assert isinstance(
                _login(uow, email, "wrong password!", **kw).error, AuthenticationError
            )

    def test_failures_slow_down_further_attempts(
        self, uow: UnitOfWork, user_email: str, clock: MutableClock
    ) -> None:
        self._fail(uow, user_email, POLICY.delay_after)
        refused = _login(uow, user_email).error
        assert isinstance(refused, TooManyRequestsError)
        assert refused.retry_after == 1
        clock.advance(seconds=1)
        self._fail(uow, user_email, 1)  # the 4th failure: now 2 s must pass
        refused = _login(uow, user_email).error
        assert isinstance(refused, TooManyRequestsError)
        assert refused.retry_after == 2
        clock.advance(seconds=2)
        assert (
            _login(uow, user_email).issued is not None
        )  # the right password still works

    def test_many_failures_lock_the_account_then_unlock(
        self, uow: UnitOfWork, user_email: str, clock: MutableClock
    ) -> None:
        for _ in range(POLICY.lock_after):
            clock.advance(seconds=POLICY.max_delay_s)
            self._fail(uow, user_email, 1)
        clock.advance(seconds=POLICY.max_delay_s)
        refused = _login(uow, user_email).error  # even with the right password
        assert isinstance(refused, TooManyRequestsError)
        assert "locked" in str(refused)
        clock.advance(seconds=POLICY.lock_s)
        assert _login(uow, user_email).issued is not None

    def test_a_success_resets_the_count(
        self, uow: UnitOfWork, user_email: str, clock: MutableClock
    ) -> None:
        self._fail(uow, user_email, POLICY.delay_after - 1)
        assert _login(uow, user_email).issued is not None
        self._fail(uow, user_email, POLICY.delay_after - 1)
        clock.advance(seconds=0)
        assert _login(uow, user_email).issued is not None

    def test_an_address_spraying_many_accounts_is_blocked(
        self, uow: UnitOfWork, user_email: str
    ) -> None:
        for i in range(POLICY.address_lock_after):
            _login(
                uow, f"guess{i}@example.org", "wrong password!", address="198.51.100.7"
            )
        refused = _login(uow, user_email, address="198.51.100.7").error
        assert isinstance(refused, TooManyRequestsError)
        assert _login(uow, user_email, address="192.0.2.50").issued is not None

    def test_attempts_are_stored_in_the_database(
        self, uow: UnitOfWork, user_email: str, clock: MutableClock
    ) -> None:
        """Counted from rows, so every worker process sees the same count."""
        self._fail(uow, user_email, 2)
        count, latest = uow.users.recent_failures(
            email=user_email, since=clock.now().replace(year=2000)
        )
        assert (count, latest) == (2, clock.now())


class TestCsrf:
    def test_token_is_bound_to_the_session_and_the_secret(self) -> None:
        token = accounts.csrf_token("secret", "session-a")
        assert accounts.verify_csrf("secret", "session-a", token)
        assert not accounts.verify_csrf("secret", "session-b", token)
        assert not accounts.verify_csrf("other", "session-a", token)
        assert not accounts.verify_csrf("secret", "session-a", None)
        assert not accounts.verify_csrf("secret", "session-a", "")
