"""CSV export: RFC 4180 text, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from prolo.reports.csv import to_csv

cells = st.one_of(st.none(), st.integers(), st.text(max_size=20))


@given(st.lists(st.lists(cells, min_size=2, max_size=2), max_size=10))
def test_rows_read_back_and_never_start_a_formula(rows):
    text = to_csv(("a", "b"), rows)
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert read[0] == ["a", "b"]
    assert len(read) == len(rows) + 1
    for written, original in zip(read[1:], rows, strict=True):
        for cell, value in zip(written, original, strict=True):
            assert not cell.startswith(("=", "+", "-", "@")) or isinstance(value, int)
            if isinstance(value, str) and not value.startswith(
                ("=", "+", "-", "@", "\t", "\r")
            ):
                assert cell == value


def test_a_formula_is_quoted_and_numbers_stay_numbers():
    text = to_csv(("name", "n"), [("=HYPERLINK(1)", 3), (None, 0.5)])
    assert text.splitlines() == ["name,n", "'=HYPERLINK(1),3", ",0.5"]
