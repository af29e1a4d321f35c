"""ODI: Oswestry Disability Index (v2.1a layout), 10 sections scored 0-5.

Score = sum / (5 x sections answered) x 100, 0-100 %, higher = worse; each unanswered section
lowers the denominator by 5 [S36]. Withheld when fewer than 9 sections are answered (data file).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from prolo.domain.instruments.base import (
    TOTAL,
    Computed,
    Instrument,
    load_definition,
    percent_of_answered_max,
)


class Odi(Instrument):
    def _compute(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        if TOTAL in withheld:
            return Computed(score=None)
        # sum / (5 x answered) x 100 [S36]; 5 is the top score of a section (data file).
        values = self.answered(scored, TOTAL)
        return Computed(score=percent_of_answered_max(values, self.max_scored(TOTAL)))


def build() -> Instrument:
    return Odi(load_definition("odi"))
