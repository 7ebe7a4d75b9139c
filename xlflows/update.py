"""Bring a workbook's FRED sheets up to date: ``xlflows update`` and the Excel entry point.

The sheets and their series are declared in :mod:`xlflows.datasheets`: ``Policy rate`` (FRED
DFEDTAR to 2008-12-15, then DFEDTARU, percent), ``MMF assets`` (MMMFFAQ027S / 1000 in $bn, each
value dated at its quarter's end; a sheet that keeps FRED's quarter-start dating is kept that way)
and, when the workbook has it, ``Retail MMF`` (WRMFNS, $bn, weekly). Fetching and parsing FRED's
CSV is :mod:`xlflows.fred`'s.

An update runs in named steps; each failure is one :class:`~xlflows.fred.SourceError` or
``WorkbookError`` line and nothing is written:

1. ``sheets``   — :func:`read_sheet`: each sheet's layout (the headers in row 1, dates oldest
   first, quarterly dates all at quarter ends or all at quarter starts); a sheet with its headers
   and nothing under them is *empty*;
2. ``fetch``    — every series the sheets need is fetched and parsed
   (:func:`xlflows.fred.fetch_all`) before any is compared with the workbook;
3. ``plan``     — :func:`plan_update` compares each series with its sheet: observations after
   the sheet's last date are appended below it, changed values of dates it holds are revised, an
   empty sheet is filled from the series' start; the result is a list of
   :class:`~xlflows.report.plan.CellWrite`, engine-neutral;
4. ``write``    — the file engine (:func:`update_file`) or the open Book
   (:func:`update_book`) applies the writes; the file is replaced atomically.

Every other cell and sheet is left alone. The Report is not recomputed: ``xlflows refresh`` (or
the Refresh button) does that afterwards; :func:`update_and_refresh_caller` does both from Excel.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from xlflows import fred
from xlflows.datasheets import DATE_FORMAT, FRED_SHEETS, DataSheet, blank, fred_series, same_header
from xlflows.errors import WorkbookError, XlflowsError
from xlflows.excel.convert import level_series
from xlflows.fred import Fetch, Progress, SourceError
from xlflows.report.plan import CellWrite, RefreshPlan, cell_ref


# --------------------------------------------------------------------------- step 1: sheets
@dataclass
class SheetData:
    """A data sheet as the update sees it.

    Attributes
    ----------
    values : Series
        The sheet's values by date (blank values dropped), oldest first.
    rows : Series
        Every date in column A -> its sheet row (1-based), blank value or not; empty for an
        empty sheet.
    next_row : int
        The first row below the data (where new observations go; 2 for an empty sheet).
    quarter_end : bool
        Quarterly sheets: True when dated at quarter ends (and when empty, as the workbook dates
        them), False when at FRED's quarter starts.
    """

    values: pd.Series
    rows: pd.Series
    next_row: int
    quarter_end: bool = True

    @property
    def empty(self) -> bool:
        """Whether the sheet holds its headers and nothing under them."""
        return len(self.rows) == 0


def sheets_to_update(source) -> list[DataSheet]:
    """The FRED sheets an update brings up to date: every required one (a missing one is then
    named by :func:`read_sheet`), and each optional one the workbook has."""
    names = set(source.sheet_names())
    return [sheet for sheet in FRED_SHEETS if sheet.required or sheet.name in names]


def read_sheet(source, target: DataSheet) -> SheetData:
    """Step ``sheets``: read and check one data sheet's layout.

    Raises
    ------
    WorkbookError
        Naming the sheet and cell: a missing sheet or header, a bad cell, dates out of order,
        quarterly dates neither all at quarter ends nor all at quarter starts.
    """
    sheet = target.name
    if sheet not in source.sheet_names():
        raise WorkbookError(f"the workbook has no '{sheet}' sheet; expected one with "
                            f"{target.expected_cells}")
    grid = source.rows(sheet)
    header = list(grid[0]) + [None, None] if grid else [None, None]
    for col, wanted in zip("AB", target.headers):
        found = header[0 if col == "A" else 1]
        if not same_header(found, wanted):
            shown = "blank" if blank(found) else f"'{found}'"
            raise WorkbookError(f"{sheet}!{col}1 is {shown}, expected '{wanted}' "
                                f"({target.expected_cells})")
    dates = [row[0] if row else None for row in grid[1:]]
    values = [row[1] if len(row) > 1 else None for row in grid[1:]]
    used = [i for i in range(len(dates)) if not (blank(dates[i]) and blank(values[i]))]
    if not used:
        return SheetData(pd.Series([], index=pd.DatetimeIndex([]), dtype=float),
                         pd.Series([], index=pd.DatetimeIndex([]), dtype=int), 2)
    end = used[-1] + 1
    dates, values = dates[:end], values[:end]
    dates_name, values_name = f"{sheet} dates", f"{sheet} values"
    try:
        # Dates first (with their row numbers as values), so a bad date is named in column A ...
        row_of = level_series(dates, [i + 2 if not blank(d) else None for i, d in enumerate(dates)],
                              locate=lambda i: f"{sheet}!A{i + 2}", dates_name=dates_name,
                              values_name=values_name)
        # ... then the values, named in column B.
        series = level_series(dates, values, locate=lambda i: f"{sheet}!B{i + 2}",
                              dates_name=dates_name, values_name=values_name)
    except XlflowsError as exc:
        raise WorkbookError(str(exc)) from None
    rows = row_of.astype(int)
    _check_order(sheet, rows)
    quarter_end = _quarter_dating(sheet, rows) if target.quarterly else True
    return SheetData(series.astype(float), rows, end + 2, quarter_end)


def _check_order(sheet: str, rows: pd.Series) -> None:
    """Dates must run oldest first down the sheet: new rows go at the bottom."""
    going_back = rows.to_numpy()[1:] < rows.to_numpy()[:-1]
    if going_back.any():
        # In date order, the row of the date at i+1 is above the row of the earlier date at i.
        i = int(going_back.argmax())
        lower, upper = rows.iloc[i], rows.iloc[i + 1]
        raise WorkbookError(
            f"{sheet}!A{lower} ({rows.index[i]:%Y-%m-%d}) is earlier than {sheet}!A{upper} "
            f"({rows.index[i + 1]:%Y-%m-%d}) above it; expected dates oldest first, so that new "
            "observations can go below the last row")


def _quarter_dating(sheet: str, rows: pd.Series) -> bool:
    """True when every date is a quarter's last day, False when every one is its first day."""
    index = pd.DatetimeIndex(rows.index)
    ends = (index + pd.offsets.QuarterEnd(0)) == index
    starts = (index.day == 1) & index.month.isin([1, 4, 7, 10])
    if ends.all():
        return True
    if starts.all():
        return False
    odd = int((~ends).argmax()) if ends.sum() >= starts.sum() else int((~starts).argmax())
    raise WorkbookError(
        f"{sheet}!A{rows.iloc[odd]} is {index[odd]:%Y-%m-%d}; expected quarterly dates, every one "
        "at its quarter's end (as the workbook dates them) or every one at its first day (as FRED "
        "does)")


