"""NRS: pain intensity on an 11-point numeric rating scale, 0 = no pain, 10 = worst possible pain.

The score is the rating itself, 0-10, lower is better [S34]. Reference data: data/instruments/nrs.yaml.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from fractions import Fraction

from prolo.domain.instruments.base import (
    TOTAL,
    Computed,
    Instrument,
    load_definition,
)


class Nrs(Instrument):
    """One item; the score is the answer."""

    def _compute(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        values = self.answered(scored, TOTAL)
        if TOTAL in withheld or not values:
            return Computed(score=None)
        return Computed(score=Fraction(values[0]))


def build() -> Instrument:
    return Nrs(load_definition("nrs"))
