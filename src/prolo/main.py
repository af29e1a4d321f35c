"""Composition root of the web app: create_app(settings) builds the FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from prolo import __version__
from prolo.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app (uvicorn calls this in factory mode: `prolo.main:create_app`)."""
    settings = settings or get_settings()
    app = FastAPI(title="Prolo", version=__version__)
    app.state.settings = settings
    return app
