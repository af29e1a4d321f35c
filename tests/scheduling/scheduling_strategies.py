"""Hypothesis strategies for the scheduling tests (imported by name: tests/ has no packages)."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from prolo.scheduling import GeneratorConfig


def small_configs() -> st.SearchStrategy[GeneratorConfig]:
    """Hypothesis: small generated clinics of every shape the generator makes."""
    return st.builds(
        GeneratorConfig,
        patients=st.integers(1, 25),
        clinicians=st.integers(1, 3),
        rooms=st.integers(1, 3),
        recovery=st.integers(1, 3),
        weeks=st.integers(6, 16),
        seed=st.integers(0, 10_000),
        load=st.floats(0.3, 1.6),
        timezone=st.sampled_from(
            ["Europe/Istanbul", "Europe/Berlin", "America/New_York"]
        ),
        start=st.sampled_from([date(2026, 1, 5), date(2026, 3, 9), date(2026, 10, 12)]),
        first_procedure_minutes=st.sampled_from([30, 45]),
        min_gap_days=st.integers(7, 14),
        fixed_fraction=st.sampled_from([0.0, 0.2]),
    )
