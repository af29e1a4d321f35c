"""Self check-in pages (prolo.services.checkin does the work; docs/portal.md).

GET  /check-in/{token}              the link sent before the session: who are you?
POST /check-in/{token}/identity     family name + date of birth -> the check-in form
POST /check-in/{token}              the answers -> checked in (or stopped by a red flag)
GET  /kiosk                         the reception tablet (a staff login): who are you?
POST /kiosk                         finds today's appointment -> the check-in form
POST /kiosk/check-in/{token}        the answers; then back to the start for the next patient
GET  /portal/check-in/{appointment} a signed-in patient's own session (no identity step)
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from prolo.domain.errors import DomainError
from prolo.domain.instruments import get_instrument
from prolo.gateway.requests import ConfigDep, UoWDep, client_address
from prolo.services import checkin
from prolo.services.context import Actor, authorize
from prolo.services.errors import (
    InvalidInputError,
    NotFoundError,
    TooManyRequestsError,
)
from prolo.services.permissions import Permission
from prolo.web.contexts import Shell
from prolo.web.contexts.checkin import (
    CheckinDonePage,
    CheckinFormPage,
    CheckinQuestion,
    CheckinStartPage,
    StartError,
)
from prolo.web.contexts.portal import QuestionnaireForm
from prolo.web.deps import FormDep, LangDep, PageDep, ShellDep
from prolo.web.i18n import Lang
from prolo.web.rendering import render
from prolo.web.routes.portal import build_form, parse_answers, patient_actor

router = APIRouter()


def _prefix(instrument_id: str) -> str:
    return f"{instrument_id}."


def _when(visit_or_info: checkin.CheckinVisit | checkin.LinkInfo) -> str:
    return visit_or_info.starts_at.strftime("%Y-%m-%d · %H:%M")


def _start_page(
    request: Request,
    lang: Lang,
    shell: Shell,
    *,
    kiosk: bool,
    action: str,
    info: checkin.LinkInfo | None,
    error: StartError | None = None,
    family_name: str = "",
    birth_date: str = "",
    status_code: int = 200,
) -> Response:
    context = CheckinStartPage(
        lang=lang,
        shell=shell,
        kiosk=kiosk,
        clinic_name=info.clinic_name if info else None,
        when=_when(info) if info else None,
        on_the_day=info.on_the_day if info else True,
        action=action,
        error=error,
        family_name=family_name,
        birth_date=birth_date,
    )
    return render(request, "pages/checkin/start.html", context, status_code=status_code)


def _form_page(
    request: Request,
    lang: Lang,
    shell: Shell,
    visit: checkin.CheckinVisit,
    *,
    kiosk: bool,
    action: str,
    proof: str,
    answers: dict[str, str] | None = None,
    error_field: str | None = None,
    failed: QuestionnaireForm | None = None,
    status_code: int = 200,
) -> Response:
    given = answers or {}
    forms = tuple(
        build_form(
            get_instrument(i),
            timepoint=visit.timepoint,
            action=action,
            lang=lang,
            prefix=_prefix(i),
        )
        for i in visit.instruments
    )
    if failed is not None:
        forms = tuple(
            failed if f.instrument_id == failed.instrument_id else f for f in forms
        )
    context = CheckinFormPage(
        lang=lang,
        shell=shell,
        kiosk=kiosk,
        given_name=visit.given_name,
        when=_when(visit),
        session_number=visit.session_number,
        action=action,
        proof=proof,
        questions=tuple(
            CheckinQuestion(q.field, _yes_no(given.get(f"q.{q.field}")))
            for q in visit.questions
        ),
        forms=forms,
        error_field=error_field,
        already_done=visit.done,
    )
    return render(request, "pages/checkin/form.html", context, status_code=status_code)


def _yes_no(value: str | None) -> Literal["yes", "no"] | None:
    if value == "yes":
        return "yes"
    if value == "no":
        return "no"
    return None


def _birth_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


# --------------------------------------------------------------------------- the link


@router.get("/check-in/{token}", name="checkin_start")
def checkin_start(
    request: Request,
    token: str,
    lang: LangDep,
    shell: ShellDep,
    uow: UoWDep,
    config: ConfigDep,
) -> Response:
    info = checkin.open_link(uow, token=token, secret=config.secret_key)
    return _start_page(
        request,
        lang,
        shell,
        kiosk=False,
        action=f"/check-in/{token}/identity",
        info=info,
    )


@router.post("/check-in/{token}/identity", name="checkin_identity")
def checkin_identity(
    request: Request,
    token: str,
    lang: LangDep,
    shell: ShellDep,
    uow: UoWDep,
    config: ConfigDep,
    form: FormDep,
) -> Response:
    info = checkin.open_link(uow, token=token, secret=config.secret_key)
    family_name = form.get("family_name", "")[:200]
    birth_text = form.get("birth_date", "")[:20]
    action = f"/check-in/{token}/identity"
    born = _birth_date(birth_text)
    try:
        if born is None:
            raise InvalidInputError("give your date of birth", field="birth_date")
        proof = checkin.confirm_identity(
            uow,
            token=token,
            secret=config.secret_key,
            family_name=family_name,
            birth_date=born,
            client_address=client_address(request),
        )
    except TooManyRequestsError:
        return _start_page(
            request,
            lang,
            shell,
            kiosk=False,
            action=action,
            info=info,
            error="locked",
            status_code=429,
        )
    except InvalidInputError:
        return _start_page(
            request,
            lang,
            shell,
            kiosk=False,
            action=action,
            info=info,
            error="mismatch",
            family_name=family_name,
            birth_date=birth_text,
            status_code=422,
        )
    visit = checkin.get_visit(
        uow,
        token=token,
        secret=config.secret_key,
        proof=proof,
        client_address=client_address(request),
    )
    return _form_page(
        request,
        lang,
        shell,
        visit,
        kiosk=False,
        action=f"/check-in/{token}",
        proof=proof,
    )


def _complete(
    request: Request,
    token: str,
    lang: Lang,
    shell: Shell,
    uow: UoWDep,
    secret: str,
    form: dict[str, str],
    *,
    kiosk: bool,
    staff: Actor | None,
    action: str,
) -> Response:
    proof = form.get("proof", "")
    visit = checkin.get_visit(
        uow,
        token=token,
        secret=secret,
        proof=proof,
        client_address=client_address(request),
    )
    answers = {
        q.field: {"yes": True, "no": False}.get(form.get(f"q.{q.field}", ""))
        for q in visit.questions
    }
    missing = next((f for f, v in answers.items() if v is None), None)
    if missing is not None:
        return _form_page(
            request,
            lang,
            shell,
            visit,
            kiosk=kiosk,
            action=action,
            proof=proof,
            answers=form,
            error_field=missing,
            status_code=422,
        )
    questionnaire_answers = {}
    for instrument_id in visit.instruments:
        instrument = get_instrument(instrument_id)
        try:
            values = parse_answers(instrument, form, _prefix(instrument_id))
            instrument.score(values)  # refuse here, before anything is stored
        except (InvalidInputError, DomainError) as exc:
            failed = build_form(
                instrument,
                timepoint=visit.timepoint,
                action=action,
                lang=lang,
                prefix=_prefix(instrument_id),
                error=str(exc),
            )
            return _form_page(
                request,
                lang,
                shell,
                visit,
                kiosk=kiosk,
                action=action,
                proof=proof,
                answers=form,
                failed=failed,
                status_code=422,
            )
        questionnaire_answers[instrument_id] = values
    result = checkin.complete(
        uow,
        token=token,
        secret=secret,
        proof=proof,
        answers={k: bool(v) for k, v in answers.items()},
        questionnaire_answers=questionnaire_answers,
        via="kiosk" if kiosk else "check-in",
        staff=staff,
        client_address=client_address(request),
    )
    context = CheckinDonePage(
        lang=lang,
        shell=shell,
        kiosk=kiosk,
        given_name=visit.given_name,
        flagged=bool(result.flags),
        next_href="/kiosk" if kiosk else None,
    )
    return render(request, "pages/checkin/done.html", context)


@router.post("/check-in/{token}", name="checkin_complete")
def checkin_complete(
    request: Request,
    token: str,
    lang: LangDep,
    shell: ShellDep,
    uow: UoWDep,
    config: ConfigDep,
    form: FormDep,
) -> Response:
    return _complete(
        request,
        token,
        lang,
        shell,
        uow,
        config.secret_key,
        form,
        kiosk=False,
        staff=None,
        action=f"/check-in/{token}",
    )


# --------------------------------------------------------------------------- the kiosk


def _kiosk_actor(page: PageDep) -> Actor:
    """The staff login the kiosk tablet runs under (it checks patients in: booking.write)."""
    authorize(page.actor, Permission.booking_write)
    return page.actor


@router.get("/kiosk", name="kiosk")
def kiosk_start(request: Request, page: PageDep) -> Response:
    _kiosk_actor(page)
    return _start_page(
        request, page.lang, page.shell, kiosk=True, action="/kiosk", info=None
    )


@router.post("/kiosk", name="kiosk_find")
def kiosk_find(
    request: Request, page: PageDep, config: ConfigDep, form: FormDep
) -> Response:
    staff = _kiosk_actor(page)
    family_name = form.get("family_name", "")[:200]
    birth_text = form.get("birth_date", "")[:20]
    born = _birth_date(birth_text)
    try:
        if born is None:
            raise NotFoundError("give your date of birth", field="birth_date")
        token, proof = checkin.kiosk_find(
            page.uow,
            staff,
            family_name=family_name,
            birth_date=born,
            secret=config.secret_key,
        )
    except NotFoundError:
        return _start_page(
            request,
            page.lang,
            page.shell,
            kiosk=True,
            action="/kiosk",
            info=None,
            error="not_found",
            family_name=family_name,
            birth_date=birth_text,
            status_code=404,
        )
    visit = checkin.get_visit(
        page.uow, token=token, secret=config.secret_key, proof=proof
    )
    return _form_page(
        request,
        page.lang,
        page.shell,
        visit,
        kiosk=True,
        action=f"/kiosk/check-in/{token}",
        proof=proof,
    )


@router.post("/kiosk/check-in/{token}", name="kiosk_complete")
def kiosk_complete(
    request: Request, token: str, page: PageDep, config: ConfigDep, form: FormDep
) -> Response:
    staff = _kiosk_actor(page)
    return _complete(
        request,
        token,
        page.lang,
        page.shell,
        page.uow,
        config.secret_key,
        form,
        kiosk=True,
        staff=staff,
        action=f"/kiosk/check-in/{token}",
    )


# --------------------------------------------------------------------------- the portal


@router.get("/portal/check-in/{appointment_id}", name="portal_checkin")
def portal_checkin(
    request: Request, appointment_id: uuid.UUID, page: PageDep, config: ConfigDep
) -> Response:
    """A signed-in patient checks in for their own session (their login proves who they are)."""
    actor = patient_actor(page)
    token, proof = checkin.proof_for_actor(
        page.uow, actor, appointment_id=appointment_id, secret=config.secret_key
    )
    visit = checkin.get_visit(
        page.uow, token=token, secret=config.secret_key, proof=proof
    )
    return _form_page(
        request,
        page.lang,
        page.shell,
        visit,
        kiosk=False,
        action=f"/check-in/{token}",
        proof=proof,
    )
