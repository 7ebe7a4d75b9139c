"""Known values at the boundaries of the Excel layer, each one a change the suite let through.

A mutation run (README, "Mutation testing") changed one token at a time in ``xlflows/excel`` and
kept the changes no test noticed. Each test here pins one: the type of a written cell (an int
stays an int, a date a date), the kind of a cell type met for the first time, a text that numpy
would read as a date but Excel would not, the words and the place of a refusal.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from xlflows.errors import InputError
from xlflows.excel import arguments, cells as xcells, convert, dates, shape

# --------------------------------------------------------------------------------------------
# shape: what a result column becomes in Excel


def test_a_nanosecond_date_column_is_written_as_dates():
    # pandas 2 keeps datetime64[ns]; its .tolist() would give integers of nanoseconds
    column = pd.Series(pd.DatetimeIndex(["2024-03-01", None]).astype("datetime64[ns]"))
    assert shape.column_values(column) == [dt.datetime(2024, 3, 1), shape.BLANK]


def test_an_integer_column_is_written_as_ints():
    got = shape.column_values(np.array([3, -1], dtype=np.int64))
    assert got == [3, -1]
    assert [type(v) for v in got] == [int, int]


def test_a_mixed_object_column_is_written_cell_by_cell():
    got = shape.column_values(np.array([pd.Timestamp("2024-03-01"), None, "inflow", np.int64(2)],
                                       dtype=object))
    assert got == [dt.datetime(2024, 3, 1), shape.BLANK, "inflow", 2]
    assert type(got[0]) is dt.datetime and type(got[3]) is int


@pytest.mark.parametrize("value, expected", [
    (dt.date(2024, 3, 1), dt.datetime(2024, 3, 1)),      # a date becomes a datetime at midnight
    (dt.datetime(2024, 3, 1, 17, 30), dt.datetime(2024, 3, 1, 17, 30)),
    (np.datetime64("NaT"), shape.BLANK),
    (np.bool_(True), True),
])
def test_scalar_known_values(value, expected):
    got = shape.scalar(value)
    assert got == expected
    assert type(got) is type(expected)


def test_to_datetime_of_a_missing_date_is_none():
    assert dates.to_datetime(np.datetime64("NaT")) is None
    assert dates.to_datetime(pd.NaT) is None


def test_table_follows_the_columns_asked_for():
    frame = pd.DataFrame({"a": [1.0], "b": ["x"]})
    assert shape.table(frame, columns=["b", "a"]) == [["b", "a"], ["x", 1.0]]


# --------------------------------------------------------------------------------------------
# dates


def test_parse_iso_reads_a_date_with_a_time_as_its_day():
    assert dates.parse_iso(" 2024-03-01 17:00 ") == np.datetime64("2024-03-01", "D")
    assert dates.parse_iso("2024-02-30") is None


def test_datetime64_cells_and_time_zones_keep_the_wall_clock_day():
    # a numpy datetime64 has no toordinal: the whole list takes the per-object path
    got = dates.datetimes_to_days([np.datetime64("2024-03-01T17:30"),
                                   pd.Timestamp("2024-03-02 23:00", tz="US/Eastern"),
                                   dt.datetime(2024, 3, 3, 8)])
    assert got.tolist() == [dt.date(2024, 3, 1), dt.date(2024, 3, 2), dt.date(2024, 3, 3)]
    assert got.dtype == np.dtype("datetime64[D]")


def test_check_serials_names_the_first_bad_serial_not_the_first_cell():
    with pytest.raises(InputError, match=r"^dates: row 2 is the number 50, expected a date on or "
                                         r"after 1900-03-01 \(serial 61;"):
        dates.check_serials(np.array([100.0, 50.0]), np.array([0, 1]), "dates",
                            dates.default_locate)


def test_an_infinite_serial_is_named_infinite():
    with pytest.raises(InputError, match=r"^dates: row 1 is the number infinite, expected a date "
                                         r"between 1900-03-01 and 9999-12-31$"):
        xcells.read_dates(np.array([math.inf], dtype=object), "dates")


# --------------------------------------------------------------------------------------------
# convert: cell kinds of types met for the first time


def test_cell_types_not_in_the_table_take_their_base_kind_every_time():
    # new classes, so the kind table has never seen them: each goes through the subclass checks
    class ComDate(dt.datetime):
        pass

    class Label(str):
        pass

    class Amount(float):
        pass

    cells = np.array([ComDate(2024, 3, 1), Label("x"), Amount(1.5), object()], dtype=object)
    expected = [xcells.DATETIME, xcells.TEXT, xcells.NUMBER, xcells.OTHER]
    assert xcells.classify(cells).tolist() == expected
    assert xcells.classify(cells).tolist() == expected          # remembered, same kinds
    assert xcells.classify(np.array([Label("y")], dtype=object)).tolist() == [xcells.TEXT]


def test_a_com_date_subclass_is_read_as_its_day():
    class ComDate(dt.datetime):
        pass

    got = convert.level_series([ComDate(2024, 3, 1, 17, 30)], [2.5])
    assert got.index.tolist() == [pd.Timestamp("2024-03-01")]


# --------------------------------------------------------------------------------------------
# convert: a ten-digit text is not a date (numpy would read it as the year 1000000000)


def test_ten_digits_as_a_date_are_refused_by_name():
    with pytest.raises(InputError, match=r"^dates: row 2 is text '1000000000', expected a date$"):
        convert.level_series(["2024-03-01", "1000000000"], [1.0, 2.0])
    with pytest.raises(InputError, match=r"^dates: row 1 is text '1000000000', expected a date$"):
        convert.level_series(["1000000000"], [1.0])


# --------------------------------------------------------------------------------------------
# convert: to_bool


@pytest.mark.parametrize("value, message", [
    (None, r"^annualize: blank, expected TRUE or FALSE$"),
    ([[True], [False]], r"^annualize: a range of 2 cells, expected a single value$"),
    (2.0, r"^annualize: the number 2, expected TRUE or FALSE$"),
])
def test_to_bool_refusals_name_the_argument(value, message):
    with pytest.raises(InputError, match=message):
        arguments.to_bool(value, "annualize")
