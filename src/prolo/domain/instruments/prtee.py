"""PRTEE: Patient-Rated Tennis Elbow Evaluation, 15 items scored 0-10: pain (5) then function (10).

`pain` = sum of the 5 pain items (0-50); `function` = sum of the 10 function items / 2 (0-50);
`score` = pain + function (0-100), higher = worse [S45]. The manual's missing-item advice was not
available: Prolo requires every item (decision, ADR 0006; data file).
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


class Prtee(Instrument):
    def _compute(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        subscales: dict[str, Fraction | None] = {}
        for name in self.subscale_names:
            if name in withheld:
                subscales[name] = None
                continue
            values = self.answered(scored, name)
            # pain = sum; function = sum / 2 [S45] (divisors in the data file)
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
    return Prtee(load_definition("prtee"))
