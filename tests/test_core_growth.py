"""core/growth.py: YoY growth, asset growth between dates, and the abnormality verdict.

Every expected value is worked out by hand in the comment or id beside it.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings, strategies as st

from xlflows.core.constants import ABNORMALITY_LABELS
from xlflows.core.growth import (
    Abnormality,
    abnormality,
    asset_growth,
    one_year_earlier,
    year_earlier_positions,
    yoy_addition,
    yoy_growth,
)
from xlflows.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data"


def levels(pairs: dict[str, float]) -> pd.Series:
    return pd.Series(list(pairs.values()), index=pd.DatetimeIndex(list(pairs)), dtype=float)


QUARTERLY = levels({
    "2019-01-01": 100.0, "2019-04-01": 110.0, "2019-07-01": 120.0, "2019-10-01": 130.0,
    "2020-01-01": 150.0, "2020-04-01": 121.0,
})


# ---------------------------------------------------------------------------------------------
# yoy_growth
# ---------------------------------------------------------------------------------------------

def test_yoy_quarterly_same_quarter_a_year_earlier():
    got = yoy_growth(QUARTERLY)
    # 2020-01-01: 150 / 100 - 1 = 0.5 ; 2020-04-01: 121 / 110 - 1 = 0.1
    assert got.iloc[:4].isna().all()
    assert got["2020-01-01"] == pytest.approx(0.5)
    assert got["2020-04-01"] == pytest.approx(0.1)
    assert got.index.equals(QUARTERLY.index)


def test_yoy_blank_when_the_gap_is_too_large():
    # monthly data (median spacing ~31 days) with the whole of Feb-Apr 2019 missing:
    # 2020-03-31 looks back to 2019-03-31 -> last observation on or before is 2019-01-31,
    # 59 days older > 1.5 * 31 = 46.5 days -> blank. 2020-05-31 finds 2019-05-31 exactly.
    idx = pd.DatetimeIndex(["2019-01-31", "2019-05-31", "2019-06-30"]).append(
        pd.date_range("2019-07-31", "2020-06-30", freq="ME"))
    s = pd.Series(np.arange(1.0, len(idx) + 1), index=idx)
    got = yoy_growth(s)
    assert math.isnan(got["2020-03-31"])
    assert math.isnan(got["2020-04-30"])          # target 2019-04-30 -> 2019-01-31, 89 days
    assert got["2020-05-31"] == pytest.approx(s["2020-05-31"] / s["2019-05-31"] - 1)
    assert got["2020-01-31"] == pytest.approx(s["2020-01-31"] / s["2019-01-31"] - 1)


def test_yoy_gap_exactly_one_and_a_half_spacings_is_kept():
    # spacing 10 days almost everywhere (median 10), a 20-day hole after 2020-01-01.
    # 2021-01-16 -> target 2020-01-16 -> last observation 2020-01-01, 15 days = 1.5 spacings:
    # kept ("more than" 1.5 spacings gives a blank). 2021-01-17 -> 16 days -> blank.
    idx = pd.DatetimeIndex(["2020-01-01"]).append(
        pd.date_range("2020-01-21", "2021-01-10", freq="10D")).append(
        pd.DatetimeIndex(["2021-01-16", "2021-01-17"]))
    assert pd.Series(idx).diff().median() == pd.Timedelta(days=10)
    s = pd.Series(np.linspace(100, 200, len(idx)), index=idx)
    got = yoy_growth(s)
    assert got["2021-01-16"] == pytest.approx(s["2021-01-16"] / s["2020-01-01"] - 1)
    assert math.isnan(got["2021-01-17"])
    pos = year_earlier_positions(idx)
    assert pos[idx.get_loc(pd.Timestamp("2021-01-16"))] == 0
    assert pos[idx.get_loc(pd.Timestamp("2021-01-17"))] == -1


def test_yoy_leap_day_looks_back_to_feb_28():
    s = levels({"2023-02-28": 80.0, "2023-03-31": 81.0, "2024-01-31": 90.0, "2024-02-29": 100.0})
    # 2024-02-29 - 1 year = 2023-02-28 (DateOffset clamps) -> 100 / 80 - 1 = 0.25
    assert yoy_growth(s)["2024-02-29"] == pytest.approx(0.25)


def test_yoy_addition_is_the_dollar_change():
    got = yoy_addition(QUARTERLY)
    assert got["2020-01-01"] == pytest.approx(50.0)     # 150 - 100
    assert got["2020-04-01"] == pytest.approx(11.0)     # 121 - 110
    assert got.iloc[:4].isna().all()


def test_yoy_of_one_observation_is_blank():
    assert yoy_growth(levels({"2020-01-01": 5.0})).isna().all()


def test_yoy_refuses_blank_level_naming_the_date():
    s = levels({"2020-01-01": 5.0, "2020-04-01": float("nan")})
    with pytest.raises(InputError,
                       match=r"^assets: the value on 2020-04-01 is blank, expected a number$"):
        yoy_growth(s)


def test_yoy_real_mmf_assets_2015_18_peak_by_hand():
    # MMMFFAQ027S.csv rows 183 and 187: 2019-04-01 3205889.0 and 2020-04-01 4635927.0
    # 4635927 / 3205889 - 1 = 0.446066...
    raw = pd.read_csv(DATA / "MMMFFAQ027S.csv", index_col=0, parse_dates=True).iloc[:, 0]
    got = yoy_growth(raw.astype(float) / 1000.0)
    assert got["2020-04-01"] == pytest.approx(4635927 / 3205889 - 1, rel=1e-12)
    assert got["2020-04-01"] == pytest.approx(0.446066, abs=5e-7)


# ---------------------------------------------------------------------------------------------
# asset_growth
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "start_date, end_date, annualize, expected",
    [
        ("2019-01-01", None, False, 121 / 100 - 1),         # to the latest (2020-04-01)
        ("2019-02-15", "2019-12-31", False, 130 / 100 - 1),  # obs on/before: 2019-01-01, 2019-10-01
        ("2019-04-01", "2019-04-01", False, 0.0),
        # 2019-01-01 -> 2020-01-01 is 365 days: (150/100) ** (365.25/365) - 1
        ("2019-01-01", "2020-01-01", True, 1.5 ** (365.25 / 365) - 1),
        # days counted between the observations used (2019-01-01, 2019-07-01 = 181 days),
        # not between the arguments
        ("2019-01-05", "2019-09-30", True, 1.2 ** (365.25 / 181) - 1),
    ],
    ids=["to-latest", "between-observations", "same-date", "annualized-one-year",
         "annualized-days-between-observations"],
)
def test_asset_growth_known_values(start_date, end_date, annualize, expected):
    got = asset_growth(QUARTERLY, start_date, end_date, annualize=annualize)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_asset_growth_refuses_start_before_first_observation():
    s = levels({"1992-03-31": 10.0, "1992-06-30": 11.0})
    with pytest.raises(InputError, match=r"^start_date: 1990-01-01 is before the first "
                                         r"observation \(1992-03-31\)$"):
        asset_growth(s, "1990-01-01")


def test_asset_growth_refuses_end_before_start():
    with pytest.raises(InputError,
                       match=r"^end_date: 2019-03-01 is before start_date \(2019-06-01\)$"):
        asset_growth(QUARTERLY, "2019-06-01", "2019-03-01")


def test_asset_growth_start_after_the_latest_with_blank_end_names_start_date():
    # end_date left blank means "to the latest observation" (2020-04-01); a start after it is the
    # analyst's start_date to fix, not an end_date they never typed
    with pytest.raises(InputError, match=r"^start_date: 2020-06-01 is after the latest observation "
                                         r"\(2020-04-01\), expected a date on or before it$"):
        asset_growth(QUARTERLY, "2020-06-01")


def test_asset_growth_refuses_end_before_first_observation():
    with pytest.raises(InputError, match=r"^end_date: 2018-01-01 is before the first observation"):
        asset_growth(QUARTERLY, "2019-06-01", "2018-01-01")


@pytest.mark.parametrize("v0", [0.0, -5.0])
def test_asset_growth_refuses_non_positive_start_level(v0):
    s = levels({"2019-01-01": v0, "2020-01-01": 10.0})
    with pytest.raises(InputError, match=r"^values: the level on 2019-01-01 is -?\d+, expected a "
                                         r"positive level"):
        asset_growth(s, "2019-01-01")


def test_asset_growth_refuses_annualizing_over_zero_days():
    with pytest.raises(InputError,
                       match=r"^end_date: 2019-05-01 falls on the same observation as start_date"):
        asset_growth(QUARTERLY, "2019-04-01", "2019-05-01", annualize=True)


def test_asset_growth_refuses_a_number_as_a_date():
    # 43466 is 2019-01-01 as an Excel serial, but pandas would read it as 1970 + 43466 ns
    with pytest.raises(InputError, match=r"^start_date: the number 43466, "
                                         r"expected a date$"):
        asset_growth(QUARTERLY, 43466)


def test_asset_growth_refuses_text_date():
    with pytest.raises(InputError, match=r"^start_date: text 'soon', expected a date$"):
        asset_growth(QUARTERLY, "soon")


# ---------------------------------------------------------------------------------------------
# abnormality
# ---------------------------------------------------------------------------------------------

def test_note_25_percent_against_33_percent_is_not_abnormally_high():
    # "MMF assets +25% over the past year: not abnormally high vs the 33% average peak rise"
    got = abnormality(0.25, [0.33])
    assert got.verdict == "not abnormally high"
    assert got.ratio == pytest.approx(0.25 / 0.33)
    assert math.isnan(got.z)                   # one history value: no sample deviation
    assert got.percentile == 0.0
    assert got.count == 1


def test_abnormality_four_cycles_all_fields():
    # history 0.28, 0.25, 0.42, 0.45: mean = 1.40 / 4 = 0.35
    # deviations -0.07, -0.10, 0.07, 0.10; squares .0049 .01 .0049 .01 = .0298
    # s (ddof=1) = sqrt(.0298 / 3) = 0.099666...; z(0.25) = -0.10 / 0.099666 = -1.003350
    # percentile: values <= 0.25 -> just 0.25 (a tie counts) -> 1/4
    got = abnormality(0.25, [0.28, 0.25, 0.42, 0.45])
    assert got.mean == pytest.approx(0.35)
    assert got.ratio == pytest.approx(0.25 / 0.35)
    assert got.z == pytest.approx(-0.10 / math.sqrt(0.0298 / 3))
    assert got.z == pytest.approx(-1.003350, abs=1e-6)
    assert got.percentile == 0.25
    assert got.count == 4
    assert got.verdict == "not abnormally high"


def test_abnormality_rows_in_label_order():
    got = abnormality(0.40, [0.30, 0.50], method="z", threshold=0.5)
    rows = got.rows()
    assert [label for label, _ in rows] == list(ABNORMALITY_LABELS)
    assert rows == [
        ("Verdict", "not abnormal"), ("Current", 0.40), ("Historical mean", got.mean),
        ("Ratio", got.ratio), ("Z-score", got.z), ("Percentile", 0.5), ("Cycles", 2),
    ]
    assert isinstance(got, Abnormality)


@pytest.mark.parametrize(
    "current, history, method, threshold, verdict",
    [
        (0.33, [0.33], "mean", None, "not abnormally high"),     # ratio exactly 1: not > 1
        (0.34, [0.33], "mean", None, "abnormally high"),
        (0.50, [0.40], "mean", 1.25, "not abnormally high"),     # ratio 1.25 exactly at limit
        (0.51, [0.40], "mean", 1.25, "abnormally high"),
        # history 1, 3: mean 2, s = sqrt(2); z = 2 exactly at current = 2 + 2*sqrt(2)
        (2 + 2 * math.sqrt(2), [1.0, 3.0], "z", None, "not abnormal"),
        (2 + 2.01 * math.sqrt(2), [1.0, 3.0], "z", None, "abnormally high"),
        (2 - 2.01 * math.sqrt(2), [1.0, 3.0], "z", None, "abnormally low"),
        (2 - 1 * math.sqrt(2), [1.0, 3.0], "z", 1, "not abnormal"),   # z = -1 at threshold 1
        (0.0, [1.0, 3.0], "Z", 1, "abnormally low"),              # z = -1.414; method any case
    ],
    ids=["ratio-1-at-default", "ratio-above-1", "ratio-at-threshold", "ratio-above-threshold",
         "z-exactly-2", "z-above-2", "z-below-minus-2", "z-exactly-minus-1", "z-case-insensitive"],
)
def test_abnormality_thresholds_inclusive_limits(current, history, method, threshold, verdict):
    assert abnormality(current, history, method, threshold).verdict == verdict


@pytest.mark.parametrize(
    "current, history, method, verdict",
    [
        # (10% + 25% + 25%) / 3 = 20% exactly, but the float mean is 0.19999999999999998 and
        # 0.2 / it = 1.0000000000000002: the ratio is 1, not above the default threshold 1
        (0.20, [0.10, 0.25, 0.25], "mean", "not abnormally high"),
        # history 10%, 20%, 30%: mean 20%, s = 10%; current 0 -> z = (0 - 0.2) / 0.1 = -2
        # exactly (float: -2.0000000000000004), at the default threshold 2: not abnormal
        (0.0, [0.10, 0.20, 0.30], "z", "not abnormal"),
        # history 40%, 50%, 60%: mean 50%, s = 10%;
        # current 30% -> z = -2 (float: -2.0000000000000004)
        (0.30, [0.40, 0.50, 0.60], "z", "not abnormal"),
    ],
    ids=["20pct-vs-20pct-average-not-high", "z-minus-2-not-low", "z-minus-2-not-low-2"],
)
def test_verdict_at_the_limit_is_not_broken_by_float_noise(current, history, method, verdict):
    assert abnormality(current, history, method).verdict == verdict


def test_percentile_ties_count_as_at_or_below():
    # 0.1 + 0.2 is 0.30000000000000004 but ties are compared after rounding to 9 decimals
    got = abnormality(0.1 + 0.2, [0.3, 0.3, 0.5, 0.1])
    assert got.percentile == 0.75


def test_percentile_of_huge_values_is_not_lost_to_rounding_overflow():
    # rounding to 9 decimals multiplies by 1e9: 1e300 * 1e9 overflowed to inf and every value
    # tied; 1.5e300 is above 1e300 and below 2e300, so the share at or below it is 1/2
    got = abnormality(1.5e300, [1e300, 2e300], method="z", threshold=0.5)
    assert got.percentile == 0.5
    assert got.verdict == "not abnormal"


def test_z_score_of_huge_values_is_not_lost_to_overflow():
    # history 1e200, 3e200: mean 2e200, s = sqrt(2) * 1e200 (squares of 1e200 overflow);
    # current 2e200 + 2 s -> z = 2 exactly (float noise aside), like history 1, 3 and 2 + 2 sqrt 2
    current = 2e200 + 2 * math.sqrt(2) * 1e200
    got = abnormality(current, [1e200, 3e200], method="z")
    assert got.z == pytest.approx(2.0, rel=1e-12)
    assert got.verdict == "not abnormal"


def test_every_field_filled_with_method_z():
    got = abnormality(5.0, [1.0, 2.0, 3.0], method="z")
    # mean 2, s = 1, z = 3 -> abnormally high; ratio 2.5; percentile 1
    assert (got.verdict, got.mean, got.ratio, got.z, got.percentile, got.count) == (
        "abnormally high", 2.0, 2.5, 3.0, 1.0, 3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(current=0.2, history=[]), r"^history: no values, expected at least one number$"),
        (dict(current=0.2, history=[0.3], method="z"),
         r'^history: 1 value, expected at least 2 for method "z"$'),
        (dict(current=0.2, history=[0.3, 0.3], method="z"),
         r"^history: all 2 values are equal \(0.3\), the z-score is undefined"),
        # numpy's s of 0.1 three times is 1.7e-17 (float noise of the mean): still all equal
        (dict(current=0.2, history=[0.1, 0.1, 0.1], method="z"),
         r"^history: all 3 values are equal \(0.1\), the z-score is undefined"),
        (dict(current=0.2, history=[0.3], method="median"),
         r"^method: text 'median', expected \"mean\" or \"z\"$"),
        (dict(current=0.2, history=[0.3, None]), r"^history: value 2 is blank, expected a number$"),
        (dict(current=0.2, history=[0.3, "n/a"]),
         r"^history: value 2 is text 'n/a', expected a number$"),
        # one text is one bad value, not a sequence of characters ('a', 'b', 'c')
        (dict(current=0.2, history="abc"), r"^history: text 'abc', expected a number$"),
        (dict(current=float("nan"), history=[0.3]), r"^current: blank, expected a number$"),
        (dict(current=0.2, history=[-0.1, 0.05]),
         r'^history: the mean is -0.025, expected a positive mean for method "mean"'),
        (dict(current=0.2, history=[0.3], threshold=0), r"^threshold: 0 is not positive"),
        (dict(current=0.2, history=[0.3, 0.4], method="z", threshold=-1),
         r"^threshold: -1 is negative"),
    ],
    ids=["empty-history", "z-one-value", "z-all-equal", "z-equal-tenths", "unknown-method",
         "blank-history",
         "text-history", "one-text-history", "blank-current", "negative-mean",
         "zero-ratio-threshold",
         "negative-z-threshold"],
)
def test_abnormality_refusals(kwargs, message):
    with pytest.raises(InputError, match=message):
        abnormality(**kwargs)


# money-like values: cents between -1e6 and 1e6 (no denormals, whose ratios overflow)
finite = st.integers(min_value=-10**8, max_value=10**8).map(lambda cents: cents / 100)


@settings(max_examples=300, deadline=None)
@given(current=finite, history=st.lists(finite, min_size=1, max_size=30))
def test_abnormality_invariants(current, history):
    # values that differ once rounded for ties (0.35 three times has a numpy s of 1e-17: the
    # float noise of the mean, not a spread)
    varies = len({round(h, 9) for h in history}) >= 2
    assume(np.mean(history) > 0 or varies)
    got = abnormality(current, history, method="mean" if np.mean(history) > 0 else "z")
    assert 0.0 <= got.percentile <= 1.0
    assert got.count == len(history)
    assert got.mean == pytest.approx(np.mean(history), rel=1e-9, abs=1e-9)
    if got.mean != 0:
        assert got.ratio * got.mean == pytest.approx(current, rel=1e-9, abs=1e-6)
    if varies:
        assert got.z == pytest.approx((current - got.mean) / np.std(history, ddof=1), rel=1e-9,
                                      abs=1e-9)
    else:
        assert math.isnan(got.z)
    # percentile counts the history at or below current (brute force)
    assert got.percentile * len(history) == pytest.approx(
        sum(round(h, 9) <= round(current, 9) for h in history))


@given(st.lists(st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9000, 1, 1)),
                min_size=1, max_size=20))
def test_one_year_earlier_is_dateoffset_of_one_year(whens):
    """The numpy year step (Feb 29 -> Feb 28, time of day kept) agrees with pandas'."""
    dates = np.array([np.datetime64(w, "us") for w in whens])
    expected = (pd.DatetimeIndex(dates) - pd.DateOffset(years=1)).to_numpy()
    assert (one_year_earlier(dates) == expected).all()


def test_a_weekend_in_daily_data_does_not_blank_the_yoy():
    """SPEC: the gap may reach the larger of 1.5 spacings and 7 days (daily data, Sunday)."""
    days = pd.bdate_range("2022-01-03", "2023-03-31")            # weekdays only
    assets = pd.Series(np.linspace(100.0, 130.0, len(days)), index=days)
    growth = yoy_growth(assets)
    sunday_target = pd.Timestamp("2023-01-02")                    # a year earlier: Sun 2022-01-02
    assert np.isnan(growth[sunday_target])                        # before the first observation
    monday = pd.Timestamp("2023-01-09")                           # target Sun 2022-01-09 -> Fri 7th
    assert growth[monday] == pytest.approx(assets[monday] / assets["2022-01-07"] - 1)
