"""Benchmark: questionnaires scored per second, per instrument.

Scores a fixed, seeded set of answer sheets (complete ones, and ones with one item left empty) with
each instrument, repeats the timing and keeps the best run. Prints a table and writes
bench/results/scoring.json.

    .venv/bin/python bench/scoring.py [--sheets 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from pathlib import Path

from prolo.domain.instruments import Instrument, all_instruments

RESULTS = Path(__file__).resolve().parent / "results" / "scoring.json"


def sheets(
    instrument: Instrument, count: int, rng: random.Random
) -> list[list[float | None]]:
    """`count` answer sheets: random options, every other sheet with one random item left empty."""
    made: list[list[float | None]] = []
    for n in range(count):
        sheet: list[float | None] = [
            float(rng.choice(instrument.item_options(i).options).value)
            for i in range(len(instrument.items))
        ]
        if n % 2 and len(sheet) > 1:
            sheet[rng.randrange(len(sheet))] = None
        made.append(sheet)
    return made


def measure(
    instrument: Instrument, data: list[list[float | None]], repeat: int
) -> float:
    """Best-of-`repeat` questionnaires scored per second."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for sheet in data:
            instrument.score(sheet)
        best = min(best, time.perf_counter() - start)
    return len(data) / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sheets", type=int, default=2000, help="answer sheets per instrument"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="timing runs; the best is kept"
    )
    args = parser.parse_args()

    rng = random.Random(20250303)
    rows = []
    for instrument in all_instruments():
        data = sheets(instrument, args.sheets, rng)
        instrument.score(data[0])  # warm the caches
        rate = measure(instrument, data, args.repeat)
        rows.append(
            {
                "instrument": instrument.id,
                "items": len(instrument.items),
                "scores_per_second": round(rate),
                "microseconds_per_score": round(1e6 / rate, 2),
            }
        )

    print(f"{'instrument':<10} {'items':>5} {'scores/s':>10} {'us/score':>9}")
    for row in rows:
        print(
            f"{row['instrument']:<10} {row['items']:>5} {row['scores_per_second']:>10,} "
            f"{row['microseconds_per_score']:>9}"
        )

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "scoring",
                "sheets_per_instrument": args.sheets,
                "repeat": args.repeat,
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine(),
                },
                "results": rows,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(
        f"wrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
