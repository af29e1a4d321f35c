"""KOOS: Knee injury and Osteoarthritis Outcome Score, 42 items scored 0-4.

Five subscales scored separately, each 100 - (mean of answered items x 100 / 4): 0 = extreme
problems, 100 = no problems (higher = better). A subscale needs at least half of its items answered
(2012 scoring guide). KOOS has no total; `score` is always null [S43].
Form order: S1-S7 symptoms, P1-P9 pain, A1-A17 ADL, SP1-SP5 sport/recreation, Q1-Q4 quality of life.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from fractions import Fraction

from prolo.domain.instruments.base import (
    Computed,
    Instrument,
    load_definition,
)


class Koos(Instrument):
    def _compute(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        subscales: dict[str, Fraction | None] = {}
        for name in self.subscale_names:
            values = self.answered(scored, name)
            if name in withheld or not values:
                subscales[name] = None
                continue
            top = int(self.scale_range(name)[1])
            # 100 - (mean x 100 / 4) [S43]; 100 = the subscale's top, 4 = the top box
            mean = Fraction(sum(values), len(values))
            subscales[name] = top - mean * top / self.max_scored(name)
        return Computed(score=None, subscales=subscales)


def build() -> Instrument:
    return Koos(load_definition("koos"))
