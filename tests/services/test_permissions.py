"""The permission matrix: one table, rendered into docs/roles.md, enforced by `authorize`."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from factories import actor_for
from prolo.services.context import authorize
from prolo.services.errors import ForbiddenError, NotFoundError
from prolo.services.permissions import MATRIX, Permission, allows, render_markdown
from prolo.store.records import Clinic, Role

ROOT = Path(__file__).resolve().parents[2]


def test_docs_roles_md_is_the_rendered_matrix() -> None:
    text = (ROOT / "docs" / "roles.md").read_text(encoding="utf-8")
    assert text == render_markdown(), (
        "regenerate: python -m prolo.services.permissions > docs/roles.md"
    )


def test_every_permission_is_in_the_matrix() -> None:
    assert set(MATRIX) == set(Permission)


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        (Role.reception, Permission.clinical_notes_read, False),
        (Role.reception, Permission.session_read, False),
        (Role.reception, Permission.screening_read, False),
        (Role.reception, Permission.booking_write, True),
        (Role.nurse, Permission.session_run, True),
        (Role.nurse, Permission.screening_sign_off, False),
        (Role.nurse, Permission.course_timing_override, False),
        (Role.nurse, Permission.session_discharge_override, False),
        (Role.clinician, Permission.screening_sign_off, True),
        (Role.clinician, Permission.course_timing_override, True),
        (Role.clinician, Permission.session_discharge_override, True),
        (Role.admin, Permission.audit_read, True),
        (Role.admin, Permission.clinical_notes_read, False),
        (Role.patient, Permission.session_read, False),
        (Role.patient, Permission.questionnaire_answer, True),
    ],
)
def test_matrix_cells_that_matter(
    role: Role, permission: Permission, allowed: bool
) -> None:
    assert allows(role, permission) is allowed


def test_only_clinicians_sign_off_and_override() -> None:
    for permission in (
        Permission.screening_sign_off,
        Permission.course_timing_override,
        Permission.session_discharge_override,
    ):
        assert MATRIX[permission][0] == {Role.clinician}


class TestAuthorize:
    def test_a_role_without_the_permission_is_forbidden(self, clinic: Clinic) -> None:
        with pytest.raises(
            ForbiddenError,
            match=r"reception role may not do this \(clinical_notes.read\)",
        ):
            authorize(actor_for(clinic, Role.reception), Permission.clinical_notes_read)

    def test_a_patient_naming_another_patient_gets_not_found_even_without_permission(
        self, clinic: Clinic
    ) -> None:
        me = actor_for(clinic, Role.patient, patient_id=uuid.uuid4())
        with pytest.raises(NotFoundError):
            authorize(me, Permission.session_read, patient_id=uuid.uuid4())
        with pytest.raises(ForbiddenError):
            authorize(me, Permission.session_read, patient_id=me.patient_id)
        authorize(me, Permission.booking_read, patient_id=me.patient_id)
