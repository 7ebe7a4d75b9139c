"""The Excel layer's normalisation path: a catalogue of Excel shapes and junk -> Series or message.

Every expected value is worked out by hand in the test id or a comment. Dates: serial 45352 is
2024-03-01 (45352 days after 1899-12-30); serial 61 is 1900-03-01, the first serial the layer
accepts; 60 is Excel's phantom 1900-02-29.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from conftest import DATE_FORMS, SHAPES, serial
from xlflows.errors import InputError
from xlflows.excel import arguments, cells as xcells, convert, dates, fastpath, shape
from xlflows.excel.convert import flow_series, level_series, typed_flow_series, typed_level_series

D = dt.datetime
MAR1 = D(2024, 3, 1)


def days(*isos: str) -> list[pd.Timestamp]:
    """Expected index values; compared as Timestamps, so datetime64[us] (pandas 3) and [ns]
    (pandas 2 defaults) compare equal by calendar value."""
    return [pd.Timestamp(s) for s in isos]


# ------------------------------------------------------------------------------ shape step

@pytest.mark.parametrize("value, expected", [
    (5.0, [5.0]),                                   # one cell arrives as a scalar
    ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),             # 1-D range, default ndim
    ([[1.0], [2.0], [3.0]], [1.0, 2.0, 3.0]),       # n × 1, ndim=2
    ([[1.0, 2.0, 3.0]], [1.0, 2.0, 3.0]),           # 1 × n, ndim=2
    (((1.0,), (2.0,)), [1.0, 2.0]),                 # raw COM: tuple of 1-tuples
    (((1.0, 2.0),), [1.0, 2.0]),                    # raw COM: one row
    ([[7.0]], [7.0]),                               # 1 × 1 as a 2-D list
    (np.array([[1.0], [2.0]]), [1.0, 2.0]),         # numpy n × 1
    (pd.Series([1.0, 2.0]), [1.0, 2.0]),            # a Series (Python callers)
    ([], []),
], ids=["scalar", "flat list", "vertical 2-D", "horizontal 2-D", "COM column tuples",
        "COM row tuple", "one cell 2-D", "numpy column", "pandas Series", "empty"])
def test_as_cells_flattens_every_one_dimensional_shape(value, expected):
    assert xcells.as_cells(value, "flows").tolist() == expected


@pytest.mark.parametrize("value, message", [
    ([[1, 2], [3, 4], [5, 6]], (r"^flows: a range of 3 rows × 2 columns, expected a single row "
                                r"or column$")),
    ([[1], [2, 3]], r"^flows: rows of 1 to 2 cells"),
    ([[1], 2], r"^flows: mixes single cells and rows"),
    (np.zeros((2, 2, 2)), r"^flows: a 3-dimensional array"),
], ids=["genuinely 2-D", "ragged", "cells and rows mixed", "3-D array"])
def test_as_cells_refuses_what_is_not_one_row_or_column(value, message):
    with pytest.raises(InputError, match=message):
        xcells.as_cells(value, "flows")


# ------------------------------------------------------------------------------ numbers

@pytest.mark.parametrize("cells, expected", [
    ([1, 2.5, -3], [1.0, 2.5, -3.0]),
    (["12.3", " -4 ", "1e3", "\u22122.5", ".5", "+7"], [12.3, -4.0, 1000.0, -2.5, 0.5, 7.0]),
    ([np.float64(1.5), np.int64(2), np.float32(0.5)], [1.5, 2.0, 0.5]),
], ids=["numbers", "numbers as text (incl. U+2212 minus)", "numpy scalars"])
def test_read_numbers_accepts_numbers_and_number_text(cells, expected):
    got = xcells.read_numbers(xcells.as_cells(cells, "flows"), "flows")
    assert got.values.tolist() == pytest.approx(expected)
    assert not got.blank.any()


def test_read_numbers_flags_blanks_without_refusing_them():
    # None, "" and whitespace are blanks; NaT too (a pandas caller's missing date in a value column)
    got = xcells.read_numbers(xcells.as_cells([None, "", "   ", 4.0, pd.NaT], "x"), "x")
    assert got.blank.tolist() == [True, True, True, False, True]
    assert got.values[3] == 4.0


ERROR_LITERALS = ["#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                  "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!",
                  "#BUSY!", "#UNKNOWN!"]


@pytest.mark.parametrize("literal", ERROR_LITERALS)
def test_every_error_literal_is_refused_by_name(literal):
    with pytest.raises(InputError, match=rf"^flows: row 2 is {pd.io.common.re.escape(literal)}, "
                                         r"expected a number$"):
        convert.flow_series([1.0, literal, 2.0])


@pytest.mark.parametrize("code, shown", [
    (-2146826246, "#N/A"), (-2146826281, "#DIV/0!"), (-2146826288, "#NULL!"),
    (-2146826243, "#SPILL!"), (-2146826238, "#CALC!"), (-2146826245, "#GETTING_DATA"),
    (-2146826230, "an error cell (code -2146826230)"),
    (float(-2146826246), "#N/A"),
], ids=["#N/A int", "#DIV/0! int", "lowest code #NULL!", "#SPILL! (newer, raw int)", "#CALC!",
        "#GETTING_DATA", "highest code, unnamed", "#N/A as a float"])
def test_raw_com_error_integers_never_pass_as_numbers(code, shown):
    with pytest.raises(InputError, match=rf"^flows: row 1 is {pd.io.common.re.escape(shown)}, "):
        convert.flow_series([code, 1.0])


@pytest.mark.parametrize("code", [-2146826289, -2146826229])
def test_numbers_just_outside_the_com_error_range_are_numbers(code):
    # the boundary: -2146826288 .. -2146826230 are errors, one step outside is a (silly) number
    assert convert.flow_series([code]).series.iloc[0] == code


@pytest.mark.parametrize("cell, found", [
    (True, "TRUE"), (False, "FALSE"), ("abc", "text 'abc'"), ("n/a", "text 'n/a'"),
    (MAR1, r"a date \(2024-03-01\)"), (float("nan"), r"NaN \(not a number\)"),
    (float("inf"), "an infinite number"), (float("-inf"), "an infinite number"),
    ([1, 2], "a list of values, not a single cell"), (object(), "a value that is not a number"),
], ids=["TRUE", "FALSE", "text", "text n/a", "a date", "NaN", "inf", "-inf", "nested list",
        "unknown object"])
def test_read_numbers_names_what_it_found(cell, found):
    with pytest.raises(InputError, match=rf"^flows: row 3 is {found}.*expected a number$"):
        convert.flow_series([[1.0], [2.0], [cell]])


def test_thousands_separators_are_refused_with_a_hint():
    with pytest.raises(InputError, match=r"^flows: row 1 is text '1,234.5', expected a number "
                                         r"\(without thousands separators\)$"):
        convert.flow_series(["1,234.5"])


def test_the_first_bad_cell_in_range_order_is_reported():
    # row 2 is text, row 4 an error cell: the message names row 2
    with pytest.raises(InputError, match=r"^flows: row 2 is text 'x'"):
        convert.flow_series([1.0, "x", 2.0, "#N/A"])


# ------------------------------------------------------------------------------ flow_series

@pytest.mark.parametrize("shape_name", list(SHAPES))
def test_flow_series_reads_every_shape_the_same(shape_name):
    got = convert.flow_series(SHAPES[shape_name]([1.0, -2.0, "3"]))
    assert got.series.tolist() == [1.0, -2.0, 3.0]
    assert isinstance(got.series.index, pd.RangeIndex)
    assert got.positions.tolist() == [0, 1, 2]


def test_leading_and_trailing_blanks_are_ignored_and_positions_kept():
    # a category that starts in row 3 in an oversized range: rows 3..4 are the data
    got = convert.flow_series([[None], [""], [1.5], [-2.0], [None], ["  "]])
    assert got.series.tolist() == [1.5, -2.0]
    assert got.positions.tolist() == [2, 3]


def test_a_blank_between_values_is_refused():
    with pytest.raises(InputError, match=r"^flows: row 5 is blank between values; weekly flows "
                                         r"must be contiguous$"):
        convert.flow_series([1.0, 2.0, 3.0, 4.0, None, 6.0])


def test_all_blank_is_too_short():
    with pytest.raises(InputError, match=r"^flows: no numbers found, expected at least 1$"):
        convert.flow_series([None, "", None])


def test_min_rows_counts_values_after_trimming():
    with pytest.raises(InputError, match=r"^flows: 2 numbers found, expected at least 3$"):
        convert.flow_series([None, 1.0, 2.0, None], min_rows=3)


def test_locate_lets_the_report_name_cells():
    with pytest.raises(InputError, match=r"^Equity: Flows!B4 is #N/A, expected a number$"):
        convert.flow_series([1.0, 2.0, "#N/A"], name="Equity", locate=lambda i: f"Flows!B{i + 2}")


def test_dated_flows_are_sorted_and_keep_their_input_rows(date_form):
    # input order: Mar 15 (3.0), Mar 1 (1.0), Mar 8 (2.0) -> sorted Mar 1, 8, 15
    ds = [date_form(dt.date(2024, 3, 15)), date_form(dt.date(2024, 3, 1)),
          date_form(dt.date(2024, 3, 8))]
    got = convert.flow_series([[3.0], [1.0], [2.0]], [[d] for d in ds])
    assert got.series.tolist() == [1.0, 2.0, 3.0]
    assert list(got.series.index) == days("2024-03-01", "2024-03-08", "2024-03-15")
    assert got.positions.tolist() == [1, 2, 0]


def test_dated_flows_drop_rows_blank_in_both_and_blanks_at_either_end_in_date_order():
    # rows: Feb 23 blank value (leading in date order), Mar 1 = 1, blank/blank, Mar 8 = 2,
    # Mar 15 blank value (trailing)
    got = convert.flow_series([None, 1.0, None, 2.0, ""],
                              ["2024-02-23", MAR1, None, 45359, D(2024, 3, 15)])
    assert got.series.tolist() == [1.0, 2.0]
    assert got.positions.tolist() == [1, 3]


def test_a_blank_between_values_is_judged_in_date_order():
    # by row the blank (row 1, Mar 8) is leading; by date it sits between Mar 1 and Mar 15
    with pytest.raises(InputError, match=r"^flows: row 1 is blank between values"):
        convert.flow_series([None, 1.0, 2.0], ["2024-03-08", "2024-03-01", "2024-03-15"])


def test_a_value_without_a_date_is_refused():
    with pytest.raises(InputError, match=r"^dates: row 2 is blank, expected a date$"):
        convert.flow_series([1.0, 2.0], [MAR1, None])


def test_error_cells_in_dates_are_refused_even_on_a_blank_row():
    with pytest.raises(InputError, match=r"^dates: row 3 is #REF!, expected a date$"):
        convert.flow_series([1.0, 2.0, None], [MAR1, D(2024, 3, 8), "#REF!"])


def test_mismatched_lengths_are_refused():
    with pytest.raises(InputError, match=r"^flows and dates: 10 rows vs 12 rows, expected the "
                                         r"same length$"):
        convert.flow_series([1.0] * 10, [MAR1 + dt.timedelta(weeks=i) for i in range(12)])


def test_duplicate_dates_are_refused_naming_both_rows():
    ds = [D(2024, 1, 5) + dt.timedelta(weeks=i) for i in range(10)]
    ds[2] = MAR1
    ds[8] = "2024-03-01"                    # the same day written as ISO text
    with pytest.raises(InputError, match=r"^dates: 2024-03-01 appears twice \(rows 3 and 9\)$"):
        convert.flow_series([1.0] * 10, ds)


def test_a_date_three_times_is_counted():
    with pytest.raises(InputError, match=r"^dates: 2024-03-01 appears 3 times "
                                         r"\(rows 1, 2 and 4\)$"):
        convert.flow_series([1.0] * 4, [MAR1, 45352, D(2024, 3, 8), "2024-03-01"])


def test_time_of_day_is_dropped_so_same_day_times_are_duplicates():
    with pytest.raises(InputError, match=r"appears twice \(rows 1 and 2\)"):
        convert.flow_series([1.0, 2.0], [D(2024, 3, 1, 9, 30), 45352.75])


# ------------------------------------------------------------------------------ dates

@pytest.mark.parametrize("cell, expected", [
    (D(2024, 3, 1), "2024-03-01"), (dt.date(2024, 3, 1), "2024-03-01"),
    (pd.Timestamp("2024-03-01 17:45"), "2024-03-01"),
    (np.datetime64("2024-03-01T12"), "2024-03-01"),
    (45352, "2024-03-01"), (45352.99, "2024-03-01"), ("2024-03-01", "2024-03-01"),
    (" 2024-03-01T17:00 ", "2024-03-01"), ("2024-03-01 17:00:05", "2024-03-01"),
    (61, "1900-03-01"), (61.5, "1900-03-01"), (2958465, "9999-12-31"),
    (D(2024, 3, 1, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))), "2024-03-01"),
], ids=["datetime", "date", "Timestamp with time", "datetime64", "serial", "serial with time",
        "ISO text", "ISO with T and spaces", "ISO with seconds", "serial 61 = 1900-03-01",
        "serial 61.5", "last serial 9999-12-31", "aware datetime keeps its wall date"])
def test_read_dates_accepts_every_runtime_form(cell, expected):
    got = xcells.read_dates(xcells.as_cells([cell], "dates"), "dates")
    assert pd.Timestamp(got[0]) == pd.Timestamp(expected)


def test_read_dates_returns_microsecond_datetime64_on_pandas_2_and_3():
    got = xcells.read_dates(xcells.as_cells([45352, MAR1], "dates"), "dates")
    assert got.dtype == np.dtype("datetime64[us]")
    index = convert.flow_series([1.0, 2.0], [45352, 45359]).series.index
    # compare by calendar value, never via asi8 / ns integers
    assert [t.date() for t in index] == [dt.date(2024, 3, 1), dt.date(2024, 3, 8)]


@pytest.mark.parametrize("cell", [60, 1, 0, -5, 60.9])
def test_serials_below_61_are_refused(cell):
    # 60 is Excel's 1900-02-29, a day that never existed; 1..59 are a day off in Excel
    with pytest.raises(InputError, match=r"^dates: row 1 is the number .*, expected a date on or "
                                         r"after 1900-03-01 \(serial 61"):
        convert.flow_series([1.0], [cell])


BEFORE_1900_03_01 = (", expected a date on or after 1900-03-01 (serial 61; Excel's serials below "
                     "61 count a 29 Feb 1900 that never existed)")


@pytest.mark.parametrize("cell, found", [
    (60, "the number 60"), (D(1900, 2, 28), "a date (1900-02-28)"),
    (dt.date(1899, 12, 31), "a date (1899-12-31)"), ("1900-02-28", "text '1900-02-28'"),
    ("1899-12-30 12:00", "text '1899-12-30 12:00'"), ("0001-01-01", "text '0001-01-01'"),
    (dt.date(1, 1, 1), "a date (0001-01-01)"), (pd.Timestamp("1850-06-01"), "a date (1850-06-01)"),
], ids=["serial 60", "datetime", "date", "ISO text", "ISO text with time", "year 1 text",
        "year 1 date", "Timestamp"])
def test_a_date_before_1900_03_01_is_refused_in_every_form_with_one_message(cell, found):
    """SPEC §1: one rule for serials, datetimes and ISO text, in the same words."""
    with pytest.raises(InputError) as caught:
        convert.flow_series([1.0, 2.0], [cell, D(2024, 3, 1)])
    assert str(caught.value) == f"dates: row 1 is {found}" + BEFORE_1900_03_01


@pytest.mark.parametrize("cell", [61, D(1900, 3, 1), dt.date(1900, 3, 1), "1900-03-01"],
                         ids=["serial 61", "datetime", "date", "ISO text"])
def test_1900_03_01_is_accepted_in_every_form(cell):
    got = convert.flow_series([1.0], [cell]).series.index
    assert got[0] == pd.Timestamp("1900-03-01")


def test_year_one_text_is_reported_as_the_bad_date_not_as_a_blank():
    """ISO text 0001-01-01 sorted first made a later blank read as 'blank between values'."""
    with pytest.raises(InputError) as caught:
        convert.flow_series([None, 1.0, 2.0], ["2024-03-01", "0001-01-01", "2024-03-15"],
                            name="Equity flows", dates_name="Week ending",
                            locate=lambda i: f"Flows!A{i + 2}")
    assert str(caught.value) == "Week ending: Flows!A3 is text '0001-01-01'" + BEFORE_1900_03_01


@pytest.mark.parametrize("text", ["1e999", "-1E400", "9" * 400, " 1e309 "],
                         ids=["1e999", "-1e400", "400 digits", "spaced 1e309"])
def test_number_text_beyond_any_float_is_refused_naming_the_cell(text):
    """Text that overflows to infinity is refused at the edge, the report naming the cell."""
    values = [1.0] * 1142
    values[1140] = text
    with pytest.raises(InputError) as caught:
        convert.flow_series(values, name="Equity flows", locate=lambda i: f"Flows!C{i + 2}")
    shown = text if len(text) <= 40 else text[:37] + "..."
    assert str(caught.value) == (f"Equity flows: Flows!C1142 is text {shown!r}, a number beyond "
                                 "the largest a cell can hold, expected a number")


def test_the_largest_number_a_cell_holds_is_still_a_number():
    assert convert.flow_series(["9.99999999999999e307", 1.0]).series.iloc[0] == 9.99999999999999e307


@pytest.mark.parametrize("cell, message", [
    ("abc", r"^dates: row 1 is text 'abc', expected a date$"),
    ("2024-02-30", r"^dates: row 1 is text '2024-02-30', expected a date$"),
    ("01/03/2024", r"^dates: row 1 is text '01/03/2024', expected a date$"),
    (True, r"^dates: row 1 is TRUE, expected a date$"),
    (2958466, r"^dates: row 1 is the number 2.95847e\+06, expected a date between"),
    (float("nan"), r"^dates: row 1 is the number NaN, expected a date between"),
], ids=["text", "impossible ISO date", "ambiguous local format", "bool", "beyond 9999",
        "NaN"])
def test_read_dates_refusals(cell, message):
    with pytest.raises(InputError, match=message):
        convert.flow_series([1.0], [cell])


# ------------------------------------------------------------------------------ level_series

def test_level_series_drops_blank_values_with_their_dates_and_sorts():
    # Mar 3 (3.0), Mar 1 (1.0), Mar 2 blank, trailing blank row with a junk-free blank date
    got = convert.level_series([45354, 45352, 45353, None], [3.0, 1.0, None, None])
    assert got.tolist() == [1.0, 3.0]
    assert list(got.index) == days("2024-03-01", "2024-03-03")


def test_level_series_refuses_an_error_in_a_value():
    with pytest.raises(InputError, match=r"^rates: row 2 is #N/A, expected a number$"):
        convert.level_series([45352, 45353], [1.0, "#N/A"], values_name="rates")


def test_level_series_refuses_duplicates_and_mismatched_lengths():
    with pytest.raises(InputError, match=r"^dates: 2024-03-01 appears twice \(rows 1 and 2\)$"):
        convert.level_series([45352, MAR1], [1.0, 2.0])
    with pytest.raises(InputError, match=r"^assets and asset_dates: 2 rows vs 3 rows"):
        convert.level_series([1, 2, 3], [1.0, 2.0], dates_name="asset_dates",
                             values_name="assets")


# ------------------------------------------------------------------------------ scalars

@pytest.mark.parametrize("value, expected", [(8, 8), (8.0, 8), ("8", 8), ([[8]], 8), (None, 1),
                                             (1, 1)],
                         ids=["int", "whole float", "text", "1×1 range", "blank -> default",
                              "boundary 1 accepted"])
def test_to_int(value, expected):
    assert arguments.to_int(value, "weeks", default=1, minimum=1) == expected


@pytest.mark.parametrize("value, message", [
    (8.5, r"^weeks: 8.5, expected a whole number of at least 1$"),
    (0, r"^weeks: 0, expected a whole number of at least 1$"),
    ("eight", r"^weeks: text 'eight', expected a whole number of at least 1$"),
    ("#N/A", r"^weeks: #N/A, expected a whole number of at least 1$"),
    (True, r"^weeks: TRUE, expected a whole number of at least 1$"),
    ("1e999", r"^weeks: 1e999 is too large, expected a whole number of at least 1$"),
    ("9" * 400, r"^weeks: 9{37}\.\.\. is too large, expected a whole number of at least 1$"),
    ([1, 2, 3], r"^weeks: a range of 3 cells, expected a single value$"),
    (None, r"^weeks: blank, expected a whole number of at least 1$"),
])
def test_to_int_refusals(value, message):
    with pytest.raises(InputError, match=message):
        arguments.to_int(value, "weeks", minimum=1)


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), (1, True), (0.0, False), ("true", True), (" FALSE ", False),
    (None, False)])
def test_to_bool(value, expected):
    assert arguments.to_bool(value, "annualize", default=False) is expected


@pytest.mark.parametrize("value", [2, "yes", "#VALUE!", -2146826273])
def test_to_bool_refusals(value):
    with pytest.raises(InputError, match=r"^annualize: .*, expected TRUE or FALSE$"):
        arguments.to_bool(value, "annualize", default=False)


def test_to_choice_ignores_case_and_spaces_and_lists_the_choices():
    assert arguments.to_choice(" Z ", "method", ("mean", "z")) == "z"
    assert arguments.to_choice("", "method", ("mean", "z"), default="mean") == "mean"
    with pytest.raises(InputError, match=r'^method: text \'avg\', expected "mean" or "z"$'):
        arguments.to_choice("avg", "method", ("mean", "z"))
    with pytest.raises(InputError, match=r'^kind: the number 1, expected "level" or "change"$'):
        arguments.to_choice(1, "kind", ("level", "change"))


@pytest.mark.parametrize("value", [D(2023, 7, 26), 45133, "2023-07-26", dt.date(2023, 7, 26),
                                   [[D(2023, 7, 26, 15)]]])
def test_to_date(value):
    # serial 45133 = 2023-07-26
    assert arguments.to_date(value, "last_hike") == pd.Timestamp("2023-07-26")


@pytest.mark.parametrize("value, message", [
    (60, r"^start_date: the number 60, expected a date on or after 1900-03-01"),
    ("#N/A", r"^start_date: #N/A, expected a date$"),
    ("soon", r"^start_date: text 'soon', expected a date$"),
    (None, r"^start_date: blank, expected a date$"),
])
def test_to_date_refusals(value, message):
    with pytest.raises(InputError, match=message):
        arguments.to_date(value, "start_date")


def test_number_list_takes_a_number_or_a_range_and_skips_blanks():
    assert convert.number_list(14, "months").tolist() == [14.0]
    assert convert.number_list([[9], [13], [None], ["15"], [19]], "months").tolist() == [
        9.0, 13.0, 15.0, 19.0]
    with pytest.raises(InputError, match=r"^months: row 2 is #DIV/0!, expected a number$"):
        convert.number_list([9, "#DIV/0!"], "months")
    with pytest.raises(InputError, match=r"^history: no numbers found, expected at least 1$"):
        convert.number_list([None, ""], "history")


# ------------------------------------------------------------------------------ shape.py

def test_table_spills_one_header_row_dates_as_datetime_and_missing_as_blank():
    frame = pd.DataFrame({
        "First hike": pd.to_datetime(["2022-03-17", "2004-06-30"]),
        "Hikes": [11, 17],
        "Peak rate": [5.5, np.nan],
        "First cut": pd.to_datetime(["2024-09-19", None]),
    })
    assert shape.table(frame) == [
        ["First hike", "Hikes", "Peak rate", "First cut"],
        [D(2022, 3, 17), 11, 5.5, D(2024, 9, 19)],
        [D(2004, 6, 30), 17, shape.BLANK, shape.BLANK],
    ]
    assert type(shape.table(frame)[1][0]) is dt.datetime


def test_empty_table_spills_its_header_alone():
    assert shape.table(pd.DataFrame({"Start": [], "End": []})) == [["Start", "End"]]


def test_in_input_order_puts_each_result_back_on_its_row():
    # sorted results for input rows 2, 0, 3 of a 5-row range; rows 1 and 4 blank
    assert shape.in_input_order(np.array([10.0, np.nan, 30.0]), np.array([2, 0, 3]), 5) == [
        [shape.BLANK], [shape.BLANK], [10.0], [30.0], [shape.BLANK]]


def test_scalar_converts_numpy_and_pandas_values():
    assert shape.scalar(np.int64(3)) == 3 and type(shape.scalar(np.int64(3))) is int
    assert shape.scalar(np.float64(np.nan)) == shape.BLANK
    assert shape.scalar(pd.NaT) == shape.BLANK
    assert shape.scalar(pd.Timestamp("2024-09-26")) == D(2024, 9, 26)
    assert shape.label_block([("Verdict", "x"), ("Z-score", float("nan"))]) == [
        ["Verdict", "x"], ["Z-score", shape.BLANK]]


# ------------------------------------------------------------------------------ properties

_cell = st.one_of(
    st.none(), st.just(""), st.just("  "), st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-2146826300, -2146826220), st.integers(-10**6, 10**6), st.booleans(),
    st.text(max_size=6), st.sampled_from(ERROR_LITERALS),
    st.datetimes(min_value=D(1900, 3, 1), max_value=D(2100, 1, 1)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_cell, max_size=12))
def test_flow_series_either_returns_clean_floats_or_raises_input_error(cells):
    try:
        got = convert.flow_series(cells)
    except InputError as exc:
        assert str(exc).startswith("flows: ")
        return
    values = got.series.to_numpy()
    assert values.dtype == np.float64 and np.isfinite(values).all() and len(values) >= 1
    # every value came from a cell that was a number or number text, never an error code
    for pos, v in zip(got.positions, values):
        cell = cells[pos]
        assert xcells.error_name(cell) is None
        assert not isinstance(cell, (bool, dt.date))
        assert float(str(cell).replace("\u2212", "-")) == v


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(61, 80000), st.floats(-1e6, 1e6)), min_size=1,
                max_size=15, unique_by=lambda t: t[0]),
       st.sampled_from(list(DATE_FORMS)))
def test_dated_flows_are_sorted_unique_and_positions_point_back(rows, form):
    ds = [DATE_FORMS[form](dt.date(1899, 12, 30) + dt.timedelta(days=s)) for s, _ in rows]
    got = convert.flow_series([v for _, v in rows], ds)
    assert got.series.index.is_monotonic_increasing and got.series.index.is_unique
    for (pos, v), stamp in zip(zip(got.positions, got.series), got.series.index):
        assert rows[pos][1] == v
        assert serial(stamp.date()) == rows[pos][0]


def test_default_locate_is_one_based_rows():
    assert dates.default_locate(0) == "row 1"


def test_duplicates_and_blanks_name_cells_when_the_report_passes_locate():
    # the report reads Flows!A2:A5 / B2:B5: position i is row i + 2
    def cell(i: int) -> str:
        return f"Flows!A{i + 2}"

    with pytest.raises(InputError, match=r"^dates: 2024-03-01 appears twice "
                                         r"\(Flows!A2 and Flows!A4\)$"):
        convert.flow_series([1.0, 2.0, 3.0], [MAR1, D(2024, 3, 8), MAR1], locate=cell)
    with pytest.raises(InputError, match=r"^Money market: Flows!A3 is blank between values"):
        convert.flow_series([1.0, None, 3.0], name="Money market", locate=cell)
    with pytest.raises(InputError, match=r"^Week ending: Flows!A3 is text 'x', expected a date$"):
        convert.level_series([MAR1, "x"], [1.0, 2.0], dates_name="Week ending", locate=cell)


def test_to_number_minimum_is_inclusive():
    assert arguments.to_number(0, "min_rise_bp", minimum=0) == 0.0
    with pytest.raises(InputError, match=r"^min_rise_bp: -0.5, expected a number of at least 0$"):
        arguments.to_number(-0.5, "min_rise_bp", minimum=0)


# ------------------------------------------------------------------------------ fast path


class _ComDate(dt.datetime):
    """Stands in for the COM date type: a ``datetime`` subclass (pywintypes.TimeType)."""


_FAST_DATE_FORMS = {
    **DATE_FORMS,
    "COM datetime": lambda d: _ComDate(d.year, d.month, d.day, 17, 30),
    "serial float": lambda d: float(serial(d)) + 0.25,
    "Timestamp": lambda d: pd.Timestamp(d),
    "padded ISO": lambda d: f" {d.isoformat()} ",
}

# Excel-shaped cells the fast path must either take exactly as the general path does or leave
# to it: numbers of every kind, blanks, text, error cells, bools, out-of-range dates.
_value_cells = st.one_of(
    st.floats(-1e6, 1e6), st.integers(-10 ** 6, 10 ** 6), st.floats(allow_nan=True),
    st.sampled_from([None, "", "  ", "1.5", "#N/A", True, -2146826246.0, 1e308, 10 ** 400]))


def _results(call):
    """What a call gives: its result, or the message it refuses with."""
    try:
        return "value", call()
    except InputError as exc:
        return "refused", str(exc)


def _same(fast, general):
    assert fast[0] == general[0], (fast, general)
    if fast[0] == "refused":
        assert fast[1] == general[1]
        return
    got, want = fast[1], general[1]
    if isinstance(want, pd.Series):
        pd.testing.assert_series_equal(got, want, check_exact=True)
    elif isinstance(want, pd.Timestamp):
        assert got == want and got.unit == want.unit
    elif isinstance(want, convert.FlowInput):
        pd.testing.assert_series_equal(got.series, want.series, check_exact=True)
        assert got.positions.tolist() == want.positions.tolist() and got.cells == want.cells
        assert got.positions.dtype == want.positions.dtype
    else:
        np.testing.assert_array_equal(got, want)


def _both_paths(call):
    fast = _results(call)
    fastpath.ENABLED = False
    try:
        general = _results(call)
    finally:
        fastpath.ENABLED = True
    _same(fast, general)
    return fast


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_fast_path_agrees_with_the_general_path(data):
    """Wherever the fast path answers, it answers as the general path; elsewhere it defers."""
    n = data.draw(st.integers(1, 30), label="rows")
    form = data.draw(st.sampled_from(sorted(_FAST_DATE_FORMS)), label="date form")
    layout = data.draw(st.sampled_from(sorted(SHAPES)), label="shape")
    start = data.draw(st.dates(dt.date(1900, 2, 20), dt.date(2200, 1, 1)), label="start")
    steps = data.draw(st.lists(st.integers(-3, 30), min_size=n, max_size=n), label="steps")
    days = [start + dt.timedelta(days=int(s)) for s in np.cumsum(steps)]
    values = data.draw(st.lists(st.one_of(st.floats(-1e6, 1e6), _value_cells), min_size=n,
                                max_size=n), label="values")
    dates = [_FAST_DATE_FORMS[form](d) for d in days]
    put = SHAPES[layout]
    _both_paths(lambda: convert.flow_series(put(values), put(dates)))
    _both_paths(lambda: convert.flow_series(put(values)))
    _both_paths(lambda: convert.level_series(put(dates), put(values)))
    _both_paths(lambda: convert.number_list(put(values), "history"))
    _both_paths(lambda: arguments.to_date(dates[0], "start_date"))


@pytest.mark.parametrize("form", sorted(_FAST_DATE_FORMS))
def test_the_common_shape_takes_the_fast_path(monkeypatch, form):
    """Plain floats and in-order dates of one type never reach the general reader."""
    days = [dt.date(2024, 1, 5) + dt.timedelta(weeks=i) for i in range(6)]
    flows = [[1.5], [-2.0], [0.0], [3.25], [-1.0], [4.0]]
    dates = [[_FAST_DATE_FORMS[form](d)] for d in days]

    def general(*args, **kwargs):
        raise AssertionError("the general path was used")

    monkeypatch.setattr(convert, "classify", general)
    got = convert.flow_series(flows, dates)
    assert got.series.tolist() == [1.5, -2.0, 0.0, 3.25, -1.0, 4.0]
    assert [t.date() for t in got.series.index] == days
    assert convert.level_series(dates, flows).tolist() == got.series.tolist()


def test_classify_gives_a_subclass_the_kind_of_its_base_class():
    cells = np.array([_ComDate(2024, 3, 1), pd.Timestamp("2024-03-08"), np.float32(1.5),
                      np.int16(3), np.bool_(True), "x", None], dtype=object)
    assert xcells.classify(cells).tolist() == [
        xcells.DATETIME, xcells.DATETIME, xcells.NUMBER, xcells.NUMBER, xcells.BOOL,
        xcells.TEXT, xcells.BLANK]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_fast_path_answers_the_common_shape_as_the_general_path(data):
    """Every flow a float, dates of one type strictly ascending: the fast path answers, equal."""
    n = data.draw(st.integers(1, 25), label="rows")
    form = data.draw(st.sampled_from(sorted(_FAST_DATE_FORMS)), label="date form")
    layout = data.draw(st.sampled_from(sorted(SHAPES)), label="shape")
    start = data.draw(st.dates(dt.date(1900, 3, 1), dt.date(2200, 1, 1)), label="start")
    steps = data.draw(st.lists(st.integers(1, 400), min_size=n, max_size=n), label="steps")
    days = [start + dt.timedelta(days=int(s) - steps[0]) for s in np.cumsum(steps)]
    number = st.one_of(st.floats(-1e300, 1e300), st.integers(-10 ** 15, 10 ** 15)).filter(
        lambda v: not xcells.COM_ERROR_MIN <= v <= xcells.COM_ERROR_MAX)
    values = data.draw(st.lists(number, min_size=n, max_size=n), label="values")
    put = SHAPES[layout]
    cells, dates = put(values), put([_FAST_DATE_FORMS[form](d) for d in days])
    if layout != "com tuples":                       # tuples are left to the general path
        assert convert._fast_flow_series(cells, dates, "flows", "dates", 1) is not None
    assert _both_paths(lambda: convert.flow_series(cells, dates))[0] == "value"
    assert _both_paths(lambda: convert.level_series(dates, cells))[0] == "value"


# ISO-looking texts the fast path reads from their joined bytes: a long text next to a short one
# (their bytes would realign into two valid dates), impossible days, other separators, non-ASCII
# digits, numpy's own words, times, padding — each answered as the general path answers it.
_ISO_JUNK = ["2024-01-051", "2024-01-052", "024-01-06", "2024-02-30", "2024/01/05", "2024-1-5",
             "NaT", "today",
             "2024-01-05 10:00", "2024-01-05T10:00", " 2024-01-05", "2024-01-05\t",
             "\u0662\u0660\u0662\u0664-01-05", "2024-01-0\u0665", "0000-01-01", "1900-02-28",
             "9999-12-31", "2024-13-01", "2024-00-10", "+024-01-05", "2024-01-05\x00", ""]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_iso_text_junk_is_answered_as_the_general_path_does(data):
    n = data.draw(st.integers(1, 12), label="rows")
    start = data.draw(st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)), label="start")
    texts = [(start + dt.timedelta(weeks=i)).isoformat() for i in range(n)]
    for _ in range(data.draw(st.integers(0, 3), label="junk cells")):
        texts[data.draw(st.integers(0, n - 1))] = data.draw(st.sampled_from(_ISO_JUNK))
    layout = data.draw(st.sampled_from(sorted(SHAPES)), label="shape")
    put = SHAPES[layout]
    values = [float(i) for i in range(n)]
    _both_paths(lambda: convert.flow_series(put(values), put(texts)))
    _both_paths(lambda: convert.level_series(put(texts), put(values)))


def test_a_long_and_a_short_iso_text_side_by_side_are_not_realigned():
    """Joined, "2024-01-052" + "024-01-06" would read as 2024-01-05 and 2024-01-06."""
    with pytest.raises(InputError, match=r"^dates: row 1 is text '2024-01-052', expected a date"):
        convert.flow_series([[1.0], [2.0]], [["2024-01-052"], ["024-01-06"]])


def test_year_zero_beside_an_impossible_day_is_named_not_a_crash():
    """Found by the ISO junk test: with another text unreadable, each text is parsed alone, and
    pandas' Timestamp of year 0 has no Python date (NotImplementedError)."""
    with pytest.raises(InputError, match=r"^dates: row 1 is text '0000-01-01', expected a date "
                                         r"on or after 1900-03-01"):
        convert.flow_series([[1.0], [2.0]], [["0000-01-01"], ["2024-02-30"]])


