"""Ratio benchmark for one xlwings Lite function call, Office.js conversion included (reports only).

Run inside Pyodide (the runtime xlwings Lite uses), from the checkout, after
``python tests/pyodide/setup_runtime.py``::

    unshare -n node tests/pyodide/run.mjs --env XLWINGS_ON_SERVER=true \\
        --env XLWINGS_LICENSE_KEY=noncommercial --script benchmarks/bench_lite_call.py

or in CPython for comparison: ``XLWINGS_ON_SERVER=true XLWINGS_LICENSE_KEY=noncommercial python
benchmarks/bench_lite_call.py``. The Office.js path is xlwings PRO code; the noncommercial key is
for this benchmark only, the shipped package needs none.

Case: ``FLOW_LARGEST_SINCE(dates, flows, 8)`` on 30 years of weekly data (1,565 rows) as the add-in
sends it: a payload of 2-D lists with dates as serial numbers, through
``xlwings.server.custom_functions_call`` on the module a Lite workbook registers (``xlflows.lite``,
which gives Pyodide < 0.28 a ``JsNull`` so xlwings does not fail an import per cell): argument
conversion, the UDF, result conversion.
Baseline, timed alternately in the same runtime: ``pd.DataFrame(rows)`` on the same 1,565
``[serial, flow]`` rows, the least any Python function must do to read them into pandas.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import show_seconds

ROWS = 1_565                     # 30 years of weeks
REPEATS = 50
FIRST_SERIAL = 34_705.0          # 1995-01-06, a Friday


def payload_rows(n: int = ROWS, seed: int = 3) -> list[list[float]]:
    """``[serial date, flow]`` rows: weekly serials and flows in $bn typed to 0.1."""
    rng = np.random.default_rng(seed)
    flows = np.round(rng.normal(0.5, 8.0, n), 1).tolist()
    return [[FIRST_SERIAL + 7 * i, flow] for i, flow in enumerate(flows)]


def _jsnull_checks(cells: int) -> float:
    """Best seconds of xlwings' empty-cell check (``utils.is_jsnull``) run once per cell.

    xlwings 0.37.8 imports ``pyodide.ffi.JsNull`` inside that check; where the name does not
    exist (CPython, Pyodide before 0.28) every cell pays for a failed import.
    """
    from xlwings import utils

    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(cells):
            utils.is_jsnull(None)
        best = min(best, time.perf_counter() - start)
    return best


async def _call_without_failed_imports(payload: dict) -> float:
    """Best seconds of the same call with ``utils.is_jsnull`` importing ``JsNull`` once a call.

    For information only: shows how much of the call is the failed import. xlwings is restored.
    """
    from xlwings import utils
    from xlwings.server import custom_functions_call

    import xlflows.lite

    try:
        from pyodide.ffi import JsNull
    except ImportError:
        JsNull = None
    original = utils.is_jsnull
    utils.is_jsnull = lambda value: JsNull is not None and isinstance(value, JsNull)
    try:
        best = float("inf")
        for _ in range(REPEATS):
            start = time.perf_counter()
            await custom_functions_call(payload, xlflows.lite)
            best = min(best, time.perf_counter() - start)
    finally:
        utils.is_jsnull = original
    return best


async def main() -> dict:
    """Time the call and the baseline; print one labelled line each and return the figures."""
    import xlwings as xw
    from xlwings.server import custom_functions_call

    import xlflows.lite

    rows = payload_rows()
    payload = {"func_name": "flow_largest_since", "version": xw.__version__,
               "client": "Office.js", "runtime": "1.4", "culture_info_name": "en-US",
               "date_format": "M/d/yyyy",
               "args": [[[row[0]] for row in rows], [[row[1]] for row in rows], [[8]]]}
    result = await custom_functions_call(payload, xlflows.lite)
    if isinstance(result[0][0], str):
        raise SystemExit(f"benchmark input refused: {result[0][0]}")

    best_call = best_base = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        await custom_functions_call(payload, xlflows.lite)
        middle = time.perf_counter()
        pd.DataFrame(rows)
        best_call = min(best_call, middle - start)
        best_base = min(best_base, time.perf_counter() - middle)
    ratio = best_call / best_base
    jsnull = _jsnull_checks(2 * ROWS)
    without = await _call_without_failed_imports(payload)
    print(f"baseline  pd.DataFrame(list of {ROWS} [serial, flow] rows): {show_seconds(best_base)}")
    print(f"FLOW_LARGEST_SINCE(weeks=8) through custom_functions_call, {ROWS} rows: "
          f"{show_seconds(best_call)}  ratio {ratio:.2f}  ({sys.platform}, best of {REPEATS})")
    print(f"for information: xlwings' per-cell JsNull check alone, {2 * ROWS} cells: "
          f"{show_seconds(jsnull)}; the call with that check's import done once: "
          f"{show_seconds(without)}  ratio {without / best_base:.2f}")
    return {"platform": sys.platform, "rows": ROWS, "call_ms": round(best_call * 1e3, 3),
            "baseline_ms": round(best_base * 1e3, 3), "ratio": round(ratio, 2),
            "jsnull_checks_ms": round(jsnull * 1e3, 3),
            "call_import_once_ms": round(without * 1e3, 3),
            "result": result}


if __name__ == "__main__":
    asyncio.run(main())