# --------------------------------------------------------------------------- step 3: plan
@dataclass
class UpdatePlan:
    """What an update writes and says.

    Attributes
    ----------
    writes : list of CellWrite
        New rows (date and value) and revised values, sheet by sheet.
    summary : list of str
        One line per sheet: ``MMF assets: 12 new quarters to 2023-12-31, 3 revised``.
    """

    writes: list[CellWrite]
    summary: list[str]


def plan_update(source, observations: Mapping[str, pd.Series],
                sheets: Sequence[DataSheet] | None = None) -> UpdatePlan:
    """Compare fetched FRED series with the workbook's sheets and plan the cell writes.

    Parameters
    ----------
    source : SheetSource
        ``sheet_names()`` and ``rows(sheet)`` (a file, the open Book, a fake).
    observations : mapping of str -> Series
        FRED series id -> its observations as FRED dates and units
        (:func:`xlflows.fred.parse_fred_csv`).
    sheets : sequence of DataSheet, optional
        The sheets to update (default: :func:`sheets_to_update` of ``source``).

    Returns
    -------
    UpdatePlan

    Raises
    ------
    WorkbookError
        A sheet whose layout the update does not recognise.
    SourceError
        A series that ends before the sheet does, or lacks a date inside the sheet's range.
    """
    if sheets is None:
        sheets = sheets_to_update(source)
    read = [(target, read_sheet(source, target)) for target in sheets]
    writes: list[CellWrite] = []
    summary: list[str] = []
    for target, sheet in read:
        wanted = sheet_series(target, observations, sheet.quarter_end)
        new, revised = _compare(target, sheet, wanted)
        writes += _new_rows(target, sheet, new) + revised
        summary.append(_summary_line(target, sheet, new, revised))
    return UpdatePlan(writes, summary)


