"""Breadth and streak records: "inflows in 25 of the past 27 weeks", "the longest streak since".

Each function answers one flow-note sentence (SPEC.md §2b):

* :func:`flow_count` — "inflows in 25 of the past 27 weeks" (``FLOW_COUNT``);
* :func:`streak_longest_since` — "14 weeks, the longest on record", "11 consecutive weeks of
  outflows, the longest streak since Q4 2008", "snapped their longest outflow streak since …"
  (``STREAK_LONGEST_SINCE``).

Conventions (as in :mod:`xlflows.core.flows`): ``flows`` is a float Series of weekly net flows in
$bn, oldest first, without NaN; the direction of a week is its sign (inflow > 0, outflow < 0,
flat exactly 0). A *run* is a maximal stretch of weeks of one direction, as in ``FLOW_STREAKS``:
consecutive flat weeks form a flat run, and a flat week ends an inflow or outflow run. Each answer
is one pass over the weeks: O(n).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from xlflows.core.constants import CURRENT, FLAT, INFLOW, OUTFLOW, PREVIOUS
from xlflows.core.flows import dated_index, flow_values, refuse_missing, run_starts, weeks_text
from xlflows.core.validate import choice, whole_number
from xlflows.errors import InputError

__all__ = ["DIRECTIONS", "WHICH_RUNS", "LongestSince", "flow_count", "streak_longest_since"]

#: ``direction`` of :func:`flow_count`.
DIRECTIONS = (INFLOW, OUTFLOW, FLAT)
#: ``which`` of :func:`streak_longest_since`.
WHICH_RUNS = (CURRENT, PREVIOUS)


def flow_count(flows: pd.Series, n: int, direction: str = INFLOW) -> int:
    """How many of the last ``n`` weeks had flows in ``direction`` (``FLOW_COUNT``).

    Parameters
    ----------
    flows : pandas.Series
        Weekly net flows in $bn, oldest first (any index; only the order is used).
    n : int
        Weeks to look at, counted back from the latest (at least 1, at most the weeks of data).
    direction : {"inflow", "outflow", "flat"}, default "inflow"
        Count weeks with a flow > 0, < 0, or exactly 0.

    Returns
    -------
    int
        From 0 to ``n``: "inflows in 25 of the past 27 weeks" is ``flow_count(flows, 27) == 25``.

    Raises
    ------
    InputError
        Fewer than ``n`` weeks of data: ``n: 30 weeks, expected at most 27, the weeks of data in
        flows`` (a count over fewer weeks than asked would read as the asked-for one).
    """
    n = whole_number(n, "n", minimum=1)
    direction = choice(direction, "direction", DIRECTIONS)
    values = flow_values(flows)
    if n > values.size:
        raise InputError(f"n: {weeks_text(n)}, expected at most {values.size}, the weeks of data "
                         "in flows")
    last = values[values.size - n:]
    with np.errstate(over="ignore", invalid="ignore"):
        total = last.sum()                    # one pass: a NaN or an infinity makes it so
    if not np.isfinite(total):                # (so does an overflow: then nothing is refused)
        refuse_missing(last, values.size - n)
    if direction == INFLOW:
        return int(np.count_nonzero(last > 0))
    if direction == OUTFLOW:
        return int(np.count_nonzero(last < 0))
    return int(np.count_nonzero(last == 0))


class LongestSince(NamedTuple):
    """Result of :func:`streak_longest_since`.

    Attributes
    ----------
    since : pandas.Timestamp or None
        End date of the most recent earlier run of the same direction at least as long; None
        when there is none (``record``) or when the run is flat (``direction`` 0, ``flat``).
    direction : int
        +1 inflow run, −1 outflow run, 0 flat run.
    weeks : int
        The run's length in weeks.
    """

    since: pd.Timestamp | None
    direction: int
    weeks: int


def streak_longest_since(flows: pd.Series, which: str = CURRENT) -> LongestSince:
    """When a run as long as the current (or the just-ended) one last happened
    (``STREAK_LONGEST_SINCE``).

    Parameters
    ----------
    flows : pandas.Series
        Weekly net flows in $bn, oldest first, indexed by week-ending dates (DatetimeIndex).
    which : {"current", "previous"}, default "current"
        ``"current"``: the run the latest week belongs to ("11 consecutive weeks of outflows,
        the longest since …"). ``"previous"``: the run just before it, i.e. the streak the
        latest run ended ("snapped their longest outflow streak since …").

    Returns
    -------
    LongestSince
        For that run of k weeks in one direction: the end date of the most recent earlier run
        (ending before it starts) of the same direction with at least k weeks (ties count), or
        None when there is none ("record"). A flat run has no direction to compare: ``since``
        None, ``direction`` 0 ("flat").

    Raises
    ------
    InputError
        ``which="previous"`` when the data hold one run only (no run has ended yet).

    Examples
    --------
    Flows 5, 1, 2, 3: the current inflow run has 4 weeks, none earlier → "record".
    """
    which = choice(which, "which", WHICH_RUNS)
    values = flow_values(flows)
    index = dated_index(flows)
    refuse_missing(values, 0)                        # every run is looked at
    signs = np.sign(values).astype(np.int8)
    starts = run_starts(signs)
    lengths = np.diff(np.append(starts, values.size))
    target = starts.size - 1 if which == CURRENT else starts.size - 2
    if target < 0:
        raise InputError('which: "previous", but the flows are one run of '
                         f"{weeks_text(values.size)}, expected an earlier run that has ended")
    direction, weeks = int(signs[starts[target]]), int(lengths[target])
    if direction == 0:
        return LongestSince(None, 0, weeks)
    run_signs = signs[starts[:target]]
    match = np.flatnonzero((run_signs == direction) & (lengths[:target] >= weeks))
    if match.size == 0:
        return LongestSince(None, direction, weeks)
    last = int(match[-1])
    return LongestSince(index[starts[last] + lengths[last] - 1], direction, weeks)
