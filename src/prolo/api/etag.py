"""Optimistic concurrency over HTTP: `ETag: "v<version>"` on reads, `If-Match` on updates.

An update without If-Match gets 428 (Precondition Required); one whose If-Match is not the
current version gets 409 (Conflict) from the service, and nothing changes.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header, Response

from prolo.services.errors import InvalidInputError, PreconditionRequiredError

_ETAG = re.compile(r'^(?:W/)?"v(\d{1,9})"$')


def etag(version: int) -> str:
    return f'"v{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def if_match_version(
    if_match: Annotated[
        str | None,
        Header(description='The ETag you read, e.g. "v3"; required for updates.'),
    ] = None,
) -> int:
    if if_match is None or not if_match.strip():
        raise PreconditionRequiredError(
            'send the If-Match header with the ETag you read (e.g. If-Match: "v3")',
            field="If-Match",
        )
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise InvalidInputError(
            f'If-Match must be an ETag of this API like "v3", got {if_match!r}',
            field="If-Match",
        )
    return int(match.group(1))
