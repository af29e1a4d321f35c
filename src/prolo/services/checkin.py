"""Self check-in: a link sent before the session, a kiosk tablet at reception, or the portal.

    token = link_token(secret, clinic_id, appointment_id)       # sent to the patient
    start = open_link(uow, token=token, secret=secret)          # 404 when forged or expired
    proof = confirm_identity(uow, token=..., family_name=..., birth_date=...)
    visit = get_visit(uow, token=..., proof=..., secret=...)    # the questions, the questionnaires
    result = complete(uow, token=..., proof=..., answers=..., questionnaires=...)

`complete` is one transaction: it re-asks the screening questions that can change between
sessions (`RECHECK_FIELDS`), evaluates them with the clinic's own screening rules
(`prolo.domain.screening.screen`), stores the pre-session questionnaires (scored at once by
`questionnaires.submit`), checks the appointment in (the day's board) and records the answers and
any red flag. A red flag stops the session until a clinician clears it: `red_flags()` lists the
flags still standing, `require_cleared()` refuses a session start, `clear_red_flags()` records a
clinician's decision with a reason.

Where the flags live: each completed check-in is a row of `checkins` (the answers, the flags, and
a clinician's clearance with its reason), numbered per appointment; the newest row counts. The
audit log records both acts too (`checkin.complete`, `checkin.flags_cleared`), naming the row and
the flag codes, in the same transaction. docs/portal.md explains it.

Tokens carry no secret data: `base64url(clinic id + appointment id) . HMAC-SHA256` under a key
derived from the clinic's secret (`PROLO_SECRET_KEY` and the clinic id). A link works until the end
of the appointment's day in the clinic's time zone. The identity step (family name + date of birth)
gives a short-lived proof, also an HMAC, so the next form cannot be posted without it; five wrong
answers for one appointment within an hour lock the link for that hour.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from prolo.domain.catalog import load_catalog
from prolo.domain.screening import Intake, Reason, ScreeningRules, Severity, screen
from prolo.services import clinic as clinic_service
from prolo.services import questionnaires
from prolo.services.context import Actor, audit, authorize, require_own
from prolo.services.courses import clinic_zone, local_date
from prolo.services.errors import (
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
    TooManyRequestsError,
    use_case,
)
from prolo.services.permissions import Permission
from prolo.store.records import (
    Appointment,
    AppointmentStatus,
    AuditEvent,
    NewAuditEvent,
    Patient,
    QuestionnaireResponse,
    Role,
    Sex,
)
from prolo.store.unit_of_work import UnitOfWork

RECHECK_FIELDS: Final[tuple[str, ...]] = (
    "systemic_infection",
    "infection_at_site",
    "anticoagulant",
    "pregnant",
)
"""The intake questions asked again at every check-in: those whose answer can change between two
sessions (a new infection or fever, a new blood thinner, a pregnancy; issue 6). Each is an intake
field of the screening rule table; the clinic's rules say how severe a "yes" is."""

FLAG_SEVERITIES: Final = frozenset(
    {Severity.absolute, Severity.relative, Severity.review}
)
"""Reasons of these severities stop the session until a clinician clears them."""

PROOF_TTL: Final = timedelta(minutes=30)
"""How long a confirmed identity lets the check-in form be posted."""
MAX_IDENTITY_FAILURES: Final = 5
IDENTITY_LOCK: Final = timedelta(hours=1)

ACTION_COMPLETE: Final = "checkin.complete"
ACTION_CLEARED: Final = "checkin.flags_cleared"
ACTION_IDENTITY_FAILED: Final = "checkin.identity_failed"

_CHECKABLE = (AppointmentStatus.booked, AppointmentStatus.checked_in)


# --------------------------------------------------------------------------- tokens


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _clinic_key(secret: str, clinic_id: uuid.UUID) -> bytes:
    return hmac.new(
        secret.encode(), b"prolo-checkin-v1|" + clinic_id.bytes, hashlib.sha256
    ).digest()


def _sign(secret: str, clinic_id: uuid.UUID, message: bytes) -> bytes:
    return hmac.new(_clinic_key(secret, clinic_id), message, hashlib.sha256).digest()[
        :18
    ]


def link_token(secret: str, clinic_id: uuid.UUID, appointment_id: uuid.UUID) -> str:
    """The check-in link's token of an appointment (deterministic: the same link every time)."""
    ids = clinic_id.bytes + appointment_id.bytes
    return f"{_b64(ids)}.{_b64(_sign(secret, clinic_id, b'link|' + ids))}"


