"""The shipped Lite workbook's own code, in Pyodide, with no xlflows installed and no network.

Run by ``tests/test_pyodide.py`` as ``run.mjs --no-app --env XLWINGS_ON_SERVER=true --env
XLWINGS_LICENSE_KEY=noncommercial --script tests/pyodide/lite_workbook.py``: only Pyodide's own
packages and the pinned pure wheels of ``wheels.lock`` are there. ``main.py`` and
``requirements.txt`` are read from ``workbook/xlflows-lite.xlsx`` exactly as stored (the add-in's
encoding: a JSON string per property), with the standard library only; ``main.py`` runs as the
module ``main``, as the add-in runs it; the functions and the script it registers are listed and
called through xlwings' own Office.js path (``custom_functions_call``, ``custom_scripts_call``)
on the workbook's own data. ``main()`` returns what was found, for the test to compare.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
import types
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(CHECKOUT / "tests"))
LITE = CHECKOUT / "workbook" / "xlflows-lite.xlsx"
WE = "{http://schemas.microsoft.com/office/webextensions/webextension/2010/11}"


def stored_code() -> dict[str, str]:
    root = ET.fromstring(zipfile.ZipFile(LITE).read("xl/webextensions/webextension1.xml"))
    return {p.get("name"): json.loads(p.get("value")) for p in root.iter(WE + "property")}


def requirement_names(text: str) -> list[tuple[str, str]]:
    """(name, the line) of each requirement line (comments and blanks skipped)."""
    out = []
    for line in text.splitlines():
        body = line.split("#", 1)[0].strip()
        if body:
            name = body.split("==")[0].split(">=")[0].split("[")[0].strip().lower()
            out.append((name, line.strip()))
    return out


def column(rows, j):
    return [row[j] for row in rows[1:] if row[0] is not None]


def _run(coro):
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    raise RuntimeError("the Office.js call waited on something")


def main() -> dict:
    out: dict = {}
    try:
        import xlflows
        out["xlflows_before"] = xlflows.__file__
    except ImportError:
        out["xlflows_before"] = None
    code = stored_code()
    out["main_py_chars"] = len(code["main.py"])
    requirements = requirement_names(code["requirements.txt"])
    out["requirements"] = [name for name, _ in requirements]
    import numpy
    import pandas
    import xlwings
    out["installed"] = {"xlwings": xlwings.__version__, "pandas": pandas.__version__,
                        "numpy": numpy.__version__}
    out["xlwings_pin"] = next(line for name, line in requirements if name == "xlwings")

    module = types.ModuleType("main")
    sys.modules["main"] = module
    start = time.perf_counter()
    exec(compile(code["main.py"], "main.py", "exec"), module.__dict__)  # noqa: S102 - as Lite does
    out["load_s"] = round(time.perf_counter() - start, 3)
    out["xlflows_from"] = sys.modules["xlflows"].__file__

    from xlwings.server import custom_functions_call, custom_functions_meta, custom_scripts_meta
    out["functions"] = sorted(f["name"] for f in custom_functions_meta(module)["functions"])
    out["scripts"] = [s["name"] for s in custom_scripts_meta(module)]

    import openpyxl

    rows = [list(r) for r in openpyxl.load_workbook(LITE, data_only=True)["Flows"].iter_rows(
        values_only=True)]
    dates, equity, money = column(rows, 0), column(rows, 1), column(rows, 3)

    from lite_support import call_data, officejs_range

    def call(name, *args):
        started = time.perf_counter()
        result = _run(custom_functions_call(call_data(name, [officejs_range(a) for a in args]),
                                            module))
        return result, round((time.perf_counter() - started) * 1000, 2)

    values = {}
    values["streak of money market"], _ = call("flow_streak", money)
    values["first-in of money market"], _ = call("flow_first_in", money)
    values["largest 8-week equity since"], ms = call("flow_largest_since", dates, equity, 8)
    out["largest_since_ms"] = ms
    values["projection"], _ = call("peak_projection", dt.datetime(2023, 7, 26), [[9, 13, 15, 19]])
    values["abnormality"], _ = call("abnormality", 0.25, [0.30, 0.28, 0.41, 0.33])
    out["values"] = values

    from xlwings.server import custom_scripts_call

    from lite_support import apply_actions, book_snapshot

    snapshot = book_snapshot(LITE)
    started = time.perf_counter()
    actions = _run(custom_scripts_call(module, "refresh_report", typehint_to_value={
        xlwings.Book: xlwings.Book(json=snapshot)})).json()["actions"]
    out["script_ms"] = round((time.perf_counter() - started) * 1000, 1)
    out["script_actions"] = len(actions)
    report = apply_actions(snapshot, actions)["Report"]
    out["script_headline"] = next((v for v in report.values() if isinstance(v, str)
                                   and "first outflow in 8 weeks" in v), None)
    return out
