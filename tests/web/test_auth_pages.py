"""The sign-in page (the form; the POST handler comes with the auth service)."""

from __future__ import annotations

import re

import pytest

from prolo.web.contexts import LoginPage
from prolo.web.rendering import render
from prolo.web.shell import build_shell

from .test_contexts import make_request


def hidden_next(html: str) -> str:
    match = re.search(r'<input type="hidden" name="next" value="([^"]*)">', html)
    assert match
    return match.group(1)


def test_the_form_posts_email_and_password_to_login(http):
    html = http.get("/login").text
    assert '<form class="form" method="post" action="/login"' in html
    assert 'name="email" type="email"' in html
    assert 'autocomplete="username"' in html
    assert 'name="password" type="password"' in html
    assert 'autocomplete="current-password"' in html
    assert '<label class="field__label" for="login-email">Email address</label>' in html
    assert '<label class="field__label" for="login-password">Password</label>' in html
    assert 'role="alert"' not in html  # no error before a failed attempt


def test_the_form_is_turkish_for_a_turkish_browser(http):
    html = http.get("/login", headers={"Accept-Language": "tr-TR,tr;q=0.9"}).text
    assert (
        '<label class="field__label" for="login-email">E-posta adresi</label>' in html
    )
    assert '<label class="field__label" for="login-password">Şifre</label>' in html
    assert ">Giriş yap</button>" in html


@pytest.mark.parametrize(
    ("next_param", "kept"),
    [
        ("/portal", "/portal"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        (None, "/"),
    ],
)
def test_next_is_kept_only_when_it_is_a_local_path(http, next_param, kept):
    params = {"next": next_param} if next_param else {}
    assert hidden_next(http.get("/login", params=params).text) == kept


@pytest.mark.parametrize(
    ("error", "lang", "message"),
    [
        ("invalid", "en", "The email address or password is not correct."),
        ("expired", "tr", "Oturumunuzun süresi doldu."),
    ],
)
def test_an_error_is_announced_and_tied_to_the_fields(error, lang, message):
    request = make_request("/login")
    context = LoginPage(
        lang=lang,
        shell=build_shell(request, lang),
        email="ada@clinic.example",
        error=error,
        next_path="/",
    )
    html = render(request, "pages/login.html", context).body.decode()
    assert 'id="login-error" role="alert"' in html
    assert message in html
    assert html.count('aria-invalid="true" aria-describedby="login-error"') == 2
    assert (
        'value="ada@clinic.example"' in html
    )  # the email is kept; the password never is


def test_the_email_is_escaped():
    request = make_request("/login")
    context = LoginPage(
        lang="en",
        shell=build_shell(request, "en"),
        email='"><script>x()</script>',
        error="invalid",
        next_path="/",
    )
    html = render(request, "pages/login.html", context).body.decode()
    assert "<script>x()" not in html
    assert "&#34;&gt;&lt;script&gt;" in html
