"""The faster steps of a UDF call agree with the straightforward ones they replace.

Each speed-up (issue 10) is checked against the plain computation it stands for, on generated
input (hypothesis) and on hand-worked cases: the median spacing, the strictly-increasing check,
month differences on arrays, the rounded rises of hiking cycles, and the peaks of
``cycle_inflow_columns`` against the per-cycle ``nanargmax`` / ``signed_months`` loop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings, strategies as st

from xlflows.core import cycles, growth
from xlflows.core.calendar import add_months, excel_round, signed_months, signed_months_array
from xlflows.core.validate import date_values, strictly_increasing

#: Days between 1900-03-01 and 2100-12-31 as offsets from 1970-01-01.
_DAY_OFFSETS = st.integers(-25_500, 47_500)


def _days(offsets) -> np.ndarray:
    return np.asarray(offsets, dtype=np.int64).astype("datetime64[D]")


# ------------------------------------------------------------------------------ median spacing

@settings(max_examples=200, deadline=None)
@given(st.lists(_DAY_OFFSETS, min_size=2, max_size=60, unique=True),
       st.sampled_from(["D", "s", "us", "ns"]))
def test_median_spacing_is_numpys_median_of_the_spacings(offsets, unit):
    dates = np.sort(_days(offsets)).astype(f"datetime64[{unit}]")
    want = np.median(np.diff(dates))
    got = growth.median_spacing(pd.DatetimeIndex(dates) if unit != "D" else
                                pd.DatetimeIndex(dates.astype("datetime64[s]")))
    if unit == "D":
        want = np.median(np.diff(dates.astype("datetime64[s]")))
    assert got == want and got.dtype == want.dtype


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([1, 2, 3, 5, 7, 7, 7, 7, 14]), min_size=1, max_size=400),
       st.sampled_from(["D", "s", "us"]))
def test_median_gap_guessed_from_the_first_gaps_is_numpys_median(steps, unit):
    # mostly one spacing (the guess is confirmed by two counts) or mixed (the partition)
    gaps = np.asarray(steps, dtype=np.int64).astype(f"timedelta64[{unit}]")
    want = np.median(gaps)
    got = growth.median_gap(gaps)
    assert got == want and got.dtype == want.dtype


def test_median_gap_when_the_first_gaps_mislead():
    # the first 101 gaps are 1 day, the other 200 are 7 days: the guess (1 day) fails its
    # count and the partition finds 7 days
    gaps = np.array([1] * 101 + [7] * 200, dtype="timedelta64[D]")
    assert growth.median_gap(gaps) == np.timedelta64(7, "D")
    # 151 of 1 day and 151 of 7 days (an even 302): the middle two are 1 and 7 days, mean 4
    gaps = np.array([1] * 151 + [7] * 151, dtype="timedelta64[D]")
    assert growth.median_gap(gaps) == np.timedelta64(4, "D")


def test_median_spacing_of_an_even_count_truncates_like_numpy():
    # spacings 1 us and 2 us: numpy's median is 1 us (1.5 truncated), not 2
    dates = np.array([0, 1, 3], dtype="datetime64[us]")
    assert growth.median_spacing(pd.DatetimeIndex(dates)) == np.timedelta64(1, "us")
    # weekly data with one two-week gap: the median stays one week
    weekly = np.array([0, 7, 14, 28, 35], dtype="datetime64[D]").astype("datetime64[us]")
    assert growth.median_spacing(pd.DatetimeIndex(weekly)) == np.timedelta64(7 * 86_400_000_000,
                                                                            "us")


# ------------------------------------------------------------------------ strictly increasing

@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_DAY_OFFSETS, st.none()), max_size=12))
def test_strictly_increasing_is_sorted_unique_without_blanks(offsets):
    index = pd.DatetimeIndex([pd.NaT if o is None else pd.Timestamp(o, unit="D")
                              for o in offsets])
    want = (not index.hasnans) and index.is_monotonic_increasing and index.is_unique
    assert strictly_increasing(index) == want


def test_strictly_increasing_by_hand():
    assert strictly_increasing(pd.DatetimeIndex(["2024-01-05", "2024-01-12"]))
    assert not strictly_increasing(pd.DatetimeIndex(["2024-01-05", "2024-01-05"]))
    assert not strictly_increasing(pd.DatetimeIndex(["2024-01-12", "2024-01-05"]))
    assert not strictly_increasing(pd.DatetimeIndex([pd.NaT]))
    assert strictly_increasing(pd.DatetimeIndex([]))


def test_date_values_is_to_numpy_without_the_copy():
    index = pd.DatetimeIndex(["2024-01-05", "2024-01-12"])
    np.testing.assert_array_equal(date_values(index), index.to_numpy())
    assert date_values(index).dtype == index.to_numpy().dtype
    aware = index.tz_localize("UTC")
    np.testing.assert_array_equal(date_values(aware), aware.to_numpy())


# --------------------------------------------------------------------------- months on arrays

@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_DAY_OFFSETS, _DAY_OFFSETS), min_size=1, max_size=20))
def test_signed_months_array_is_signed_months_per_element(pairs):
    origins = _days([a for a, _ in pairs]).astype("datetime64[us]")
    whens = _days([b for _, b in pairs]).astype("datetime64[us]")
    want = [signed_months(pd.Timestamp(o), pd.Timestamp(w)) for o, w in zip(origins, whens)]
    got = signed_months_array(origins, whens)
    assert got.tolist() == want and got.dtype == np.int64


def test_signed_months_array_by_hand():
    origins = np.array(["2023-07-26", "2024-01-31", "2024-03-15", "2024-03-15"],
                       dtype="datetime64[us]")
    whens = np.array(["2024-09-26", "2024-02-29", "2024-03-14", "2023-02-16"],
                     dtype="datetime64[us]")
    # 14 months; Jan 31 -> Feb 29 is 0 (day not reached); one day back is -0; 12 back + 1 day
    assert signed_months_array(origins, whens).tolist() == [14, 0, 0, -12]


# ------------------------------------------------------------------------------ hiking cycles

@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([0.25, 0.5, 0.75, 1.0, 0.1 + 0.2, 1.2345678901, 3.0]),
                max_size=30))
def test_rounded_rises_are_excel_round_of_each_rise(rises):
    values = np.asarray(rises, dtype=float)
    want = [excel_round(r * cycles.BP_PER_POINT, cycles.RISE_DECIMALS) for r in rises]
    got = cycles._rounded_bp(values)
    assert got.tolist() == want and got.dtype == np.float64


def _inflow_oracle(found, assets, horizon, measure):
    """cycle_inflow_columns as first written: a Series of YoY values, nanargmax per window,
    signed_months per peak."""
    firsts, lasts, cuts = cycles._cycle_dates(found)
    score = growth.yoy_growth(assets) if measure == "yoy" else growth.yoy_addition(assets)
    dates, values = score.index.to_numpy(), score.to_numpy()
    ends = np.minimum(cycles.add_months(lasts, horizon), dates[-1])
    lo = np.searchsorted(dates, firsts.astype(dates.dtype), side="left")
    hi = np.searchsorted(dates, ends.astype(dates.dtype), side="right")
    hi[:-1] = np.minimum(hi[:-1], lo[1:])
    rows = []
    for k in np.flatnonzero(~np.isnat(cuts)).tolist():
        window = values[lo[k]:hi[k]]
        if window.size and not np.isnan(window).all():
            peak = int(lo[k]) + int(np.nanargmax(window))
            rows.append((firsts[k], lasts[k], dates[peak],
                         signed_months(pd.Timestamp(lasts[k]), pd.Timestamp(dates[peak])),
                         values[peak]))
    return rows


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_cycle_inflow_columns_agree_with_the_per_cycle_loop(data):
    n = data.draw(st.integers(2, 120), label="observations")
    gaps = data.draw(st.lists(st.sampled_from([1, 3, 7, 7, 7, 14, 91]), min_size=n, max_size=n))
    start = data.draw(st.integers(0, 20_000), label="start day")
    dates = (start + np.cumsum(gaps)).astype("datetime64[D]").astype("datetime64[us]")
    levels = data.draw(st.lists(st.one_of(st.floats(-50, 1000), st.sampled_from([0.0, 1e-300,
                                                                                 -1e308])),
                                min_size=n, max_size=n), label="levels")
    assets = pd.Series(levels, index=pd.DatetimeIndex(dates, name="dates"), dtype=float)
    rate_days = np.sort(data.draw(st.lists(st.integers(0, int(gaps.__len__() * 10)),
                                           min_size=1, max_size=40, unique=True)))
    rates = data.draw(st.lists(st.sampled_from([1.0, 1.25, 1.5, 2.0, 2.5, 3.0]),
                               min_size=rate_days.size, max_size=rate_days.size))
    rate_index = pd.DatetimeIndex((start + rate_days).astype("datetime64[D]")
                                  .astype("datetime64[us]"))
    found = cycles.cycle_columns(pd.Series(rates, index=rate_index), min_hikes=1, min_rise_bp=0)
    assume(len(found["First hike"]))
    horizon = data.draw(st.integers(0, 40), label="horizon")
    measure = data.draw(st.sampled_from(cycles.INFLOW_MEASURES), label="measure")

    got = cycles.cycle_inflow_columns(found, assets, horizon, measure)
    want = _inflow_oracle(found, assets, horizon, measure)
    rows = list(zip(*got.values()))
    assert len(rows) == len(want)
    for row, expected in zip(rows, want):
        assert row[:4] == expected[:4]
        assert row[4] == expected[4] or (np.isnan(row[4]) and np.isnan(expected[4]))
    assert got["Months after last hike"].dtype == np.int64


def test_a_window_of_minus_infinity_and_blanks_peaks_where_nanargmax_does():
    # growth from a tiny positive level to a huge negative one is -inf; the blank (no year-earlier
    # value) before it never wins, the -inf does, as numpy's nanargmax decides
    dates = pd.DatetimeIndex(["2020-01-01", "2020-06-01", "2021-01-01", "2021-06-01"])
    assets = pd.Series([1e-300, 5.0, -1e308, 6.0], index=dates)
    found = {"First hike": np.array(["2020-03-01"], dtype="datetime64[us]"),
             "Last hike": np.array(["2020-12-01"], dtype="datetime64[us]"),
             "First cut": np.array(["2021-02-01"], dtype="datetime64[us]")}
    got = cycles.cycle_inflow_columns(found, assets, 0, "yoy")
    # window 2020-03-01 .. 2020-12-01 holds only 2020-06-01 (no year-earlier value): left out
    assert len(got["Peak date"]) == 0
    got = cycles.cycle_inflow_columns(found, assets, 7, "yoy")
    # window to 2021-07-01: 2020-06-01 blank, 2021-01-01 -inf, 2021-06-01 +20%
    # (compared as Timestamps: the unit is pandas' own, ns on pandas 2.2 and us on pandas 3)
    assert list(pd.DatetimeIndex(got["Peak date"])) == [pd.Timestamp("2021-06-01")]
    assert got["Peak YoY growth"].tolist() == pytest.approx([0.2])


# ----------------------------------------------------------------------------- a year earlier

def _year_earlier_by_months(dates: np.ndarray) -> np.ndarray:
    """The plain form: EDATE(date, -12) with the time of day put back."""
    time_of_day = dates - dates.astype("datetime64[D]")
    return (add_months(dates, -12) + time_of_day).astype(dates.dtype)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-2_208_988_800_000_000, 4_102_444_800_000_000), min_size=1,
                max_size=40),
       st.sampled_from(["us", "ns", "s"]))
def test_one_year_earlier_is_edate_minus_12_months_with_the_time_kept(ticks, unit):
    dates = np.asarray(ticks, dtype="datetime64[us]").astype(f"datetime64[{unit}]")
    got = growth.one_year_earlier(dates)
    want = _year_earlier_by_months(dates)
    np.testing.assert_array_equal(got, want)
    assert got.dtype == dates.dtype


def test_one_year_earlier_by_hand():
    dates = np.array(["2024-02-29T17:30", "2024-03-01", "2025-02-28", "2023-03-01",
                      "2021-01-15", "2000-02-29", "1900-03-01"], dtype="datetime64[us]")
    want = np.array(["2023-02-28T17:30", "2023-03-01", "2024-02-28", "2022-03-01",
                     "2020-01-15", "1999-02-28", "1899-03-01"], dtype="datetime64[us]")
    np.testing.assert_array_equal(growth.one_year_earlier(dates), want)


def test_one_year_earlier_with_a_blank_or_centuries_apart_takes_numpys_casts():
    """The year table covers a series' few dozen years; a NaT, or a handful of dates further
    apart than the table would be long, take numpy's per-element casts with the same answers."""
    blank = np.array(["2024-02-29", "NaT", "2023-03-01"], dtype="datetime64[us]")
    got = growth.one_year_earlier(blank)
    assert np.isnat(got[1])
    np.testing.assert_array_equal(got[[0, 2]], _year_earlier_by_months(blank[[0, 2]]))
    apart = np.array(["1904-02-29", "2400-02-29T06:00", "2401-01-15"], dtype="datetime64[us]")
    np.testing.assert_array_equal(growth.one_year_earlier(apart), _year_earlier_by_months(apart))
    assert growth.one_year_earlier(np.array([], dtype="datetime64[us]")).size == 0


