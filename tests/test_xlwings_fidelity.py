"""Our UDFs under xlwings' own Windows UDF machinery, on Linux (README, "Testing without Excel").

On Linux ``xw.func``/``xw.arg``/``xw.ret`` are no-ops, so nothing would check what Excel's
"Import Functions" and each call actually do with our functions. This harness:

* stubs the Windows-only modules (``pythoncom``, ``pywintypes``, ``win32com``, ``win32com.client``)
  and imports the real ``xlwings.udfs``;
* loads a *separate copy* of ``xlflows/udfs.py`` with ``xw.func/arg/ret`` swapped for the real
  ``xlfunc``/``xlarg``/``xlret`` (the ordinary ``xlflows.udfs`` other tests use is untouched, and
  every patch is undone when the module's tests end);
* registers an "excel" engine built from the real cleaning code of ``xlwings/_xlwindows.py``
  (``_clean_value_data_element``, ``cell_errors``, ``Engine.prepare_xl_data_element``…, taken
  from the installed source, not re-typed), so ``xlwings.conversion.read(None, value, options)``
  and ``conversion.write(ret, None, options)`` run exactly as ``call_udf`` runs them;
* runs the real ``generate_vba_wrapper`` and checks the VBA that Import Functions would import.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import importlib.util
import io
import re
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xlwings

from xlflows.core import constants as C
from xlflows.errors import CELL_PREFIX

UDFS_PATH = Path(__file__).resolve().parents[1] / "xlflows" / "udfs.py"
MISSING = -2147352572          # what COM passes for an omitted optional argument (call_udf)

#: VBA keywords and reserved words that cannot name an argument (Optional end -> compile error).
VBA_RESERVED = {
    "and", "as", "boolean", "byref", "byte", "byval", "call", "case", "close", "const",
    "currency", "date", "debug", "declare", "dim", "do", "double", "each", "else", "elseif",
    "empty", "end", "enum", "eqv", "erase", "error", "event", "exit", "false", "for", "friend",
    "function", "get", "global", "gosub", "goto", "if", "imp", "implements", "in", "input",
    "integer", "is", "let", "lib", "like", "local", "lock", "long", "loop", "lset", "me", "mod",
    "new", "next", "not", "nothing", "null", "object", "on", "open", "option", "optional", "or",
    "paramarray", "preserve", "print", "private", "property", "public", "put", "raiseevent",
    "redim", "rem", "resume", "return", "rset", "select", "set", "single", "static", "step",
    "stop", "string", "sub", "then", "to", "true", "type", "typeof", "until", "variant", "wend",
    "while", "with", "withevents", "write", "xor", "attribute", "begin", "version", "name",
    "seek", "width", "line", "binary", "random", "access", "shared", "spc", "tab",
}


class _TimeType(dt.datetime):
    """Stand-in for ``pywintypes.TimeType``: pywin32's COM date is a datetime subclass."""


def _stub_modules() -> dict[str, types.ModuleType]:
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None
    pythoncom.IID_IDispatch = object()
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.TimeType = _TimeType
    pywintypes.com_error = type("com_error", (Exception,), {})
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None
    win32com.client = client
    return {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com,
            "win32com.client": client}


