"""Ratio benchmark for one UDF call, conversion included (a script, not a test: it reports, exits 0).

Run: ``python benchmarks/bench_udf.py`` (from anywhere).

Case: ``flow_largest_since(dates, flows, 8)`` on 30 years of weekly data (1,565 rows), passed as
Excel hands a column to a UDF with ``ndim=2``: a list of ``[datetime]`` rows and a list of
``[float]`` rows. The time covers the whole call: shape, classification, error-cell checks, date
parsing, duplicates, sort, the core look-back and shaping the result.

Baseline, timed in the same run: reading the same values into pandas,
``pd.DataFrame({"d": dates, "f": flows})`` from the flat lists. Target: UDF <= 3 x baseline.
Two more lines show the same call with dates as serial numbers (xlwings Lite) and as ISO text,
for information.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import best_of, show_seconds, verdict  # noqa: E402
from xlflows.errors import CELL_PREFIX  # noqa: E402
from xlflows.udfs import flow_largest_since  # noqa: E402

ROWS = 1_565                     # 30 years of weeks
TARGET = 3.0
REPEATS = 200


def excel_lists(n: int = ROWS, seed: int = 3) -> tuple[list, list]:
    """Flat lists of week-ending datetimes and flows in $bn typed to 0.1 (ties happen)."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(1995, 1, 6)
    dates = [start + dt.timedelta(weeks=i) for i in range(n)]
    flows = np.round(rng.normal(0.5, 8.0, n), 1).tolist()
    return dates, flows


def main() -> None:
    dates, flows = excel_lists()
    date_rows = [[d] for d in dates]
    flow_rows = [[f] for f in flows]
    result = flow_largest_since(date_rows, flow_rows, 8)
    if isinstance(result, str) and result.startswith(CELL_PREFIX):
        raise SystemExit(f"benchmark input refused: {result}")

    # warm up both paths (imports, caches) before timing
    for _ in range(20):
        flow_largest_since(date_rows, flow_rows, 8)
        pd.DataFrame({"d": dates, "f": flows})

    baseline = best_of(lambda: pd.DataFrame({"d": dates, "f": flows}), REPEATS)
    udf = best_of(lambda: flow_largest_since(date_rows, flow_rows, 8), REPEATS)
    ratio = udf / baseline
    print(f"baseline  pd.DataFrame from flat lists, {ROWS} rows: {show_seconds(baseline)}")
    print(f"flow_largest_since(weeks=8), {ROWS} rows of [datetime]/[float], conversion included: "
          f"{show_seconds(udf)}  ratio {ratio:.2f} (target <= {TARGET:g})  "
          f"{verdict(ratio, at_most=TARGET)}  [result {result:%Y-%m-%d}]")

    serial_rows = [[(d - dt.datetime(1899, 12, 30)).days] for d in dates]
    iso_rows = [[d.date().isoformat()] for d in dates]
    for label, rows in (("serial dates (xlwings Lite)", serial_rows), ("ISO text dates", iso_rows)):
        t = best_of(lambda rows=rows: flow_largest_since(rows, flow_rows, 8), REPEATS // 4)
        print(f"  for information: {label}: {show_seconds(t)}  ratio {t / baseline:.2f}")


if __name__ == "__main__":
    main()
