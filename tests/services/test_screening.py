"""Screening by the clinic's rules, signed off only by a clinician."""

from __future__ import annotations

import pytest

from factories import ClinicSetup, screened_patient
from prolo.domain.errors import UnknownIdError
from prolo.domain.screening import example_intake
from prolo.services import clinic as clinic_service
from prolo.services import courses, patients, screening
from prolo.services.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    RuleViolationError,
)
from prolo.store.records import ScreeningOutcome, Sex, SignOffStatus
from prolo.store.unit_of_work import UnitOfWork


def _patient(uow: UnitOfWork, setup: ClinicSetup):
    return patients.register_patient(
        uow, setup.reception, given_name="Can", family_name="Er", sex=Sex.male
    )


def _intake(**changes: object) -> dict[str, object]:
    return {**example_intake().model_dump(mode="json"), **changes}


class TestRecordIntake:
    def test_an_eligible_intake_is_screened_and_pending(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = _patient(uow, setup)
        result = screening.record_intake(
            uow, setup.nurse, patient_id=patient.id, intake=_intake()
        )
        assert (result.outcome, result.status) == (
            ScreeningOutcome.eligible,
            SignOffStatus.pending,
        )
        assert result.reasons
        assert all(
            {"code", "severity", "message", "source"} <= r.keys()
            for r in result.reasons
        )
        detail = screening.get_screening(uow, setup.clinician, screening_id=result.id)
        assert detail.intake.answers["conditions"] == ["knee_osteoarthritis"]

    def test_an_absolute_contraindication_is_not_eligible(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = _patient(uow, setup)
        result = screening.record_intake(
            uow,
            setup.nurse,
            patient_id=patient.id,
            intake=_intake(infection_at_site=True),
        )
        assert result.outcome is ScreeningOutcome.not_eligible
        assert any(r["code"] == "infection_at_site" for r in result.reasons)

    def test_the_clinics_own_rules_decide(
        self, uow: UnitOfWork, setup: ClinicSetup, admin
    ) -> None:
        rules = clinic_service.get_settings(uow, admin, name="screening_rules")
        for threshold in rules["thresholds"]:
            if threshold["field"] == "pain_duration_months":
                threshold["min"] = 24  # this clinic wants two years of pain
        clinic_service.put_settings(uow, admin, name="screening_rules", value=rules)
        patient = _patient(uow, setup)
        result = screening.record_intake(
            uow,
            setup.nurse,
            patient_id=patient.id,
            intake=_intake(pain_duration_months=14),
        )
        assert result.outcome is ScreeningOutcome.needs_review

    def test_a_malformed_intake_names_the_field(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = _patient(uow, setup)
        with pytest.raises(InvalidInputError) as info:
            screening.record_intake(
                uow, setup.nurse, patient_id=patient.id, intake=_intake(age="old")
            )
        assert info.value.field == "intake.age"
        with pytest.raises(UnknownIdError) as unknown:
            screening.record_intake(
                uow,
                setup.nurse,
                patient_id=patient.id,
                intake=_intake(conditions=["knee_osteoarthritis", "broken_heart"]),
            )
        assert unknown.value.field == "conditions.1"

    def test_reception_cannot_read_screening_reasons(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = _patient(uow, setup)
        result = screening.record_intake(
            uow, setup.nurse, patient_id=patient.id, intake=_intake()
        )
        with pytest.raises(ForbiddenError):
            screening.get_screening(uow, setup.reception, screening_id=result.id)
        with pytest.raises(ForbiddenError):
            screening.list_screenings(uow, setup.reception, patient_id=patient.id)


class TestSignOff:
    def test_only_a_clinician_signs_off(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = _patient(uow, setup)
        result = screening.record_intake(
            uow, setup.nurse, patient_id=patient.id, intake=_intake()
        )
        for actor in (setup.nurse, setup.reception):
            with pytest.raises(ForbiddenError):
                screening.sign_off(
                    uow,
                    actor,
                    screening_id=result.id,
                    expected_version=1,
                    decision=ScreeningOutcome.eligible,
                )
        signed = screening.sign_off(
            uow,
            setup.clinician,
            screening_id=result.id,
            expected_version=1,
            decision=ScreeningOutcome.eligible,
        )
        assert (signed.status, signed.final_outcome, signed.override_reason) == (
            SignOffStatus.signed_off,
            ScreeningOutcome.eligible,
            None,
        )

    def test_overriding_the_rules_needs_a_reason(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = _patient(uow, setup)
        result = screening.record_intake(
            uow, setup.nurse, patient_id=patient.id, intake=_intake(anticoagulant=True)
        )
        assert result.outcome is ScreeningOutcome.needs_review
        with pytest.raises(RuleViolationError) as info:
            screening.sign_off(
                uow,
                setup.clinician,
                screening_id=result.id,
                expected_version=1,
                decision=ScreeningOutcome.eligible,
            )
        assert info.value.field == "reason"
        with pytest.raises(InvalidInputError):
            screening.sign_off(
                uow,
                setup.clinician,
                screening_id=result.id,
                expected_version=1,
                decision=ScreeningOutcome.needs_review,
                reason="x",
            )
        signed = screening.sign_off(
            uow,
            setup.clinician,
            screening_id=result.id,
            expected_version=1,
            decision=ScreeningOutcome.eligible,
            reason="INR stable; haematologist agrees",
        )
        assert signed.override_reason == "INR stable; haematologist agrees"
        events = uow.audit.page(
            setup.clinic.id, action="screening.override", limit=5, offset=0
        ).items
        assert events[0].detail["reason"] == "INR stable; haematologist agrees"

    def test_a_signed_off_screening_is_final(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = _patient(uow, setup)
        result = screening.record_intake(
            uow, setup.nurse, patient_id=patient.id, intake=_intake()
        )
        screening.sign_off(
            uow,
            setup.clinician,
            screening_id=result.id,
            expected_version=1,
            decision=ScreeningOutcome.eligible,
        )
        with pytest.raises(ConflictError):
            screening.sign_off(
                uow,
                setup.clinician,
                screening_id=result.id,
                expected_version=2,
                decision=ScreeningOutcome.not_eligible,
                reason="changed my mind",
            )


class TestCourseNeedsEligibility:
    def test_no_course_without_a_signed_off_eligible_screening(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = _patient(uow, setup)
        with pytest.raises(
            RuleViolationError, match="no signed-off eligible screening"
        ):
            courses.create_course(
                uow,
                setup.reception,
                patient_id=patient.id,
                condition_id="knee_osteoarthritis",
                planned_sessions=4,
            )
        result = screening.record_intake(
            uow, setup.nurse, patient_id=patient.id, intake=_intake()
        )
        with pytest.raises(RuleViolationError):  # pending is not enough
            courses.create_course(
                uow,
                setup.reception,
                patient_id=patient.id,
                condition_id="knee_osteoarthritis",
                planned_sessions=4,
            )
        screening.sign_off(
            uow,
            setup.clinician,
            screening_id=result.id,
            expected_version=1,
            decision=ScreeningOutcome.eligible,
        )
        course = courses.create_course(
            uow,
            setup.reception,
            patient_id=patient.id,
            condition_id="knee_osteoarthritis",
            planned_sessions=4,
        )
        assert course.screening_id == result.id

    def test_the_screening_must_cover_the_condition(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = screened_patient(uow, setup)
        with pytest.raises(RuleViolationError):
            courses.create_course(
                uow,
                setup.reception,
                patient_id=patient.id,
                condition_id="low_back_pain",
                planned_sessions=4,
            )

    def test_more_sessions_than_the_rules_need_a_clinician_and_a_reason(
        self, uow: UnitOfWork, setup: ClinicSetup
    ) -> None:
        patient = screened_patient(uow, setup)
        with pytest.raises(RuleViolationError):
            courses.create_course(
                uow,
                setup.reception,
                patient_id=patient.id,
                condition_id="knee_osteoarthritis",
                planned_sessions=9,
                extension_reason="slow responder",
            )
        with pytest.raises(RuleViolationError):
            courses.create_course(
                uow,
                setup.clinician,
                patient_id=patient.id,
                condition_id="knee_osteoarthritis",
                planned_sessions=9,
            )
        course = courses.create_course(
            uow,
            setup.clinician,
            patient_id=patient.id,
            condition_id="knee_osteoarthritis",
            planned_sessions=9,
            extension_reason="slow responder",
        )
        assert course.extra_sessions_reason == "slow responder"