def _windows_engine(pywintypes: types.ModuleType):
    """The real cleaning/preparing code of ``xlwings/_xlwindows.py``, lifted out of its module.

    ``_xlwindows`` cannot be imported on Linux (it loads ``windll``), so the few definitions
    ``conversion.read``/``write`` use are taken from the installed source with ``ast`` and run in
    a namespace that provides what they refer to.
    """
    source = Path(xlwings.__file__).with_name("_xlwindows.py").read_text(encoding="utf-8")
    wanted = {"_com_time_to_datetime", "_datetime_to_com_time", "_clean_value_data_element",
              "cell_errors", "Engine"}
    nodes = []
    for node in ast.parse(source).body:
        names = {node.name} if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else {
            t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)}
        if names & wanted:
            nodes.append(node)
    assert {getattr(n, "name", None) or n.targets[0].id for n in nodes} == wanted
    win32timezone = types.SimpleNamespace(
        TimeZoneInfo=types.SimpleNamespace(utc=lambda: dt.timezone.utc))
    namespace = {
        "dt": dt, "pd": pd, "np": np, "pywintypes": pywintypes, "win32timezone": win32timezone,
        "np_datetime_to_datetime": xlwings.utils.np_datetime_to_datetime,
        "time_types": (dt.date, dt.datetime, pywintypes.TimeType, np.datetime64),
        "Apps": object, "__name__": "xlwings_windows_engine_extract",
    }
    # xlwings' Windows engine, compiled from its source without its Windows-only imports
    exec(compile(ast.Module(body=nodes, type_ignores=[]), "_xlwindows.py", "exec"),  # noqa: S102
         namespace)
    return namespace["Engine"](), namespace["cell_errors"]


@pytest.fixture(scope="module")
def xl():
    """(real xlwings.udfs, our udfs as decorated by it, the COM error table), patched apart."""
    importlib.import_module("xlflows.udfs")      # the ordinary module, imported unpatched first
    stubs = _stub_modules()
    saved_modules = {k: sys.modules.get(k) for k in [*stubs, "xlwings.udfs"]}
    saved_attrs = {k: getattr(xlwings, k) for k in ("func", "arg", "ret")}
    sys.modules.update(stubs)
    sys.modules.pop("xlwings.udfs", None)
    engine = None
    try:
        xlu = importlib.import_module("xlwings.udfs")
        impl, cell_errors = _windows_engine(stubs["pywintypes"])
        engine = xlwings.main.Engine(impl=impl)
        xlwings.engines.add(engine)
        xlwings.func, xlwings.arg, xlwings.ret = xlu.xlfunc, xlu.xlarg, xlu.xlret
        spec = importlib.util.spec_from_file_location("xlflows_udfs_as_xlwings_sees_them",
                                                      UDFS_PATH)
        ours = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(ours)
        yield types.SimpleNamespace(xlu=xlu, udfs=ours, cell_errors=cell_errors)
    finally:
        for k, v in saved_attrs.items():
            setattr(xlwings, k, v)
        if engine is not None:
            xlwings.engines.engines.remove(engine)
        for k, v in saved_modules.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def call_like_excel(xl, func, *com_args):
    """What ``xlwings.udfs.call_udf`` does with the COM arguments of a cell formula, minus COM.

    Omitted optional arguments (``MISSING``) get the Python default; every other argument goes
    through ``conversion.read(None, value, arg_options)``; the result through
    ``conversion.write(ret, None, ret_options)``.
    """
    info = func.__xlfunc__
    args = []
    for i, value in enumerate(com_args):
        arg_info = info["args"][min(i, len(info["args"]) - 1)]
        if isinstance(value, int) and value == MISSING:
            args.append(arg_info.get("optional", None))
        else:
            args.append(xlwings.conversion.read(None, value, arg_info["options"]))
    ret = func(*args)
    return xlwings.conversion.write(ret, None, info["ret"]["options"])


def com_column(values):
    """A column range as COM passes it: a tuple of 1-tuples (dates as pywintypes times)."""
    return tuple((_com(v),) for v in values)


def com_row(values):
    return (tuple(_com(v) for v in values),)


def _com(v):
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return _TimeType(v.year, v.month, v.day, tzinfo=dt.timezone.utc)
    if isinstance(v, dt.datetime):
        return _TimeType(v.year, v.month, v.day, v.hour, v.minute, tzinfo=dt.timezone.utc)
    return v


def naive(value):
    """A written COM date back to a naive datetime, for comparison."""
    return value.replace(tzinfo=None) if isinstance(value, dt.datetime) else value


