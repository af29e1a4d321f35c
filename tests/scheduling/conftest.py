"""Shared builders for the scheduling tests: a tiny hand-made clinic and seeded generated ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import strategies as st
from scheduling_strategies import small_configs

from prolo.scheduling import GeneratorConfig, Instance, generate
from prolo.scheduling.instance import load_instance

MONDAY = date(2026, 1, 5)


def tiny_dict(**overrides: Any) -> dict[str, Any]:
    """One clinician, one room, one bed, Mon-Fri 08:00-12:00, one course of 4 sessions."""
    week = {
        d: [{"start": "08:00", "end": "12:00"}]
        for d in ("mon", "tue", "wed", "thu", "fri")
    }
    data: dict[str, Any] = {
        "version": 1,
        "name": "tiny",
        "clinic": {
            "id": "c1",
            "timezone": "Europe/Istanbul",
            "grid_minutes": 5,
            "opening_hours": week,
            "holidays": [],
            "course": {
                "min_sessions": 4,
                "max_sessions": 8,
                "min_gap_days": 14,
                "max_gap_days": 21,
            },
            "session": {
                "procedure_minutes": 30,
                "first_procedure_minutes": 45,
                "recovery_minutes": 15,
                "recovery_min_minutes": 10,
                "recovery_max_minutes": 15,
            },
        },
        "horizon": {"start": MONDAY.isoformat(), "days": 84},
        "clinicians": [{"id": "K1", "roster": week, "leave": []}],
        "rooms": [{"id": "R1", "closed": []}],
        "recovery_places": [{"id": "B1"}],
        "courses": [
            {
                "id": "C1",
                "patient_id": "P1",
                "sessions": 4,
                "earliest_start": MONDAY.isoformat(),
                "availability": week,
                "preferred_time": "09:00",
            }
        ],
    }
    data.update(overrides)
    return data


def tiny(**overrides: Any) -> Instance:
    return load_instance(json.dumps(tiny_dict(**overrides)))


@pytest.fixture
def tiny_data() -> Callable[..., dict[str, Any]]:
    """Factory: the tiny clinic as a JSON-ready dict (tests edit it to break rules)."""
    return tiny_dict


@pytest.fixture
def tiny_instance() -> Callable[..., Instance]:
    return tiny


@pytest.fixture
def small() -> Instance:
    return generate(
        GeneratorConfig(
            patients=40, clinicians=2, rooms=2, recovery=3, weeks=20, seed=3
        )
    )


@pytest.fixture
def configs() -> st.SearchStrategy[GeneratorConfig]:
    return small_configs()
