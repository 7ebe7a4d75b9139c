"""Growth of money-fund assets and whether it is abnormal: the "+25% over the past year" sentences.

Levels (fund assets, in any unit, usually $bn) are float Series on a sorted, unique DatetimeIndex
with no NaN. Growth rates are fractions (0.25 = +25%), never percentages. A level is looked up by
date as "the last observation on or before that date", like Excel's approximate-match lookup.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

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
from xlflows.core.validate import choice, date_values, levels, number, numbers, timestamp
from xlflows.errors import InputError

#: How far (in median spacings of the series) the observation found one year back may lie before
#: the exact date one year earlier; further back and the year-over-year value is blank.
YOY_MAX_GAP_SPACINGS = 1.5
#: ... but never less than a week: a target on a Sunday finds Friday's value in daily data.
YOY_MIN_GAP = np.timedelta64(7, "D")

#: Methods of :func:`abnormality`.
ABNORMALITY_METHODS = ("mean", "z")


def _day(stamp: pd.Timestamp) -> str:
    return pd.Timestamp(stamp).strftime("%Y-%m-%d")


# ---------------------------------------------------------------------------------------------
# year-over-year
# ---------------------------------------------------------------------------------------------

def median_spacing(index: pd.DatetimeIndex) -> np.timedelta64:
    """The median time between consecutive dates, as ``numpy.timedelta64`` (needs two dates)."""
    return _median_spacing(date_values(index))


def _median_spacing(dates: np.ndarray) -> np.timedelta64:
    """:func:`median_spacing` of a ``datetime64`` array without NaT.

    ``np.median`` of the spacings themselves, but the partition that finds the middle runs on
    their integer view (numpy's partition of ``timedelta64`` is several times slower), and the
    two middle spacings of an even count are averaged as ``np.median`` does (their sum divided
    by 2, which ``timedelta64`` truncates toward zero).
    """
    return median_gap(np.diff(dates))


#: Gaps whose median guesses the median of all (:func:`median_gap`).
_GUESS_FROM = 101


def median_gap(gaps: np.ndarray) -> np.timedelta64:
    """The median of a ``timedelta64`` array (at least one gap), as :func:`median_spacing`
    computes it from the gaps between consecutive dates: ``np.median``'s answer.

    Dates of one series are mostly evenly spaced, so the median of the first
    :data:`_GUESS_FROM` gaps is usually the median of all, and two counts confirm it: when the
    gaps below it are at most the lower middle position and those up to it pass the upper one,
    both middle values equal it. Otherwise (or for a short array) numpy's partition finds them.
    The counts read the gaps once each, where the partition copies and rearranges them.
    """
    n = gaps.size
    ticks = gaps.view(np.int64)
    low, high = (n - 1) // 2, n // 2                  # the middle positions of the sorted gaps
    if n > _GUESS_FROM:
        guess = np.partition(ticks[:_GUESS_FROM], _GUESS_FROM // 2)[_GUESS_FROM // 2]
        if np.count_nonzero(ticks < guess) <= low and np.count_nonzero(ticks <= guess) > high:
            return guess.view(gaps.dtype)
    middle = sorted({low, high})
    found = np.partition(ticks, middle)[middle].view(gaps.dtype)
    return found[0] if n % 2 else (found[0] + found[1]) / 2    # numpy's mean of the two


def one_year_earlier(dates: np.ndarray) -> np.ndarray:
    """``dates − DateOffset(years=1)`` for a ``datetime64`` array, in numpy.

    The same day and time of day a year earlier, Feb 29 becoming Feb 28 (the month end, like
    ``EDATE``); the unit of ``dates`` is kept.

    A year back is 366 days when it spans a 29 February, else 365: a leap year's 29 February is
    its day 59 (0-based), so it is spanned by a date on or after it in a leap year, or by a date
    before day 59 of the year after a leap year. Whole days are subtracted, so the time of day
    stays; this is ``add_months(dates, -12)`` with the time of day kept, in three date casts
    instead of eight (tests/test_excel_speed_paths.py compares the two).
    """
    days = dates.astype("datetime64[D]")
    back = _days_in_year_back(days)
    per_day = _TICKS_PER_DAY.get(np.datetime_data(dates.dtype))
    if per_day is not None and not np.isnat(dates).any():
        return (dates.view(np.int64) - back * per_day).view(dates.dtype)   # integer arithmetic
    return (dates - back.astype("timedelta64[D]")).astype(dates.dtype)


#: Ticks in a day for the units of day and finer (``np.datetime_data`` of a dtype).
#: numpy int64 scalars: a Python int this large is refused where a C long is 32 bits (wasm).
_TICKS_PER_DAY = {(unit, 1): np.int64(ticks) for unit, ticks in (
    ("D", 1), ("h", 24), ("m", 1440), ("s", 86_400), ("ms", 86_400_000),
    ("us", 86_400_000_000), ("ns", 86_400_000_000_000))}


def _days_in_year_back(days: np.ndarray) -> np.ndarray:
    """365 or 366 for each ``datetime64[D]`` day: the days from a year earlier (see above).

    numpy's cast to ``datetime64[Y]`` does the calendar per element; a few dozen years cover a
    series, so the first day of each of those years is cast once, each date finds its year by a
    binary search, and leap years are read from the years' lengths (about 4 times faster on 30
    years of weeks). A blank (NaT), or a span of years far longer than the series (a handful of
    dates centuries apart), takes numpy's casts.
    """
    ticks = days.view(np.int64)             # days since 1970-01-01; NaT is the smallest int64
    if ticks.size and ticks.min() != _NAT_TICKS:
        first = ticks.min().astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) - 1
        last = ticks.max().astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
        if last - first <= ticks.size + 64:     # years first - 1 .. last (first for leap(y − 1))
            starts = np.arange(first, last + 2).astype("datetime64[Y]").astype(
                "datetime64[D]").view(np.int64)
            leap = np.diff(starts) == 366                           # years first .. last
            # each year in two pieces: before its day 59 a year back spans the previous year's
            # 29 February (if any), from day 59 on its own
            breaks = np.empty(2 * leap.size, dtype=np.int64)
            breaks[0::2], breaks[1::2] = starts[:-1], starts[:-1] + _LEAP_DAY
            back = np.empty(2 * leap.size, dtype=np.int64)
            back[0::2] = 365 + np.concatenate(([False], leap[:-1]))
            back[1::2] = 365 + leap
            return back[np.searchsorted(breaks, ticks, side="right") - 1]
    years = days.astype("datetime64[Y]")
    day_of_year = (days - years.astype("datetime64[D]")).astype(np.int64)
    year = years.astype(np.int64) + 1970
    return (365 + (_leap(year) & (day_of_year >= _LEAP_DAY))
            + (_leap(year - 1) & (day_of_year < _LEAP_DAY)))


#: The integer view of NaT.
_NAT_TICKS = np.iinfo(np.int64).min

#: Day of the year (0-based) of 29 February in a leap year.
_LEAP_DAY = 59


def _leap(year: np.ndarray) -> np.ndarray:
    """Gregorian leap years (numpy's calendar, proleptic)."""
    return (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))


