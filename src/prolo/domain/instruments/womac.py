"""WOMAC LK 3.1 (Likert): 24 items scored 0-4, pain (5), stiffness (2), function (17).

Subscales are raw sums (pain 0-20, stiffness 0-8, function 0-68); `score` is the raw total 0-96;
higher = worse [S38][S42]. Missing items: in function, 1-3 missing items are replaced by the
subscale's average and 4 or more make it invalid [S41]. For pain and stiffness the official rule is in
the licensed User Guide, which was not available: Prolo requires every item (decision, ADR 0006).
Any missing item a rule allows is replaced by its subscale's average (prorated sum).
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


class Womac(Instrument):
    def _compute(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        subscales: dict[str, Fraction | None] = {}
        for name in self.subscale_names:
            if name in withheld:
                subscales[name] = None
                continue
            values = self.answered(scored, name)
            # subscale average substituted for each allowed missing item [S41]
            subscales[name] = prorated_sum(values, len(self.scale_items(name)))
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
    return Womac(load_definition("womac"))
