"""xlflows through xlwings' own Office.js code path, as xlwings Lite runs it (no Excel, no add-in).

Run in a FRESH interpreter: ``python tests/lite_officejs.py [WORKBOOK] [CHECK ...]``
(``--registry-json`` prints Lite's registry instead) (CPython: the test
``tests/test_lite_officejs.py`` does it in a subprocess; Pyodide: a runner can run this file as a
script, or import it and call :func:`run_all` before anything imports xlwings). It sets
``XLWINGS_ON_SERVER=true`` (what the Lite add-in sets, so ``xw.func``/``xw.script`` are xlwings'
Office.js decorators) and the ``noncommercial`` licence key that xlwings' PRO code asks for; the
shipped package needs neither.

Checks, one line each (``ok <name>`` or ``FAILED <name>: <reason>``), exit status 1 when any fails:

* ``registry``: ``custom_functions_meta``/``custom_scripts_meta`` of a module whose code is
  ``from xlflows.lite import *`` follow xlwings' rules (positional parameters only, unique
  upper-case names, every function and argument documented, the script takes one Book) and match the
  classic declaration in :mod:`xlflows.udfs` name for name, argument for argument;
* ``function:<case>``: ``custom_functions_call`` on Office.js-shaped payloads (serial dates,
  ``None`` blanks, error objects) gives the hand-worked value and the classic call's value;
* ``script:<case>``: ``custom_scripts_call`` of ``refresh_report`` on a snapshot of the workbook
  queues actions whose Report and template values and number formats equal ``xlflows refresh`` of
  the same workbook.
"""

from __future__ import annotations

import os

os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import datetime as dt
import inspect
import math
import shutil
import sys
import tempfile
import traceback
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

if "xlwings" in sys.modules and not sys.modules["xlwings"].on_server:
    raise SystemExit("tests/lite_officejs.py must start before anything imports xlwings "
                     "(the Lite decorators are chosen then); run it in a fresh interpreter")

from lite_support import (  # noqa: E402 - after the check that xlwings is not imported yet
    ERROR_TYPES as ERROR_LITERALS,
    apply_actions,
    book_snapshot,
    call_data,
    emulate_pyodide_ffi,
    error_cell,
    officejs_range,
    serial,
    with_numbers,
)

emulate_pyodide_ffi()

import xlwings as xw  # noqa: E402 - after the pyodide.ffi stand-in, as in Pyodide 0.27

SHIPPED = HERE.parent / "workbook" / "xlflows-lite.xlsx"
CHECKS: list = []


def check(fn):
    """Register a check (a function raising AssertionError with the reason)."""
    CHECKS.append(fn)
    return fn


def main_module() -> types.ModuleType:
    """A module whose code is what a Lite workbook's ``main.py`` holds."""
    module = types.ModuleType("main")
    exec("from xlflows.lite import *", module.__dict__)  # noqa: S102 - as Lite runs main.py
    return module


def _run(coro):
    """Drive a call of xlwings' Office.js path to its result without an event loop.

    ``custom_functions_call``/``custom_scripts_call`` are coroutines that never wait on anything
    for xlflows' synchronous functions, so one ``send`` completes them. An event loop's blocking
    run (``asyncio.run``) needs WebAssembly stack switching inside Pyodide under Node, which this
    runtime lacks; this works in both.
    """
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise RuntimeError("the Office.js call waited on something; run it in an event loop")


# --------------------------------------------------------------------------- registry


