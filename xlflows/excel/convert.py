"""The one normalisation path from Excel range values to clean pandas Series (SPEC §1).

Every UDF and the report reader go through the same small, named, vectorised steps:

1. :func:`as_cells` — shape: a scalar, a list, a list of lists (one row or one column, as xlwings
   and COM hand them over), a numpy array or a Series -> one flat object array. A genuinely 2-D
   range (m × n with m, n > 1) or a ragged one is refused.
2. :func:`classify` — one pass that gives every cell a kind (number, text, bool, date, blank,
   other); everything after works on whole arrays per kind.
3. :func:`read_numbers` / :func:`read_dates` — blanks (``None``, ``""``, whitespace text, NaT),
   error cells (the literals in :data:`ERROR_LITERALS` and the raw COM integers
   −2146826288 … −2146826230, which never pass as numbers), numbers as text, dates.
4. :func:`flow_series` / :func:`level_series` — pairing with dates (same length), blank rows,
   duplicates, sort, too short.

Decisions (documented in README.md, "Function reference"):

* Numbers as text: ``"12.3"``, ``" -4 "``, ``"1e3"`` and a leading U+2212 minus are read as
  numbers. Thousands separators (``"1,234.5"``) are refused: in many locales the comma is the
  decimal mark, so the text is ambiguous — the message says to remove them.
* Booleans in numeric data are refused ("row 3 is TRUE, expected a number"): Excel's SUM skips
  them in ranges, reading them as 1/0 would change a total, and skipping them would hide a gap.
* NaN and infinite floats (never produced by Excel, possible from Python callers) are refused.

Messages name the argument, the place (``locate(i)``, by default ``row i+1``), what was found and
what was expected: ``flows: row 17 is #N/A, expected a number``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from operator import countOf
from typing import Callable, NamedTuple, Sequence

import numpy as np
import pandas as pd

from xlflows.core import validate
from xlflows.errors import InputError
from xlflows.excel import dates as xd

Locate = Callable[[int], str]

# --------------------------------------------------------------------------------------------
# Error cells
# --------------------------------------------------------------------------------------------

#: COM HRESULT of an Excel error cell = this base + the CVErr number (2000 #NULL! ... 2050 #CALC!).
_COM_ERROR_BASE = -2146828288
#: Range of integers read as error cells (CVErr 2000 .. 2058, including codes Excel may add).
COM_ERROR_MIN = -2146826288
COM_ERROR_MAX = -2146826230

#: CVErr number -> the literal Excel shows.
_CVERR = {
    2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?",
    2036: "#NUM!", 2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!", 2046: "#CONNECT!",
    2047: "#BLOCKED!", 2048: "#UNKNOWN!", 2049: "#FIELD!", 2050: "#CALC!", 2051: "#BUSY!",
}
#: COM integer -> literal, e.g. -2146826246 -> "#N/A".
COM_ERRORS = {_COM_ERROR_BASE + k: v for k, v in _CVERR.items()}
#: The error literals a cell can show (compared after stripping, case-insensitively).
ERROR_LITERALS = frozenset(_CVERR.values())
_ERROR_LITERALS_UPPER = frozenset(e.upper() for e in ERROR_LITERALS)


def _float(value: object) -> float:
    """A number as a float; an int beyond any float becomes ±inf (never an OverflowError)."""
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def _floats(cells: np.ndarray) -> np.ndarray:
    """Number cells as float64, vectorised; ints beyond any float become ±inf."""
    try:
        return np.array(cells.tolist(), dtype=float)
    except OverflowError:
        return np.array([_float(v) for v in cells.tolist()], dtype=float)


def error_name(value: object) -> str | None:
    """The Excel error shown by ``value`` (``"#N/A"``…), or None when it is not an error cell."""
    if isinstance(value, str):
        text = value.strip().upper()
        return text if text in _ERROR_LITERALS_UPPER else None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
            value, (bool, np.bool_)):
        v = _float(value)
        if COM_ERROR_MIN <= v <= COM_ERROR_MAX and v == int(v):
            return COM_ERRORS.get(int(v), f"an error cell (code {int(v)})")
    return None


def com_error_mask(values: np.ndarray) -> np.ndarray:
    """Mask of floats that are raw COM error codes (whole numbers in the error range)."""
    return (values >= COM_ERROR_MIN) & (values <= COM_ERROR_MAX) & (values == np.floor(values))


# --------------------------------------------------------------------------------------------
# Step 1: shape
# --------------------------------------------------------------------------------------------

_SEQ = (list, tuple)


def as_cells(value: object, name: str) -> np.ndarray:
    """Any Excel-shaped argument -> a flat 1-D object array of cells, in range order.

    Accepts a scalar (one cell), a flat list/tuple (xlwings' 1-row or 1-column range), a list of
    rows (``[[a], [b]]`` vertical or ``[[a, b]]`` horizontal, as COM and ``ndim=2`` give them),
    a numpy array with at most one dimension longer than 1, or a pandas Series/Index.

    Raises
    ------
    InputError
        ``flows: a range of 5 rows × 3 columns, expected a single row or column``; ragged rows;
        a mix of cells and rows.
    """
    if isinstance(value, (pd.Series, pd.Index)):
        return np.asarray(value.array, dtype=object).ravel() if len(value) else _EMPTY
    if isinstance(value, pd.DataFrame):
        return as_cells(value.to_numpy(dtype=object), name)
    if isinstance(value, np.ndarray):
        if value.ndim <= 1:
            return value.astype(object).ravel()
        if value.ndim == 2:
            return _from_rows(value.astype(object), value.shape, name)
        raise InputError(f"{name}: a {value.ndim}-dimensional array, expected a single row or "
                         "column")
    if not isinstance(value, _SEQ):
        return _object_array([value])
    if len(value) == 0:
        return _EMPTY
    row_types = set(map(type, value))
    if not row_types & {list, tuple}:                       # flat: one row or one column
        return _object_array(value)
    if not row_types <= {list, tuple}:
        raise InputError(f"{name}: mixes single cells and rows, expected a single row or column")
    widths = set(map(len, value))
    if len(widths) > 1:
        raise InputError(f"{name}: rows of {min(widths)} to {max(widths)} cells, expected a "
                         "single row or column of the same length")
    return _from_rows(value, (len(value), widths.pop()), name)


_EMPTY = np.empty(0, dtype=object)


def _object_array(seq: Sequence) -> np.ndarray:
    try:
        out = np.array(seq, dtype=object)
        if out.ndim == 1:
            return out
    except ValueError:                      # ragged lists inside cells
        pass
    # cells that are themselves lists: fromiter never turns them into a second dimension
    return np.fromiter(seq, dtype=object, count=len(seq))


def _from_rows(rows, shape: tuple[int, int], name: str) -> np.ndarray:
    n_rows, n_cols = shape
    if n_rows == 1:
        return _object_array(list(rows[0]))
    if n_cols == 1:
        return _object_array([r[0] for r in rows])
    if n_cols == 0:
        return _EMPTY
    raise InputError(f"{name}: a range of {n_rows} rows × {n_cols} columns, expected a single "
                     "row or column")


# --------------------------------------------------------------------------------------------
# Step 2: classify
# --------------------------------------------------------------------------------------------

NUMBER, TEXT, BOOL, DATETIME, BLANK, OTHER = range(6)

_KIND = {
    float: NUMBER, int: NUMBER, np.float64: NUMBER, np.float32: NUMBER, np.int64: NUMBER,
    np.int32: NUMBER, str: TEXT, bool: BOOL, np.bool_: BOOL, type(None): BLANK,
    dt.datetime: DATETIME, dt.date: DATETIME, pd.Timestamp: DATETIME, np.datetime64: DATETIME,
    type(pd.NaT): BLANK,
}


def _kind_of_type(t: type) -> int:
    """Kind of the cells of type ``t`` not in the table: subclasses (the COM date type is a
    ``datetime`` subclass), other numpy scalars."""
    if issubclass(t, (bool, np.bool_)):
        return BOOL
    if issubclass(t, (int, float, np.integer, np.floating)):
        return NUMBER
    if issubclass(t, str):
        return TEXT
    if issubclass(t, (dt.date, np.datetime64)):
        return DATETIME
    return OTHER


class _KindTable(dict):
    """Exact type -> kind; a type met for the first time is resolved once and remembered."""

    def __missing__(self, key: type) -> int:
        kind = _kind_of_type(key)
        if len(self) < 256:                     # a handful of types in practice; stay bounded
            self[key] = kind
        return kind


_KIND_TABLE = _KindTable(_KIND)


def classify(cells: np.ndarray) -> np.ndarray:
    """One ``int8`` kind per cell (NUMBER, TEXT, BOOL, DATETIME, BLANK, OTHER); one C-level pass.

    The kind depends on the cell's type only; subclasses take their base class's kind.
    """
    types = set(map(type, cells))
    if len(types) == 1:                                          # one type: no second pass
        return np.full(len(cells), _KIND_TABLE[types.pop()], dtype=np.int8)
    return np.fromiter(map(_KIND_TABLE.__getitem__, map(type, cells)), dtype=np.int8,
                       count=len(cells))


# --------------------------------------------------------------------------------------------
# Step 3: numbers and dates
# --------------------------------------------------------------------------------------------

_NUMBER_TEXT = validate.NUMBER_TEXT
_THOUSANDS = re.compile(r"^[+\-\u2212]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")


def describe(value: object) -> str:
    """What a cell holds, in an analyst's words (no Python type names): ``text 'abc'``, ``#N/A``."""
    err = error_name(value)
    if err is not None:
        return err
    if value is None or value is pd.NaT:
        return "blank"
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        if not value.strip():
            return "blank"
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"text {shown!r}"
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = _float(value)
        if np.isnan(v):
            return "NaN (not a number)"
        if np.isinf(v):
            return ("a number beyond the largest a cell can hold"
                    if isinstance(value, (int, np.integer)) else "an infinite number")
        return f"the number {v:g}"
    if isinstance(value, dt.date):
        return f"a date ({value.year:04d}-{value.month:02d}-{value.day:02d})"
    if isinstance(value, np.datetime64):
        try:
            return f"a date ({pd.Timestamp(value):%Y-%m-%d})"
        except (ValueError, OverflowError):
            return "a date"
    if isinstance(value, (list, tuple, np.ndarray)):
        return "a list of values, not a single cell"
    return "a value that is not a number, text or date"


def _blank_text(cells: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Mask of text cells that are empty or whitespace only."""
    mask = np.zeros(len(cells), dtype=bool)
    idx = np.flatnonzero(kinds == TEXT)
    if len(idx):
        mask[idx] = [not s.strip() for s in cells[idx]]
    return mask


def _not_a_number(cell: object) -> str:
    """The end of a message refusing ``cell`` where a number was expected."""
    if isinstance(cell, str):
        text = cell.strip()
        if _THOUSANDS.match(text):
            return f"{describe(cell)}, expected a number (without thousands separators)"
        if _NUMBER_TEXT.match(text):
            return (f"{describe(cell)}, a number beyond the largest a cell can hold, expected "
                    "a number")
    return f"{describe(cell)}, expected a number"


class Numbers(NamedTuple):
    """Result of :func:`read_numbers`: float values (NaN where blank) and the blank mask."""

    values: np.ndarray
    blank: np.ndarray


def read_numbers(cells: np.ndarray, name: str, locate: Locate = xd.default_locate,
                 kinds: np.ndarray | None = None) -> Numbers:
    """Cells -> float64 values; blanks become NaN (flagged in ``blank``); anything else refused.

    Numbers, and text that is a plain number, are accepted. The first cell (in range order) that
    is an error cell, a bool, a date, other text, NaN or infinite raises
    ``InputError("flows: row 17 is #N/A, expected a number")``.
    """
    n = len(cells)
    if kinds is None:
        kinds = classify(cells)
    values = np.full(n, np.nan)
    bad = np.zeros(n, dtype=bool)

    num = np.flatnonzero(kinds == NUMBER)
    if len(num):
        v = _floats(cells[num])
        values[num] = v
        com = com_error_mask(v)
        bad[num] = com | ~np.isfinite(v)

    blank = kinds == BLANK
    txt = np.flatnonzero(kinds == TEXT)
    if len(txt):
        stripped = [s.strip() for s in cells[txt]]
        for j, s in zip(txt, stripped):
            if not s:
                blank[j] = True
            elif _NUMBER_TEXT.match(s):
                values[j] = float(s.replace("\u2212", "-"))
                bad[j] = not math.isfinite(values[j])      # 1e999: beyond any float
            else:
                bad[j] = True
    bad |= (kinds == BOOL) | (kinds == DATETIME) | (kinds == OTHER)
    if bad.any():
        k = int(np.argmax(bad))
        raise InputError(f"{name}: {locate(k)} is {_not_a_number(cells[k])}")
    return Numbers(values, blank)


def read_dates(cells: np.ndarray, name: str, locate: Locate = xd.default_locate,
               kinds: np.ndarray | None = None, *, rows: np.ndarray | None = None) -> np.ndarray:
    """Cells (none blank) -> ``datetime64[us]`` at midnight.

    Accepts ``datetime``/``date``/``Timestamp``, Excel serials (>= 61) and ISO text. ``rows`` maps
    each cell to its position in the original range (for messages; default ``0..n-1``).
    """
    n = len(cells)
    if rows is None:
        rows = np.arange(n)
    if kinds is None:
        kinds = classify(cells)
    days = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    bad = np.zeros(n, dtype=bool)

    dtm = np.flatnonzero(kinds == DATETIME)
    if len(dtm):
        days[dtm] = xd.datetimes_to_days(cells[dtm].tolist())
    num = np.flatnonzero(kinds == NUMBER)
    if len(num):
        serials = _floats(cells[num])
        com = com_error_mask(serials)
        bad[num] = com
        ok = ~com
        out_of_range = ok & xd.bad_serials(serials)
        bad[num] |= out_of_range         # reported below, after any earlier bad cell
        good = ok & ~out_of_range
        days[num[good]] = xd.serials_to_days(serials[good])
    txt = np.flatnonzero(kinds == TEXT)
    if len(txt):
        parsed, ok = xd.parse_iso_many(cells[txt].tolist())
        days[txt[ok]] = parsed[ok]
        bad[txt[~ok]] = True
    early = xd.before_first_day(days)               # datetimes and ISO text, like serials < 61
    bad |= early | (kinds == BOOL) | (kinds == OTHER) | (kinds == BLANK)
    if bad.any():
        k = int(np.argmax(bad))
        cell = cells[k]
        if kinds[k] == NUMBER and error_name(cell) is None:
            xd.check_serials(np.array([float(cell)]), rows[k:k + 1], name, locate)
        why = xd.BEFORE_FIRST_DAY if early[k] else "expected a date"
        raise InputError(f"{name}: {locate(int(rows[k]))} is {describe(cell)}, {why}")
    return days.astype("datetime64[us]")


def _blank_mask(cells: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    return (kinds == BLANK) | _blank_text(cells, kinds)


# --------------------------------------------------------------------------------------------
# Fast path: the common shape (every value a number, every date one date type, oldest first)
# --------------------------------------------------------------------------------------------
#
# A UDF almost always receives a column of plain floats and a column of dates of one type, in
# order, without blanks. For that shape the steps above reduce to a few whole-array operations
# on the flat list, with no object arrays and no per-kind bookkeeping. Each fast reader returns
# None as soon as the input is not of that shape, and the general path (which also writes every
# message) takes over; where the fast path answers, it answers exactly as the general path
# (tests/test_excel_convert.py checks this on generated input).

#: Switch for the fast path (the tests turn it off to compare it with the general path).
FAST_PATH = True
_NUMBER_TYPES = frozenset({float, int})
#: Each byte of ISO text ``YYYY-MM-DD`` lies between these two (digits, then the hyphens).
_ISO_LOW = np.frombuffer(b"0000-00-00", dtype=np.uint8)
_ISO_HIGH = np.frombuffer(b"9999-99-99", dtype=np.uint8)
#: Length of ISO text ``YYYY-MM-DD``.
_ISO_LENGTH = 10


def _flat(value: object) -> list | None:
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


def _types(cells: list) -> set:
    """The set of the cells' types; one counting pass when they share the first cell's type
    (the usual column), which costs about 30% less than building the set."""
    first = type(cells[0]) if cells else None
    if cells and countOf(map(type, cells), first) == len(cells):
        return {first}
    return set(map(type, cells))


def _plain(values: np.ndarray) -> bool:
    """Every value finite and none a COM error code: the smallest and the largest value tell
    (NaN makes both NaN), and only a smallest value down among the codes needs the full mask."""
    if not values.size:
        return True
    low, high = values.min(), values.max()
    if not (np.isfinite(low) and np.isfinite(high)):
        return False
    return low > COM_ERROR_MAX or not com_error_mask(values).any()


def _fast_numbers(cells: list, types: set | None = None) -> np.ndarray | None:
    """Every cell an int or float, finite and not a COM error code -> float64; else None.

    ``types``: the set of the cells' types when the caller has it already (one pass less).
    """
    if types is None:
        types = _types(cells)
    if not types <= _NUMBER_TYPES:
        return None
    values = _float_array(cells)
    return values if values is not None and _plain(values) else None


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


def _fast_days(cells: list) -> np.ndarray | None:
    """Every cell a date of one shape (date/datetime and subclasses, serial, ISO text), none
    before 1900-03-01 -> ``datetime64[D]``; else None."""
    types = _types(cells)
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


def _fast_dated(values: object, dates: object) -> tuple[np.ndarray, np.ndarray] | None:
    """(float values, ``datetime64[us]`` dates strictly ascending) for the common shape; else None.

    Strictly ascending dates have no duplicates and need no sort.
    """
    cells, date_cells = _flat(values), _flat(dates)
    if cells is None or date_cells is None or len(cells) != len(date_cells):
        return None
    numbers = _fast_numbers(cells)
    if numbers is None:
        return None
    days = _fast_days(date_cells)
    if days is None:
        return None
    ticks = days.view(np.int64)             # no NaT here; int64 compares faster than dates
    if not (ticks[1:] > ticks[:-1]).all():
        return None
    return numbers, days.astype("datetime64[us]")


def _fast_flow_series(values: object, dates: object, name: str, dates_name: str,
                      min_rows: int) -> FlowInput | None:
    """:func:`flow_series` for the common shape, or None."""
    if dates is None:
        cells = _flat(values)
        numbers = None if cells is None else _fast_numbers(cells)
        if numbers is None or numbers.size < max(min_rows, 1):
            return None
        return FlowInput(pd.Series(numbers, name=name), np.arange(numbers.size), numbers.size)
    dated = _fast_dated(values, dates)
    if dated is None or dated[0].size < max(min_rows, 1):
        return None
    numbers, days = dated
    index = pd.DatetimeIndex(days, name=dates_name)
    return FlowInput(pd.Series(numbers, index=index, name=name), np.arange(numbers.size),
                     numbers.size)


def _fast_level_series(dates: object, values: object, dates_name: str, values_name: str,
                       min_rows: int) -> pd.Series | None:
    """:func:`level_series` for the common shape, or None."""
    dated = _fast_dated(values, dates)
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


def _clean_days(days: np.ndarray) -> np.ndarray | None:
    """Dates, every one present, on or after 1900-03-01 and strictly ascending, as
    ``datetime64[D]``; else None."""
    days = days.astype("datetime64[D]")
    if np.isnat(days).any() or (days.size and days.min() < xd.FIRST_DAY):
        return None
    ticks = days.view(np.int64)
    return days if (ticks[1:] > ticks[:-1]).all() else None


def _plain_numbers(values: np.ndarray) -> bool:
    """No infinity and no number in the COM error range (the general path refuses both)."""
    values = values[~np.isnan(values)]
    return bool(np.isfinite(values).all()) and _plain(values)


def typed_flow_series(values: np.ndarray, days: np.ndarray, *, name: str = "flows",
                      dates_name: str = "dates", min_rows: int = 1) -> FlowInput | None:
    """:func:`flow_series` of a typed column (values float64, NaN blank; days datetime64, NaT
    blank) in the clean shape, or None."""
    blank = np.isnan(values)
    keep = np.flatnonzero(~(blank & np.isnat(days)))
    if not len(keep):
        return None
    d = _clean_days(days[keep])
    if d is None:
        return None
    filled = np.flatnonzero(~blank[keep])
    if len(filled) < max(min_rows, 1):
        return None
    lo, hi = filled[0], filled[-1] + 1
    v = values[keep][lo:hi]
    if np.isnan(v).any() or not _plain_numbers(v):
        return None
    index = pd.DatetimeIndex(d[lo:hi].astype("datetime64[us]"), name=dates_name)
    return FlowInput(pd.Series(v, index=index, name=name), keep[lo:hi], len(values))


def typed_level_series(days: np.ndarray, values: np.ndarray, *, dates_name: str = "dates",
                       values_name: str = "values", min_rows: int = 1) -> pd.Series | None:
    """:func:`level_series` of a typed column pair in the clean shape, or None."""
    keep = ~np.isnan(values)
    if keep.sum() < max(min_rows, 1) or not _plain_numbers(values):
        return None
    d = _clean_days(days[keep])
    if d is None:
        return None
    return pd.Series(values[keep], index=pd.DatetimeIndex(d.astype("datetime64[us]"),
                                                          name=dates_name), name=values_name)


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
        v = _floats(cells[num])
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
    fast = _fast_flow_series(values, dates, name, dates_name, min_rows) if FAST_PATH else None
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
        dblank = _blank_mask(dcells, dkinds)
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
    fast = (_fast_level_series(dates, values, dates_name, values_name, min_rows) if FAST_PATH
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
    flat = _flat(value) if FAST_PATH else None
    fast = None if flat is None else _fast_numbers(flat)
    if fast is not None and fast.size == rows:
        return fast
    cells = as_cells(value, name)
    _check_same_length(rows, len(cells), other, name)
    return read_numbers(cells, name, locate or xd.default_locate).values


def number_list(value: object, name: str, locate: Locate | None = None,
                min_count: int = 1) -> np.ndarray:
    """A number or a range of numbers (blanks skipped, anything else refused) -> float array."""
    flat = _flat(value) if FAST_PATH else None
    fast = None if flat is None else _fast_numbers(flat)
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


# --------------------------------------------------------------------------------------------
# Scalar arguments
# --------------------------------------------------------------------------------------------

_MISSING = object()


def _single(value: object, name: str) -> object:
    """A scalar argument: one cell; a 1-cell range is unwrapped, a larger range refused."""
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        cells = as_cells(value, name)
        if len(cells) != 1:
            raise InputError(f"{name}: a range of {len(cells)} cells, expected a single value")
        return cells[0]
    return value


def _is_blank(value: object) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, str) and not value.strip())


def _refuse_error_cell(value: object, name: str, expected: str) -> None:
    found = error_name(value)
    if found is not None:
        raise InputError(f"{name}: {found}, expected {expected}")


def to_number(value: object, name: str, *, default: object = _MISSING,
              minimum: float | None = None) -> float:
    """A single number (or number text); blank -> ``default`` when given, else refused.

    The check and its wording are the core's (:func:`xlflows.core.validate.number`); an error
    cell is named as Excel shows it (``threshold: #N/A, expected a number``).
    """
    if type(value) is float and math.isfinite(value) and (minimum is None or value >= minimum) \
            and not COM_ERROR_MIN <= value <= COM_ERROR_MAX:
        return value                                        # the usual case: one plain number
    value = _single(value, name)
    if _is_blank(value):
        if default is _MISSING:
            raise InputError(f"{name}: blank, expected a number")
        return default  # type: ignore[return-value]
    _refuse_error_cell(value, name, "a number")
    return validate.number(value, name, minimum=minimum)


def to_int(value: object, name: str, *, default: object = _MISSING, minimum: int = 0,
           maximum: int | None = None) -> int:
    """A whole number (``8``, ``8.0``, ``"8"``) within the bounds; blank -> ``default`` when given.

    The check and its wording are the core's (:func:`xlflows.core.validate.whole_number`).
    """
    if type(value) is float and minimum <= value <= (validate.MAX_WHOLE if maximum is None
                                                     else maximum) and value == int(value):
        return int(value)                                   # the usual case: Excel's 8.0
    value = _single(value, name)
    if _is_blank(value):
        if default is _MISSING:
            raise InputError(f"{name}: blank, expected "
                             f"{validate.expected_whole(minimum, maximum)}")
        return default  # type: ignore[return-value]
    _refuse_error_cell(value, name, validate.expected_whole(minimum, maximum))
    return validate.whole_number(value, name, minimum=minimum, maximum=maximum)


def to_bool(value: object, name: str, *, default: object = _MISSING) -> bool:
    """TRUE/FALSE, 1/0 or the text ``TRUE``/``FALSE``; blank -> ``default`` when given."""
    value = _single(value, name)
    if _is_blank(value):
        if default is _MISSING:
            raise InputError(f"{name}: blank, expected TRUE or FALSE")
        return default  # type: ignore[return-value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str) and value.strip().upper() in ("TRUE", "FALSE"):
        return value.strip().upper() == "TRUE"
    if error_name(value) is None and isinstance(value, (int, float, np.integer, np.floating)) \
            and float(value) in (0.0, 1.0):
        return bool(value)
    raise InputError(f"{name}: {describe(value)}, expected TRUE or FALSE")


def to_choice(value: object, name: str, choices: Sequence[str], *,
              default: object = _MISSING) -> str:
    """One of ``choices`` (the core's, e.g. ``RATE_KINDS``; case and spaces ignored).

    Blank -> ``default`` when given. The check and its wording are the core's
    (:func:`xlflows.core.validate.choice`).
    """
    value = _single(value, name)
    if _is_blank(value):
        if default is _MISSING:
            raise InputError(f"{name}: blank, expected {validate.or_list(choices)}")
        return default  # type: ignore[return-value]
    _refuse_error_cell(value, name, validate.or_list(choices))
    return validate.choice(value, name, choices)


def to_date_or_choice(value: object, name: str, choices: Sequence[str]) -> pd.Timestamp | str:
    """A single date, or one of ``choices`` as text (case and spaces ignored): FLOW_SINCE's
    ``start`` (a date or ``"trough"``). A blank is refused."""
    single = _single(value, name)
    if isinstance(single, str) and error_name(single) is None:
        key = single.strip().lower()
        for option in choices:
            if option.lower() == key:
                return option
    try:
        return to_date(single, name)
    except InputError as exc:
        message = str(exc)
        if message.endswith("expected a date"):
            raise InputError(f"{message} or {validate.or_list(choices)}") from None
        raise


def to_date(value: object, name: str, *, default: object = _MISSING) -> pd.Timestamp:
    """A single date (datetime, serial >= 61, ISO text); blank -> ``default`` when given."""
    if FAST_PATH and isinstance(value, (dt.date, float)):
        days = _fast_days([value])                  # one datetime or serial: no object arrays
        if days is not None:
            return pd.Timestamp(days[0].astype("datetime64[us]"))
    value = _single(value, name)
    if _is_blank(value):
        if default is _MISSING:
            raise InputError(f"{name}: blank, expected a date")
        return default  # type: ignore[return-value]
    cells = _object_array([value])
    kinds = classify(cells)
    if error_name(value) is not None:
        raise InputError(f"{name}: {error_name(value)}, expected a date")
    try:
        days = read_dates(cells, name, lambda i: "the value", kinds)
    except InputError as exc:
        raise InputError(str(exc).replace(f"{name}: the value is ", f"{name}: ", 1)) from None
    return pd.Timestamp(days[0])
