"""Flows by calendar period and since an event: "$756bn this year", "$467bn since November".

Each function answers one flow-note sentence (SPEC.md §2b):

* :func:`flow_period` — "$756bn into cash funds this year", year-to-date against the same point
  last year, "if inflows continue at the same pace … the largest annual inflow on record"
  (``FLOW_PERIOD``);
* :func:`flow_since` — "$467bn since the beginning of November", "$721.8bn since the Fed cut on
  9/18/24", or since the trough of the cumulative flows (``FLOW_SINCE``).

Conventions (as in :mod:`xlflows.core.flows`): ``flows`` is a float Series of weekly net flows in
$bn, oldest first, indexed by week-ending dates, without NaN. A week belongs to the calendar
period of its date. A period's total is only given when the data cover the period from its start:
the first week of data ends no later than the period's 7th day (a week ending on 7 January covers
1–7 January); otherwise the total would silently miss weeks and the answer is blank (NaN). Each
answer is O(n) (a few binary searches and one sum per year).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlflows.core.calendar import PERIODS, edate, period_start, round_for_ties, year_starts
from xlflows.core.constants import TROUGH, WEEKS_PER_YEAR, YEAR
from xlflows.core.flows import calendar_index, flow_values, refuse_missing
from xlflows.core.validate import choice, date_values, timestamp
from xlflows.errors import InputError

__all__ = ["PeriodTotals", "Since", "flow_period", "flow_since"]

#: The first week of data must end within this many days of a period's first day for the
#: period's total to count (the week ending on the 7th covers days 1 to 7). The day offsets are
#: in seconds: added to a date of a coarser unit than nanoseconds (a date before 1677 or after
#: 2262, which pandas 2.2 keeps as seconds) they keep its unit instead of overflowing into ns.
_COVER = pd.Timedelta(days=6).as_unit("s")
#: How far before the first week-ending date ``start`` may lie: that week covers those days.
_WEEK = pd.Timedelta(days=7).as_unit("s")
_DAY = pd.Timedelta(days=1).as_unit("s")


def _day(stamp: pd.Timestamp) -> str:
    return pd.Timestamp(stamp).strftime("%Y-%m-%d")


class PeriodTotals(NamedTuple):
    """Result of :func:`flow_period` (amounts in $bn; NaN where there is no answer).

    Attributes
    ----------
    to_date : float
        Sum of the weeks in the period of ``as_of``, up to it.
    last_year : float
        Sum of the weeks in the same period one year earlier, up to ``EDATE(as_of, -12)``.
    pace : float
        ``to_date × 52 / weeks`` (``period="year"`` only).
    pace_rank : int or None
        Rank of ``pace`` among the earlier complete calendar-year totals of its direction; None
        when the pace is flat or missing, or ``years`` is 0.
    pace_direction : int
        Sign of the pace (rounded for ties): +1, −1, 0 (flat); 0 also when there is no pace.
    weeks : int
        Weeks counted in ``to_date``.
    years : int
        Earlier complete calendar years the pace was ranked among (0 unless ``period="year"``).
    """

    to_date: float
    last_year: float
    pace: float
    pace_rank: int | None
    pace_direction: int
    weeks: int
    years: int


def _total(values: np.ndarray, dates: pd.DatetimeIndex, start: pd.Timestamp,
           end: pd.Timestamp) -> tuple[float, int]:
    """Sum and count of the weeks dated from ``start`` to ``end`` (inclusive); NaN and 0 when
    the data do not cover the period that starts at ``start``, or hold no week in it."""
    if dates[0] > start + _COVER:
        return math.nan, 0
    lo = int(dates.searchsorted(start, side="left"))
    hi = int(dates.searchsorted(end, side="right"))
    if hi <= lo:
        return math.nan, 0
    return _checked_sum(values, lo, hi), hi - lo


def _checked_sum(values: np.ndarray, lo: int, hi: int) -> float:
    """Sum of ``values[lo:hi]``; a missing week among them (or a sum that overflows) is refused.

    Only the weeks an answer adds up are checked, by the sum itself: no extra pass over the rest.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(values[lo:hi].sum())
    if not math.isfinite(total):
        _refuse_sum(values[lo:hi], lo)
    return total


