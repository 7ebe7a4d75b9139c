"""xlflows.core.assets: LEVEL_RECORD, FLOWS_FROM_LEVELS, FLOW_PCT: hand-worked tables, oracles.

Every expected value was worked out by hand from the inputs shown (the arithmetic is in the
comment or the id). Dates are week-ending Fridays from 2024-01-05 unless stated.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from core_support import friday, weekly
from xlflows.core.assets import LevelRecord, flow_pct, flows_from_levels, level_record
from xlflows.errors import InputError

T = pd.Timestamp


def on_days(values, days):
    """Levels on the given days after 2024-01-05 (day 0)."""
    return pd.Series([float(v) for v in values],
                     index=[T("2024-01-05") + pd.Timedelta(days=d) for d in days])


def assert_same(got, expected):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float),
                               rtol=1e-12, atol=1e-15, equal_nan=True)


# ------------------------------------------------------------------------------------------
# LEVEL_RECORD


@pytest.mark.parametrize(
    "values, expected",
    [
        # SPEC: 11 is below 12 (row 1): not a record, 11 / 12 - 1 = -8.33%
        pytest.param([10, 12, 11], LevelRecord(False, friday(1), 11 / 12 - 1, 12.0, friday(1)),
                     id="SPEC: 10, 12, 11"),
        pytest.param([10, 12, 13], LevelRecord(True, None, 0.0, 13.0, friday(2)),
                     id="a record $13"),
        pytest.param([10, 12, 12], LevelRecord(True, None, 0.0, 12.0, friday(2)),
                     id="equalling the high is a record"),
        # 11: earlier above it are 15 (row 0) and 12 (row 2): the most recent is row 2;
        # 11 / 15 - 1 = -26.67%
        pytest.param([15, 9, 12, 11], LevelRecord(False, friday(2), 11 / 15 - 1, 15.0, friday(0)),
                     id="the highest since row 2, down 26.7% from the peak"),
        # "since peaking at a record ... down 25.7%": 104.02 / 140 = 0.743
        pytest.param([100, 140, 104.02], LevelRecord(False, friday(1), -0.257, 140.0, friday(1)),
                     id="down 25.7% from the peak"),
        pytest.param([5], LevelRecord(True, None, 0.0, 5.0, friday(0)), id="one level"),
        # peak -1 is not positive: no drawdown; -2 is below -1 (row 1)
        pytest.param([-3, -1, -2], LevelRecord(False, friday(1), math.nan, -1.0, friday(1)),
                     id="no drawdown from a peak that is not positive"),
    ],
)
def test_level_record(values, expected):
    got = level_record(weekly(values))
    assert (got.record, got.last_higher, got.peak, got.peak_date) == (
        expected.record, expected.last_higher, expected.peak, expected.peak_date)
    assert_same(got.from_peak, expected.from_peak)


@pytest.mark.parametrize(
    "levels, message",
    [
        pytest.param(pd.Series([], dtype=float, index=pd.DatetimeIndex([])),
                     r"^levels: no values, expected at least one level$", id="empty"),
        pytest.param(weekly([1, np.nan, 3]),
                     r"^levels: the value on 2024-01-12 is blank, expected a number$",
                     id="a blank level"),
        pytest.param(pd.Series([1.0, 2.0], index=pd.to_datetime(["2024-01-12", "2024-01-05"])),
                     r"^levels: dates are not sorted, expected oldest first$", id="unsorted"),
        pytest.param(pd.Series([1.0, 2.0]), r"^levels: expected a series of values indexed by date",
                     id="no dates"),
    ],
)
def test_level_record_refuses_bad_levels(levels, message):
    with pytest.raises(InputError, match=message):
        level_record(levels)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(-5, 20).map(float), min_size=1, max_size=80))
def test_level_record_matches_a_loop(values):
    got = level_record(weekly(values))
    latest = values[-1]
    assert got.record == all(latest >= v for v in values[:-1])
    higher = [k for k, v in enumerate(values[:-1]) if v > latest]
    assert got.last_higher == (friday(higher[-1]) if higher else None)
    peak = max(values)
    assert got.peak == peak and got.peak_date == friday(max(k for k, v in enumerate(values)
                                                            if v == peak))
    assert_same(got.from_peak, latest / peak - 1 if peak > 0 else math.nan)


# ------------------------------------------------------------------------------------------
# FLOWS_FROM_LEVELS


@pytest.mark.parametrize(
    "levels, expected",
    [
        pytest.param(weekly([100, 101, 105]), [np.nan, 1.0, 4.0], id="weekly changes"),
        # days 0, 7, 21, 28, 35: spacings 7, 14, 7, 7 (median 7); 14 > 1.5 x 7 = 10.5: blank
        pytest.param(on_days([100, 101, 105, 104, 110], [0, 7, 21, 28, 35]),
                     [np.nan, 1.0, np.nan, -1.0, 6.0], id="a missing week gives a blank"),
        # spacings 2, 2, 3 (median 2): 3 = 1.5 x 2 is not longer: kept
        pytest.param(on_days([1, 2, 4, 7], [0, 2, 4, 7]), [np.nan, 1.0, 2.0, 3.0],
                     id="exactly 1.5 spacings is kept"),
        pytest.param(on_days([1, 2, 4, 7], [0, 2, 4, 8]), [np.nan, 1.0, 2.0, np.nan],
                     id="more than 1.5 spacings is blank"),
        # two observations: the one spacing is the median
        pytest.param(on_days([10, 30], [0, 365]), [np.nan, 20.0], id="two observations"),
        pytest.param(weekly([7]), [np.nan], id="one observation"),
        # Mon-Fri then Monday: the median spacing is 1 day, the weekend's 3 days give a blank
        pytest.param(on_days([1, 2, 3, 4, 5, 9], [3, 4, 5, 6, 7, 10]),
                     [np.nan, 1.0, 1.0, 1.0, 1.0, np.nan], id="daily levels: Monday is blank"),
    ],
)
def test_flows_from_levels(levels, expected):
    got = flows_from_levels(levels)
    assert got.index.equals(levels.index)
    assert_same(got, expected)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(st.sampled_from([7, 7, 7, 8, 14, 21, 3]), min_size=0, max_size=60),
       data=st.data())
def test_flows_from_levels_matches_a_loop(steps, data):
    days = np.concatenate([[0], np.cumsum(steps)]).astype(int)
    values = data.draw(st.lists(st.integers(0, 500).map(float), min_size=days.size,
                                max_size=days.size))
    levels = on_days(values, days.tolist())
    spacing = np.median(np.diff(days)) if days.size > 1 else 0
    expected = [np.nan] + [values[k] - values[k - 1] if days[k] - days[k - 1] <= 1.5 * spacing
                           else np.nan for k in range(1, days.size)]
    assert_same(flows_from_levels(levels), expected)


# ------------------------------------------------------------------------------------------
# FLOW_PCT


@pytest.mark.parametrize(
    "flows, assets, weeks, expected",
    [
        # blank, -2 / 1000 = -0.2%, 3 / 1005 = +0.298507%
        pytest.param([5, -2, 3], [1000, 1005, 1003], 1, [np.nan, -0.002, 3 / 1005],
                     id="flow / start-of-week assets"),
        pytest.param([1, 0.9], [1000, 1001], 1, [np.nan, 0.0009], id="+0.09% of weekly AUM"),
        # row 2 starts from 0 (row 1's assets), row 4 from a missing level: blank; row 3 is
        # 3 / 100
        pytest.param([1, 2, 3, 4], [0, 100, np.nan, 200], 1, [np.nan, np.nan, 0.03, np.nan],
                     id="zero or missing start-of-week assets give a blank"),
        # 2 weeks compounded: (1 - 0.002) x (1 + 3/1005) - 1 = 0.998 x 1.0029851 - 1 = 0.00097910
        pytest.param([5, -2, 3], [1000, 1005, 1003], 2,
                     [np.nan, np.nan, 0.998 * (1 + 3 / 1005) - 1], id="2 weeks compounded"),
        # weekly shares: blank, 2%, 3%, blank (row 4 starts from the missing level), 5%; 2-week:
        # row 3 is 1.02 x 1.03 - 1 = 5.06%; both windows holding row 4 are blank
        pytest.param([1, 2, 3, 4, 5], [100, 100, np.nan, 100, 100], 2,
                     [np.nan, np.nan, 1.02 * 1.03 - 1, np.nan, np.nan],
                     id="a blank inside an N-week window"),
        pytest.param([1, np.nan, 3], [100, 100, 100], 1, [np.nan, np.nan, 0.03],
                     id="a missing flow gives a blank"),
    ],
)
def test_flow_pct(flows, assets, weeks, expected):
    got = flow_pct(weekly(flows), np.array(assets, dtype=float), weeks)
    assert got.index.equals(weekly(flows).index)
    assert_same(got, expected)


@pytest.mark.parametrize(
    "assets, message",
    [
        pytest.param([100, -5, 100], r"^assets: row 2 is -5, expected a level of at least 0$",
                     id="negative assets"),
        pytest.param([100, np.inf, 100], r"^assets: row 2 is inf, expected a level of at least 0$",
                     id="infinite assets"),
        pytest.param([100, 100], r"^flows and assets: 3 rows vs 2 rows, expected the same length$",
                     id="lengths differ"),
    ],
)
def test_flow_pct_refuses_bad_assets(assets, message):
    with pytest.raises(InputError, match=message):
        flow_pct(weekly([1, 2, 3]), np.array(assets, dtype=float))


def test_flow_pct_weeks_are_checked():
    with pytest.raises(InputError, match=r"^weeks: 0, expected a whole number of at least 1$"):
        flow_pct([1.0, 2.0], [1.0, 1.0], 0)
    with pytest.raises(InputError, match=r"^flows: row 2 is not a finite number"):
        flow_pct([1.0, np.inf], [1.0, 1.0])


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(-50, 50).map(float),
                               st.one_of(st.just(np.nan), st.just(0.0),
                                         st.integers(1, 2000).map(float))),
                     min_size=1, max_size=60),
       weeks=st.integers(1, 9))
def test_flow_pct_matches_a_product_loop(rows, weeks):
    flows = [f for f, _ in rows]
    assets = [a for _, a in rows]
    shares = [np.nan] + [flows[k] / assets[k - 1] if assets[k - 1] > 0 else np.nan
                         for k in range(1, len(rows))]
    expected = [math.prod(1 + s for s in shares[k - weeks + 1: k + 1]) - 1 if k >= weeks - 1
                else np.nan for k in range(len(rows))]
    assert_same(flow_pct(flows, np.array(assets), weeks), expected)
