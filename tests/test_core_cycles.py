"""core/cycles.py: hiking cycles, what money-fund assets did after them, the projected peak.

Small hand-worked tables first (each expected value worked out in a comment), then the real FRED
data with the rows of the CSV files that were read by hand.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from xlflows.core.constants import CYCLE_COLUMNS, CYCLE_INFLOW_COLUMNS, PEAK_ADDITION, PEAK_YOY
from xlflows.core.cycles import cycle_inflows, hike_cycles, peak_projection
from xlflows.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data"
T = pd.Timestamp


def series(pairs: dict[str, float]) -> pd.Series:
    return pd.Series(list(pairs.values()), index=pd.DatetimeIndex(list(pairs)), dtype=float)


# Change-dates table of a policy rate (percent). By hand:
#   cycle 1: Feb 1 +25, Mar 1 +25, Mar 2 +50 (the next day: a separate hike) -> 3 hikes,
#            1.00 -> 2.00 = 100 bp exactly (both thresholds met, inclusive); Apr 1 unchanged;
#            cut May 1 (2.00 -> 1.75)
#   cycle 2: Jun 1, Jul 1, Aug 3, Sep 1 +25 each -> 4 hikes, 1.75 -> 2.75 = 100 bp, still open
CHANGE_DATES = series({
    "2020-01-01": 1.00, "2020-02-01": 1.25, "2020-03-01": 1.50, "2020-03-02": 2.00,
    "2020-04-01": 2.00, "2020-05-01": 1.75, "2020-06-01": 2.00, "2020-07-01": 2.25,
    "2020-08-03": 2.50, "2020-09-01": 2.75,
})
EXPECTED = pd.DataFrame({
    "First hike": pd.DatetimeIndex(["2020-02-01", "2020-06-01"]),
    "Last hike": pd.DatetimeIndex(["2020-03-02", "2020-09-01"]),
    "Hikes": np.array([3, 4], dtype=np.int64),
    "Rise (bp)": [100.0, 100.0],
    "Peak rate": [2.00, 2.75],
    "First cut": pd.DatetimeIndex(["2020-05-01", None]),
})


def daily(levels: pd.Series) -> pd.Series:
    """The same rate as a daily series (every calendar day, the level carried forward)."""
    days = pd.date_range(levels.index[0], levels.index[-1], freq="D")
    return levels.reindex(days).ffill()


def test_change_dates_table_two_cycles_second_open():
    got = hike_cycles(CHANGE_DATES)
    assert list(got.columns) == list(CYCLE_COLUMNS)
    pd.testing.assert_frame_equal(got, EXPECTED, check_index_type=False)
    assert pd.isna(got["First cut"].iloc[1])


def test_daily_levels_give_the_same_cycles():
    expanded = daily(CHANGE_DATES)
    assert len(expanded) == 245                       # 2020-01-01 .. 2020-09-01
    pd.testing.assert_frame_equal(hike_cycles(expanded), hike_cycles(CHANGE_DATES))


@pytest.mark.parametrize(
    "min_hikes, min_rise_bp, first_hikes",
    [
        (3, 100, ["2020-02-01", "2020-06-01"]),
        (4, 100, ["2020-06-01"]),              # cycle 1 has 3 hikes < 4
        (3, 100.000001, []),                   # both rise 100 bp < 100.000001
        (5, 0, []),
        (1, 25, ["2020-02-01", "2020-06-01"]),
    ],
    ids=["defaults-inclusive", "min-hikes-4", "rise-just-above", "min-hikes-5", "loose"],
)
def test_thresholds_are_inclusive(min_hikes, min_rise_bp, first_hikes):
    got = hike_cycles(CHANGE_DATES, min_hikes=min_hikes, min_rise_bp=min_rise_bp)
    assert list(got["First hike"]) == [T(d) for d in first_hikes]


def test_rise_rounded_to_6_decimals_before_comparing():
    # 1.1 -> 1.2 -> 1.3 -> 1.4: 1.4 - 1.1 = 0.2999999999999998 in floats, x100 = 29.99999999999998
    # -> 30.0 after rounding to 6 decimals, so min_rise_bp=30 keeps the cycle
    rates = series({"2021-01-01": 1.1, "2021-02-01": 1.2, "2021-03-01": 1.3, "2021-04-01": 1.4})
    assert (1.4 - 1.1) * 100 < 30
    got = hike_cycles(rates, min_rise_bp=30)
    assert got["Rise (bp)"].tolist() == [30.0]
    assert got["Hikes"].tolist() == [3]


def test_kind_change_reads_a_list_of_changes():
    # the same decisions as CHANGE_DATES, given as changes in percentage points (0 = no move)
    changes = series({
        "2020-02-01": 0.25, "2020-03-01": 0.25, "2020-03-02": 0.50, "2020-04-01": 0.0,
        "2020-05-01": -0.25, "2020-06-01": 0.25, "2020-07-01": 0.25, "2020-08-03": 0.25,
        "2020-09-01": 0.25,
    })
    got = hike_cycles(changes, kind="change")
    expected = EXPECTED.assign(**{"Peak rate": [math.nan, math.nan]})
    pd.testing.assert_frame_equal(got, expected, check_index_type=False)
    assert got["Peak rate"].isna().all()


def test_a_cut_then_hikes_starts_a_new_run():
    # +25 +25 -25 +25 +25 +25: the cut splits the run; the first run has only 2 hikes
    rates = series({"2022-01-01": 0.25, "2022-02-01": 0.50, "2022-03-01": 0.75,
                    "2022-04-01": 0.50, "2022-05-01": 0.75, "2022-06-01": 1.00,
                    "2022-07-01": 1.25})
    got = hike_cycles(rates, min_rise_bp=75)
    assert got["First hike"].tolist() == [T("2022-05-01")]
    assert got["Rise (bp)"].tolist() == [75.0]       # 0.50 -> 1.25


def test_no_cycle_gives_an_empty_table_with_the_columns():
    got = hike_cycles(series({"2020-01-01": 1.0, "2020-02-01": 1.0, "2020-03-01": 0.5}))
    assert got.empty and list(got.columns) == list(CYCLE_COLUMNS)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(kind="levels"), r"^kind: text 'levels', expected \"level\" or \"change\"$"),
        (dict(min_hikes=0), r"^min_hikes: 0, expected a whole number of at least 1$"),
        (dict(min_hikes=2.5), r"^min_hikes: 2\.5, expected a whole number of at least 1$"),
        (dict(min_rise_bp=-1),
         r"^min_rise_bp: -1, expected a number of basis points of at least 0$"),
        (dict(min_rise_bp="lots"),
         r"^min_rise_bp: text 'lots', expected a number of basis points of at least 0$"),
    ],
    ids=["unknown-kind", "min-hikes-0", "min-hikes-fraction", "negative-rise", "text-rise"],
)
def test_hike_cycles_refusals(kwargs, message):
    with pytest.raises(InputError, match=message):
        hike_cycles(CHANGE_DATES, **kwargs)


def test_hike_cycles_refuses_empty_and_unsorted():
    with pytest.raises(InputError, match=r"^rates: no values, expected at least one level$"):
        hike_cycles(CHANGE_DATES.iloc[:0])
    # one level (a rate that never moved, as a change-dates table) is no cycle, not an error
    assert hike_cycles(series({"2020-01-01": 1.0})).empty
    with pytest.raises(InputError, match=r"^rates: dates are not sorted, expected oldest first$"):
        hike_cycles(CHANGE_DATES.iloc[::-1])
    with pytest.raises(InputError, match=r"^rates: no values, expected at least one change$"):
        hike_cycles(CHANGE_DATES.iloc[:0], kind="change")


# hypothesis: a random rate path, as a daily series and as its change-dates table
@st.composite
def rate_paths(draw):
    start = draw(st.integers(0, 800)) / 100                     # 0.00 .. 8.00 percent
    moves = draw(st.lists(
        st.tuples(st.integers(1, 60), st.sampled_from([-50, -25, -12.5, 0, 0, 12.5, 25, 50, 75])),
        min_size=1, max_size=40))
    dates = [T("2000-01-03")]
    levels = [start]
    for gap, bp in moves:
        dates.append(dates[-1] + pd.Timedelta(days=gap))
        levels.append(round(levels[-1] + bp / 100, 6))
    return pd.Series(levels, index=pd.DatetimeIndex(dates), dtype=float)


@settings(max_examples=150, deadline=None)
@given(path=rate_paths(), min_hikes=st.integers(1, 4),
       min_rise_bp=st.sampled_from([0, 25, 50, 100]))
def test_daily_equals_change_dates_equals_changes(path, min_hikes, min_rise_bp):
    table = path[path.diff().fillna(1) != 0]             # first row + rows where the level moved
    by_day = hike_cycles(daily(path), min_hikes, min_rise_bp)
    by_table = hike_cycles(table, min_hikes, min_rise_bp)
    pd.testing.assert_frame_equal(by_day, by_table)
    by_change = hike_cycles(path.diff().iloc[1:], min_hikes, min_rise_bp, kind="change")
    pd.testing.assert_frame_equal(by_change.drop(columns="Peak rate"),
                                  by_table.drop(columns="Peak rate"))
    # every reported cycle meets both thresholds and is followed by its first cut (or is open)
    assert (by_table["Hikes"] >= min_hikes).all()
    assert (by_table["Rise (bp)"] >= min_rise_bp).all()
    assert (by_table["First cut"].isna() | (by_table["First cut"] > by_table["Last hike"])).all()


# ---------------------------------------------------------------------------------------------
# cycle_inflows on hand-made data
# ---------------------------------------------------------------------------------------------

def cycles_table(rows):
    """A table shaped like hike_cycles' output from (first, last, cut) triples."""
    first, last, cut = zip(*rows)
    return pd.DataFrame({
        "First hike": pd.DatetimeIndex(first), "Last hike": pd.DatetimeIndex(last),
        "Hikes": [3] * len(rows), "Rise (bp)": [100.0] * len(rows),
        "Peak rate": [5.0] * len(rows), "First cut": pd.DatetimeIndex(cut),
    })


