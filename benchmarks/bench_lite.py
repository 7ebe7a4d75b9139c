"""Ratio benchmark: one xlwings Lite function call through xlwings' Office.js path (a script).

Run in a fresh interpreter, CPython or Pyodide: ``python benchmarks/bench_lite.py``. It sets
``XLWINGS_ON_SERVER=true`` (what the Lite add-in sets) and, unless already set, the
``noncommercial`` licence key xlwings' Office.js code asks for, before xlwings is imported.

Case: ``FLOW_LARGEST_SINCE(dates, flows, 8)`` on 30 years of weekly data (1,565 rows) as the
add-in sends it, ``custom_functions_call`` on an Office.js payload: 2-D lists of serial dates
and of floats. The time covers xlwings' argument conversion, xlflows' normalisation, the core
look-back and the result's conversion (a date as a formatted number).

Baseline, timed in the same run: ``pd.DataFrame(list_of_lists)`` on the same rows
(``[[serial, flow], ...]``). Two ratios are printed: the whole call, and xlflows' share (the same
function called on the arguments as xlwings hands them over: flat lists of serials and floats).
Only xlflows' share has a target (<= 10 x baseline): the rest is xlwings' own per-cell conversion,
which xlflows cannot change.
"""

from __future__ import annotations

import os

os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import asyncio
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if sys.platform != "emscripten" and "pyodide" not in sys.modules:
    # xlwings tries `from pyodide.ffi import JsNull` for every argument cell. In Pyodide 0.27 the
    # module is loaded and the name is missing (a quick ImportError); on CPython the module is
    # missing and every cell searches the import path again (~1 ms a cell). An empty module gives
    # CPython Pyodide 0.27's cost; the result is the same either way.
    sys.modules["pyodide"] = types.ModuleType("pyodide")
    sys.modules["pyodide"].__path__ = []
    sys.modules["pyodide.ffi"] = sys.modules["pyodide"].ffi = types.ModuleType("pyodide.ffi")

from benchmarks.common import best_of_pair, show_seconds, verdict

ROWS = 1_565
TARGET = 10.0
REPEATS = 50
FIRST_SERIAL = 34705.0          # 1995-01-06, a Friday


def payload(n: int = ROWS, seed: int = 3) -> dict:
    """The add-in's call data: weekly serial dates and flows in $bn typed to 0.1."""
    rng = np.random.default_rng(seed)
    dates = [[FIRST_SERIAL + 7 * i] for i in range(n)]
    flows = [[v] for v in np.round(rng.normal(0.5, 8.0, n), 1).tolist()]
    return {"func_name": "flow_largest_since", "args": [dates, flows, [[8.0]]],
            "version": "lite", "client": "Office.js", "runtime": "1.4",
            "culture_info_name": "en-US", "date_format": "M/d/yyyy"}


def main() -> int:
    from xlwings.server import custom_functions_call

    main_module = types.ModuleType("main")
    exec("from xlflows.lite import *", main_module.__dict__)  # noqa: S102 - as Lite runs main.py
    data = payload()
    rows = [[d[0], f[0]] for d, f in zip(data["args"][0], data["args"][1])]

    def call():
        return asyncio.run(custom_functions_call(data, main_module))

    result = call()
    if not isinstance(result[0][0], dict):
        raise SystemExit(f"benchmark input refused: {result}")
    for _ in range(5):
        call()
        pd.DataFrame(rows)
    dates = [d[0] for d in data["args"][0]]
    flows = [f[0] for f in data["args"][1]]
    lite, baseline = best_of_pair(call, lambda: pd.DataFrame(rows), REPEATS)
    own, _ = best_of_pair(lambda: main_module.flow_largest_since(dates, flows, 8.0),
                          lambda: None, REPEATS)
    print(f"baseline  pd.DataFrame(list_of_lists), {ROWS} rows x 2: {show_seconds(baseline)}")
    print(f"FLOW_LARGEST_SINCE(dates, flows, 8) through custom_functions_call, {ROWS} rows: "
          f"{show_seconds(lite)}  ratio {lite / baseline:.2f}  [result serial "
          f"{result[0][0]['basicValue']:g}]")
    outcome = verdict(own / baseline, at_most=TARGET)
    print(f"  xlflows' share (flow_largest_since on the converted arguments): {show_seconds(own)}"
          f"  ratio {own / baseline:.2f} (target <= {TARGET:g})  {outcome}")
    print(f"  runtime: {sys.platform}, Python {sys.version.split()[0]}")
    return 0 if outcome == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