@check
def registry():
    from xlwings.server import custom_functions_meta, custom_scripts_meta

    from xlflows import udfs

    module = main_module()
    meta = custom_functions_meta(module)
    names = [f["name"] for f in meta["functions"]]
    classic = {f.__name__.upper(): f for f in udfs.UDFS}
    assert sorted(names) == sorted(classic), f"Lite names {names} != classic {sorted(classic)}"
    assert len(set(names)) == len(names), "duplicate names"
    for entry in meta["functions"]:
        name = entry["name"]
        assert name == name.upper() and entry["id"] == name, f"{name}: not upper case"
        fn = classic[name]
        assert getattr(module, fn.__name__) is fn, f"{name}: imported under another name"
        description = entry["description"]
        assert description == fn.__doc__ and 0 < len(description) <= 255, \
            f"{name}: description {description!r}"
        signature = inspect.signature(fn)
        params = list(signature.parameters.values())
        assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params), f"{name}: not positional"
        assert [p["name"] for p in entry["parameters"]] == [p.name for p in params], \
            f"{name}: arguments {[p['name'] for p in entry['parameters']]}"
        for lite_param, param in zip(entry["parameters"], params):
            optional = param.default is not inspect.Parameter.empty
            assert bool(lite_param.get("optional")) == optional, f"{name}({param.name}): optional"
            doc = lite_param["description"]
            assert doc in udfs.ARG_DOCS.values() and 0 < len(doc) <= 255, \
                f"{name}({param.name}): help {doc!r} is not from udfs.ARG_DOCS"
            options = fn.__xlfunc__["argmap"][param.name]["options"]
            assert options.get("err_to_str") is True, f"{name}({param.name}): no err_to_str"
    scripts = custom_scripts_meta(module)
    assert [(s["function_name"], s["name"]) for s in scripts] == [
        ("refresh_report", "Refresh report")], scripts
    script = module.refresh_report
    hints = inspect.get_annotations(inspect.unwrap(script), eval_str=True)
    params = list(inspect.signature(script).parameters)
    assert params == ["book"] and hints.get("book") is xw.Book, f"script parameters {params}"
    exported = sorted(n for n in vars(module) if not n.startswith("__"))
    assert exported == sorted([f.__name__ for f in udfs.UDFS] + ["refresh_report"]), exported


# --------------------------------------------------------------------------- functions

W = [dt.date(2024, 1, 3) + dt.timedelta(weeks=i) for i in range(6)]   # Wednesdays
NA = "#N/A"


def formatted(day: dt.date) -> dict:
    """A date result as Lite writes it: a serial with the ``yyyy-mm-dd`` format."""
    return {"type": "FormattedNumber", "basicValue": serial(day), "numberFormat": "yyyy-mm-dd"}


