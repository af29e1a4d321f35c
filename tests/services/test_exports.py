"""Building a patient's records for the FHIR export: authorised, audited, R4-valid."""

from __future__ import annotations

import json

import pytest
from fhirclient.models.bundle import Bundle as R4Bundle

from factories import actor_for
from fhir_api.samples import hand_built
from prolo.interop.fhir import patient_bundle_json
from prolo.services import exports, fhir_import
from prolo.services.context import Actor
from prolo.services.errors import ForbiddenError, NotFoundError
from prolo.store.records import Clinic, Role
from prolo.store.unit_of_work import UnitOfWork


def test_export_is_audited_and_parses_as_strict_r4(
    uow: UnitOfWork, clinic: Clinic, admin: Actor, nurse: Actor
) -> None:
    record = hand_built()
    fhir_import.import_bundle(uow, admin, patient_bundle_json(record))
    exported = exports.patient_record(uow, nurse, patient_id=record.patient.id)
    bundle = patient_bundle_json(exported)
    R4Bundle(
        json.loads(json.dumps(bundle)), strict=True
    )  # raises on any non-R4 element
    types = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert types.count("Appointment") == 3
    assert types.count("Observation") == 2
    condition = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Condition"
    )
    systems = {c["system"] for c in condition["code"]["coding"]}
    assert {"http://hl7.org/fhir/sid/icd-10-cm", "http://snomed.info/sct"} <= systems
    events = uow.audit.page(
        clinic.id, patient_id=record.patient.id, limit=10, offset=0
    ).items
    assert events[0].action == "patient.export"
    assert events[0].actor_role == "nurse"


@pytest.mark.parametrize("role", [Role.reception, Role.patient])
def test_reception_and_patients_may_not_export(
    uow: UnitOfWork, clinic: Clinic, admin: Actor, role: Role
) -> None:
    record = hand_built()
    fhir_import.import_bundle(uow, admin, patient_bundle_json(record))
    actor = actor_for(
        clinic, role, patient_id=record.patient.id if role is Role.patient else None
    )
    with pytest.raises(ForbiddenError):
        exports.patient_record(uow, actor, patient_id=record.patient.id)


def test_an_unknown_patient_is_not_found(
    uow: UnitOfWork, clinic: Clinic, admin: Actor
) -> None:
    with pytest.raises(NotFoundError):
        exports.patient_record(uow, admin, patient_id=hand_built().patient.id)


def test_staff_names_split_into_given_and_family() -> None:
    assert exports.split_name("Dr. Ada  Aksoy") == ("Aksoy", ("Dr.", "Ada"))
    assert exports.split_name("Cher") == ("Cher", ())