def _parse_token(secret: str, token: str) -> tuple[uuid.UUID, uuid.UUID]:
    """(clinic id, appointment id) of a genuine token, else NotFoundError."""
    invalid = NotFoundError("this check-in link is not valid", field="token")
    head, _, signature = token.partition(".")
    try:
        ids = _unb64(head)
        presented = _unb64(signature)
    except (binascii.Error, ValueError):
        raise invalid from None
    if len(ids) != 32:
        raise invalid
    clinic_id, appointment_id = uuid.UUID(bytes=ids[:16]), uuid.UUID(bytes=ids[16:])
    if not hmac.compare_digest(presented, _sign(secret, clinic_id, b"link|" + ids)):
        raise invalid
    return clinic_id, appointment_id


def _proof(secret: str, appointment: Appointment, expires: int) -> str:
    message = b"proof|" + appointment.id.bytes + expires.to_bytes(8, "big")
    return f"{expires}.{_b64(_sign(secret, appointment.clinic_id, message))}"


def _check_proof(
    secret: str, appointment: Appointment, proof: str, now: datetime
) -> None:
    expires_text, _, _ = proof.partition(".")
    refused = InvalidInputError(
        "confirm who you are first (or again: the page was open too long)",
        field="identity",
    )
    if not expires_text.isdigit():
        raise refused
    expires = int(expires_text)
    if expires < now.timestamp() or not hmac.compare_digest(
        proof, _proof(secret, appointment, expires)
    ):
        raise refused


def same_name(a: str, b: str) -> bool:
    """Names compared as people type them: case, accents, Turkish dotted/dotless i and spaces
    do not matter ("ÇELİK" = "celik")."""

    def key(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.strip())
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
        return " ".join(plain.casefold().replace("ı", "i").split())  # noqa: RUF001

    return bool(key(a)) and key(a) == key(b)


# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class LinkInfo:
    """What a check-in link shows before the patient says who they are (nothing personal)."""

    appointment_id: uuid.UUID
    clinic_name: str
    starts_at: datetime
    """In the clinic's time zone."""
    on_the_day: bool
    """Check-in is open (the appointment is today); before the day the page says when."""
    status: AppointmentStatus


@dataclass(frozen=True, slots=True)
class CheckinQuestion:
    """One screening question re-asked at check-in (`field` of the intake, `code` of its rule)."""

    field: str
    code: str


@dataclass(frozen=True, slots=True)
class RedFlag:
    """A screening reason raised at check-in that stops the session until cleared."""

    code: str
    severity: str
    message: str
    source: str
    raised_at: datetime


@dataclass(frozen=True, slots=True)
class CheckinVisit:
    """The check-in form of one appointment, after the patient confirmed who they are."""

    appointment: Appointment
    starts_at: datetime
    given_name: str
    condition_id: str
    session_number: int
    timepoint: str
    course_id: uuid.UUID
    questions: tuple[CheckinQuestion, ...]
    instruments: tuple[str, ...]
    """The pre-session questionnaires still to answer (already answered ones are left out)."""
    done: bool
    """Checked in already (the form was completed)."""
    flags: tuple[RedFlag, ...]


@dataclass(frozen=True, slots=True)
class CheckinResult:
    appointment: Appointment
    flags: tuple[RedFlag, ...]
    responses: tuple[QuestionnaireResponse, ...]


# --------------------------------------------------------------------------- helpers


def _appointment_of_token(
    uow: UnitOfWork, token: str, secret: str
) -> tuple[Appointment, date]:
    """The appointment of a genuine, unexpired token, and today's date in the clinic."""
    clinic_id, appointment_id = _parse_token(secret, token)
    appointment = uow.appointments.get(clinic_id, appointment_id)
    expired = NotFoundError("this check-in link has expired", field="token")
    if appointment is None or appointment.status not in _CHECKABLE:
        raise expired
    zone = clinic_zone(uow, clinic_id)
    today = local_date(uow.now(), zone)
    if local_date(appointment.starts_at, zone) < today:
        raise expired
    return appointment, today