#: (case id, function, Office.js args as plain values, expected Lite result). Hand-worked.
FUNCTION_CASES = [
    ("streak of three outflows", "flow_streak", [[1.0, 2.0, -1.0, -2.0, -3.0], None], [[-3]]),
    ("streak ignores leading and trailing blanks", "flow_streak",
     [["", 4.0, 5.0, ""], None], [[2]]),
    ("streak sorts by serial dates", "flow_streak",
     [[-1.0, 2.0, 3.0], [W[2], W[0], W[1]]], [[-1]]),
    ("first outflow in 3 weeks", "flow_first_in", [[-1.0, 2.0, 3.0, -4.0], None], [[3]]),
    ("first on record", "flow_first_in", [[1.0, 2.0, -4.0], None], [["first on record"]]),
    ("largest since the first week", "flow_largest_since",
     [W[:4], [5.0, 1.0, 2.0, 4.0], None], [[formatted(W[0])]]),
    ("largest on record", "flow_largest_since", [W[:4], [5.0, 1.0, 2.0, 6.0], 1.0],
     [["record"]]),
    ("rolling 2-week sums, blank first", "flow_rolling", [[1.0, 2.0, 3.0, 4.0], 2.0, None],
     [[""], [3.0], [5.0], [7.0]]),
    ("streaks table with dates", "flow_streaks", [W[:3], [3.0, 1.0, -2.0], None],
     [["Start", "End", "Weeks", "Direction", "Total"],
      [formatted(W[0]), formatted(W[1]), 2, "inflow", 4.0],
      [formatted(W[2]), formatted(W[2]), 1, "outflow", -2.0]]),
    ("peak projection from the SPEC", "peak_projection",
     [dt.date(2023, 7, 26), [9.0, 13.0, 15.0, 19.0]], [[formatted(dt.date(2024, 9, 26))]]),
    ("asset growth 21%", "asset_growth",
     [W[:3], [100.0, 110.0, 121.0], W[0], None, None], [[0.21]]),
    ("abnormality, not abnormally high", "abnormality", [0.25, [0.3, 0.35, 0.4], None, None],
     [["Verdict", "not abnormally high"], ["Current", 0.25], ["Historical mean", 0.35],
      ["Ratio", 0.25 / 0.35], ["Z-score", -2.0], ["Percentile", 0.0], ["Cycles", 3]]),
    ("hike cycle with a cut", "hike_cycles",
     [[dt.date(2022, 1, 1), dt.date(2022, 2, 1), dt.date(2022, 3, 1), dt.date(2022, 4, 1),
       dt.date(2022, 5, 1)], [1.0, 1.5, 2.0, 2.5, 2.25], None, None, None],
     [["First hike", "Last hike", "Hikes", "Rise (bp)", "Peak rate", "First cut"],
      [formatted(dt.date(2022, 2, 1)), formatted(dt.date(2022, 4, 1)), 3, 150.0, 2.5,
       formatted(dt.date(2022, 5, 1))]]),
    ("open cycle: First cut is empty text, not #NUM!", "hike_cycles",
     [[dt.date(2022, 1, 1), dt.date(2022, 2, 1), dt.date(2022, 3, 1), dt.date(2022, 4, 1)],
      [1.0, 1.5, 2.0, 2.5], None, None, None],
     [["First hike", "Last hike", "Hikes", "Rise (bp)", "Peak rate", "First cut"],
      [formatted(dt.date(2022, 2, 1)), formatted(dt.date(2022, 4, 1)), 3, 150.0, 2.5, ""]]),
    ("one cycle: Z-score is empty text, not #NUM!", "abnormality", [0.5, [0.4], None, None],
     [["Verdict", "abnormally high"], ["Current", 0.5], ["Historical mean", 0.4],
      ["Ratio", 1.25], ["Z-score", ""], ["Percentile", 1.0], ["Cycles", 1]]),
    ("error cell refused by row", "flow_streak", [[1.0, NA, 2.0], None],
     [["xlflows error: flows: row 2 is #N/A, expected a number"]]),
    ("blank optional weeks is the default", "flow_largest_since",
     [W[:4], [5.0, 1.0, 2.0, 4.0], ""], [[formatted(W[0])]]),
    # the flow-note grammar (SPEC 2b): flows 1, -2, 3, 4, -1, 5 on the six Wednesdays
    ("rank 1 of 4 (SPEC)", "flow_rank", [W, [1.0, -2.0, 3.0, 4.0, -1.0, 5.0], None, None],
     [["Rank", 1], ["Of", 4]]),
    ("rank of a flat window", "flow_rank", [W[:3], [1.0, -1.0, 0.0], None, None],
     [["Rank", "flat"], ["Of", ""]]),
    ("count 4 inflows of 6 (SPEC)", "flow_count",
     [[1.0, -2.0, 3.0, 4.0, -1.0, 5.0], 6.0, None, None], [[4]]),
    ("longest streak on record (SPEC)", "streak_longest_since",
     [W[:4], [5.0, 1.0, 2.0, 3.0], None], [["record"]]),
    ("longest streak since a date", "streak_longest_since",
     [W, [1.0, 1.0, -1.0, 2.0, -3.0, 4.0], None], [[formatted(W[3])]]),
    # 2024 to Feb 7: 1 - 2 + 3 + 4 - 1 + 5 = 10 in 6 weeks, pace 10 x 52 / 6; no 2023 data
    ("year to date with blanks, not #NUM!", "flow_period",
     [W, [1.0, -2.0, 3.0, 4.0, -1.0, 5.0], None, None],
     [["To date", 10.0], ["Same point last year", ""], ["Annualised pace", 10.0 * 52 / 6],
      ["Pace rank", ""]]),
    ("flow as % of start-of-week assets", "flow_pct",
     [[5.0, -2.0, 3.0], [1000.0, 1005.0, 1003.0], None, None],
     [[""], [-0.002], [3 / 1005]]),
    ("flows since the trough", "flow_since",
     [W, [1.0, -2.0, 3.0, 4.0, -1.0, 5.0], "trough"], [[11.0]]),
    ("flows since a serial date", "flow_since",
     [W, [1.0, -2.0, 3.0, 4.0, -1.0, 5.0], W[2]], [[8.0]]),
    ("level below its record (SPEC)", "level_record", [W[:3], [10.0, 12.0, 11.0]],
     [["Record", False], ["Last higher", formatted(W[1])], ["From peak", 11 / 12 - 1]]),
    ("z-score 4, percentile 1", "flow_zscore", [[1.0, 2.0, 3.0, 6.0], None, None, None],
     [["Z-score", 4.0], ["Percentile", 1.0]]),
    ("z-score blank with one earlier week", "flow_zscore", [[1.0, 3.0], None, None, None],
     [["Z-score", ""], ["Percentile", 1.0]]),
    # the blank level's row is dropped: spacings 7, 14, 7, 7 days (median 7); after the 14-day
    # gap the change is blank, not two weeks read as one
    ("flows from levels, a blank level row", "flows_from_levels",
     [W, [100.0, 103.0, "", 106.0, 108.0, 107.0]], [[""], [3.0], [""], [""], [2.0], [-1.0]]),
]


