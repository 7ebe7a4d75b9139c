"""xlflows.core.ranks: FLOW_RANK and FLOW_ZSCORE, hand-worked tables, edges, brute-force oracles.

Every expected value was worked out by hand from the inputs shown (the arithmetic is in the
comment or the id). Dates are week-ending Fridays from 2024-01-05 unless stated.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from core_support import weekly
from xlflows.core.ranks import Rank, ZScore, flow_rank, flow_zscore
from xlflows.errors import InputError

T = pd.Timestamp


def dated(pairs):
    """Flows on the dates given: ``[("2023-12-29", 9.0), ...]``."""
    pairs = list(pairs)
    return pd.Series([float(v) for _, v in pairs], index=pd.to_datetime([d for d, _ in pairs]))


# ------------------------------------------------------------------------------------------
# FLOW_RANK


@pytest.mark.parametrize(
    "values, weeks, expected",
    [
        # SPEC: latest 5 against the earlier inflows 1, 3, 4 (the outflows -2, -1 are not counted)
        pytest.param([1, -2, 3, 4, -1, 5], 1, Rank(1, 4, 1, 5.0), id="SPEC: 5 is Rank 1 of 4"),
        # latest 5; earlier inflows 1, 9, 3, 4; strictly larger: 9 -> "2nd largest on record"
        pytest.param([1, 9, 3, 4, 5], 1, Rank(2, 5, 1, 5.0), id="2nd largest week on record"),
        # latest 5; the earlier 5 ties: not strictly larger, the tie shares the better rank
        pytest.param([5, 2, 5], 1, Rank(1, 3, 1, 5.0), id="a tie counts as at least as large"),
        # latest -2; earlier outflows -3, -1, -5; strictly below -2: -3 and -5 -> Rank 3 of 4
        pytest.param([-3, 2, -1, -5, -2], 1, Rank(3, 4, -1, -2.0), id="3rd largest outflow"),
        pytest.param([1, -1, 0], 1, Rank(None, None, 0, 0.0), id="latest week flat"),
        # latest 1; the flat weeks are neither inflows nor outflows: earlier inflow 2 only
        pytest.param([0, 0, 2, 0, 1], 1, Rank(2, 2, 1, 1.0), id="flat weeks are not counted"),
        # 2-week sums -1, 1, 7, 3, 4: latest 4; earlier inflow windows 1, 7, 3; larger: 7
        pytest.param([1, -2, 3, 4, -1, 5], 2, Rank(2, 4, 1, 4.0), id="2-week windows overlap"),
        # 2-week sums -2, 7, 2: the latest window is an inflow although the latest week is not
        pytest.param([-6, 4, 3, -1], 2, Rank(2, 2, 1, 2.0),
                     id="direction is the sign of the window sum"),
        # 2-week sums 0.3, -5, -4.9, 0.1 + 0.2 = 0.30000000000000004 -> 0.3 after rounding: a tie
        pytest.param([0.3, 0.0, -5, 0.1, 0.2], 2, Rank(1, 2, 1, 0.3),
                     id="float noise does not break a tie"),
        # 3-week sums 1 + 2 + 3 = 6 only: nothing earlier
        pytest.param([1, 2, 3], 3, Rank(1, 1, 1, 6.0), id="weeks = length of data: 1 of 1"),
        pytest.param([-4], 1, Rank(1, 1, -1, -4.0), id="one week of data"),
    ],
)
def test_flow_rank(values, weeks, expected):
    assert flow_rank(weekly(values), weeks) == expected


def test_flow_rank_needs_no_dates_for_all_history():
    assert flow_rank([1.0, 9.0, 3.0, 4.0, 5.0]) == Rank(2, 5, 1, 5.0)
    assert flow_rank(weekly([1, 9, 3, 4, 5]), 1.0, " ALL ") == Rank(2, 5, 1, 5.0)


# Weeks around a new year: 2023-12-15 .. 2024-01-12
NEW_YEAR = ["2023-12-15", "2023-12-22", "2023-12-29", "2024-01-05", "2024-01-12"]


@pytest.mark.parametrize(
    "values, weeks, period, expected",
    [
        # windows ending in 2024: 3, 2 -> latest 2 is Rank 2 of 2; on record 9, 8, 7, 3 beat it
        pytest.param([9, 8, 7, 3, 2], 1, "year", Rank(2, 2, 1, 2.0), id="this year: 2 of 2"),
        pytest.param([9, 8, 7, 3, 2], 1, "all", Rank(5, 5, 1, 2.0), id="on record: 5 of 5"),
        # 2-week windows ending in 2024: 7 + 3 = 10 (ends Jan 5, began Dec 29: it counts), 3 + 2
        pytest.param([9, 8, 7, 3, 2], 2, "year", Rank(2, 2, 1, 5.0),
                     id="a window that began in December counts in January"),
        # "the biggest weekly outflow this year": 2024 outflows -1, -4; -9 was in 2023
        pytest.param([5, 6, -9, -1, -4], 1, "year", Rank(1, 2, -1, -4.0),
                     id="the biggest weekly outflow this year"),
        pytest.param([5, 6, -9, -1, -4], 1, "all", Rank(2, 3, -1, -4.0), id="2nd on record"),
        # the first week of a year is alone in its year
        pytest.param([9, 8, 7, 3], 1, "year", Rank(1, 1, 1, 3.0), id="first week of the year"),
    ],
)
def test_flow_rank_within_the_calendar_year(values, weeks, period, expected):
    flows = dated(zip(NEW_YEAR, values))
    assert flow_rank(flows, weeks, period) == expected


def test_flow_rank_within_the_quarter_and_the_month():
    # Mar 22, Mar 29 | Apr 5, Apr 12 (2024): flows 10, 1 | 2, 3
    flows = dated([("2024-03-22", 10), ("2024-03-29", 1), ("2024-04-05", 2), ("2024-04-12", 3)])
    assert flow_rank(flows, 1, "quarter") == Rank(1, 2, 1, 3.0)    # Q2: 2, 3
    assert flow_rank(flows, 1, "month") == Rank(1, 2, 1, 3.0)      # April: 2, 3
    assert flow_rank(flows, 1) == Rank(2, 4, 1, 3.0)               # 10 beats it on record


@pytest.mark.parametrize(
    "call, message",
    [
        pytest.param(lambda f: flow_rank(f, 0),
                     r"^weeks: 0, expected a whole number of at least 1$", id="weeks 0"),
        pytest.param(lambda f: flow_rank(f, 8),
                     r"^flows: 5 weeks of data, expected at least 8 for an 8-week rank$",
                     id="fewer weeks than the window"),
        pytest.param(lambda f: flow_rank(f, 1, "decade"),
                     r'^period: text \'decade\', expected "all", "year", "quarter" or "month"$',
                     id="unknown period"),
        pytest.param(lambda f: flow_rank(f.reset_index(drop=True), 1, "year"),
                     r"^flows: no dates, expected weekly flows indexed by",
                     id="period needs dates"),
    ],
)
def test_flow_rank_refuses_bad_arguments(call, message):
    with pytest.raises(InputError, match=message):
        call(weekly([1, 2, 3, 4, 5]))


def brute_rank(values, weeks, years=None):
    """(rank, of, sign) by the definition: every window summed and rounded, counted by hand.

    ``years``: the year of each row; only windows ending in the latest row's year are counted.
    """
    ends = range(weeks - 1, len(values))
    if years is not None:
        ends = [e for e in ends if years[e] == years[-1]]
    sums = [round(sum(values[e - weeks + 1: e + 1]), 9) for e in ends]
    latest, earlier = sums[-1], sums[:-1]
    if latest == 0:
        return None, None, 0
    sign = 1 if latest > 0 else -1
    same = [s for s in earlier if s * sign > 0]
    return 1 + sum(1 for s in same if s * sign > latest * sign), 1 + len(same), sign


tenths = st.lists(st.integers(-30, 30).map(lambda k: k / 10), min_size=1, max_size=150)


@settings(max_examples=300, deadline=None)
@given(values=tenths, weeks=st.sampled_from([1, 2, 3, 8]),
       start=st.dates(min_value=pd.Timestamp("2000-01-01").date(),
                      max_value=pd.Timestamp("2030-01-01").date()),
       period=st.sampled_from(["all", "year"]))
def test_flow_rank_matches_the_definition(values, weeks, start, period):
    if len(values) < weeks:
        return
    flows = weekly(values, start=str(start))
    years = None if period == "all" else list(flows.index.year)
    rank, of, sign = brute_rank(values, weeks, years)
    got = flow_rank(flows, weeks, period)
    assert (got.rank, got.of, got.direction) == (rank, of, sign)


# ------------------------------------------------------------------------------------------
# FLOW_ZSCORE


@pytest.mark.parametrize(
    "values, weeks, lookback, z, percentile, windows",
    [
        # earlier 1, 2, 3: mean 2, s = sqrt((1 + 0 + 1) / 2) = 1; z = (6 - 2) / 1 = 4; 3 of 3 <= 6
        pytest.param([1, 2, 3, 6], 1, None, 4.0, 1.0, 3, id="four standard deviations above"),
        # earlier 1, -2, 3, 4, -1: mean 1; squares 0 + 9 + 4 + 9 + 4 = 26, / 4 = 6.5, s = 2.54951;
        # z = (5 - 1) / 2.54951 = 1.56893
        pytest.param([1, -2, 3, 4, -1, 5], 1, None, 1.5689290811, 1.0, 5, id="SPEC flows"),
        # earlier 2, 4, 6: mean 4, s 2; z = (-2 - 4) / 2 = -3; none <= -2: percentile 0
        pytest.param([2, 4, 6, -2], 1, None, -3.0, 0.0, 3, id="an outflow is at the bottom"),
        # earlier 1, 2, 2, 3: mean 2, z 0; 1, 2, 2 are <= 2: 3 of 4
        pytest.param([1, 2, 2, 3, 2], 1, None, 0.0, 0.75, 4, id="ties count as at or below"),
        # last 2 earlier: 1, 3 -> mean 2, s = sqrt(2); z = 3 / 1.41421 = 2.12132
        pytest.param([10, 1, 3, 5], 1, 2, 2.1213203436, 1.0, 2, id="lookback 2"),
        # all earlier 10, 1, 3: mean 4.66667; squares 28.444 + 13.444 + 2.778 = 44.667, / 2,
        # s = 4.72582; z = 0.33333 / 4.72582 = 0.07053; 1 and 3 are <= 5: 2 of 3
        pytest.param([10, 1, 3, 5], 1, None, 0.0705345615, 2 / 3, 3, id="no lookback"),
        # 2-week sums 3, 5, 9: earlier 3, 5 (mean 4, s sqrt 2); z = 5 / 1.41421 = 3.53553
        pytest.param([1, 2, 3, 6], 2, None, 3.5355339059, 1.0, 2, id="2-week windows"),
        # earlier 1, -1: mean 0, s sqrt 2; a flat latest window is just 0: z 0, -1 <= 0: 1 of 2
        pytest.param([1, -1, 0], 1, None, 0.0, 0.5, 2, id="a flat latest window is a value"),
    ],
)
def test_flow_zscore(values, weeks, lookback, z, percentile, windows):
    got = flow_zscore(weekly(values), weeks, lookback)
    assert got.z == pytest.approx(z, abs=1e-9)
    assert got.percentile == pytest.approx(percentile)
    assert got.windows == windows


@pytest.mark.parametrize(
    "values, expected",
    [
        pytest.param([1, 3], ZScore(math.nan, 1.0, 1, 3.0), id="one earlier window: no s"),
        pytest.param([2, 2, 2, 5], ZScore(math.nan, 1.0, 3, 5.0), id="all equal: s is 0"),
        # 0.1 three times: numpy's s is 1.7e-17 (float noise of the mean), not a spread
        pytest.param([0.1, 0.1, 0.1, 0.0], ZScore(math.nan, 0.0, 3, 0.0),
                     id="equal tenths: no spread from float noise"),
        pytest.param([4], ZScore(math.nan, math.nan, 0, 4.0), id="nothing earlier"),
    ],
)
def test_flow_zscore_without_a_spread(values, expected):
    got = flow_zscore(values)
    assert math.isnan(got.z)
    assert (math.isnan(got.percentile) and math.isnan(expected.percentile)) or \
        got.percentile == expected.percentile
    assert (got.windows, got.total) == (expected.windows, expected.total)


@pytest.mark.parametrize(
    "call, message",
    [
        pytest.param(lambda f: flow_zscore(f, 1, 4),
                     r"^lookback: 4, expected at most 3, the earlier 1-week windows in flows$",
                     id="lookback beyond the data"),
        pytest.param(lambda f: flow_zscore(f, 1, 0),
                     r"^lookback: 0, expected a whole number of at least 1$", id="lookback 0"),
        pytest.param(lambda f: flow_zscore(f, 8),
                     r"^flows: 4 weeks of data, expected at least 8 for an 8-week z-score$",
                     id="too short"),
        pytest.param(lambda f: flow_zscore(f, "two"),
                     r"^weeks: text 'two', expected a whole number of at least 1$", id="weeks"),
    ],
)
def test_flow_zscore_refuses_bad_arguments(call, message):
    with pytest.raises(InputError, match=message):
        call(weekly([1, 2, 3, 6]))


@settings(max_examples=300, deadline=None)
@given(values=tenths, weeks=st.sampled_from([1, 2, 5]), lookback=st.none() | st.integers(1, 40))
def test_flow_zscore_matches_the_definition(values, weeks, lookback):
    sums = [sum(values[e - weeks + 1: e + 1]) for e in range(weeks - 1, len(values))]
    if not sums:
        return
    latest, earlier = sums[-1], sums[:-1]
    if lookback is not None and lookback > len(earlier):
        with pytest.raises(InputError, match=r"^lookback: "):
            flow_zscore(values, weeks, lookback)
        return
    if lookback is not None:
        earlier = earlier[-lookback:]
    got = flow_zscore(values, weeks, lookback)
    assert got.windows == len(earlier)
    if not earlier:
        assert math.isnan(got.z) and math.isnan(got.percentile)
        return
    below = sum(1 for s in earlier if round(s, 9) <= round(latest, 9))
    assert got.percentile == below / len(earlier)
    if len(earlier) < 2 or len({round(s, 9) for s in earlier}) == 1:
        assert math.isnan(got.z)                 # one window, or all equal: no spread
    else:
        spread = statistics.stdev(earlier)
        assert got.z == pytest.approx((latest - statistics.fmean(earlier)) / spread, rel=1e-7,
                                      abs=1e-7)


def test_flow_zscore_of_huge_windows_stays_finite():
    # squares of 1e200 overflow; the spread is computed in scaled units: earlier 1e200, 3e200
    # (mean 2e200, s = sqrt(2) x 1e200), latest 5e200 -> z = 3 / 1.41421 = 2.12132
    got = flow_zscore(np.array([1e200, 3e200, 5e200]))
    assert got.z == pytest.approx(2.1213203436) and got.percentile == 1.0
