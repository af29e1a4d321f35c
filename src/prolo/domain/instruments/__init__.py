"""Outcome instruments: exact published scoring, one module per questionnaire.

    from prolo.domain.instruments import get_instrument
    get_instrument("odi").score([1, 2, 1, 1, 2, 3, 2, None, 2, 2]).score   # 35.55555555555556

See `base.py` for the model and docs/instruments.md for each instrument's rules and sources.
"""

from prolo.domain.instruments.base import (
    INSTRUMENT_IDS,
    TOTAL,
    Instrument,
    InstrumentDefinition,
    Mcid,
    ScoreResult,
    all_instruments,
    get_instrument,
)
from prolo.domain.instruments.wording import (
    ItemWording,
    load_item_text,
    parse_item_text,
)

__all__ = [
    "INSTRUMENT_IDS",
    "TOTAL",
    "Instrument",
    "InstrumentDefinition",
    "ItemWording",
    "Mcid",
    "ScoreResult",
    "all_instruments",
    "get_instrument",
    "load_item_text",
    "parse_item_text",
]