def _patient_actor(
    appointment: Appointment, *, via: str, client_address: str | None
) -> Actor:
    """The patient acting for themself, once the link and their identity are proven."""
    return Actor(
        user_id=None,
        role=Role.patient,
        clinic_id=appointment.clinic_id,
        patient_id=appointment.patient_id,
        via=via,
        client_address=client_address,
    )


def _patient(uow: UnitOfWork, appointment: Appointment) -> Patient:
    found = uow.patients.get(appointment.clinic_id, appointment.patient_id)
    assert found is not None  # an appointment's patient is in its clinic (foreign key)
    return found


def _intake_sex(sex: Sex) -> str | None:
    return None if sex is Sex.unknown else sex.value


def questions_for(rules: ScreeningRules, sex: Sex) -> tuple[CheckinQuestion, ...]:
    """The re-asked questions that apply to this patient (e.g. pregnancy: by the rule's
    `only_when` on sex)."""
    known: dict[str, Any] = {"sex": _intake_sex(sex)}
    found: list[CheckinQuestion] = []
    for field in RECHECK_FIELDS:
        rule = next((r for r in rules.flags if r.field == field), None)
        if rule is None:
            continue  # the clinic's table does not ask it
        if all(
            known.get(name) in allowed
            for name, allowed in rule.only_when.items()
            if name in known
        ):
            found.append(CheckinQuestion(field, rule.code))
    return tuple(found)


def evaluate(
    answers: Mapping[str, bool],
    *,
    condition_id: str,
    sex: Sex,
    rules: ScreeningRules,
) -> tuple[Reason, ...]:
    """The red flags among `answers` (field -> yes/no), by the clinic's screening rules: the
    reasons of the re-asked questions whose severity stops a session."""
    unknown = sorted(set(answers) - set(RECHECK_FIELDS))
    if unknown:
        raise InvalidInputError(
            f"not a check-in question: {', '.join(unknown)}", field=unknown[0]
        )
    intake = Intake.model_validate(
        {
            "conditions": [condition_id],
            "sex": _intake_sex(sex),
            **{k: bool(v) for k, v in answers.items()},
        }
    )
    decision = screen(intake, rules, load_catalog())
    codes = {r.code for r in rules.flags if r.field in answers}
    return tuple(
        r for r in decision.reasons if r.code in codes and r.severity in FLAG_SEVERITIES
    )


def _events(uow: UnitOfWork, appointment: Appointment, action: str) -> list[AuditEvent]:
    page = uow.audit.page(
        appointment.clinic_id,
        patient_id=appointment.patient_id,
        action=action,
        limit=200,
        offset=0,
    )
    return [
        e for e in page.items if e.detail.get("appointment_id") == str(appointment.id)
    ]


def _standing_flags(uow: UnitOfWork, appointment: Appointment) -> tuple[RedFlag, ...]:
    latest = uow.checkins.latest(appointment.clinic_id, appointment.id)
    if latest is None:
        return ()
    return tuple(
        RedFlag(
            code=str(f["code"]),
            severity=str(f["severity"]),
            message=str(f["message"]),
            source=str(f["source"]),
            raised_at=latest.completed_at,
        )
        for f in latest.standing_flags
    )


def _require_staff_appointment(
    uow: UnitOfWork,
    actor: Actor,
    appointment_id: uuid.UUID,
    *,
    permission: Permission,
) -> Appointment:
    found = uow.appointments.get(actor.clinic_id, appointment_id)
    if found is None:
        raise NotFoundError(f"no appointment {appointment_id}")
    require_own(
        actor,
        permission,
        found.patient_id,
        not_found=f"no appointment {appointment_id}",
    )
    return found


# --------------------------------------------------------------------------- use cases


@use_case
def issue_link(
    uow: UnitOfWork, actor: Actor, *, appointment_id: uuid.UUID, secret: str
) -> str:
    """The check-in token of an appointment, for reception to send (or a patient's own)."""
    appointment = _require_staff_appointment(
        uow, actor, appointment_id, permission=Permission.booking_read
    )
    authorize(actor, Permission.booking_read, patient_id=appointment.patient_id)
    audit(
        uow,
        actor,
        "checkin.link",
        resource_type="appointment",
        resource_id=appointment.id,
        patient_id=appointment.patient_id,
    )
    return link_token(secret, appointment.clinic_id, appointment.id)


