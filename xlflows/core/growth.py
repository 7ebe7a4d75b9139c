"""Growth of money-fund assets and whether it is abnormal: the "+25% over the past year" sentences.

Levels (fund assets, in any unit, usually $bn) are float Series on a sorted, unique DatetimeIndex
with no NaN. Growth rates are fractions (0.25 = +25%), never percentages. A level is looked up by
date as "the last observation on or before that date", like Excel's approximate-match lookup.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xlflows.core.calendar import round_for_ties
from xlflows.core.constants import (
    ABNORMALITY_LABELS,
    ABNORMALLY_HIGH,
    ABNORMALLY_LOW,
    DEFAULT_MEAN_THRESHOLD,
    DEFAULT_Z_THRESHOLD,
    NOT_ABNORMAL,
    NOT_ABNORMALLY_HIGH,
)
from xlflows.errors import InputError

#: How far (in median spacings of the series) the observation found one year back may lie before
#: the exact date one year earlier; further back and the year-over-year value is blank.
YOY_MAX_GAP_SPACINGS = 1.5

#: Methods of :func:`abnormality`.
ABNORMALITY_METHODS = ("mean", "z")


# ---------------------------------------------------------------------------------------------
# argument checks shared with cycles.py
# ---------------------------------------------------------------------------------------------

def check_levels(series: pd.Series, name: str) -> pd.Series:
    """Check that ``series`` is a float Series on a sorted, unique DatetimeIndex with no NaN.

    The Excel layer hands the core clean series; this guards direct callers (the report, scripts)
    against a silently wrong number. Returns the series as float.
    """
    if not isinstance(series, pd.Series) or not isinstance(series.index, pd.DatetimeIndex):
        raise InputError(f"{name}: expected a series of values indexed by date")
    values = pd.to_numeric(series, errors="coerce").astype(float)
    bad = np.flatnonzero(~np.isfinite(values.to_numpy()))
    if bad.size:
        row = int(bad[0])
        raw = series.iloc[row]
        number = pd.to_numeric(pd.Series([raw]), errors="coerce").iloc[0]
        if pd.isna(raw):
            found = "blank"
        elif pd.isna(number):
            found = repr(str(raw))
        else:
            found = f"{float(number)}"
        raise InputError(f"{name}: the value on {_day(series.index[row])} is {found}, expected a number")
    if not series.index.is_unique:
        dup = series.index[series.index.duplicated()][0]
        raise InputError(f"{name}: {_day(dup)} appears more than once, expected one value per date")
    if not series.index.is_monotonic_increasing:
        raise InputError(f"{name}: dates are not sorted, expected oldest first")
    return values


def choice(value: object, name: str, allowed: Iterable[str]) -> str:
    """Return ``value`` lower-cased if it is one of ``allowed``, else raise an InputError listing them."""
    allowed = tuple(allowed)
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text not in allowed:
        listed = ", ".join(f'"{a}"' for a in allowed[:-1]) + f' or "{allowed[-1]}"'
        raise InputError(f"{name}: {value!r} is not a known {name}, expected {listed}")
    return text


def as_timestamp(value: object, name: str) -> pd.Timestamp:
    """Turn ``value`` into a Timestamp (date only), or raise an InputError naming ``name``.

    A number is refused: pandas would read it as nanoseconds after 1970, not as an Excel serial
    (serials are converted at the edge, :mod:`xlflows.excel.dates`).
    """
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        if not math.isnan(value):
            raise InputError(f"{name}: the number {value:g} is not a date, expected a date")
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}: {value!r} is not a date, expected a date") from None
    if pd.isna(stamp):
        raise InputError(f"{name}: blank, expected a date")
    return stamp.normalize()


def as_number(value: object, name: str) -> float:
    """Turn ``value`` into a finite float, or raise an InputError naming ``name``."""
    if isinstance(value, bool):
        raise InputError(f"{name}: {value!r} is not a number, expected a number")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{name}: {value!r} is not a number, expected a number") from None
    if math.isnan(number):
        raise InputError(f"{name}: blank, expected a number")
    if math.isinf(number):
        raise InputError(f"{name}: {number} is not a finite number, expected a number")
    return number


def _day(stamp: pd.Timestamp) -> str:
    return pd.Timestamp(stamp).strftime("%Y-%m-%d")


# ---------------------------------------------------------------------------------------------
# year-over-year
# ---------------------------------------------------------------------------------------------

def median_spacing(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The median time between consecutive dates (NaT with fewer than two dates)."""
    return pd.Series(index).diff().median()