# ============================================================================ typed columns

TYPED_DAYS = np.datetime64("2024-01-03", "D") + np.arange(0, 7 * 30, 7)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), min_size=1,
                       max_size=30),
       drop=st.sets(st.integers(0, 29), max_size=3), swap=st.booleans())
def test_a_typed_column_gives_what_its_cells_give(values, drop, swap):
    """The file engine's typed columns (NaN/NaT for blanks) give the series the general path
    gives for the same cells, or None for the general path to take (and name the cell)."""
    n = len(values)
    days = TYPED_DAYS[:n].astype("datetime64[us]").copy()
    for i in drop:
        if i < n:
            days[i] = np.datetime64("NaT")
    if swap and n > 2:
        days[[0, 1]] = days[[1, 0]]
    numbers = np.array([np.nan if v is None else v for v in values], dtype=float)
    typed = typed_flow_series(numbers, days)
    cells = [None if v is None else v for v in values]
    dates = [None if np.isnat(d) else d.astype("datetime64[us]").item() for d in days]
    try:
        general = flow_series(cells, dates)
    except InputError:
        assert typed is None
        return
    if typed is not None:
        pd.testing.assert_series_equal(typed.series, general.series)
        assert list(typed.positions) == list(general.positions)
    levels = typed_level_series(days, numbers)
    try:
        expected = level_series(dates, cells)
    except InputError:
        assert levels is None
        return
    if levels is not None:
        pd.testing.assert_series_equal(levels, expected)
