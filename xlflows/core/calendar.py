"""Excel's date and rounding arithmetic, in one place: ``EDATE``, ``DATEDIF(…, "m")``, ``ROUND``.

The core works in :class:`pandas.Timestamp`; these helpers make month steps and roundings agree
with what an analyst gets from the same formula typed in Excel.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from typing import overload

import numpy as np
import pandas as pd

#: Decimals to which sums are rounded before being compared for ties (float noise is ~1e-12).
TIE_DECIMALS = 9
#: Decimal context wide enough for any float at any sensible number of digits (the default
#: precision, 28 digits, cannot hold 1e22 to 6 decimals).
_WIDE = Context(prec=1000)


#: Significant digits a spreadsheet keeps of a number before it rounds it (what Excel shows).
SIGNIFICANT_DIGITS = 15


def excel_round(x: float, digits: int = 0) -> float:
    """Round like the spreadsheet's ``ROUND``: half away from zero, of the value it shows.

    The double is first reduced to :data:`SIGNIFICANT_DIGITS` significant digits, the decimal
    the spreadsheet shows, and that decimal is rounded half away from zero:
    ``excel_round(8.85 / 3, 1) == 3.0`` (8.85 / 3 is 2.9499999999999997, shown 2.95),
    ``0.1 + 0.35`` rounds to 0.5, ``2.675`` to 2 decimals is 2.68. With ``digits`` 0
    LibreOffice rounds the double itself, half away from zero (12.5 → 13, −2.5 → −3, but
    5.015 * 100 = 501.49999999999994 → 501), and so does this function.
    ``tests/excel_round_libreoffice.csv`` holds the values LibreOffice computes for the same
    formulas (``scripts/excel_round_table.py``).

    Parameters
    ----------
    x : float
    digits : int, default 0
        Decimals to keep; negative rounds to tens, hundreds… (``ROUND(1234.5, -2)`` = 1200).

    Returns
    -------
    float
        NaN and ±inf are returned as they are; a zero result is 0.0, never −0.0.
    """
    if not np.isfinite(x) or x == 0:
        return float(x) + 0.0
    if digits >= 0 and abs(x) < _EXACT_WHOLE and x == int(x):
        return float(x) + 0.0       # a whole number of at most 15 digits: nothing to round
    value = Decimal(float(x))                       # the double, exactly
    if digits != 0:
        value = value.quantize(Decimal(1).scaleb(value.adjusted() - SIGNIFICANT_DIGITS + 1),
                               rounding=ROUND_HALF_UP, context=_WIDE)
    quantum = Decimal(1).scaleb(-digits)
    return float(value.quantize(quantum, rounding=ROUND_HALF_UP, context=_WIDE)) + 0.0


def excel_round_array(values: np.ndarray, digits: int = 0) -> np.ndarray:
    """:func:`excel_round` of every element, as float64, vectorised where that is exact.

    ``x · 10**digits`` is rounded by ``np.rint`` wherever it lies clearly away from a half
    (farther than the error of reducing ``x`` to 15 significant digits and of the product):
    there every rounding rule, and the 15-digit reduction, give the same whole number, and
    dividing it by the exact power of ten is the float of the decimal result. Halves, values of
    15 digits or more, NaN/inf and negative ``digits`` go through :func:`excel_round` one by one.
    """
    x = np.asarray(values, dtype=float)
    if not 0 <= digits <= 22:                   # 10**digits exact as a float up to 22
        return np.array([excel_round(v, digits) for v in x.tolist()], dtype=float)
    scale = 10.0 ** digits
    with np.errstate(over="ignore", invalid="ignore"):
        y = x * scale
        whole = np.rint(y)
        clear = (np.abs(y) < _EXACT_WHOLE) & (0.5 - np.abs(y - whole) > np.abs(y) * 1e-14)
    out = whole / scale + 0.0
    for i in np.flatnonzero(~clear).tolist():
        out[i] = excel_round(float(x[i]), digits)
    return out


#: Whole numbers below this have at most 15 digits: the spreadsheet shows them as they are.
_EXACT_WHOLE = 1e15

#: Floats at least this large are whole numbers: there is no decimal left to round.
_WHOLE_FLOATS = 2.0 ** 53


@overload
def round_for_ties(values: float) -> np.float64: ...
@overload
def round_for_ties(values: np.ndarray) -> np.ndarray: ...
def round_for_ties(values: float | np.ndarray) -> np.float64 | np.ndarray:
    """Round sums to :data:`TIE_DECIMALS` decimals so that float noise cannot break a tie (an
    array for an array, a ``float64`` for one value).

    Values of magnitude 2**53 or more are returned as they are: they have no decimals, and
    rounding them would scale them by 1e9 first, which overflows to infinity beyond ~1.8e299.
    When the smallest and the largest value lie within ±2**53 (every realistic history of flows)
    one ``np.round`` does it, without the mask (about half the time on a million values).
    """
    values = np.asarray(values, dtype=float)
    if values.size and -_WHOLE_FLOATS < values.min() and values.max() < _WHOLE_FLOATS:
        return np.round(values, TIE_DECIMALS)[()]          # NaN fails the test: masked below
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = np.round(values, TIE_DECIMALS)
    return np.where(np.abs(values) >= _WHOLE_FLOATS, values, rounded)[()]


def edate(date: pd.Timestamp, months: int) -> pd.Timestamp:
    """Excel's ``EDATE``: the same day ``months`` later (or earlier), clamped to the month end.

    ``edate(Timestamp("2024-01-31"), 1) == Timestamp("2024-02-29")``. The time of day is dropped.
    """
    months = int(months)
    return pd.Timestamp(date).normalize() + pd.DateOffset(months=months)


def add_months(dates: np.ndarray, months: int) -> np.ndarray:
    """``EDATE`` for a ``datetime64`` array, in numpy: the same day ``months`` later (or
    earlier), clamped to the month end, the time of day dropped, as ``datetime64[D]``.

    Agrees with :func:`edate` element by element (``add_months(Jan 31, 1)`` is Feb 28/29).
    """
    days = np.asarray(dates).astype("datetime64[D]")
    month = days.astype("datetime64[M]")
    day_of_month = days - month.astype("datetime64[D]")
    moved = month + np.timedelta64(int(months), "M")
    month_end = (moved + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    return np.minimum(moved.astype("datetime64[D]") + day_of_month, month_end)


def datedif_months(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Excel's ``DATEDIF(start, end, "m")``: whole calendar months from ``start`` to ``end``.

    ``start`` must not be after ``end``. A month counts once the day of month is reached:
    Jan 31 → Feb 28 is 0 months, Jan 15 → Feb 15 is 1.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if start > end:
        raise ValueError("datedif_months needs start <= end")
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return months


def signed_months(origin: pd.Timestamp, when: pd.Timestamp) -> int:
    """Whole months from ``origin`` to ``when``, negative when ``when`` comes first.

    ``DATEDIF(origin, when, "m")``, or ``-DATEDIF(when, origin, "m")`` when ``when < origin``.
    """
    origin, when = pd.Timestamp(origin), pd.Timestamp(when)
    if when >= origin:
        return datedif_months(origin, when)
    return -datedif_months(when, origin)


def _months_and_days(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``datetime64`` -> (months since 1970-01, day of month), both int64."""
    days = dates.astype("datetime64[D]")
    month = days.astype("datetime64[M]")
    return month.astype(np.int64), (days - month.astype("datetime64[D]")).astype(np.int64)


