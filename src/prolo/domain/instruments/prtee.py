"""PRTEE: Patient-Rated Tennis Elbow Evaluation, 15 items scored 0-10: pain (5) then function (10).

`pain` = sum of the 5 pain items (0-50); `function` = sum of the 10 function items / 2 (0-50);
`score` = pain + function (0-100), higher = worse [S45]. The manual's missing-item advice was not
available: Prolo requires every item (decision, ADR 0006; data file).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from prolo.domain.instruments.base import (
    Computed,
    Instrument,
    load_definition,
)


class Prtee(Instrument):
    def _compute(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        # pain = sum; function = sum / 2 [S45] (divisors in the data file)
        return self.sum_of_divided_subscales(scored, withheld)


def build() -> Instrument:
    return Prtee(load_definition("prtee"))