# Monthly assets ($bn) on month starts 2008-01-01 .. 2014-12-01, 100 except:
#   2010-12-01 120 (YoY +20%), 2011-01-01 150 (+50%), 2011-02-01 200 (+100%), 2011-03-01 300 (+200%)
ASSETS = pd.Series(100.0, index=pd.date_range("2008-01-01", "2014-12-01", freq="MS"))
ASSETS[T("2010-12-01")] = 120.0
ASSETS[T("2011-01-01")] = 150.0
ASSETS[T("2011-02-01")] = 200.0
ASSETS[T("2011-03-01")] = 300.0
CYCLES = cycles_table([
    ("2010-01-15", "2010-06-01", "2010-09-01"),   # A
    ("2011-03-01", "2011-09-01", "2012-01-01"),   # B: its first hike ends A's window (exclusive)
    ("2013-01-01", "2013-06-01", None),           # C: still open -> left out
])


def test_windows_stop_at_the_next_cycle_and_peaks_before_the_last_hike_are_negative():
    got = cycle_inflows(CYCLES, ASSETS)
    assert list(got.columns) == [*CYCLE_INFLOW_COLUMNS, PEAK_YOY]
    # A: window 2010-01-15 .. 2011-02-28 (B starts 2011-03-01, exclusive): peak 2011-02-01,
    #    200/100 - 1 = 1.0; DATEDIF(2010-06-01, 2011-02-01, "m") = 8
    # B: window 2011-03-01 (inclusive) .. 2012-12-01: peak 2011-03-01, 300/100 - 1 = 2.0;
    #    the peak came 6 months before the last hike (2011-09-01) -> -6
    assert got["First hike"].tolist() == [T("2010-01-15"), T("2011-03-01")]
    assert got["Last hike"].tolist() == [T("2010-06-01"), T("2011-09-01")]
    assert got["Peak date"].tolist() == [T("2011-02-01"), T("2011-03-01")]
    assert got["Months after last hike"].tolist() == [8, -6]
    assert got[PEAK_YOY].tolist() == pytest.approx([1.0, 2.0])


