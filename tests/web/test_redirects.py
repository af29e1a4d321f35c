"""Only local paths are allowed as a place to go after signing in."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prolo.web.redirects import local_path


@pytest.mark.parametrize(
    "raw", ["/", "/portal", "/portal/questionnaires?due=1", "/learn/your-course#plan"]
)
def test_local_paths_are_kept(raw):
    assert local_path(raw) == raw


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "portal",
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/a\r\nLocation: https://evil.example",
        "/tab\there",
        " /portal",
    ],
)
def test_anything_else_falls_back_to_the_default(raw):
    assert local_path(raw, default="/home") == "/home"


@given(st.text())
def test_the_result_is_always_a_local_path(raw):
    result = local_path(raw, default="/")
    assert result in {raw, "/"}
    parts = urlsplit(result)
    assert result.startswith("/")
    assert not result.startswith("//")
    assert not parts.scheme
    assert not parts.netloc
    assert "\\" not in result
    assert all(ord(c) >= 0x20 and ord(c) != 0x7F for c in result)
