"""Core results -> what a UDF hands back to Excel: scalars and spillable 2-D lists (SPEC §1).

* Tables spill with one header row (the DataFrame's column names), then one row per record.
* Dates come back as ``datetime.datetime`` (classic xlwings writes them as Excel dates; xlwings
  Lite turns them into serials). Format the cells as dates in Excel if they show as numbers.
* A missing value (NaN, NaT, None) becomes :data:`BLANK`, the empty string ``""``.

Why ``""`` and not ``None``: Excel has no way for a UDF to return a truly empty cell inside an
array. An ``Empty`` Variant in a returned array is shown as ``0`` (the same holds for ``null`` in an
Office.js custom-function matrix, OfficeDev/office-js#1503), and xlwings Lite writes NaN as
``#NUM!`` (xlwings/xlwings-lite#40). Classic xlwings already turns ``None``/NaN into ``""`` when
writing (its ``prepare_xl_data_element``, see xlwings#1910), so returning ``""`` ourselves gives
the same blank-looking cell in every runtime. Such a cell is text of length 0: ``ISBLANK`` is
FALSE, ``=A1=""`` is TRUE, ``ISNUMBER`` is FALSE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from xlflows.errors import InputError
from xlflows.excel import dates as xd

#: What a missing value becomes in a returned array: a blank-looking empty text.
BLANK = ""

_OVERFLOW = "result: a sum is too large to compute, expected numbers of a realistic size"


def _refuse_infinite(arr: np.ndarray) -> None:
    """An infinite result can only come from overflow: refuse it rather than show a wrong number."""
    if np.isinf(arr).any():
        raise InputError(_OVERFLOW)


def scalar(value: object) -> object:
    """One result value -> an Excel-writable scalar (float/int/str/bool/datetime or BLANK)."""
    if value is None or value is pd.NaT:
        return BLANK
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        written = xd.to_datetime(value)
        return BLANK if written is None else written
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        _refuse_infinite(np.asarray([value], dtype=float))
        return BLANK if np.isnan(value) else float(value)
    return value


def _array(values: Iterable | pd.Series | np.ndarray) -> np.ndarray:
    return values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values)


def _fill(out: np.ndarray, arr: np.ndarray) -> None:
    """Write ``arr`` into the 1-D object array ``out`` as writable scalars, vectorised per dtype.

    numpy makes the Python scalars in C when it assigns a typed array to an object array
    (``datetime64[us]`` becomes ``datetime.datetime``, ``float64`` a float, ``int64`` an int);
    missing values are then set to :data:`BLANK` through a mask.
    """
    kind = arr.dtype.kind
    if kind == "M":
        out[:] = arr.astype("datetime64[us]", copy=False)      # datetime.datetime; NaT -> None
        missing = np.isnat(arr)
    elif kind == "f":
        _refuse_infinite(arr)
        out[:] = arr
        missing = np.isnan(arr)
    elif kind in "iub":
        out[:] = arr
        return
    else:
        cells = arr.tolist()
        if set(map(type, cells)) == {str}:              # labels (Direction): already writable
            out[:] = arr
        else:
            out[:] = [scalar(v) for v in cells]
        return
    if missing.any():
        out[missing] = BLANK


def _columns(columns: Sequence) -> np.ndarray:
    """Equal-length 1-D columns -> a (columns × rows) object array of writable scalars."""
    arrays = [_array(c) for c in columns]
    lengths = {a.size for a in arrays}
    if len(lengths) > 1:
        raise ValueError(f"columns of different lengths: {sorted(lengths)}")
    body = np.empty((len(arrays), lengths.pop() if lengths else 0), dtype=object)
    for row, arr in zip(body, arrays):
        _fill(row, arr)
    return body


def column_values(values: Iterable | pd.Series | np.ndarray) -> list:
    """A 1-D array/Series -> a flat list of writable scalars, vectorised per dtype."""
    return _columns([values])[0].tolist()


def column(values: Iterable | pd.Series | np.ndarray) -> list[list]:
    """A 1-D result -> an n × 1 spill (one value per row)."""
    return _columns([values]).T.tolist()


def table(frame: pd.DataFrame | Mapping[str, np.ndarray],
          columns: Sequence[str] | None = None) -> list[list]:
    """A DataFrame (or a dict of equal-length columns) -> header row + one row per record;
    dates as datetime, missing as BLANK.

    ``columns`` picks and orders the columns (default: all, in order). An empty frame spills its
    header alone.
    """
    cols = list(columns) if columns is not None else [str(c) for c in frame]
    if not cols:
        return [cols]
    return [cols] + _columns([frame[c] for c in cols]).T.tolist()


def label_block(rows: Iterable[tuple[str, object]]) -> list[list]:
    """``(label, value)`` pairs -> an n × 2 block without a header row."""
    return [[label, scalar(value)] for label, value in rows]


def in_input_order(values: np.ndarray, positions: np.ndarray, length: int) -> list[list]:
    """Place ``values[i]`` at input row ``positions[i]`` of a ``length`` × 1 spill, BLANK elsewhere.

    Used when a dated range was sorted for the core and the result must line up with the rows the
    analyst passed (unsorted input, leading/trailing blank rows).
    """
    values = np.asarray(values, dtype=float)
    if values.size == length and _in_order(positions, length):
        return column(values)                   # sorted input without blanks: nothing to move
    out = np.full(length, np.nan)
    out[np.asarray(positions, dtype=np.int64)] = values
    return column(out)


def _in_order(positions: np.ndarray, length: int) -> bool:
    """True when ``positions`` is ``0, 1, …, length − 1`` (each row already in its place)."""
    positions = np.asarray(positions)
    return positions.size == length and (
        length == 0 or (positions[0] == 0 and positions[-1] == length - 1
                        and bool((np.diff(positions) == 1).all())))