def test_horizon_end_is_inclusive():
    # A with horizon 6: EDATE(2010-06-01, 6) = 2010-12-01, an observation -> included:
    # peak 2010-12-01, 120/100 - 1 = 0.2, 6 months
    got = cycle_inflows(CYCLES, ASSETS, horizon_months=6)
    assert got["Peak date"].iloc[0] == T("2010-12-01")
    assert got[PEAK_YOY].iloc[0] == pytest.approx(0.2)
    assert got["Months after last hike"].iloc[0] == 6
    # horizon 7 -> 2011-01-01 included: 150/100 - 1 = 0.5, 7 months
    got = cycle_inflows(CYCLES, ASSETS, horizon_months=7)
    assert (got["Peak date"].iloc[0], got["Months after last hike"].iloc[0]) == (T("2011-01-01"), 7)
    assert got[PEAK_YOY].iloc[0] == pytest.approx(0.5)


def test_additions_measure_is_the_largest_12_month_dollar_change():
    got = cycle_inflows(CYCLES, ASSETS, measure="additions")
    assert list(got.columns) == [*CYCLE_INFLOW_COLUMNS, PEAK_ADDITION]
    # A: 200 - 100 = 100 at 2011-02-01; B: 300 - 100 = 200 at 2011-03-01
    assert got[PEAK_ADDITION].tolist() == pytest.approx([100.0, 200.0])
    assert got["Peak date"].tolist() == [T("2011-02-01"), T("2011-03-01")]