# ------------------------------------------------------------------------------ metadata

def test_the_real_decorators_record_every_argument_with_doc_and_err_to_str(xl):
    for f in xl.udfs.UDFS:
        info = f.__xlfunc__
        assert info["name"] == f.__name__ and info["category"] == "xlflows"
        assert info["ret"]["doc"] == f.__doc__ and len(f.__doc__) <= 255
        sig_names = list(f.__wrapped__.__code__.co_varnames[:f.__wrapped__.__code__.co_argcount])
        assert [a["name"] for a in info["args"]] == sig_names
        for arg in info["args"]:
            assert arg["doc"] in xl.udfs.ARG_DOCS.values(), (f.__name__, arg["name"])
            assert not arg["doc"].startswith("Positional argument")
            assert len(arg["doc"]) <= 255
            assert arg["options"].get("err_to_str") is True, (f.__name__, arg["name"])


def test_optional_arguments_carry_the_python_defaults(xl):
    args = {a["name"]: a for a in xl.udfs.cycle_inflows.__xlfunc__["args"]}
    assert "optional" not in args["assets"]
    assert args["min_hikes"]["optional"] == 3 and args["measure"]["optional"] == "yoy"
    assert args["horizon_months"]["optional"] == 36


# ------------------------------------------------------------------------ read -> UDF -> write

WEEKS = [dt.date(2022, 1, 7) + dt.timedelta(weeks=i) for i in range(30)]
FLOWS = [5.5] * 8 + [1.0] * 14 + [3.0] * 8      # latest 8-week inflow largest since 2022-03-25


def test_a_com_column_of_dates_and_flows_through_the_real_conversion(xl):
    got = call_like_excel(xl, xl.udfs.flow_largest_since, com_column(WEEKS), com_column(FLOWS), 8.0)
    # a scalar comes back as [[value]]; the date as the aware datetime pywin32 needs
    assert len(got) == 1 and len(got[0]) == 1
    assert naive(got[0][0]) == dt.datetime(2022, 3, 25)
    assert got[0][0].tzinfo is not None


def test_a_column_reaches_our_functions_as_a_flat_list(xl):
    """What benchmarks/bench_udf.py feeds the functions: xlwings' own reading of a COM column
    for an argument declared without ``ndim`` (ours) is a flat list of cells, not one-cell rows."""
    info = xl.udfs.flow_rolling.__xlfunc__
    options = {a["name"]: a["options"] for a in info["args"]}
    assert "ndim" not in options["flows"] and "ndim" not in options["dates"]
    flows = xlwings.conversion.read(None, com_column(FLOWS), options["flows"])
    dates = xlwings.conversion.read(None, com_column(WEEKS), options["dates"])
    assert type(flows) is list and flows == FLOWS
    assert type(dates) is list and len(dates) == len(WEEKS)
    assert [naive(d).date() for d in dates] == WEEKS


def test_a_horizontal_range_and_an_omitted_optional(xl):
    got = call_like_excel(xl, xl.udfs.flow_largest_since, com_row(WEEKS), com_row(FLOWS), MISSING)
    # weeks omitted -> 1: the latest 3.0 is matched by week 28 (2022-07-22)
    assert naive(got[0][0]) == dt.datetime(2022, 7, 22)


def test_known_error_cells_arrive_as_text_and_are_refused(xl):
    flows = com_column([1.0, -2146826246, 2.0])          # #N/A as COM passes it
    got = call_like_excel(xl, xl.udfs.flow_streak, flows, MISSING)
    assert got == [[CELL_PREFIX + "flows: row 2 is #N/A, expected a number"]]


def test_without_err_to_str_an_error_cell_would_be_a_blank(xl):
    # why every range argument needs err_to_str=True: the default reading turns #N/A into None
    read = xlwings.conversion.read(None, com_column([1.0, -2146826246]), {})
    assert read == [1.0, None]


