"""Excel ranges -> the Series the core takes (SPEC §1, step 4), and typed columns the same way.

:func:`flow_series` and :func:`level_series` pair values with dates (same length), drop blank
rows, refuse duplicates and error cells, sort and check the length; they read the cells through
:mod:`xlflows.excel.cells` (steps 1-3), after :mod:`xlflows.excel.fastpath` has had a go at the
common shape. :func:`typed_flow_series` and :func:`typed_level_series` do the same for the typed
numpy columns the file engine reads, or give way to the general path. Scalar arguments are read
by :mod:`xlflows.excel.arguments`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from xlflows.errors import InputError
from xlflows.excel import dates as xd, fastpath
from xlflows.excel.cells import (
    NUMBER,
    TEXT,
    Locate,
    as_cells,
    as_floats,
    blank_mask,
    classify,
    com_error_mask,
    error_name,
    read_dates,
    read_numbers,
)

# --------------------------------------------------------------------------------------------
# Step 4: series
# --------------------------------------------------------------------------------------------

class FlowInput(NamedTuple):
    """Weekly flows ready for the core.

    Attributes
    ----------
    series : pd.Series
        float64, $bn, oldest first, no NaN; a DatetimeIndex when dates were given, else a
        RangeIndex.
    positions : np.ndarray
        For each element of ``series``, its 0-based position in the range as passed, so that
        results can be written back in input order.
    cells : int
        Number of cells in the range as passed (blank rows included): the length of a result
        written back in input order.
    """

    series: pd.Series
    positions: np.ndarray
    cells: int


def _check_same_length(n_values: int, n_dates: int, name: str, dates_name: str) -> None:
    if n_values != n_dates:
        raise InputError(f"{name} and {dates_name}: {n_values} rows vs {n_dates} rows, expected "
                         "the same length")


def _refuse_duplicates(days: np.ndarray, rows: np.ndarray, name: str, locate: Locate) -> None:
    """Raise ``dates: 2024-03-01 appears twice (rows 3 and 9)`` for the earliest repeated date."""
    order = np.argsort(days, kind="stable")
    sorted_days = days[order]
    dup = sorted_days[1:] == sorted_days[:-1]
    if not dup.any():
        return
    first = sorted_days[int(np.argmax(dup)) + 1]
    where = np.sort(rows[days == first])
    places = [locate(int(r)) for r in where]
    count = "twice" if len(where) == 2 else f"{len(where)} times"
    listed = ", ".join(places[:-1]) + " and " + places[-1]
    if all(p.startswith("row ") for p in places):
        listed = "rows " + ", ".join(p[4:] for p in places[:-1]) + " and " + places[-1][4:]
    day = pd.Timestamp(first).strftime("%Y-%m-%d")
    raise InputError(f"{name}: {day} appears {count} ({listed})")


def _refuse_errors(cells: np.ndarray, kinds: np.ndarray, name: str, locate: Locate,
                   expected: str) -> None:
    """Error cells never pass, not even where a row is otherwise dropped as blank (vectorised)."""
    suspect = np.zeros(len(cells), dtype=bool)
    num = np.flatnonzero(kinds == NUMBER)
    if len(num):
        v = as_floats(cells[num])
        suspect[num] = com_error_mask(v)
    txt = np.flatnonzero(kinds == TEXT)
    if len(txt):
        suspect[txt] = [t.lstrip().startswith("#") for t in cells[txt]]
    for k in np.flatnonzero(suspect):
        found = error_name(cells[k])
        if found is not None:
            raise InputError(f"{name}: {locate(int(k))} is {found}, expected {expected}")


def flow_series(values: object, dates: object = None, *, name: str = "flows",
                dates_name: str = "dates", locate: Locate | None = None,
                min_rows: int = 1) -> FlowInput:
    """Weekly flows (and optional week-ending dates) from Excel cells -> :class:`FlowInput`.

    Leading blanks (a category that starts later) and trailing blanks (an oversized range) are
    ignored together with their dates; a blank between two values is refused
    (``flows: row 5 is blank between values; weekly flows must be contiguous``). With dates: a
    row whose value and date are both blank is dropped; the others must have a date; duplicates
    are refused; the series is sorted oldest first and ``positions`` keeps the input rows.

    Parameters
    ----------
    values, dates
        Excel-shaped ranges (see :func:`as_cells`). ``dates`` as in :mod:`xlflows.excel.dates`.
    name, dates_name
        Argument names used in messages.
    locate
        ``locate(i) -> str`` names the ``i``-th cell (0-based) in messages; default ``row i+1``.
    min_rows
        Fewest values accepted after trimming blanks.
    """
    fast = (_fast_flow_series(values, dates, name, dates_name, min_rows) if fastpath.ENABLED
            else None)
    if fast is not None:
        return fast
    locate = locate or xd.default_locate
    cells = as_cells(values, name)
    kinds = classify(cells)
    nums = read_numbers(cells, name, locate, kinds)
    rows = np.arange(len(cells))
    values_f, blank = nums.values, nums.blank

    if dates is not None:
        dcells = as_cells(dates, dates_name)
        _check_same_length(len(cells), len(dcells), name, dates_name)
        dkinds = classify(dcells)
        _refuse_errors(dcells, dkinds, dates_name, locate, "a date")
        dblank = blank_mask(dcells, dkinds)
        keep = ~(blank & dblank)
        rows, values_f, blank = rows[keep], values_f[keep], blank[keep]
        days = read_dates(dcells[keep], dates_name, locate, dkinds[keep], rows=rows)
        _refuse_duplicates(days, rows, dates_name, locate)
        order = np.argsort(days, kind="stable")
        rows, values_f, blank, days = rows[order], values_f[order], blank[order], days[order]
    else:
        days = None

    filled = np.flatnonzero(~blank)
    if len(filled) < min_rows:
        found = "no numbers" if len(filled) == 0 else f"{len(filled)} number" + (
            "s" if len(filled) > 1 else "")
        raise InputError(f"{name}: {found} found, expected at least {min_rows}")
    lo, hi = filled[0], filled[-1] + 1
    inner = blank[lo:hi]
    if inner.any():
        k = lo + int(np.argmax(inner))
        raise InputError(f"{name}: {locate(int(rows[k]))} is blank between values; weekly flows "
                         "must be contiguous")
    rows, values_f = rows[lo:hi], values_f[lo:hi]
    if days is None:
        series = pd.Series(values_f, name=name)
    else:
        series = pd.Series(values_f, index=pd.DatetimeIndex(days[lo:hi], name=dates_name),
                           name=name)
    return FlowInput(series, rows, len(cells))


class LevelInput(NamedTuple):
    """Levels ready for the core, with the rows they came from.

    Attributes
    ----------
    series : pd.Series
        float64 levels on a sorted, unique DatetimeIndex, no NaN.
    positions : np.ndarray
        For each element of ``series``, its 0-based position in the range as passed.
    cells : int
        Number of cells in the range as passed (blank rows included).
    """

    series: pd.Series
    positions: np.ndarray
    cells: int


def level_input(dates: object, values: object, *, dates_name: str = "dates",
                values_name: str = "values", locate: Locate | None = None,
                min_rows: int = 1) -> LevelInput:
    """:func:`level_series` with the input row of each level, so that a result can be written
    back in input order (``FLOWS_FROM_LEVELS``)."""
    fast = (_fast_level_series(dates, values, dates_name, values_name, min_rows) if fastpath.ENABLED
            else None)
    if fast is not None:
        return LevelInput(fast, np.arange(fast.size), fast.size)
    locate = locate or xd.default_locate
    vcells = as_cells(values, values_name)
    dcells = as_cells(dates, dates_name)
    _check_same_length(len(vcells), len(dcells), values_name, dates_name)
    vkinds, dkinds = classify(vcells), classify(dcells)
    _refuse_errors(dcells, dkinds, dates_name, locate, "a date")
    nums = read_numbers(vcells, values_name, locate, vkinds)
    keep = np.flatnonzero(~nums.blank)
    if len(keep) < min_rows:
        raise InputError(f"{values_name}: {len(keep) or 'no'} number"
                         f"{'' if len(keep) == 1 else 's'} found, expected at least {min_rows}")
    days = read_dates(dcells[keep], dates_name, locate, dkinds[keep], rows=keep)
    _refuse_duplicates(days, keep, dates_name, locate)
    order = np.argsort(days, kind="stable")
    series = pd.Series(nums.values[keep][order],
                       index=pd.DatetimeIndex(days[order], name=dates_name), name=values_name)
    return LevelInput(series, keep[order], len(vcells))


def level_series(dates: object, values: object, *, dates_name: str = "dates",
                 values_name: str = "values", locate: Locate | None = None,
                 min_rows: int = 1) -> pd.Series:
    """Levels (a policy rate, fund assets) by date -> float Series on a sorted DatetimeIndex.

    A row with a blank value is dropped with its date (a daily series with gaps, an oversized
    range); a value without a date, duplicates and error cells anywhere are refused.
    """
    return level_input(dates, values, dates_name=dates_name, values_name=values_name,
                       locate=locate, min_rows=min_rows).series


def numbers_by_row(value: object, name: str, rows: int, other: str,
                   locate: Locate | None = None) -> np.ndarray:
    """A range read row by row beside another of ``rows`` cells (``assets`` beside ``flows``):
    float64 with NaN where blank; same length required; error cells, text and the like refused
    wherever they are."""
    flat = fastpath.flat(value) if fastpath.ENABLED else None
    fast = None if flat is None else fastpath.fast_numbers(flat)
    if fast is not None and fast.size == rows:
        return fast
    cells = as_cells(value, name)
    _check_same_length(rows, len(cells), other, name)
    return read_numbers(cells, name, locate or xd.default_locate).values


def number_list(value: object, name: str, locate: Locate | None = None,
                min_count: int = 1) -> np.ndarray:
    """A number or a range of numbers (blanks skipped, anything else refused) -> float array."""
    flat = fastpath.flat(value) if fastpath.ENABLED else None
    fast = None if flat is None else fastpath.fast_numbers(flat)
    if fast is not None and fast.size >= min_count:
        return fast
    locate = locate or xd.default_locate
    cells = as_cells(value, name)
    nums = read_numbers(cells, name, locate)
    out = nums.values[~nums.blank]
    if len(out) < min_count:
        raise InputError(f"{name}: {len(out) or 'no'} number{'' if len(out) == 1 else 's'} "
                         f"found, expected at least {min_count}")
    return out


def _fast_flow_series(values: object, dates: object, name: str, dates_name: str,
                      min_rows: int) -> FlowInput | None:
    """:func:`flow_series` for the common shape, or None."""
    if dates is None:
        cells = fastpath.flat(values)
        numbers = None if cells is None else fastpath.fast_numbers(cells)
        if numbers is None or numbers.size < max(min_rows, 1):
            return None
        return FlowInput(pd.Series(numbers, name=name), np.arange(numbers.size), numbers.size)
    dated = fastpath.fast_dated(values, dates)
    if dated is None or dated[0].size < max(min_rows, 1):
        return None
    numbers, days = dated
    index = pd.DatetimeIndex(days, name=dates_name)
    return FlowInput(pd.Series(numbers, index=index, name=name), np.arange(numbers.size),
                     numbers.size)


def _fast_level_series(dates: object, values: object, dates_name: str, values_name: str,
                       min_rows: int) -> pd.Series | None:
    """:func:`level_series` for the common shape, or None."""
    dated = fastpath.fast_dated(values, dates)
    if dated is None or dated[0].size < max(min_rows, 1):
        return None
    numbers, days = dated
    return pd.Series(numbers, index=pd.DatetimeIndex(days, name=dates_name), name=values_name)


# --------------------------------------------------------------------------------------------
# Typed columns: what the file engine reads without a Python object per cell
# --------------------------------------------------------------------------------------------
#
# The file engine reads a sheet column by column into numpy: numbers as float64 (NaN = blank)
# and date cells as datetime64 (NaT = blank). For the clean shape of a data sheet (every kept row
# dated on or after 1900-03-01, dates strictly ascending, blanks only around the values) these
# give the same series as the general path; anything else returns None, and the caller hands the
# cells to the general path, which also writes every message.


def typed_flow_series(values: np.ndarray, days: np.ndarray, *, name: str = "flows",
                      dates_name: str = "dates", min_rows: int = 1) -> FlowInput | None:
    """:func:`flow_series` of a typed column (values float64, NaN blank; days datetime64, NaT
    blank) in the clean shape, or None."""
    blank = np.isnan(values)
    keep = np.flatnonzero(~(blank & np.isnat(days)))
    if not len(keep):
        return None
    d = fastpath.clean_days(days[keep])
    if d is None:
        return None
    filled = np.flatnonzero(~blank[keep])
    if len(filled) < max(min_rows, 1):
        return None
    lo, hi = filled[0], filled[-1] + 1
    v = values[keep][lo:hi]
    if np.isnan(v).any() or not fastpath.plain_numbers(v):
        return None
    index = pd.DatetimeIndex(d[lo:hi].astype("datetime64[us]"), name=dates_name)
    return FlowInput(pd.Series(v, index=index, name=name), keep[lo:hi], len(values))


def typed_level_series(days: np.ndarray, values: np.ndarray, *, dates_name: str = "dates",
                       values_name: str = "values", min_rows: int = 1) -> pd.Series | None:
    """:func:`level_series` of a typed column pair in the clean shape, or None."""
    keep = ~np.isnan(values)
    if keep.sum() < max(min_rows, 1) or not fastpath.plain_numbers(values):
        return None
    d = fastpath.clean_days(days[keep])
    if d is None:
        return None
    return pd.Series(values[keep], index=pd.DatetimeIndex(d.astype("datetime64[us]"),
                                                          name=dates_name), name=values_name)
