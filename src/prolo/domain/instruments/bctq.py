"""BCTQ: Boston (Levine) Carpal Tunnel Questionnaire, 11 symptom items then 8 function items, each 1-5.

`sss` (Symptom Severity Scale) and `fss` (Functional Status Scale) are the means of their items,
1-5, higher = worse; no total [S44]. No official missing-item rule was found: Prolo requires every
item of a scale (decision, ADR 0006; data file).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from fractions import Fraction

from prolo.domain.instruments.base import (
    Computed,
    Instrument,
    load_definition,
)


class Bctq(Instrument):
    def _compute(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        subscales: dict[str, Fraction | None] = {}
        for name in self.subscale_names:
            values = self.answered(scored, name)
            # scale score = mean of its items [S44]
            subscales[name] = (
                None
                if name in withheld or not values
                else Fraction(sum(values), len(values))
            )
        return Computed(score=None, subscales=subscales)


def build() -> Instrument:
    return Bctq(load_definition("bctq"))