def test_newer_error_cells_arrive_as_raw_integers_and_are_refused(xl):
    spill = -2146826243
    assert spill not in xl.cell_errors                   # xlwings' table stops at the old seven
    got = call_like_excel(xl, xl.udfs.flow_first_in, com_column([1.0, 2.0, spill]), MISSING)
    assert got == [[CELL_PREFIX + "flows: row 3 is #SPILL!, expected a number"]]


def test_error_cells_in_every_known_code(xl):
    for code, literal in xl.cell_errors.items():
        got = call_like_excel(xl, xl.udfs.peak_projection, _com(dt.date(2023, 7, 26)),
                              com_column([9.0, code]))
        assert got == [[CELL_PREFIX + f"months: row 2 is {literal}, expected a number"]]


def test_empty_cells_in_a_range_are_blanks(xl):
    # COM passes empty cells as None; a blank row of an oversized range is ignored
    got = call_like_excel(xl, xl.udfs.flow_streak, com_column([None, 1.0, -2.0, -3.0, None]),
                          MISSING)
    assert got == [[-2]]


def test_a_spilled_table_is_written_with_header_dates_and_blank_cells(xl):
    rate_dates = [dt.date(2021, 12, 31), dt.date(2022, 3, 31), dt.date(2022, 6, 30),
                  dt.date(2022, 9, 30)]
    got = call_like_excel(xl, xl.udfs.hike_cycles, com_column(rate_dates),
                          com_column([1.0, 1.25, 1.5, 2.0]), MISSING, MISSING, MISSING)
    assert got[0] == list(C.CYCLE_COLUMNS)
    row = got[1]
    assert [naive(row[0]), naive(row[1])] == [dt.datetime(2022, 3, 31), dt.datetime(2022, 9, 30)]
    assert row[2:5] == [3, 100.0, 2.0]
    assert row[5] == ""                                  # open cycle: a blank-looking cell


def test_rolling_spills_a_column_with_blank_cells(xl):
    got = call_like_excel(xl, xl.udfs.flow_rolling, com_column([1.0, 2.0, 3.0]), 2.0, MISSING)
    assert got == [[""], [3.0], [5.0]]


def test_abnormality_block_and_a_single_cell_history(xl):
    got = call_like_excel(xl, xl.udfs.abnormality, 0.5, 0.25, MISSING, MISSING)
    assert [r[0] for r in got] == list(C.ABNORMALITY_LABELS)
    assert got[0][1] == C.ABNORMALLY_HIGH and got[4][1] == ""     # z-score blank with 1 value


def test_a_one_cell_range_arrives_as_a_scalar_and_is_accepted(xl):
    got = call_like_excel(xl, xl.udfs.peak_projection, "2023-07-26", 14.0)
    assert naive(got[0][0]) == dt.datetime(2024, 9, 26)


def test_asset_growth_with_booleans_as_excel_passes_them(xl):
    days = com_column([dt.date(2023, 3, 31), dt.date(2023, 6, 30), dt.date(2023, 9, 30)])
    got = call_like_excel(xl, xl.udfs.asset_growth, days, com_column([100.0, 110.0, 121.0]),
                          _com(dt.date(2023, 5, 15)), MISSING, False)
    assert got[0][0] == pytest.approx(0.21)


# ------------------------------------------------------------------------------ VBA

class _Workbook:
    Name = "xlflows.xlsm"


@pytest.fixture(scope="module")
def vba(xl):
    out = io.StringIO()
    xl.xlu.generate_vba_wrapper("xlflows.udfs", xl.udfs, out, _Workbook())
    return out.getvalue()


def _signatures(vba_text):
    return {m.group(1): m.group(2) for m in re.finditer(r"^Function (\w+)\((.*)\)$", vba_text,
                                                       re.MULTILINE)}