def sheet_series(target: DataSheet, observations: Mapping[str, pd.Series],
                 quarter_end: bool = True) -> pd.Series:
    """The sheet's series built from FRED's: parts spliced, units and dates converted, and
    leading zeros left out (FRED's MMMFFAQ027S starts with zeros, before the first money fund:
    they say nothing and would make every growth rate from them infinite)."""
    pieces = []
    for part in target.parts:
        series = observations[part.series]
        keep = pd.Series(True, index=series.index)
        if part.first is not None:
            keep &= series.index >= pd.Timestamp(part.first)
        if part.last is not None:
            keep &= series.index <= pd.Timestamp(part.last)
        pieces.append(series[keep.to_numpy()])
    combined = pd.concat(pieces) / target.divisor
    nonzero = (combined != 0).to_numpy()
    combined = combined.iloc[int(nonzero.argmax()):] if nonzero.any() else combined.iloc[:0]
    if target.quarterly:
        _check_quarter_starts(target, combined)
        if quarter_end:
            combined.index = combined.index + pd.offsets.QuarterEnd(0)
    return combined


def _check_quarter_starts(target: DataSheet, series: pd.Series) -> None:
    index = pd.DatetimeIndex(series.index)
    starts = (index.day == 1) & index.month.isin([1, 4, 7, 10])
    if not starts.all():
        odd = index[int((~starts).argmax())]
        raise SourceError(f"{target.parts[0].series} has an observation dated {odd:%Y-%m-%d}; "
                          "expected quarterly data dated at each quarter's first day, as FRED "
                          "dates it")


def _compare(target: DataSheet, sheet: SheetData, wanted: pd.Series
             ) -> tuple[pd.Series, list[CellWrite]]:
    """(observations after the sheet's last date, value writes for the changed ones it holds);
    an empty sheet takes every observation."""
    if sheet.empty:
        return wanted, []
    last_date = sheet.rows.index[-1]
    first_date = sheet.rows.index[0]
    if not len(wanted) or wanted.index[-1] < last_date:
        part = target.parts[-1].series
        ends = f"ends {wanted.index[-1]:%Y-%m-%d}" if len(wanted) else "holds only zeros"
        raise SourceError(f"{part} {ends}, before the last date of "
                          f"{target.name} ({last_date:%Y-%m-%d}, {target.name}!A"
                          f"{sheet.rows.iloc[-1]}); the series went backwards in time, expected "
                          "a download at least as recent as the workbook")
    inside = wanted[(wanted.index >= first_date) & (wanted.index <= last_date)]
    lacking = inside.index.difference(sheet.rows.index)
    if len(lacking):
        day = lacking[0]
        below = int(sheet.rows[sheet.rows.index > day].iloc[0])
        raise WorkbookError(
            f"{target.name} lacks {day:%Y-%m-%d} (before {target.name}!A{below}), which FRED "
            f"has; expected every FRED observation from the sheet's first date to its last "
            f"({len(lacking)} missing), since an update only appends rows and revises values")
    held = sheet.values.reindex(inside.index)
    changed = inside[(held.isna() | (held.round(9) != inside.round(9))).to_numpy()]
    revised = [CellWrite(target.name, cell_ref(int(sheet.rows[day]), 2), float(value))
               for day, value in changed.items()]
    return wanted[wanted.index > last_date], revised


def _new_rows(target: DataSheet, sheet: SheetData, new: pd.Series) -> list[CellWrite]:
    writes = []
    for offset, (day, value) in enumerate(zip(pd.DatetimeIndex(new.index), new)):
        row = sheet.next_row + offset
        writes.append(CellWrite(target.name, cell_ref(row, 1), day.to_pydatetime(), DATE_FORMAT))
        writes.append(CellWrite(target.name, cell_ref(row, 2), float(value), target.value_format))
    return writes


def _summary_line(target: DataSheet, sheet: SheetData, new: pd.Series,
                  revised: list[CellWrite]) -> str:
    units = target.unit if len(new) == 1 else target.unit + "s"
    if sheet.empty:
        if not len(new):
            return f"{target.name}: empty, and {target.series[-1]} holds only zeros"
        return (f"{target.name}: filled from empty, {len(new):,} {units} from "
                f"{new.index[0]:%Y-%m-%d} to {new.index[-1]:%Y-%m-%d}")
    if len(new):
        head = f"{len(new):,} new {units} to {new.index[-1]:%Y-%m-%d}"
    else:
        head = f"no new {target.unit}s (latest {sheet.rows.index[-1]:%Y-%m-%d})"
    return f"{target.name}: {head}, {len(revised):,} revised"


