"""Time helpers. The domain never reads the clock: callers pass `now`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from prolo.domain.errors import InvalidInputError


class Clock(Protocol):
    """Something that tells the time (the edges use a real one, tests a fixed one)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, in UTC. Used only by edges (CLI, API, web)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock stopped at one instant (tests, replays)."""

    def __init__(self, at: datetime) -> None:
        self._at = require_aware(at, "at")

    def now(self) -> datetime:
        return self._at


def require_aware(value: datetime, field: str) -> datetime:
    """Return `value` if it carries a timezone, else raise InvalidInputError naming `field`."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(
            f"{field}: datetime must be timezone-aware", field=field
        )
    return value