def _payload_args(args: list) -> list:
    return [officejs_range(a if a is not None else "") for a in args]


def _classic_value(value):
    """A classic (direct) call's cell as Lite would show it: dates as serials."""
    if isinstance(value, (dt.date, dt.datetime)):
        return serial(value)
    return value


def _lite_value(value):
    if isinstance(value, dict) and value.get("type") == "FormattedNumber":
        return value["basicValue"]
    return value


def _grid(result) -> list[list]:
    if not isinstance(result, list):
        return [[result]]
    return [row if isinstance(row, list) else [row] for row in result]


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return (isinstance(a, (int, float)) and isinstance(b, (int, float))
                and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12))
    return a == b


def _assert_grid(got, want, label: str) -> None:
    assert len(got) == len(want), f"{label}: {len(got)} rows, expected {len(want)}: {got}"
    for r, (g_row, w_row) in enumerate(zip(got, want)):
        assert len(g_row) == len(w_row), f"{label}: row {r + 1} is {g_row}, expected {w_row}"
        for g, w in zip(g_row, w_row):
            if isinstance(w, dict):
                assert isinstance(g, dict) and g["type"] == w["type"] and \
                    _same(g["basicValue"], w["basicValue"]) and \
                    g.get("numberFormat") == w.get("numberFormat"), f"{label}: {g} != {w}"
            else:
                assert _same(g, w), f"{label}: row {r + 1} is {g_row}, expected {w_row}"


def _function_check(case_id, func_name, args, expected):
    def run():
        from xlwings.server import custom_functions_call

        module = main_module()
        got = _run(custom_functions_call(call_data(func_name, _payload_args(args)), module))
        _assert_grid(got, expected, "Lite")
        # The classic call: the same function called with classic shapes (what xlwings hands
        # it on Windows: a column as a flat list, dates as datetimes, blanks None).
        fn = getattr(module, func_name)
        classic_args = [_classic_arg(a) for a in args]
        signature = inspect.signature(fn)
        for i, (param, value) in enumerate(zip(signature.parameters.values(), classic_args)):
            if value is None and param.default is not inspect.Parameter.empty:
                classic_args[i] = param.default
        classic = [[_classic_value(v) for v in row] for row in _grid(fn(*classic_args))]
        lite = [[_lite_value(v) for v in row] for row in got]
        _assert_grid(lite, classic, "Lite vs classic")
        flat = [v for row in got for v in row]
        assert not any(isinstance(v, dict) and v.get("type") == "Error" for v in flat), \
            f"an error value (#NUM!) in {got}"

    run.__name__ = f"function:{case_id}"
    return run


def _classic_arg(value):
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return [None if v == "" else
                (dt.datetime(v.year, v.month, v.day) if isinstance(v, dt.date) else v)
                for v in value]
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return value


for _case in FUNCTION_CASES:
    CHECKS.append(_function_check(*_case))


@check
def function_error_objects_without_err_to_str_would_be_blank():
    """The reason every argument asks for error text: without it Lite passes None."""
    from xlwings import conversion

    as_blank = conversion.read(None, [[1.0], [error_cell(NA)]], {}, engine_name="officejs")
    as_text = conversion.read(None, [[1.0], [error_cell(NA)]], {"err_to_str": True},
                              engine_name="officejs")
    assert as_blank == [1.0, None] and as_text == [1.0, NA], (as_blank, as_text)


@check
def function_excel_shaped_junk_never_escapes():
    """Any Office.js column (numbers, blanks, text, error objects, booleans): a number or text."""
    from hypothesis import given, settings, strategies as st
    from xlwings.server import custom_functions_call

    from xlflows.errors import CELL_PREFIX

    module = main_module()
    cell = st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=32), st.none(),
                     st.just(""), st.text(max_size=5), st.booleans(),
                     st.sampled_from(list(ERROR_LITERALS)).map(error_cell))
    column = st.lists(cell, min_size=1, max_size=12)

    @settings(max_examples=150, deadline=None, database=None)
    @given(column, st.sampled_from(["flow_streak", "flow_first_in", "flow_rolling"]))
    def run(values, func_name):
        args = [[[v] for v in values], [[None]]]
        if func_name == "flow_rolling":
            args.insert(1, [[2.0]])
        got = _run(custom_functions_call(call_data(func_name, args), module))
        for row in got:
            for value in row:
                assert not isinstance(value, dict), f"{func_name}({values}) -> {got}"
                assert (isinstance(value, (int, float)) and not isinstance(value, bool)) or \
                    value in ("", "first on record") or \
                    (isinstance(value, str) and value.startswith(CELL_PREFIX)), \
                    f"{func_name}({values}) -> {got}"

    run()


