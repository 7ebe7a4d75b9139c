"""Excel cells, one range at a time: shape, kind, numbers and dates (SPEC §1, steps 1-3).

1. :func:`as_cells` — shape: a scalar, a list, a list of lists (one row or one column, as xlwings
   and COM hand them over), a numpy array or a Series -> one flat object array. A genuinely 2-D
   range (m × n with m, n > 1) or a ragged one is refused.
2. :func:`classify` — one pass that gives every cell a kind (number, text, bool, date, blank,
   other); everything after works on whole arrays per kind.
3. :func:`read_numbers` / :func:`read_dates` — blanks (``None``, ``""``, whitespace text, NaT),
   error cells (the literals in :data:`ERROR_LITERALS` and the raw COM integers
   −2146826288 … −2146826230, which never pass as numbers), numbers as text, dates.

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
from collections.abc import Callable, Sequence
from typing import NamedTuple

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


def _float(value: float | np.integer | np.floating) -> float:
    """A number as a float; an int beyond any float becomes ±inf (never an OverflowError)."""
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def as_floats(cells: np.ndarray) -> np.ndarray:
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
        return object_array([value])
    if len(value) == 0:
        return _EMPTY
    row_types = set(map(type, value))
    if not row_types & {list, tuple}:                       # flat: one row or one column
        return object_array(value)
    if not row_types <= {list, tuple}:
        raise InputError(f"{name}: mixes single cells and rows, expected a single row or column")
    widths = set(map(len, value))
    if len(widths) > 1:
        raise InputError(f"{name}: rows of {min(widths)} to {max(widths)} cells, expected a "
                         "single row or column of the same length")
    return _from_rows(value, (len(value), widths.pop()), name)


_EMPTY = np.empty(0, dtype=object)


def object_array(seq: Sequence) -> np.ndarray:
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
        return object_array(list(rows[0]))
    if n_cols == 1:
        return object_array([r[0] for r in rows])
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
        v = as_floats(cells[num])
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
        serials = as_floats(cells[num])
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


def blank_mask(cells: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    return (kinds == BLANK) | _blank_text(cells, kinds)