# --------------------------------------------------------------------------- step 4: write
@dataclass
class UpdateResult:
    """What a file update did: where, the summary lines, and how many cells were written."""

    output: Path
    summary: list[str]
    cells_written: int


def update_file(path: str | os.PathLike, fetch: Fetch, where: Callable[[str], str], *,
                output: str | os.PathLike | None = None,
                progress: Progress | None = None) -> UpdateResult:
    """Update a workbook file (``xlflows update``): check the sheets, fetch, plan, then write.

    Parameters
    ----------
    path : path-like
        ``.xlsx``/``.xlsm`` with ``Policy rate`` and ``MMF assets`` sheets (and, optionally,
        ``Retail MMF``).
    fetch : callable
        ``fetch(series) -> CSV text`` (:func:`xlflows.fred.fred_downloader`,
        :func:`xlflows.fred.folder_reader`).
    where : callable
        ``where(series)`` names the file or address in messages.
    output : path-like, optional
        Write here instead (same extension); the input is not changed.
    progress : callable, optional
        Receives a short line before each download.

    Raises
    ------
    XlflowsError
        Any problem; nothing is written then.
    """
    from xlflows import ooxml

    source_path, target = ooxml.target_paths(path, output)
    # Before anything is downloaded: the file can be read and replaced (not read-only, not open
    # in Excel or LibreOffice), and every sheet's layout is one the update recognises.
    with ooxml.Transaction(source_path, target), ooxml.open_book(source_path) as book:
        sheets = sheets_to_update(book)
        for sheet in sheets:
            read_sheet(book, sheet)
    observations = fred.fetch_all(fetch, where, fred_series(sheets), progress=progress)
    with ooxml.Transaction(source_path, target) as transaction:
        book = ooxml.open_book(source_path)    # again, locked: the file as it is now
        try:
            ooxml.check_content_type(book, source_path)
            plan = plan_update(book, observations, sheets)
            if plan.writes:
                # no modified date: the same update gives the same bytes
                book.write(transaction, plan.writes)
            elif source_path.resolve() != target.resolve():
                data = source_path.read_bytes()
                transaction.replace(lambda out: out.write(data))
        finally:
            book.close()
    return UpdateResult(target, plan.summary, len(plan.writes))


# --------------------------------------------------------------------------- Excel
def update_book(book, observations: Mapping[str, pd.Series],
                sheets: Sequence[DataSheet] | None = None) -> UpdatePlan:
    """Plan and apply an update to an open xlwings ``Book`` (nothing written on failure)."""
    from xlflows.report import live

    plan = plan_update(live.BookSource(book), observations, sheets)
    live.apply_plan(book, RefreshPlan(plan.writes, [], plan.summary))
    return plan


def update_and_refresh_caller() -> None:
    """From Excel: update the FRED series of the calling workbook, then refresh its Report.

    Downloads from FRED (or ``XLFLOWS_FRED_URL``). A problem is shown in a message box with its
    one-line reason and nothing is changed; the update's summary goes to the status bar.
    """
    import xlwings as xw

    from xlflows.report import live

    book = xw.Book.caller()
    try:
        fetch = fred.fred_downloader(os.environ.get(fred.URL_ENV) or fred.FRED_URL,
                                     timeout=fred.env_timeout())
        source = live.BookSource(book)
        sheets = sheets_to_update(source)
        for sheet in sheets:
            read_sheet(source, sheet)           # layout first: no download for a bad workbook
        observations = fred.fetch_all(fetch, lambda series: f"{series} from FRED",
                                      fred_series(sheets))
        plan = update_book(book, observations, sheets)
    except XlflowsError as exc:
        book.app.alert(str(exc), title="xlflows: nothing was updated")
        return
    book.app.status_bar = "xlflows: " + "; ".join(plan.summary)
    try:
        live.refresh_book(book)
    except XlflowsError as exc:
        book.app.alert(f"the data sheets were updated ({'; '.join(plan.summary)}), but the "
                       f"Report was not refreshed: {exc}", title="xlflows: nothing was refreshed")
