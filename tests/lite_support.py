"""Helpers for the xlwings Lite tests: Office.js-shaped payloads without Excel.

xlwings Lite hands a script an ``xw.Book`` built from a JSON snapshot of the workbook, and a custom
function its arguments as Office.js sends them (2-D lists, serial dates, ``None`` blanks, error
objects). These helpers build both from a workbook file and apply the actions a script queues, so a
test can compare the result with ``xlflows refresh`` on the same file. Nothing here needs a licence
key; the callers that run xlwings' Office.js code set ``XLWINGS_ON_SERVER`` and the noncommercial
key themselves (in a fresh interpreter: the decorators are chosen when xlwings is imported).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

#: Office.js error cells as the add-in passes them to a custom function.
ERROR_TYPES = {"#N/A": "NotAvailable", "#DIV/0!": "Div0", "#VALUE!": "Value", "#REF!": "Ref",
               "#NAME?": "Name", "#NUM!": "Num", "#NULL!": "Null"}
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def error_cell(literal: str) -> dict:
    """An Office.js error value, e.g. ``{"type": "Error", "basicValue": "#N/A", ...}``."""
    return {"type": "Error", "basicValue": literal, "errorType": ERROR_TYPES[literal]}


def serial(value: dt.date) -> float:
    """Excel 1900-system serial of a date or datetime (what Lite passes for a date cell)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return (value - EXCEL_EPOCH).total_seconds() / 86400


def officejs_cell(value: object) -> object:
    """One cell as a Lite custom function receives it: dates as serials, blanks None."""
    if isinstance(value, (dt.date, dt.datetime)):
        return serial(value)
    if isinstance(value, str) and value in ERROR_TYPES:
        return error_cell(value)
    if value == "":
        return None
    return value


def officejs_range(values) -> list[list[object]]:
    """A column (list) or a 2-D list as an Office.js ``matrix`` argument; a scalar as 1 × 1."""
    if not isinstance(values, (list, tuple)):
        return [[officejs_cell(values)]]
    rows = [row if isinstance(row, (list, tuple)) else [row] for row in values]
    return [[officejs_cell(v) for v in row] for row in rows]


def call_data(func_name: str, args: list, *, runtime: str = "1.4") -> dict:
    """The payload the Lite add-in sends for one custom-function call."""
    return {"func_name": func_name, "args": args, "version": "lite", "client": "Office.js",
            "runtime": runtime, "culture_info_name": "en-US", "date_format": "M/d/yyyy",
            "caller_address": "Sheet1!A1"}


def _snapshot_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00.000Z"
    return value


def book_snapshot(path: Path, *, blank: dict[str, list[str]] | None = None) -> dict:
    """The JSON an Office.js client sends for a script: every sheet's values and the names.

    Values run from A1 to the used range's end (cached values for formulas), blanks ``""``,
    dates as ISO text; hidden sheets are sent like the others. ``blank`` maps a sheet to cells
    cleared in the snapshot (a stale report).
    """
    wb = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        rows = [[_snapshot_value(c) for c in row]
                for row in ws.iter_rows(min_row=1, min_col=1, max_row=ws.max_row,
                                        max_col=ws.max_column, values_only=True)]
        for ref in (blank or {}).get(ws.title, []):
            cell = ws[ref]
            if cell.row <= len(rows) and cell.column <= len(rows[0]):
                rows[cell.row - 1][cell.column - 1] = ""
        sheets.append({"name": ws.title, "values": rows or [[""]], "pictures": [],
                       "tables": [], "visibility": "Visible" if ws.sheet_state == "visible"
                       else "Hidden"})
    names = []
    titles = wb.sheetnames
    for name, defined in wb.defined_names.items():
        for sheet, ref in defined.destinations:
            names.append({"name": name, "sheet_index": titles.index(sheet),
                          "address": ref.replace("$", ""), "book_scope": True,
                          "scope_sheet_name": None, "scope_sheet_index": None})
    return {"client": "Office.js", "version": "lite",
            "book": {"name": Path(path).name, "active_sheet_index": 0, "selection": "A1"},
            "names": names, "sheets": sheets}


