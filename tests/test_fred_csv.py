"""FRED's CSV downloads parsed (:func:`xlflows.fred.parse_fred_csv`): both layouts, every kind of
junk refused on one line, and the test fixture checked against ``data/`` by hand."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from update_support import DATA, FIXTURES, T
from xlflows import fred as fred_module


def test_the_fixture_revises_three_quarters_of_the_shipped_series(tmp_path):
    # Hand check of the fixture against data/: 2020Q2, Q3 and Q4 differ, nothing else before 2021.
    old = fred_module.parse_fred_csv((DATA / "MMMFFAQ027S.csv").read_text(), "MMMFFAQ027S", "data")
    new = fred_module.parse_fred_csv((FIXTURES / "MMMFFAQ027S.csv").read_text(), "MMMFFAQ027S",
                                     "fx")
    common = new[new.index.isin(old.index)]
    assert list(common.index[common != old[common.index]]) == [
        T("2020-04-01"), T("2020-07-01"), T("2020-10-01")]
    assert new.index[0] == T("1973-10-01") and new.iloc[0] == 0.0    # "." on 1973-07-01 dropped
    assert len(new[new.index > old.index[-1]]) == 12


# ============================================================================ parsing FRED CSV
@pytest.mark.parametrize("text, expected", [
    ("DATE,X\n2020-01-01,1.5\n2020-04-01,.\n2020-07-01,2\n",
     {T("2020-01-01"): 1.5, T("2020-07-01"): 2.0}),
    ("observation_date,X\r\n2020-01-01,\r\n2020-04-01,-0.25\r\n", {T("2020-04-01"): -0.25}),
    ("\ufeffobservation_date,x\n2020-01-01,3\n", {T("2020-01-01"): 3.0}),
], ids=["old layout, '.' missing", "new layout, CRLF, empty missing", "BOM, lower-case id"])
def test_both_fred_layouts_are_read(text, expected):
    got = fred_module.parse_fred_csv(text.lstrip("\ufeff"), "X", "x.csv")
    assert got.to_dict() == expected


@pytest.mark.parametrize("text, message", [
    ("", "x.csv is empty"),
    ("DATE,X\n2020-01-01,.\n", "x.csv holds no observations of X"),
    ("DATE,X\n2020-02-30,1\n", "x.csv line 2 has the date '2020-02-30', which is not a day"),
    ("DATE,X\n2020-01-01,1,2\n", "x.csv line 2 is '2020-01-01,1,2', expected a date"),
    ("DATE,X\n01/02/2020,1\n", "x.csv line 2 is '01/02/2020,1', expected a date"),
    ("DATE,X\n2020-01-01,inf\n", "x.csv line 2 has the value 'inf'"),
    ("DATE,X\n2020-01-01,1\n2020-01-01,2\n", "line 3: 2020-01-01 comes after 2020-01-01"),
    ("  <html>", "x.csv is a web page"),
], ids=["empty", "only missing", "no such day", "three fields", "US date", "infinite",
        "duplicate date", "html"])
def test_malformed_fred_csv_is_refused(text, message):
    with pytest.raises(fred_module.SourceError, match=None) as info:
        fred_module.parse_fred_csv(text, "X", "x.csv")
    assert message in str(info.value)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["DATE,X", "2020-01-01", "2021-02-03,", ",", ".", "1.5", "-2e3",
                                 "nan", "\r", "<", "2020-13-01,1", "x", "\n", "2020-01-01,1\n",
                                 "\ufeff", "\x00", " "]), max_size=12))
def test_junk_gives_observations_or_one_clear_message(pieces):
    text = "".join(pieces)
    try:
        got = fred_module.parse_fred_csv(text, "X", "x.csv")
    except fred_module.SourceError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("x.csv")
    else:
        assert got.index.is_monotonic_increasing and got.index.is_unique
        assert got.notna().all() and len(got) >= 1
