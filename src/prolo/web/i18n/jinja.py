"""Translations inside templates: the `t(key, **params)` global.

`t` reads the language from the template context's `lang` (every context dataclass has one, see
`prolo.web.contexts.TemplateContext`), so a shared Environment serves every language at once.
"""

from __future__ import annotations

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from prolo.web.i18n.catalogs import is_language, translate


@pass_context
def _t(context: Context, key: str, /, **params: object) -> str:
    lang = context.get("lang")
    if not is_language(lang):
        raise RuntimeError(
            f"t({key!r}) needs a supported `lang` in the template context, got {lang!r}"
        )
    return translate(key, lang, **params)


def install_translations(env: Environment) -> None:
    """Add the `t` global to `env`."""
    env.globals["t"] = _t
