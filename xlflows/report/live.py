"""The xlwings engine: refresh the Report of the open workbook (Refresh button, ribbon Run, Lite).

The button runs ``import xlflows; xlflows.main()`` through xlwings' ``RunPython``; Excel owns the
file then, so openpyxl cannot write it. This engine reads the live ``Book`` through xlwings, asks
:func:`xlflows.report.compute.plan_refresh` for the same plan the command line computes, and applies
it with ``Range.value`` writes. It holds no report logic of its own.

The same engine serves xlwings Lite (Excel for Mac and the web), where the ``Book`` is the one the
add-in hands a script (built from a snapshot of the workbook; every write is queued and applied
after the script returns). ``lite=True`` adapts three things, nothing else:

* ``app.screen_updating`` cannot be read there (setting it is fine), so it is only switched off;
* dates go out as Excel serial numbers with a date number format, never as text that Excel would
  have to parse (the remote engine would send ``"2025-11-12"``);
* there is no ``Book.caller()``: :func:`refresh_lite` takes the script's book.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from xlflows.errors import WorkbookError, XlflowsError
from xlflows.excel.cells import COM_ERROR_MAX, COM_ERROR_MIN, COM_ERRORS
from xlflows.report.compute import plan_refresh
from xlflows.report.plan import FMT_DATE, REPORT_SHEET, RefreshPlan, split_cell

#: Day 0 of Excel's 1900 date system as serial numbers count it (serial 61 = 1900-03-01).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


class BookSource:
    """A ``SheetSource`` over a live xlwings ``Book``.

    Values are read from A1 to the end of each sheet's used range as a 2-D list, with error cells as
    text (``err_to_str``; the raw COM integers of newer errors turned into their literal), dates as
    ``datetime`` and blanks as None. Excel computes formulas itself, so cached values never matter.

    Parameters
    ----------
    book : xlwings.Book
    """

    def __init__(self, book) -> None:
        self._book = book

    def sheet_names(self) -> list[str]:
        """Sheet names in workbook order."""
        return [sheet.name for sheet in self._book.sheets]

    def rows(self, sheet: str) -> list[list[object]]:
        """Cell values from A1 to the end of the used range."""
        if sheet not in self.sheet_names():
            raise WorkbookError(f"the workbook has no sheet named '{sheet}'; sheets are "
                                + ", ".join(f"'{n}'" for n in self.sheet_names()))
        ws = self._book.sheets[sheet]
        last = ws.used_range.last_cell
        values = ws.range((1, 1), (last.row, last.column)).options(
            ndim=2, err_to_str=True, empty=None).value
        return [[_error_literal(v) for v in row] for row in values]

    def named_cell(self, name: str) -> tuple[str, str] | None:
        """The ``(sheet, "B4")`` a workbook-level defined name points at, or None."""
        wanted = name.lower()
        for defined in self._book.names:
            if defined.name.lower() != wanted:  # sheet-scoped names read "Sheet!name"
                continue
            try:
                target = defined.refers_to_range
            # a name holding a constant or formula, not a range: xlwings raises its platform's
            # own error for it (COM on Windows, AppleScript on a Mac, Office.js in Lite)
            except Exception:  # noqa: BLE001
                return None
            if target is None or target.count != 1:
                return None
            return target.sheet.name, target.address.replace("$", "")
        return None


def refresh_book(book, *, weeks: int | None = None, cycles: int | None = None,
                 as_of: object = None, planner: Callable[..., RefreshPlan] | None = None,
                 lite: bool = False) -> RefreshPlan:
    """Compute the report of ``book`` and write it into the open workbook.

    Parameters
    ----------
    book : xlwings.Book
        The open workbook (with a Report sheet: the template is laid once, by the build or by
        ``xlflows refresh`` on the file).
    weeks, cycles, as_of : optional
        Overrides, as on the command line (not written into the settings cells).
    planner : callable, optional
        Default :func:`xlflows.report.compute.plan_refresh`:
        ``planner(source, weeks=, cycles=, as_of=) -> RefreshPlan``; tests pass a stand-in.
    lite : bool, default False
        The book is an xlwings Lite script's book (see the module docstring).

    Returns
    -------
    RefreshPlan
        The plan that was applied.
    """
    source = BookSource(book)
    if REPORT_SHEET not in source.sheet_names():
        raise WorkbookError(f"the workbook has no '{REPORT_SHEET}' sheet; run "
                            "`xlflows refresh <file>` once on the saved file to add it")
    plan = (planner or plan_refresh)(source, weeks=weeks, cycles=cycles, as_of=as_of)
    apply_plan(book, plan, lite=lite)
    return plan


def apply_plan(book, plan, *, lite: bool = False) -> None:
    """Create the plan's hidden sheets, then write its values and number formats.

    Each COM call costs milliseconds, so cells are written in rectangles: the plan's cells are
    grouped into blocks of adjacent cells (a row's consecutive columns, stacked while the rows
    span the same columns) and each block gets one ``Range.value`` (2-D list); number formats
    likewise, one call per block of cells sharing a format. When a cell is written twice, the
    later write wins, as if the writes were applied one by one.

    Text is written with a leading apostrophe so Excel stores it as typed: without it ``Mar 2022``
    would become a date and a text starting with ``=`` a formula (Office.js parses values like
    typed input too, so Lite gets the same). With ``lite`` a date is written as its serial number
    with the write's date format (``FMT_DATE`` when it has none).
    """
    names = {sheet.name for sheet in book.sheets}
    for name in plan.hidden_sheets:
        if name not in names:
            sheet = book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])
            sheet.visible = False
            names.add(name)
    values: dict[str, dict[tuple[int, int], object]] = defaultdict(dict)
    formats: dict[str, dict[tuple[int, int], str]] = defaultdict(dict)
    for write in plan.writes:
        if write.sheet not in names:
            raise WorkbookError(f"{write.sheet}!{write.cell}: the workbook has no sheet "
                                f"'{write.sheet}' to write the report into")
        position = _row_col(write.sheet, write.cell)
        value, number_format = write.value, write.number_format
        if lite and isinstance(value, dt.date):
            value, number_format = excel_serial(value), number_format or FMT_DATE
        values[write.sheet][position] = "'" + value if isinstance(value, str) and value else value
        if number_format is not None:
            formats[write.sheet][position] = number_format
    with _screen_updating_off(book.app):
        for name, cells in values.items():
            sheet = book.sheets[name]
            by_format: dict[str, set[tuple[int, int]]] = defaultdict(set)
            for position, fmt in formats[name].items():
                by_format[fmt].add(position)
            for fmt, positions in by_format.items():
                for top, left, bottom, right in rectangles(positions):
                    sheet.range((top, left), (bottom, right)).number_format = fmt
            for top, left, bottom, right in rectangles(cells):
                block = [[cells[(r, c)] for c in range(left, right + 1)]
                         for r in range(top, bottom + 1)]
                sheet.range((top, left), (bottom, right)).value = block


@contextlib.contextmanager
def _screen_updating_off(app):
    """Switch screen updating off while writing; restore it when it could be read.

    xlwings Lite's engine raises on *reading* ``screen_updating`` (it can only suspend updating
    until its next sync); there it is switched off and left to the add-in.
    """
    try:
        before = app.screen_updating
    except NotImplementedError:
        before = None
    app.screen_updating = False
    try:
        yield
    finally:
        if before is not None:
            app.screen_updating = before


def excel_serial(value: dt.date) -> float | int:
    """A date or datetime as its Excel 1900-system serial (whole days as an int).

    Parameters
    ----------
    value : datetime.date or datetime.datetime

    Returns
    -------
    int or float
        ``datetime(2025, 11, 12)`` -> 45973; a time of day adds the fraction of the day.
    """
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    delta = value.replace(tzinfo=None) - EXCEL_EPOCH
    if delta.seconds == 0 and delta.microseconds == 0:
        return delta.days
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400


def rectangles(positions) -> list[tuple[int, int, int, int]]:
    """Cover a set of (row, column) positions with disjoint rectangles of adjacent cells.

    Parameters
    ----------
    positions : iterable of (int, int)
        1-based rows and columns.

    Returns
    -------
    list of (top, left, bottom, right)
        Every position in exactly one rectangle, no other cell in any; sorted by top, left.
    """
    runs: list[tuple[int, int, int]] = []            # (row, left, right)
    for row, col in sorted(positions):
        if runs and runs[-1][0] == row and runs[-1][2] == col - 1:
            runs[-1] = (row, runs[-1][1], col)
        else:
            runs.append((row, col, col))
    open_blocks: dict[tuple[int, int], list[int]] = {}   # (left, right) -> [top, bottom]
    done: list[tuple[int, int, int, int]] = []
    for row, left, right in runs:
        block = open_blocks.get((left, right))
        if block is not None and block[1] == row - 1:
            block[1] = row
        else:
            if block is not None:
                done.append((block[0], left, block[1], right))
            open_blocks[(left, right)] = [row, row]
    done.extend((top, left, bottom, right) for (left, right), (top, bottom) in open_blocks.items())
    return sorted(done)


def _row_col(sheet: str, ref: str) -> tuple[int, int]:
    """``"B7"`` -> (7, 2); a WorkbookError naming the cell when ``ref`` is not one cell."""
    try:
        return split_cell(ref)
    except ValueError:
        raise WorkbookError(f"{sheet}!{ref} is not a cell reference; expected one cell such as "
                            "B7") from None


def refresh_caller() -> None:
    """Refresh the workbook that called Python (the Refresh button, via ``xlflows.main``).

    A problem with the workbook is shown in a message box with its one-line reason; anything
    unexpected is raised for xlwings to show.
    """
    import xlwings as xw

    book = xw.Book.caller()
    try:
        refresh_book(book)
    except XlflowsError as exc:
        book.app.alert(str(exc), title="xlflows: nothing was refreshed")


def refresh_lite(book) -> None:
    """Refresh the Report of an xlwings Lite script's book (``xlflows.lite.refresh_report``).

    As with the button, a problem with the workbook is shown in an alert with its one-line reason
    (and printed to the task pane's output); nothing is written then, because the plan is computed
    before the first write is queued.

    Parameters
    ----------
    book : xlwings.Book
        The book xlwings Lite passes to the script.
    """
    try:
        refresh_book(book, lite=True)
    except XlflowsError as exc:
        print(f"xlflows: {exc}")
        book.app.alert(str(exc), title="xlflows: nothing was refreshed")


def _error_literal(value: object) -> object:
    if (isinstance(value, int) and not isinstance(value, bool)
            and COM_ERROR_MIN <= value <= COM_ERROR_MAX):
        return COM_ERRORS.get(value, value)
    return value
