"""FIQR: Revised Fibromyalgia Impact Questionnaire, 21 items scored 0-10: function (9), overall
impact (2), symptoms (10).

`function` = domain sum / 3 (0-30), `overall` = sum / 1 (0-20), `symptoms` = sum / 2 (0-50);
`score` = their sum (0-100), higher = worse. Unanswered items on paper: a domain's sum of x answered
items is weighted by 9/x, 2/x or 10/x; the questionnaire is invalid when 2 or more function items or
any overall or symptom item are missing [S48][INS-FIQR-SCORING]. Divisors are in the data file.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from prolo.domain.instruments.base import (
    Computed,
    Instrument,
    load_definition,
)


class Fiqr(Instrument):
    all_or_nothing = True

    def _compute(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        # domain sums weighted by n/x, then divided by 3, 1 or 2 [S48][INS-FIQR-SCORING]
        return self.sum_of_divided_subscales(scored, withheld)


def build() -> Instrument:
    return Fiqr(load_definition("fiqr"))
