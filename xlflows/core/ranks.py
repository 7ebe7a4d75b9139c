"""Where the latest window stands in history: "2nd largest on record", "in the 99th percentile".

Each function answers one flow-note sentence (SPEC.md §2b):

* :func:`flow_rank` — "the 2nd largest week of inflows ever", "the biggest weekly outflow this
  year" (``FLOW_RANK``);
* :func:`flow_zscore` — "in the 99th percentile, two standard deviations above average"
  (``FLOW_ZSCORE``).

Conventions (as in :mod:`xlflows.core.flows`): ``flows`` is a float Series of weekly net flows in
$bn, oldest first, without NaN. A *window* is a trailing ``weeks``-week sum over rows; windows
overlap (every week ending a complete window ends one). *Earlier* windows end before the latest
row. Window sums compared with each other are rounded to 9 decimals first
(:func:`xlflows.core.calendar.round_for_ties`), so float noise cannot break a tie. Each answer is
one pass over the window sums: O(n).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlflows.core.calendar import PERIODS, period_start, round_for_ties
from xlflows.core.constants import ALL
from xlflows.core.flows import calendar_index, flow_values, need_weeks, window_sums
from xlflows.core.growth import standing
from xlflows.core.validate import choice, whole_number
from xlflows.errors import InputError

__all__ = ["RANK_PERIODS", "Rank", "ZScore", "flow_rank", "flow_zscore"]

#: ``period`` of :func:`flow_rank`: all history (the default) or the latest row's calendar period.
RANK_PERIODS = (ALL,) + PERIODS


class Rank(NamedTuple):
    """Result of :func:`flow_rank`.

    Attributes
    ----------
    rank : int or None
        1 + the number of earlier windows of the same direction strictly larger in that
        direction; None when the latest window is flat (``direction`` 0).
    of : int or None
        The windows of that direction counted, the latest included; None when flat.
    direction : int
        Sign of the latest window sum (rounded): +1 inflow, −1 outflow, 0 flat.
    total : float
        The latest window sum in $bn, rounded to 9 decimals.
    """

    rank: int | None
    of: int | None
    direction: int
    total: float


class ZScore(NamedTuple):
    """Result of :func:`flow_zscore`.

    Attributes
    ----------
    z : float
        (latest − mean) / s over the earlier windows compared, s the sample standard deviation
        (n − 1); NaN with fewer than 2 windows or when they are all equal.
    percentile : float
        Share of those windows ≤ the latest (rounded for ties), in [0, 1]; NaN with none.
    windows : int
        How many earlier windows were compared.
    total : float
        The latest window sum in $bn.
    """

    z: float
    percentile: float
    windows: int
    total: float


def _complete_windows(flows: pd.Series, weeks: int, what: str) -> np.ndarray:
    """The ``weeks``-week sums of every complete window, oldest first (the latest one last)."""
    values = flow_values(flows)
    need_weeks(values.size, weeks, what)
    return window_sums(values, weeks)[weeks - 1:]


def _first_row_in_period(index: pd.DatetimeIndex, period: str) -> int:
    """Position of the first row in the latest row's calendar ``period`` (dates sorted)."""
    return int(index.searchsorted(period_start(index[-1], period), side="left"))


def flow_rank(flows: pd.Series, weeks: int = 1, period: str = ALL) -> Rank:
    """Rank of the latest ``weeks``-week sum among the windows of its direction (``FLOW_RANK``).

    Parameters
    ----------
    flows : pandas.Series
        Weekly net flows in $bn, oldest first; indexed by week-ending dates (a DatetimeIndex)
        when ``period`` is a calendar period.
    weeks : int, default 1
        Window length in weeks (at least 1, at most the number of weeks of data).
    period : {"all", "year", "quarter", "month"}, default "all"
        ``"all"``: every earlier window ("on record"). ``"year"``: only windows ending in the
        latest row's calendar year ("this year"; a window that began in December still counts
        when it ends in January); likewise ``"quarter"`` and ``"month"``.

    Returns
    -------
    Rank
        The direction is the sign of the latest window sum. ``rank`` = 1 + the number of earlier
        windows of that direction strictly larger in it (> for an inflow, < for an outflow:
        ties share the better rank, "at least as large"), ``of`` = the windows of that direction,
        the latest included. Flat windows (sum 0) are counted in neither. A flat latest window
        gives ``rank`` and ``of`` None ("flat").

    Examples
    --------
    Flows 1, −2, 3, 4, −1, 5: the latest 5 against the earlier inflows 1, 3, 4 is Rank 1 of 4
    ("the largest weekly inflow on record"). A note says "2nd largest on record" for Rank 2.
    """
    weeks = whole_number(weeks, "weeks", minimum=1)
    period = choice(period, "period", RANK_PERIODS)
    sums = _complete_windows(flows, weeks, "rank")
    if period != ALL:
        first = _first_row_in_period(calendar_index(flows), period)
        sums = sums[max(first - (weeks - 1), 0):]         # windows ending in the period
    rounded = round_for_ties(sums)
    latest = float(rounded[-1])
    if latest == 0:
        return Rank(None, None, 0, 0.0)
    earlier = rounded[:-1]
    if latest > 0:
        larger, same = np.count_nonzero(earlier > latest), np.count_nonzero(earlier > 0)
    else:
        larger, same = np.count_nonzero(earlier < latest), np.count_nonzero(earlier < 0)
    return Rank(1 + int(larger), 1 + int(same), 1 if latest > 0 else -1, latest)


def flow_zscore(flows: pd.Series, weeks: int = 1, lookback: int | None = None) -> ZScore:
    """z-score and percentile of the latest ``weeks``-week sum among earlier ones (``FLOW_ZSCORE``).

    Parameters
    ----------
    flows : pandas.Series
        Weekly net flows in $bn, oldest first (any index; only the order is used).
    weeks : int, default 1
        Window length in weeks (at least 1, at most the number of weeks of data).
    lookback : int, optional
        Compare with the last ``lookback`` earlier windows only (e.g. 260 for five years of
        weeks); default every earlier window. More than there are is refused, not shortened.

    Returns
    -------
    ZScore
        ``z`` = (latest − mean) / s over the earlier windows (sample s, n − 1, Excel's
        ``STDEV.S``; NaN with fewer than 2 windows or all equal); ``percentile`` = share of them
        ≤ the latest (NaN with none). The percentile is measured upwards whatever the direction:
        a large inflow is near 1, a large outflow near 0, so it agrees in sign with ``z``. A flat
        latest window is a value like any other here (0 is compared with the others).

    Examples
    --------
    Flows 1, 2, 3, 6: the latest 6 against 1, 2, 3 (mean 2, s 1) is z = 4, percentile 1.
    """
    weeks = whole_number(weeks, "weeks", minimum=1)
    sums = _complete_windows(flows, weeks, "z-score")
    latest, earlier = float(sums[-1]), sums[:-1]
    if lookback is not None:
        lookback = whole_number(lookback, "lookback", minimum=1)
        if lookback > earlier.size:
            raise InputError(
                f"lookback: {lookback}, expected at most {earlier.size}, the earlier "
                f"{weeks}-week windows in flows"
            )
        earlier = earlier[earlier.size - lookback:]
    if earlier.size == 0:
        return ZScore(math.nan, math.nan, 0, latest)
    _, _, z, percentile = standing(latest, earlier)
    return ZScore(z, percentile, int(earlier.size), latest)
