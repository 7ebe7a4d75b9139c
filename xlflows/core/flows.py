"""Weekly flow analytics: streaks, "first in N weeks", "largest since", rolling sums.

Each function answers one flow-note sentence (SPEC.md §2):

* :func:`streak` — "a 3rd straight week of outflows" (``FLOW_STREAK``);
* :func:`first_in` — "the first outflow in 8 weeks" (``FLOW_FIRST_IN``);
* :func:`largest_since` — "the biggest 8-week inflow since Mar 2022" (``FLOW_LARGEST_SINCE``);
* :func:`largest_since_history` — the same look-back for every week at once, in O(n);
* :func:`rolling` — trailing N-week sums (``FLOW_ROLLING``);
* :func:`streaks` — the table of runs of one direction (``FLOW_STREAKS``).

Conventions
-----------
``flows`` is a float Series of weekly net flows in $bn, positive = inflow, oldest first, without
NaN (the Excel layer, ``xlflows.excel.convert``, guarantees this). Each row is one week; nothing
here looks at the spacing of the dates. The *direction* of a number is its sign: +1 inflow, −1
outflow, 0 flat (exactly zero). Window sums that are compared with each other are first rounded to
9 decimals (:func:`xlflows.core.calendar.round_for_ties`) so that float noise cannot break a tie.

Argument *values* are checked here and refused with :class:`xlflows.errors.InputError` naming the
argument (``weeks: 0 is not allowed, expected a whole number of at least 1``).

The checks and the window sums (:func:`flow_values`, :func:`dated_index`, :func:`need_weeks`,
:func:`calendar_index`, :func:`refuse_missing`, :func:`window_sums`) are shared with the other
modules on weekly flows (:mod:`~xlflows.core.ranks`, :mod:`~xlflows.core.runs`,
:mod:`~xlflows.core.periods`, :mod:`~xlflows.core.assets`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import NamedTuple

import numpy as np
import pandas as pd

from xlflows.core.calendar import round_for_ties
from xlflows.core.constants import FLAT, INFLOW, OUTFLOW, STREAK_COLUMNS
from xlflows.core.validate import date_values, strictly_increasing, whole_number
from xlflows.core.words import article
from xlflows.errors import InputError

__all__ = [
    "LookBack",
    "first_in",
    "largest_since",
    "largest_since_history",
    "rolling",
    "streak",
    "streak_columns",
    "streaks",
]

# streak/first_in read the series backwards in chunks, starting small: most answers are found
# within the last few weeks, and a long run costs one vectorised pass per doubling.
_FIRST_CHUNK = 64
# rolling: block length of the piecewise cumulative sums (at least 4 windows long).
_MIN_BLOCK = 1024
_GROUP_ROWS = 1 << 18              # rows per group of blocks (a 2 MiB buffer; fewer calls)
# largest_since_history: how many weeks back the vectorised short-range passes look (a power of 2),
# and the size below which a subproblem is solved by the plain monotonic-stack loop.
_SHORT_RANGE = 32
_LOOP_BELOW = 2048
_SEGMENT = 1 << 15                # rows per cache-sized slice of the short-range stage


class LookBack(NamedTuple):
    """Result of :func:`largest_since`.

    Attributes
    ----------
    since : pandas.Timestamp or None
        End date of the most recent earlier window at least as large in the latest window's
        direction. ``None`` when there is none (``record``) or when ``direction`` is 0 (``flat``).
    direction : int
        Sign of the latest window sum: +1 inflow, −1 outflow, 0 flat.
    total : float
        The latest window sum in $bn, rounded to 9 decimals (as compared for ties).
    """

    since: pd.Timestamp | None
    direction: int
    total: float


# --------------------------------------------------------------------------------------------
# argument checks, shared with the other modules on weekly flows (ranks, runs, periods, assets)


def flow_values(flows: pd.Series, name: str = "flows") -> np.ndarray:
    """The flows as a float64 array (no copy for a float Series); refuse an empty series.

    ``name`` is the argument named in messages (``assets`` for a column read like flows).
    """
    if isinstance(flows, pd.Series) and flows.dtype == np.float64:
        values = flows.to_numpy()                   # what the Excel layer hands over: no copy
    else:
        values = None
    try:
        if values is None:
            values = np.asarray(flows, dtype=float)
    except (TypeError, ValueError):
        cells = np.asarray(flows, dtype=object).ravel()
        for row, cell in enumerate(cells.tolist(), start=1):
            try:
                float(cell)
            except (TypeError, ValueError):
                raise InputError(f"{name}: row {row} is {cell!r}, expected a number") from None
        raise InputError(f"{name}: expected a single column or row of numbers") from None
    if values.ndim != 1:
        raise InputError(f"{name}: expected a single column or row of weekly values")
    if values.size == 0:
        raise InputError(f"{name}: no weeks of data, expected at least 1 week")
    return values


def weeks_text(n: int) -> str:
    """``1 week``, ``8 weeks``."""
    return "1 week" if n == 1 else f"{n} weeks"


def need_weeks(n: int, weeks: int, what: str) -> None:
    """Refuse fewer than ``weeks`` rows for ``a {weeks}-week {what}`` (the message names it)."""
    if n < weeks:
        raise InputError(
            f"flows: {weeks_text(n)} of data, expected at least {weeks} for "
            f"{article(weeks)} {weeks}-week {what}"
        )


def refuse_missing(chunk: np.ndarray, offset: int, name: str = "flows") -> None:
    """Refuse NaN/inf in the part of the data a result depends on (rows are 1-based)."""
    bad = ~np.isfinite(chunk)
    if bad.any():
        row = offset + int(np.flatnonzero(bad)[0]) + 1
        what = "missing" if np.isnan(chunk[row - offset - 1]) else "not a finite number"
        raise InputError(f"{name}: row {row} is {what}, expected a number")


def dated_index(flows: pd.Series) -> pd.DatetimeIndex:
    """The week-ending dates of ``flows``: a sorted DatetimeIndex without repeats or blanks."""
    index = getattr(flows, "index", None)
    if not isinstance(index, pd.DatetimeIndex):
        raise InputError("flows: no dates, expected weekly flows indexed by their week-ending "
                         "dates")
    if strictly_increasing(index):
        return index                                        # what the Excel layer hands over
    if index.hasnans:
        raise InputError("flows: a week-ending date is missing, expected a date on every row")
    if not index.is_monotonic_increasing or not index.is_unique:
        raise InputError("flows: dates are not sorted oldest first without repeats")
    return index


def calendar_index(flows: pd.Series) -> pd.DatetimeIndex:
    """:func:`dated_index` on the wall clock: a time-zone-aware index loses its time zone (the
    dates keep their local day), so it can be compared with calendar dates."""
    index = dated_index(flows)
    return index if index.tz is None else index.tz_localize(None)


# --------------------------------------------------------------------------------------------
# streak and first_in: read backwards from the latest week


def backward_chunks(stop: int):
    """Yield (start, end) slices covering [0, stop) from the end, doubling in length."""
    end, size = stop, _FIRST_CHUNK
    while end > 0:
        start = max(0, end - size)
        yield start, end
        end, size = start, size * 2


def streak(flows: pd.Series) -> int:
    """Signed length of the latest run of one direction (``FLOW_STREAK``).

    Parameters
    ----------
    flows : pandas.Series
        Weekly net flows in $bn, oldest first (any index; only the order is used).

    Returns
    -------
    int
        +k when the latest k weeks were all inflows (> 0), −k when all outflows (< 0), 0 when the
        latest week is flat (exactly 0): a flat week starts no streak. Equals the signed ``Weeks``
        of the last row of :func:`streaks`.

    Examples
    --------
    ``streak([1, -2, -0.5, -3]) == -3``: "a 3rd straight week of outflows".
    """
    values = flow_values(flows)
    n = values.size
    refuse_missing(values[-1:], n - 1)
    last = values[-1]
    if last == 0:
        return 0
    sign = 1 if last > 0 else -1
    for start, end in backward_chunks(n - 1):
        chunk = values[start:end]
        same = chunk > 0 if sign > 0 else chunk < 0     # NaN is never "same": it ends the scan
        if same.all():
            continue
        k = int(np.flatnonzero(~same)[-1])
        refuse_missing(chunk[k:k + 1], start + k)
        return sign * (n - 1 - (start + k))
    return sign * n


def first_in(flows: pd.Series) -> int | None:
    """Weeks back to the previous week in the latest week's direction (``FLOW_FIRST_IN``).

    Parameters
    ----------
    flows : pandas.Series
        Weekly net flows in $bn, oldest first (any index; only the order is used).

    Returns
    -------
    int or None
        ``k`` when the previous week with the latest week's sign is ``k`` rows earlier: the note's
        "the first outflow in 8 weeks" is 8 (7 weeks that were not outflows in between); 1 when the
        latest week continues a run; 0 when the latest week is flat; ``None`` when no earlier week
        had that direction ("first on record", :data:`xlflows.core.constants.FIRST_ON_RECORD`).
    """
    values = flow_values(flows)
    n = values.size
    refuse_missing(values[-1:], n - 1)
    last = values[-1]
    if last == 0:
        return 0
    for start, end in backward_chunks(n - 1):
        chunk = values[start:end]
        same = chunk > 0 if last > 0 else chunk < 0
        if not same.any():
            refuse_missing(chunk, start)
            continue
        k = chunk.size - 1 - int(np.argmax(same[::-1]))
        refuse_missing(chunk[k + 1:], start + k + 1)
        return n - 1 - (start + k)
    return None


# --------------------------------------------------------------------------------------------
# rolling sums


def _block_sums(values: np.ndarray, weeks: int) -> tuple[np.ndarray, float]:
    """Trailing ``weeks``-row sums, NaN for the first ``weeks - 1`` rows (needs n >= weeks).

    The cumulative sum restarts every block of ``B = max(1024, 4 * weeks)`` rows, so a window sum
    is a difference of partial sums no larger than one block: its rounding error stays of the order
    of ``B * max|x| * 2**-52`` however long the series (one running cumsum over a million weeks
    would drift by ~1e-9 and break 9-decimal ties). A window crossing a block boundary is the
    suffix of the previous block plus the prefix of its own. Blocks are processed in groups of
    ``_GROUP_ROWS`` rows through one reusable buffer, into one output array.
    """
    n = values.size
    out = np.empty(n)
    if weeks == 1:
        out[:] = values
        total = float(values.sum())
    else:
        block = max(_MIN_BLOCK, 4 * weeks)
        group = max(1, _GROUP_ROWS // block)
        blocks = n // block
        buffer = np.empty((min(group, max(blocks, 1)), block))
        previous = None                         # partial sums of the block before the group
        total = 0.0
        for first in range(0, blocks, group):
            rows = min(group, blocks - first)
            part = buffer[:rows]
            span = slice(first * block, (first + rows) * block)
            np.cumsum(values[span].reshape(rows, block), axis=1, out=part)
            dest = out[span].reshape(rows, block)
            np.subtract(part[:, weeks:], part[:, :-weeks], out=dest[:, weeks:])
            if rows > 1:
                suffix = part[:-1, -1:] - part[:-1, block - weeks:]
                np.add(part[1:, :weeks], suffix, out=dest[1:, :weeks])
            dest[0, :weeks] = part[0, :weeks]
            if previous is not None:
                dest[0, :weeks] += previous[-1] - previous[block - weeks:]
            previous = part[-1].copy()
            total += float(part[:, -1].sum())
        start = blocks * block
        if start < n:                           # the last, incomplete block
            partial = np.cumsum(values[start:])
            dest = out[start:]
            if partial.size > weeks:
                np.subtract(partial[weeks:], partial[:-weeks], out=dest[weeks:])
            head = min(weeks, partial.size)
            dest[:head] = partial[:head]
            if previous is not None:
                dest[:head] += previous[-1] - previous[block - weeks: block - weeks + head]
            total += float(partial[-1])
        out[: weeks - 1] = np.nan
    return out, total


def window_sums(values: np.ndarray, weeks: int) -> np.ndarray:
    """Trailing ``weeks``-row sums (see :func:`_block_sums`), NaN for the first ``weeks - 1``
    rows; refuse sums that overflow.

    Overflow is checked once on the total, so numpy's overflow warnings are silenced: the
    caller gets one message, never a warning on stderr before it.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        out, total = _block_sums(values, weeks)
    if not np.isfinite(total):
        refuse_missing(values, 0)
        raise InputError("flows: the values are too large to add up, expected flows in $bn")
    return out


