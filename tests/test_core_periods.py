"""xlflows.core.periods: FLOW_PERIOD and FLOW_SINCE, hand-worked tables, edges, oracles.

Every expected value was worked out by hand from the inputs shown (the arithmetic is in the
comment or the id). Fridays are counted on a calendar: 2024 has 52 of them (Jan 5 .. Dec 27),
2023 too (Jan 6 .. Dec 29).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from core_support import friday, weekly
from xlflows.core.periods import PeriodTotals, Since, flow_period, flow_since
from xlflows.errors import InputError

T = pd.Timestamp


def same(got, expected):
    """Two PeriodTotals equal, NaN equal to NaN, amounts to 9 decimals."""
    for a, b in zip(got, expected):
        if isinstance(b, float) and math.isnan(b):
            assert isinstance(a, float) and math.isnan(a), (got, expected)
        else:
            assert a == pytest.approx(b, abs=1e-9), (got, expected)


# ------------------------------------------------------------------------------------------
# FLOW_PERIOD

#: 52 weeks of +1.0 through 2024 (Jan 5 .. Dec 27), then 10 weeks of +2.0 (2025-01-03 .. Mar 7).
TWO_YEARS = weekly([1.0] * 52 + [2.0] * 10)
NAN = math.nan


@pytest.mark.parametrize(
    "period, as_of, expected",
    [
        # to date: the 10 weeks of 2025 x 2.0 = 20; last year to EDATE(2025-03-07, -12) =
        # 2024-03-07: Jan 5 .. Mar 1 = 9 weeks x 1.0 = 9; pace 20 x 52 / 10 = 104 beats 2024's
        # 52 (complete: its first week ends Jan 5, within the first 7 days): rank 1 of 1 year
        pytest.param("year", None, PeriodTotals(20.0, 9.0, 104.0, 1, 1, 10, 1),
                     id="year to date, the same point last year, pace rank 1"),
        pytest.param("quarter", None, PeriodTotals(20.0, 9.0, NAN, None, 0, 10, 0),
                     id="quarter to date: no pace"),
        # March 2025 to Mar 7: 2.0; March 2024 to Mar 7: Mar 1, 1.0
        pytest.param("month", None, PeriodTotals(2.0, 1.0, NAN, None, 0, 1, 0),
                     id="month to date"),
        # to 2025-02-14: Jan 3 .. Feb 14 = 7 weeks = 14; 2024 to Feb 14: Jan 5 .. Feb 9 = 6
        pytest.param("year", "2025-02-14", PeriodTotals(14.0, 6.0, 104.0, 1, 1, 7, 1),
                     id="as of a date in the data"),
        # a Wednesday: to 2025-03-05 = Jan 3 .. Feb 28 = 9 weeks = 18; 2024 to Mar 5: 9 weeks
        pytest.param("year", "2025-03-05", PeriodTotals(18.0, 9.0, 104.0, 1, 1, 9, 1),
                     id="as of a day between two weeks"),
        # the first week of a year: 2.0 in 1 week, pace 104; 2024 to Jan 3: none (Jan 5 is later)
        pytest.param("year", "2025-01-03", PeriodTotals(2.0, NAN, 104.0, 1, 1, 1, 1),
                     id="the first week of the year"),
        # in 2024 there is no earlier complete year to rank the pace among: blank, not "record"
        pytest.param("year", "2024-06-28", PeriodTotals(26.0, NAN, 52.0, None, 1, 26, 0),
                     id="no complete earlier year: no pace rank"),
    ],
)
def test_flow_period(period, as_of, expected):
    same(flow_period(TWO_YEARS, period, as_of), expected)


def test_pace_rank_among_two_complete_years():
    # 2023: 52 x 1.0 = 52 (from Jan 6, complete); 2024: 52 x 3.0 = 156; 2025: 10 x 2.0, pace 104:
    # 156 is larger -> rank 2; 2024 to Mar 7: Jan 5 .. Mar 1 = 9 weeks x 3.0 = 27
    flows = weekly([1.0] * 52 + [3.0] * 52 + [2.0] * 10, start="2023-01-06")
    same(flow_period(flows), PeriodTotals(20.0, 27.0, 104.0, 2, 1, 10, 2))


def test_pace_rank_of_an_outflow_and_of_a_flat_year():
    # 2025 outflows 10 x -0.5 = -5, pace -26: the only complete year (2024, +52) is an inflow,
    # so this is the largest annual outflow on record: rank 1
    outflows = weekly([1.0] * 52 + [-0.5] * 10)
    same(flow_period(outflows), PeriodTotals(-5.0, 9.0, -26.0, 1, -1, 10, 1))
    # 2025: 1, -1, ... (10 weeks) sums to 0: the pace is flat, no rank
    flat = weekly([1.0] * 52 + [1.0, -1.0] * 5)
    same(flow_period(flat), PeriodTotals(0.0, 9.0, 0.0, None, 0, 10, 1))


def test_a_period_the_data_do_not_cover_from_its_start_is_blank():
    # data from Fri 2024-03-01: 2024 is incomplete (nothing ranks), and the same point last year
    # (2024-01-01 .. 2024-03-07) would miss January and February: blank
    flows = weekly([1.0] * 44 + [2.0] * 10, start="2024-03-01")
    assert flows.index[44] == T("2025-01-03")
    same(flow_period(flows), PeriodTotals(20.0, NAN, 104.0, None, 1, 10, 0))
    # a first week ending on Jan 8 misses Jan 1 (the week ending Jan 1 is the year's): 2021
    # is incomplete; ending on Jan 7 it covers Jan 1-7
    late = weekly([1.0] * 60, start="2021-01-08")
    assert flow_period(late).years == 0
    early = weekly([1.0] * 60, start="2021-01-07", freq="W-THU")
    assert flow_period(early).years == 1


def test_the_same_point_last_year_from_29_february():
    # Thursdays 2023-01-05 .. 2024-02-29, 1.0 each: 2024 to Feb 29 = 9 weeks; EDATE(2024-02-29,
    # -12) = 2023-02-28: Jan 5 .. Feb 23 2023 = 8 weeks
    flows = weekly([1.0] * 61, start="2023-01-05", freq="W-THU")
    assert flows.index[-1] == T("2024-02-29")
    got = flow_period(flows)
    assert (got.to_date, got.last_year, got.weeks) == (9.0, 8.0, 9)


@pytest.mark.parametrize(
    "call, message",
    [
        pytest.param(lambda f: flow_period(f, "year", "2023-12-31"),
                     r"^as_of: 2023-12-31 is before the first week \(2024-01-05\), expected a "
                     r"date within the data$", id="as_of before the data"),
        pytest.param(lambda f: flow_period(f, "year", "2025-03-08"),
                     r"^as_of: 2025-03-08 is after the latest week \(2025-03-07\), expected a "
                     r"date within the data$", id="as_of after the data"),
        pytest.param(lambda f: flow_period(f, "week"),
                     r'^period: text \'week\', expected "year", "quarter" or "month"$',
                     id="unknown period"),
        pytest.param(lambda f: flow_period(f, "year", "soon"),
                     r"^as_of: text 'soon', expected a date$", id="as_of not a date"),
        pytest.param(lambda f: flow_period(f.reset_index(drop=True)),
                     r"^flows: no dates, expected weekly flows", id="needs dates"),
    ],
)
def test_flow_period_refuses_bad_arguments(call, message):
    with pytest.raises(InputError, match=message):
        call(TWO_YEARS)


def brute_period(days, values, period, as_of):
    """FLOW_PERIOD by loops over the weeks, with Python dates (the definition, read literally)."""
    def key(day):
        return {"year": (day.year,), "quarter": (day.year, (day.month - 1) // 3),
                "month": (day.year, day.month)}[period]

    def start_of(day):
        month = {"year": 1, "quarter": 3 * ((day.month - 1) // 3) + 1, "month": day.month}[period]
        return dt.date(day.year, month, 1)

    def covered(start):
        return days[0] <= start + dt.timedelta(days=6)

    def total(end):
        rows = [v for d, v in zip(days, values) if key(d) == key(end) and d <= end]
        return (sum(rows), len(rows)) if rows and covered(start_of(end)) else (math.nan, 0)

    to_date, weeks = total(as_of)
    year_ago = (pd.Timestamp(as_of) - pd.DateOffset(months=12)).date()
    last_year, _ = total(year_ago)
    if period != "year" or weeks == 0:
        return to_date, last_year, math.nan, None
    pace = to_date * 52 / weeks
    years = {}
    for d, v in zip(days, values):
        if d.year < as_of.year and covered(dt.date(d.year, 1, 1)):
            years[d.year] = years.get(d.year, 0.0) + v
    if not years or round(pace, 9) == 0:
        return to_date, last_year, pace, None
    sign = 1 if pace > 0 else -1
    larger = sum(1 for t in years.values() if round(t, 9) * sign > round(pace, 9) * sign)
    return to_date, last_year, pace, 1 + larger


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.integers(-20, 20).map(lambda k: k / 10), min_size=1, max_size=200),
       start=st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2030, 1, 1)),
       period=st.sampled_from(["year", "quarter", "month"]), data=st.data())
def test_flow_period_matches_loops_over_the_weeks(values, start, period, data):
    flows = weekly(values, start=str(start), freq="7D")
    days = [d.date() for d in flows.index]
    as_of = data.draw(st.sampled_from(days))
    to_date, last_year, pace, rank = brute_period(days, values, period, as_of)
    got = flow_period(flows, period, as_of)
    same((got.to_date, got.last_year, got.pace), (to_date, last_year, pace))
    assert got.pace_rank == rank


# ------------------------------------------------------------------------------------------
# FLOW_SINCE

SPEC_FLOWS = [1, -2, 3, 4, -1, 5]      # cumulative 1, -1, 2, 6, 5, 10


@pytest.mark.parametrize(
    "values, start, expected",
    [
        # weeks dated after Fri 2024-01-19 (row 2): 4 - 1 + 5 = 8
        pytest.param(SPEC_FLOWS, friday(2), Since(8.0, friday(3)),
                     id="since a week-ending date: that week is not counted"),
        pytest.param(SPEC_FLOWS, friday(2) + pd.Timedelta(days=3), Since(8.0, friday(3)),
                     id="since a Monday"),
        pytest.param(SPEC_FLOWS, friday(3) - pd.Timedelta(days=1), Since(8.0, friday(3)),
                     id="since the day before a week ends: that week counts"),
        pytest.param(SPEC_FLOWS, friday(0) - pd.Timedelta(days=7), Since(10.0, friday(0)),
                     id="a week before the first week: every week"),
        # cumulative 1, -1, 2, 6, 5, 10: lowest -1 after row 1 -> 3 + 4 - 1 + 5 = 11
        pytest.param(SPEC_FLOWS, "trough", Since(11.0, friday(2)), id="since the trough"),
        # cumulative 2, 3, 6 never goes below the 0 it starts from: every week
        pytest.param([2, 1, 3], "trough", Since(6.0, friday(0)), id="no trough after the start"),
        # cumulative 1, -4: the trough is the latest week, nothing since
        pytest.param([1, -5], "trough", Since(0.0, None), id="trough in the latest week"),
        # cumulative -2, -1, -2, 1: lowest twice (rows 0 and 2); since the later: 3 (1 - 1 + 3
        # since the earlier, the same)
        pytest.param([-2, 1, -1, 3], " Trough ", Since(3.0, friday(3)), id="two equal troughs"),
        # cumulative 1, 0, 2: back to the start's 0 at row 1, the latest lowest point
        pytest.param([1, -1, 2], "TROUGH", Since(2.0, friday(2)), id="a trough at 0"),
    ],
)
def test_flow_since(values, start, expected):
    assert flow_since(weekly(values), start) == expected


def test_flow_since_the_beginning_of_november():
    # "$467bn since the beginning of November": Fridays from 2023-10-06 with 100 a week; weeks
    # dated after Oct 31: Nov 3 .. Dec 15 = 7 weeks -> 700
    flows = weekly([100.0] * 11, start="2023-10-06")
    assert flow_since(flows, "2023-10-31") == Since(700.0, T("2023-11-03"))


@pytest.mark.parametrize(
    "start, message",
    [
        pytest.param(friday(5), r"^start: 2024-02-09 is not before the latest week "
                                r"\(2024-02-09\), expected an earlier date$", id="the latest week"),
        pytest.param("2030-01-01", r"^start: 2030-01-01 is not before the latest week",
                     id="after the data"),
        pytest.param(friday(0) - pd.Timedelta(days=8),
                     r"^start: 2023-12-28 is more than a week before the first week "
                     r"\(2024-01-05\), expected a date the data cover$", id="before the data"),
        pytest.param("abc", r'^start: text \'abc\', expected a date or "trough"$', id="text"),
        pytest.param(45000, r'^start: the number 45000, expected a date or "trough"$',
                     id="a number is not a date in the core"),
        pytest.param(None, r'^start: blank, expected a date or "trough"$', id="blank"),
    ],
)
def test_flow_since_refuses_bad_starts(start, message):
    with pytest.raises(InputError, match=message):
        flow_since(weekly(SPEC_FLOWS), start)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(-30, 30).map(lambda k: k / 10), min_size=1, max_size=120))
def test_since_the_trough_is_the_largest_suffix_sum(values):
    # the cumulative sum's lowest point (0 before the first week) is where the sum of the weeks
    # after it is largest: brute force over every suffix, the empty one (0) included
    best = max([0.0] + [sum(values[k:]) for k in range(len(values))])
    got = flow_since(weekly(values), "trough")
    assert got.total == pytest.approx(best, abs=1e-9)
    if got.first is not None:
        k = int((got.first - T("2024-01-05")).days // 7)
        assert sum(values[k:]) == pytest.approx(best, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.integers(-30, 30).map(lambda k: k / 10), min_size=2, max_size=60),
       data=st.data())
def test_since_a_date_sums_the_weeks_dated_after_it(values, data):
    flows = weekly(values)
    start = data.draw(st.dates(min_value=(friday(0) - pd.Timedelta(days=7)).date(),
                               max_value=(flows.index[-1] - pd.Timedelta(days=1)).date()))
    got = flow_since(flows, start)
    after = [v for d, v in zip(flows.index.date, values) if d > start]
    assert got.total == pytest.approx(sum(after), abs=1e-9)


def test_flow_since_refuses_sums_that_overflow():
    with pytest.raises(InputError, match=r"^flows: the values are too large to add up"):
        flow_since(weekly([1e308, 1e308, -1.0]), "trough")
    assert np.isfinite(flow_since(weekly([1e308, -1e308, 1.0]), "trough").total)


def test_a_missing_week_is_refused_where_an_answer_adds_it_up():
    # row 60 (2025-02-28) is in 2025's weeks to date; row 3 (2024-01-26) in 2024's total, which
    # the pace is ranked against; both answers name the row
    flows = TWO_YEARS.copy()
    flows.iloc[59] = np.nan
    with pytest.raises(InputError, match=r"^flows: row 60 is missing, expected a number$"):
        flow_period(flows)
    flows = TWO_YEARS.copy()
    flows.iloc[3] = np.nan
    with pytest.raises(InputError, match=r"^flows: row 4 is missing, expected a number$"):
        flow_period(flows, "year")
    # a month's figures do not add up January 2024: the missing week there changes nothing
    assert flow_period(flows, "month").to_date == 2.0
    with pytest.raises(InputError, match=r"^flows: row 4 is missing"):
        flow_since(flows, "2024-01-01")
    # after 2024-02-01: the 48 weeks Feb 2 .. Dec 27 of 2024 (1.0) and 10 of 2025 (2.0)
    assert flow_since(flows, "2024-02-01").total == 48 * 1.0 + 10 * 2.0


def test_sums_that_overflow_are_refused():
    with pytest.raises(InputError, match=r"^flows: the values are too large to add up"):
        flow_period(weekly([1e308, 1e308]))
    with pytest.raises(InputError, match=r"^flows: the values are too large to add up"):
        flow_since(weekly([1.0, 1e308, 1e308]), friday(0))


def test_dates_outside_the_nanosecond_range_keep_their_unit():
    """Excel dates run to 9999-12-31; pandas 2.2 keeps dates past 2262 in seconds, and a day
    offset in nanoseconds added to one of them overflowed (CI on pandas 2.2.3 found it through
    the benchmark's 1,000,000 weeks from the year 1003). The same TWO_YEARS table 400 years on
    gives the same answers: 2424 and 2425 start on the same weekdays as 2024 and 2025."""
    later = pd.DatetimeIndex((TWO_YEARS.index.values.astype("datetime64[s]")
                              + np.timedelta64(146_097, "D")).astype("datetime64[s]"))
    shifted = pd.Series(TWO_YEARS.to_numpy(), index=later)
    assert shifted.index[0] == T(dt.datetime(2424, 1, 5))
    same(flow_period(shifted, "year"), PeriodTotals(20.0, 9.0, 104.0, 1, 1, 10, 1))
    same(flow_period(shifted, "quarter"), PeriodTotals(20.0, 9.0, NAN, None, 0, 10, 0))
    # after 2425-01-03 (the first week of 2425 is dated after it): 9 weeks x 2.0
    assert flow_since(shifted, T(dt.datetime(2425, 1, 3))).total == pytest.approx(18.0)
    # the earliest allowed start is the week before the first date
    assert flow_since(shifted, T(dt.datetime(2423, 12, 29))).total == pytest.approx(72.0)
