"""A real uvicorn server in a background thread, for tests that need real HTTP on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from starlette.types import ASGIApp

# How long a test's HTTP client waits for a live server. The tests check behaviour, not speed: in
# CI two xdist workers, chromium and PostgreSQL share two cores, and a server's first request
# (templates compiled, translations loaded) has taken over 5 s there. Speed is measured in bench/.
HTTP_TIMEOUT = 30.0


class ServerThread:
    """uvicorn serving one app on 127.0.0.1 at a free port, in a daemon thread."""

    def __init__(self, app: ASGIApp) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="on",
            http="h11",
            ws="none",
            loop="asyncio",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._run, name=f"uvicorn-{port}", daemon=True
        )
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._sock])
        except BaseException as exc:  # reported by start()/stop() in the test's thread
            self._error = exc

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"uvicorn did not start: {self._error!r}")
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 30 s")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()
        if self._error is not None:
            raise RuntimeError(f"uvicorn failed: {self._error!r}")
