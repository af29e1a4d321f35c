"""The page chrome: navigation per role and the language switch links."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from prolo.services.context import Role
from prolo.web.contexts import ShellUser, WebRole
from prolo.web.shell import NAV, build_shell, language_options, navigation


def request_for(path: str, query: str = "") -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": query.encode(),
            "headers": [],
        }
    )


def test_signed_out_visitors_see_the_guide_and_sign_in():
    assert [item.href for item in navigation("/login", None)] == ["/learn", "/login"]


@pytest.mark.parametrize("role", [r for r in NAV if r is not None])
def test_each_role_has_its_own_navigation(role):
    items = navigation("/elsewhere", role)
    assert items, role
    assert not any(item.current for item in items)
    assert "/login" not in [item.href for item in items]


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/clinician", "/clinician"),
        ("/clinician/patients", "/clinician/patients"),
        ("/clinician/patients/pat_1", "/clinician/patients"),
        ("/clinician/today", "/clinician"),
        ("/clinicianx", None),
        ("/runner", "/runner"),
    ],
)
def test_the_longest_matching_link_is_current(path, current):
    items = navigation(path, "clinician")
    assert [item.href for item in items if item.current] == (
        [current] if current else []
    )


def test_language_links_keep_the_query_and_replace_lang():
    options = language_options(request_for("/login", "next=%2Fportal&lang=en"), "en")
    assert [(o.code, o.href, o.current) for o in options] == [
        ("en", "/login?next=%2Fportal&lang=en", True),
        ("tr", "/login?next=%2Fportal&lang=tr", False),
    ]
    assert [o.name for o in options] == ["English", "Türkçe"]


def test_the_shell_carries_the_user_and_their_navigation():
    user = ShellUser(display_name="Deniz Kaya", role="reception")
    shell = build_shell(request_for("/reception/waitlist"), "tr", user)
    assert shell.user == user
    assert [i.href for i in shell.nav if i.current] == ["/reception/waitlist"]
    assert shell.home_href == "/"


def test_the_shell_knows_exactly_the_services_roles():
    assert set(WebRole.__args__) == {role.value for role in Role}  # type: ignore[attr-defined]
    assert set(NAV) - {None} == {role.value for role in Role}
