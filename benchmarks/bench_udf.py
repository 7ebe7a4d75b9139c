"""Ratio benchmark for every UDF call, conversion included (a script, not a test: it reports).

Run: ``python benchmarks/bench_udf.py [--repeats N] [--import-runs N]`` (from anywhere).

Input: 30 years of weekly data (1,565 rows), each range passed as xlwings passes a one-column
range to a function that does not ask for ``ndim=2`` (ours do not, classic and Lite alike): a
flat list of cells (xlwings' ``AdjustDimensionsStage``). The dates come in the three shapes a UDF
meets: ``datetime`` (classic xlwings), serial numbers (xlwings Lite) and ISO text. The time covers
the whole call: shape, classification, error-cell checks, date parsing, duplicates, sort, the
core computation and shaping the result.

Each call alternates with each baseline on its own (60 back-to-back pairs by default); the ratio
is the median of the pairs' ratios, steadier than a ratio of two bests on a machine whose speed
changes in phases:

* **per range** (the target's reference): ``pd.DataFrame(list_of_lists)`` of each range argument
  as one-cell rows — what xlwings' own DataFrame converter builds for the same arguments
  (``@xw.arg("flows", pd.DataFrame)`` reads them with ``ndim=2``).
* **side by side** (stricter, reported without a target): one ``pd.DataFrame`` of all range
  arguments zipped into one row per record (``[[date, flow], …]``), the figure earlier runs
  reported. No UDF is given its ranges that way: it reads one list object per record where the
  function is given one per range, so a call of several ranges can approach it only so far.
* **rows given** (reported without a target): the same call given one-cell rows (``ndim=2``, or
  a Python caller), against the per-range baseline.

Targets (issue 10): every UDF <= 1.5 x the per-range baseline with datetime or serial dates,
<= 2 x with ISO text. One more line measures what ``import xlflows.udfs`` adds to
``import xlwings`` (<= 30 ms), in fresh interpreters (``-X importtime``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import paired_ratio, show_seconds, verdict
from xlflows import udfs
from xlflows.errors import CELL_PREFIX

ROOT = Path(__file__).resolve().parents[1]

ROWS = 1_565                     # 30 years of weeks
TARGETS = {"datetime": 1.5, "serial": 1.5, "ISO text": 2.0}
IMPORT_TARGET_MS = 30.0
EPOCH = dt.datetime(1899, 12, 30)


def weekly_dates(n: int = ROWS) -> list[dt.datetime]:
    start = dt.datetime(1995, 1, 6)
    return [start + dt.timedelta(weeks=i) for i in range(n)]


def date_shapes(dates: list[dt.datetime]) -> dict[str, list]:
    """The three shapes of the same dates: datetime, serial number (float), ISO text."""
    return {
        "datetime": dates,
        "serial": [float((d - EPOCH).days) for d in dates],
        "ISO text": [d.date().isoformat() for d in dates],
    }


def column(values: list) -> list[list]:
    """A column as one-cell rows: what ``ndim=2`` (and xlwings' DataFrame converter) reads."""
    return [[v] for v in values]


def cases(dates: list, given: str = "flat") -> list[tuple[str, callable, list[list], list]]:
    """(label, call, side-by-side rows, range arguments as one-cell rows) for every UDF on one
    shape of dates.

    ``given``: how each one-column range reaches the function — ``"flat"``, a flat list, as
    xlwings passes a one-column range to a function that does not ask for ``ndim=2`` (ours do
    not; classic and Lite alike), or ``"rows"``, one-cell rows, as ``ndim=2`` or a Python caller
    may pass them.
    """
    rng = np.random.default_rng(3)
    flows = np.round(rng.normal(0.5, 8.0, ROWS), 1).tolist()
    # a policy rate that moves by 25 bp in about one week of ten, as FOMC decisions do
    steps = np.cumsum(rng.choice([-0.25, 0.0, 0.25], ROWS, p=[0.05, 0.9, 0.05]))
    rates = np.round(np.clip(5.0 + steps, 0.25, None), 2).tolist()
    assets = np.round(1000.0 * np.exp(np.cumsum(rng.normal(0.001, 0.01, ROWS))), 1).tolist()
    months = rng.integers(0, 30, ROWS).astype(float).tolist()
    shaped = column if given == "rows" else list
    d, f, r, a, m = (shaped(x) for x in (dates, flows, rates, assets, months))
    rd, rf, rr, ra, rm = (column(x) for x in (dates, flows, rates, assets, months))
    pair = [[x, y] for x, y in zip(dates, flows)]
    return [
        ("flow_streak(flows, dates)", lambda: udfs.flow_streak(f, d), pair, [rf, rd]),
        ("flow_first_in(flows, dates)", lambda: udfs.flow_first_in(f, d), pair, [rf, rd]),
        ("flow_largest_since(dates, flows, 8)", lambda: udfs.flow_largest_since(d, f, 8.0), pair,
         [rd, rf]),
        ("flow_rolling(flows, 8, dates)", lambda: udfs.flow_rolling(f, 8.0, d), pair, [rf, rd]),
        ("flow_streaks(dates, flows)", lambda: udfs.flow_streaks(d, f), pair, [rd, rf]),
        ("hike_cycles(dates, rates)", lambda: udfs.hike_cycles(d, r),
         [[x, y] for x, y in zip(dates, rates)], [rd, rr]),
        ("cycle_inflows(4 ranges)", lambda: udfs.cycle_inflows(d, r, d, a),
         [[w, x, y, z] for w, x, y, z in zip(dates, rates, dates, assets)], [rd, rr, rd, ra]),
        ("asset_growth(dates, values, start)", lambda: udfs.asset_growth(d, a, dates[100]),
         [[x, y] for x, y in zip(dates, assets)], [rd, ra]),
        ("peak_projection(last_hike, months)", lambda: udfs.peak_projection(dates[-1], m), rm,
         [rm]),
        ("abnormality(current, history)", lambda: udfs.abnormality(0.25, a), ra, [ra]),
    ]


def check(label: str, result: object) -> None:
    if isinstance(result, str) and result.startswith(CELL_PREFIX):
        raise SystemExit(f"benchmark input refused by {label}: {result}")


def import_cost_ms(runs: int = 7) -> tuple[float, float]:
    """What ``import xlflows.udfs`` adds after ``import xlwings``, in ms, median of fresh runs.

    Read from ``python -X importtime``: the cumulative time of the ``xlflows.udfs`` entry counts
    exactly the modules it imports that xlwings has not already imported, so the figure does
    not carry the noise of two whole interpreter start-ups. Returns (added, xlwings alone).
    """
    added, bare = [], []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-X", "importtime", "-c",
                               "import xlwings; import xlflows.udfs"],
                              capture_output=True, text=True, cwd=ROOT, check=True)
        cumulative = {}
        for row in done.stderr.splitlines():
            parts = row.split("|")
            if len(parts) == 3 and parts[1].strip().isdigit():
                cumulative[parts[2].strip()] = int(parts[1]) / 1e3     # us -> ms
        added.append(cumulative["xlflows.udfs"])
        bare.append(cumulative["xlwings"])
    return statistics.median(added), statistics.median(bare)