def test_additions_and_yoy_can_pick_different_peaks():
    # a small base grows fast in % terms, a large base adds more dollars:
    # 2020-01-01 10 -> 2021-01-01 20 (+100%, +$10bn); 2020-04-01 100 -> 2021-04-01 150 (+50%,
    # +$50bn)
    assets = series({"2020-01-01": 10.0, "2020-04-01": 100.0, "2020-07-01": 100.0,
                     "2020-10-01": 100.0, "2021-01-01": 20.0, "2021-04-01": 150.0})
    cycles = cycles_table([("2020-12-01", "2021-02-01", "2021-06-01")])
    assert cycle_inflows(cycles, assets)["Peak date"].tolist() == [T("2021-01-01")]
    assert cycle_inflows(cycles, assets, measure="additions")["Peak date"].tolist() == [
        T("2021-04-01")]


def test_edate_clamps_to_month_end_for_the_horizon():
    # month-end data; last hike 2011-01-31, horizon 1 -> EDATE = 2011-02-28 (clamped), included;
    # 2011-03-31 is not. Peak 2011-02-28: 120/100 - 1 = 0.2; DATEDIF(Jan 31, Feb 28, "m") = 0
    assets = pd.Series(100.0, index=pd.date_range("2010-01-31", "2011-06-30", freq="ME"))
    assets[T("2011-01-31")] = 110.0
    assets[T("2011-02-28")] = 120.0
    assets[T("2011-03-31")] = 200.0
    cycles = cycles_table([("2010-12-31", "2011-01-31", "2011-05-31")])
    got = cycle_inflows(cycles, assets, horizon_months=1)
    assert got["Peak date"].tolist() == [T("2011-02-28")]
    assert got["Months after last hike"].tolist() == [0]
    got = cycle_inflows(cycles, assets, horizon_months=2)       # EDATE = 2011-03-31
    assert got["Peak date"].tolist() == [T("2011-03-31")]
    assert got["Months after last hike"].tolist() == [2]


def test_window_cut_short_by_end_of_data_is_kept_and_empty_windows_left_out():
    short = ASSETS[:"2011-06-01"]
    got = cycle_inflows(CYCLES, short)                 # B's window ends with the data
    assert got["Peak date"].tolist() == [T("2011-02-01"), T("2011-03-01")]
    # a cycle before the data begins and one after it ends have no observation: left out
    early_late = cycles_table([("2000-01-01", "2000-06-01", "2001-01-01"),
                               ("2010-01-15", "2010-06-01", "2010-09-01"),
                               ("2016-01-01", "2016-06-01", "2017-01-01")])
    got = cycle_inflows(early_late, ASSETS, horizon_months=6)
    assert got["First hike"].tolist() == [T("2010-01-15")]


def test_cycle_inflows_takes_hike_cycles_output():
    # the CHANGE_DATES rate; cycle 2 is open -> only cycle 1 (Feb 1 .. Mar 2 2020, cut May 1)
    assets = pd.Series(np.linspace(100, 200, 25), index=pd.date_range("2019-01-01", periods=25,
                                                                        freq="MS"))
    # window 2020-02-01 .. next cycle 2020-06-01 (exclusive). On a straight line the YoY growth
    # 12 * step / (level a year earlier) falls as the base grows, so the first observation in the
    # window wins: 2020-02-01 (13th step) over 2019-02-01 (1st step), one month before the last
    # hike 2020-03-02 -> -DATEDIF(2020-02-01, 2020-03-02, "m") = -1
    got = cycle_inflows(hike_cycles(CHANGE_DATES), assets)
    assert got["Peak date"].tolist() == [T("2020-02-01")]
    assert got[PEAK_YOY].iloc[0] == pytest.approx((100 + 13 * 100 / 24) / (100 + 1 * 100 / 24) - 1)
    assert got["Months after last hike"].tolist() == [-1]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(measure="flows"), r"^measure: text 'flows', expected \"yoy\" or \"additions\"$"),
        (dict(horizon_months=-1), r"^horizon_months: -1, expected a whole number of at least 0$"),
        (dict(cycles=pd.DataFrame({"Start": []})),
         r"^cycles: no column 'First hike', expected the table that hike_cycles returns$"),
        (dict(assets=ASSETS.iloc[:0]), r"^assets: no values, expected at least one level$"),
    ],
    ids=["unknown-measure", "negative-horizon", "not-a-cycles-table", "no-assets"],
)
def test_cycle_inflows_refusals(kwargs, message):
    args = dict(cycles=CYCLES, assets=ASSETS) | kwargs
    with pytest.raises(InputError, match=message):
        cycle_inflows(**args)