# ------------------------------------------------------------------------ rounding whole numbers

def _excel_round_by_decimals(x: float, digits: int) -> float:
    """The rounding written out: 15 significant digits, then ``digits`` decimals, half up."""
    from decimal import ROUND_HALF_UP, Context, Decimal

    wide = Context(prec=1000)
    value = Decimal(x)
    value = value.quantize(Decimal(1).scaleb(value.adjusted() - 14), rounding=ROUND_HALF_UP,
                           context=wide)
    return float(value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP,
                                context=wide)) + 0.0


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(-10 ** 15 + 1, 10 ** 15 - 1),
                 st.integers(-10 ** 17, 10 ** 17)), st.integers(1, 9))
def test_excel_round_of_a_whole_number_is_the_decimal_rounding(k, digits):
    x = float(k)
    assume(x != 0)
    assert excel_round(x, digits) == _excel_round_by_decimals(x, digits)


def test_whole_rises_in_basis_points_by_hand():
    # 25 bp steps are whole basis points; 16 digits are rounded to the 15 a cell shows
    assert excel_round(125.0, 6) == 125.0
    assert excel_round(-300.0, 6) == -300.0
    assert excel_round(1234567890123456.0, 2) == 1234567890123460.0


# ------------------------------------------------------------------------- conversion passes