def _refuse_sum(counted: np.ndarray, offset: int) -> None:
    """The missing week behind a sum that is not finite, or else the overflow, as a message."""
    refuse_missing(counted, offset)
    raise InputError("flows: the values are too large to add up, expected flows in $bn")


def _year_totals(values: np.ndarray, dates: pd.DatetimeIndex, before: int) -> np.ndarray:
    """Totals of the complete calendar years before year ``before``, oldest first.

    A year is complete when the data cover it from its start (see the module docstring) and
    hold at least one week in it; later years end before ``before`` begins, which the data reach.
    """
    first = pd.Timestamp(dates[0])
    first_year = first.year if first <= pd.Timestamp(first.year, 1, 1) + _COVER else first.year + 1
    if first_year >= before:
        return np.empty(0)
    starts = year_starts(first_year, before).astype(date_values(dates).dtype)
    bounds = np.searchsorted(date_values(dates), starts, side="left")
    sizes = np.diff(bounds)
    with np.errstate(over="ignore", invalid="ignore"):
        totals = np.add.reduceat(values, bounds[:-1])
    if not np.isfinite(totals).all():
        _refuse_sum(values[bounds[0]:bounds[-1]], int(bounds[0]))
    return totals[sizes > 0]           # reduceat gives a value for an empty year: none counts


def _rank_among(value: float, totals: np.ndarray) -> tuple[int | None, int]:
    """(rank, direction) of ``value`` among ``totals`` of its direction, as ``FLOW_RANK``."""
    latest = float(round_for_ties(value))
    if latest == 0:
        return None, 0
    rounded = round_for_ties(totals)
    larger = np.count_nonzero(rounded > latest) if latest > 0 else np.count_nonzero(
        rounded < latest)
    return 1 + int(larger), 1 if latest > 0 else -1


def flow_period(flows: pd.Series, period: str = YEAR, as_of=None) -> PeriodTotals:
    """Year-, quarter- or month-to-date flows, last year's at the same point, and the pace
    (``FLOW_PERIOD``).

    Parameters
    ----------
    flows : pandas.Series
        Weekly net flows in $bn, oldest first, indexed by week-ending dates (DatetimeIndex).
    period : {"year", "quarter", "month"}, default "year"
        The calendar period of ``as_of`` (year to date, quarter to date, month to date).
    as_of : date-like, optional
        Default the latest week-ending date. Must lie within the data: before the first week
        there is nothing, and after the latest week "the same point last year" would count more
        weeks than this year's data hold.

    Returns
    -------
    PeriodTotals
        * ``to_date`` — sum of the weeks dated in the period of ``as_of``, up to ``as_of``;
        * ``last_year`` — sum of the weeks dated in the same period one year earlier, up to
          ``EDATE(as_of, -12)`` (29 February → 28 February);
        * ``pace`` — ``to_date × 52 / weeks counted``, the annualised pace, for
          ``period="year"`` only (NaN otherwise);
        * ``pace_rank`` — rank of the pace among the totals of the earlier complete calendar
          years of its direction, as :func:`xlflows.core.ranks.flow_rank` ranks windows:
          1 + those strictly larger in that direction. None when the pace is flat (0), when
          there is no pace, and when no earlier calendar year is complete: with nothing to
          compare, "the largest annual inflow on record" would say nothing true.

        A total is NaN when the data do not cover its period from the start (the first week ends
        after the period's 7th day) or hold no week of it.

    Examples
    --------
    Weekly inflows of 1.0 through 2024 (52 weeks) and 2.0 for the first 10 weeks of 2025: to
    date 20.0, last year at the same point 10.0, pace 20 × 52 / 10 = 104, above 2024's 52:
    pace rank 1.
    """
    period = choice(period, "period", PERIODS)
    values = flow_values(flows)
    dates = calendar_index(flows)
    as_of = dates[-1] if as_of is None else timestamp(as_of, "as_of")
    if as_of < dates[0].normalize():
        raise InputError(f"as_of: {_day(as_of)} is before the first week ({_day(dates[0])}), "
                         "expected a date within the data")
    if as_of > dates[-1]:
        raise InputError(f"as_of: {_day(as_of)} is after the latest week ({_day(dates[-1])}), "
                         "expected a date within the data")
    start = period_start(as_of, period)
    to_date, weeks = _total(values, dates, start, as_of)
    year_ago = edate(as_of, -12)
    last_year, _ = _total(values, dates, period_start(year_ago, period), year_ago)
    if period != YEAR or weeks == 0:
        return PeriodTotals(to_date, last_year, math.nan, None, 0, weeks, 0)
    pace = to_date * WEEKS_PER_YEAR / weeks
    totals = _year_totals(values, dates, start.year)
    rank, direction = _rank_among(pace, totals)
    return PeriodTotals(to_date, last_year, pace, rank if totals.size else None, direction, weeks,
                        int(totals.size))


