"""FIQR: Revised Fibromyalgia Impact Questionnaire, 21 items scored 0-10: function (9), overall
impact (2), symptoms (10).

`function` = domain sum / 3 (0-30), `overall` = sum / 1 (0-20), `symptoms` = sum / 2 (0-50);
`score` = their sum (0-100), higher = worse. Unanswered items on paper: a domain's sum of x answered
items is weighted by 9/x, 2/x or 10/x; the questionnaire is invalid when 2 or more function items or
any overall or symptom item are missing [S48][INS-FIQR-SCORING]. Divisors are in the data file.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from fractions import Fraction

from prolo.domain.instruments.base import (
    TOTAL,
    Computed,
    Instrument,
    load_definition,
    prorated_sum,
)


class Fiqr(Instrument):
    all_or_nothing = True

    def _compute(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        subscales: dict[str, Fraction | None] = {}
        for name in self.subscale_names:
            if name in withheld:
                subscales[name] = None
                continue
            values = self.answered(scored, name)
            # domain sum weighted by n/x, then divided by 3, 1 or 2 [S48][INS-FIQR-SCORING]
            subscales[name] = prorated_sum(
                values, len(self.scale_items(name))
            ) / self.param(f"{name}_divisor")
        parts = list(subscales.values())
        total = (
            None
            if TOTAL in withheld or None in parts
            else sum(p for p in parts if p is not None)
        )
        return Computed(
            score=None if total is None else Fraction(total), subscales=subscales
        )


def build() -> Instrument:
    return Fiqr(load_definition("fiqr"))
