"""iCalendar feeds: downloads for logged-in callers, secret subscription URLs for calendar apps.

GET    /calendar/<token>.ics                         the feed a token names (no login; 404 if
                                                     unknown or revoked)
GET    /api/v1/calendar/patients/<id>.ics            download (patient: their own; staff)
GET    /api/v1/calendar/clinicians/<id>.ics          download (that clinician; admin)
POST   /api/v1/calendar-feeds                        issue a token: {kind, owner_id, label?}
                                                     -> 201 {..., token, url} (token shown once)
GET    /api/v1/calendar-feeds?kind=&owner_id=        the owner's tokens (never the secret)
DELETE /api/v1/calendar-feeds/<id>                   revoke -> the token with revoked_at
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from prolo.api.deps import ActorDep, UoWDep, client_address, refuse_nul_characters
from prolo.api.schemas.common import PROBLEM_RESPONSES
from prolo.services import calendar
from prolo.services.calendar import CalendarFeedToken, IssuedFeedToken

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"

feed_router = APIRouter(tags=["calendar"])
router = APIRouter(
    tags=["calendar"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(refuse_nul_characters)],
)


def _ics(body: bytes, filename: str, *, cache: str = "private, no-store") -> Response:
    return Response(
        body,
        media_type=ICS_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": cache,
        },
    )


@feed_router.get(
    "/calendar/{token}.ics",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}},
        404: {
            "description": "No feed: the token is unknown or revoked",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
    },
)
def subscribed_feed(request: Request, token: str, uow: UoWDep) -> Response:
    """The feed a subscription token names (calendar apps poll this without a login)."""
    feed = calendar.feed_for_token(
        uow, token=token, client_address=client_address(request)
    )
    return _ics(feed.body, feed.filename)


@router.get("/calendar/patients/{patient_id}.ics", response_class=Response)
def patient_download(patient_id: uuid.UUID, uow: UoWDep, actor: ActorDep) -> Response:
    body = calendar.patient_feed(uow, actor, patient_id=patient_id)
    return _ics(body, f"prolo-appointments-{patient_id}.ics")


@router.get("/calendar/clinicians/{staff_id}.ics", response_class=Response)
def clinician_download(staff_id: uuid.UUID, uow: UoWDep, actor: ActorDep) -> Response:
    body = calendar.clinician_feed(uow, actor, staff_id=staff_id)
    return _ics(body, f"prolo-sessions-{staff_id}.ics")


class FeedTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["patient", "clinician"]
    owner_id: uuid.UUID = Field(
        description="The patient's id (kind patient) or the staff member's id (clinician)."
    )
    label: str | None = Field(default=None, max_length=100)


class FeedTokenRead(BaseModel):
    id: uuid.UUID
    kind: Literal["patient", "clinician"]
    owner_id: uuid.UUID
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, feed: CalendarFeedToken) -> FeedTokenRead:
        return cls(
            id=feed.id,
            kind=feed.kind,
            owner_id=feed.owner_id,
            label=feed.label,
            created_at=feed.created_at,
            revoked_at=feed.revoked_at,
            last_used_at=feed.last_used_at,
        )


class FeedTokenIssued(FeedTokenRead):
    token: str = Field(description="The secret; shown only in this response.")
    url: str = Field(description="The subscription URL for a calendar app.")

    @classmethod
    def issued(cls, issued: IssuedFeedToken, request: Request) -> FeedTokenIssued:
        base = str(request.base_url).rstrip("/")
        return cls(
            **FeedTokenRead.of(issued.feed).model_dump(),
            token=issued.token,
            url=f"{base}{issued.path}",
        )


@router.post("/calendar-feeds", response_model=FeedTokenIssued, status_code=201)
def issue(
    body: FeedTokenCreate, request: Request, uow: UoWDep, actor: ActorDep
) -> FeedTokenIssued:
    issued = calendar.issue_feed_token(
        uow, actor, kind=body.kind, owner_id=body.owner_id, label=body.label
    )
    return FeedTokenIssued.issued(issued, request)


@router.get("/calendar-feeds", response_model=list[FeedTokenRead])
def list_tokens(
    uow: UoWDep,
    actor: ActorDep,
    kind: Annotated[Literal["patient", "clinician"], Query()],
    owner_id: Annotated[uuid.UUID, Query()],
) -> list[FeedTokenRead]:
    found = calendar.list_feed_tokens(uow, actor, kind=kind, owner_id=owner_id)
    return [FeedTokenRead.of(f) for f in found]


@router.delete("/calendar-feeds/{token_id}", response_model=FeedTokenRead)
def revoke(token_id: uuid.UUID, uow: UoWDep, actor: ActorDep) -> FeedTokenRead:
    return FeedTokenRead.of(calendar.revoke_feed_token(uow, actor, token_id=token_id))
