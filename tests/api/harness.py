"""What API tests share besides fixtures: the test client class, the login helper's type."""

from __future__ import annotations

import warnings
from collections.abc import Callable

with warnings.catch_warnings():
    # Starlette 1.x asks for the httpx2 fork at import; plain httpx works the same here.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "a long test password"

Login = Callable[..., dict[str, str]]

__all__ = ["PASSWORD", "Login", "TestClient"]
