from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from prolo.domain.errors import InvalidInputError
from prolo.scheduling import GeneratorConfig, generate, load_instance
from prolo.scheduling.instance import SCHEMA_PATH, instance_json_schema


def test_the_shipped_json_schema_is_current() -> None:
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == instance_json_schema()


def test_a_generated_instance_round_trips_through_json() -> None:
    instance = generate(GeneratorConfig(patients=30, seed=5))
    again = load_instance(instance.model_dump_json())
    assert again == instance


def test_the_generator_is_seeded() -> None:
    a = generate(GeneratorConfig(patients=30, seed=7))
    b = generate(GeneratorConfig(patients=30, seed=7))
    c = generate(GeneratorConfig(patients=30, seed=8))
    assert a == b
    assert a != c


def test_the_generator_carries_the_clinic_rules_in_the_instance() -> None:
    instance = generate(
        GeneratorConfig(patients=10, min_gap_days=15, max_gap_days=20, seed=1)
    )
    assert instance.clinic.course.min_gap_days == 15
    assert instance.clinic.course.max_gap_days == 20
    assert all(4 <= c.sessions <= 8 for c in instance.courses)


def test_a_wrong_version_is_refused(tiny_data) -> None:
    with pytest.raises(ValidationError, match="version"):
        load_instance(json.dumps(tiny_data(version=2)))


def test_a_negative_duration_is_refused(tiny_data) -> None:
    data = tiny_data()
    data["clinic"]["session"]["procedure_minutes"] = -30
    with pytest.raises(ValidationError, match="procedure_minutes"):
        load_instance(json.dumps(data))


def test_an_unknown_preferred_clinician_is_named(tiny_data) -> None:
    data = tiny_data()
    data["courses"][0]["preferred_clinician_id"] = "K9"
    with pytest.raises(
        InvalidInputError, match=r"courses\.0\.preferred_clinician_id.*K9"
    ):
        load_instance(json.dumps(data))


def test_an_unknown_room_in_a_fixed_session_is_named(tiny_data) -> None:
    data = tiny_data()
    data["courses"][0]["fixed"] = [
        {
            "session": 1,
            "status": "booked",
            "clinician_id": "K1",
            "room_id": "R9",
            "recovery_place_id": "B1",
            "procedure_start": "2026-01-05T09:00:00+03:00",
            "recovery_minutes": 15,
        }
    ]
    with pytest.raises(InvalidInputError, match=r"fixed\.0\.room_id.*R9"):
        load_instance(json.dumps(data))


def test_an_availability_window_that_cannot_fit_a_session_is_named(tiny_data) -> None:
    data = tiny_data()
    data["courses"][0]["availability"] = {"mon": [{"start": "08:00", "end": "08:45"}]}
    with pytest.raises(InvalidInputError, match=r"courses\.0\.availability"):
        load_instance(json.dumps(data))


def test_a_window_that_ends_before_it_starts_is_refused(tiny_data) -> None:
    data = tiny_data()
    data["clinic"]["opening_hours"]["mon"] = [{"start": "12:00", "end": "08:00"}]
    with pytest.raises(ValidationError, match="ends before it starts"):
        load_instance(json.dumps(data))


def test_times_off_the_grid_are_refused(tiny_data) -> None:
    data = tiny_data()
    data["courses"][0]["preferred_time"] = "09:03"
    with pytest.raises(InvalidInputError, match="grid"):
        load_instance(json.dumps(data))


def test_an_unknown_timezone_is_refused(tiny_data) -> None:
    data = tiny_data()
    data["clinic"]["timezone"] = "Mars/Olympus"
    with pytest.raises(InvalidInputError, match="timezone"):
        load_instance(json.dumps(data))


def test_a_course_outside_the_clinic_session_bounds_is_refused(tiny_data) -> None:
    data = tiny_data()
    data["courses"][0]["sessions"] = 9
    with pytest.raises(InvalidInputError, match=r"courses\.0\.sessions"):
        load_instance(json.dumps(data))


def test_duplicate_ids_are_refused(tiny_data) -> None:
    data = tiny_data()
    data["rooms"] = [{"id": "R1"}, {"id": "R1"}]
    with pytest.raises(InvalidInputError, match=r"rooms\.1\.id"):
        load_instance(json.dumps(data))
