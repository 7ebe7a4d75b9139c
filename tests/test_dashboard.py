"""The Dashboard's PEAK_PROJECTION and ABNORMALITY read the cycle spills wherever they end.

They used to read fixed cells (``I13``, ``R9:R12``, ``S9:S12``): right only while the data gave
exactly 8 cycles. Now helper cells count the spill rows (``COUNT`` ignores blanks, text and the
``#N/A`` that pads a legacy Ctrl+Shift+Enter array) and ``INDEX(…):INDEX(…)`` ranges pick the rows.

No Excel here, and LibreOffice does not know the xlflows functions, so the spills are laid as the
values the functions return (with and without legacy ``#N/A`` padding), the Dashboard's helper
formulas and the very argument expressions of its formulas are copied from ``workbook/build.py``,
and LibreOffice computes them. The selections must equal what the Report computes in Python — on
the shipped data and on a policy rate with one more hiking cycle.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from xlflows import udfs
from xlflows.core.constants import DEFAULT_REPORT_CYCLES
from xlflows.core.cycles import cycle_inflows, hike_cycles, peak_projection

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workbook"))
import build

pytestmark = pytest.mark.libreoffice
EPOCH = dt.datetime(1899, 12, 30)


def _serial(value):
    return (value - EPOCH).days if isinstance(value, dt.datetime) else value


def _data(extra_cycle: bool):
    rates = build.read_fred("DFEDTAR.csv") + build.read_fred("DFEDTARU.csv")
    assets = [(build.quarter_end(d), v / 1000.0) for d, v in build.read_fred("MMMFFAQ027S.csv")]
    if extra_cycle:
        # assets grow on to 2027 (so the 2022-23 cycle and the new one have asset data), and a
        # ninth cycle: +25, +25, +50 bp in 2026, cut in Dec 2026.
        level, day = assets[-1][1], assets[-1][0]
        for k in range(1, 28):
            day = (pd.Timestamp(day) + pd.offsets.QuarterEnd(1)).to_pydatetime()
            level *= 1.02 if day.year in (2023, 2024, 2026, 2027) else 1.0
            assets.append((day, round(level, 3)))
        last = rates[-1][1]
        for day, step in (("2026-03-18", 0.25), ("2026-05-06", 0.25), ("2026-06-17", 0.5),
                          ("2026-12-16", -0.25)):
            last += step
            rates.append((dt.datetime.fromisoformat(day), last))
    return rates, assets


def _expected(rates, assets):
    rate = pd.Series([v for _, v in rates], index=pd.DatetimeIndex([d for d, _ in rates]))
    level = pd.Series([v for _, v in assets], index=pd.DatetimeIndex([d for d, _ in assets]))
    cycles = hike_cycles(rate)
    current = cycles.iloc[-1]
    table = cycle_inflows(cycles, level)
    table = table[table["First hike"] != current["First hike"]].tail(DEFAULT_REPORT_CYCLES)
    months = table["Months after last hike"].tolist()
    return {"cycles": len(cycles), "last_hike": current["Last hike"].to_pydatetime(),
            "months": months, "peaks": table["Peak YoY growth"].tolist(),
            "projected": peak_projection(current["Last hike"], months).to_pydatetime()}


def _lay(path: Path, rates, assets, legacy: bool) -> None:
    """The spills as values, the helpers and probes as formulas. openpyxl writes formulas without
    a cached value, so LibreOffice computes every one on load."""
    dates = [d for d, _ in rates]
    values = [v for _, v in rates]
    cycles = udfs.hike_cycles(dates, values)
    inflows = udfs.cycle_inflows(dates, values, [d for d, _ in assets], [v for _, v in assets])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Dashboard"
    for anchor_col, table in ((8, cycles), (15, inflows)):
        for i, row in enumerate(table):
            for j, value in enumerate(row):
                ws.cell(row=5 + i, column=anchor_col + j, value=_serial(value))
        if legacy:   # a Ctrl+Shift+Enter array entered over 40 rows pads with #N/A
            for i in range(len(table), 40):
                for j in range(len(table[0])):
                    ws.cell(row=5 + i, column=anchor_col + j, value="=NA()")
    for i, (_, formula, _) in enumerate(build.dashboard_helpers(DEFAULT_REPORT_CYCLES)):
        ws.cell(row=12 + i, column=2, value=formula)
    probes = [build.CURRENT_LAST_HIKE, f"SUM({build.PREVIOUS_MONTHS})",
              f"COUNT({build.PREVIOUS_MONTHS})", f"SUM({build.PREVIOUS_PEAKS})",
              f"COUNT({build.PREVIOUS_PEAKS})"]
    for i, formula in enumerate(probes):
        ws.cell(row=20 + i, column=2, value="=" + formula)
    wb.save(path)


def _computed(path: Path, folder: Path) -> list[float]:
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{folder / 'profile'}",
                           "--headless", "--convert-to", "csv", "--outdir", str(folder), str(path)],
                          capture_output=True, text=True, timeout=300, check=False)
    out = folder / (path.stem + ".csv")
    assert done.returncode == 0 and out.exists(), done.stderr
    rows = list(csv.reader(out.open(encoding="utf-8")))
    return [float(rows[r][1]) for r in (11, 12, 13, 14, 19, 20, 21, 22, 23)]


@pytest.fixture(scope="module")
def soffice():
    if shutil.which("soffice") is None:
        if os.environ.get("CI") or os.environ.get("XLFLOWS_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice is required here but soffice is missing")
        pytest.skip("needs LibreOffice (soffice)")


@pytest.mark.parametrize("extra_cycle", [False, True], ids=["shipped data", "one more cycle"])
@pytest.mark.parametrize("legacy", [False, True], ids=["spilled", "legacy array"])
def test_dashboard_reads_the_rows_the_report_uses(soffice, tmp_path, extra_cycle, legacy):
    rates, assets = _data(extra_cycle)
    want = _expected(rates, assets)
    book = tmp_path / "dash.xlsx"
    _lay(book, rates, assets, legacy)
    found, inflow_rows, last_prev, first_prev, hike, months, n_months, peaks, n_peaks = \
        _computed(book, tmp_path)
    assert found == want["cycles"] == (9 if extra_cycle else 8)
    assert EPOCH + dt.timedelta(days=hike) == want["last_hike"]
    assert n_months == n_peaks == len(want["months"]) == DEFAULT_REPORT_CYCLES
    assert months == sum(want["months"])
    assert peaks == pytest.approx(sum(want["peaks"]), abs=1e-9)
    # and the Dashboard's PEAK_PROJECTION on those arguments is the Report's projection
    assert udfs.peak_projection(EPOCH + dt.timedelta(days=hike),
                                [want["months"]]) == want["projected"]
    assert 1 <= first_prev <= last_prev <= inflow_rows