def rolling(flows: pd.Series, weeks: int) -> pd.Series:
    """Trailing ``weeks``-week sums of the flows (``FLOW_ROLLING``).

    Parameters
    ----------
    flows : pandas.Series
        Weekly net flows in $bn, oldest first (any index).
    weeks : int
        Window length in weeks, at least 1 and at most the number of weeks of data.

    Returns
    -------
    pandas.Series
        Same index and name as ``flows``; the sum in $bn of each week and the ``weeks - 1`` before
        it, NaN for the first ``weeks - 1`` rows. Sums agree with a plain left-to-right addition to
        well within 1e-9, so they can be rounded to 9 decimals and compared for ties.
    """
    weeks = whole_number(weeks, "weeks", minimum=1)
    values = flow_values(flows)
    need_weeks(values.size, weeks, "rolling sum")
    sums = window_sums(values, weeks)
    index = flows.index if isinstance(flows, pd.Series) else pd.RangeIndex(values.size)
    name = flows.name if isinstance(flows, pd.Series) else None
    return pd.Series(sums, index=index, name=name, copy=False)


# --------------------------------------------------------------------------------------------
# largest since


def _loop_previous_at_least(v: np.ndarray, queries: np.ndarray, candidates: np.ndarray,
                            answer: np.ndarray, positions: np.ndarray) -> None:
    """Monotonic-stack pass: for each query i, the nearest candidate j < i with v[j] >= v[i].

    The stack holds candidates with strictly decreasing values (bottom to top); a candidate pops
    the entries it equals or exceeds (they can no longer be the nearest answer), a query binary-
    searches the topmost entry >= its value. Answers go to ``answer[positions[i]]``.
    """
    kinds = np.concatenate([np.zeros(queries.size, np.int8), np.ones(candidates.size, np.int8)])
    order = np.concatenate([queries, candidates])
    sort = np.lexsort((kinds, order))          # by position, a query before its own push
    vals = (-v).tolist()                        # negated: the stack's values ascend
    stack_neg: list[float] = []
    stack_pos: list[int] = []
    found_at: list[int] = []
    found: list[int] = []
    for i, kind in zip(order[sort].tolist(), kinds[sort].tolist()):
        neg = vals[i]
        if kind == 0:
            k = bisect_right(stack_neg, neg) - 1
            if k >= 0:
                found_at.append(i)
                found.append(stack_pos[k])
        else:
            k = bisect_left(stack_neg, neg)
            del stack_neg[k:], stack_pos[k:]
            stack_neg.append(neg)
            stack_pos.append(i)
    if found_at:
        answer[positions[np.asarray(found_at)]] = positions[np.asarray(found)]


