"""Prolo's configuration: one validated object built from PROLO_* environment variables.

This is the only module that reads the environment. `main` and `cli` build a Settings and pass
values down; nothing below them imports this module (an import-linter contract enforces it).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = (
    "development-only-secret-change-me"  # a known placeholder, refused in production
)


PG_DB_SLOTS = 10
SQLITE_DB_SLOTS = 1


class Settings(BaseSettings):
    """Every PROLO_* setting. Documented in docs/configuration.md (a test checks it)."""

    model_config = SettingsConfigDict(env_prefix="PROLO_", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        default="development",
        description="development and test allow the placeholder secret; production refuses it.",
    )
    database_url: str = Field(
        default="sqlite:///./prolo.db",
        description="SQLAlchemy URL. Unset: embedded SQLite (WAL) in ./prolo.db. PostgreSQL: postgresql+psycopg://...",
    )
    secret_key: str = Field(
        default=DEVELOPMENT_SECRET,
        description="Signs session cookies and CSRF tokens. Required in production.",
    )
    timezone: str = Field(
        default="Europe/Istanbul",
        description="Default timezone for a new clinic (IANA name).",
    )
    db_pool_size: int | None = Field(
        default=None,
        ge=1,
        le=200,
        description=(
            "Database connections per server process, and how many requests of one process may"
            " use the database at once (the rest wait their turn; see docs/reliability.md)."
            " Unset: 10 on PostgreSQL (which needs max_connections >= 2 x this x the worker"
            " count), 1 on SQLite (it runs one transaction at a time anyway; queueing in the"
            " process spares SQLite's busy-wait polling)."
        ),
    )
    gc_freeze: bool | None = Field(
        default=None,
        description=(
            "Freeze the heap a server process holds once it has started (gc.freeze), so Python's"
            " full garbage collections skip it: each took about 160 ms of a worker's time and"
            " stalled every request in flight (docs/reliability.md). Unset: on, except with"
            " PROLO_ENVIRONMENT=test (a test process starts many apps and would keep their cycles)."
        ),
    )
    warm_up: bool | None = Field(
        default=None,
        description=(
            "Before a server process takes its first request, build what it would otherwise build"
            " on first use: every route's validators, the reference tables, the page templates and"
            " translations, the ORM mappers and one database connection (bench/cold_start.py)."
            " Unset: on, except with PROLO_ENVIRONMENT=test (a test process starts many apps)."
        ),
    )
    db_wait_s: float = Field(
        default=10.0,
        gt=0,
        description="How long a request waits for its turn at the database before it is answered 503.",
    )
    db_connect_timeout_s: int = Field(
        default=5,
        ge=1,
        description="PostgreSQL: seconds to wait for a new connection (then 503, not a hang).",
    )
    solver_broker: str | None = Field(
        default=None,
        description="Unset: solver jobs run in a local process pool. redis://host:port/db: jobs go through RQ on Redis.",
    )
    solver_time_limit_s: float = Field(
        default=10.0, gt=0, description="Default wall-clock limit of one solver job."
    )
    session_max_age_s: int = Field(
        default=8 * 3600,
        gt=0,
        description="Web login sessions expire after this many seconds.",
    )
    behind_tls: bool = Field(
        default=False,
        description="Set when served behind TLS: adds HSTS and Secure cookies.",
    )
    api_token_ttl_s: int = Field(
        default=12 * 3600,
        gt=0,
        description="API bearer tokens (POST /api/v1/auth/token) expire after this many seconds.",
    )
    password_min_length: int = Field(
        default=10,
        ge=8,
        le=128,
        description="Shortest password a new account may have.",
    )
    password_hash_time_cost: int = Field(
        default=2,
        ge=1,
        description="argon2id iterations (OWASP's first recommended setting: 2 with 19 MiB).",
    )
    password_hash_memory_kib: int = Field(
        default=19456,
        ge=8192,
        description="argon2id memory in KiB (OWASP: 19456 = 19 MiB).",
    )
    login_window_s: int = Field(
        default=900,
        gt=0,
        description="Failed logins are counted over this many seconds.",
    )
    login_delay_after: int = Field(
        default=5,
        ge=1,
        description="After this many failures for one account, each further attempt must wait 2^k s.",
    )
    login_max_delay_s: int = Field(
        default=60,
        ge=1,
        description="The longest wait between two attempts while slowed.",
    )
    login_lock_after: int = Field(
        default=10, ge=1, description="After this many failures an account is locked."
    )
    login_lock_s: int = Field(
        default=900,
        gt=0,
        description="How long a locked account stays locked, in seconds.",
    )
    login_address_lock_after: int = Field(
        default=50,
        ge=1,
        description="Failures from one client address within the window that block the address.",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies whose X-Forwarded-For is trusted for the client address (uvicorn's forwarded_allow_ips).",
    )

    @property
    def freezes_heap(self) -> bool:
        """`gc_freeze`, or its default for the environment."""
        if self.gc_freeze is not None:
            return self.gc_freeze
        return self.environment != "test"

    @property
    def warms_up(self) -> bool:
        """`warm_up`, or its default for the environment."""
        if self.warm_up is not None:
            return self.warm_up
        return self.environment != "test"

    @property
    def database_slots(self) -> int:
        """`db_pool_size`, or its default for the database in use."""
        if self.db_pool_size is not None:
            return self.db_pool_size
        return (
            SQLITE_DB_SLOTS if self.database_url.startswith("sqlite") else PG_DB_SLOTS
        )

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError(
                "PROLO_SECRET_KEY must be set to a real secret when PROLO_ENVIRONMENT=production"
            )
        return self


def get_settings() -> Settings:
    """Build the settings from the environment (call once per process, at the edge)."""
    return Settings()
