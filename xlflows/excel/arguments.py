"""Single-value arguments of the Excel functions: numbers, whole numbers, booleans, choices, dates.

Each reader takes what xlwings passes for one cell (a 1-cell range is unwrapped, a larger one
refused), returns ``default`` for a blank when one is given, names an error cell as Excel shows it
(``threshold: #N/A, expected a number``) and otherwise checks the value with the core's validator
vocabulary (:mod:`xlflows.core.validate`), so a message reads the same from the cell or the core.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from xlflows.core import validate
from xlflows.errors import InputError
from xlflows.excel import fastpath
from xlflows.excel.cells import (
    COM_ERROR_MAX,
    COM_ERROR_MIN,
    as_cells,
    classify,
    describe,
    error_name,
    object_array,
    read_dates,
)

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
    if fastpath.ENABLED and isinstance(value, (dt.date, float)):
        days = fastpath.fast_days([value])      # one datetime or serial: no object arrays
        if days is not None:
            return pd.Timestamp(days[0].astype("datetime64[us]"))
    value = _single(value, name)
    if _is_blank(value):
        if default is _MISSING:
            raise InputError(f"{name}: blank, expected a date")
        return default  # type: ignore[return-value]
    cells = object_array([value])
    kinds = classify(cells)
    if error_name(value) is not None:
        raise InputError(f"{name}: {error_name(value)}, expected a date")
    try:
        days = read_dates(cells, name, lambda i: "the value", kinds)
    except InputError as exc:
        raise InputError(str(exc).replace(f"{name}: the value is ", f"{name}: ", 1)) from None
    return pd.Timestamp(days[0])
