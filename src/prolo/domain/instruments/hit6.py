"""HIT-6: Headache Impact Test, 6 items answered never / rarely / sometimes / very often / always.

Answers are the option numbers 1-5, scored 6, 8, 10, 11, 13 points; `score` = the sum, 36-78,
higher = worse [S47]. All 6 items are required (the data file's rule).
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


class Hit6(Instrument):
    def _compute(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        if TOTAL in withheld:
            return Computed(score=None)
        # sum of the option points 6/8/10/11/13 [S47]
        return Computed(score=Fraction(sum(self.answered(scored, TOTAL))))


def build() -> Instrument:
    return Hit6(load_definition("hit6"))