@use_case
def open_link(uow: UnitOfWork, *, token: str, secret: str) -> LinkInfo:
    """What the link's first page shows; NotFoundError for a forged or expired link."""
    appointment, today = _appointment_of_token(uow, token, secret)
    clinic = uow.clinics.get(appointment.clinic_id)
    assert clinic is not None
    zone = clinic_zone(uow, clinic.id)
    return LinkInfo(
        appointment_id=appointment.id,
        clinic_name=clinic.name,
        starts_at=appointment.starts_at.astimezone(zone),
        on_the_day=local_date(appointment.starts_at, zone) == today,
        status=appointment.status,
    )


@use_case
def confirm_identity(
    uow: UnitOfWork,
    *,
    token: str,
    secret: str,
    family_name: str,
    birth_date: date,
    client_address: str | None = None,
) -> str:
    """Check the family name and date of birth against the appointment's patient; return the
    proof the next step needs. A wrong answer is audited and counts towards the lock."""
    appointment, _ = _appointment_of_token(uow, token, secret)
    now = uow.now()
    failures = [
        e
        for e in _events(uow, appointment, ACTION_IDENTITY_FAILED)
        if e.at > now - IDENTITY_LOCK
    ]
    if len(failures) >= MAX_IDENTITY_FAILURES:
        raise TooManyRequestsError(
            "too many wrong answers: please ask at reception",
            retry_after=int(IDENTITY_LOCK.total_seconds()),
        )
    patient = _patient(uow, appointment)
    actor = _patient_actor(appointment, via="check-in", client_address=client_address)
    if not same_name(family_name, patient.family_name) or (
        patient.birth_date != birth_date
    ):
        uow.audit.add(  # a failed attempt: not the patient's act, so no actor id either
            _failure_event(appointment, now, client_address)
        )
        raise InvalidInputError(
            "the name or date of birth does not match this appointment",
            field="identity",
        )
    audit(
        uow,
        actor,
        "checkin.identity",
        resource_type="appointment",
        resource_id=appointment.id,
        patient_id=appointment.patient_id,
        detail={"appointment_id": str(appointment.id)},
    )
    return _proof(secret, appointment, int((now + PROOF_TTL).timestamp()))


def _failure_event(
    appointment: Appointment, now: datetime, client_address: str | None
) -> NewAuditEvent:
    return NewAuditEvent(
        at=now,
        clinic_id=appointment.clinic_id,
        actor_user_id=None,
        actor_role="anonymous",
        action=ACTION_IDENTITY_FAILED,
        patient_id=appointment.patient_id,
        resource_type="appointment",
        resource_id=str(appointment.id),
        client_address=client_address,
        detail={"appointment_id": str(appointment.id), "via": "check-in"},
    )


@use_case
def proof_for_actor(
    uow: UnitOfWork, actor: Actor, *, appointment_id: uuid.UUID, secret: str
) -> tuple[str, str]:
    """(token, proof) for a signed-in patient's own appointment: their login proves who they
    are. Other patients' appointments are NotFoundError."""
    if actor.role is not Role.patient:
        raise NotFoundError(f"no appointment {appointment_id}")
    appointment = _require_staff_appointment(
        uow, actor, appointment_id, permission=Permission.booking_read
    )
    authorize(actor, Permission.booking_read, patient_id=appointment.patient_id)
    token = link_token(secret, appointment.clinic_id, appointment.id)
    _appointment_of_token(uow, token, secret)  # still open?
    audit(
        uow,
        actor,
        "checkin.identity",
        resource_type="appointment",
        resource_id=appointment.id,
        patient_id=appointment.patient_id,
        detail={"appointment_id": str(appointment.id)},
    )
    expires = int((uow.now() + PROOF_TTL).timestamp())
    return token, _proof(secret, appointment, expires)


@use_case
def kiosk_find(
    uow: UnitOfWork,
    actor: Actor,
    *,
    family_name: str,
    birth_date: date,
    secret: str,
) -> tuple[str, str]:
    """The kiosk (a staff-signed-in tablet): the patient types their family name and date of
    birth; their appointment today gives (token, proof). No match is NotFoundError."""
    authorize(actor, Permission.booking_write)
    zone = clinic_zone(uow, actor.clinic_id)
    now = uow.now()
    today = local_date(now, zone)
    start = datetime.combine(today, datetime.min.time(), zone)
    page = uow.appointments.page(
        actor.clinic_id,
        starts_from=start,
        starts_before=start + timedelta(days=1),
        statuses=list(_CHECKABLE),
        limit=500,
        offset=0,
    )
    for appointment in page.items:
        patient = _patient(uow, appointment)
        if patient.birth_date == birth_date and same_name(
            family_name, patient.family_name
        ):
            audit(
                uow,
                actor,
                "checkin.identity",
                resource_type="appointment",
                resource_id=appointment.id,
                patient_id=appointment.patient_id,
                detail={"appointment_id": str(appointment.id), "kiosk": True},
            )
            token = link_token(secret, appointment.clinic_id, appointment.id)
            expires = int((now + PROOF_TTL).timestamp())
            return token, _proof(secret, appointment, expires)
    raise NotFoundError(
        "no appointment today for this name and date of birth", field="identity"
    )