def per_range(ranges: list[list[list]]) -> callable:
    """The per-range baseline: one ``pd.DataFrame`` of each range argument."""
    return lambda: [pd.DataFrame(rows) for rows in ranges]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60, help="call/baseline pairs per figure")
    parser.add_argument("--import-runs", type=int, default=7,
                        help="fresh interpreters for the import figure")
    args = parser.parse_args()
    dates = weekly_dates()
    failures = stricter = 0
    print(f"{ROWS} rows; each call timed alternately with each baseline, {args.repeats} pairs; "
          "times are the best, ratios the median of the pairs' ratios. Ranges given as flat "
          "lists (as xlwings passes a column); per range = pd.DataFrame of each range as "
          "one-cell rows (the target's reference); side by side = one pd.DataFrame of all "
          "ranges zipped into rows (stricter, no target); rows given = the same call given "
          "one-cell rows (ndim=2), against per range (no target)")
    for shape, shaped in date_shapes(dates).items():
        target = TARGETS[shape]
        print(f"-- dates as {shape} (target <= {target:g} x per range)")
        for (label, call, rows, ranges), (_, rows_call, _, _) in zip(cases(shaped),
                                                                     cases(shaped, "rows")):
            check(label, call())
            check(label, rows_call())
            # each baseline alternates with the call on its own: a third function in the same
            # loop evicts more of the call's data from the caches than either baseline does
            t, base, ratio = paired_ratio(call, per_range(ranges), args.repeats)
            _, _, side = paired_ratio(call, lambda rows=rows: pd.DataFrame(rows), args.repeats)
            _, _, given_rows = paired_ratio(rows_call, per_range(ranges), args.repeats)
            outcome = verdict(ratio, at_most=target)
            failures += outcome != "PASS"
            stricter += side > target
            print(f"  {label:<38} {show_seconds(t):>9}  per range {show_seconds(base):>9}  "
                  f"ratio {ratio:4.2f} {outcome}  side by side {side:4.2f}  rows given "
                  f"{given_rows:4.2f}")
    added, bare = import_cost_ms(args.import_runs)
    outcome = verdict(added, at_most=IMPORT_TARGET_MS)
    failures += outcome != "PASS"
    print(f"import xlflows.udfs after import xlwings: +{added:.1f} ms (xlwings alone "
          f"{bare:.1f} ms; target <= {IMPORT_TARGET_MS:g} ms)  {outcome}")
    print(f"{failures} of {3 * 10 + 1} figures miss their target; against the side-by-side "
          f"baseline {stricter} of {3 * 10} calls would")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