class Since(NamedTuple):
    """Result of :func:`flow_since`.

    Attributes
    ----------
    total : float
        Sum of the weeks counted, in $bn (0.0 when none).
    first : pandas.Timestamp or None
        Week-ending date of the first week counted; None when no week is counted (the trough is
        the latest week).
    """

    total: float
    first: pd.Timestamp | None


def _start(value: object) -> pd.Timestamp | str:
    """``start`` as a Timestamp or :data:`~xlflows.core.constants.TROUGH`."""
    if isinstance(value, str) and value.strip().lower() == TROUGH:
        return TROUGH
    try:
        return timestamp(value, "start")
    except InputError as exc:
        raise InputError(f'{exc} or "{TROUGH}"') from None


def flow_since(flows: pd.Series, start) -> Since:
    """Cumulative flows since a date, or since the trough of the cumulative flows (``FLOW_SINCE``).

    Parameters
    ----------
    flows : pandas.Series
        Weekly net flows in $bn, oldest first, indexed by week-ending dates (DatetimeIndex).
    start : date-like or "trough"
        A date: the weeks dated after it are summed ("$721.8bn since the Fed cut on 9/18/24":
        the week ending on the day of the cut is not counted). It must lie before the latest
        week, and at most 7 days before the first week-ending date (that week covers those
        days; an earlier start would silently miss weeks). ``"trough"``: the weeks after the
        lowest point of the cumulative sum of the flows, which starts at 0 before the first
        week — so flows that only ever rose are summed from the first week, and a trough in the
        latest week gives 0.

    Returns
    -------
    Since
        ``total`` in $bn and the first week counted. When the cumulative sum reaches its lowest
        value more than once, the latest of those weeks is the trough (the total is the same
        either way).
    """
    start = _start(start)
    values = flow_values(flows)
    dates = calendar_index(flows)
    if start == TROUGH:
        return _since_trough(values, dates)
    if start >= dates[-1].normalize():
        raise InputError(f"start: {_day(start)} is not before the latest week ({_day(dates[-1])}), "
                         "expected an earlier date")
    if start < dates[0].normalize() - _WEEK:
        raise InputError(f"start: {_day(start)} is more than a week before the first week "
                         f"({_day(dates[0])}), expected a date the data cover")
    first = int(dates.searchsorted(start + _DAY, side="left"))   # dated > start
    return Since(_checked_sum(values, first, values.size), dates[first])


def _since_trough(values: np.ndarray, dates: pd.DatetimeIndex) -> Since:
    """:func:`flow_since` from the lowest point of the cumulative sum (0 before the first week)."""
    with np.errstate(over="ignore", invalid="ignore"):
        cumulative = np.cumsum(values)
    lowest = float(cumulative.min())
    if not math.isfinite(lowest) or not math.isfinite(float(cumulative[-1])):
        _refuse_sum(values, 0)
    if lowest > 0:
        first = 0                                   # never down to the start: every week counts
    else:
        first = int(np.flatnonzero(cumulative == lowest)[-1]) + 1   # the week after the trough
    if first == values.size:
        return Since(0.0, None)
    return Since(float(values[first:].sum()), dates[first])
