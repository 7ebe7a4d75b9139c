"""xlflows.core.flows: hand-worked tables, the flow-note data set, properties, real ICI data.

Every expected value below was worked out by hand from the inputs shown; the comment or the test
id says how. Dates are week-ending Fridays from 2024-01-05 unless stated.
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from core_support import friday, weekly
from xlflows.core import flows as core_flows
from xlflows.core.calendar import round_for_ties
from xlflows.core.constants import FLAT, INFLOW, OUTFLOW, STREAK_COLUMNS
from xlflows.core.flows import (
    LookBack,
    first_in,
    largest_since,
    largest_since_history,
    rolling,
    streak,
    streaks,
)
from xlflows.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data"
T = pd.Timestamp


# ------------------------------------------------------------------------------------------
# streak


@pytest.mark.parametrize(
    "values, expected",
    [
        pytest.param([1, -2, -0.5, -3], -3, id="a 3rd straight week of outflows"),
        pytest.param([-1, 1, 1], 2, id="a 2nd straight week of inflows"),
        pytest.param([5], 1, id="one week of data, an inflow"),
        pytest.param([-1, -1, -1], -3, id="outflows in every week on record"),
        pytest.param([1, 0], 0, id="latest week flat: no streak"),
        pytest.param([0, 0, 0], 0, id="all weeks flat"),
        pytest.param([0, 1], 1, id="a flat week does not extend an inflow streak"),
        pytest.param([-2, 0, -1], -1, id="a flat week breaks an outflow streak"),
        pytest.param([-1] + [2] * 200, 200, id="200 straight weeks of inflows (crosses chunks)"),
        pytest.param([2] * 300, 300, id="300 weeks, all inflows"),
    ],
)
def test_streak(values, expected):
    assert streak(weekly(values)) == expected
    assert streak(values) == expected          # only the order is used: a plain list works


# ------------------------------------------------------------------------------------------
# first_in


@pytest.mark.parametrize(
    "values, expected",
    [
        # previous outflow -1 is at row 1, latest row 6: 5 rows back, 4 non-outflow weeks between
        pytest.param([-1, 2, 0, 3, 1, -2], 5, id="the first outflow in 5 weeks"),
        pytest.param([2, 0, 0, 1], 3, id="the first inflow in 3 weeks (flat weeks between)"),
        pytest.param([1, -1, -2], 1, id="continues a run: 1"),
        pytest.param([1, 0], 0, id="latest week flat: 0"),
        pytest.param([0.0], 0, id="a single flat week: 0"),
        pytest.param([1, 2, -3], None, id="first outflow on record"),
        pytest.param([4.0], None, id="a single inflow: first on record"),
        pytest.param([-1] + [2] * 200 + [-3], 201,
                     id="the first outflow in 201 weeks (crosses chunks)"),
        pytest.param([0] * 130 + [-3], None, id="only flat weeks before: first on record"),
    ],
)
def test_first_in(values, expected):
    assert first_in(weekly(values)) == expected
    assert first_in(values) == expected


# ------------------------------------------------------------------------------------------
# largest_since


@pytest.mark.parametrize(
    "values, weeks, expected",
    [
        # latest 2 inflow; going back: 3 (row 3) >= 2
        pytest.param([5, 1, 3, 2], 1, LookBack(friday(2), 1, 2.0), id="largest inflow since row 3"),
        # latest 2; the 2 at row 2 ties and ties count (the 1 between is smaller)
        pytest.param([5, 2, 1, 2], 1, LookBack(friday(1), 1, 2.0),
                     id="a tie counts: since the equal week"),
        pytest.param([1, 2, 3], 1, LookBack(None, 1, 3.0), id="record inflow"),
        pytest.param([-1, -2, -3], 1, LookBack(None, -1, -3.0), id="record outflow"),
        # latest -3: -1, -2 and 1 are not <= -3, -4 (row 1) is
        pytest.param([-4, 1, -2, -1, -3], 1, LookBack(friday(0), -1, -3.0),
                     id="largest outflow since row 1"),
        pytest.param([1, -1, 0], 1, LookBack(None, 0, 0.0), id="latest week flat"),
        # 2-week sums: 4, 0 -> the latest window sums to 0
        pytest.param([3, 1, -1], 2, LookBack(None, 0, 0.0), id="latest 2-week sum flat"),
        # 2-week sums: -2, 7, 2 -> latest sum +2 is an inflow although the latest week is an
        # outflow; 7 (window ending row 3) >= 2
        pytest.param([-6, 4, 3, -1], 2, LookBack(friday(2), 1, 2.0),
                     id="N-week direction is the sign of the window sum"),
        # same flows, 1 week: latest -1 outflow, -6 (row 1) <= -1
        pytest.param([-6, 4, 3, -1], 1, LookBack(friday(0), -1, -1.0),
                     id="1-week look-back of the same flows is an outflow"),
        # 2-week sums: 0.3 (0.3 + 0.0), -5, -4.9, 0.1 + 0.2 = 0.30000000000000004; rounded to 9
        # decimals the latest equals the first window, so the tie counts
        pytest.param([0.3, 0.0, -5, 0.1, 0.2], 2, LookBack(friday(1), 1, 0.3),
                     id="float noise does not break a 2-week tie"),
        # 3-week sums: 6 (rows 1-3), 9, 4, 8 -> latest 8, most recent >= 8 is 9 ending row 4;
        # the window ending row 5 (4) overlaps the latest and is smaller
        pytest.param([1, 2, 3, 4, -3, 7], 3, LookBack(friday(3), 1, 8.0),
                     id="overlapping 3-week windows count"),
        pytest.param([1, 2, 3], 3, LookBack(None, 1, 6.0), id="weeks = length of data: record"),
    ],
)
def test_largest_since(values, weeks, expected):
    assert largest_since(weekly(values), weeks) == expected


def test_largest_since_whole_float_weeks_as_excel_passes_them():
    assert largest_since(weekly([5, 1, 3, 2]), 1.0) == LookBack(friday(2), 1, 2.0)


# ------------------------------------------------------------------------------------------
# largest_since_history


NaT = pd.NaT


@pytest.mark.parametrize(
    "weeks, totals, directions, since",
    [
        # flows 3, -1, 2, 2, -4, 0, 1 one week at a time:
        # 3 record; -1 record outflow; 2 since the 3 (row 1); 2 ties the 2 (row 3);
        # -4 record outflow; 0 flat; 1 since the 2 at row 4
        pytest.param(1, [3, -1, 2, 2, -4, 0, 1], [1, -1, 1, 1, -1, 0, 1],
                     [NaT, NaT, friday(0), friday(2), NaT, NaT, friday(3)],
                     id="1-week: record, since, tie, flat"),
        # 2-week sums: -, 2, 1, 4, -2, -4, 1: 2 record (first window); 1 since 2; 4 record;
        # -2 and -4 record outflows; 1 since the 4 ending row 4
        pytest.param(2, [np.nan, 2, 1, 4, -2, -4, 1], [np.nan, 1, 1, 1, -1, -1, 1],
                     [NaT, NaT, friday(1), NaT, NaT, NaT, friday(3)],
                     id="2-week: first row incomplete"),
    ],
)
def test_largest_since_history(weeks, totals, directions, since):
    flows = weekly([3, -1, 2, 2, -4, 0, 1])
    got = largest_since_history(flows, weeks)
    expected = pd.DataFrame(
        {"total": np.array(totals, float), "direction": np.array(directions, float),
         "since": pd.to_datetime(pd.Series(since, dtype=object)).to_numpy()},
        index=flows.index,
    )
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_freq=False)
    assert got["since"].dtype.kind == "M"


# ------------------------------------------------------------------------------------------
# rolling


@pytest.mark.parametrize(
    "values, weeks, expected",
    [
        pytest.param([1, 2, 3, 4], 1, [1, 2, 3, 4], id="1-week sums are the flows"),
        pytest.param([1, 2, 3, 4], 2, [np.nan, 3, 5, 7], id="2-week sums, first row blank"),
        pytest.param([1, 2, 3, 4], 4, [np.nan, np.nan, np.nan, 10], id="4 weeks of 4: one sum"),
        pytest.param([1.5, -2, 0, 0.5], 3, [np.nan, np.nan, -0.5, -1.5], id="3-week net outflows"),
    ],
)
def test_rolling(values, weeks, expected):
    flows = weekly(values).rename("Equity")
    got = rolling(flows, weeks)
    pd.testing.assert_series_equal(got, pd.Series(expected, index=flows.index, name="Equity",
                                                  dtype=float))


def test_rolling_without_dates_keeps_positions():
    got = rolling(pd.Series([1.0, 2.0, 3.0]), 2)
    assert got.index.equals(pd.RangeIndex(3))
    assert got.tolist()[1:] == [3.0, 5.0]


# ------------------------------------------------------------------------------------------
# streaks


def _table(rows, index=None):
    return pd.DataFrame(rows, columns=list(STREAK_COLUMNS), index=index)


@pytest.mark.parametrize(
    "min_weeks, expected_rows",
    [
        # flows 1, 2 | 0, 0 | -1, -2, -3 | 0.5
        pytest.param(1, [(0, 1, 2, INFLOW, 3.0), (2, 3, 2, FLAT, 0.0),
                         (4, 6, 3, OUTFLOW, -6.0), (7, 7, 1, INFLOW, 0.5)],
                     id="every run; two flat weeks are one flat run"),
        pytest.param(2, [(0, 1, 2, INFLOW, 3.0), (2, 3, 2, FLAT, 0.0), (4, 6, 3, OUTFLOW, -6.0)],
                     id="runs of at least 2 weeks"),
        pytest.param(3, [(4, 6, 3, OUTFLOW, -6.0)], id="runs of at least 3 weeks"),
        pytest.param(4, [], id="no run of 4 weeks: empty table"),
    ],
)
def test_streaks(min_weeks, expected_rows):
    flows = weekly([1, 2, 0, 0, -1, -2, -3, 0.5])
    got = streaks(flows, min_weeks)
    expected = _table([(friday(a), friday(b), w, d, t) for a, b, w, d, t in expected_rows])
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert list(got.columns) == list(STREAK_COLUMNS)


def test_streaks_flat_run_at_the_end_matches_streak_zero():
    got = streaks(weekly([1, 0, 0]))
    assert got.iloc[-1].tolist() == [friday(1), friday(2), 2, FLAT, 0.0]
    assert streak(weekly([1, 0, 0])) == 0


def test_streaks_without_dates_uses_positions():
    got = streaks(pd.Series([-1.0, -2.0, 3.0]))
    assert got.values.tolist() == [[0, 1, 2, OUTFLOW, -3.0], [2, 2, 1, INFLOW, 3.0]]


# ------------------------------------------------------------------------------------------
# argument values refused, with the argument named


@pytest.mark.parametrize(
    "call, message",
    [
        pytest.param(lambda f: rolling(f, 0),
                     r"^weeks: 0, expected a whole number of at least 1$", id="weeks 0"),
        pytest.param(lambda f: largest_since(f, -2),
                     r"^weeks: -2, expected a whole number of at least 1$",
                     id="weeks negative"),
        pytest.param(lambda f: largest_since_history(f, 2.5),
                     r"^weeks: 2\.5, expected a whole number of at least 1$",
                     id="weeks not whole"),
        pytest.param(lambda f: rolling(f, True),
                     r"^weeks: TRUE, expected a whole number of at least 1$", id="weeks TRUE"),
        pytest.param(lambda f: rolling(f, "eight"),
                     r"^weeks: text 'eight', expected a whole number of at least 1$",
                     id="weeks text"),
        pytest.param(lambda f: rolling(f, "1e999"),
                     r"^weeks: 1e999 is too large, expected a whole number of at least 1$",
                     id="weeks text overflowing"),
        pytest.param(lambda f: rolling(f, "9" * 400),
                     r"^weeks: 9{37}\.\.\. is too large, expected a whole number of at least 1$",
                     id="weeks 400 digits"),
        pytest.param(lambda f: rolling(f, 1e300),
                     r"^weeks: 1e\+300 is too large, expected a whole number of at least 1$",
                     id="weeks huge float"),
        pytest.param(lambda f: rolling(f, float("nan")),
                     r"^weeks: blank, expected a whole number of at least 1$", id="weeks NaN"),
        pytest.param(lambda f: streaks(f, 0),
                     r"^min_weeks: 0, expected a whole number of at least 1$",
                     id="min_weeks 0"),
        pytest.param(lambda f: largest_since(f, 8),
                     r"^flows: 5 weeks of data, expected at least 8 for an 8-week look-back$",
                     id="too short for an 8-week look-back"),
        pytest.param(lambda f: largest_since_history(f, 6),
                     r"^flows: 5 weeks of data, expected at least 6 for a 6-week look-back$",
                     id="history too short"),
        pytest.param(lambda f: rolling(f, 52),
                     r"^flows: 5 weeks of data, expected at least 52 for a 52-week rolling sum$",
                     id="too short for a 52-week sum"),
    ],
)
def test_bad_argument_values(call, message):
    with pytest.raises(InputError, match=message):
        call(weekly([1, 2, 3, 4, 5]))


def test_one_week_of_data_is_singular():
    with pytest.raises(InputError, match=r"^flows: 1 week of data, expected at least 2 for"):
        largest_since(weekly([1]), 2)


@pytest.mark.parametrize("function", [streak, first_in, largest_since, largest_since_history,
                                      streaks, lambda f: rolling(f, 1)])
def test_empty_flows_refused(function):
    empty = pd.Series([], dtype=float, index=pd.DatetimeIndex([]))
    with pytest.raises(InputError, match=r"^flows: no weeks of data, expected at least 1 week$"):
        function(empty)


@pytest.mark.parametrize("function", [largest_since, largest_since_history])
def test_look_backs_need_dates(function):
    with pytest.raises(InputError, match=r"^flows: no dates, expected weekly flows indexed by"):
        function(pd.Series([1.0, 2.0]))


def test_unsorted_dates_refused():
    flows = pd.Series([1.0, 2.0], index=pd.to_datetime(["2024-01-12", "2024-01-05"]))
    with pytest.raises(InputError, match=r"^flows: dates are not sorted oldest first"):
        largest_since(flows)


@pytest.mark.parametrize(
    "function, values, message",
    [
        pytest.param(streak, [1, np.nan, 2], r"^flows: row 2 is missing, expected a number$",
                     id="streak reads back to the missing row"),
        pytest.param(first_in, [-1, 1, np.nan, 2, -3], r"^flows: row 3 is missing",
                     id="first_in reads back over the missing row"),
        pytest.param(streaks, [1, 2, np.inf], r"^flows: row 3 is not a finite number",
                     id="streaks"),
        pytest.param(lambda f: rolling(f, 2), [1, np.nan, 2], r"^flows: row 2 is missing",
                     id="rolling"),
        pytest.param(largest_since, [1, 2, np.nan, 2], r"^flows: row 3 is missing",
                     id="largest_since"),
    ],
)
def test_missing_values_refused(function, values, message):
    with pytest.raises(InputError, match=message):
        function(weekly(values))


def test_text_in_flows_refused_without_type_names():
    # "1" converts, "n/a" (row 2) does not: the message names the row and what was found
    with pytest.raises(InputError, match=r"^flows: row 2 is 'n/a', expected a number$"):
        streak(pd.Series(["1", "n/a"], dtype=object))


# ------------------------------------------------------------------------------------------
# the flow-note sentences, on a small data set made for them


def equity_flows():
    """Equity fund flows, weekly to Wed Dec 13 2023: 0.5 a week, except

    * 8 weeks of 4.5 ending Wed 2022-03-30 (8-week sum 36.0);
    * the last 8 weeks: 1.0 x 7 then +25.3 in the week to Dec 13 (8-week sum 32.3).

    Windows overlapping the March burst sum to 36 - 4j (j weeks of 0.5 replacing 4.5), so the one
    ending 2022-04-06 is 32.0 < 32.3 and the most recent 8-week sum >= 32.3 ends 2022-03-30.
    Windows overlapping the last 8 weeks are below 8 x 1.0. No single week reached 25.3 before.
    """
    dates = pd.date_range("2021-06-02", "2023-12-13", freq="W-WED")
    flows = pd.Series(0.5, index=dates, name="Equity")
    flows.loc["2022-02-09":"2022-03-30"] = 4.5
    flows.iloc[-8:] = [1.0] * 7 + [25.3]
    return flows


def money_market_flows():
    """Money-market fund flows: the latest week -31.0, the previous outflow (-5.0) 8 rows earlier,
    7 weeks that were not outflows (two of them flat) in between."""
    values = [20.0, -12.0, 6.0, -5.0, 10.2, 0.0, 3.1, 7.7, 12.0, 0.0, 4.4, -31.0]
    return weekly(values, start="2023-10-06").rename("Money market")


def test_equity_biggest_8_week_inflow_since_march_2022():
    flows = equity_flows()
    assert flows.index[-1] == T("2023-12-13") and flows.iloc[-1] == 25.3
    assert largest_since(flows, 8) == LookBack(T("2022-03-30"), 1, 32.3)
    assert largest_since(flows, 1) == LookBack(None, 1, 25.3)          # a record week
    assert streak(flows) == 133          # inflows in all 133 weeks, 2021-06-02 .. 2023-12-13
    history = largest_since_history(flows, 8)
    assert history["since"].iloc[-1] == T("2022-03-30")
    # the window ending 2022-04-06 (32.0) is "since" the 36.0 window ending 2022-03-30
    assert history.loc["2022-04-06", "total"] == 32.0
    assert history.loc["2022-04-06", "since"] == T("2022-03-30")


def test_money_market_first_outflow_in_8_weeks():
    flows = money_market_flows()
    assert first_in(flows) == 8
    assert streak(flows) == -1
    # -31.0 is the biggest outflow on record (-12.0 and -5.0 were the others)
    assert largest_since(flows, 1) == LookBack(None, -1, -31.0)
    last = streaks(flows).iloc[-1]
    assert (last["Weeks"], last["Direction"], last["Total"]) == (1, OUTFLOW, -31.0)
    # the week before, +4.4 followed a flat week: the previous inflow (12.0) was 2 rows earlier
    assert first_in(flows.iloc[:-1]) == 2


# ------------------------------------------------------------------------------------------
# properties against brute-force references


def brute_largest_since(values, weeks):
    """Row of the most recent earlier window >= / <= the latest (None if none), and the sign."""
    sums = [round(sum(values[i - weeks + 1: i + 1]), 9) for i in range(weeks - 1, len(values))]
    latest = sums[-1]
    if latest == 0:
        return None, 0
    sign = 1 if latest > 0 else -1
    for k in range(len(sums) - 2, -1, -1):
        if (sums[k] >= latest) if sign > 0 else (sums[k] <= latest):
            return k + weeks - 1, sign
    return None, sign


tenths = st.lists(st.integers(-30, 30).map(lambda k: k / 10), min_size=1, max_size=120)


@settings(max_examples=300, deadline=None)
@given(values=tenths)
def test_streak_is_the_signed_last_row_of_streaks(values):
    table = streaks(pd.Series(values))
    last = table.iloc[-1]
    sign = {INFLOW: 1, OUTFLOW: -1, FLAT: 0}[last["Direction"]]
    assert streak(values) == sign * last["Weeks"]
    assert table["Weeks"].sum() == len(values)
    assert (table["Direction"].iloc[1:].to_numpy() != table["Direction"].iloc[:-1].to_numpy()).all()


@settings(max_examples=300, deadline=None)
@given(values=tenths)
def test_first_in_matches_a_backward_search(values):
    sign = np.sign(values[-1])
    if sign == 0:
        expected = 0
    else:
        earlier = [k for k in range(len(values) - 1) if np.sign(values[k]) == sign]
        expected = len(values) - 1 - earlier[-1] if earlier else None
    assert first_in(values) == expected


@pytest.mark.parametrize(
    "tuning",
    [
        pytest.param({"_SHORT_RANGE": 32, "_LOOP_BELOW": 2048, "_SEGMENT": 1 << 15},
                     id="shipped tuning"),
        # a short range of 2, a loop only below 4 rows and slices of 8 rows send random series
        # through the slicing, the candidate filter and the recursion
        pytest.param({"_SHORT_RANGE": 2, "_LOOP_BELOW": 4, "_SEGMENT": 8}, id="tiny: recursion"),
        pytest.param({"_SHORT_RANGE": 4, "_LOOP_BELOW": 0, "_SEGMENT": 3},
                     id="slices shorter than the range, no loop floor"),
    ],
)
@settings(max_examples=200, deadline=None)
@given(values=tenths, weeks=st.sampled_from([1, 2, 3, 8]), trend=st.sampled_from([0, 1, -1]))
def test_largest_since_and_history_match_brute_force(tuning, values, weeks, trend):
    # a trend makes long runs of records and long look-backs; integers / 10 make ties common
    values = [round(v + trend * k / 10, 1) for k, v in enumerate(values)]
    if len(values) < weeks:
        return
    flows = weekly(values)
    with mock.patch.multiple(core_flows, **tuning):
        history = largest_since_history(flows, weeks)
        latest = largest_since(flows, weeks)
    row, sign = brute_largest_since(values, weeks)
    assert latest.direction == sign
    assert latest.since == (None if row is None else flows.index[row])
    for end in range(weeks - 1, len(values)):
        row, sign = brute_largest_since(values[: end + 1], weeks)
        got = history.iloc[end]
        assert got["direction"] == sign
        assert (pd.isna(got["since"]) and row is None) or got["since"] == flows.index[row]
    assert history["total"].iloc[: weeks - 1].isna().all()


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(-99999, 99999).map(lambda k: k / 10), min_size=1, max_size=400),
    weeks=st.integers(1, 60),
    block=st.sampled_from([4, 16, 1024]),
    group=st.sampled_from([8, 64, 1 << 15]),
)
def test_rolling_matches_a_naive_loop(values, weeks, block, group):
    if len(values) < weeks:
        return
    with mock.patch.multiple(core_flows, _MIN_BLOCK=block, _GROUP_ROWS=group):
        got = rolling(pd.Series(values), weeks).to_numpy()
    naive = np.full(len(values), np.nan)
    for end in range(weeks - 1, len(values)):
        total = 0.0
        for v in values[end - weeks + 1: end + 1]:
            total += v
        naive[end] = total
    np.testing.assert_allclose(got, naive, rtol=0, atol=1e-9)
    # what the look-backs compare: identical after rounding for ties
    np.testing.assert_array_equal(round_for_ties(got), round_for_ties(naive))


def test_long_series_history_matches_numpy_scan():
    """20,000 weeks of a random walk in tenths: every row against a full scan."""
    rng = np.random.default_rng(20240105)
    values = np.round(np.cumsum(rng.integers(-20, 21, 20_000)) / 10 % 7 - 3, 1)
    flows = pd.Series(values, index=pd.date_range("1700-01-01", periods=values.size, freq="7D"))
    for weeks in (1, 8, 52):
        history = largest_since_history(flows, weeks)
        totals = history["total"].to_numpy()
        sums = round_for_ties(np.convolve(values, np.ones(weeks), "valid"))
        np.testing.assert_array_equal(totals[weeks - 1:], sums)
        since = history["since"].to_numpy()
        for end in range(weeks - 1, values.size):
            t = totals[end]
            earlier = totals[weeks - 1: end]
            match = np.flatnonzero(earlier >= t if t > 0 else earlier <= t) if t != 0 else []
            expected = flows.index[weeks - 1 + match[-1]] if len(match) else pd.NaT
            assert (pd.isna(since[end]) and pd.isna(expected)) or since[end] == expected


# ------------------------------------------------------------------------------------------
# real data: ICI long-term mutual fund flows, monthly, $ millions (each row one period)


@pytest.fixture(scope="module")
def domestic_equity():
    table = pd.read_csv(DATA / "ICI_mutual_fund_flows_monthly.csv", parse_dates=["Date"])
    return table.set_index("Date")["Domestic Equity"].astype(float)


def test_ici_domestic_equity_outflow_streaks(domestic_equity):
    """Rows checked in the CSV (file line numbers, header = line 1):

    * 53 2011-04-30 +1,436 | 54 2011-05-31 −6,317 … 73 2012-12-31 −26,315 | 74 2013-01-31 +18,526:
      20 months of outflows;
    * 99 2015-02-28 +1,775 | 100 2015-03-31 … 145 2018-12-31 −43,885 | 146 2019-01-31 +3,646:
      46 months of outflows;
    * 147 2019-02-28 −10,832 … 168 2020-11-30 −20,235 (the last row): 22 months, still running.

    Totals are the sums of those rows' values (added with awk over the CSV). No other run of
    either direction is 20 months or longer.
    """
    table = streaks(domestic_equity, min_weeks=20)
    expected = _table([
        (T("2011-05-31"), T("2012-12-31"), 20, OUTFLOW, -303110.0),
        (T("2015-03-31"), T("2018-12-31"), 46, OUTFLOW, -903214.0),
        (T("2019-02-28"), T("2020-11-30"), 22, OUTFLOW, -727627.0),
    ])
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)
    assert streak(domestic_equity) == -22
    assert streak(domestic_equity[:"2018-12-31"]) == -46
    # 2019-01-31 (+3,646): the previous inflow was 2015-02-28, 47 rows earlier (46 outflows between)
    assert first_in(domestic_equity[:"2019-01-31"]) == 47
    assert streak(domestic_equity[:"2019-01-31"]) == 1


def test_ici_domestic_equity_look_backs(domestic_equity):
    """As of 2018-12-31:

    * 1 month: −43,885; the only earlier month <= that is 2008-10-31 (−44,650, line 23);
    * 3 months: −15,090 − 17,982 − 43,885 = −76,957; earlier 3-month sums <= −76,957 end
      2008-11-30 (−83,346), 2016-12-31 (−84,341), 2017-12-31 (−89,216, lines 131–133),
      2018-01-31 (−91,656) and 2018-02-28 (−43,086 − 24,523 − 19,556 = −87,165, lines 133–135);
      the most recent is 2018-02-28.
    """
    cut = domestic_equity[:"2018-12-31"]
    assert largest_since(cut, 1) == LookBack(T("2008-10-31"), -1, -43885.0)
    assert largest_since(cut, 3) == LookBack(T("2018-02-28"), -1, -76957.0)
    history = largest_since_history(domestic_equity, 3)
    assert history.loc["2018-12-31", "since"] == T("2018-02-28")
    assert history.loc["2018-12-31", "total"] == -76957.0
    history1 = largest_since_history(domestic_equity, 1)
    assert history1.loc["2018-12-31", "since"] == T("2008-10-31")
    # the latest month −20,235 is matched by the month before (−57,547)
    assert largest_since(domestic_equity, 1) == LookBack(T("2020-10-31"), -1, -20235.0)
