"""The flow-note grammar's hand-worked tables through its nine UDFs, shaped as Excel gives them.

The same cases as ``test_core_ranks.py``, ``test_core_runs.py``, ``test_core_periods.py`` and
``test_core_assets.py`` (the arithmetic is there and repeated briefly here), run through every
range shape (vertical n × 1, horizontal 1 × n, xlwings' flat list, raw COM tuples) and every date
form (datetime as classic xlwings gives, serial numbers as xlwings Lite gives, ISO text, date).
Results: blocks of label/value rows without a header, columns lined up with the input rows,
dates as ``datetime``, missing values as ``""``, problems as ``xlflows error: …`` text.
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import serial, weekly
from xlflows import udfs
from xlflows.core import constants as C
from xlflows.errors import CELL_PREFIX
from xlflows.excel.shape import BLANK

D = dt.datetime
FRIDAYS = weekly(dt.date(2024, 1, 5), 62)          # 2024-01-05 .. 2025-03-07
SPEC_FLOWS = [1.0, -2.0, 3.0, 4.0, -1.0, 5.0]      # cumulative 1, -1, 2, 6, 5, 10


def _dates(form, days):
    return [form(d) for d in days]


def friday(k):
    return D(2024, 1, 5) + dt.timedelta(weeks=k)


# ------------------------------------------------------------------------------ FLOW_RANK


def test_flow_rank_of_the_spec_flows(shape_of, date_form):
    # 5 against the earlier inflows 1, 3, 4: the largest on record, 1 of 4
    got = udfs.flow_rank(shape_of(_dates(date_form, FRIDAYS[:6])), shape_of(SPEC_FLOWS))
    assert got == [["Rank", 1], ["Of", 4]]
    # 2-week sums -1, 1, 7, 3, 4: 4 is 2nd to 7 among the inflow windows 1, 7, 3, 4
    assert udfs.flow_rank(_dates(date_form, FRIDAYS[:6]), SPEC_FLOWS, "2") == [["Rank", 2],
                                                                               ["Of", 4]]


def test_flow_rank_this_year_and_flat():
    days = ["2023-12-15", "2023-12-22", "2023-12-29", "2024-01-05", "2024-01-12"]
    # 2024: -1, -4: "the biggest weekly outflow this year"; -9 (2023) beats it on record
    assert udfs.flow_rank(days, [5.0, 6.0, -9.0, -1.0, -4.0], 1, "year") == [["Rank", 1],
                                                                             ["Of", 2]]
    assert udfs.flow_rank(days, [5.0, 6.0, -9.0, -1.0, -4.0], None, None) == [["Rank", 2],
                                                                              ["Of", 3]]
    # latest 2-week sum 1 + (-1) = 0: flat, nothing to rank
    assert udfs.flow_rank(days, [5.0, 6.0, -9.0, 1.0, -1.0], 2) == [["Rank", C.FLAT],
                                                                    ["Of", BLANK]]


def test_flow_rank_sorts_by_date():
    # rows in reverse date order: sorted first, the same block
    assert udfs.flow_rank(FRIDAYS[:6][::-1], SPEC_FLOWS[::-1]) == [["Rank", 1], ["Of", 4]]


@pytest.mark.parametrize("call, message", [
    (lambda: udfs.flow_rank(None, SPEC_FLOWS),
     "dates: blank, expected the week-ending dates of the flows"),
    (lambda: udfs.flow_rank(FRIDAYS[:6], SPEC_FLOWS, 1, "week"),
     'period: text \'week\', expected "all", "year", "quarter" or "month"'),
    (lambda: udfs.flow_rank(FRIDAYS[:6], SPEC_FLOWS, 8),
     "flows: 6 weeks of data, expected at least 8 for an 8-week rank"),
], ids=["needs dates", "unknown period", "too short"])
def test_flow_rank_messages(call, message):
    assert call() == CELL_PREFIX + message


# ------------------------------------------------------------------------------ FLOW_COUNT


def test_flow_count(shape_of):
    assert udfs.flow_count(shape_of(SPEC_FLOWS), 6) == 4                 # 1, 3, 4, 5
    assert udfs.flow_count(shape_of(SPEC_FLOWS), 6.0, "outflow") == 2    # -2, -1
    # blanks around the data of an oversized range are ignored: the last 3 are 4, -1, 5
    assert udfs.flow_count(shape_of([None] + SPEC_FLOWS + ["", None]), 3) == 2


def test_flow_count_sorts_by_dates_when_given(date_form):
    # by date the flows are 1, -2, 3, 4, -1, 5 (given reversed): the last 2 are -1, 5
    got = udfs.flow_count(SPEC_FLOWS[::-1], 2, "inflow", _dates(date_form, FRIDAYS[:6][::-1]))
    assert got == 1


@pytest.mark.parametrize("n, direction, message", [
    (7, None, "n: 7 weeks, expected at most 6, the weeks of data in flows"),
    (None, None, "n: blank, expected a whole number of at least 1"),
    (3, "in", 'direction: text \'in\', expected "inflow", "outflow" or "flat"'),
], ids=["n beyond the data", "n blank", "unknown direction"])
def test_flow_count_messages(n, direction, message):
    assert udfs.flow_count(SPEC_FLOWS, n, direction) == CELL_PREFIX + message


# ------------------------------------------------------------------------- STREAK_LONGEST_SINCE


def test_streak_longest_since(shape_of, date_form):
    days = shape_of(_dates(date_form, FRIDAYS[:11]))
    # runs 4 (rows 1-4) | -1 | 2 | -1 | 3: the current 3 inflow weeks, since the 4-week run's
    # end, 2024-01-26
    flows = [1.0, 1.0, 1.0, 1.0, -1.0, 1.0, 1.0, -1.0, 1.0, 1.0, 1.0]
    got = udfs.streak_longest_since(days, shape_of(flows))
    assert got == friday(3) and type(got) is D
    # SPEC: 5, 1, 2, 3 -> a 4-week inflow run, none before: record
    assert udfs.streak_longest_since(_dates(date_form, FRIDAYS[:4]), [5.0, 1.0, 2.0, 3.0]) == \
        C.RECORD


def test_streak_longest_since_previous_and_flat():
    # runs -3 | +1 | -4 | +1: the 4 outflow weeks just snapped are a record
    flows = [-1.0, -1.0, -1.0, 2.0, -1.0, -1.0, -1.0, -1.0, 3.0]
    assert udfs.streak_longest_since(FRIDAYS[:9], flows, "previous") == C.RECORD
    assert udfs.streak_longest_since(FRIDAYS[:9], flows, "current") == friday(3)
    assert udfs.streak_longest_since(FRIDAYS[:3], [1.0, 0.0, 0.0]) == C.FLAT
    assert udfs.streak_longest_since(FRIDAYS[:3], [1.0, 2.0, 3.0], "previous") == (
        CELL_PREFIX + 'which: "previous", but the flows are one run of 3 weeks, expected an '
        "earlier run that has ended")


# ------------------------------------------------------------------------------ FLOW_PERIOD

TWO_YEARS = [1.0] * 52 + [2.0] * 10      # 2024: 52 x 1.0; 2025-01-03 .. Mar 7: 10 x 2.0


def test_flow_period_year_to_date(shape_of, date_form):
    # to date 20; 2024 to Mar 7: 9 weeks = 9; pace 20 x 52 / 10 = 104 beats 2024's 52: rank 1
    got = udfs.flow_period(shape_of(_dates(date_form, FRIDAYS)), shape_of(TWO_YEARS))
    assert got == [["To date", 20.0], ["Same point last year", 9.0], ["Annualised pace", 104.0],
                   ["Pace rank", 1]]


def test_flow_period_as_of_a_date_in_any_form(date_form):
    # to 2025-02-14: 7 weeks = 14; 2024 to Feb 14: 6 weeks = 6; pace 104
    got = udfs.flow_period(FRIDAYS, TWO_YEARS, "year", date_form(dt.date(2025, 2, 14)))
    assert got == [["To date", 14.0], ["Same point last year", 6.0], ["Annualised pace", 104.0],
                   ["Pace rank", 1]]


def test_flow_period_blanks_and_flat():
    # the quarter has no pace; March 2025 to Mar 7 = 2.0, March 2024 to Mar 7 = 1.0
    assert udfs.flow_period(FRIDAYS, TWO_YEARS, "month") == [
        ["To date", 2.0], ["Same point last year", 1.0], ["Annualised pace", BLANK],
        ["Pace rank", BLANK]]
    # in 2024 there is no earlier year: no same point, no pace rank
    assert udfs.flow_period(FRIDAYS[:26], TWO_YEARS[:26]) == [
        ["To date", 26.0], ["Same point last year", BLANK], ["Annualised pace", 52.0],
        ["Pace rank", BLANK]]
    # 2025 sums to 0: the pace is flat
    got = udfs.flow_period(FRIDAYS, [1.0] * 52 + [1.0, -1.0] * 5)
    assert got[2:] == [["Annualised pace", 0.0], ["Pace rank", C.FLAT]]


def test_flow_period_messages():
    assert udfs.flow_period(FRIDAYS, TWO_YEARS, "year", "2025-03-08") == CELL_PREFIX + (
        "as_of: 2025-03-08 is after the latest week (2025-03-07), expected a date within the data")
    assert udfs.flow_period(FRIDAYS, TWO_YEARS, "#N/A") == CELL_PREFIX + (
        'period: #N/A, expected "year", "quarter" or "month"')


# ------------------------------------------------------------------------------ FLOW_PCT


def test_flow_pct_is_a_column_in_input_rows(shape_of):
    # blank, -2 / 1000, 3 / 1005
    got = udfs.flow_pct(shape_of([5.0, -2.0, 3.0]), shape_of([1000.0, 1005.0, 1003.0]))
    assert got == [[BLANK], [-0.002], [3 / 1005]]


def test_flow_pct_sorts_by_date_and_returns_input_order(date_form):
    # input rows: Jan 19 (3, 1003), Jan 5 (5, 1000), Jan 12 (-2, 1005), then a blank row;
    # by date: blank, -2/1000, 3/1005 -> back in input order
    days = [dt.date(2024, 1, 19), dt.date(2024, 1, 5), dt.date(2024, 1, 12)]
    got = udfs.flow_pct([3.0, 5.0, -2.0, None], [1003.0, 1000.0, 1005.0, None], 1,
                        _dates(date_form, days) + [None])
    assert got == [[3 / 1005], [BLANK], [-0.002], [BLANK]]


def test_flow_pct_blank_assets_and_weeks():
    # start-of-week assets blank (row 2's) or 0 (row 1's): blank shares
    assert udfs.flow_pct([1.0, 2.0, 3.0, 4.0], [0.0, 100.0, None, 200.0]) == [
        [BLANK], [BLANK], [0.03], [BLANK]]
    # 2 weeks compounded: 0.998 x (1 + 3/1005) - 1
    got = udfs.flow_pct([5.0, -2.0, 3.0], [1000.0, 1005.0, 1003.0], 2)
    assert got[:2] == [[BLANK], [BLANK]] and got[2][0] == pytest.approx(0.998 * (1 + 3 / 1005) - 1)
    assert udfs.flow_pct([1.0, 2.0], [100.0, "#N/A"]) == CELL_PREFIX + (
        "assets: row 2 is #N/A, expected a number")
    assert udfs.flow_pct([1.0, 2.0], [100.0]) == CELL_PREFIX + (
        "flows and assets: 2 rows vs 1 rows, expected the same length")


# ------------------------------------------------------------------------------ FLOW_SINCE


def test_flow_since_a_date_in_any_form(shape_of, date_form):
    # weeks dated after 2024-01-19: 4 - 1 + 5 = 8
    got = udfs.flow_since(shape_of(_dates(date_form, FRIDAYS[:6])), shape_of(SPEC_FLOWS),
                          date_form(dt.date(2024, 1, 19)))
    assert got == 8.0


def test_flow_since_the_trough_and_messages():
    # cumulative 1, -1, 2, 6, 5, 10: since the -1 -> 11
    assert udfs.flow_since(FRIDAYS[:6], SPEC_FLOWS, "trough") == 11.0
    assert udfs.flow_since(FRIDAYS[:6], SPEC_FLOWS, "bottom") == CELL_PREFIX + (
        'start: text \'bottom\', expected a date or "trough"')
    assert udfs.flow_since(FRIDAYS[:6], SPEC_FLOWS, None) == CELL_PREFIX + (
        'start: blank, expected a date or "trough"')
    # a serial below 61 is refused as every date argument refuses it
    assert udfs.flow_since(FRIDAYS[:6], SPEC_FLOWS, 30) == CELL_PREFIX + (
        "start: the number 30, expected a date on or after 1900-03-01 (serial 61; Excel's "
        "serials below 61 count a 29 Feb 1900 that never existed)")


# ------------------------------------------------------------------------------ LEVEL_RECORD


def test_level_record(shape_of, date_form):
    # SPEC: 10, 12, 11 -> not a record, last higher the date of 12, 11 / 12 - 1
    got = udfs.level_record(shape_of(_dates(date_form, FRIDAYS[:3])), shape_of([10.0, 12.0, 11.0]))
    assert got == [["Record", False], ["Last higher", friday(1)], ["From peak", 11 / 12 - 1]]
    assert type(got[1][1]) is D
    assert udfs.level_record(FRIDAYS[:3], [10.0, 12.0, 13.0]) == [
        ["Record", True], ["Last higher", BLANK], ["From peak", 0.0]]


def test_level_record_skips_blank_levels_with_their_dates():
    # the blank row (with its date) is dropped: 10, 12 -> a record
    assert udfs.level_record(FRIDAYS[:3], [10.0, None, 12.0]) == [
        ["Record", True], ["Last higher", BLANK], ["From peak", 0.0]]


# ------------------------------------------------------------------------------ FLOW_ZSCORE


def test_flow_zscore(shape_of):
    # earlier 1, 2, 3: mean 2, s 1; z = 4; all 3 at or below: 1
    assert udfs.flow_zscore(shape_of([1.0, 2.0, 3.0, 6.0])) == [["Z-score", 4.0],
                                                                 ["Percentile", 1.0]]
    # lookback 2: 1, 3 -> z = 3 / sqrt 2
    got = udfs.flow_zscore([10.0, 1.0, 3.0, 5.0], 1, 2)
    assert got[0][1] == pytest.approx(2.1213203436) and got[1] == ["Percentile", 1.0]


def test_flow_zscore_blanks_and_messages():
    # one earlier window: no standard deviation
    assert udfs.flow_zscore([1.0, 3.0]) == [["Z-score", BLANK], ["Percentile", 1.0]]
    assert udfs.flow_zscore([4.0]) == [["Z-score", BLANK], ["Percentile", BLANK]]
    assert udfs.flow_zscore([1.0, 2.0, 3.0, 6.0], 1, 4) == CELL_PREFIX + (
        "lookback: 4, expected at most 3, the earlier 1-week windows in flows")


# ------------------------------------------------------------------------------ FLOWS_FROM_LEVELS


def test_flows_from_levels_is_a_column_in_input_rows(shape_of, date_form):
    # days 0, 7, 21, 28: spacings 7, 14, 7 (median 7); 14 > 10.5 -> blank
    days = [dt.date(2024, 1, 5), dt.date(2024, 1, 12), dt.date(2024, 1, 26), dt.date(2024, 2, 2)]
    got = udfs.flows_from_levels(shape_of(_dates(date_form, days)),
                                 shape_of([100.0, 101.0, 105.0, 104.0]))
    assert got == [[BLANK], [1.0], [BLANK], [-1.0]]


def test_flows_from_levels_keeps_the_input_rows():
    # input: Jan 19 (105), a blank level, Jan 5 (100), Jan 12 (101): by date 100, 101, 105 ->
    # changes blank, 1, 4, written back on their rows; the blank level's row stays blank
    got = udfs.flows_from_levels(["2024-01-19", "2024-01-26", "2024-01-05", "2024-01-12"],
                                 [105.0, None, 100.0, 101.0])
    assert got == [[4.0], [BLANK], [BLANK], [1.0]]


def test_flows_from_levels_feed_the_flow_functions():
    # weekly assets 100, 103, 101, 106, 110: flows blank, 3, -2, 5, 4 -> the leading blank is
    # ignored by FLOW_COUNT: inflows in 3 of the past 4 weeks
    levels = [100.0, 103.0, 101.0, 106.0, 110.0]
    changes = udfs.flows_from_levels(FRIDAYS[:5], levels)
    assert udfs.flow_count(changes, 4) == 3
    assert udfs.flow_streak(changes, FRIDAYS[:5]) == 2


def test_serials_from_xlwings_lite_are_dates():
    # xlwings Lite passes dates as serial numbers
    got = udfs.level_record([serial(d) for d in FRIDAYS[:3]], [10.0, 12.0, 11.0])
    assert got[1] == ["Last higher", friday(1)]
