"""Limits on what a request may send, for every route (API, FHIR, web forms):

- a body larger than `max_body_bytes` (1 MiB by default) is refused with 413, whether the client
  declares it (Content-Length) or streams it (chunked); nothing past the limit is read;
- a body sent to a JSON path (/api/...) must say it is JSON (`application/json` or `...+json`),
  else 415.

The refusals are raised as HTTP errors when the route reads the body, inside the app, so the
app's own handlers answer them: problem+json on API paths, an HTML page elsewhere.

    app.add_middleware(RequestLimits, max_body_bytes=1024 * 1024, json_prefixes=("/api/",))
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def is_json_media_type(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class RequestLimits:
    """ASGI middleware enforcing the body size limit and JSON content types (module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        json_prefixes: tuple[str, ...] = ("/api/",),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.json_prefixes = json_prefixes

    def _too_large(self) -> HTTPException:
        return HTTPException(
            413,
            detail=f"the request body is larger than {self.max_body_bytes} bytes",
        )

    def _refusal(self, scope: Scope) -> HTTPException | None:
        """A refusal decided by the headers alone (before any byte of the body is read)."""
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                if int(declared) > self.max_body_bytes:
                    return self._too_large()
            except ValueError:
                return HTTPException(400, detail="Content-Length is not a number")
        has_body = (declared not in (None, "0")) or _header(
            scope, b"transfer-encoding"
        ) is not None
        path: str = scope.get("path", "")
        if (
            has_body
            and scope.get("method", "GET") in BODY_METHODS
            and path.startswith(self.json_prefixes)
            and not is_json_media_type(_header(scope, b"content-type"))
        ):
            return HTTPException(
                415,
                detail="send the body as JSON with Content-Type: application/json",
            )
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if refusal is not None:
                raise refusal
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise self._too_large()
            return message

        await self.app(scope, limited_receive, send)
