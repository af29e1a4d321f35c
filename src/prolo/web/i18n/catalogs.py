"""Message catalogs: per language, `en.yaml` / `tr.yaml` beside this module plus one file per page area in
`en/` and `tr/` (e.g. `en/reception.yaml`), merged; a key defined twice is an error.

A catalog is a nested mapping whose leaves are strings; it is flattened to dotted keys
(`learn.what.title`). Text may hold `{name}` placeholders, filled by `translate(key, lang, name=...)`.
Both catalogs must hold the same keys with the same placeholders (tests/web/test_i18n.py checks it).
A missing key is a programming error and raises `MissingTranslationError`, so a page never shows a
raw key to a patient.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Final, Literal, TypeGuard, get_args

import yaml

Lang = Literal["en", "tr"]
LANGUAGES: Final[tuple[Lang, ...]] = get_args(Lang)
DEFAULT_LANGUAGE: Final[Lang] = "en"
CATALOG_VERSION: Final = 1

_PACKAGE = "prolo.web.i18n"


class CatalogError(Exception):
    """A catalog file is missing, malformed, or of an unknown version."""


class MissingTranslationError(KeyError):
    """A key that no catalog holds, or a placeholder the caller did not fill."""


def is_language(value: object) -> TypeGuard[Lang]:
    """True when `value` is one of the supported language codes."""
    return value in LANGUAGES


def _flatten(
    node: Mapping[str, object], prefix: str, out: dict[str, str], where: str
) -> None:
    for name, value in node.items():
        if not isinstance(name, str) or not name:
            raise CatalogError(
                f"{where}: key {name!r} under {prefix or '<root>'} is not a name"
            )
        key = f"{prefix}.{name}" if prefix else name
        if isinstance(value, Mapping):
            _flatten(value, key, out, where)
        elif isinstance(value, str):
            out[key] = value
        else:
            raise CatalogError(
                f"{where}: {key} must be text or a mapping, not {value!r}"
            )


def _read_catalog_file(where: str) -> dict[str, str]:
    try:
        text = resources.files(_PACKAGE).joinpath(where).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CatalogError(f"catalog {where} is missing") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(f"catalog {where} is not valid YAML: {exc}") from exc
    if not isinstance(raw, Mapping) or raw.get("version") != CATALOG_VERSION:
        raise CatalogError(
            f"catalog {where} must be a mapping with version: {CATALOG_VERSION}"
        )
    messages = raw.get("messages")
    if not isinstance(messages, Mapping):
        raise CatalogError(f"catalog {where} has no `messages` mapping")
    out: dict[str, str] = {}
    _flatten(messages, "", out, where)
    return out


def catalog_files(lang: Lang) -> tuple[str, ...]:
    """The files making up `lang`'s catalog: `<lang>.yaml`, then `<lang>/*.yaml` in name order."""
    area_dir = resources.files(_PACKAGE).joinpath(lang)
    areas = (
        sorted(
            f"{lang}/{entry.name}"
            for entry in area_dir.iterdir()
            if entry.name.endswith(".yaml")
        )
        if area_dir.is_dir()
        else []
    )
    return (f"{lang}.yaml", *areas)


@cache
def catalog(lang: Lang) -> Mapping[str, str]:
    """The flattened catalog of `lang`, read once from the package."""
    if not is_language(lang):
        raise CatalogError(
            f"unsupported language {lang!r}; expected one of {LANGUAGES}"
        )
    merged: dict[str, str] = {}
    origin: dict[str, str] = {}
    for where in catalog_files(lang):
        for key, text in _read_catalog_file(where).items():
            if key in merged:
                raise CatalogError(
                    f"{where}: key {key} is already defined in {origin[key]}"
                )
            merged[key] = text
            origin[key] = where
    return merged


def placeholders(text: str) -> frozenset[str]:
    """The `{name}` placeholders in a message."""
    return frozenset(
        field for _, field, _, _ in string.Formatter().parse(text) if field is not None
    )


def translate(key: str, lang: Lang, **params: object) -> str:
    """The message `key` in `lang`, with its placeholders filled from `params`."""
    try:
        text = catalog(lang)[key]
    except KeyError:
        raise MissingTranslationError(
            f"no message {key!r} in the {lang} catalog"
        ) from None
    try:
        return text.format_map(params)
    except KeyError as exc:
        raise MissingTranslationError(
            f"message {key!r} ({lang}) needs the placeholder {exc.args[0]!r}"
        ) from None