def year_earlier_positions(index: pd.DatetimeIndex) -> np.ndarray:
    """Position of the observation one year before each date, or −1 where there is none.

    For each date *d* the target is ``d − DateOffset(years=1)`` (Feb 29 → Feb 28). The observation
    used is the last one on or before the target; it counts only if it is at most
    :data:`YOY_MAX_GAP_SPACINGS` median spacings older than the target (so a quarterly series
    finds the same quarter a year earlier, and a gap in the data gives a blank, not a two-year
    change). With fewer than two observations there is no spacing and every position is −1.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Sorted, unique dates.

    Returns
    -------
    numpy.ndarray of int
        Same length as ``index``.
    """
    n = len(index)
    out = np.full(n, -1, dtype=np.int64)
    if n < 2:
        return out
    spacing = median_spacing(index)
    targets = index - pd.DateOffset(years=1)
    # last observation on or before each target
    pos = index.searchsorted(targets, side="right") - 1
    found = pos >= 0
    gap = targets[found] - index[pos[found]]
    ok = np.asarray(gap <= spacing * YOY_MAX_GAP_SPACINGS)
    idx_found = np.flatnonzero(found)
    out[idx_found[ok]] = pos[found][ok]
    return out


def yoy_growth(assets: pd.Series) -> pd.Series:
    """Year-over-year growth of a level at each observation, as a fraction (0.25 = +25%).

    ``level / level one year earlier − 1``, where the earlier level is the last observation on or
    before the same date one calendar year earlier (see :func:`year_earlier_positions`). NaN where
    there is no such observation, where it is more than 1.5 median spacings older than that date,
    or where the earlier level is not positive (growth from zero or a negative level is undefined).

    Parameters
    ----------
    assets : pandas.Series
        Levels (e.g. money-fund assets in $bn) on a sorted, unique DatetimeIndex, no NaN.

    Returns
    -------
    pandas.Series
        Same index as ``assets``, named ``"YoY growth"``.

    Examples
    --------
    Quarterly assets 100, 110, 120, 130, 150 from 2019-01-01: the 2020-01-01 value 150 is +50% on
    the 2019-01-01 value 100; the four earlier quarters have no year-earlier value (NaN).
    """
    values = check_levels(assets, "assets").to_numpy()
    earlier = year_earlier_positions(assets.index)
    base = np.where(earlier >= 0, values[np.maximum(earlier, 0)], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(base > 0, values / base - 1.0, np.nan)
    return pd.Series(growth, index=assets.index, name="YoY growth")


def yoy_addition(assets: pd.Series) -> pd.Series:
    """12-month change of a level at each observation, in the level's unit (e.g. $bn added).

    ``level − level one year earlier``, with the earlier level found as in :func:`yoy_growth`;
    NaN where there is none. Used by ``cycle_inflows(measure="additions")``.
    """
    values = check_levels(assets, "assets").to_numpy()
    earlier = year_earlier_positions(assets.index)
    change = np.where(earlier >= 0, values - values[np.maximum(earlier, 0)], np.nan)
    return pd.Series(change, index=assets.index, name="12-month addition")


def asset_growth(values: pd.Series, start_date, end_date=None, annualize: bool = False) -> float:
    """Growth of a level between two dates, as a fraction: ``v1 / v0 − 1``.

    ``v0`` is the last observation on or before ``start_date``, ``v1`` the last on or before
    ``end_date`` (default: the latest observation). Annualized, the growth is
    ``(v1 / v0) ** (365.25 / days) − 1`` where ``days`` are the calendar days between the two
    observations actually used (not between the arguments: the level did not move in between).

    Parameters
    ----------
    values : pandas.Series
        Levels on a sorted, unique DatetimeIndex, no NaN.
    start_date, end_date : date-like
        ``end_date`` must not be before ``start_date``; neither may be before the first
        observation.
    annualize : bool, default False

    Returns
    -------
    float

    Raises
    ------
    InputError
        A date before the first observation (``start_date: 1990-01-01 is before the first
        observation (1992-03-31)``), ``end_date`` before ``start_date`` (or, with ``end_date``
        blank, ``start_date`` after the latest observation), a starting level that is
        not positive, or an annualized growth over zero days (both dates on one observation).
    """
    levels = check_levels(values, "values")
    if levels.empty:
        raise InputError("values: no values, expected at least one level")
    start = as_timestamp(start_date, "start_date")
    end = levels.index[-1] if end_date is None else as_timestamp(end_date, "end_date")
    first = levels.index[0]
    for name, when in (("start_date", start), ("end_date", end)):
        if when < first:
            raise InputError(
                f"{name}: {_day(when)} is before the first observation ({_day(first)})"
            )
    if end_date is None and start > end:
        raise InputError(f"start_date: {_day(start)} is after the latest observation "
                         f"({_day(end)}), expected a date on or before it")
    if end < start:
        raise InputError(f"end_date: {_day(end)} is before start_date ({_day(start)})")
    i0 = int(levels.index.searchsorted(start, side="right")) - 1
    i1 = int(levels.index.searchsorted(end, side="right")) - 1
    v0, v1 = float(levels.iloc[i0]), float(levels.iloc[i1])
    if v0 <= 0:
        raise InputError(
            f"values: the level on {_day(levels.index[i0])} is {v0:g}, "
            "expected a positive level to grow from"
        )
    ratio = v1 / v0
    if not annualize:
        return ratio - 1.0
    days = (levels.index[i1] - levels.index[i0]).days
    if days <= 0:
        raise InputError(
            f"end_date: {_day(end)} falls on the same observation as start_date "
            f"({_day(levels.index[i0])}), expected a later observation to annualize over"
        )
    if ratio < 0:
        raise InputError(
            f"values: the level on {_day(levels.index[i1])} is {v1:g}, "
            "expected a positive level to annualize"
        )
    return ratio ** (365.25 / days) - 1.0


# ---------------------------------------------------------------------------------------------
# abnormality
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Abnormality:
    """Is the current value abnormal against a history (e.g. current YoY vs past cycles' peaks)?

    Attributes
    ----------
    verdict : str
        ``"abnormally high"`` / ``"not abnormally high"`` (method ``"mean"``) or
        ``"abnormally high"`` / ``"abnormally low"`` / ``"not abnormal"`` (method ``"z"``).
    current : float
    mean : float
        Mean of the history.
    ratio : float
        ``current / mean``; NaN when the mean is 0.
    z : float
        ``(current − mean) / s`` with ``s`` the sample standard deviation (ddof = 1, Excel's
        ``STDEV.S``); NaN with fewer than 2 history values or when they are all equal.
    percentile : float
        Share of history values ≤ current, in [0, 1] (compared after rounding to 9 decimals, so
        float noise does not break a tie).
    count : int
        Number of history values (the report's "Cycles").
    """

    verdict: str
    current: float
    mean: float
    ratio: float
    z: float
    percentile: float
    count: int

    def rows(self) -> list[tuple[str, object]]:
        """The 7 (label, value) pairs of the ``ABNORMALITY`` block, in its order."""
        values = (self.verdict, self.current, self.mean, self.ratio, self.z, self.percentile,
                  self.count)
        return list(zip(ABNORMALITY_LABELS, values))


def abnormality(current, history, method: str = "mean", threshold=None) -> Abnormality:
    """Judge ``current`` against ``history``: the note's "not abnormally high vs the 33% average".

    Every field of the result is filled whatever the method; the method only picks the verdict.
    With a handful of values (four previous cycles) the z-score and percentile are descriptive
    only: they are not a statistical test.

    Parameters
    ----------
    current : float
        The value judged (e.g. current YoY growth 0.25).
    history : sequence of float
        Past values (e.g. the previous cycles' peak YoY growth), at least one, no blanks.
    method : {"mean", "z"}, default "mean"
        ``"mean"``: ``"abnormally high"`` when ``current / mean > threshold`` (strictly), else
        ``"not abnormally high"``; needs a positive mean. ``"z"``: ``"abnormally high"`` when
        ``z > threshold``, ``"abnormally low"`` when ``z < −threshold``, else ``"not abnormal"``
        (exactly at the threshold is not abnormal); needs at least 2 history values that are not
        all equal, since otherwise the z-score is undefined — refused rather than guessed. The
        ratio and z are rounded to 9 decimals before the comparison, so float noise cannot push
        a value that equals the threshold past it.
    threshold : float, optional
        Default 1 (ratio) for ``"mean"``, 2 (standard deviations) for ``"z"``; must be positive
        for ``"mean"`` and 0 or more for ``"z"``.

    Returns
    -------
    Abnormality

    Examples
    --------
    >>> abnormality(0.25, [0.33]).verdict   # 25% against 33% → ratio 0.76
    'not abnormally high'
    """
    method = choice(method, "method", ABNORMALITY_METHODS)
    current = as_number(current, "current")
    hist = as_numbers(history, "history", "a number")
    count = int(hist.size)
    mean = float(hist.mean())
    ratio = current / mean if mean != 0 else math.nan
    sd = float(hist.std(ddof=1)) if count >= 2 else math.nan
    z = (current - mean) / sd if sd > 0 else math.nan
    if math.isinf(sd) or math.isinf(current - mean):
        z, sd = _z_in_scaled_units(current, hist)
    percentile = float(np.count_nonzero(round_for_ties(hist) <= round_for_ties(current))) / count

    if method == "mean":
        limit = DEFAULT_MEAN_THRESHOLD if threshold is None else as_number(threshold, "threshold")
        if limit <= 0:
            raise InputError(f"threshold: {limit:g} is not positive, expected a ratio above 0")
        if mean <= 0:
            raise InputError(
                f"history: the mean is {mean:g}, expected a positive mean for method \"mean\" "
                "(a ratio to it has no meaning; use method \"z\")"
            )
        verdict = ABNORMALLY_HIGH if _for_ties(ratio) > limit else NOT_ABNORMALLY_HIGH
    else:
        limit = DEFAULT_Z_THRESHOLD if threshold is None else as_number(threshold, "threshold")
        if limit < 0:
            raise InputError(f"threshold: {limit:g} is negative, expected 0 or more standard deviations")
        if count < 2:
            raise InputError('history: 1 value, expected at least 2 for method "z"')
        if not sd > 0:
            raise InputError(
                f"history: all {count} values are equal ({hist[0]:g}), the z-score is undefined; "
                'expected values that differ for method "z"'
            )
        if _for_ties(z) > limit:
            verdict = ABNORMALLY_HIGH
        elif _for_ties(z) < -limit:
            verdict = ABNORMALLY_LOW
        else:
            verdict = NOT_ABNORMAL
    return Abnormality(verdict, current, mean, ratio, z, percentile, count)


def _for_ties(x: float) -> float:
    """``x`` rounded to 9 decimals, so that a ratio or z-score equal to its limit is not pushed
    past it by float noise (0.2 / mean(0.1, 0.25, 0.25) is 1.0000000000000002)."""
    return float(round_for_ties(x))


def _z_in_scaled_units(current: float, hist: np.ndarray) -> tuple[float, float]:
    """z-score and sample s of values so large (~1e154 and up) that their squares overflow.

    Everything is divided by the largest magnitude first, so only z (a ratio) is computed in
    full; s is returned in the original unit and may itself be infinite.
    """
    scale = float(max(np.max(np.abs(hist)), abs(current)))
    scaled = hist / scale
    sd = float(scaled.std(ddof=1))
    z = (current / scale - float(scaled.mean())) / sd if sd > 0 else math.nan
    return z, sd * scale


def as_numbers(values, name: str, expected: str) -> np.ndarray:
    """A number or a sequence of numbers as a float array, else an InputError naming ``name``.

    ``expected`` ends the message (``"a number of months"``); a bad item in a sequence of more
    than one is named by its 1-based position: ``months: value 2 is blank, expected …``.
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        items = [values]
    else:
        items = list(values.tolist() if hasattr(values, "tolist") else values)
    if not items:
        raise InputError(f"{name}: no values, expected at least one {expected.removeprefix('a ')}")
    out = np.empty(len(items), dtype=float)
    for i, item in enumerate(items):
        try:
            out[i] = as_number(item, name)
        except InputError:
            blank = item is None or (isinstance(item, float) and math.isnan(item))
            if len(items) > 1:
                found = f"value {i + 1} is " + ("blank" if blank else repr(item))
            else:
                found = "blank" if blank else f"{item!r} is not a number"
            raise InputError(f"{name}: {found}, expected {expected}") from None
    return out