def year_earlier_positions(index: pd.DatetimeIndex) -> np.ndarray:
    """Position of the observation one year before each date, or −1 where there is none.

    For each date *d* the target is ``d − DateOffset(years=1)`` (Feb 29 → Feb 28). The observation
    used is the last one on or before the target; it counts only if it is older than the target
    by at most the larger of :data:`YOY_MAX_GAP_SPACINGS` median spacings and
    :data:`YOY_MIN_GAP` (so a quarterly series finds the same quarter a year earlier, a weekend
    in daily data does not blank the value, and a gap in the data gives a blank, not a two-year
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
    return _year_earlier_positions(date_values(index))


def _year_earlier_positions(dates: np.ndarray) -> np.ndarray:
    """:func:`year_earlier_positions` of a sorted, unique ``datetime64`` array."""
    if dates.size < 2:
        return np.full(dates.size, -1, dtype=np.int64)
    spacing = _median_spacing(dates)
    allowed = max(spacing * YOY_MAX_GAP_SPACINGS, YOY_MIN_GAP.astype(spacing.dtype))
    # on the integer view of one unit: numpy's binary search of datetime64 is several times
    # slower than of int64, and the order is the same
    ticks = dates.view(np.int64)
    targets = one_year_earlier(dates).view(np.int64)
    pos = np.searchsorted(ticks, targets, side="right") - 1     # last on or before the target
    gap = targets - ticks[np.maximum(pos, 0)]
    most = allowed.astype(f"timedelta64[{np.datetime_data(dates.dtype)[0]}]").astype(np.int64)
    return np.where((pos >= 0) & (gap <= most), pos, -1)


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
    values = levels(assets, "assets").to_numpy()
    return pd.Series(yoy_growth_values(values, date_values(assets.index)), index=assets.index,
                     name="YoY growth")


def yoy_growth_values(values: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """:func:`yoy_growth` on arrays: levels (finite) on sorted, unique ``datetime64`` dates."""
    earlier = _year_earlier_positions(np.asarray(dates))
    base = np.where(earlier >= 0, values[np.maximum(earlier, 0)], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(base > 0, values / base - 1.0, np.nan)


def yoy_addition(assets: pd.Series) -> pd.Series:
    """12-month change of a level at each observation, in the level's unit (e.g. $bn added).

    ``level − level one year earlier``, with the earlier level found as in :func:`yoy_growth`;
    NaN where there is none. Used by ``cycle_inflows(measure="additions")``.
    """
    values = levels(assets, "assets").to_numpy()
    return pd.Series(yoy_addition_values(values, date_values(assets.index)), index=assets.index,
                     name="12-month addition")


def yoy_addition_values(values: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """:func:`yoy_addition` on arrays: levels (finite) on sorted, unique ``datetime64`` dates."""
    earlier = _year_earlier_positions(np.asarray(dates))
    return np.where(earlier >= 0, values - values[np.maximum(earlier, 0)], np.nan)


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
    observed = levels(values, "values")
    if observed.empty:
        raise InputError("values: no values, expected at least one level")
    start = timestamp(start_date, "start_date")
    end = observed.index[-1] if end_date is None else timestamp(end_date, "end_date")
    first = observed.index[0]
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
    i0 = int(observed.index.searchsorted(start, side="right")) - 1
    i1 = int(observed.index.searchsorted(end, side="right")) - 1
    levels_at = observed.to_numpy()                 # positions, without iloc's overhead
    v0, v1 = float(levels_at[i0]), float(levels_at[i1])
    if v0 <= 0:
        raise InputError(
            f"values: the level on {_day(observed.index[i0])} is {v0:g}, "
            "expected a positive level to grow from"
        )
    ratio = v1 / v0
    if not annualize:
        return ratio - 1.0
    days = (observed.index[i1] - observed.index[i0]).days
    if days <= 0:
        raise InputError(
            f"end_date: {_day(end)} falls on the same observation as start_date "
            f"({_day(observed.index[i0])}), expected a later observation to annualize over"
        )
    if ratio < 0:
        raise InputError(
            f"values: the level on {_day(observed.index[i1])} is {v1:g}, "
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
    current = number(current, "current")
    hist = numbers(history, "history")
    count = int(hist.size)
    mean, sd, z, percentile = standing(current, hist)
    ratio = current / mean if mean != 0 else math.nan

    if method == "mean":
        limit = DEFAULT_MEAN_THRESHOLD if threshold is None else number(threshold, "threshold")
        if limit <= 0:
            raise InputError(f"threshold: {limit:g} is not positive, expected a ratio above 0")
        if mean <= 0:
            raise InputError(
                f"history: the mean is {mean:g}, expected a positive mean for method \"mean\" "
                "(a ratio to it has no meaning; use method \"z\")"
            )
        verdict = ABNORMALLY_HIGH if _for_ties(ratio) > limit else NOT_ABNORMALLY_HIGH
    else:
        limit = DEFAULT_Z_THRESHOLD if threshold is None else number(threshold, "threshold")
        if limit < 0:
            raise InputError(f"threshold: {limit:g} is negative, expected 0 or more standard "
                             "deviations")
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


class Standing(NamedTuple):
    """Where a value stands among others: the result of :func:`standing`."""

    mean: float
    sd: float
    z: float
    percentile: float


def standing(current: float, hist: np.ndarray) -> Standing:
    """Mean, sample standard deviation, z-score and percentile of ``current`` against ``hist``.

    Shared by :func:`abnormality` and :func:`xlflows.core.ranks.flow_zscore`.

    Parameters
    ----------
    current : float
        A finite number.
    hist : numpy.ndarray
        At least one finite float.

    Returns
    -------
    Standing
        ``mean`` of ``hist``; ``sd`` its sample standard deviation (ddof = 1, Excel's
        ``STDEV.S``), NaN with one value and 0 when the values are all equal once rounded to 9
        decimals (not the float noise of their mean); ``z = (current − mean) / sd``, NaN when
        ``sd`` is NaN or 0; ``percentile`` = share of ``hist`` ≤ ``current`` once both are rounded
        to 9 decimals (:func:`round_for_ties`), in [0, 1]. Values so large that their sum or squares
        overflow are scaled by the largest magnitude first, so ``mean`` and ``z`` stay finite.
    """
    count = int(hist.size)
    rounded = round_for_ties(hist)
    with np.errstate(over="ignore", invalid="ignore"):     # overflow: handled just below
        mean = float(hist.mean())
        sd = float(hist.std(ddof=1)) if count >= 2 else math.nan
    if not math.isfinite(mean):          # the sum overflowed (inf, or inf - inf = NaN)
        mean = _mean_in_scaled_units(hist)
    if count >= 2 and rounded.min() == rounded.max():
        sd = 0.0                         # equal values: [0.1] * 3 has a float-noise s of 1e-17
    z = (current - mean) / sd if sd > 0 else math.nan
    if (count >= 2 and not math.isfinite(sd)) or math.isinf(current - mean):
        z, sd = _z_in_scaled_units(current, hist)
    percentile = float(np.count_nonzero(rounded <= round_for_ties(current))) / count
    return Standing(mean, sd, z, percentile)


def _for_ties(x: float) -> float:
    """``x`` rounded to 9 decimals, so that a ratio or z-score equal to its limit is not pushed
    past it by float noise (0.2 / mean(0.1, 0.25, 0.25) is 1.0000000000000002)."""
    return float(round_for_ties(x))


def _mean_in_scaled_units(hist: np.ndarray) -> float:
    """Mean of values whose sum overflows: the values are divided by the largest magnitude first."""
    scale = float(np.max(np.abs(hist)))
    return float((hist / scale).mean()) * scale


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