@check
def function_cycle_inflows_on_the_workbook_data():
    """CYCLE_INFLOWS on the workbook's own rate and asset sheets: Lite equals classic."""
    import openpyxl
    from xlwings.server import custom_functions_call

    wb = openpyxl.load_workbook(WORKBOOK, read_only=True, data_only=True)
    rates = [r for r in wb["Policy rate"].iter_rows(min_row=2, max_col=2, values_only=True)]
    assets = [r for r in wb["MMF assets"].iter_rows(min_row=2, max_col=2, values_only=True)]
    wb.close()
    args = [[r[0] for r in rates], [r[1] for r in rates], [a[0] for a in assets],
            [a[1] for a in assets]]
    module = main_module()
    got = _run(custom_functions_call(call_data("cycle_inflows", _payload_args(args)), module))
    classic = [[_classic_value(v) for v in row]
               for row in _grid(module.cycle_inflows(*[_classic_arg(a) for a in args]))]
    assert len(got) >= 5, f"only {len(got)} rows: {got[:2]}"
    _assert_grid([[_lite_value(v) for v in row] for row in got], classic, "Lite vs classic")


# --------------------------------------------------------------------------- the script

WORKBOOK = SHIPPED


_CACHE: dict = {}


def _snapshot(**kwargs) -> dict:
    """``book_snapshot(WORKBOOK)``, read once (a deep copy each time: scripts change it)."""
    import copy

    key = ("snapshot", WORKBOOK, repr(sorted(kwargs.items())))
    if key not in _CACHE:
        _CACHE[key] = book_snapshot(WORKBOOK, **kwargs)
    return copy.deepcopy(_CACHE[key])


def _refreshed_values(path: Path) -> tuple[dict, dict]:
    """Report and template values and formats after ``xlflows refresh`` of a copy of ``path``."""
    key = ("refreshed", path)
    if key not in _CACHE:
        _CACHE[key] = _refresh_copy(path)
    return _CACHE[key]


def _refresh_copy(path: Path) -> tuple[dict, dict]:
    import openpyxl

    from xlflows.report.xlsx import refresh_file

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / f"copy{path.suffix}"
        out = Path(folder) / f"out{path.suffix}"
        shutil.copyfile(path, copy)
        refresh_file(copy, output=out)
        wb = openpyxl.load_workbook(out)
        values, formats = {}, {}
        for sheet in ("Report", "xlflows.template"):
            for row in wb[sheet].iter_rows():
                for cell in row:
                    if cell.value is not None:
                        values[(sheet, cell.coordinate)] = cell.value
                    formats[(sheet, cell.coordinate)] = cell.number_format
        return values, formats


def _script_actions(snapshot: dict) -> list[dict]:
    from xlwings.server import custom_scripts_call

    book = xw.Book(json=snapshot)
    result = _run(custom_scripts_call(main_module(), "refresh_report",
                                      typehint_to_value={xw.Book: book}))
    return result.json()["actions"]


@check
def script_new_settings_equal_refresh():
    """Settings changed to 4 weeks and 3 cycles: the script's Report equals ``xlflows refresh``."""
    with tempfile.TemporaryDirectory() as folder:
        changed = Path(folder) / f"changed{WORKBOOK.suffix}"
        with_numbers(WORKBOOK, changed, "xl/worksheets/sheet1.xml", {"K5": 4, "K6": 3})
        snapshot = book_snapshot(changed)
        values, formats = _refresh_copy(changed)
    before = apply_actions(snapshot, [])
    actions = _script_actions(snapshot)
    kinds = {a["func"] for a in actions}
    assert kinds <= {"setValues", "setNumberFormat", "setScreenUpdating"}, kinds
    grid = apply_actions(snapshot, actions)
    checked = changed_cells = 0
    for (sheet, ref), want in values.items():
        got = grid[sheet].get(ref)
        if isinstance(got, str) and got.startswith("'"):
            got = got[1:]
        if isinstance(want, (dt.date, dt.datetime)):
            want = serial(want)
        assert _same(got, want), f"{sheet}!{ref}: script wrote {got!r}, refresh wrote {want!r}"
        checked += 1
        changed_cells += not _same(before[sheet].get(ref), want)
    for key, got in grid["Report"].items():
        if not isinstance(key, tuple):
            assert ("Report", key) in values, f"Report!{key}={got!r}: refresh left it empty"
        else:
            want = formats[("Report", key[1])]
            assert got == want, f"Report!{key[1]}: format {got!r}, refresh has {want!r}"
    assert checked > 500 and changed_cells > 20, (checked, changed_cells)