# ---------------------------------------------------------------------------------------------
# peak_projection
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "last_hike, months, expected",
    [
        ("2023-07-26", [9, 13, 15, 19], "2024-09-26"),   # the note: average 14 -> Sep 2024
        ("2023-07-26", [13, 14], "2024-09-26"),          # 13.5 rounds half away -> 14
        ("2023-07-26", [12, 13], "2024-08-26"),          # 12.5 -> 13 (banker's would give 12)
        ("2023-07-26", [-1, 0], "2023-06-26"),           # -0.5 rounds half away -> -1
        ("2023-07-26", [-3, -2], "2023-04-26"),          # -2.5 -> -3
        ("2024-01-31", [1], "2024-02-29"),               # EDATE clamps to the month end (leap)
        ("2023-01-31", 1, "2023-02-28"),                 # a single number
        ("2024-01-31", [2, 3], "2024-04-30"),            # 2.5 -> 3, Jan 31 -> Apr 30
        ("2023-07-26", [0.4], "2023-07-26"),
    ],
    ids=["note-9-13-15-19-sep-2024", "half-up-13.5", "half-up-12.5", "half-away-minus-0.5",
         "half-away-minus-2.5", "month-end-leap", "scalar-month-end", "month-end-2.5",
         "rounds-to-zero"],
)
def test_peak_projection(last_hike, months, expected):
    assert peak_projection(last_hike, months) == T(expected)


def test_peak_projection_accepts_a_series_of_months():
    assert peak_projection(T("2023-07-26"), pd.Series([9, 13, 15, 19])) == T("2024-09-26")


@pytest.mark.parametrize(
    "last_hike, months, message",
    [
        ("2023-07-26", [], r"^months: no values, expected at least one number of months$"),
        ("2023-07-26", [9, None], r"^months: value 2 is blank, expected a number of months$"),
        ("2023-07-26", "soon", r"^months: text 'soon', expected a number of months$"),
        ("someday", [9], r"^last_hike: text 'someday', expected a date$"),
        (None, [9], r"^last_hike: blank, expected a date$"),
        # pandas would read 45000 as nanoseconds after 1970 (peak 1971-03-01): refused instead
        (45000, [14], r"^last_hike: the number 45000, expected a date$"),
        (45000.0, [14], r"^last_hike: the number 45000, expected a date$"),
    ],
    ids=["no-months", "blank-month", "text-months", "text-date", "blank-date", "serial-int",
         "serial-float"],
)
def test_peak_projection_refusals(last_hike, months, message):
    with pytest.raises(InputError, match=message):
        peak_projection(last_hike, months)


# ---------------------------------------------------------------------------------------------
# real data: FRED DFEDTAR then DFEDTARU, and MMMFFAQ027S
# ---------------------------------------------------------------------------------------------

def read_fred(name: str) -> pd.Series:
    frame = pd.read_csv(DATA / f"{name}.csv", index_col=0, parse_dates=True)
    return frame.iloc[:, 0].astype(float)


@pytest.fixture(scope="module")
def policy_rate() -> pd.Series:
    return pd.concat([read_fred("DFEDTAR"), read_fred("DFEDTARU")])


@pytest.fixture(scope="module")
def mmf_assets() -> pd.Series:
    return read_fred("MMMFFAQ027S") / 1000.0          # millions -> $bn


