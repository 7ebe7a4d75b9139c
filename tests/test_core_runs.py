"""xlflows.core.runs: FLOW_COUNT and STREAK_LONGEST_SINCE, hand-worked tables, edges, oracles.

Every expected value was worked out by hand from the inputs shown (the arithmetic is in the
comment or the id). Dates are week-ending Fridays from 2024-01-05: ``friday(k)`` is row k (0-based).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from core_support import friday, weekly
from xlflows.core.runs import LongestSince, flow_count, streak_longest_since
from xlflows.errors import InputError

T = pd.Timestamp


# ------------------------------------------------------------------------------------------
# FLOW_COUNT

SPEC_FLOWS = [1, -2, 3, 4, -1, 5]

# "inflows in 25 of the past 27 weeks": 5 outflow weeks, then 27 weeks of which 2 are outflows
TWENTY_FIVE_OF_27 = [-1] * 5 + [1] * 10 + [-2] + [1] * 9 + [-3] + [1] * 6


@pytest.mark.parametrize(
    "values, n, direction, expected",
    [
        pytest.param(SPEC_FLOWS, 6, "inflow", 4, id="SPEC: 1, 3, 4, 5 are inflows"),
        pytest.param(SPEC_FLOWS, 6, "outflow", 2, id="SPEC: -2, -1 are outflows"),
        pytest.param(SPEC_FLOWS, 3, "inflow", 2, id="last 3 weeks 4, -1, 5: 2 inflows"),
        pytest.param(SPEC_FLOWS, 1, "outflow", 0, id="the latest week only"),
        pytest.param([1, 0, 0, -1], 4, "flat", 2, id="flat weeks"),
        pytest.param([1, 0, 0, -1], 4, "inflow", 1, id="a flat week is not an inflow"),
        pytest.param(TWENTY_FIVE_OF_27, 27, "inflow", 25, id="inflows in 25 of the past 27 weeks"),
        pytest.param(TWENTY_FIVE_OF_27, 32, "outflow", 7, id="all 32 weeks: 5 + 2 outflows"),
        pytest.param(SPEC_FLOWS, 6.0, " Outflow ", 2, id="Excel's 6.0 and a choice with spaces"),
    ],
)
def test_flow_count(values, n, direction, expected):
    assert flow_count(weekly(values), n, direction) == expected
    assert flow_count(values, n, direction) == expected          # only the order is used


@pytest.mark.parametrize(
    "n, direction, message",
    [
        pytest.param(7, "inflow", r"^n: 7 weeks, expected at most 6, the weeks of data in flows$",
                     id="more weeks than the data: named by n"),
        pytest.param(0, "inflow", r"^n: 0, expected a whole number of at least 1$", id="n 0"),
        pytest.param(2.5, "inflow", r"^n: 2.5, expected a whole number of at least 1$",
                     id="n not whole"),
        pytest.param(3, "up", r'^direction: text \'up\', expected "inflow", "outflow" or "flat"$',
                     id="unknown direction"),
    ],
)
def test_flow_count_refuses_bad_arguments(n, direction, message):
    with pytest.raises(InputError, match=message):
        flow_count(weekly(SPEC_FLOWS), n, direction)


def test_flow_count_refuses_a_missing_week_it_counts_and_only_that():
    with pytest.raises(InputError, match=r"^flows: row 2 is missing, expected a number$"):
        flow_count([1.0, np.nan, 2.0], 2)
    with pytest.raises(InputError, match=r"^flows: row 3 is not a finite number"):
        flow_count([1.0, 2.0, np.inf], 2)
    assert flow_count([1.0, np.nan, 2.0], 1) == 1       # row 2 is not among the last 1


def test_flow_count_of_huge_flows_counts_them_without_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert flow_count([1e200, 1e200, -1e300], 3) == 2     # huge, but numbers


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(-3, 3), min_size=1, max_size=80), data=st.data(),
       direction=st.sampled_from(["inflow", "outflow", "flat"]))
def test_flow_count_matches_a_loop(values, data, direction):
    n = data.draw(st.integers(1, len(values)))
    want = {"inflow": lambda v: v > 0, "outflow": lambda v: v < 0, "flat": lambda v: v == 0}
    assert flow_count(values, n, direction) == sum(1 for v in values[-n:] if want[direction](v))


# ------------------------------------------------------------------------------------------
# STREAK_LONGEST_SINCE


@pytest.mark.parametrize(
    "values, which, expected",
    [
        # SPEC: 5, 1, 2, 3 are all inflows: a 4-week run with nothing before it
        pytest.param([5, 1, 2, 3], "current", LongestSince(None, 1, 4), id="SPEC: record"),
        # runs 2 2 2 | -1 | 1 1 1: the current 3 inflow weeks tie the first run (ends row 2)
        pytest.param([2, 2, 2, -1, 1, 1, 1], "current", LongestSince(friday(2), 1, 3),
                     id="a run as long counts: since row 2"),
        # runs 4 (rows 0-3) | -1 | 2 (rows 5-6) | -1 | 3 (rows 8-10): the 2-week run is too short
        pytest.param([1, 1, 1, 1, -1, 1, 1, -1, 1, 1, 1], "current",
                     LongestSince(friday(3), 1, 3), id="the longest since the 4-week run"),
        # runs -2 | +1 | -3 (rows 3-5) | +1 | -2: the current 2 outflow weeks, since row 5
        pytest.param([-1, -1, 2, -1, -1, -1, 3, -1, -1], "current",
                     LongestSince(friday(5), -1, 2), id="outflow streak"),
        pytest.param([1, 0, 0], "current", LongestSince(None, 0, 2), id="flat current run"),
        # runs 1 1 | 0 | 1: a flat week ends a run; the current run is 1 week, since row 1
        pytest.param([1, 1, 0, 1], "current", LongestSince(friday(1), 1, 1),
                     id="a flat week breaks a run"),
        # runs -3 (rows 0-2) | +1 | -4 (rows 4-7) | +1: the 4 outflow weeks just snapped are a
        # record; the current inflow week matches row 3
        pytest.param([-1, -1, -1, 2, -1, -1, -1, -1, 3], "previous", LongestSince(None, -1, 4),
                     id="snapped their longest outflow streak on record"),
        pytest.param([-1, -1, -1, 2, -1, -1, -1, -1, 3], "current",
                     LongestSince(friday(3), 1, 1), id="the same flows: the current run"),
        # runs -4 (rows 0-3) | +1 | -3 (rows 5-7) | +1: the snapped run of 3 is the longest
        # since the 4-week run that ended at row 3
        pytest.param([-1, -1, -1, -1, 2, -1, -1, -1, 3], "previous",
                     LongestSince(friday(3), -1, 3), id="snapped: the longest since row 3"),
        pytest.param([1, 0, 2], "previous", LongestSince(None, 0, 1), id="previous run flat"),
        pytest.param([3], "current", LongestSince(None, 1, 1), id="one week: a record"),
    ],
)
def test_streak_longest_since(values, which, expected):
    assert streak_longest_since(weekly(values), which) == expected


@pytest.mark.parametrize(
    "flows, which, message",
    [
        pytest.param(weekly([1, 2, 3]), "previous",
                     r'^which: "previous", but the flows are one run of 3 weeks, expected an '
                     r"earlier run that has ended$", id="one run: no previous run"),
        pytest.param(weekly([1, 2, 3]), "last",
                     r'^which: text \'last\', expected "current" or "previous"$', id="which"),
        pytest.param(pd.Series([1.0, 2.0]), "current", r"^flows: no dates, expected weekly flows",
                     id="needs dates"),
        pytest.param(weekly([1, np.nan, 2]), "current", r"^flows: row 2 is missing",
                     id="every week is looked at"),
    ],
)
def test_streak_longest_since_refuses_bad_arguments(flows, which, message):
    with pytest.raises(InputError, match=message):
        streak_longest_since(flows, which)


def brute_longest_since(values, which):
    """(row where the answer run ends or None, direction, weeks) from itertools.groupby."""
    runs, row = [], 0
    for sign, group in itertools.groupby(np.sign(values)):
        weeks = len(list(group))
        runs.append((int(sign), weeks, row + weeks - 1))
        row += weeks
    target = len(runs) - 1 if which == "current" else len(runs) - 2
    sign, weeks, _ = runs[target]
    if sign == 0:
        return None, 0, weeks
    ends = [end for s, w, end in runs[:target] if s == sign and w >= weeks]
    return (ends[-1] if ends else None), sign, weeks


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.sampled_from([-2.0, -1.0, 0.0, 1.0, 2.0]), min_size=1, max_size=120),
       which=st.sampled_from(["current", "previous"]))
def test_streak_longest_since_matches_groupby(values, which):
    flows = weekly(values)
    runs = sum(1 for _ in itertools.groupby(np.sign(values)))
    if which == "previous" and runs == 1:
        with pytest.raises(InputError, match=r'^which: "previous"'):
            streak_longest_since(flows, which)
        return
    end, sign, weeks = brute_longest_since(values, which)
    assert streak_longest_since(flows, which) == LongestSince(
        None if end is None else flows.index[end], sign, weeks)
