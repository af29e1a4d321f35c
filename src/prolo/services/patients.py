"""Patients: register, read, search, update (optimistic concurrency), external identifiers.

Every read and write is audited, one event per patient touched (lists included)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from prolo.services.context import Actor, audit, authorize, require_own
from prolo.services.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    use_case,
)
from prolo.services.permissions import Permission
from prolo.store.records import Page, Patient, PatientIdentifier, Role, Sex
from prolo.store.unit_of_work import UnitOfWork

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
UPDATABLE = (
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "phone",
    "email",
    "address",
    "preferred_language",
)


def _text(value: str, field: str, *, max_length: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidInputError(f"{field} must not be empty", field=field)
    if len(text) > max_length:
        raise InvalidInputError(
            f"{field} is longer than {max_length} characters", field=field
        )
    return text


def _optional(value: str | None, field: str, *, max_length: int) -> str | None:
    if value is None or not value.strip():
        return None
    return _text(value, field, max_length=max_length)


def _check(uow: UnitOfWork, values: dict[str, Any]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("given_name", "family_name"):
            checked[name] = _text(value, name, max_length=100)
        elif name == "birth_date":
            if value is not None and value > uow.now().date():
                raise InvalidInputError(
                    "birth_date is in the future", field="birth_date"
                )
            if value is not None and value < date(1900, 1, 1):
                raise InvalidInputError("birth_date is before 1900", field="birth_date")
            checked[name] = value
        elif name == "sex":
            checked[name] = Sex(value)
        elif name == "phone":
            checked[name] = _optional(value, name, max_length=40)
        elif name == "email":
            checked[name] = _optional(value, name, max_length=320)
        elif name == "address":
            checked[name] = _optional(value, name, max_length=500)
        elif name == "preferred_language":
            if not isinstance(value, str) or not _LANGUAGE.match(value):
                raise InvalidInputError(
                    f"preferred_language must be a language tag like en or tr, got {value!r}",
                    field=name,
                )
            checked[name] = value
        else:
            raise InvalidInputError(f"{name} cannot be changed here", field=name)
    return checked


def _identifiers(items: Iterable[PatientIdentifier]) -> list[PatientIdentifier]:
    found: list[PatientIdentifier] = []
    for i, item in enumerate(items):
        system = _text(item.system, f"identifiers.{i}.system", max_length=200)
        value = _text(item.value, f"identifiers.{i}.value", max_length=200)
        ident = PatientIdentifier(system=system, value=value)
        if ident in found:
            raise InvalidInputError(
                f"identifiers.{i}: listed twice", field=f"identifiers.{i}"
            )
        found.append(ident)
    return found


def require_patient(uow: UnitOfWork, actor: Actor, patient_id: uuid.UUID) -> Patient:
    """The patient of the actor's clinic, or NotFoundError (also for other patients' logins)."""
    if actor.role is Role.patient and patient_id != actor.patient_id:
        raise NotFoundError(f"no patient {patient_id}")
    patient = uow.patients.get(actor.clinic_id, patient_id)
    if patient is None:
        raise NotFoundError(f"no patient {patient_id}")
    return patient


@use_case
def register_patient(
    uow: UnitOfWork,
    actor: Actor,
    *,
    given_name: str,
    family_name: str,
    birth_date: date | None = None,
    sex: Sex = Sex.unknown,
    phone: str | None = None,
    email: str | None = None,
    address: str | None = None,
    preferred_language: str = "en",
    identifiers: Iterable[PatientIdentifier] = (),
) -> Patient:
    authorize(actor, Permission.patient_write)
    values = _check(
        uow,
        {
            "given_name": given_name,
            "family_name": family_name,
            "birth_date": birth_date,
            "sex": sex,
            "phone": phone,
            "email": email,
            "address": address,
            "preferred_language": preferred_language,
        },
    )
    idents = _identifiers(identifiers)
    for ident in idents:
        if uow.patients.find_by_identifier(actor.clinic_id, ident.system, ident.value):
            raise ConflictError(
                f"a patient with identifier {ident.system}|{ident.value} already exists",
                field="identifiers",
            )
    patient = uow.patients.add(
        actor.clinic_id, identifiers=idents, created_at=uow.now(), **values
    )
    audit(
        uow,
        actor,
        "patient.create",
        resource_type="patient",
        resource_id=patient.id,
        patient_id=patient.id,
    )
    return patient


@use_case
def get_patient(uow: UnitOfWork, actor: Actor, *, patient_id: uuid.UUID) -> Patient:
    authorize(actor, Permission.patient_read, patient_id=patient_id)
    patient = require_patient(uow, actor, patient_id)
    audit(
        uow,
        actor,
        "patient.read",
        resource_type="patient",
        resource_id=patient.id,
        patient_id=patient.id,
    )
    return patient


@use_case
def list_patients(
    uow: UnitOfWork,
    actor: Actor,
    *,
    query: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Patient]:
    """Search by name, e-mail or exact identifier. A patient's login lists only themselves."""
    authorize(actor, Permission.patient_read)
    if actor.role is Role.patient:
        own = (
            uow.patients.get(actor.clinic_id, actor.patient_id)
            if actor.patient_id
            else None
        )
        items = [own] if own is not None and offset == 0 else []
        page = Page(items=items, total=1 if own else 0, limit=limit, offset=offset)
    else:
        page = uow.patients.page(
            actor.clinic_id, query=query, limit=limit, offset=offset
        )
    for patient in page.items:
        audit(
            uow,
            actor,
            "patient.list",
            resource_type="patient",
            resource_id=patient.id,
            patient_id=patient.id,
            detail={"query": query} if query else None,
        )
    return page