def _short_range(v: np.ndarray, queries: np.ndarray, start: int, end: int, answer: np.ndarray,
                 positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stages 1-2 of :func:`_previous_at_least` on rows [start, end) (queries lie there).

    Answers the queries that have a >= value among their S = ``_SHORT_RANGE`` predecessors;
    returns the other queries and the candidates in [start, end). Works on a cache-sized slice.
    """
    span = _SHORT_RANGE
    low_edge, high_edge = max(0, start - span), min(v.size, end + span)
    local = v[low_edge:high_edge]
    padded = np.empty(local.size + span)        # S x -inf in front: nothing before row 0
    padded[:span] = -np.inf                     # (queries here are >= S rows past a real edge)
    padded[span:] = local
    tables = [padded]                           # tables[k][p] = max(padded[p : p + 2**k])
    while (1 << (len(tables) - 1)) < span:
        half = 1 << (len(tables) - 1)
        tables.append(np.maximum(tables[-1][:-half], tables[-1][half:]))
    at = queries - low_edge                     # tables[-1][at] = max of the S rows before
    level = local[at]
    near = tables[-1][at] >= level
    if near.any():
        at_near, level_near = at[near], level[near]
        low = at_near.copy()                    # descend: the window [low, low + 2 half) holds a >=
        for k in range(len(tables) - 2, -1, -1):
            half = 1 << k
            low += half * (tables[k][low + half] >= level_near)
        answer[positions[queries[near]]] = positions[low - span + low_edge]
    # candidates j: v[j] > every one of v[j+1 .. j+S] (all S of them inside v)
    first, stop = start - low_edge, min(end - low_edge, local.size - span)
    if stop > first:
        ahead = tables[-1][first + 1 + span: stop + 1 + span]
        candidates = np.flatnonzero(local[first:stop] > ahead) + start
    else:
        candidates = np.empty(0, dtype=np.intp)
    return queries[~near], candidates


def _previous_at_least(v: np.ndarray, queries: np.ndarray, answer: np.ndarray,
                       positions: np.ndarray) -> None:
    """For each index i in ``queries`` (sorted), the largest j < i with ``v[j] >= v[i]``.

    Writes ``answer[positions[i]] = positions[j]`` (``answer`` keeps -1 where there is none).

    Exact, and O(n) work for a fixed short range S = 32, mostly vectorised:

    1. short range: a table of maxima over power-of-two spans (1, 2, …, S) tells which queries
       have an answer among their S predecessors, and a binary descent through the table finds
       the nearest one (log2 S gathers per query);
    2. a query left over exceeds its S predecessors, so its answer j (if any) exceeds the S values
       after j: only such *candidates* can answer it;
    3. the left-over queries and the candidates form a shorter subsequence in which the nearest
       ">=" is the same element (anything >= in it is genuinely >=, and the genuine nearest is in
       it); that subsequence is solved the same way, and when it is small or does not shrink to
       half, a monotonic-stack loop finishes it.
    """
    m = v.size
    pending_parts, candidate_parts = [], []
    bounds = np.searchsorted(queries, np.arange(0, m + _SEGMENT, _SEGMENT))
    for k, start in enumerate(range(0, m, _SEGMENT)):
        pending, candidates = _short_range(
            v, queries[bounds[k]: bounds[k + 1]], start, min(m, start + _SEGMENT), answer, positions
        )
        pending_parts.append(pending)
        candidate_parts.append(candidates)
    pending = np.concatenate(pending_parts)
    if pending.size == 0:
        return
    candidates = np.concatenate(candidate_parts)
    candidates = candidates[candidates < pending[-1] - _SHORT_RANGE]
    if candidates.size == 0:
        return
    if pending.size + candidates.size <= _LOOP_BELOW:
        _loop_previous_at_least(v, pending, candidates, answer, positions)
        return
    member = np.zeros(m, dtype=bool)
    member[pending] = True
    member[candidates] = True
    sub = np.flatnonzero(member)
    if sub.size > m // 2:
        _loop_previous_at_least(v, pending, candidates, answer, positions)
        return
    _previous_at_least(v[sub], np.searchsorted(sub, pending), answer, positions[sub])


def _look_back_sums(flows: pd.Series, weeks: int) -> tuple[int, np.ndarray, pd.DatetimeIndex]:
    """Check the look-back arguments; return ``weeks``, the window sums rounded for ties, dates."""
    weeks = whole_number(weeks, "weeks", minimum=1)
    values = flow_values(flows)
    index = dated_index(flows)
    need_weeks(values.size, weeks, "look-back")
    return weeks, round_for_ties(window_sums(values, weeks)), index


def _history(totals: np.ndarray, weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """Signs of the rounded window sums and the row of each largest-since window (-1 = none)."""
    n = totals.size
    complete = totals[weeks - 1:]
    signs = np.sign(complete)
    since = np.full(n, -1, dtype=np.intp)
    positions = np.arange(weeks - 1, n, dtype=np.intp)
    _previous_at_least(complete, np.flatnonzero(signs > 0), since, positions)
    _previous_at_least(-complete, np.flatnonzero(signs < 0), since, positions)
    direction = np.full(n, np.nan)
    direction[weeks - 1:] = signs
    return direction, since


def largest_since_history(flows: pd.Series, weeks: int = 1) -> pd.DataFrame:
    """:func:`largest_since` for every week at once, in O(n).

    Parameters
    ----------
    flows : pandas.Series
        Weekly net flows in $bn, oldest first, indexed by week-ending dates (DatetimeIndex).
    weeks : int, default 1
        Window length in weeks (at least 1, at most the number of weeks of data).

    Returns
    -------
    pandas.DataFrame
        Index ``flows.index``; columns

        * ``total`` — the ``weeks``-week sum ending that week in $bn, rounded to 9 decimals; NaN for
          the first ``weeks - 1`` rows (no complete window);
        * ``direction`` — its sign as a float: 1.0 inflow, −1.0 outflow, 0.0 flat; NaN where
          ``total`` is NaN;
        * ``since`` — end date of the most recent earlier window whose sum was >= (inflow) or <=
          (outflow) this one; ties count, overlapping windows count. NaT when flat, incomplete, or
          when there is no such window (a record: ``direction != 0`` and ``since`` is NaT).

    Notes
    -----
    A previous-greater-or-equal search over the window sums (previous-less-or-equal for outflow
    windows), computed by :func:`_previous_at_least`; each row equals ``largest_since`` of the
    series cut at that row.
    """
    weeks, totals, index = _look_back_sums(flows, weeks)
    direction, since = _history(totals, weeks)
    since_dates = index.take(since, allow_fill=True, fill_value=np.datetime64("NaT"))
    return pd.DataFrame(
        {"total": totals, "direction": direction, "since": np.asarray(since_dates)},
        index=index,
    )


def largest_since(flows: pd.Series, weeks: int = 1) -> LookBack:
    """When the latest ``weeks``-week sum was last matched (``FLOW_LARGEST_SINCE``).

    Parameters
    ----------
    flows : pandas.Series
        Weekly net flows in $bn, oldest first, indexed by week-ending dates (DatetimeIndex).
    weeks : int, default 1
        Window length in weeks (at least 1, at most the number of weeks of data).

    Returns
    -------
    LookBack
        ``direction`` = sign of the latest window sum; ``since`` = end date of the most recent
        earlier window (overlapping windows count) whose sum was at least as large in that
        direction: >= for a net inflow, <= for a net outflow, ties count (sums rounded to 9
        decimals first). ``since`` is None when there is no such window ("record") or when the
        latest sum is exactly 0 (``direction == 0``, "flat"). ``total`` = the latest sum in $bn.

    Examples
    --------
    "The biggest 8-week inflow since Mar 2022": ``largest_since(equity, 8).since`` is the end of a
    window in March 2022.
    """
    weeks, totals, index = _look_back_sums(flows, weeks)
    latest = float(totals[-1])
    if latest == 0:
        return LookBack(None, 0, 0.0)
    earlier = totals[weeks - 1: -1]
    match = np.flatnonzero(earlier >= latest) if latest > 0 else np.flatnonzero(earlier <= latest)
    since = index[weeks - 1 + int(match[-1])] if match.size else None
    return LookBack(since, 1 if latest > 0 else -1, latest)


# --------------------------------------------------------------------------------------------
# streaks table


#: Direction label of sign -1, 0, +1 (indexed by sign + 1), as FLOW_STREAKS writes it.
_DIRECTION_BY_SIGN = np.array([OUTFLOW, FLAT, INFLOW], dtype=object)


def run_starts(signs: np.ndarray) -> np.ndarray:
    """First row of each run of equal values in ``signs`` (the signs of the weeks), oldest first.

    A run is a maximal stretch of weeks with one direction; consecutive flat weeks form one run.
    Shared by :func:`streak_columns` and :func:`xlflows.core.runs.streak_longest_since`.
    """
    return np.concatenate([[0], np.flatnonzero(signs[1:] != signs[:-1]) + 1])


def streak_columns(flows: pd.Series, min_weeks: int = 1) -> dict[str, np.ndarray]:
    """:func:`streaks` as a dict of column name -> numpy array, without building a DataFrame.

    The UDF spills these arrays directly; :func:`streaks` wraps them in a DataFrame.
    """
    min_weeks = whole_number(min_weeks, "min_weeks", minimum=1)
    values = flow_values(flows)
    refuse_missing(values, 0)
    n = values.size
    signs = np.sign(values).astype(np.int8)
    starts = run_starts(signs)
    ends = np.append(starts[1:] - 1, n - 1)
    lengths = ends - starts + 1
    with np.errstate(over="ignore", invalid="ignore"):      # an overflowing run sum is inf,
        totals = round_for_ties(np.add.reduceat(values, starts))   # refused when written
    if min_weeks > 1:
        keep = lengths >= min_weeks
        starts, ends, lengths, totals = starts[keep], ends[keep], lengths[keep], totals[keep]
    index = flows.index if isinstance(flows, pd.Series) else pd.RangeIndex(n)
    labels = date_values(index) if isinstance(index, pd.DatetimeIndex) else np.asarray(index)
    start, end, weeks, direction, total = STREAK_COLUMNS
    return {
        start: labels[starts],
        end: labels[ends],
        weeks: lengths.astype(np.int64),
        direction: _DIRECTION_BY_SIGN[signs[starts] + 1],
        total: totals,
    }


def streaks(flows: pd.Series, min_weeks: int = 1) -> pd.DataFrame:
    """The runs of one direction, oldest first (``FLOW_STREAKS``).

    Parameters
    ----------
    flows : pandas.Series
        Weekly net flows in $bn, oldest first; the index labels (week-ending dates) become
        ``Start`` and ``End``.
    min_weeks : int, default 1
        Keep only runs of at least this many weeks (runs are found first, then filtered: a short
        run still separates two long ones).

    Returns
    -------
    pandas.DataFrame
        Columns ``Start``, ``End`` (first and last week of the run), ``Weeks`` (int, >= 1),
        ``Direction`` (``"inflow"``, ``"outflow"`` or ``"flat"``; consecutive flat weeks form one
        flat run) and ``Total`` (sum of the run in $bn, rounded to 9 decimals); a RangeIndex.
        With ``min_weeks=1`` the last row's ``Weeks``, signed by its direction (0 for flat),
        equals :func:`streak`.
    """
    return pd.DataFrame(streak_columns(flows, min_weeks))
