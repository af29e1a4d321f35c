"""`prolo serve`: refuses a bad database before starting; serves the app for real."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from prolo.cli import app

runner = CliRunner()
PROLO = Path(sys.executable).with_name("prolo")


def test_an_unmigrated_database_stops_serve_with_a_message(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["serve", "--port", "1"],
        env={"PROLO_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
    )
    assert result.exit_code == 2
    assert "prolo db upgrade" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [["--port", "0"], ["--port", "70000"], ["--workers", "0"], ["--port", "http"]],
)
def test_bad_options_exit_2(args: list[str]) -> None:
    assert runner.invoke(app, ["serve", *args]).exit_code == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.only_db("sqlite")  # one real server run is enough (SQLite, the default)
def test_serves_the_api_until_stopped(scratch_url: str) -> None:
    port = _free_port()
    env = {**os.environ, "PROLO_DATABASE_URL": scratch_url}
    server = subprocess.Popen(
        [str(PROLO), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None, "the server did not answer within 30 s"
        assert health.status_code == 200
        assert health.json()["database"]["up_to_date"] is True
        assert health.headers["x-content-type-options"] == "nosniff"
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert b"Prolo at http://127.0.0.1" in output
