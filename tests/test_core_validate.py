"""The core's one vocabulary of argument checks (xlflows.core.validate): behaviour and wording."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

from xlflows.core import cycles, flows, growth, validate
from xlflows.core.validate import choice, number, numbers, timestamp, whole_number
from xlflows.errors import InputError

# ------------------------------------------------------------------------------- whole_number


@pytest.mark.parametrize("value, expected", [
    (8, 8), (8.0, 8), (np.int64(8), 8), (np.float64(8.0), 8), ("8", 8), (" 8 ", 8), ("8.0", 8),
    ("8e0", 8), (1, 1), ("\u22120", 0),
], ids=["int", "whole float", "numpy int", "numpy float", "text", "spaced text", "text 8.0",
        "exponent text", "minimum", "U+2212 zero"])
def test_whole_number_accepts(value, expected):
    got = whole_number(value, "weeks", minimum=0)
    assert got == expected and type(got) is int


@pytest.mark.parametrize("value, message", [
    (0, "weeks: 0, expected a whole number of at least 1"),
    (-2, "weeks: -2, expected a whole number of at least 1"),
    (2.5, "weeks: 2.5, expected a whole number of at least 1"),
    ("2.5", "weeks: 2.5, expected a whole number of at least 1"),
    (True, "weeks: TRUE, expected a whole number of at least 1"),
    (None, "weeks: blank, expected a whole number of at least 1"),
    ("  ", "weeks: blank, expected a whole number of at least 1"),
    (float("nan"), "weeks: blank, expected a whole number of at least 1"),
    ("eight", "weeks: text 'eight', expected a whole number of at least 1"),
    ("1,000", "weeks: text '1,000', expected a whole number of at least 1"),
    (float("inf"), ("weeks: an infinite number is too large, expected a whole number of at "
                    "least 1")),
    ("1e999", "weeks: 1e999 is too large, expected a whole number of at least 1"),
    ("9" * 400, f"weeks: {'9' * 37}... is too large, expected a whole number of at least 1"),
    (2 ** 53 + 1, ("weeks: 9007199254740993 is too large, expected a whole number of at "
                   "least 1")),
    (-10 ** 20, "weeks: -100000000000000000000, expected a whole number of at least 1"),
    ("-1e999", "weeks: -1e999, expected a whole number of at least 1"),
    ([8], ("weeks: a value that is not a number, text or date, expected a whole number of at "
           "least 1")),
], ids=["zero", "negative", "fraction", "fraction text", "bool", "None", "spaces", "NaN",
        "word", "thousands", "inf", "text 1e999", "400 digits", "beyond 2**53", "huge negative",
        "text -1e999", "list"])
def test_whole_number_refuses_with_one_wording(value, message):
    with pytest.raises(InputError) as caught:
        whole_number(value, "weeks", minimum=1)
    assert str(caught.value) == message


def test_whole_number_bounds_are_inclusive_and_named_as_a_range():
    assert whole_number(20, "cycles", minimum=1, maximum=20) == 20
    with pytest.raises(InputError, match=r"^cycles: 21, expected a whole number from 1 to 20$"):
        whole_number(21, "cycles", minimum=1, maximum=20)
    with pytest.raises(InputError, match=r"^cycles: 1e999, expected a whole number from 1 to "
                                         r"20$"):
        whole_number("1e999", "cycles", minimum=1, maximum=20)


def test_whole_number_takes_a_place_as_its_label():
    """The report names the settings cell: ``name`` is any label, used as it is."""
    label = "Report!B7 (previous cycles)"
    with pytest.raises(InputError) as caught:
        whole_number("abc", label, minimum=1, maximum=20)
    assert str(caught.value) == (
        "Report!B7 (previous cycles): text 'abc', expected a whole number from 1 to 20")
    assert whole_number(" 4 ", label, minimum=1, maximum=20) == 4


def test_flows_and_cycles_read_number_text_the_same_way():
    """One rule: the text "3" is 3 for flows (weeks) exactly as for cycles (min_hikes)."""
    week = pd.Series([1.0, 2.0, 3.0, 4.0])
    assert flows.rolling(week, "3").tolist()[2:] == [6.0, 9.0]
    assert flows.rolling(week, " 3 ").equals(flows.rolling(week, 3))
    rates = pd.Series([1.0, 1.25, 1.5, 1.75, 1.5],
                      index=pd.date_range("2020-01-01", periods=5, freq="MS"))
    assert cycles.hike_cycles(rates, min_hikes="3", min_rise_bp="75")["Hikes"].tolist() == [3]
    for call in (lambda: flows.rolling(week, "2.5"),
                 lambda: cycles.hike_cycles(rates, min_hikes="2.5")):
        with pytest.raises(InputError, match=r": 2\.5, expected a whole number of at least 1$"):
            call()


@given(st.one_of(st.integers(-10, 10 ** 20), st.floats(allow_nan=True), st.text(max_size=12),
                 st.booleans(), st.none()))
def test_whole_number_returns_the_value_or_refuses_cleanly(value):
    """Excel-shaped junk: an int equal to the value, or one InputError naming ``weeks``."""
    try:
        got = whole_number(value, "weeks", minimum=1)
    except InputError as exc:
        text = str(exc)
        assert text.startswith("weeks: ") and "expected a whole number of at least 1" in text
        assert "<class" not in text and "Traceback" not in text
        return
    assert type(got) is int and got >= 1
    assert got == float(value.replace("\u2212", "-")) if isinstance(value, str) else got == value


# ------------------------------------------------------------------------------- number(s)


@pytest.mark.parametrize("value, minimum, message", [
    ("abc", None, "current: text 'abc', expected a number"),
    (None, None, "current: blank, expected a number"),
    (-5, 0, "current: -5, expected a number of at least 0"),
    (-0.5, 0, "current: -0.5, expected a number of at least 0"),
    ("1e999", None, "current: 1e999 is too large, expected a number"),
    (float("-inf"), None, "current: an infinite number, expected a number"),
    (False, None, "current: FALSE, expected a number"),
])
def test_number_refusals(value, minimum, message):
    with pytest.raises(InputError) as caught:
        number(value, "current", minimum=minimum)
    assert str(caught.value) == message


def test_number_accepts_floats_ints_and_number_text():
    assert number(0.25, "current") == 0.25
    assert number(0, "current", minimum=0) == 0.0
    assert number("\u22121.5", "current") == -1.5


def test_numbers_names_the_position_in_a_sequence():
    assert numbers([9, "13", 15.0], "months").tolist() == [9.0, 13.0, 15.0]
    assert numbers(14, "months").tolist() == [14.0]
    with pytest.raises(InputError, match=r"^months: value 2 is blank, expected a number of "
                                         r"months$"):
        numbers([9, None], "months", expected="a number of months")
    with pytest.raises(InputError, match=r"^months: value 3 is 1e999, too large, expected a "
                                         r"number$"):
        numbers([9, 1, "1e999"], "months")
    with pytest.raises(InputError, match=r"^months: no values, expected at least one number$"):
        numbers([], "months")


# ------------------------------------------------------------------------------- choice, timestamp


@pytest.mark.parametrize("allowed", [cycles.RATE_KINDS, cycles.INFLOW_MEASURES,
                                     growth.ABNORMALITY_METHODS])
def test_choice_matches_any_case_and_returns_the_declared_option(allowed):
    for option in allowed:
        assert choice(f"  {option.upper()} ", "x", allowed) == option


@pytest.mark.parametrize("value, message", [
    ("levels", 'kind: text \'levels\', expected "level" or "change"'),
    (1, 'kind: the number 1, expected "level" or "change"'),
    ("3", 'kind: text \'3\', expected "level" or "change"'),
    (None, 'kind: blank, expected "level" or "change"'),
])
def test_choice_refusals(value, message):
    with pytest.raises(InputError) as caught:
        choice(value, "kind", cycles.RATE_KINDS)
    assert str(caught.value) == message


def test_or_list_reads_as_a_sentence():
    assert validate.or_list(["a"]) == '"a"'
    assert validate.or_list(["a", "b", "c"]) == '"a", "b" or "c"'


@pytest.mark.parametrize("value, message", [
    (45000, "last_hike: the number 45000, expected a date"),
    ("soon", "last_hike: text 'soon', expected a date"),
    (None, "last_hike: blank, expected a date"),
    (math.nan, "last_hike: blank, expected a date"),
])
def test_timestamp_refusals(value, message):
    with pytest.raises(InputError) as caught:
        timestamp(value, "last_hike")
    assert str(caught.value) == message


def test_timestamp_drops_the_time_of_day():
    assert timestamp("2023-07-26 17:30", "last_hike") == pd.Timestamp("2023-07-26")


def test_cycles_no_longer_imports_growth_for_its_checks():
    assert not hasattr(cycles, "as_number") and not hasattr(growth, "as_number")
    assert cycles.levels is validate.levels and growth.levels is validate.levels