def test_one_vba_function_per_udf(vba, xl):
    sigs = _signatures(vba)
    assert sorted(sigs) == sorted(f.__name__ for f in xl.udfs.UDFS)
    assert vba.count("End Function") == 19


def test_vba_optional_arguments_match_the_python_defaults(vba):
    sigs = _signatures(vba)
    assert sigs["flow_streak"] == "flows, Optional dates"
    assert sigs["flow_largest_since"] == "dates, flows, Optional weeks"
    assert sigs["flow_rolling"] == "flows, weeks, Optional dates"
    assert sigs["hike_cycles"] == "dates, rates, Optional min_hikes, Optional min_rise_bp, " \
                                  "Optional kind"
    assert sigs["cycle_inflows"] == ("rate_dates, rates, asset_dates, assets, Optional min_hikes, "
                                     "Optional min_rise_bp, Optional horizon_months, "
                                     "Optional measure")
    assert sigs["peak_projection"] == "last_hike, months"
    assert sigs["asset_growth"] == "dates, values, start_date, Optional end_date, " \
                                   "Optional annualize"
    assert sigs["abnormality"] == "current, history, Optional method, Optional threshold"
    assert sigs["flow_rank"] == "dates, flows, Optional weeks, Optional period"
    assert sigs["flow_count"] == "flows, n, Optional direction, Optional dates"
    assert sigs["streak_longest_since"] == "dates, flows, Optional which"
    assert sigs["flow_period"] == "dates, flows, Optional period, Optional as_of"
    assert sigs["flow_pct"] == "flows, assets, Optional weeks, Optional dates"
    assert sigs["flow_since"] == "dates, flows, start"
    assert sigs["level_record"] == "dates, levels"
    assert sigs["flow_zscore"] == "flows, Optional weeks, Optional lookback, Optional dates"
    assert sigs["flows_from_levels"] == "dates, levels"


def test_no_vba_keyword_is_used_as_an_argument_name(vba):
    for name, args in _signatures(vba).items():
        for arg in args.split(", "):
            word = arg.replace("Optional ", "").strip()
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,254}", word), (name, word)
            assert word.lower() not in VBA_RESERVED, (name, word)


def test_each_wrapper_calls_its_python_function_and_shows_errors_as_text(vba):
    for name in _signatures(vba):
        assert f'{name} = XLPy.CallUDF("xlflows.udfs", "{name}", ' in vba
        assert f"{name} = Err.Description" in vba


def test_function_wizard_texts_fit(xl):
    for f in xl.udfs.UDFS:
        info = f.__xlfunc__
        assert len(info["ret"]["doc"]) <= 255
        assert all(len(a["doc"]) <= 255 for a in info["args"])


def test_the_ordinary_module_is_untouched_by_the_harness(xl):
    ordinary = importlib.import_module("xlflows.udfs")
    assert ordinary is not xl.udfs
    assert not hasattr(ordinary.flow_streak, "__xlfunc__")


# ------------------------------------------------------------------------------ all ten, COM-shaped

RATE_DAYS = [dt.date(2021, 12, 31), dt.date(2022, 3, 31), dt.date(2022, 6, 30),
             dt.date(2022, 9, 30), dt.date(2023, 3, 31)]
