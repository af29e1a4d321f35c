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