# Checked by hand in the CSVs (line numbers counting the header as line 1):
#   1983:      DFEDTAR.csv 187 1983-03-31 8.5000->8.6250 ... 320 1983-08-11 9.5625 (6 hikes;
#              9.5625 - 8.5 = 106.25 bp); cut 326 1983-08-17 9.5000
#   1984:      551 1984-03-29 9.375->10.5, 649, 663, 684 1984-08-09 11.5 (4 hikes, 212.5 bp);
#              cut 726 1984-09-20 11.25
#   1988-89:   2013 1988-03-30 6.5->6.75 ... 2426 1989-05-17 9.8125 (16 hikes, incl. 2144/2145
#              1988-08-08 and 08-09 back to back; 9.8125 - 6.5 = 331.25 bp); cut 2446 1989-06-06
#   1994-95:   4150 1994-02-04 3.00->3.25 ... 4512 1995-02-01 6.00 (7 hikes, 300 bp);
#              cut 4667 1995-07-06 5.75 (the single 1997-03-25 hike, line 5295, is no cycle)
#   1999-2000: 6122 1999-06-30 4.75->5.00 ... 6443 2000-05-16 6.50 (6 hikes, 175 bp);
#              cut 6675 2001-01-03 6.00
#   2004-06:   7949 2004-06-30 1.00->1.25 ... 8678 2006-06-29 5.25 (17 hikes, 425 bp);
#              cut 9124 2007-09-18 4.75
#   2015-18:   DFEDTARU.csv 2558 2015-12-16 0.25->0.50 ... 3658 2018-12-20 2.50 (9 hikes,
#              225 bp); cut 3882 2019-08-01 2.25
#   2022-23:   4841 2022-03-17 0.25->0.50 ... 5338 2023-07-27 5.50 (11 hikes, 525 bp);
#              cut 5758 2024-09-19 5.00
REAL_CYCLES = [
    # first hike, last hike, hikes, rise bp, peak rate, first cut
    ("1983-03-31", "1983-08-11", 6, 106.25, 9.5625, "1983-08-17"),
    ("1984-03-29", "1984-08-09", 4, 212.5, 11.5, "1984-09-20"),
    ("1988-03-30", "1989-05-17", 16, 331.25, 9.8125, "1989-06-06"),
    ("1994-02-04", "1995-02-01", 7, 300.0, 6.0, "1995-07-06"),
    ("1999-06-30", "2000-05-16", 6, 175.0, 6.5, "2001-01-03"),
    ("2004-06-30", "2006-06-29", 17, 425.0, 5.25, "2007-09-18"),
    ("2015-12-16", "2018-12-20", 9, 225.0, 2.5, "2019-08-01"),
    ("2022-03-17", "2023-07-27", 11, 525.0, 5.5, "2024-09-19"),
]


def test_real_policy_rate_gives_the_8_cycles_of_the_spec(policy_rate):
    got = hike_cycles(policy_rate)
    rows = [(f.strftime("%Y-%m-%d"), last.strftime("%Y-%m-%d"), h, r, p, c.strftime("%Y-%m-%d"))
            for f, last, h, r, p, c in got.itertuples(index=False)]
    assert rows == REAL_CYCLES


def test_real_change_dates_table_gives_the_same_cycles(policy_rate):
    table = policy_rate[policy_rate.diff().fillna(1) != 0]
    assert len(table) < len(policy_rate) / 20
    pd.testing.assert_frame_equal(hike_cycles(table), hike_cycles(policy_rate))


# MMMFFAQ027S.csv rows read by hand ($m): the YoY peaks of the four cycles before 2022
#   1994-95:   90 1996-01-01 824202 / 86 1995-01-01 641874 - 1 = 0.284056
#   1999-2000: 112 2001-07-01 2161638 / 108 2000-07-01 1727378 - 1 = 0.251398
#   2004-06:   138 2008-01-01 3442540 / 134 2007-01-01 2417799 - 1 = 0.423832
#   2015-18:   187 2020-04-01 4635927 / 183 2019-04-01 3205889 - 1 = 0.446066
# Months (DATEDIF from the last hike): 1995-02-01 -> 1996-01-01 = 11; 2000-05-16 -> 2001-07-01
# = 13 (14 calendar months, day 1 < 16); 2006-06-29 -> 2008-01-01 = 18; 2018-12-20 -> 2020-04-01
# = 15. Dated at the quarter's end instead (1996-03-31, 2001-09-30, 2008-03-31, 2020-06-30):
# 13, 16, 21, 18 months, the same growth (every value moves by the same quarter).
PEAK_YOY_BY_HAND = [824202 / 641874 - 1, 2161638 / 1727378 - 1, 3442540 / 2417799 - 1,
                    4635927 / 3205889 - 1]