RATE_LEVELS = [1.0, 1.25, 1.5, 2.0, 1.75]
ASSET_DAYS = [dt.date(2020 + (m + 11) // 12, (m + 11) % 12 + 1, 1) for m in range(0, 42, 3)]
ASSET_LEVELS = [100.0] * 5 + [105.0, 110.0, 120.0, 125.0, 140.0, 130.0, 132.0, 135.0, 140.0]


def _com_calls():
    """(udf name, COM arguments with good data, index of the argument to spoil, expected start)."""
    weeks, flows = com_column(WEEKS), com_column(FLOWS)
    return [
        ("flow_streak", [flows, MISSING], 0, [[30]]),          # all 30 weeks are inflows
        ("flow_first_in", [flows, weeks], 0, [[1]]),
        ("flow_largest_since", [weeks, flows, 8.0], 1, None),
        ("flow_rolling", [flows, 8.0, weeks], 0, None),
        ("flow_streaks", [weeks, flows, MISSING], 1, [list(C.STREAK_COLUMNS)]),
        ("hike_cycles", [com_column(RATE_DAYS), com_column(RATE_LEVELS), MISSING, MISSING,
                         MISSING], 1, [list(C.CYCLE_COLUMNS)]),
        ("cycle_inflows", [com_column(RATE_DAYS), com_column(RATE_LEVELS),
                           com_column(ASSET_DAYS), com_column(ASSET_LEVELS), MISSING, MISSING,
                           MISSING, MISSING], 3, None),
        ("peak_projection", [_com(dt.date(2023, 7, 26)), com_row([9.0, 13.0, 15.0, 19.0])], 1,
         None),
        ("asset_growth", [com_column(ASSET_DAYS), com_column(ASSET_LEVELS),
                          _com(dt.date(2022, 1, 1)), MISSING, MISSING], 1, None),
        ("abnormality", [0.25, com_column([0.30, 0.35, 0.32, 0.35]), MISSING, MISSING], 1,
         [["Verdict", C.NOT_ABNORMALLY_HIGH]]),
        # the latest 3.0 among 30 inflow weeks: the eight 5.5s are larger -> Rank 9 of 30
        ("flow_rank", [weeks, flows, MISSING, MISSING], 1, [["Rank", 9], ["Of", 30]]),
        ("flow_count", [flows, 10.0, MISSING, MISSING], 0, [[10]]),
        ("streak_longest_since", [weeks, flows, MISSING], 1, [[C.RECORD]]),   # one 30-week run
        # 2022 to date: 8 x 5.5 + 14 x 1 + 8 x 3 = 82; nothing a year earlier: blank
        ("flow_period", [weeks, flows, MISSING, MISSING], 1,
         [["To date", 82.0], ["Same point last year", ""]]),
        ("flow_pct", [flows, com_column([100.0] * 30), MISSING, MISSING], 0, [[""], [0.055]]),
        # weeks dated after 2022-07-01: Jul 8, 15, 22, 29 x 3.0
        ("flow_since", [weeks, flows, _com(dt.date(2022, 7, 1))], 1, [[12.0]]),
        # levels 5.5 (to row 7, 2022-02-25), 1.0, 3.0: the latest 3.0 is below 5.5
        ("level_record", [weeks, flows], 1, [["Record", False]]),
        ("flow_zscore", [flows, 8.0, MISSING, MISSING], 0, None),
        ("flows_from_levels", [weeks, flows], 1, [[""], [0.0]]),
    ]


@pytest.mark.parametrize("name, args, spoil, head", _com_calls(), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_every_udf_round_trips_com_values_and_refuses_an_error_cell(xl, name, args, spoil, head):
    func = getattr(xl.udfs, name)
    good = call_like_excel(xl, func, *args)
    assert isinstance(good, list) and good and all(isinstance(r, list) for r in good)
    flat_cells = [v for row in good for v in row]
    assert not any(isinstance(v, str) and v.startswith(CELL_PREFIX) for v in flat_cells), good
    if head is not None:
        assert good[:len(head)] == head
    # the same call with #N/A (COM integer) in the spoilt range's second cell
    spoilt = list(args)
    cells = [list(row) for row in spoilt[spoil]]
    if len(cells) == 1:
        cells[0][1] = -2146826246
    else:
        cells[1][0] = -2146826246
    spoilt[spoil] = tuple(tuple(row) for row in cells)
    bad = call_like_excel(xl, func, *spoilt)
    assert len(bad) == 1 and len(bad[0]) == 1
    assert bad[0][0].startswith(CELL_PREFIX) and "is #N/A, expected a number" in bad[0][0]
