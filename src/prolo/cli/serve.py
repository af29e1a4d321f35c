"""`prolo serve [--host H] [--port N] [--workers N]`: run the web app and API with uvicorn.

Uvicorn imports the factory `prolo.main:create_app` in each worker, so this module and the app
never import each other. The database is checked first: an un-migrated or unreachable one stops
here with a message (exit 2) instead of a traceback in every worker.
"""

from __future__ import annotations

from typing import Annotated

import typer

from prolo.cli.db import load_settings, open_checked

APP_FACTORY = "prolo.main:create_app"
WORKER_HEALTHCHECK_S = 60


def serve_command(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="TCP port.")
    ] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Worker processes.")
    ] = 1,
) -> None:
    """Serve Prolo at http://HOST:PORT (API under /api/v1, docs at /api/v1/docs)."""
    import uvicorn

    settings = load_settings()
    with open_checked(settings):
        pass
    typer.echo(
        f"Prolo at http://{host}:{port}/ (API: http://{host}:{port}/api/v1/docs)"
    )
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level="info",
        # A new worker imports the whole app first (seconds of CPU on a busy 2-core machine);
        # uvicorn's default 5 s health check killed and replaced workers in a loop under load
        # (bench/faults.py, docs/reliability.md).
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
