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
