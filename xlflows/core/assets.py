"""Asset levels in a flow note: records, drawdowns, flows from levels, flows as % of assets.

Each function answers one flow-note sentence (SPEC.md §2b):

* :func:`level_record` — "a record $7.03 trillion", "since peaking at a record … down 25.7%"
  (``LEVEL_RECORD``);
* :func:`flows_from_levels` — money-fund "flows" are weekly changes in assets: "assets have risen
  in 22 of the last 31 weeks" (``FLOWS_FROM_LEVELS``, whose result the flow functions take);
* :func:`flow_pct` — flows as a share of start-of-week assets: "+0.09% of weekly AUM", "the
  highest since July 2015 when measured in % of NAV" (``FLOW_PCT``).

Levels (fund assets, in any unit) are float Series on a sorted, unique DatetimeIndex with no NaN,
as :func:`xlflows.core.validate.levels` checks; shares are fractions (0.0009 = 0.09%), never
percentages. Each answer is a few passes over the data: O(n).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlflows.core.flows import backward_chunks, flow_values, refuse_missing
from xlflows.core.growth import median_gap
from xlflows.core.validate import date_values, levels as checked_levels, whole_number
from xlflows.errors import InputError

__all__ = ["GAP_SPACINGS", "LevelRecord", "flow_pct", "flows_from_levels", "level_record"]

#: Rows per slice of the N-week products in :func:`flow_pct` (its arrays fit the CPU cache).
_SLICE = 1 << 16
#: A change between two observations further apart than this many median spacings is blank:
#: it would be several weeks of flows read as one.
GAP_SPACINGS = 1.5


def _observed(levels: pd.Series) -> pd.Series:
    """The checked levels, at least one."""
    observed = checked_levels(levels, "levels")
    if observed.empty:
        raise InputError("levels: no values, expected at least one level")
    return observed


class LevelRecord(NamedTuple):
    """Result of :func:`level_record`.

    Attributes
    ----------
    record : bool
        The latest level is at least every earlier one.
    last_higher : pandas.Timestamp or None
        Date of the most recent earlier level above the latest; None when ``record``.
    from_peak : float
        latest ÷ highest − 1 (0.0 at a record, negative below it); NaN when the highest level is
        not positive.
    peak : float
        The highest level.
    peak_date : pandas.Timestamp
        Its date (the latest of them when it was reached more than once).
    """

    record: bool
    last_higher: pd.Timestamp | None
    from_peak: float
    peak: float
    peak_date: pd.Timestamp


def level_record(levels: pd.Series) -> LevelRecord:
    """Is the latest level a record, and how far is it from the peak (``LEVEL_RECORD``)?

    Parameters
    ----------
    levels : pandas.Series
        Levels (e.g. money-fund assets in $bn) on a sorted, unique DatetimeIndex, no NaN.

    Returns
    -------
    LevelRecord
        ``record`` when the latest level is ≥ every earlier one (equalling the high counts: "at a
        record"); otherwise ``last_higher`` is the date of the most recent earlier level strictly
        above it ("the highest since …"). ``from_peak`` = latest ÷ the highest level − 1 ("down
        25.7% from the peak"). Levels are compared as given, not rounded.

    Examples
    --------
    Levels 10, 12, 11: not a record, last higher on the date of 12, 11/12 − 1 = −8.33%.
    """
    observed = _observed(levels)
    values = observed.to_numpy()
    latest = values[-1]
    peak = float(values.max())
    peak_at = _last_where(values, values.size, lambda chunk: chunk == peak)
    from_peak = float(latest / peak - 1.0) if peak > 0 else math.nan
    if latest >= peak:
        return LevelRecord(True, None, from_peak, peak, observed.index[peak_at])
    last_higher = _last_where(values, values.size - 1, lambda chunk: chunk > latest)
    return LevelRecord(False, observed.index[last_higher], from_peak, peak,
                       observed.index[peak_at])


def _last_where(values: np.ndarray, stop: int, test) -> int:
    """The last position before ``stop`` where ``test`` holds (it holds somewhere), read back
    from ``stop`` in doubling chunks: the answer is usually among the latest observations."""
    for start, end in backward_chunks(stop):
        hits = np.flatnonzero(test(values[start:end]))
        if hits.size:
            return start + int(hits[-1])
    raise ValueError("no position passes the test")


def flows_from_levels(levels: pd.Series) -> pd.Series:
    """The change of a level from each observation to the next, as flows (``FLOWS_FROM_LEVELS``).

    Parameters
    ----------
    levels : pandas.Series
        Levels (e.g. weekly money-fund assets in $bn) on a sorted, unique DatetimeIndex, no NaN.

    Returns
    -------
    pandas.Series
        Same index; level − previous level, in the level's unit. NaN for the first observation
        and where the two observations are more than :data:`GAP_SPACINGS` (1.5) median spacings
        apart: a missing week gives a blank, not a two-week change read as one week's flow. (The
        rule follows the spacing of the data: in daily data a Monday after a weekend is blank.)
    """
    observed = _observed(levels)
    values = observed.to_numpy()
    out = np.empty(values.size)
    out[0] = np.nan
    np.subtract(values[1:], values[:-1], out=out[1:])
    if values.size > 2:
        gaps = np.diff(date_values(observed.index))
        out[1:][gaps > median_gap(gaps) * GAP_SPACINGS] = np.nan
    return pd.Series(out, index=observed.index, name="flows", copy=False)


def _assets_by_row(assets: object, size: int) -> np.ndarray:
    """Assets as a float array of ``size`` rows: NaN is missing; infinite or negative refused."""
    values = np.asarray(assets, dtype=float)
    if values.ndim != 1 or values.size != size:
        raise InputError(f"flows and assets: {size} rows vs {values.size} rows, expected the "
                         "same length")
    low, high = np.fmin.reduce(values), np.fmax.reduce(values)        # NaN skipped
    if not low >= 0 or high == np.inf:
        bad = (values < 0) | np.isinf(values)
        row = int(np.argmax(bad))
        if bad[row]:
            raise InputError(f"assets: row {row + 1} is {values[row]:g}, expected a level of at "
                             "least 0")
    return values


def _window_products(factors: np.ndarray, weeks: int) -> np.ndarray:
    """Product of each ``weeks`` consecutive factors ending at each row (NaN for the first
    ``weeks - 1`` rows), exactly: no division, O(n).

    The rows are cut into blocks of ``weeks``; a window is either one whole block (its running
    product from the left) or the tail of one block times the head of the next (a running
    product from the right times one from the left).
    """
    n = factors.size
    out = np.full(n, np.nan)
    if weeks > n:
        return out
    blocks = -(-n // weeks)
    padded = np.ones(blocks * weeks)
    padded[:n] = factors
    grid = padded.reshape(blocks, weeks)
    from_left = np.multiply.accumulate(grid, axis=1).ravel()
    from_right = np.multiply.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    # the window ending at row e starts at s = e - weeks + 1: tail of s's block x head to e
    np.multiply(from_right[:n - weeks + 1], from_left[weeks - 1:n], out=out[weeks - 1:])
    out[weeks - 1::weeks] = from_left[weeks - 1:n:weeks]      # s on a block start: one block
    return out


def _compounded(share: np.ndarray, weeks: int) -> np.ndarray:
    """Π(1 + share) − 1 over each ``weeks`` consecutive rows (NaN for the first ``weeks - 1``),
    slice by slice of :data:`_SLICE` rows, so the products' arrays stay in the CPU cache."""
    out = np.full(share.size, np.nan)
    for first in range(weeks - 1, share.size, _SLICE):
        stop = min(share.size, first + _SLICE)
        products = _window_products(1.0 + share[first - weeks + 1: stop], weeks)
        np.subtract(products[weeks - 1:], 1.0, out=out[first:stop])
    return out


def flow_pct(flows: pd.Series, assets, weeks: int = 1) -> pd.Series:
    """Flows as a share of start-of-week assets (``FLOW_PCT``).

    Parameters
    ----------
    flows : pandas.Series
        Weekly net flows, oldest first (any index; only the order is used).
    assets : sequence of float
        Assets at the end of each week, row by row with ``flows`` and in the same unit; NaN
        where missing. Negative assets are refused.
    weeks : int, default 1
        1: each week's flow ÷ the previous row's assets (the assets at the start of the week).
        N > 1: the N weeks compounded, Π(1 + weekly share) − 1 over the last N weeks — the
        figure the weekly shares make when chained, not their sum (the flow functions sum what
        they are given: give them the N-week figures from here rather than N-week sums of the
        weekly ones).

    Returns
    -------
    pandas.Series
        Same index as ``flows``; fractions (0.0009 = 0.09%). NaN for the first row (no assets
        before it), for a row whose start-of-week assets are missing or 0 (a share of nothing is
        undefined), for a missing flow, and for an N-week window holding any such row.

    Examples
    --------
    Flows 5, −2, 3 and assets 1000, 1005, 1003: blank, −2/1000 = −0.2%, 3/1005 = +0.2985%.
    """
    weeks = whole_number(weeks, "weeks", minimum=1)
    values = flow_values(flows)
    if np.isinf(values.sum()):                       # NaN is a missing flow: a blank share
        refuse_missing(np.where(np.isnan(values), 0.0, values), 0)
    start = _assets_by_row(assets, values.size)[:-1]
    share = np.empty(values.size)
    share[0] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(values[1:], np.where(start > 0, start, np.nan), out=share[1:])
    if weeks > 1:
        share = _compounded(share, weeks)
    index = flows.index if isinstance(flows, pd.Series) else pd.RangeIndex(values.size)
    return pd.Series(share, index=index, name="flow % of assets", copy=False)
