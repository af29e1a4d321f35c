"""The template contract: each page template gets exactly its context dataclass's fields."""

# Turkish letters (dotless i) and en dashes in ranges are meant: the pages must show them.
# ruff: noqa: RUF001

from __future__ import annotations

import dataclasses

import pytest
from jinja2 import UndefinedError, meta

from prolo.web.contexts import (
    CONTRACTS,
    CourseGuidePage,
    ErrorPage,
    LoginPage,
    SessionGuidePage,
    template_contract,
)
from prolo.web.i18n import LANGUAGES
from prolo.web.rendering import check_contract, context_fields, render, templates_env

from .samples import SAMPLES, TEMPLATES, make_request


def template_variables(name: str, seen: set[str] | None = None) -> set[str]:
    """The free variables of a template and of everything it extends, includes or imports."""
    env = templates_env()
    seen = set() if seen is None else seen
    if name in seen:
        return set()
    seen.add(name)
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    ast = env.parse(source)
    names = set(meta.find_undeclared_variables(ast))
    for referenced in meta.find_referenced_templates(ast):
        assert referenced is not None, (
            f"{name}: dynamic extends/include cannot be checked"
        )
        names |= template_variables(referenced, seen)
    return names


def test_every_page_template_has_a_context_dataclass():
    on_disk = {
        p.relative_to(TEMPLATES).as_posix()
        for p in (TEMPLATES / "pages").rglob("*.html")
    }
    assert on_disk == set(CONTRACTS)


def test_every_context_dataclass_has_a_sample():
    assert set(SAMPLES) == set(CONTRACTS.values())


@pytest.mark.parametrize("template", sorted(CONTRACTS))
def test_template_uses_exactly_its_context_fields(template):
    fields = {f.name for f in dataclasses.fields(CONTRACTS[template])}
    used = template_variables(template) - set(templates_env().globals)
    assert used <= fields, (
        f"{template} reads {sorted(used - fields)} that its context lacks"
    )
    # `lang` is always read, by t(); every other field must be used, or it is dead weight.
    assert fields - {"lang"} <= used, (
        f"{template} ignores {sorted(fields - {'lang'} - used)}"
    )


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", sorted(CONTRACTS))
def test_render_passes_exactly_the_dataclass_fields(template, lang):
    context = SAMPLES[CONTRACTS[template]](lang)
    response = render(make_request(), template, context)
    assert response.template == template
    assert set(response.context) == {f.name for f in dataclasses.fields(context)}
    for name, value in response.context.items():
        assert value is getattr(context, name)
    assert f'<html lang="{lang}">' in response.body.decode()


def test_render_refuses_the_context_of_another_page():
    context = SAMPLES[LoginPage]("en")
    with pytest.raises(TypeError, match="LoginPage"):
        render(make_request(), "pages/error.html", context)


def test_render_refuses_an_unregistered_template():
    with pytest.raises(TypeError, match="no context dataclass"):
        check_contract("pages/unknown.html", SAMPLES[ErrorPage]("en"))


def test_a_template_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="already has a context"):
        template_contract("pages/error.html")(ErrorPage)


def test_context_fields_are_shallow():
    context = SAMPLES[CourseGuidePage]("tr")
    fields = context_fields(context)
    assert fields["course"] is context.course  # objects, not asdict() copies
    assert fields["shell"] is context.shell


def test_contexts_are_frozen():
    context = SAMPLES[ErrorPage]("en")
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.status_code = 500  # type: ignore[misc]


def test_an_unknown_variable_in_a_template_fails_instead_of_printing_nothing():
    with pytest.raises(UndefinedError):
        templates_env().from_string("{{ not_in_the_context }}").render({"lang": "en"})


def test_signed_in_user_shows_in_the_header():
    context = SAMPLES[SessionGuidePage]("tr")
    html = render(make_request(), "pages/learn/session.html", context).body.decode()
    assert "Ayşe Yılmaz olarak giriş yapıldı" in html
    assert "Hasta" in html  # the role label
    assert 'action="/logout"' in html