def signed_months_array(origins: np.ndarray, whens: np.ndarray) -> np.ndarray:
    """:func:`signed_months` element by element on ``datetime64`` arrays (no NaT), as int64."""
    origins, whens = np.asarray(origins), np.asarray(whens)
    month_o, day_o = _months_and_days(origins)
    month_w, day_w = _months_and_days(whens)
    forward = month_w - month_o - (day_w < day_o)           # DATEDIF(origin, when, "m")
    backward = month_o - month_w - (day_o < day_w)          # DATEDIF(when, origin, "m")
    return np.where(whens >= origins, forward, -backward).astype(np.int64)


#: Calendar periods a week can be grouped by (a week belongs to the period of its date).
PERIODS = ("year", "quarter", "month")
#: Months in each period.
_PERIOD_MONTHS = {"year": 12, "quarter": 3, "month": 1}


def period_start(date: pd.Timestamp, period: str) -> pd.Timestamp:
    """First day of the calendar ``period`` (``"year"``, ``"quarter"``, ``"month"``) holding
    ``date``: ``period_start(Timestamp("2025-05-14"), "quarter") == Timestamp("2025-04-01")``."""
    day = pd.Timestamp(date)
    months = _PERIOD_MONTHS[period]
    return pd.Timestamp(day.year, months * ((day.month - 1) // months) + 1, 1)


def year_starts(first_year: int, last_year: int) -> np.ndarray:
    """1 January of each year from ``first_year`` to ``last_year`` inclusive, ``datetime64[D]``."""
    years = np.arange(first_year - 1970, last_year - 1970 + 1).astype("datetime64[Y]")
    return years.astype("datetime64[D]")