class _Row(list):
    """A row that is a list subclass: not the shape the fast path takes."""


_cells = st.one_of(st.floats(allow_nan=False), st.integers(-10, 10), st.booleans(), st.none(),
                   st.text(max_size=3), st.just(pd.Timestamp("2024-01-05")))


@settings(max_examples=300, deadline=None)
@given(st.lists(_cells, max_size=8))
def test_types_is_the_set_of_the_cells_types(cells):
    from xlflows.excel import fastpath

    assert fastpath.cell_types(cells) == set(map(type, cells))


def _outcome(call):
    """A call's result (flows and positions), or the message it refuses with."""
    from xlflows.errors import InputError

    try:
        got = call()
    except InputError as exc:
        return "refused", str(exc)
    return "value", got.series.tolist(), got.positions.tolist(), got.cells


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=8), st.data())
def test_a_row_of_another_list_type_is_answered_as_the_general_path_does(values, data):
    from xlflows.excel import convert, fastpath

    rows = [[v] for v in values]
    odd = data.draw(st.integers(0, len(rows) - 1), label="odd row")
    rows[odd] = _Row(rows[odd])
    fast = _outcome(lambda: convert.flow_series(rows))
    fastpath.ENABLED = False
    try:
        general = _outcome(lambda: convert.flow_series(rows))
    finally:
        fastpath.ENABLED = True
    assert fast == general
    assert fast == ("refused", ("flows: mixes single cells and rows, expected a single row or "
                                "column"))


# ------------------------------------------------------------------------ results in input order

@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan"))), max_size=10),
       st.data())
def test_in_input_order_is_the_scatter_into_blanks(values, data):
    from xlflows.excel import shape

    extra = data.draw(st.integers(0, 3), label="blank rows")
    length = len(values) + extra
    positions = np.sort(data.draw(st.permutations(range(length)), label="rows")[:len(values)])
    out = np.full(length, np.nan)
    out[positions.astype(np.int64)] = values
    want = shape.column(out)
    assert shape.in_input_order(np.asarray(values, dtype=float), positions, length) == want


def test_in_input_order_by_hand():
    from xlflows.excel import shape

    assert shape.in_input_order(np.array([1.5, np.nan, 2.0]), np.arange(3), 3) == \
        [[1.5], [""], [2.0]]
    assert shape.in_input_order(np.array([1.5, 2.0]), np.array([0, 2]), 3) == \
        [[1.5], [""], [2.0]]
    assert shape.in_input_order(np.array([1.5, 2.0]), np.array([1, 0]), 2) == [[2.0], [1.5]]
