"""Hiking cycles of a policy rate, what money-fund assets did after them, and when the peak is due.

These answer the flow note's "inflows continued 14 months after the last hike on average → peak
projected Sep 2024". Rates are in percent (DFEDTAR, or DFEDTARU — the target range's upper bound —
from 2008-12-16 on), rises in basis points, growth as a fraction (0.33 = +33%), month arithmetic
Excel's ``EDATE``/``DATEDIF``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlflows.core.calendar import (
    add_months,
    edate,
    excel_round,
    excel_round_array,
    round_for_ties,
    signed_months_array,
)
from xlflows.core.constants import (
    CYCLE_COLUMNS,
    CYCLE_INFLOW_COLUMNS,
    DEFAULT_HORIZON_MONTHS,
    DEFAULT_MIN_HIKES,
    DEFAULT_MIN_RISE_BP,
    PEAK_ADDITION,
    PEAK_YOY,
)
from xlflows.core.growth import yoy_addition_values, yoy_growth_values
from xlflows.core.validate import (
    choice,
    date_values,
    levels,
    number,
    numbers,
    timestamp,
    whole_number,
)
from xlflows.errors import InputError

#: What ``rates`` holds for :func:`hike_cycles`.
RATE_KINDS = ("level", "change")
#: What :func:`cycle_inflows` measures in each cycle's window.
INFLOW_MEASURES = ("yoy", "additions")
#: Decimals of the rise in basis points before it is compared with ``min_rise_bp``.
RISE_DECIMALS = 6
#: Basis points per percentage point.
BP_PER_POINT = 100.0


def hike_cycles(rates: pd.Series, min_hikes=DEFAULT_MIN_HIKES, min_rise_bp=DEFAULT_MIN_RISE_BP,
                kind: str = "level") -> pd.DataFrame:
    """The hiking cycles of a policy rate, oldest first.

    A cycle is a maximal run of increases with no decrease between them; unchanged days are
    ignored, so a daily series and a table of the change dates give the same cycles. Each increase
    is one hike, even on consecutive days. A run is reported when it has at least ``min_hikes``
    hikes and its rise (peak − level before the first hike, in bp rounded to 6 decimals) is at
    least ``min_rise_bp``; both thresholds are inclusive.

    Parameters
    ----------
    rates : pandas.Series
        On a sorted, unique DatetimeIndex, no NaN. ``kind="level"``: the rate in percent (daily
        like FRED DFEDTAR/DFEDTARU, or only on the dates it changed, starting with the level before
        the first change). ``kind="change"``: one change per date, in percentage points
        (0.25 = +25 bp); zero changes are ignored.
    min_hikes : int, default 3
        Whole number, 1 or more.
    min_rise_bp : float, default 100
        0 or more.
    kind : {"level", "change"}, default "level"

    Returns
    -------
    pandas.DataFrame
        Columns ``First hike``, ``Last hike`` (Timestamps), ``Hikes`` (int), ``Rise (bp)``
        (float), ``Peak rate`` (percent after the last hike; NaN for ``kind="change"``) and
        ``First cut`` (the date of the decrease that ended the run; NaT while the run is still
        open at the end of the data). One row per cycle, index 0..n−1.

    Examples
    --------
    Levels 1.00 (Jan 1), 1.25 (Feb 1), 1.50 (Mar 1), 1.50 (Mar 2), 2.00 (Apr 1), 1.75 (May 1):
    one cycle, Feb 1 → Apr 1, 3 hikes, 100 bp, peak 2.00, first cut May 1.
    """
    return pd.DataFrame(cycle_columns(rates, min_hikes, min_rise_bp, kind))


def cycle_columns(rates: pd.Series, min_hikes=DEFAULT_MIN_HIKES,
                  min_rise_bp=DEFAULT_MIN_RISE_BP, kind: str = "level") -> dict[str, np.ndarray]:
    """:func:`hike_cycles` as a dict of column name -> numpy array, without a DataFrame.

    The UDFs spill these arrays directly, and :func:`cycle_inflows` accepts them as its
    ``cycles``; :func:`hike_cycles` wraps them in a DataFrame.
    """
    kind = choice(kind, "kind", RATE_KINDS)
    min_hikes = whole_number(min_hikes, "min_hikes", minimum=1)
    min_rise = number(min_rise_bp, "min_rise_bp", minimum=0, expected="a number of basis points")
    values = levels(rates, "rates").to_numpy()
    dates = date_values(rates.index)        # numpy, not the index: slicing an index costs more

    if values.size == 0:
        raise InputError(f"rates: no values, expected at least one {kind}")
    if kind == "level":
        # a single level (a rate that never moved) is valid: no change, no cycle
        change = np.diff(values)
        change_dates = dates[1:]
    else:
        change = values
        change_dates = dates
    sign = np.sign(round_for_ties(change))
    moves = np.flatnonzero(sign != 0)          # positions in `change` of real moves
    move_sign = sign[moves]

    # runs of consecutive increases among the moves: first and last move of each run
    rising = move_sign > 0
    rise_before = np.concatenate(([False], rising[:-1]))    # the previous move was a rise
    rise_after = np.concatenate((rising[1:], [False]))      # the next move is a rise
    starts = np.flatnonzero(rising & ~rise_before)
    stops = np.flatnonzero(rising & ~rise_after)
    long_enough = stops - starts + 1 >= min_hikes
    starts, stops = starts[long_enough], stops[long_enough]
    hikes = stops - starts + 1
    first, last = moves[starts], moves[stops]
    if kind == "level":
        peaks = values[last + 1]                # change[i] = values[i + 1] - values[i]
        rises = peaks - values[first]
    else:
        peaks = np.full(starts.size, np.nan)
        rises = np.array([change[moves[a:b + 1]].sum() for a, b in zip(starts, stops)])
    rises_bp = _rounded_bp(rises)
    keep = rises_bp >= min_rise if rises_bp.size else np.zeros(0, dtype=bool)
    # the decrease that ended each run (none when the run is open at the end of the data)
    after = stops + 1
    cut_at = np.where(after < moves.size, moves[np.minimum(after, moves.size - 1)], -1)
    when = change_dates
    cuts = np.where(cut_at >= 0, when[np.maximum(cut_at, 0)], np.datetime64("NaT"))
    return {
        CYCLE_COLUMNS[0]: when[first[keep]],
        CYCLE_COLUMNS[1]: when[last[keep]],
        CYCLE_COLUMNS[2]: hikes[keep].astype(np.int64),
        CYCLE_COLUMNS[3]: rises_bp[keep].astype(float),
        CYCLE_COLUMNS[4]: peaks[keep].astype(float),
        CYCLE_COLUMNS[5]: cuts[keep].astype(when.dtype),
    }

def _rounded_bp(rises: np.ndarray) -> np.ndarray:
    """Rises in points -> basis points rounded like ``ROUND(…, 6)``, as float64."""
    return excel_round_array(np.asarray(rises, dtype=float) * BP_PER_POINT, RISE_DECIMALS)


def cycle_inflows(cycles: pd.DataFrame, assets: pd.Series, horizon_months=DEFAULT_HORIZON_MONTHS,
                  measure: str = "yoy") -> pd.DataFrame:
    """When money-fund assets grew fastest after each completed hiking cycle, and by how much.

    Each cycle's window runs from its first hike (inclusive) to the earliest of the next cycle's
    first hike in ``cycles`` (exclusive), ``EDATE(last hike, horizon_months)`` (inclusive) and the
    end of the data (a window cut short by the end of the data is kept). The peak is the
    observation in the window with the highest year-over-year growth (``measure="yoy"``, see
    :func:`xlflows.core.growth.yoy_growth`, computed on the whole series so the first quarters of a
    window can look back before it) or the largest 12-month change of the level
    (``measure="additions"``). On a tie the earliest observation wins.

    Cycles still open (no first cut) are left out, and so are cycles with no observation in their
    window or no year-earlier value for any observation in it.

    Parameters
    ----------
    cycles : pandas.DataFrame or dict
        As returned by :func:`hike_cycles` or :func:`cycle_columns` (at least ``First hike``,
        ``Last hike``, ``First cut``).
    assets : pandas.Series
        Levels (e.g. money-fund assets in $bn) on a sorted, unique DatetimeIndex, no NaN. Dates are
        used as given: a quarterly series dated at the quarter's first day is not re-dated.
    horizon_months : int, default 36
        Whole number, 0 or more.
    measure : {"yoy", "additions"}, default "yoy"

    Returns
    -------
    pandas.DataFrame
        Columns ``First hike``, ``Last hike``, ``Peak date``, ``Months after last hike`` (int,
        ``DATEDIF(last hike, peak, "m")``, negative when the peak came first) and ``Peak YoY
        growth`` (fraction) or ``Peak 12-month addition`` (the level's unit). Oldest first.
    """
    return pd.DataFrame(cycle_inflow_columns(cycles, assets, horizon_months, measure))


def cycle_inflow_columns(cycles, assets: pd.Series, horizon_months=DEFAULT_HORIZON_MONTHS,
                         measure: str = "yoy") -> dict[str, np.ndarray]:
    """:func:`cycle_inflows` as a dict of column name -> numpy array, without a DataFrame."""
    measure = choice(measure, "measure", INFLOW_MEASURES)
    horizon = whole_number(horizon_months, "horizon_months", minimum=0)
    firsts, lasts, cuts = _cycle_dates(cycles)
    if assets.empty:
        raise InputError("assets: no values, expected at least one level")
    dates = date_values(assets.index)
    score = yoy_growth_values if measure == "yoy" else yoy_addition_values
    values = score(levels(assets, "assets").to_numpy(), dates)
    # NaN (no year-earlier value) never wins: -inf in its place, unless a window holds -inf
    ranked = np.where(np.isnan(values), -np.inf, values)

    # window k: [first hike k, min(EDATE(last hike k, horizon), end of data)], cut before the
    # next reported cycle's first hike
    ends = np.minimum(add_months(lasts, horizon), dates[-1])
    lo = np.searchsorted(dates, firsts.astype(dates.dtype), side="left")
    hi = np.searchsorted(dates, ends.astype(dates.dtype), side="right")
    hi[:-1] = np.minimum(hi[:-1], lo[1:])
    kept, peaks = [], []
    for k in np.flatnonzero(~np.isnat(cuts)).tolist():      # completed cycles only
        start, stop = int(lo[k]), int(hi[k])
        if stop <= start:
            continue
        best = start + int(ranked[start:stop].argmax())      # the earliest highest
        if ranked[best] == -np.inf:                         # all NaN, or -inf: numpy decides
            window = values[start:stop]
            if np.isnan(window).all():
                continue
            best = start + int(np.nanargmax(window))
        kept.append(k)
        peaks.append(best)
    peak_dates = dates[peaks] if peaks else dates[:0]
    months = signed_months_array(lasts[kept], peak_dates)
    last_column = PEAK_YOY if measure == "yoy" else PEAK_ADDITION
    return {
        CYCLE_INFLOW_COLUMNS[0]: firsts[kept],
        CYCLE_INFLOW_COLUMNS[1]: lasts[kept],
        CYCLE_INFLOW_COLUMNS[2]: peak_dates,
        CYCLE_INFLOW_COLUMNS[3]: np.asarray(months, dtype=np.int64),
        last_column: values[peaks].astype(float) if peaks else np.empty(0),
    }

def peak_projection(last_hike, months) -> pd.Timestamp:
    """Projected peak month: ``EDATE(last_hike, ROUND(AVERAGE(months), 0))``.

    The average is rounded half away from zero (13.5 → 14, −0.5 → −1) and the month step clamps
    to the month end like ``EDATE``.

    Parameters
    ----------
    last_hike : date-like
        The current cycle's last hike.
    months : float or sequence of float
        Months after the last hike at which previous cycles peaked (may be negative).

    Returns
    -------
    pandas.Timestamp

    Examples
    --------
    >>> peak_projection("2023-07-26", [9, 13, 15, 19])    # average 14
    Timestamp('2024-09-26 00:00:00')
    """
    start = timestamp(last_hike, "last_hike")
    steps = numbers(months, "months", expected="a number of months").tolist()
    step = excel_round(sum(steps) / len(steps), 0)
    try:
        return edate(start, int(step))
    except (OverflowError, ValueError):         # pandas' OutOfBoundsDatetime is a ValueError
        raise InputError(
            f"months: an average of {step:g} months from {start:%Y-%m-%d} is beyond the dates "
            "pandas can hold, expected a realistic number of months"
        ) from None


def _dates_column(cycles, column: str) -> np.ndarray:
    values = np.asarray(cycles[column])
    if values.dtype.kind != "M":
        values = pd.to_datetime(pd.Series(cycles[column])).to_numpy()
    return values


def _cycle_dates(cycles: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First hikes, last hikes and first cuts (NaT while open) of a :func:`hike_cycles` table."""
    if not isinstance(cycles, (pd.DataFrame, dict)):
        raise InputError("cycles: expected the table that hike_cycles returns")
    for column in ("First hike", "Last hike", "First cut"):
        if column not in cycles:
            raise InputError(
                f"cycles: no column {column!r}, expected the table that hike_cycles returns"
            )
    firsts, lasts, cuts = (_dates_column(cycles, column)
                           for column in ("First hike", "Last hike", "First cut"))
    if np.isnat(firsts).any() or np.isnat(lasts).any():
        raise InputError("cycles: a blank first or last hike, expected dates in every row")
    if (firsts[1:] < firsts[:-1]).any():
        raise InputError("cycles: first hikes are not in order, expected oldest first")
    return firsts, lasts, cuts
