"""The records refuse what the mappings could not carry, and check_references finds dangling ids."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel, ValidationError

from interop.examples import APPT1, COURSE, FULL, KOOS_OBS, NRS_QR, PATIENT, PROC1
from prolo.domain.errors import InvalidInputError
from prolo.interop.records import (
    AppointmentRecord,
    CourseRecord,
    InjectionRecord,
    ItemAnswerRecord,
    ObservationRecord,
    PlannedSessionRecord,
    QuestionnaireItemRecord,
    check_references,
)


def data(record: BaseModel, **changes: object) -> dict[str, object]:
    return record.model_dump() | changes


class TestValidation:
    def test_naive_datetimes_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="timezone"):
            AppointmentRecord.model_validate(
                data(APPT1, start=datetime(2026, 1, 12, 9, 0))
            )

    def test_datetimes_keep_their_offset_and_instant(self) -> None:
        # 02:30 on 29 March 2026 does not exist in Berlin (DST gap): the record keeps one fixed offset.
        berlin = datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/Berlin"))
        appt = AppointmentRecord.model_validate(
            data(APPT1, start=berlin, end=berlin + timedelta(hours=2))
        )
        assert appt.start == berlin.astimezone(ZoneInfo("UTC"))
        assert appt.start.utcoffset() == berlin.utcoffset()

    def test_end_after_start(self) -> None:
        with pytest.raises(ValidationError, match="end must be after start"):
            AppointmentRecord.model_validate(data(APPT1, end=APPT1.start))

    def test_recovery_times_need_a_place_and_each_other(self) -> None:
        with pytest.raises(ValidationError, match="recovery_place_id"):
            AppointmentRecord.model_validate(data(APPT1, recovery_place_id=None))
        with pytest.raises(ValidationError, match="go together"):
            AppointmentRecord.model_validate(data(APPT1, recovery_end=None))

    def test_session_window_in_order(self) -> None:
        with pytest.raises(ValidationError, match="window_end is before window_start"):
            PlannedSessionRecord(
                number=1, window_start=date(2026, 2, 1), window_end=date(2026, 1, 1)
            )

    def test_sessions_are_sorted_and_distinct(self) -> None:
        reordered = CourseRecord.model_validate(
            data(COURSE, sessions=tuple(reversed(COURSE.sessions)))
        )
        assert reordered == COURSE
        with pytest.raises(ValidationError, match="distinct numbers"):
            CourseRecord.model_validate(
                data(COURSE, sessions=(COURSE.sessions[0], COURSE.sessions[0]))
            )

    def test_injection_volume_positive_and_percent_bounded(self) -> None:
        injection = PROC1.injections[0]
        with pytest.raises(ValidationError, match="volume_ml"):
            InjectionRecord.model_validate(data(injection, volume_ml=Decimal(0)))
        with pytest.raises(ValidationError, match="concentration_percent"):
            InjectionRecord.model_validate(
                data(injection, concentration_percent=Decimal(101))
            )
        with pytest.raises(ValidationError, match="needs an anaesthetic"):
            InjectionRecord.model_validate(data(injection, anaesthetic=None))

    def test_observation_needs_a_value_or_subscales(self) -> None:
        with pytest.raises(ValidationError, match="needs a value"):
            ObservationRecord.model_validate(data(KOOS_OBS, subscales=()))
        with pytest.raises(ValidationError, match="unit is the unit of value"):
            ObservationRecord.model_validate(data(KOOS_OBS, unit="%"))

    def test_answers_are_strictly_typed(self) -> None:
        assert type(ItemAnswerRecord(item_id="a", value=True).value) is bool
        assert type(ItemAnswerRecord(item_id="a", value=3).value) is int
        assert type(ItemAnswerRecord(item_id="a", value="3").value) is str
        with pytest.raises(ValidationError):
            ItemAnswerRecord(item_id="a", value=Decimal("NaN"))
        with pytest.raises(ValidationError):
            ItemAnswerRecord(item_id="a", value=" padded ")

    def test_each_item_answered_once(self) -> None:
        with pytest.raises(ValidationError, match="at most once"):
            type(NRS_QR).model_validate(
                data(NRS_QR, answers=(NRS_QR.answers[0], NRS_QR.answers[0]))
            )

    def test_choice_items_need_options(self) -> None:
        with pytest.raises(ValidationError, match="choice needs options"):
            QuestionnaireItemRecord(item_id="a", label="A", answer_type="choice")
        with pytest.raises(ValidationError, match="options go with"):
            QuestionnaireItemRecord(
                item_id="a", label="A", answer_type="integer", options=(1, 2)
            )

    def test_codes_have_no_stray_whitespace(self) -> None:
        with pytest.raises(ValidationError):
            ItemAnswerRecord(item_id="two  spaces", value=1)

    def test_records_are_frozen(self) -> None:
        with pytest.raises(ValidationError):
            PATIENT.family_name = "Other"  # type: ignore[misc]


class TestCheckReferences:
    def test_full_example_is_consistent(self) -> None:
        check_references(FULL)

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"practitioners": ()}, "clinician_id"),
            ({"locations": ()}, "room_id"),
            ({"organizations": ()}, "patient.organization_id"),
            ({"conditions": ()}, "condition_ids"),
            ({"procedures": ()}, "procedure_id"),
            ({"questionnaire_responses": ()}, "questionnaire_response_id"),
            ({"appointments": ()}, "appointment_id"),
        ],
    )
    def test_dangling_ids_are_named(
        self, changes: dict[str, object], field: str
    ) -> None:
        with pytest.raises(InvalidInputError) as caught:
            check_references(FULL.model_copy(update=changes))
        assert caught.value.field is not None
        assert field in caught.value.field

    def test_records_of_another_patient_are_refused(self) -> None:
        stranger = APPT1.model_copy(update={"patient_id": uuid.uuid4()})
        with pytest.raises(InvalidInputError, match="belongs to patient"):
            check_references(
                FULL.model_copy(
                    update={"appointments": (stranger, FULL.appointments[1])}
                )
            )

    def test_duplicate_ids_are_refused(self) -> None:
        with pytest.raises(InvalidInputError, match="appears twice"):
            check_references(FULL.model_copy(update={"appointments": (APPT1, APPT1)}))

    def test_duplicate_questionnaires_are_refused(self) -> None:
        twice = FULL.questionnaires[0]
        with pytest.raises(
            InvalidInputError, match="questionnaire definition appears twice"
        ):
            check_references(FULL.model_copy(update={"questionnaires": (twice, twice)}))


def test_display_name() -> None:
    assert PATIENT.display_name == "Ayse Nur Yilmaz"
