"""NDI: Neck Disability Index (Vernon & Mior 1991), 10 items scored 0-5.

`score` is the percentage, sum / (5 x items answered) x 100 (0-100, higher = worse) [S37]; `raw` is
the 0-50 sum, with a missing item replaced by the average of the answered items as Vernon's guide
says ("the average of all other items is then added to the completed items" [S37]), so that
raw x 2 = score always. Withheld when fewer than 9 items are answered (data file).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from prolo.domain.instruments.base import (
    TOTAL,
    Computed,
    Instrument,
    load_definition,
    percent_of_answered_max,
    prorated_sum,
)


class Ndi(Instrument):
    def _compute(
        self, scored: Sequence[int | None], withheld: Collection[str]
    ) -> Computed:
        raw_name = (
            self.definition.raw.name if self.definition.raw is not None else "raw"
        )
        if TOTAL in withheld:
            return Computed(score=None, extra={raw_name: None})
        values = self.answered(scored, TOTAL)
        return Computed(
            # sum / (5 x answered) x 100 [S37]
            score=percent_of_answered_max(values, self.max_scored(TOTAL)),
            # answered sum + (mean of answered) per missing item [S37]
            extra={raw_name: prorated_sum(values, len(self.items))},
        )


def build() -> Instrument:
    return Ndi(load_definition("ndi"))
