"""Patients: registration, reading (audited), search, optimistic updates, patients' own view."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from factories import DEFAULT_NOW, actor_for
from prolo.services import patients
from prolo.services.context import Actor
from prolo.services.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from prolo.store.records import Clinic, Patient, PatientIdentifier, Role, Sex
from prolo.store.unit_of_work import UnitOfWork


def _register(
    uow: UnitOfWork,
    actor: Actor,
    given: str = "Ayşe",
    family: str = "Yılmaz",  # noqa: RUF001  (Turkish dotless i, on purpose)
    **kw: object,
) -> Patient:
    values: dict[str, object] = {"birth_date": date(1968, 4, 2), "sex": Sex.female}
    values.update(kw)
    return patients.register_patient(
        uow,
        actor,
        given_name=given,
        family_name=family,
        **values,  # type: ignore[arg-type]
    )


class TestRegister:
    @pytest.mark.parametrize(
        "role", [Role.admin, Role.clinician, Role.nurse, Role.reception]
    )
    def test_staff_register_patients(
        self, uow: UnitOfWork, clinic: Clinic, role: Role
    ) -> None:
        patient = _register(
            uow,
            actor_for(clinic, role),
            identifiers=[PatientIdentifier("urn:tr:tckn", "10000000146")],
        )
        assert patient.name == "Ayşe Yılmaz"  # noqa: RUF001
        assert patient.version == 1
        assert patient.identifiers == (PatientIdentifier("urn:tr:tckn", "10000000146"),)

    def test_a_patient_cannot_register_patients(
        self, uow: UnitOfWork, clinic: Clinic
    ) -> None:
        with pytest.raises(ForbiddenError):
            _register(uow, actor_for(clinic, Role.patient, patient_id=uuid.uuid4()))

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"given": "  "}, "given_name"),
            ({"family": "x" * 101}, "family_name"),
            ({"birth_date": date(2099, 1, 1)}, "birth_date"),
            ({"preferred_language": "english!"}, "preferred_language"),
        ],
    )
    def test_bad_values_name_the_field(
        self, uow: UnitOfWork, reception: Actor, changes: dict[str, object], field: str
    ) -> None:
        with pytest.raises(InvalidInputError) as info:
            _register(uow, reception, **changes)  # type: ignore[arg-type]
        assert info.value.field == field

    def test_an_identifier_belongs_to_one_patient(
        self, uow: UnitOfWork, reception: Actor
    ) -> None:
        ident = PatientIdentifier("urn:mrn", "A-1")
        _register(uow, reception, identifiers=[ident])
        with pytest.raises(ConflictError):
            _register(uow, reception, given="Other", identifiers=[ident])


class TestRead:
    def test_every_read_is_audited_with_who_what_when_where(
        self, uow: UnitOfWork, clinic: Clinic, reception: Actor
    ) -> None:
        patient = _register(uow, reception)
        reader = Actor(
            user_id=uuid.uuid4(),
            role=Role.nurse,
            clinic_id=clinic.id,
            client_address="203.0.113.5",
            via="api",
        )
        patients.get_patient(uow, reader, patient_id=patient.id)
        event = uow.audit.page(clinic.id, limit=1, offset=0).items[0]
        assert (event.action, event.actor_role, event.actor_user_id) == (
            "patient.read",
            "nurse",
            reader.user_id,
        )
        assert (event.patient_id, event.resource_type, event.resource_id) == (
            patient.id,
            "patient",
            str(patient.id),
        )
        assert (event.at, event.client_address) == (DEFAULT_NOW, "203.0.113.5")

    def test_listing_audits_each_patient_listed(
        self, uow: UnitOfWork, clinic: Clinic, reception: Actor
    ) -> None:
        a = _register(uow, reception, "Ali", "Kaya")
        b = _register(uow, reception, "Berk", "Kaya")
        _register(uow, reception, "Can", "Demir")
        page = patients.list_patients(uow, reception, query="kaya", limit=10)
        assert [p.id for p in page.items] == [a.id, b.id]
        events = uow.audit.page(
            clinic.id, action="patient.list", limit=10, offset=0
        ).items
        assert {e.patient_id for e in events} == {a.id, b.id}

    def test_search_pages_through_results(
        self, uow: UnitOfWork, reception: Actor
    ) -> None:
        made = [_register(uow, reception, f"P{i}", f"Family{i:02d}") for i in range(5)]
        first = patients.list_patients(uow, reception, limit=2, offset=0)
        second = patients.list_patients(uow, reception, limit=2, offset=2)
        assert first.total == 5
        assert [p.id for p in [*first.items, *second.items]] == [p.id for p in made[:4]]

    def test_search_treats_wildcards_literally(
        self, uow: UnitOfWork, reception: Actor
    ) -> None:
        _register(uow, reception, "Ali", "Kaya")
        assert patients.list_patients(uow, reception, query="%").total == 0

    def test_a_patient_sees_only_themselves(
        self, uow: UnitOfWork, clinic: Clinic, reception: Actor
    ) -> None:
        me = _register(uow, reception, "Me", "Myself")
        other = _register(uow, reception, "Someone", "Else")
        actor = actor_for(clinic, Role.patient, patient_id=me.id)
        assert patients.get_patient(uow, actor, patient_id=me.id).id == me.id
        with pytest.raises(NotFoundError):
            patients.get_patient(uow, actor, patient_id=other.id)
        with pytest.raises(NotFoundError):
            patients.get_patient(uow, actor, patient_id=uuid.uuid4())
        assert [p.id for p in patients.list_patients(uow, actor).items] == [me.id]

    def test_another_clinics_patient_is_not_found(
        self, uow: UnitOfWork, reception: Actor
    ) -> None:
        other_clinic = uow.clinics.add(
            name="Elsewhere", timezone="UTC", opening_hours={}
        )
        stranger = _register(uow, actor_for(other_clinic, Role.reception))
        with pytest.raises(NotFoundError):
            patients.get_patient(uow, reception, patient_id=stranger.id)


class TestUpdate:
    def test_an_update_with_the_current_version_applies(
        self, uow: UnitOfWork, reception: Actor
    ) -> None:
        patient = _register(uow, reception)
        updated = patients.update_patient(
            uow,
            reception,
            patient_id=patient.id,
            expected_version=1,
            changes={"phone": "+90 212 000 00 00"},
        )
        assert (updated.phone, updated.version) == ("+90 212 000 00 00", 2)

    def test_a_stale_update_is_a_conflict_and_changes_nothing(
        self, uow: UnitOfWork, reception: Actor
    ) -> None:
        patient = _register(uow, reception)
        patients.update_patient(
            uow,
            reception,
            patient_id=patient.id,
            expected_version=1,
            changes={"phone": "1"},
        )
        with pytest.raises(ConflictError, match="changed by someone else"):
            patients.update_patient(
                uow,
                reception,
                patient_id=patient.id,
                expected_version=1,
                changes={"phone": "2"},
            )
        assert patients.get_patient(uow, reception, patient_id=patient.id).phone == "1"

    def test_unknown_fields_are_refused(
        self, uow: UnitOfWork, reception: Actor
    ) -> None:
        patient = _register(uow, reception)
        with pytest.raises(InvalidInputError) as info:
            patients.update_patient(
                uow,
                reception,
                patient_id=patient.id,
                expected_version=1,
                changes={"clinic_id": uuid.uuid4()},
            )
        assert info.value.field == "clinic_id"

    def test_a_patient_cannot_change_records(
        self, uow: UnitOfWork, clinic: Clinic, reception: Actor
    ) -> None:
        me = _register(uow, reception)
        with pytest.raises(ForbiddenError):
            patients.update_patient(
                uow,
                actor_for(clinic, Role.patient, patient_id=me.id),
                patient_id=me.id,
                expected_version=1,
                changes={"phone": "1"},
            )