def _visit(uow: UnitOfWork, appointment: Appointment, actor: Actor) -> CheckinVisit:
    zone = clinic_zone(uow, appointment.clinic_id)
    course = uow.courses.get(appointment.clinic_id, appointment.course_id)
    assert course is not None
    patient = _patient(uow, appointment)
    rules = clinic_service.screening_rules(uow, appointment.clinic_id)
    timepoint = f"session-{appointment.session_number}"
    due = questionnaires.due(
        uow, actor, course_id=course.id, on=local_date(appointment.starts_at, zone)
    )
    instruments = tuple(d.instrument for d in due if d.timepoint.key == timepoint)
    done = uow.checkins.latest(appointment.clinic_id, appointment.id) is not None
    return CheckinVisit(
        appointment=appointment,
        starts_at=appointment.starts_at.astimezone(zone),
        given_name=patient.given_name,
        condition_id=course.condition_id,
        session_number=appointment.session_number,
        timepoint=timepoint,
        course_id=course.id,
        questions=questions_for(rules, patient.sex),
        instruments=instruments,
        done=done,
        flags=_standing_flags(uow, appointment),
    )


@use_case
def get_visit(
    uow: UnitOfWork,
    *,
    token: str,
    secret: str,
    proof: str,
    client_address: str | None = None,
) -> CheckinVisit:
    """The check-in form of the token's appointment (needs the identity proof)."""
    appointment, _ = _appointment_of_token(uow, token, secret)
    _check_proof(secret, appointment, proof, uow.now())
    actor = _patient_actor(appointment, via="check-in", client_address=client_address)
    return _visit(uow, appointment, actor)


@use_case
def complete(
    uow: UnitOfWork,
    *,
    token: str,
    secret: str,
    proof: str,
    answers: Mapping[str, bool | None],
    questionnaire_answers: Mapping[str, Sequence[float | None]],
    via: str = "check-in",
    staff: Actor | None = None,
    client_address: str | None = None,
) -> CheckinResult:
    """Record a check-in in one transaction: the re-asked questions (every applicable one must
    be answered), the pre-session questionnaires, the appointment checked in, the flags."""
    appointment, today = _appointment_of_token(uow, token, secret)
    _check_proof(secret, appointment, proof, uow.now())
    zone = clinic_zone(uow, appointment.clinic_id)
    if local_date(appointment.starts_at, zone) != today:
        raise RuleViolationError(
            "check-in opens on the day of the appointment", field="token"
        )
    actor = _patient_actor(appointment, via=via, client_address=client_address)
    visit = _visit(uow, appointment, actor)
    given: dict[str, bool] = {}
    for question in visit.questions:
        value = answers.get(question.field)
        if value is None:
            raise InvalidInputError(
                f"answer yes or no: {question.field}", field=question.field
            )
        given[question.field] = value
    course = uow.courses.get(appointment.clinic_id, appointment.course_id)
    assert course is not None
    patient = _patient(uow, appointment)
    reasons = evaluate(
        given,
        condition_id=course.condition_id,
        sex=patient.sex,
        rules=clinic_service.screening_rules(uow, appointment.clinic_id),
    )
    extra = sorted(set(questionnaire_answers) - set(visit.instruments))
    if extra:
        raise InvalidInputError(
            f"{extra[0]} is not due at this check-in", field=extra[0]
        )
    responses = tuple(
        questionnaires.submit(
            uow,
            actor,
            patient_id=appointment.patient_id,
            instrument_id=instrument_id,
            answers=list(values),
            timepoint=visit.timepoint,
            course_id=course.id,
        )
        for instrument_id, values in questionnaire_answers.items()
    )
    now = uow.now()
    updated = appointment
    if appointment.status is AppointmentStatus.booked:
        updated = uow.appointments.set_status(
            appointment.id,
            expected_version=None,
            status=AppointmentStatus.checked_in,
            checked_in_at=now,
            updated_at=now,
        )
    kiosk_user_id = staff.user_id if staff is not None else None
    record = uow.checkins.add(
        appointment.clinic_id,
        appointment_id=appointment.id,
        patient_id=appointment.patient_id,
        completed_at=now,
        via=via,
        answers=given,
        flags=[r.to_dict() for r in reasons],
        kiosk_user_id=kiosk_user_id,
    )
    detail: dict[str, Any] = {
        "appointment_id": str(appointment.id),
        "checkin_id": str(record.id),
        "flags": [r.code for r in reasons],
    }
    if staff is not None:
        detail["kiosk_user_id"] = str(kiosk_user_id) if kiosk_user_id else None
    audit(
        uow,
        actor,
        ACTION_COMPLETE,
        resource_type="appointment",
        resource_id=appointment.id,
        patient_id=appointment.patient_id,
        detail=detail,
    )
    flags = tuple(
        RedFlag(r.code, r.severity.value, r.message, r.source, now) for r in reasons
    )
    return CheckinResult(updated, flags, responses)


