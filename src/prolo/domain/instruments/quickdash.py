"""QuickDASH: 11 items scored 1-5 (shoulder, elbow, wrist/hand).

Score = ((sum of n responses / n) - 1) x 25, n = items answered, 0-100, higher = worse; cannot be
computed when more than 1 item is missing [S39][S40-web]. The formula's constants (1 and 25) are in
the data file's scoring.params.
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


class QuickDash(Instrument):
    def _compute(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        if TOTAL in withheld:
            return Computed(score=None)
        values = self.answered(scored, TOTAL)
        mean = Fraction(sum(values), len(values))
        # ((sum / n) - 1) x 25 [S39]
        return Computed(score=(mean - self.param("offset")) * self.param("factor"))


def build() -> Instrument:
    return QuickDash(load_definition("quickdash"))
