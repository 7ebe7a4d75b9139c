"""Read the report's data sheets from a SheetSource, in named steps, and cut them at the as-of date.

Steps (each failure names its sheet and cell):

1. ``sheet``   — the sheet exists (``Flows``, ``Policy rate``, ``MMF assets``: their names and
   headers are declared in :mod:`xlflows.datasheets`; ``Retail MMF`` is optional: a workbook
   without it, or with its headers only, has no retail levels);
2. ``header``  — row 1 holds the expected headers (``Week ending`` + categories; ``Date``,
   ``Rate``; ``Date``, ``Assets`` twice), compared case- and space-insensitively;
3. ``dates``   — the date column through :func:`xlflows.excel.convert.level_series` with
   ``locate`` naming cells (``Flows!A17``);
4. ``values``  — each category through :func:`xlflows.excel.convert.flow_series` (leading blanks:
   a category that starts later), the levels through ``level_series``;
5. ``cut``     — :meth:`ReportData.cut`: every series is cut at the as-of date before anything is
   computed, and each source's last date used is recorded.

Units: flows in $bn, the policy rate in percent, MMF assets and retail MMF assets in $bn, as they
stand in the sheets.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from xlflows.a1 import column_letters
from xlflows.datasheets import (
    FLOWS,
    MMF_ASSETS,
    POLICY_RATE,
    RETAIL_MMF,
    DataSheet,
    blank,
    same_header,
)
from xlflows.errors import InputError, WorkbookError
from xlflows.excel.convert import flow_series, level_series, typed_flow_series, typed_level_series
from xlflows.report.plan import ColumnSource, SheetSource

if TYPE_CHECKING:
    from xlflows.ooxml.book import SheetColumns

FLOWS_SHEET = FLOWS.name
RATE_SHEET = POLICY_RATE.name
ASSETS_SHEET = MMF_ASSETS.name
RETAIL_SHEET = RETAIL_MMF.name
WEEK_HEADER = FLOWS.date_header
#: The sheets the report reads, by name (``Retail MMF`` only when the workbook has it).
REPORT_SHEETS = {sheet.name: sheet for sheet in (FLOWS, POLICY_RATE, MMF_ASSETS, RETAIL_MMF)}
#: Publisher of the FRED series below (data/SOURCES.md gives the citation).
FED_BOARD = "Board of Governors of the Federal Reserve System"
#: What each level sheet holds in the documented layout, as ``xlflows update`` fills it (the
#: series ids must agree with ``xlflows.update.TARGETS``; a test checks): named on the Report's
#: sources line with its publisher.
SERIES_SOURCES = {
    RATE_SHEET: ("FRED DFEDTAR, then DFEDTARU (upper limit of the target range) from "
                 f"16 Dec 2008, {FED_BOARD}"),
    ASSETS_SHEET: f"FRED MMMFFAQ027S, {FED_BOARD}, Z.1 Financial Accounts",
    # after the two above on the sources line, so "the Board" is named there (a shorter line)
    RETAIL_SHEET: "FRED WRMFNS, the Board's H.6",
}
#: How the sources line describes sample flows.
SAMPLE_SOURCE = "sample data, not real fund flows"
#: How it describes flows that are not marked as sample data.
FLOWS_SOURCE = "weekly net flows ($bn)"

#: A cell holding exactly this text (any case) anywhere on ``Flows`` marks its flows as sample data:
#: every flow sentence and the flows table then say so. Delete it when you paste real flows.
SAMPLE_MARK = "SAMPLE DATA"
#: Longest category header: it names placeholders, table rows and sentences.
MAX_CATEGORY_CHARS = 80
#: Most categories the Report lays out (one block of rows each).
MAX_CATEGORIES = 500


@dataclass
class ReportData:
    """The report's inputs, clean.

    Attributes
    ----------
    flows : dict of str -> Series
        Category header → weekly net flows in $bn on a DatetimeIndex (weeks ending), oldest first;
        a category that starts later has a shorter series. Insertion order = column order.
    columns : dict of str -> str
        Category header → its column letter on ``Flows`` (for messages).
    weeks : DatetimeIndex
        Every week ending of ``Flows`` (sorted).
    rate : Series
        Policy rate in percent, by date.
    assets : Series
        MMF assets in $bn, by date (as dated in the sheet).
    last_dates : dict of str -> Timestamp
        Each source's last date (after :meth:`cut`: the last date used); ``Retail MMF`` only when
        it has a level.
    sample : bool
        Whether ``Flows`` is marked as sample data (a cell reading :data:`SAMPLE_MARK`).
    retail : Series or None
        Retail money-market funds' assets in $bn by week (``Retail MMF``); empty when the sheet
        holds only its headers, None when the workbook has no such sheet.
    """

    flows: dict[str, pd.Series]
    columns: dict[str, str]
    weeks: pd.DatetimeIndex
    rate: pd.Series
    assets: pd.Series
    last_dates: dict[str, pd.Timestamp] = field(default_factory=dict)
    sample: bool = False
    retail: pd.Series | None = None

    def cut(self, as_of: pd.Timestamp) -> ReportData:
        """Every series up to and including ``as_of`` (a new object; nothing after it remains).

        Raises
        ------
        WorkbookError
            When ``as_of`` is before the first week of ``Flows``, or no policy rate or MMF asset
            observation is on or before it (retail levels may all be later: the report then says
            it has none).
        """
        as_of = pd.Timestamp(as_of).normalize()
        weeks = self.weeks[self.weeks <= as_of]
        if len(weeks) == 0:
            raise WorkbookError(f"as of {as_of:%Y-%m-%d} is before the first week of "
                                f"{FLOWS_SHEET} ({self.weeks[0]:%Y-%m-%d}); expected a later date")
        flows = {name: s[s.index <= as_of] for name, s in self.flows.items()}
        rate = self.rate[self.rate.index <= as_of]
        assets = self.assets[self.assets.index <= as_of]
        for label, series in ((RATE_SHEET, rate), (ASSETS_SHEET, assets)):
            if len(series) == 0:
                raise WorkbookError(f"{label}: no observation on or before the as-of date "
                                    f"{as_of:%Y-%m-%d}; expected data that starts earlier")
        retail = None if self.retail is None else self.retail[self.retail.index <= as_of]
        last = {FLOWS_SHEET: weeks[-1], RATE_SHEET: rate.index[-1],
                ASSETS_SHEET: assets.index[-1]}
        if retail is not None and len(retail):
            last[RETAIL_SHEET] = retail.index[-1]
        return replace(self, flows=flows, weeks=weeks, rate=rate, assets=assets, last_dates=last,
                       retail=retail)


def dates_of(series: pd.Series) -> pd.DatetimeIndex:
    """The dates a series of the report is indexed by.

    Every series of a :class:`ReportData` is on a DatetimeIndex (``flow_series`` and
    ``level_series`` make them so, :meth:`ReportData.cut` keeps the index), and so is every
    series the report computes from them; this says so to the type checker, checked.

    Raises
    ------
    TypeError
        ``series`` has no dates: an error of xlflows, not of the workbook.
    """
    index = series.index
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError(f"the report's series {series.name!r} is not indexed by dates")
    return index


class _RowsTable:
    """A data sheet read as rows of Python values (the live engines' ``rows``)."""

    def __init__(self, rows: list[list[object]]):
        self.rows = _trim(rows)

    @property
    def header(self) -> list[object]:
        return self.rows[0] if self.rows else []

    def __len__(self) -> int:
        return len(self.rows)

    def values(self, j: int) -> list[object]:
        """Column ``j`` (0-based) under the header, as cells."""
        return _column(self.rows, j)

    def typed(self, j: int) -> tuple[np.ndarray, np.ndarray] | None:
        return None

    def marked(self) -> bool:
        return is_sample(self.rows)


class _ColumnsTable:
    """A data sheet read column by column into numpy (the file engine's ``columns``): no Python
    object per number or date; cells are made only for a column the typed path cannot take."""

    def __init__(self, table: SheetColumns):
        self.table = table
        last = 0
        for column in table.columns.values():
            filled = ~np.isnan(column.numbers) | ~np.isnat(column.dates)
            for i, value in column.others.items():
                filled[i] = not blank(value)
            if filled.any():
                last = max(last, int(column.rows[np.flatnonzero(filled)[-1]]) + 1)
        self.n = last

    @property
    def header(self) -> list[object]:
        if not self.n:
            return []
        width = max((c for c, col in self.table.columns.items()
                     if len(col.rows) and col.rows[0] == 0), default=0)
        return [self.table.value(1, c) for c in range(1, width + 1)]

    def __len__(self) -> int:
        return self.n

    def _dense(self, j: int):
        column = self.table.columns.get(j + 1)
        if column is None:
            return (np.full(self.n, np.nan),
                    np.full(self.n, np.datetime64("NaT"), "datetime64[us]"),
                    {})
        return column.dense(self.n)

    def values(self, j: int) -> list[object]:
        numbers, dates, others = self._dense(j)
        cells = dates.astype(object)
        cells[np.isnat(dates)] = None
        number = ~np.isnan(numbers)
        cells[number] = numbers[number].tolist()
        for i, value in others.items():
            cells[i] = value
        return cells[1:].tolist()

    def typed(self, j: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(numbers, dates) under the header when column ``j`` holds only numbers and dates."""
        numbers, dates, others = self._dense(j)
        if any(i > 0 for i in others):
            return None
        return numbers[1:], dates[1:]

    def marked(self) -> bool:
        mark = SAMPLE_MARK.lower()
        return any(isinstance(v, str) and v.strip().lower() == mark
                   for column in self.table.columns.values() for v in column.others.values())


def _sheet_table(source: SheetSource, sheet: str) -> _ColumnsTable | _RowsTable:
    """Step ``sheet``: the sheet as a table, or a WorkbookError naming the missing sheet."""
    if sheet not in source.sheet_names():
        raise WorkbookError(f"the workbook has no '{sheet}' sheet; expected one with "
                            f"{_expected(sheet)} in row 1")
    table: _ColumnsTable | _RowsTable = (
        _ColumnsTable(source.columns(sheet)) if isinstance(source, ColumnSource)
        else _RowsTable(source.rows(sheet)))
    if not len(table) or not any(v is not None for v in table.header):
        raise WorkbookError(f"{sheet}!A1 is blank; expected {_expected(sheet)} in row 1")
    return table


def _expected(sheet: str) -> str:
    return REPORT_SHEETS[sheet].expected_headers


def _check_header(sheet: str, header: list[object], wanted: tuple[str, ...]) -> None:
    """Step ``header``: row 1 starts with ``wanted``."""
    for j, name in enumerate(wanted):
        found = header[j] if j < len(header) else None
        if not same_header(found, name):
            shown = "blank" if found is None else f"'{found}'"
            raise WorkbookError(f"{sheet}!{column_letters(j + 1)}1 is {shown}, expected "
                                f"'{name}' ({_expected(sheet)} in row 1)")


def _blank_column(table, j: int) -> bool:
    """Whether column ``j`` (0-based) holds nothing under the header (blank text counts as
    nothing): a sheet whose only cells below row 1 are notes beside the data."""
    typed = table.typed(j)
    if typed is not None:
        return bool(np.isnan(typed[0]).all() and np.isnat(typed[1]).all())
    return all(blank(v) for v in table.values(j))


def _column(rows: list[list[object]], j: int) -> list[object]:
    return [row[j] if j < len(row) else None for row in rows[1:]]


def _trim(rows: list[list[object]]) -> list[list[object]]:
    """Drop trailing rows that are blank everywhere (an oversized used range)."""
    end = len(rows)
    while end > 1 and all(blank(v) for v in rows[end - 1]):
        end -= 1
    return rows[:end]


def _converted(step, *args, **kwargs):
    """Run a conversion step; its InputError (which already names the cell) becomes a
    WorkbookError, since the problem is in the workbook, not in an argument."""
    try:
        return step(*args, **kwargs)
    except InputError as exc:
        raise WorkbookError(str(exc)) from None


def check_category_name(name: str, where: str) -> None:
    """Refuse a category header too long to name placeholders, rows and sentences."""
    if len(name) > MAX_CATEGORY_CHARS:
        raise WorkbookError(f"{where} is a category name of {len(name):,} characters; expected at "
                            f"most {MAX_CATEGORY_CHARS} (it names placeholders, table rows and "
                            "sentences)")


def is_sample(rows: list[list[object]]) -> bool:
    """Whether a sheet's rows hold the sample-data mark (:data:`SAMPLE_MARK`) in some cell."""
    mark = SAMPLE_MARK.lower()
    return any(isinstance(v, str) and v.strip().lower() == mark for row in rows for v in row)


def read_flows(source: SheetSource
               ) -> tuple[dict[str, pd.Series], dict[str, str], pd.DatetimeIndex]:
    """``Flows``: week endings in column A, one category per non-empty header after it."""
    table = _sheet_table(source, FLOWS_SHEET)
    header = table.header
    _check_header(FLOWS_SHEET, header, FLOWS.headers)
    categories = [(j, str(h).strip()) for j, h in enumerate(header) if j > 0
                  and h is not None and str(h).strip()]
    for j, name in categories:
        check_category_name(name, f"{FLOWS_SHEET}!{column_letters(j + 1)}1")
    if not categories:
        raise WorkbookError(f"{FLOWS_SHEET}!B1 is blank; expected category headers after "
                            f"'{WEEK_HEADER}' (one column of weekly flows each)")
    if len(categories) > MAX_CATEGORIES:
        raise WorkbookError(f"{FLOWS_SHEET} has {len(categories):,} categories; the Report lays "
                            f"out at most {MAX_CATEGORIES:,} (one block each): move the others to "
                            "another sheet")
    seen: dict[str, str] = {}
    for j, name in categories:
        key = name.lower()
        if key in seen:
            raise WorkbookError(f"{FLOWS_SHEET}!{column_letters(j + 1)}1 repeats the category "
                                f"'{name}' ({FLOWS_SHEET}!{seen[key]}1); expected unique headers")
        seen[key] = column_letters(j + 1)
    if len(table) < 2 or _blank_column(table, 0):
        # nothing under the header but, perhaps, a note beside the data (as `xlflows new` puts)
        raise WorkbookError(f"{FLOWS_SHEET}!A2 is blank; expected weekly flows under the header")
    typed_dates = table.typed(0)
    days = None
    if typed_dates is not None and np.isnan(typed_dates[0]).all():
        days = typed_dates[1]
        if typed_level_series(days, np.ones(len(days)), dates_name=WEEK_HEADER) is None:
            days = None
    dates = None
    if days is None:
        # Step "dates": every row with any value needs a valid, unique week ending in column A.
        dates = table.values(0)
        _converted(level_series, dates, [1.0] * len(dates), dates_name=WEEK_HEADER,
                   values_name=WEEK_HEADER, locate=lambda i: f"{FLOWS_SHEET}!A{i + 2}")
    flows, columns = {}, {}
    for j, name in categories:
        letter = column_letters(j + 1)
        fi = None
        if days is not None:
            typed = table.typed(j)
            if typed is not None and np.isnat(typed[1]).all():
                fi = typed_flow_series(typed[0], days, name=f"{name} flows",
                                       dates_name=WEEK_HEADER)
        if fi is None:
            if dates is None:
                dates = table.values(0)
            fi = _converted(flow_series, table.values(j), dates, name=f"{name} flows",
                            dates_name=WEEK_HEADER,
                            locate=lambda i, letter=letter: f"{FLOWS_SHEET}!{letter}{i + 2}")
        series = fi.series.astype(float)
        series.name = name
        flows[name] = series
        columns[name] = letter
    # The weeks of the report are those with at least one flow (dates typed ahead are ignored).
    weeks = flows[categories[0][1]].index
    for series in flows.values():
        weeks = weeks.union(series.index)
    return flows, columns, pd.DatetimeIndex(weeks)


def read_levels(source: SheetSource, declared: DataSheet) -> pd.Series:
    """``Policy rate`` / ``MMF assets`` / ``Retail MMF``: ``Date`` in column A, the level in
    column B. A sheet with nothing under its headers (notes beside the data aside) is refused
    when ``declared`` is required and read as an empty Series when it is optional."""
    sheet = declared.name
    table = _sheet_table(source, sheet)
    _check_header(sheet, table.header, declared.headers)
    if len(table) < 2 or (_blank_column(table, 0) and _blank_column(table, 1)):
        if not declared.required:
            return pd.Series([], index=pd.DatetimeIndex([]), dtype=float)
        raise WorkbookError(f"{sheet}!A2 is blank; expected dated values under the header")
    dates_name, values_name = f"{sheet} dates", f"{sheet} values"
    typed_dates, typed_values = table.typed(0), table.typed(1)
    if typed_dates is not None and typed_values is not None and np.isnan(typed_dates[0]).all() \
            and np.isnat(typed_values[1]).all():
        series = typed_level_series(typed_dates[1], typed_values[0], dates_name=dates_name,
                                    values_name=values_name)
        if series is not None:
            return series
    dates, values = table.values(0), table.values(1)
    # Dates first with placeholders for the values, so a bad date is named in column A ...
    present = [None if blank(v) else 1.0 for v in values]
    _converted(level_series, dates, present, dates_name=dates_name, values_name=values_name,
               locate=lambda i: f"{sheet}!A{i + 2}")
    # ... then the values, named in column B.
    series = _converted(level_series, dates, values, dates_name=dates_name,
                        values_name=values_name, locate=lambda i: f"{sheet}!B{i + 2}")
    return series.astype(float)


def read_report_data(source: SheetSource) -> ReportData:
    """Steps 1–4 for the data sheets → :class:`ReportData` (not yet cut); ``Retail MMF`` only
    when the workbook has that sheet."""
    flows, columns, weeks = read_flows(source)
    rate = read_levels(source, POLICY_RATE)
    assets = read_levels(source, MMF_ASSETS)
    retail = (read_levels(source, RETAIL_MMF) if RETAIL_SHEET in source.sheet_names()
              else None)
    last = {FLOWS_SHEET: weeks[-1], RATE_SHEET: rate.index[-1], ASSETS_SHEET: assets.index[-1]}
    if retail is not None and len(retail):
        last[RETAIL_SHEET] = retail.index[-1]
    return ReportData(flows, columns, weeks, rate, assets, last,
                      sample=_sheet_table(source, FLOWS_SHEET).marked(), retail=retail)