@use_case
def red_flags(
    uow: UnitOfWork, actor: Actor, appointment_id: uuid.UUID
) -> tuple[RedFlag, ...]:
    """The red flags raised at the appointment's check-in and not yet cleared by a clinician
    (clinical reasons: clinicians and nurses)."""
    appointment = _require_staff_appointment(
        uow, actor, appointment_id, permission=Permission.session_read
    )
    authorize(actor, Permission.session_read, patient_id=appointment.patient_id)
    flags = _standing_flags(uow, appointment)
    audit(
        uow,
        actor,
        "checkin.flags_read",
        resource_type="appointment",
        resource_id=appointment.id,
        patient_id=appointment.patient_id,
    )
    return flags


@use_case
def has_red_flags(uow: UnitOfWork, actor: Actor, appointment_id: uuid.UUID) -> bool:
    """Whether a red flag stops the appointment's session (no reasons: for the day's board)."""
    appointment = _require_staff_appointment(
        uow, actor, appointment_id, permission=Permission.booking_read
    )
    authorize(actor, Permission.booking_read, patient_id=appointment.patient_id)
    return bool(_standing_flags(uow, appointment))


def require_cleared(uow: UnitOfWork, actor: Actor, appointment_id: uuid.UUID) -> None:
    """RuleViolationError while a red flag stands (the session service calls this first)."""
    appointment = uow.appointments.get(actor.clinic_id, appointment_id)
    if appointment is None:
        raise NotFoundError(f"no appointment {appointment_id}")
    flags = _standing_flags(uow, appointment)
    if flags:
        raise RuleViolationError(
            "a red flag from check-in stops this session until a clinician clears it: "
            + ", ".join(f.code for f in flags),
            field="red_flags",
        )


@use_case
def clear_red_flags(
    uow: UnitOfWork, actor: Actor, *, appointment_id: uuid.UUID, reason: str
) -> None:
    """A clinician clears the standing red flags with a written reason (audited)."""
    appointment = _require_staff_appointment(
        uow, actor, appointment_id, permission=Permission.screening_sign_off
    )
    authorize(actor, Permission.screening_sign_off, patient_id=appointment.patient_id)
    text = reason.strip()
    if not text:
        raise InvalidInputError("say why the session may go ahead", field="reason")
    if len(text) > 2000:
        raise InvalidInputError(
            "the reason is limited to 2,000 characters", field="reason"
        )
    latest = uow.checkins.latest(appointment.clinic_id, appointment.id)
    flags = _standing_flags(uow, appointment)
    if latest is None or not flags:
        raise RuleViolationError(
            "no red flag stands for this appointment", field="reason"
        )
    uow.checkins.clear(latest.id, at=uow.now(), by=actor.user_id, reason=text)
    audit(
        uow,
        actor,
        ACTION_CLEARED,
        resource_type="appointment",
        resource_id=appointment.id,
        patient_id=appointment.patient_id,
        detail={
            "appointment_id": str(appointment.id),
            "checkin_id": str(latest.id),
            "reason": text,
            "codes": [f.code for f in flags],
        },
    )
