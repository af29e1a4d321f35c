"""Rendering a page: a template plus its context dataclass, and nothing else.

`render(request, template, context)` checks that `context` is the dataclass registered for
`template` (prolo.web.contexts.CONTRACTS), passes exactly that dataclass's fields to Jinja2 (no
`request`, no context processors), and, when `fragment` names a block and htmx asked for a
fragment, renders only that block. The Environment autoescapes everything and uses
StrictUndefined, so a template that reads a name its context lacks fails instead of printing "".

Starlette's Jinja2Templates is not used: its TemplateResponse adds `request` (and `url_for`,
which needs it) to every context, which would break the one-dataclass contract.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cache
from typing import Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined, nodes
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from prolo.settings import Settings
from prolo.web import htmx
from prolo.web.assets import static_url
from prolo.web.contexts import CONTRACTS, TemplateContext
from prolo.web.i18n import install_translations, remember_language

TITLE_BLOCK: Final = "head_title"
"""base.html's block holding the document title; a fragment carries it so htmx updates the title."""


@cache
def templates_env() -> Environment:
    """The one Jinja2 Environment of the web pages (templates/ inside the package)."""
    env = Environment(
        loader=PackageLoader("prolo.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    install_translations(env)
    env.globals["static"] = static_url
    return env


def load_templates() -> int:
    """Compile every page template now (Jinja2 caches them); return how many."""
    env = templates_env()
    names = [name for name in env.list_templates() if name.endswith(".html")]
    for name in names:
        env.get_template(name)
    return len(names)


def context_fields(context: TemplateContext) -> dict[str, Any]:
    """The template variables of `context`: its dataclass fields, shallow (values stay objects)."""
    return {
        field.name: getattr(context, field.name)
        for field in dataclasses.fields(context)
    }


def check_contract(template: str, context: TemplateContext) -> None:
    """Raise TypeError unless `context` is exactly the dataclass registered for `template`."""
    expected = CONTRACTS.get(template)
    if expected is None:
        raise TypeError(
            f"{template} has no context dataclass (register it in contexts.py)"
        )
    if type(context) is not expected:
        raise TypeError(
            f"{template} is rendered with {expected.__name__}, not {type(context).__name__}"
        )


@cache
def _parent_of(name: str) -> str | None:
    """The template `name` extends (a constant `{% extends "x" %}`), if any."""
    env = templates_env()
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    for node in env.parse(source).find_all(nodes.Extends):
        if isinstance(node.template, nodes.Const) and isinstance(
            node.template.value, str
        ):
            return node.template.value
        raise TypeError(f"{name}: only constant {{% extends %}} is supported")
    return None


def render_block(template: str, block: str, variables: Mapping[str, Any]) -> str:
    """Render one block of `template` (resolving blocks through its `extends` chain)."""
    env = templates_env()
    tmpl = env.get_template(template)
    context = tmpl.new_context(dict(variables))
    parent = _parent_of(template)
    while parent is not None:
        for name, block_render in env.get_template(parent).blocks.items():
            context.blocks.setdefault(name, []).append(block_render)
        parent = _parent_of(parent)
    renderers = context.blocks.get(block)
    if not renderers:
        raise LookupError(f"{template} has no block {block!r}")
    return "".join(renderers[0](context))


class PageResponse(HTMLResponse):
    """An HTML response that remembers its template and context (tests read them back).

    Like Starlette's template responses, it reports both through the `http.response.debug` ASGI
    extension, which Starlette's TestClient turns into `response.template` / `response.context`.
    """

    def __init__(
        self,
        content: str,
        *,
        template: str,
        context: Mapping[str, Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(content, status_code=status_code, headers=headers)
        self.template = template
        self.context = dict(context)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if "http.response.debug" in scope.get("extensions", {}):
            await send(
                {
                    "type": "http.response.debug",
                    "info": {"template": self.template, "context": self.context},
                }
            )
        await super().__call__(scope, receive, send)


def _secure_cookies(request: Request) -> bool:
    settings = getattr(request.app.state, "settings", None)
    return isinstance(settings, Settings) and settings.behind_tls


def render(
    request: Request,
    template: str,
    context: TemplateContext,
    *,
    fragment: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> PageResponse:
    """Render `template` with exactly the fields of `context`.

    `fragment`: the block to send instead of the whole page when htmx asks for a fragment
    (htmx.wants_fragment); the fragment starts with the page's <title>, which htmx applies.
    The response names its language (Content-Language), says what it varies on, and stores a
    language picked with the switch (`?lang=`) in a cookie.
    """
    check_contract(template, context)
    variables = context_fields(context)
    vary = ["Accept-Language", "Cookie"]
    if fragment is not None:
        vary.append(htmx.HX_REQUEST)
    if fragment is not None and htmx.wants_fragment(request):
        title = render_block(template, TITLE_BLOCK, variables).strip()
        body = f"<title>{title}</title>\n" + render_block(template, fragment, variables)
    else:
        body = templates_env().get_template(template).render(variables)
    response = PageResponse(
        body,
        template=template,
        context=variables,
        status_code=status_code,
        headers={
            **(headers or {}),
            "Content-Language": context.lang,
            "Vary": ", ".join(vary),
        },
    )
    remember_language(request, response, secure=_secure_cookies(request))
    return response
