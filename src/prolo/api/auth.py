"""Web sessions, shared with the web pages: see `prolo.gateway.sessions`."""

from __future__ import annotations

from prolo.gateway.sessions import (
    CSRF_FIELD,
    WebActorDep,
    csrf_for,
    end_web_session,
    require_csrf,
    start_web_session,
    web_actor,
)

__all__ = [
    "CSRF_FIELD",
    "WebActorDep",
    "csrf_for",
    "end_web_session",
    "require_csrf",
    "start_web_session",
    "web_actor",
]