def test_real_cycle_inflows_fred_dates(policy_rate, mmf_assets):
    got = cycle_inflows(hike_cycles(policy_rate), mmf_assets).tail(4)
    assert got["First hike"].dt.year.tolist() == [1994, 1999, 2004, 2015]
    assert got["Peak date"].tolist() == [T("1996-01-01"), T("2001-07-01"), T("2008-01-01"),
                                         T("2020-04-01")]
    assert got["Months after last hike"].tolist() == [11, 13, 18, 15]
    assert got[PEAK_YOY].tolist() == pytest.approx(PEAK_YOY_BY_HAND, rel=1e-12)
    # averages: (0.284056 + 0.251398 + 0.423832 + 0.446066) / 4 = 0.351338; 57 / 4 = 14.25
    assert got[PEAK_YOY].mean() == pytest.approx(0.351338, abs=1e-6)
    assert got["Months after last hike"].mean() == 14.25


def test_real_cycle_inflows_quarter_end_dates(policy_rate, mmf_assets):
    quarter_end = mmf_assets.copy()
    quarter_end.index = quarter_end.index + pd.offsets.QuarterEnd(0)
    got = cycle_inflows(hike_cycles(policy_rate), quarter_end).tail(4)
    assert got["Peak date"].tolist() == [T("1996-03-31"), T("2001-09-30"), T("2008-03-31"),
                                         T("2020-06-30")]
    assert got["Months after last hike"].tolist() == [13, 16, 21, 18]
    assert got[PEAK_YOY].tolist() == pytest.approx(PEAK_YOY_BY_HAND, rel=1e-12)
    assert got["Months after last hike"].mean() == 17.0


def test_real_open_2022_cycle_is_left_out(policy_rate, mmf_assets):
    # the 2022-23 cycle is closed (cut 2024-09-19) but the assets end in 2020Q4: no data, left out
    got = cycle_inflows(hike_cycles(policy_rate), mmf_assets)
    assert got["First hike"].max() == T("2015-12-16")
    assert len(got) == 7


# ---------------------------------------------------------------------------------------------
# scripts/real_data_table.py and its committed output docs/real-data.md
# ---------------------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def real_table():
    import importlib.util

    spec = importlib.util.spec_from_file_location("real_data_table",
                                                  REPO / "scripts" / "real_data_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_real_data_script_numbers_match_the_hand_computation(real_table):
    r = real_table.compute(DATA)
    assert r["fred"][PEAK_YOY].tolist() == pytest.approx(PEAK_YOY_BY_HAND, rel=1e-12)
    assert r["fred"]["Months after last hike"].tolist() == [11, 13, 18, 15]
    assert r["qend"]["Months after last hike"].tolist() == [13, 16, 21, 18]
    # 1994-95 addition, MMMFFAQ027S rows 90 and 86: (824202 - 641874) / 1000 = 182.328 $bn
    assert r["adds"][PEAK_ADDITION].iloc[0] == pytest.approx(182.328)
    # ROUND(14.25) = 14 months after 2023-07-27 (DFEDTARU line 5338) -> 2024-09-27;
    # ROUND(17) from the same day -> 2024-12-27; from the note's 2023-07-26 -> 2024-09-26
    assert r["projection_fred"] == T("2024-09-27")
    assert r["projection_qend"] == T("2024-12-27")
    assert r["note_projection"] == T("2024-09-26")
    # 25% against a mean of 35.13% -> ratio 0.71 -> not abnormally high
    assert r["verdict"].verdict == "not abnormally high"
    assert r["verdict"].ratio == pytest.approx(0.25 / np.mean(PEAK_YOY_BY_HAND))
    # latest YoY: rows 189 and 185, 4336003 / 3634335 - 1 = 0.193066
    assert r["latest_yoy"] == (T("2020-10-01"), pytest.approx(4336003 / 3634335 - 1))


def test_committed_real_data_doc_is_the_script_output(real_table):
    expected = real_table.markdown(real_table.compute(DATA))
    committed = (REPO / "docs" / "real-data.md").read_text(encoding="utf-8")
    assert committed == expected, \
        "regenerate: python scripts/real_data_table.py > docs/real-data.md"
    assert "| **Average** | | | **14.25** | | **17** | **35.1%** | |" in committed
