"""How every CLI command prints: `--format table|json`, and bad input -> message on stderr, exit 2.

Exit codes: 0 success; 1 a check found problems (e.g. `schedule validate`); 2 bad input or usage.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, NoReturn

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

from prolo.domain.errors import DomainError

EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FormatOption = typer.Option(
    OutputFormat.table, "--format", help="table for people, json for scripts."
)


def console() -> Console:
    return Console(soft_wrap=True)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print `message` to stderr as `prolo: error: ...` and exit with `code` (2 = bad input)."""
    print(f"prolo: error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem, each naming the field path (e.g. `allergies.0`)."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(input)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


@contextmanager
def bad_input_exits() -> Iterator[None]:
    """Turn domain and validation errors raised inside the block into `fail(...)` (exit 2)."""
    try:
        yield
    except ValidationError as exc:
        fail(describe_validation_error(exc))
    except DomainError as exc:
        fail(str(exc))


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def print_json(value: Any) -> None:
    """Print `value` as indented JSON on stdout (Pydantic models are dumped in JSON mode)."""
    print(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False, default=str))


def print_table(
    title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console().print(table)


def emit(fmt: OutputFormat, data: Any, render_table: Callable[[], None]) -> None:
    """Print `data` as JSON, or call `render_table` for people."""
    if fmt is OutputFormat.json:
        print_json(data)
    else:
        render_table()