@use_case
def find_by_identifier(
    uow: UnitOfWork, actor: Actor, *, system: str, value: str
) -> Patient:
    authorize(actor, Permission.patient_read)
    patient = uow.patients.find_by_identifier(actor.clinic_id, system, value)
    if patient is None:
        raise NotFoundError(f"no patient with identifier {system}|{value}")
    require_own(
        actor,
        Permission.patient_read,
        patient.id,
        not_found=f"no patient with identifier {system}|{value}",
    )
    audit(
        uow,
        actor,
        "patient.read",
        resource_type="patient",
        resource_id=patient.id,
        patient_id=patient.id,
    )
    return patient


@use_case
def update_patient(
    uow: UnitOfWork,
    actor: Actor,
    *,
    patient_id: uuid.UUID,
    expected_version: int,
    changes: Mapping[str, Any],
    identifiers: Iterable[PatientIdentifier] | None = None,
) -> Patient:
    """Change demographics; `expected_version` is the version the caller read (409 if stale)."""
    authorize(actor, Permission.patient_write, patient_id=patient_id)
    require_patient(uow, actor, patient_id)
    values = _check(uow, dict(changes))
    idents = _identifiers(identifiers) if identifiers is not None else None
    if idents:
        for ident in idents:
            other = uow.patients.find_by_identifier(
                actor.clinic_id, ident.system, ident.value
            )
            if other is not None and other.id != patient_id:
                raise ConflictError(
                    f"another patient has identifier {ident.system}|{ident.value}",
                    field="identifiers",
                )
    updated = uow.patients.update(
        actor.clinic_id,
        patient_id,
        expected_version=expected_version,
        changes=values,
        identifiers=idents,
        updated_at=uow.now(),
    )
    if updated is None:
        raise NotFoundError(f"no patient {patient_id}")
    audit(
        uow,
        actor,
        "patient.update",
        resource_type="patient",
        resource_id=patient_id,
        patient_id=patient_id,
        detail={
            "fields": sorted(values) + (["identifiers"] if idents is not None else [])
        },
    )
    return updated
