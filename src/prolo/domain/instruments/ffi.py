"""FFI: Foot Function Index (Budiman-Mak 1991, 0-10 version), 23 items: pain (9), disability (9),
activity limitation (5).

Each subscale = sum / (10 x items answered) x 100, i.e. divided by the maximum for the items the
patient marked applicable; `score` = the sum of all answered items / (10 x answered) x 100; 0-100,
higher = worse [S46]. The source names no cap on unanswered items: Prolo withholds a subscale with
fewer than half its items answered, and the total with it (decision, ADR 0006; data file).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from fractions import Fraction

from prolo.domain.instruments.base import (
    TOTAL,
    Computed,
    Instrument,
    load_definition,
    percent_of_answered_max,
)


class Ffi(Instrument):
    def _compute(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        subscales: dict[str, Fraction | None] = {}
        for name in self.subscale_names:
            values = self.answered(scored, name)
            # sum / (10 x applicable items) x 100 [S46]
            subscales[name] = (
                None
                if name in withheld or not values
                else percent_of_answered_max(values, self.max_scored(name))
            )
        everything = self.answered(scored, TOTAL)
        total = (
            None
            if TOTAL in withheld or not everything
            else percent_of_answered_max(everything, self.max_scored(TOTAL))
        )
        return Computed(score=total, subscales=subscales)


def build() -> Instrument:
    return Ffi(load_definition("ffi"))
