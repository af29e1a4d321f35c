"""Intake and screening: the clinic's screening rules decide, a clinician signs off.

    record_intake(...)  the patient's answers -> `prolo.domain.screening.screen(intake, rules,
                        catalog)` with the clinic's own rules -> a pending Screening with the
                        decision and every reason (kept as decided, with its sources)
    sign_off(...)       a clinician confirms the decision or overrides it with a written reason
                        (needs_review must be resolved to eligible or not_eligible)

A course can only be created on a signed-off eligible screening (`prolo.services.courses`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from prolo.domain.catalog import load_catalog
from prolo.domain.screening import Intake, screen
from prolo.services import clinic
from prolo.services.context import Actor, audit, authorize
from prolo.services.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
    use_case,
)
from prolo.services.patients import require_patient
from prolo.services.permissions import Permission
from prolo.store.records import Intake as IntakeRecord
from prolo.store.records import Screening, ScreeningOutcome, SignOffStatus
from prolo.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class ScreeningDetail:
    """A screening with the intake it was decided on."""

    screening: Screening
    intake: IntakeRecord


def parse_intake(data: dict[str, Any] | Intake) -> Intake:
    """The domain's Intake from JSON-like data; InvalidInputError names the first bad field."""
    if isinstance(data, Intake):
        return data
    try:
        return Intake.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "intake"
        raise InvalidInputError(
            f"intake.{loc}: {first['msg']}", field=f"intake.{loc}"
        ) from exc


@use_case
def record_intake(
    uow: UnitOfWork,
    actor: Actor,
    *,
    patient_id: uuid.UUID,
    intake: dict[str, Any] | Intake,
) -> Screening:
    """Store the answers and screen them at once with the clinic's rules (pending sign-off)."""
    authorize(actor, Permission.intake_write, patient_id=patient_id)
    require_patient(uow, actor, patient_id)
    answers = parse_intake(intake)
    rules = clinic.screening_rules(uow, actor.clinic_id)
    decision = screen(answers, rules, load_catalog())
    now = uow.now()
    stored = uow.screenings.add_intake(
        patient_id,
        answers=answers.model_dump(mode="json"),
        recorded_at=now,
        recorded_by=actor.user_id,
    )
    screening = uow.screenings.add(
        patient_id=patient_id,
        intake_id=stored.id,
        outcome=ScreeningOutcome(decision.decision.value),
        reasons=[r.to_dict() for r in decision.reasons],
        screened_at=now,
        rules_version=None,
    )
    audit(
        uow,
        actor,
        "screening.create",
        resource_type="screening",
        resource_id=screening.id,
        patient_id=patient_id,
        detail={"outcome": screening.outcome.value, "intake_id": str(stored.id)},
    )
    return screening


@use_case
def list_screenings(
    uow: UnitOfWork, actor: Actor, *, patient_id: uuid.UUID
) -> list[Screening]:
    authorize(actor, Permission.screening_read, patient_id=patient_id)
    require_patient(uow, actor, patient_id)
    found = uow.screenings.for_patient(patient_id)
    audit(
        uow, actor, "screening.list", resource_type="screening", patient_id=patient_id
    )
    return found


def _detail(uow: UnitOfWork, actor: Actor, screening_id: uuid.UUID) -> ScreeningDetail:
    screening = uow.screenings.get(actor.clinic_id, screening_id)
    if screening is None:
        raise NotFoundError(f"no screening {screening_id}")
    authorize(actor, Permission.screening_read, patient_id=screening.patient_id)
    intake = uow.screenings.get_intake(screening.intake_id)
    assert intake is not None  # a foreign key
    return ScreeningDetail(screening, intake)


@use_case
def get_screening(
    uow: UnitOfWork, actor: Actor, *, screening_id: uuid.UUID
) -> ScreeningDetail:
    detail = _detail(uow, actor, screening_id)
    audit(
        uow,
        actor,
        "screening.read",
        resource_type="screening",
        resource_id=screening_id,
        patient_id=detail.screening.patient_id,
    )
    return detail


@use_case
def sign_off(
    uow: UnitOfWork,
    actor: Actor,
    *,
    screening_id: uuid.UUID,
    expected_version: int,
    decision: ScreeningOutcome,
    reason: str | None = None,
) -> Screening:
    """A clinician's decision. A decision other than the rules' one (and any resolution of
    needs_review to eligible) needs a written reason; a signed-off screening is final."""
    screening = uow.screenings.get(actor.clinic_id, screening_id)
    if screening is None or (
        actor.role.value == "patient" and screening.patient_id != actor.patient_id
    ):
        raise NotFoundError(f"no screening {screening_id}")
    authorize(actor, Permission.screening_sign_off, patient_id=screening.patient_id)
    if screening.status is SignOffStatus.signed_off:
        raise ConflictError(
            "this screening is already signed off; record a new intake instead"
        )
    if decision is ScreeningOutcome.needs_review:
        raise InvalidInputError(
            "decide eligible or not_eligible: signing off resolves the review",
            field="decision",
        )
    text = (reason or "").strip() or None
    if decision is not screening.outcome and text is None:
        raise RuleViolationError(
            f"the rules said {screening.outcome.value}; deciding {decision.value} needs a"
            " written reason",
            field="reason",
        )
    signed = uow.screenings.sign_off(
        screening_id,
        expected_version=expected_version,
        final_outcome=decision,
        override_reason=text,
        signed_off_by=actor.user_id,
        signed_off_at=uow.now(),
    )
    audit(
        uow,
        actor,
        "screening.override"
        if decision is not screening.outcome
        else "screening.sign_off",
        resource_type="screening",
        resource_id=screening_id,
        patient_id=screening.patient_id,
        detail={
            "rules": screening.outcome.value,
            "decision": decision.value,
            "reason": text,
        },
    )
    return signed


def eligible_screening(
    uow: UnitOfWork, patient_id: uuid.UUID, condition_id: str
) -> Screening | None:
    """The newest signed-off screening of the patient that found them eligible for
    `condition_id` (its intake listed the condition)."""
    for screening in uow.screenings.for_patient(patient_id):  # newest first
        if screening.status is not SignOffStatus.signed_off:
            continue
        intake = uow.screenings.get_intake(screening.intake_id)
        if intake is None or condition_id not in intake.answers.get("conditions", []):
            continue
        # the newest decision about this condition counts: a later refusal stands
        return (
            screening if screening.final_outcome is ScreeningOutcome.eligible else None
        )
    return None
