"""Known values at the boundaries of the core, each one a change the rest of the suite let through.

A mutation run (README, "Mutation testing") changed one token at a time in ``xlflows/core`` and
kept the changes no test noticed. Each test here pins one of them with a hand-worked value or the
exact message: an inclusive limit (``<=`` that must not become ``<``), a check that must not be
dropped, the words of a refusal, a Series name, no numpy warning on stderr.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from xlflows.core.calendar import datedif_months
from xlflows.core.constants import CYCLE_INFLOW_COLUMNS, PEAK_YOY
from xlflows.core.cycles import cycle_inflows, hike_cycles, peak_projection
from xlflows.core.flows import rolling, streaks
from xlflows.core.growth import (
    abnormality,
    asset_growth,
    one_year_earlier,
    year_earlier_positions,
    yoy_addition,
    yoy_growth,
)
from xlflows.core.validate import levels
from xlflows.errors import InputError

T = pd.Timestamp


def series(pairs: dict[str, float]) -> pd.Series:
    return pd.Series(list(pairs.values()), index=pd.DatetimeIndex(list(pairs)), dtype=float)


def cycles_table(rows: list[tuple[str, str, str | None]]) -> pd.DataFrame:
    """A hike_cycles-shaped table from (first hike, last hike, first cut) rows."""
    return pd.DataFrame({
        "First hike": pd.DatetimeIndex([r[0] for r in rows]),
        "Last hike": pd.DatetimeIndex([r[1] for r in rows]),
        "First cut": pd.DatetimeIndex([r[2] for r in rows]),
    })


def quarterly(start: str, values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="QS"),
                     dtype=float)


# --------------------------------------------------------------------------------------------
# calendar


def test_datedif_months_refuses_an_end_before_the_start_in_its_words():
    with pytest.raises(ValueError, match=r"^datedif_months needs start <= end$"):
        datedif_months(T("2024-03-01"), T("2024-02-01"))


# --------------------------------------------------------------------------------------------
# cycles: the table check of cycle_inflows

ASSETS = quarterly("2019-01-01", [100, 110, 120, 130, 150, 160, 170, 180, 190])


@pytest.mark.parametrize("cycles, message", [
    ([1, 2, 3], r"^cycles: expected the table that hike_cycles returns$"),
    # only the last hike is blank: the check reads both columns
    (cycles_table([("2020-01-01", "2020-03-01", "2020-05-01")]).assign(
        **{"Last hike": pd.DatetimeIndex([None])}),
     r"^cycles: a blank first or last hike, expected dates in every row$"),
    (cycles_table([("2020-06-01", "2020-07-01", "2020-08-01"),
                   ("2020-01-01", "2020-02-01", "2020-03-01")]),
     r"^cycles: first hikes are not in order, expected oldest first$"),
])
def test_cycle_inflows_refuses_a_table_it_cannot_read(cycles, message):
    with pytest.raises(InputError, match=message):
        cycle_inflows(cycles, ASSETS)


# Quarterly assets from 2019-01-01: yoy exists from 2020-01-01 on.
#   2020-01-01 150/100 - 1 = 0.50, 2020-04-01 160/110 - 1 = 0.4545..,
#   2020-07-01 170/120 - 1 = 0.4166.., 2020-10-01 180/130 - 1 = 0.3846.., 2021-01-01 190/150 - 1
#   = 0.2666..


def test_window_starts_on_the_first_hike_inclusive():
    # first hike exactly on 2020-01-01, the best quarter: the window includes it
    cycles = cycles_table([("2020-01-01", "2020-02-15", "2020-03-01")])
    got = cycle_inflows(cycles, ASSETS, horizon_months=12)
    assert got["Peak date"].tolist() == [T("2020-01-01")]
    assert got[PEAK_YOY].tolist() == [pytest.approx(0.5)]
    assert got["Months after last hike"].tolist() == [-1]     # DATEDIF(2020-01-01, 2020-02-15)


def test_window_stops_before_the_next_cycles_first_hike():
    # cycle 1's window would reach the end of the data, but cycle 2's first hike on 2020-04-01
    # (the best quarter, +81.8%) cuts it just before: cycle 1 keeps only 2020-01-01 (+40%)
    assets = quarterly("2019-01-01", [100, 110, 120, 130, 140, 200, 130, 140])
    #   yoy 2020-01-01 140/100 = 0.40, 2020-04-01 200/110 = 0.8181.., 2020-07-01 130/120 =
    #   0.0833.., 2020-10-01 140/130 = 0.0769..
    cycles = cycles_table([("2020-01-01", "2020-02-01", "2020-03-01"),
                           ("2020-04-01", "2020-05-01", "2020-06-01")])
    got = cycle_inflows(cycles, assets, horizon_months=36)
    assert got["Peak date"].tolist() == [T("2020-01-01"), T("2020-04-01")]
    assert got[PEAK_YOY].tolist() == [pytest.approx(0.4), pytest.approx(90 / 110)]


def test_a_window_of_one_observation_is_kept():
    # window [2020-06-15, EDATE(2020-08-01, 0) = 2020-08-01]: only the 2020-07-01 quarter
    cycles = cycles_table([("2020-06-15", "2020-08-01", "2020-09-01")])
    got = cycle_inflows(cycles, ASSETS, horizon_months=0)
    assert got["Peak date"].tolist() == [T("2020-07-01")]
    assert got[PEAK_YOY].tolist() == [pytest.approx(50 / 120)]


def test_no_closed_cycle_gives_the_empty_table_with_its_columns_and_types():
    open_only = cycles_table([("2020-01-01", "2020-02-01", None)])
    got = cycle_inflows(open_only, ASSETS)
    assert list(got.columns) == [*CYCLE_INFLOW_COLUMNS, PEAK_YOY]
    assert len(got) == 0
    assert got["Months after last hike"].dtype == np.int64


def test_hike_cycles_table_feeds_cycle_inflows_with_the_default_measure():
    rates = series({"2019-06-01": 1.0, "2019-07-01": 1.5, "2019-08-01": 2.0, "2019-09-01": 1.5})
    cycles = hike_cycles(rates, min_hikes=2, min_rise_bp=100)
    got = cycle_inflows(cycles, ASSETS)
    # window [2019-07-01, EDATE(2019-08-01, 36)] clipped to the data: best yoy 2020-01-01 +50%
    assert list(got.columns)[-1] == PEAK_YOY
    assert got["Peak date"].tolist() == [T("2020-01-01")]
    assert got["Months after last hike"].tolist() == [5]


# --------------------------------------------------------------------------------------------
# growth: year-over-year


@pytest.mark.parametrize("day, expected", [
    ("2024-02-29", "2023-02-28"),                  # leap day: the month end a year earlier
    ("2024-03-31", "2023-03-31"),
    ("2023-03-15 12:30", "2022-03-15 12:30"),      # the time of day is kept
])
def test_one_year_earlier_known_days(day, expected):
    got = one_year_earlier(np.array([np.datetime64(T(day))]))
    assert got.tolist() == [np.datetime64(T(expected)).astype(got.dtype).item()]


def test_two_observations_a_year_apart_find_each_other():
    index = pd.DatetimeIndex(["2023-01-01", "2024-01-01"])
    assert year_earlier_positions(index).tolist() == [-1, 0]
    assets = pd.Series([100.0, 125.0], index=index)
    assert yoy_growth(assets).tolist()[1] == pytest.approx(0.25)
    assert yoy_addition(assets).tolist()[1] == 25.0


def test_yoy_from_a_zero_level_is_blank_without_a_warning():
    assets = pd.Series([0.0, 0.0, 5.0, 0.0], index=pd.DatetimeIndex(
        ["2023-01-01", "2023-07-01", "2024-01-01", "2024-07-01"]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        growth = yoy_growth(assets)
    # 2024-01-01 looks back to 2023-01-01 (level 0): 5 / 0 is not a growth; nor is 0 / 0
    assert growth.isna().all()


def test_yoy_series_names():
    assets = pd.Series([100.0, 125.0], index=pd.DatetimeIndex(["2023-01-01", "2024-01-01"]))
    assert yoy_growth(assets).name == "YoY growth"
    assert yoy_addition(assets).name == "12-month addition"


def test_yoy_addition_names_the_blank_level():
    assets = pd.Series([100.0, np.nan], index=pd.DatetimeIndex(["2023-01-01", "2024-01-01"]))
    with pytest.raises(InputError,
                       match=r"^assets: the value on 2024-01-01 is blank, expected a number$"):
        yoy_addition(assets)


# --------------------------------------------------------------------------------------------
# growth: asset_growth

# Four years from 2020-01-01 to 2024-01-01 are 1461 days = 4 × 365.25: annualized = ratio ** 0.25.
FOUR_YEARS = pd.DatetimeIndex(["2020-01-01", "2024-01-01"])


def test_asset_growth_is_not_annualized_by_default():
    levels = pd.Series([100.0, 121.0], index=FOUR_YEARS)
    assert asset_growth(levels, "2020-01-01") == pytest.approx(0.21)


def test_asset_growth_of_a_decline_annualized():
    levels = pd.Series([160.0, 10.0], index=FOUR_YEARS)
    assert asset_growth(levels, "2020-01-01", annualize=True) == pytest.approx(-0.5)


def test_asset_growth_to_a_zero_level_annualized_is_minus_one():
    levels = pd.Series([160.0, 0.0], index=FOUR_YEARS)
    assert asset_growth(levels, "2020-01-01", annualize=True) == -1.0


def test_asset_growth_refuses_a_negative_level_to_annualize():
    levels = pd.Series([160.0, -10.0], index=FOUR_YEARS)
    with pytest.raises(InputError, match=r"^values: the level on 2024-01-01 is -10, expected a "
                                         r"positive level to annualize$"):
        asset_growth(levels, "2020-01-01", annualize=True)


def test_asset_growth_from_a_level_below_one():
    levels = pd.Series([0.5, 1.0], index=FOUR_YEARS)
    assert asset_growth(levels, "2020-01-01") == pytest.approx(1.0)


def test_asset_growth_over_one_day_annualized():
    levels = pd.Series([100.0, 101.0], index=pd.DatetimeIndex(["2024-01-01", "2024-01-02"]))
    assert asset_growth(levels, "2024-01-01", annualize=True) == pytest.approx(
        1.01 ** 365.25 - 1)


def test_asset_growth_from_the_latest_observation_to_itself_is_zero():
    levels = pd.Series([100.0, 121.0], index=FOUR_YEARS)
    assert asset_growth(levels, "2024-01-01") == 0.0


@pytest.mark.parametrize("values, kwargs, message", [
    (pd.Series([], index=pd.DatetimeIndex([]), dtype=float), {},
     r"^values: no values, expected at least one level$"),
    (pd.Series([100.0, np.nan], index=FOUR_YEARS), {},
     r"^values: the value on 2024-01-01 is blank, expected a number$"),
    (pd.Series([100.0, 121.0], index=FOUR_YEARS), {"end_date": "soon"},
     r"^end_date: text 'soon', expected a date$"),
])
def test_asset_growth_refusals_name_the_argument(values, kwargs, message):
    with pytest.raises(InputError, match=message):
        asset_growth(values, "2020-01-01", **kwargs)


# --------------------------------------------------------------------------------------------
# growth: abnormality


def test_one_history_value_gives_no_z_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = abnormality(0.25, [0.33])
    assert math.isnan(got.z)
    assert got.verdict == "not abnormally high"


def test_ratio_to_a_mean_of_one_is_the_current_value():
    assert abnormality(1.5, [1.0]).ratio == 1.5


def test_ratio_to_a_mean_of_zero_is_blank():
    # history -1, 1: mean 0, s = sqrt(2); z = (1 - 0) / sqrt(2)
    got = abnormality(1.0, [-1.0, 1.0], method="z")
    assert math.isnan(got.ratio)
    assert got.z == pytest.approx(1 / math.sqrt(2))
    assert got.verdict == "not abnormal"


def test_method_mean_refuses_a_mean_of_exactly_zero():
    with pytest.raises(InputError, match=r'^history: the mean is 0, expected a positive mean for '
                                         r'method "mean" \(a ratio to it has no meaning; use '
                                         r'method "z"\)$'):
        abnormality(1.0, [-1.0, 1.0])


def test_z_threshold_zero_is_allowed():
    # history 1, 3: mean 2, s = sqrt(2); current 2 -> z 0, not beyond ±0
    got = abnormality(2.0, [1.0, 3.0], method="z", threshold=0)
    assert got.z == 0.0
    assert got.verdict == "not abnormal"


@pytest.mark.parametrize("method", ["mean", "z"])
def test_threshold_refusal_names_the_threshold(method):
    with pytest.raises(InputError, match=r"^threshold: text 'high', expected a number$"):
        abnormality(0.25, [0.2, 0.3], method=method, threshold="high")


def test_equal_history_refused_for_method_z_in_its_words():
    with pytest.raises(InputError, match=r'^history: all 3 values are equal \(0\.33\), the '
                                         r'z-score is undefined; expected values that differ '
                                         r'for method "z"$'):
        abnormality(0.25, [0.33, 0.33, 0.33], method="z")


def test_z_when_only_the_difference_to_the_mean_overflows():
    # current - mean = 1e308 + 0.95e308 overflows; scaled by 1e308: history -1, -0.9 (mean -0.95,
    # s = 0.05 * sqrt(2)), current 1 -> z = 1.95 / (0.05 * sqrt(2))
    got = abnormality(1e308, [-1e308, -0.9e308], method="z")
    assert got.z == pytest.approx(1.95 / (0.05 * math.sqrt(2)))
    assert got.verdict == "abnormally high"


def test_equal_huge_history_is_refused_not_divided_by_zero():
    with pytest.raises(InputError, match=r"^history: all 2 values are equal \(-1e\+308\)"):
        abnormality(1e308, [-1e308, -1e308], method="z")


# --------------------------------------------------------------------------------------------
# flows: a plain list (no index, no name)


def test_rolling_of_a_plain_list_has_a_range_index_and_no_name():
    got = rolling([1.0, 2.0, 3.0], 2)
    assert got.index.equals(pd.RangeIndex(3))
    assert got.name is None
    assert got.tolist()[1:] == [3.0, 5.0] and math.isnan(got.iloc[0])


def test_streaks_of_a_plain_list_are_numbered_by_row():
    got = streaks([1.0, 2.0, -1.0])
    assert got["Start"].tolist() == [0, 2]
    assert got["End"].tolist() == [1, 2]
    assert got["Weeks"].tolist() == [2, 1]
    assert got["Weeks"].dtype == np.int64
    assert got["Direction"].tolist() == ["inflow", "outflow"]
    assert got["Total"].tolist() == [3.0, -1.0]


# --------------------------------------------------------------------------------------------
# validate: levels


@pytest.mark.parametrize("value", [
    [1.0, 2.0],                                    # not a Series
    pd.Series([1.0, 2.0]),                         # a Series without dates
])
def test_levels_refuses_anything_but_a_dated_series(value):
    with pytest.raises(InputError, match=r"^assets: expected a series of values indexed by date$"):
        levels(value, "assets")



def test_levels_names_a_text_value_as_found():
    values = pd.Series([1.0, "n/a"], index=pd.DatetimeIndex(["2020-03-31", "2020-06-30"]),
                       dtype=object)
    with pytest.raises(InputError, match=r"^assets: the value on 2020-06-30 is text 'n/a', "
                                         r"expected a number$"):
        levels(values, "assets")


def test_levels_names_the_first_repeated_date():
    index = pd.DatetimeIndex(["2020-03-31", "2020-03-31", "2020-06-30", "2020-06-30"])
    with pytest.raises(InputError, match=r"^assets: 2020-03-31 appears more than once, expected "
                                         r"one value per date$"):
        levels(pd.Series([1.0, 2.0, 3.0, 4.0], index=index), "assets")


# --------------------------------------------------------------------------------------------
# cycles: hike_cycles with no cycle, peak_projection beyond pandas' dates


def test_no_cycle_gives_the_empty_table_with_whole_hikes():
    rates = series({"2020-01-01": 1.0, "2020-02-01": 1.25, "2020-03-01": 1.0})
    got = hike_cycles(rates)
    assert len(got) == 0
    assert got["Hikes"].dtype == np.int64


def test_peak_projection_beyond_pandas_dates_is_refused_in_its_words():
    with pytest.raises(InputError, match=r"^months: an average of 1e\+06 months from 2023-07-26 "
                                         r"is beyond the dates pandas can hold, expected a "
                                         r"realistic number of months$"):
        peak_projection("2023-07-26", [1e6])


def test_a_history_whose_running_sum_overflows_both_ways_keeps_its_mean():
    # numpy adds 16 values in 8 running sums: 1e308 + 1e308 = inf and -1e308 - 1e308 = -inf
    # meet as inf - inf = NaN. The true mean is 0 and s = sqrt(4 / 15) * 1e308, so z of 0 is 0.
    history = [1e308, -1e308] + [0.0] * 6 + [1e308, -1e308] + [0.0] * 6
    got = abnormality(0.0, history, method="z")
    assert got.mean == 0.0
    assert got.z == 0.0
    assert got.verdict == "not abnormal"
    with pytest.raises(InputError, match=r"^history: the mean is 0, expected a positive mean"):
        abnormality(0.0, history)