@check
def script_dates_are_serials_with_a_date_format():
    actions = _script_actions(_snapshot())
    grid = apply_actions(_snapshot(), actions)
    values, _ = _refreshed_values(WORKBOOK)
    dates = [(s, r) for (s, r), v in values.items() if isinstance(v, dt.datetime)]
    assert dates, "no dates in the report"
    for sheet, ref in dates:
        value = grid[sheet][ref]
        assert isinstance(value, int) and not isinstance(value, bool), f"{sheet}!{ref}={value!r}"
        fmt = grid[sheet].get(("format", ref), "")
        assert any(c in fmt for c in "dmy"), f"{sheet}!{ref}: format {fmt!r} is not a date format"
    texts = [v for a in actions if a["func"] == "setValues"
             for row in a["values"] for v in row if isinstance(v, str) and v]
    assert all(v.startswith("'") for v in texts), [v for v in texts if not v.startswith("'")][:3]


@check
def script_bad_data_alerts_and_writes_nothing():
    snapshot = _snapshot()
    flows = next(s for s in snapshot["sheets"] if s["name"] == "Flows")
    flows["values"][4][1] = "n/a"
    actions = _script_actions(snapshot)
    assert [a["func"] for a in actions] == ["alert"], [a["func"] for a in actions]
    message, title = actions[0]["args"][:2]
    assert title == "xlflows: nothing was refreshed", title
    assert "Flows!B5" in message and "n/a" in message, message


@check
def script_creates_the_hidden_template_sheet():
    """A workbook whose template store is missing gets it back, hidden, as the other writers do."""
    snapshot = _snapshot()
    snapshot["sheets"] = [s for s in snapshot["sheets"] if s["name"] != "xlflows.template"]
    actions = _script_actions(snapshot)
    added = [a for a in actions if a["func"] == "addSheet"]
    assert [a["args"][1] for a in added] == ["xlflows.template"], [a["func"] for a in actions]
    hidden = [a for a in actions if a["func"] == "setSheetVisibility"]
    assert [a["args"] for a in hidden] == [["Hidden"]], hidden
    position = added[0]["args"][0]
    assert hidden[0]["sheet_position"] == position, (position, hidden)
    template = [a for a in actions if a["func"] == "setValues" and a["sheet_position"] == position]
    assert template, "nothing written into the new template sheet"


# --------------------------------------------------------------------------- runner


def run_all(names: list[str] | None = None) -> int:
    """Run the checks (all, or those named); print one line each; return the exit status."""
    failed = 0
    for fn in CHECKS:
        name = fn.__name__ if fn.__name__.startswith(("function:", "script:")) \
            else _label(fn.__name__)
        if names and name not in names:
            continue
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - report every check
            failed += 1
            detail = str(exc) if isinstance(exc, AssertionError) else \
                traceback.format_exception_only(type(exc), exc)[-1].strip()
            print(f"FAILED {name}: {' '.join(detail.split())}")
        else:
            print(f"ok {name}")
    return 1 if failed else 0


def _label(name: str) -> str:
    for prefix in ("function", "script"):
        if name.startswith(prefix + "_"):
            return f"{prefix}:{name[len(prefix) + 1:]}"
    return name


def check_names() -> list[str]:
    """Every check's name, as printed."""
    return [fn.__name__ if ":" in fn.__name__ else _label(fn.__name__) for fn in CHECKS]


def registry_json() -> str:
    """Lite's registry (``custom_functions_meta``, ``custom_scripts_meta``) as JSON."""
    import json

    from xlwings.server import custom_functions_meta, custom_scripts_meta

    module = main_module()
    return json.dumps({"functions": custom_functions_meta(module)["functions"],
                       "scripts": custom_scripts_meta(module)}, default=str)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args == ["--registry-json"]:
        print(registry_json())
        sys.exit(0)
    if args and not args[0].startswith("-") and Path(args[0]).suffix in (".xlsx", ".xlsm"):
        WORKBOOK = Path(args.pop(0))
    sys.exit(run_all(args or None))
