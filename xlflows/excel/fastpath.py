"""The fast path from Excel ranges to arrays, for the shape a UDF almost always gets.

A column of plain floats and a column of dates of one type, in order, without blanks: for that
shape the steps of :mod:`xlflows.excel.cells` reduce to a few whole-array operations on the flat
list, with no object arrays and no per-kind bookkeeping. Each reader here returns None as soon as
the input is not of that shape, and the general path (which also writes every message) takes
over; where the fast path answers, it answers exactly as the general path
(tests/test_excel_convert.py checks this on generated input).
"""

from __future__ import annotations

import datetime as dt
from operator import countOf

import numpy as np

from xlflows.excel import dates as xd
from xlflows.excel.cells import COM_ERROR_MAX, com_error_mask

#: Switch for the fast path (the tests turn it off to compare it with the general path).
ENABLED = True
_NUMBER_TYPES = frozenset({float, int})
#: Each byte of ISO text ``YYYY-MM-DD`` lies between these two (digits, then the hyphens).
_ISO_LOW = np.frombuffer(b"0000-00-00", dtype=np.uint8)
_ISO_HIGH = np.frombuffer(b"9999-99-99", dtype=np.uint8)
#: Length of ISO text ``YYYY-MM-DD``.
_ISO_LENGTH = 10


def flat(value: object) -> list | None:
    """The cells of a one-column list of one-cell rows, a one-row list or a flat list; else None."""
    if type(value) is not list or not value:
        return None
    first = value[0]
    if type(first) is not list:
        return value                        # flat (a cell that is a list fails the type checks)
    if len(value) == 1:
        return list(first)
    if countOf(map(type, value), list) != len(value):     # every row a list (not a subclass)
        return None
    try:
        return [cell for (cell,) in value]  # unpacking: exactly one cell per row
    except ValueError:                      # a row of 0 or 2+ cells: a 2-D or ragged range
        return None


def cell_types(cells: list) -> set:
    """The set of the cells' types; one counting pass when they share the first cell's type
    (the usual column), which costs about 30% less than building the set."""
    first = type(cells[0]) if cells else None
    if cells and countOf(map(type, cells), first) == len(cells):
        return {first}
    return set(map(type, cells))


def plain(values: np.ndarray) -> bool:
    """Every value finite and none a COM error code: the smallest and the largest value tell
    (NaN makes both NaN), and only a smallest value down among the codes needs the full mask."""
    if not values.size:
        return True
    low, high = values.min(), values.max()
    if not (np.isfinite(low) and np.isfinite(high)):
        return False
    return low > COM_ERROR_MAX or not com_error_mask(values).any()


def fast_numbers(cells: list, types: set | None = None) -> np.ndarray | None:
    """Every cell an int or float, finite and not a COM error code -> float64; else None.

    ``types``: the set of the cells' types when the caller has it already (one pass less).
    """
    if types is None:
        types = cell_types(cells)
    if not types <= _NUMBER_TYPES:
        return None
    values = _float_array(cells)
    return values if values is not None and plain(values) else None


def _float_array(cells: list) -> np.ndarray | None:
    """Int and float cells as float64; None when an int is beyond any float."""
    try:
        return np.fromiter(cells, dtype=float, count=len(cells))
    except OverflowError:
        return None


def _iso_bytes(texts: list) -> bytes | None:
    """Every text exactly ``YYYY-MM-DD`` in ASCII digits -> the texts joined as bytes; else None.

    Each text is 10 characters long (so the joined bytes fall into rows of 10 that are the
    texts), ASCII, and every byte lies between ``0000-00-00`` and ``9999-99-99`` — all checked
    in C on the joined bytes.
    """
    if countOf(map(len, texts), _ISO_LENGTH) != len(texts):
        return None
    try:
        joined = "".join(texts).encode("ascii")
    except UnicodeEncodeError:
        return None
    chars = np.frombuffer(joined, dtype=np.uint8).reshape(len(texts), _ISO_LENGTH)
    return joined if ((chars >= _ISO_LOW) & (chars <= _ISO_HIGH)).all() else None


def _fast_iso_days(cells: list) -> np.ndarray | None:
    """Every cell text ``YYYY-MM-DD`` (spaces around allowed) -> ``datetime64[D]``; else None."""
    joined = _iso_bytes(cells)
    if joined is None:
        joined = _iso_bytes([text.strip() for text in cells])  # spaces around: strip, look again
        if joined is None:
            return None
    try:                                    # numpy reads the dates from the bytes, no str pass
        return np.frombuffer(joined, dtype=f"S{_ISO_LENGTH}").astype("datetime64[D]")
    except ValueError:                      # 2024-02-30: named by the general path
        return None


def fast_days(cells: list) -> np.ndarray | None:
    """Every cell a date of one shape (date/datetime and subclasses, serial, ISO text), none
    before 1900-03-01 -> ``datetime64[D]``; else None."""
    types = cell_types(cells)
    if types <= _NUMBER_TYPES:
        serials = _float_array(cells)
        # serials from 61 (1900-03-01) to 9999-12-31: finite, none a COM code (all negative)
        if serials is None or serials.size and not (serials.min() >= xd.FIRST_SERIAL
                                                    and serials.max() < xd.LAST_SERIAL + 1):
            return None
        return xd.serials_to_days(serials)
    elif types == {str}:
        days = _fast_iso_days(cells)
    elif all(issubclass(t, dt.date) for t in types):
        days = xd.datetimes_to_days(cells)
    else:
        return None
    if days is None or (days.size and days.min() < xd.FIRST_DAY):
        return None
    return days


def fast_dated(values: object, dates: object) -> tuple[np.ndarray, np.ndarray] | None:
    """(float values, ``datetime64[us]`` dates strictly ascending) for the common shape; else None.

    Strictly ascending dates have no duplicates and need no sort.
    """
    cells, date_cells = flat(values), flat(dates)
    if cells is None or date_cells is None or len(cells) != len(date_cells):
        return None
    numbers = fast_numbers(cells)
    if numbers is None:
        return None
    days = fast_days(date_cells)
    if days is None:
        return None
    ticks = days.view(np.int64)             # no NaT here; int64 compares faster than dates
    if not (ticks[1:] > ticks[:-1]).all():
        return None
    return numbers, days.astype("datetime64[us]")


def clean_days(days: np.ndarray) -> np.ndarray | None:
    """Dates, every one present, on or after 1900-03-01 and strictly ascending, as
    ``datetime64[D]``; else None."""
    days = days.astype("datetime64[D]")
    if np.isnat(days).any() or (days.size and days.min() < xd.FIRST_DAY):
        return None
    ticks = days.view(np.int64)
    return days if (ticks[1:] > ticks[:-1]).all() else None


def plain_numbers(values: np.ndarray) -> bool:
    """No infinity and no number in the COM error range (the general path refuses both)."""
    values = values[~np.isnan(values)]
    return bool(np.isfinite(values).all()) and plain(values)
