"""Benchmark: ``xlflows refresh`` against a bare openpyxl load + save of the same workbook.

Run ``python benchmarks/bench_refresh.py [--repeat N]``. In a temporary folder it writes a workbook
with 30 years x 20 weekly flow categories (seeded random flows), the full daily policy rate
(FRED DFEDTAR then DFEDTARU from the repository's data/ folder) and the MMF assets, lets one refresh lay the
Report template (untimed warm-up, which also imports everything), then times, best of N runs each:

* baseline: ``openpyxl.load_workbook`` + ``Workbook.save`` of that file;
* refresh:  ``xlflows.report.xlsx.refresh_file`` on the same file, in place.

It prints one line per step of the refresh (safety checks, load, read, compute, write, save,
post-process), the ratio refresh / baseline and PASS when it is at most 1.5, else FAIL (exit 1).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
TARGET_RATIO = 1.5
YEARS = 30
CATEGORIES = 20


def fred(name: str) -> list[tuple[dt.datetime, float]]:
    with (DATA / name).open(newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return [(dt.datetime.fromisoformat(d), float(v)) for d, v in rows]


def make_workbook(path: Path) -> tuple[int, int]:
    """Write the benchmark's data workbook; returns (weeks, daily rate rows)."""
    rng = np.random.default_rng(20251112)
    last = dt.datetime(2025, 11, 12)
    weeks = YEARS * 52
    dates = [last - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    flows = np.round(rng.normal(0.5, 8.0, size=(weeks, CATEGORIES)), 1)
    wb = openpyxl.Workbook(write_only=True)
    sheet = wb.create_sheet("Flows")
    sheet.append(["Week ending", *[f"Category {i + 1}" for i in range(CATEGORIES)]])
    for day, row in zip(dates, flows.tolist()):
        sheet.append([day, *row])
    rates = fred("DFEDTAR.csv") + fred("DFEDTARU.csv")
    sheet = wb.create_sheet("Policy rate")
    sheet.append(["Date", "Rate"])
    for row in rates:
        sheet.append(list(row))
    sheet = wb.create_sheet("MMF assets")
    sheet.append(["Date", "Assets"])
    for day, value in fred("MMMFFAQ027S.csv"):
        month = day.month + 2
        end = (dt.datetime(day.year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
        sheet.append([end, value / 1000.0])
    wb.save(path)
    return weeks, len(rates)


def best(seconds: list[float]) -> float:
    return min(seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best of)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from xlflows.report.xlsx import refresh_file

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data.xlsx"
        book = Path(folder) / "bench.xlsx"
        weeks, n_rates = make_workbook(data)
        refresh_file(data, output=book)                    # warm-up: lays the Report template
        print(f"workbook: {weeks} weeks x {CATEGORIES} categories, {n_rates} daily rates, "
              f"{book.stat().st_size / 1e6:.1f} MB")

        baseline = []
        copy = Path(folder) / "baseline.xlsx"
        for _ in range(args.repeat):
            start = time.perf_counter()
            wb = openpyxl.load_workbook(book)
            wb.save(copy)
            baseline.append(time.perf_counter() - start)

        runs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = refresh_file(book)
            runs.append((time.perf_counter() - start, result.timings.steps))
        elapsed, steps = min(runs, key=lambda run: run[0])
        shutil.rmtree(folder, ignore_errors=True)

    base = best(baseline)
    print(f"{'baseline openpyxl load + save':32s} {base * 1000:8.0f} ms")
    print(f"{'xlflows refresh (end to end)':32s} {elapsed * 1000:8.0f} ms")
    for name in ("safety", "load", "read", "compute", "write", "save", "post-process"):
        print(f"  {name:30s} {steps.get(name, 0.0) * 1000:8.0f} ms")
    ratio = elapsed / base
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(f"ratio refresh / baseline: {ratio:.2f} (target <= {TARGET_RATIO}) {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
