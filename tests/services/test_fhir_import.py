"""Importing FHIR Bundles: matched by ids and identifiers, never duplicated, round-trips."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from fhir_api.samples import canonical, hand_built, hand_built_json
from prolo.domain.errors import InvalidInputError as DomainInvalidInput
from prolo.interop.fhir import bundle_to_records, patient_bundle_json
from prolo.interop.records import ObservationRecord
from prolo.services import demo, exports, fhir_import
from prolo.services.accounts import PasswordPolicy
from prolo.services.bootstrap import open_database
from prolo.services.clinic import ensure_clinic
from prolo.services.context import Actor
from prolo.services.errors import ConflictError, ForbiddenError
from prolo.store.records import Clinic
from prolo.store.unit_of_work import Database, UnitOfWork

if TYPE_CHECKING:  # the fixture's type (tests/conftest.py), only for annotations
    from conftest import TemplateDatabase

CHEAP_HASHING = PasswordPolicy(time_cost=1, memory_kib=8)


@pytest.fixture
def other_database(
    template_database: TemplateDatabase, tmp_path: Path
) -> Iterator[Database]:
    """A second, empty (migrated) database that really commits."""
    url = template_database.copy(tmp_path)
    database = open_database(url)
    try:
        yield database
    finally:
        database.dispose()
        template_database.drop(url)


def _export_all(database: Database) -> dict[str, dict[str, Any]]:
    with database.unit_of_work() as uow:
        clinic = uow.clinics.first()
        assert clinic is not None
        actor = Actor.operator(clinic.id)
        found = {
            str(r.patient.id): patient_bundle_json(r)
            for r in exports.export_all(uow, actor)
        }
        uow.commit()
    return found


def _import_all(
    database: Database, bundles: list[dict[str, Any]], *, clinic_name: str
) -> list[fhir_import.ImportResult]:
    with database.unit_of_work() as uow:
        clinic = ensure_clinic(uow, name=clinic_name, timezone="Europe/Istanbul")
        actor = Actor.operator(clinic.id)
        results = [fhir_import.import_bundle(uow, actor, b) for b in bundles]
        uow.commit()
    return results


def _row_counts(database: Database) -> dict[str, int]:
    from sqlalchemy import func, select

    from prolo.store.base import Base

    counts = {}
    with database.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name != "audit_events":
                counts[table.name] = conn.scalar(
                    select(func.count()).select_from(table)
                )
    return counts


def test_demo_clinic_export_import_export_gives_the_same_resources(
    template_database: TemplateDatabase, tmp_path: Path, other_database: Database
) -> None:
    (tmp_path / "source").mkdir()
    source_url = template_database.copy(tmp_path / "source")
    try:
        demo.seed(
            lambda clock: open_database(source_url, clock=clock),
            timezone="Europe/Istanbul",
            password_policy=CHEAP_HASHING,
            now=datetime(2025, 6, 2, 9, 0, tzinfo=UTC),
        )
        source = open_database(source_url)
        try:
            first = _export_all(source)
        finally:
            source.dispose()
    finally:
        template_database.drop(source_url)
    assert len(first) == len(demo.PATIENTS)
    kinds = {e["resource"]["resourceType"] for b in first.values() for e in b["entry"]}
    assert {"Procedure", "AdverseEvent", "Observation", "CarePlan"} <= kinds

    results = _import_all(
        other_database, list(first.values()), clinic_name=demo.DEMO_CLINIC
    )
    assert all(r.changed and not r.skipped for r in results)
    second = _export_all(other_database)
    assert second.keys() == first.keys()
    for patient_id, bundle in first.items():
        assert canonical(second[patient_id]) == canonical(bundle), patient_id

    before = _row_counts(other_database)
    again = _import_all(
        other_database, list(first.values()), clinic_name=demo.DEMO_CLINIC
    )
    assert not any(r.changed for r in again)
    assert _row_counts(other_database) == before


def test_hand_built_bundle_round_trips_through_an_empty_database(
    uow: UnitOfWork, clinic: Clinic, admin: Actor, other_database: Database
) -> None:
    record = hand_built()
    result = fhir_import.import_bundle(uow, admin, patient_bundle_json(record))
    assert result.created == {
        "Patient": 1,
        "Practitioner": 1,
        "Location": 2,
        "CarePlan": 1,
        "Condition": 1,
        "Appointment": 3,
        "Procedure": 1,
        "AdverseEvent": 1,
        "QuestionnaireResponse": 2,
    }
    exported = exports.patient_record(uow, admin, patient_id=record.patient.id)
    # what the store keeps of the hand-built records comes back unchanged
    assert exported.patient == record.patient.model_copy(
        update={"organization_id": clinic.id}
    )
    assert [
        a.model_copy(update={"revision": 0, "updated_at": None})
        for a in exported.appointments
    ] == list(record.appointments)
    assert [
        p.model_dump(exclude={"injections", "body_sites"}) for p in exported.procedures
    ] == [p.model_dump(exclude={"injections", "body_sites"}) for p in record.procedures]
    (line,) = exported.procedures[0].injections
    (original,) = record.procedures[0].injections
    assert (
        line.site.site_id,
        line.site.laterality,
        line.solution,
        line.volume_ml,
        line.lot_number,
    ) == (
        original.site.site_id,
        original.site.laterality,
        original.solution,
        original.volume_ml,
        original.lot_number,
    )
    assert line.concentration_percent == original.concentration_percent
    assert exported.questionnaire_responses == record.questionnaire_responses
    assert [
        (e.id, e.code, e.severity, e.procedure_id) for e in exported.adverse_events
    ] == [(e.id, e.code, e.severity, e.procedure_id) for e in record.adverse_events]
    assert [o.value for o in exported.observations] == [7, 5]
    first = patient_bundle_json(exported)

    _import_all(other_database, [first], clinic_name=clinic.name)
    second = _export_all(other_database)
    assert canonical(second[str(record.patient.id)]) == canonical(first)


def test_importing_the_same_bundle_twice_adds_nothing_the_second_time(
    uow: UnitOfWork, clinic: Clinic, admin: Actor
) -> None:
    bundle = hand_built_json()
    fhir_import.import_bundle(uow, admin, bundle)
    again = fhir_import.import_bundle(uow, admin, bundle)
    assert not again.changed
    assert again.matched["Appointment"] == 3
    assert again.matched["QuestionnaireResponse"] == 2
    actions = [e.action for e in uow.audit.page(clinic.id, limit=50, offset=0).items]
    assert actions.count("patient.import") == 2


def test_a_patient_is_matched_by_mrn_and_the_bundle_is_attached_to_them(
    uow: UnitOfWork, clinic: Clinic, admin: Actor
) -> None:
    first = hand_built(mrn="MRN-7")
    fhir_import.import_bundle(uow, admin, patient_bundle_json(first))
    other = hand_built(mrn="MRN-7")  # another system's export: new ids, same MRN
    other = other.model_copy(
        update={
            "appointments": (),
            "procedures": (),
            "adverse_events": (),
            "questionnaire_responses": (),
        }
    )
    result = fhir_import.import_bundle(uow, admin, patient_bundle_json(other))
    assert result.patient_id == first.patient.id
    assert result.matched["Patient"] == 1
    assert result.created["Patient"] == 0
    assert result.matched["Practitioner"] == 1  # same name: the same clinician
    assert result.matched["Location"] == 2  # same names: the same room and bed
    courses = uow.courses.for_patient(first.patient.id)
    assert len(courses) == 2


def test_records_prolo_cannot_keep_are_reported_not_dropped_silently(
    uow: UnitOfWork, clinic: Clinic, admin: Actor
) -> None:
    record = hand_built()
    loose_condition = record.conditions[0].model_copy(update={"id": uuid.uuid4()})
    loose_observation = ObservationRecord(
        id=uuid.uuid4(),
        patient_id=record.patient.id,
        instrument_id="nrs",
        effective=datetime(2025, 1, 1, tzinfo=UTC),
        value=3,
    )
    record = record.model_copy(
        update={
            "conditions": (*record.conditions, loose_condition),
            "observations": (loose_observation,),
        }
    )
    result = fhir_import.import_bundle(uow, admin, patient_bundle_json(record))
    assert len(result.skipped) == 2
    assert any(f"Condition/{loose_condition.id}" in s for s in result.skipped)
    assert any(f"Observation/{loose_observation.id}" in s for s in result.skipped)


def test_only_an_admin_imports(
    uow: UnitOfWork, clinic: Clinic, clinician: Actor
) -> None:
    with pytest.raises(ForbiddenError):
        fhir_import.import_bundle(uow, clinician, hand_built_json())


def test_a_malformed_bundle_names_the_entry_and_element(
    uow: UnitOfWork, clinic: Clinic, admin: Actor
) -> None:
    bundle = hand_built_json()
    entry = next(
        e for e in bundle["entry"] if e["resource"]["resourceType"] == "Appointment"
    )
    entry["resource"]["participant"][0]["actor"]["reference"] = "urn:uuid:" + str(
        uuid.uuid4()
    )
    with pytest.raises(DomainInvalidInput) as raised:
        fhir_import.import_bundle(uow, admin, bundle)
    assert "(Appointment)" in str(raised.value)
    assert "participant[0].actor" in str(raised.value)
    assert uow.patients.ids(clinic.id) == []


def test_ids_used_by_another_clinic_are_refused(
    uow: UnitOfWork, clinic: Clinic, admin: Actor
) -> None:
    bundle = hand_built_json()
    fhir_import.import_bundle(uow, admin, bundle)
    elsewhere = uow.clinics.add(name="Other", timezone="UTC", opening_hours={})
    with pytest.raises(ConflictError):
        fhir_import.import_bundle(uow, Actor.operator(elsewhere.id), bundle)


def test_bundle_to_records_of_the_import_input_is_what_was_written() -> None:
    record = hand_built()
    assert bundle_to_records(patient_bundle_json(record)) == record


def test_a_double_booking_is_refused_even_for_imported_history(
    uow: UnitOfWork, clinic: Clinic, admin: Actor
) -> None:
    fhir_import.import_bundle(uow, admin, hand_built_json(mrn="MRN-1"))
    # another patient, the same clinician (matched by name) at the same times
    with pytest.raises(ConflictError, match="already booked"):
        fhir_import.import_bundle(uow, admin, hand_built_json(mrn="MRN-2"))
