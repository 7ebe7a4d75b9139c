"""The hand-worked tables through the ten UDFs, with the inputs shaped as Excel hands them over.

Each case states the flow-note sentence it stands for and the hand computation. Inputs are run
through every shape (vertical n × 1, horizontal 1 × n, xlwings' flat list, raw COM tuples) and
every date form (datetime as classic xlwings gives, serial numbers as xlwings Lite gives, ISO
text, date).
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import weekly
from xlflows import udfs
from xlflows.core import constants as C
from xlflows.errors import CELL_PREFIX
from xlflows.excel.shape import BLANK

D = dt.datetime
#: Four week endings, as Excel hands dates to a UDF.
DATES_4 = [D(2024, 3, 1), D(2024, 3, 8), D(2024, 3, 15), D(2024, 3, 22)]

# ------------------------------------------------------------------------------ the note's data
# 30 weekly flows from Fri 2022-01-07 (week 0) to 2022-07-29 (week 29):
#   weeks 0..7   (Jan 7 .. Feb 25)  5.5 each
#   weeks 8..21  (Mar 4 .. Jun 3)   1.0 each
#   weeks 22..29 (Jun 10 .. Jul 29) 3.0 each  -> latest 8-week sum = 8 × 3 = 24 (an inflow)
# 8-week windows at least 24, most recent first:
#   ending week 28 (Jul 22): 1 + 7 × 3 = 22 < 24; every window ending weeks 12..27 is < 24
#   ending week 12 (Apr 1):  3 × 5.5 + 5 × 1 = 21.5 < 24
#   ending week 11 (Mar 25): 4 × 5.5 + 4 × 1 = 26 >= 24: "the biggest 8-week inflow since Mar 2022"
NOTE_DATES = weekly(dt.date(2022, 1, 7), 30)
NOTE_FLOWS = [5.5] * 8 + [1.0] * 14 + [3.0] * 8

# "Money market funds: -$31.0bn, the first outflow in 8 weeks": the previous outflow is 8 rows
# earlier, with 7 inflow weeks between.
FIRST_OUTFLOW_IN_8 = [-1.0, 2.0, 3.0, 1.0, 4.0, 2.0, 1.0, 3.0, -31.0]


def _dates(form, days):
    return [form(d) for d in days]


def test_largest_since_8_weeks_is_a_date_in_march_2022(shape_of, date_form):
    got = udfs.flow_largest_since(shape_of(_dates(date_form, NOTE_DATES)), shape_of(NOTE_FLOWS), 8)
    assert got == D(2022, 3, 25)
    assert type(got) is dt.datetime


def test_largest_since_on_unsorted_rows_is_the_same():
    # rows reversed: the layer sorts by date before looking back
    got = udfs.flow_largest_since(NOTE_DATES[::-1], NOTE_FLOWS[::-1], 8.0)
    assert got == D(2022, 3, 25)


def test_largest_since_one_week_record_and_flat():
    # 1-week: latest 3.0 vs earlier weeks; the most recent earlier week >= 3.0 is week 28 (Jul 22)
    assert udfs.flow_largest_since(NOTE_DATES, NOTE_FLOWS) == D(2022, 7, 22)
    # a new high: 9.0 beats every earlier week -> "record"
    assert udfs.flow_largest_since(NOTE_DATES, NOTE_FLOWS[:-1] + [9.0], 1) == C.RECORD
    # latest 2-week sum 3 + (-3) = 0 -> "flat"
    assert udfs.flow_largest_since(NOTE_DATES, NOTE_FLOWS[:-1] + [-3.0], 2) == C.FLAT


def test_largest_since_needs_dates():
    assert udfs.flow_largest_since(None, NOTE_FLOWS, 8) == (
        CELL_PREFIX + "dates: blank, expected the week-ending dates of the flows")


def test_first_outflow_in_8_weeks(shape_of):
    assert udfs.flow_first_in(shape_of(FIRST_OUTFLOW_IN_8)) == 8
    # the latest week starts an outflow run of 1
    assert udfs.flow_streak(shape_of(FIRST_OUTFLOW_IN_8)) == -1


@pytest.mark.parametrize("flows, expected", [
    ([1.0, -2.0, -0.5, -3.0], 1),                  # "a 3rd straight week of outflows": 1 back
    ([-1.0, -2.0, 3.0], C.FIRST_ON_RECORD),        # first inflow on record
    ([1.0, 0.0], 0),                               # latest week flat
], ids=["continuing run", "first on record", "flat"])
def test_first_in_cases(flows, expected):
    assert udfs.flow_first_in(flows) == expected


@pytest.mark.parametrize("flows, expected", [
    ([1.0, -2.0, -0.5, -3.0], -3),                 # 3 straight outflow weeks
    ([-1.0, 2.0, 4.0], 2),                         # 2 straight inflow weeks
    ([5.0, 0.0], 0),                               # flat latest week
    ([None, None, 1.0, 2.0, None], 2),             # leading/trailing blanks of an oversized range
], ids=["3 outflow weeks", "2 inflow weeks", "flat", "blanks around the data"])
def test_streak_cases(flows, expected, shape_of):
    assert udfs.flow_streak(shape_of(flows)) == expected


def test_streak_and_first_in_sort_by_dates_when_given(date_form):
    # rows (Mar 15: -3), (Mar 1: 1), (Mar 8: -2): by date 1, -2, -3 -> streak -2, first-in 1
    days = [dt.date(2024, 3, 15), dt.date(2024, 3, 1), dt.date(2024, 3, 8)]
    flows = [-3.0, 1.0, -2.0]
    assert udfs.flow_streak(flows, _dates(date_form, days)) == -2
    assert udfs.flow_first_in(flows, _dates(date_form, days)) == 1


def test_rolling_is_aligned_to_input_rows(shape_of):
    # 1, 2, 3, 4 with weeks=2: blank, 1+2, 2+3, 3+4
    assert udfs.flow_rolling(shape_of([1.0, 2.0, 3.0, 4.0]), 2) == [[BLANK], [3.0], [5.0], [7.0]]


def test_rolling_with_unsorted_dates_is_returned_in_input_order(date_form):
    # input rows: Mar 15 = 3, Mar 1 = 1, Mar 8 = 2, Mar 22 = 4, then a blank row
    # by date 1, 2, 3, 4 -> 2-week sums Mar 1 blank, Mar 8 3, Mar 15 5, Mar 22 7
    days = [dt.date(2024, 3, 15), dt.date(2024, 3, 1), dt.date(2024, 3, 8), dt.date(2024, 3, 22)]
    got = udfs.flow_rolling([[3.0], [1.0], [2.0], [4.0], [None]], "2",
                            [[d] for d in _dates(date_form, days)] + [[None]])
    assert got == [[5.0], [BLANK], [3.0], [7.0], [BLANK]]


def test_rolling_needs_weeks():
    assert udfs.flow_rolling([1.0, 2.0], None) == (
        CELL_PREFIX + "weeks: blank, expected a whole number of at least 1")
    assert udfs.flow_rolling([1.0, 2.0], 0) == (
        CELL_PREFIX + "weeks: 0, expected a whole number of at least 1")


def test_streaks_table(date_form):
    # 1, 2 | -1 | 0 | 3 from Fri 2024-01-05: four runs, the last one = FLOW_STREAK (+1)
    days = weekly(dt.date(2024, 1, 5), 5)
    got = udfs.flow_streaks(_dates(date_form, days), [1.0, 2.0, -1.0, 0.0, 3.0])
    assert got[0] == list(C.STREAK_COLUMNS)
    assert [r[0] for r in got[1:]] == [D(2024, 1, 5), D(2024, 1, 19), D(2024, 1, 26),
                                       D(2024, 2, 2)]
    assert [r[1] for r in got[1:]] == [D(2024, 1, 12), D(2024, 1, 19), D(2024, 1, 26),
                                       D(2024, 2, 2)]
    assert [r[3] for r in got[1:]] == [C.INFLOW, C.OUTFLOW, C.FLAT, C.INFLOW]
    assert [r[4] for r in got[1:]] == [3.0, -1.0, 0.0, 3.0]
    # Weeks is the run's length (>= 1); signed by its direction, the last row is FLOW_STREAK
    assert [r[2] for r in got[1:]] == [2, 1, 1, 1]
    sign = {C.INFLOW: 1, C.OUTFLOW: -1, C.FLAT: 0}
    for flows in ([1.0, 2.0, -1.0, 0.0, 3.0], [1.0, -1.0, -2.0, -3.0, -4.0], [1.0, 0.0, 0.0]):
        last = udfs.flow_streaks(_dates(date_form, days[:len(flows)]), flows)[-1]
        assert last[2] * sign[last[3]] == udfs.flow_streak(flows)
    # min_weeks=2 keeps the 2-week inflow run only
    assert len(udfs.flow_streaks(_dates(date_form, days), [1.0, 2.0, -1.0, 0.0, 3.0], 2)) == 2


# ------------------------------------------------------------------------------ cycles
# Policy rate (quarterly levels): 1.00 (2021-12-31), 1.25 (2022-03-31), 1.50 (2022-06-30),
# 2.00 (2022-09-30), 1.75 (2023-03-31): one cycle, 3 hikes, 2.00 − 1.00 = 100 bp (>= 100,
# inclusive), first cut 2023-03-31.
RATE_DATES = ["2021-12-31", "2022-03-31", "2022-06-30", "2022-09-30", "2023-03-31"]
RATES = [1.0, 1.25, 1.5, 2.0, 1.75]
# Money-fund assets (quarterly): 100 for 2020Q4..2021Q4, then 105, 110, 120, 125, 140, 130, 132,
# 135, 140. YoY: 2022Q1 105/100, Q2 110/100, Q3 120/100, Q4 125/100, 2023Q1 140/105 = +33.3% (the
# peak), Q2 130/110, Q3 132/120, Q4 135/125, 2024Q1 140/140. Peak 2023-03-31 is
# DATEDIF(2022-09-30, 2023-03-31, "m") = 6 months after the last hike; the largest 12-month
# addition is 140 − 105 = 35 at the same date.
ASSET_DATES = ["2020-12-31", "2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31",
               "2022-03-31", "2022-06-30", "2022-09-30", "2022-12-31", "2023-03-31",
               "2023-06-30", "2023-09-30", "2023-12-31", "2024-03-31"]
ASSETS = [100, 100, 100, 100, 100, 105, 110, 120, 125, 140, 130, 132, 135, 140]


def _as_form(isos, form):
    return [form(dt.date.fromisoformat(s)) for s in isos]


def test_hike_cycles_table(shape_of, date_form):
    got = udfs.hike_cycles(shape_of(_as_form(RATE_DATES, date_form)), shape_of(RATES))
    assert got == [list(C.CYCLE_COLUMNS),
                   [D(2022, 3, 31), D(2022, 9, 30), 3, 100.0, 2.0, D(2023, 3, 31)]]


def test_hike_cycles_open_cycle_has_a_blank_first_cut_and_thresholds_apply():
    got = udfs.hike_cycles(RATE_DATES[:4], RATES[:4])
    assert got[1][5] == BLANK
    # 4 hikes needed: the 3-hike cycle is left out, the header stays
    assert udfs.hike_cycles(RATE_DATES, RATES, 4) == [list(C.CYCLE_COLUMNS)]
    # 101 bp needed: 100 bp is not enough
    assert udfs.hike_cycles(RATE_DATES, RATES, 3, 101) == [list(C.CYCLE_COLUMNS)]


def test_hike_cycles_argument_messages():
    assert udfs.hike_cycles(RATE_DATES, RATES, 3, 100, "levels") == (
        CELL_PREFIX + 'kind: text \'levels\', expected "level" or "change"')
    assert udfs.hike_cycles(RATE_DATES, RATES[:-1] + ["#N/A"]) == (
        CELL_PREFIX + "rates: row 5 is #N/A, expected a number")


def test_cycle_inflows_table(date_form):
    got = udfs.cycle_inflows(_as_form(RATE_DATES, date_form), RATES,
                             _as_form(ASSET_DATES, date_form), ASSETS)
    assert got[0] == list(C.CYCLE_INFLOW_COLUMNS) + [C.PEAK_YOY]
    assert got[1][:4] == [D(2022, 3, 31), D(2022, 9, 30), D(2023, 3, 31), 6]
    assert got[1][4] == pytest.approx(140 / 105 - 1)
    additions = udfs.cycle_inflows(RATE_DATES, RATES, ASSET_DATES, ASSETS, 3, 100, 36,
                                   "additions")
    assert additions[0][-1] == C.PEAK_ADDITION
    assert additions[1][2:] == [D(2023, 3, 31), 6, pytest.approx(35.0)]


def test_cycle_inflows_horizon_zero_stops_the_window_at_the_last_hike():
    # horizon 0: the window ends at EDATE(last hike, 0) = the last hike itself (inclusive), as
    # in the core; a negative horizon is refused
    got = udfs.cycle_inflows(RATE_DATES, RATES, ASSET_DATES, ASSETS, 3, 100, 0)
    assert got[0] == list(C.CYCLE_INFLOW_COLUMNS) + [C.PEAK_YOY]
    # with 36 months the peak came 6 months after the last hike (test above); now it is the
    # last hike's own quarter: 2022-09-30, 0 months
    assert got[1][:4] == [D(2022, 3, 31), D(2022, 9, 30), D(2022, 9, 30), 0]
    assert udfs.cycle_inflows(RATE_DATES, RATES, ASSET_DATES, ASSETS, 3, 100, -1).startswith(
        CELL_PREFIX + "horizon_months: ")


def test_cycle_inflows_reads_assets_as_levels_with_blank_rows_dropped():
    dates = ASSET_DATES + ["2024-06-30", None]
    assets = ASSETS + [None, None]          # a blank quarter and an oversized range
    assert udfs.cycle_inflows(RATE_DATES, RATES, dates, assets) == udfs.cycle_inflows(
        RATE_DATES, RATES, ASSET_DATES, ASSETS)


def test_peak_projection_from_the_note(shape_of, date_form):
    # AVERAGE(9, 13, 15, 19) = 14; EDATE(2023-07-26, 14) = 2024-09-26
    got = udfs.peak_projection(date_form(dt.date(2023, 7, 26)), shape_of([9, 13, 15, 19]))
    assert got == D(2024, 9, 26)


def test_peak_projection_with_one_number_and_blanks_in_the_range():
    assert udfs.peak_projection("2023-07-26", 14) == D(2024, 9, 26)
    # blanks in the months range are skipped: AVERAGE(9, 13) = 11 -> 2024-06-26
    assert udfs.peak_projection(D(2023, 7, 26), [[9], [None], [13]]) == D(2024, 6, 26)
    # EDATE clamps: 2024-01-31 + 1 month = 2024-02-29
    assert udfs.peak_projection("2024-01-31", 1) == D(2024, 2, 29)


# ------------------------------------------------------------------------------ growth

def test_asset_growth(date_form):
    days = _as_form(["2023-03-31", "2023-06-30", "2023-09-30"], date_form)
    # start 2023-05-15 -> last observation on or before: 2023-03-31 (100); end: latest (121)
    assert udfs.asset_growth(days, [100, 110, 121], date_form(dt.date(2023, 5, 15))) == (
        pytest.approx(0.21))
    # to 2023-06-30 (110): +10%
    assert udfs.asset_growth(days, [100, 110, 121], "2023-05-15", "2023-07-01") == (
        pytest.approx(0.10))
    # annualized over 183 days: 1.21 ** (365.25 / 183) − 1 = 0.46296 (to 5 places)
    assert udfs.asset_growth(days, [100, 110, 121], "2023-05-15", None, True) == pytest.approx(
        0.46296, abs=1e-5)


def test_asset_growth_argument_messages():
    days = ["2023-03-31", "2023-06-30"]
    assert udfs.asset_growth(days, [100, 110], "#N/A") == (
        CELL_PREFIX + "start_date: #N/A, expected a date")
    assert udfs.asset_growth(days, [100, 110], "2023-04-01", None, "maybe") == (
        CELL_PREFIX + "annualize: text 'maybe', expected TRUE or FALSE")


def test_abnormality_25_percent_vs_33_percent_average(shape_of):
    # history 30%, 35%, 32%, 35%: mean 33%; ratio 25/33 = 0.7576 <= 1 -> not abnormally high
    # sample sd: deviations −3, 2, −1, 2 (points) -> squares 18e-4 / 3 = 6e-4 -> sd 0.024495
    # z = (0.25 − 0.33) / 0.024495 = −3.2660; percentile: none of the 4 is <= 25% -> 0
    got = udfs.abnormality(0.25, shape_of([0.30, 0.35, 0.32, 0.35]))
    assert [row[0] for row in got] == list(C.ABNORMALITY_LABELS)
    assert got[0][1] == C.NOT_ABNORMALLY_HIGH
    assert got[1][1] == 0.25
    assert got[2][1] == pytest.approx(0.33)
    assert got[3][1] == pytest.approx(0.25 / 0.33)
    assert got[4][1] == pytest.approx(-3.26599, abs=1e-5)
    assert got[5][1] == 0.0
    assert got[6][1] == 4


def test_abnormality_z_method_and_blank_z_with_one_value():
    # z = −3.27 beyond −2 -> abnormally low
    assert udfs.abnormality(0.25, [0.30, 0.35, 0.32, 0.35], "z")[0][1] == C.ABNORMALLY_LOW
    # one history value: z-score blank, ratio 0.5/0.25 = 2 > 1 -> abnormally high
    got = udfs.abnormality(0.5, 0.25)
    assert got[0][1] == C.ABNORMALLY_HIGH and got[4][1] == BLANK and got[6][1] == 1


# ------------------------------------------------------------------------------ errors

def test_an_error_cell_gives_the_message_with_the_prefix(shape_of):
    assert udfs.flow_streak(shape_of([1.0, "#N/A", 2.0])) == (
        CELL_PREFIX + "flows: row 2 is #N/A, expected a number")
    assert udfs.flow_streak([1.0, -2146826243]) == (
        CELL_PREFIX + "flows: row 2 is #SPILL!, expected a number")


def test_messages_from_the_brief():
    assert udfs.flow_first_in([1.0] * 16 + ["#N/A"]) == (
        CELL_PREFIX + "flows: row 17 is #N/A, expected a number")
    assert udfs.flow_streak([1, 2, 3], [D(2024, 3, 1), D(2024, 3, 8), "abc"]) == (
        CELL_PREFIX + "dates: row 3 is text 'abc', expected a date")
    assert udfs.flow_streak([1, 2, 3, 4, None, 6]) == (
        CELL_PREFIX + "flows: row 5 is blank between values; weekly flows must be contiguous")
    assert udfs.flow_streak([1.0] * 10, weekly(dt.date(2024, 1, 5), 12)) == (
        CELL_PREFIX + "flows and dates: 10 rows vs 12 rows, expected the same length")


def test_an_unexpected_exception_becomes_text_without_a_type_name(monkeypatch):
    def broken(series):
        raise RuntimeError("lost column 'x'\n  File \"flows.py\", line 3")

    monkeypatch.setattr(udfs._lib().flows, "streak", broken)
    got = udfs.flow_streak([1.0, 2.0])
    # only the first line of the message: no type name, no traceback lines
    assert got == CELL_PREFIX + "unexpected problem, please report: lost column 'x'"

    def key_error(series):
        raise KeyError("x")

    monkeypatch.setattr(udfs._lib().flows, "streak", key_error)
    assert udfs.flow_streak([1.0, 2.0]) == CELL_PREFIX + "unexpected problem, please report: 'x'"


def test_every_udf_keeps_its_signature_for_xlwings():
    import inspect

    expected = {
        "flow_streak": "(flows, dates=None)",
        "flow_first_in": "(flows, dates=None)",
        "flow_largest_since": "(dates, flows, weeks=1)",
        "flow_rolling": "(flows, weeks, dates=None)",
        "flow_streaks": "(dates, flows, min_weeks=1)",
        "hike_cycles": "(dates, rates, min_hikes=3, min_rise_bp=100, kind='level')",
        "cycle_inflows": "(rate_dates, rates, asset_dates, assets, min_hikes=3, "
                         "min_rise_bp=100, horizon_months=36, measure='yoy')",
        "peak_projection": "(last_hike, months)",
        "asset_growth": "(dates, values, start_date, end_date=None, annualize=False)",
        "abnormality": "(current, history, method='mean', threshold=None)",
        "flow_rank": "(dates, flows, weeks=1, period='all')",
        "flow_count": "(flows, n, direction='inflow', dates=None)",
        "streak_longest_since": "(dates, flows, which='current')",
        "flow_period": "(dates, flows, period='year', as_of=None)",
        "flow_pct": "(flows, assets, weeks=1, dates=None)",
        "flow_since": "(dates, flows, start)",
        "level_record": "(dates, levels)",
        "flow_zscore": "(flows, weeks=1, lookback=None, dates=None)",
        "flows_from_levels": "(dates, levels)",
    }
    assert {f.__name__: str(inspect.signature(f)) for f in udfs.UDFS} == expected


@pytest.mark.parametrize("f", udfs.UDFS, ids=lambda f: f.__name__)
def test_docstrings_are_one_sentence_within_255_characters(f):
    assert len(f.__doc__) <= 255 and "\n" not in f.__doc__.strip()


# ------------------------------------------------------------------ overflow is refused, not blank
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: udfs.flow_streaks([["2024-01-05"], ["2024-01-12"]],
                                               [[1e308], [1e308]]), id="streak total overflows"),
        pytest.param(lambda: udfs.flow_rolling([[1e308], [1e308], [1.0]], 2),
                     id="rolling overflows"),
        pytest.param(lambda: udfs.flow_largest_since(
            [["2024-01-05"], ["2024-01-12"], ["2024-01-19"]], [[1e308]] * 3, 2),
            id="look-back sums overflow"),
    ],
)
def test_overflowing_sums_are_refused_never_blank(call):
    result = call()
    assert isinstance(result, str) and result.startswith(CELL_PREFIX)
    assert "too large" in result


# ------------------------------------------------------------------------ messages that misled


@pytest.mark.parametrize("call, message", [
    (lambda t: udfs.flow_largest_since(DATES_4, [1.0, 2.0, 3.0, 4.0], t), "weeks"),
    (lambda t: udfs.flow_rolling([1.0, 2.0, 3.0, 4.0], t), "weeks"),
    (lambda t: udfs.flow_streaks(DATES_4, [1.0, 2.0, 3.0, 4.0], t), "min_weeks"),
    (lambda t: udfs.hike_cycles(DATES_4, [1.0, 1.25, 1.5, 1.75], t), "min_hikes"),
], ids=["largest_since weeks", "rolling weeks", "streaks min_weeks", "hike_cycles min_hikes"])
@pytest.mark.parametrize("text", ["1e999", "9" * 400])
def test_a_whole_number_too_large_for_a_float_gets_a_proper_message(call, message, text):
    shown = text if len(text) <= 40 else text[:37] + "..."
    assert call(text) == (
        f"{CELL_PREFIX}{message}: {shown} is too large, expected a whole number of at least 1")


def test_flows_of_1_7e308_give_one_message_and_no_warning():
    """Overflowing sums: one message, never numpy RuntimeWarnings on stderr first."""
    import warnings

    big = [1.7e308, 1.7e308]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = [udfs.flow_rolling(big, 2), udfs.flow_largest_since(DATES_4[:2], big, 2),
                   udfs.flow_streaks(DATES_4[:2], big), udfs.flow_streak(big),
                   udfs.abnormality(1.0, [1.7e308, 1.7e308, 1e308])]
    assert results[:2] == [CELL_PREFIX + "flows: the values are too large to add up, expected "
                           "flows in $bn"] * 2
    assert results[2] == CELL_PREFIX + ("result: a sum is too large to compute, expected numbers "
                                        "of a realistic size")
    assert results[3] == 2
    # the history's sum overflows; its mean, 4.4e308 / 3 = 1.4667e308, and its spread
    # (0.4041e308) are computed in scaled units: ratio ~ 0, z = -1.4667 / 0.4041 = -3.629
    block = dict(map(tuple, results[4]))
    assert block["Verdict"] == "not abnormally high" and block["Cycles"] == 3
    assert block["Historical mean"] == pytest.approx(1.4666666666666666e308)
    assert block["Z-score"] == pytest.approx(-3.629058834906219)


def test_importing_the_udfs_loads_neither_the_core_nor_the_conversion():
    """Declarations only: the work is imported by the first call (import cost, issue 10)."""
    import subprocess
    import sys

    code = ("import sys, xlflows.udfs as u; "
            "print(sorted(m for m in sys.modules if m.startswith(('xlflows.core.f', "
            "'xlflows.core.c', 'xlflows.core.g', 'xlflows.excel')))); "
            "u.flow_streak([1.0, 2.0]); print('xlflows.excel.convert' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "['xlflows.core.constants']" and out[1] == "True"