def apply_actions(snapshot: dict, actions: list[dict]) -> dict[str, dict[str, object]]:
    """Replay a script's queued actions on the snapshot: sheet -> {cell: value, ...}.

    Only what the report writer queues is understood (``addSheet``, ``setSheetVisibility``,
    ``setValues``, ``setNumberFormat``); anything else raises so a new kind of action is noticed.
    Number formats are returned under the key ``("format", cell)``.
    """
    sheets = [s["name"] for s in snapshot["sheets"]]
    grid: dict[str, dict[object, object]] = {}
    for s in snapshot["sheets"]:
        cells = grid.setdefault(s["name"], {})
        for r, row in enumerate(s["values"], start=1):
            for c, value in enumerate(row, start=1):
                if value != "":
                    cells[f"{get_column_letter(c)}{r}"] = value
    for action in actions:
        func = action["func"]
        if func == "addSheet":
            position, name = action["args"]
            sheets.insert(position, name)
            grid.setdefault(name, {})
            continue
        if func in ("setScreenUpdating", "setSheetVisibility"):
            continue
        name = sheets[action["sheet_position"]]
        top, left = action["start_row"] + 1, action["start_column"] + 1
        if func == "setValues":
            for i, row in enumerate(action["values"]):
                for j, value in enumerate(row):
                    ref = f"{get_column_letter(left + j)}{top + i}"
                    if value == "" or value is None:
                        grid[name].pop(ref, None)
                    else:
                        grid[name][ref] = value
        elif func == "setNumberFormat":
            for i in range(action["row_count"]):
                for j in range(action["column_count"]):
                    grid[name][("format", f"{get_column_letter(left + j)}{top + i}")] = \
                        action["args"][0]
        else:
            raise AssertionError(f"unexpected action {func}")
    return grid


def with_numbers(source: Path, target: Path, part: str, cells: dict[str, float]) -> None:
    """Copy a workbook, setting number cells of one sheet part by an XML edit (no openpyxl).

    ``cells`` maps ``"B6"`` to its new number; each cell must already hold a number.
    """
    import re
    import zipfile

    with zipfile.ZipFile(source) as package:
        entries = [(info, package.read(info)) for info in package.infolist()]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in entries:
            if info.filename == part:
                for ref, number in cells.items():
                    data, count = re.subn(
                        rb'(<c r="' + ref.encode() + rb'"[^>]*>)<v>[^<]*</v>',
                        lambda m, n=number: m.group(1) + b"<v>" + repr(n).encode() + b"</v>", data)
                    if count != 1:
                        raise AssertionError(f"{part}: no number cell {ref}")
            out.writestr(info, data)


def emulate_pyodide_ffi() -> None:
    """Outside Pyodide, give ``pyodide.ffi`` as an empty module, as in Pyodide 0.27 (no JsNull).

    xlwings checks every argument cell with ``from pyodide.ffi import JsNull`` inside a ``try``.
    In Pyodide 0.27 the module is loaded and the name is missing: a fast ImportError. On CPython
    there is no module, so each cell searches the whole import path again (about a millisecond
    a cell: 15 s for the policy-rate column). The result is the same (not a JsNull); only the
    cost differs, so the checks emulate Pyodide's. ``to_js`` and the other Pyodide-only calls
    of xlwings are guarded by ``sys.platform == "emscripten"`` and are never reached.
    """
    import sys
    import types

    if sys.platform == "emscripten" or "pyodide" in sys.modules:
        return
    package = types.ModuleType("pyodide")
    package.__path__ = []
    ffi = types.ModuleType("pyodide.ffi")
    package.ffi = ffi
    sys.modules["pyodide"] = package
    sys.modules["pyodide.ffi"] = ffi
