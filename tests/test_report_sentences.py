"""Flow-note sentences (SPEC §3): signs, zero, $bn/$tn, plurals, ordinals, first-in, records."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, strategies as st

from xlflows.report import sentences as S

M = "\u2212"  # the one minus sign
JAN04 = pd.Timestamp("2004-01-07")


@pytest.mark.parametrize("bn, text", [
    (25.3, "+$25.3bn"),
    (-31.0, f"{M}$31.0bn"),
    (0.0, "$0.0bn"),
    (-0.04, "$0.0bn"),          # rounds to 0.0 first: no −$0.0bn
    (0.04, "$0.0bn"),
    (-0.05, f"{M}$0.1bn"),      # half away from zero, like Excel's ROUND
    (0.05, "+$0.1bn"),
    (12.25, "+$12.3bn"),        # Python's round would give 12.2
    (999.9, "+$999.9bn"),
    (-999.94, f"{M}$999.9bn"),
    (999.95, "+$1.00tn"),       # rounds to $1,000.0bn, so written in $tn
    (1234.5, "+$1.23tn"),
    (-2500.0, f"{M}$2.50tn"),
], ids=lambda v: str(v))
def test_money(bn, text):
    assert S.money(bn) == text


def test_money_level_has_no_plus():
    assert S.money(4336.0, plus=False) == "$4.34tn"
    assert S.money(563.2, plus=False) == "$563.2bn"


@pytest.mark.parametrize("fraction, text", [
    (0.254, "+25%"), (0.3513, "+35%"), (-0.04, f"{M}4%"), (0.004, "0%"), (-0.004, "0%"),
    (0.125, "+13%"), (-0.125, f"{M}13%"), (0.0, "0%"),
])
def test_percent(fraction, text):
    assert S.percent(fraction) == text


@pytest.mark.parametrize("n, text", [
    (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (10, "10th"), (11, "11th"), (12, "12th"),
    (13, "13th"), (21, "21st"), (22, "22nd"), (23, "23rd"), (101, "101st"), (111, "111th"),
    (112, "112th"),
])
def test_ordinal(n, text):
    assert S.ordinal(n) == text


@pytest.mark.parametrize("n, text", [(1, "1 week"), (2, "2 weeks"), (0, "0 weeks"),
                                     (-1, "-1 week")])
def test_plural(n, text):
    assert S.plural(n, "week") == text


def test_dates():
    assert S.month(pd.Timestamp("2022-03-30")) == "Mar 2022"
    assert S.day(pd.Timestamp("2023-12-13")) == "Dec 13"
    assert S.day(pd.Timestamp("2023-12-03")) == "Dec 3"
    assert S.quarter(pd.Timestamp("2020-12-31")) == "Q4 2020"


@pytest.mark.parametrize("latest, first_in, streak, text", [
    (-31.0, 8, -1, "the first outflow in 8 weeks"),
    (12.0, 2, 1, "the first inflow in 2 weeks"),
    (-5.0, 1, -3, "a 3rd straight week of outflows"),      # never "first outflow in 1 week"
    (5.0, 1, 2, "a 2nd straight week of inflows"),
    (5.0, 1, 11, "an 11th straight week of inflows"),
    (5.0, 1, 8, "an 8th straight week of inflows"),
    (-5.0, 1, -18, "an 18th straight week of outflows"),
    (5.0, 1, 12, "a 12th straight week of inflows"),
    (5.0, 1, 22, "a 22nd straight week of inflows"),
    (-5.0, None, -1, "the first outflow since the data began (Jan 2004)"),
    (0.0, 0, 0, "flat"),
], ids=["first-outflow-in-8", "first-inflow-in-2", "3rd-straight", "2nd-straight",
        "an-11th-straight", "an-8th", "an-18th", "a-12th", "22nd-straight", "first-on-record",
        "flat-week"])
def test_first_in_clause(latest, first_in, streak, text):
    assert S.first_in_clause(latest, first_in, streak, JAN04) == text


@pytest.mark.parametrize("total, direction, since, weeks, text", [
    (63.1, 1, "Mar 2022", 8, "the biggest 8-week inflow since Mar 2022"),
    (-40.0, -1, "Jun 2024", 8, "the biggest 8-week outflow since Jun 2024"),
    (25.3, 1, "Jan 2021", 1, "the biggest weekly inflow since Jan 2021"),
    (-5.0, -1, "Nov 5", 1, "the biggest weekly outflow since Nov 5"),
    (90.0, 1, None, 8, "the biggest 8-week inflow since the data began (Jan 2004)"),
    (-90.0, -1, None, 4, "the biggest 4-week outflow since the data began (Jan 2004)"),
    (0.0, 0, None, 8, "8-week flows net flat"),
    (0.0, 0, None, 1, "flat"),
], ids=["8w-inflow-since-Mar-2022", "8w-outflow", "weekly", "recent-week", "record-in",
        "record-out",
        "flat-8w", "flat-1w"])
def test_largest_since_clause(total, direction, since, weeks, text):
    assert S.largest_since_clause(total, direction, since, weeks, JAN04) == text


def test_note_sentences():
    eq = S.join(S.fund_label("Equity"), S.week_clause(25.3, pd.Timestamp("2023-12-13")),
                S.largest_since_clause(63.1, 1, "Mar 2022", 8, JAN04))
    assert eq == ("Equity funds: +$25.3bn in the week to Dec 13, the biggest 8-week inflow since "
                  "Mar 2022")
    mm = S.join(S.fund_label("Money market"), S.money(-31.0),
                S.first_in_clause(-31.0, 8, -1, JAN04))
    assert mm == f"Money market funds: {M}$31.0bn, the first outflow in 8 weeks"
    assert S.fund_label("Bond funds") == "Bond funds"


def test_mmf_sentences():
    assert S.mmf_growth_sentence(0.25, "not abnormally high", 0.33, 4) == (
        "MMF assets +25% over the past year: not abnormally high vs the 33% average peak rise "
        "of the previous 4 cycles")
    assert S.mmf_growth_sentence(0.19, "not abnormally high", 0.3513, 1,
                                 latest_label="Q4 2020") == (
        "MMF assets +19% in the year to Q4 2020 (latest data): not abnormally high vs the 35% "
        "average peak rise of the previous 1 cycle")
    # stale data: the verdict is dated, and none is given for the as-of month (issue 19)
    assert S.mmf_growth_sentence(0.19, "not abnormally high", 0.3513, 4, latest_label="Q4 2020",
                                 stale="five years", as_of_month="Nov 2025") == (
        "MMF assets +19% in the year to Q4 2020 (latest data, five years before the as-of date): "
        "as of Q4 2020, not abnormally high vs the 35% average peak rise of the previous 4 "
        "cycles; no reading for Nov 2025")
    assert S.projection_sentence(14, pd.Timestamp("2024-09-26")) == (
        "inflows peaked 14 months after the last hike on average \u2192 peak projected Sep 2024")
    assert S.projection_sentence(1, pd.Timestamp("2024-08-26")).startswith(
        "inflows peaked 1 month after")
    assert S.projection_sentence(-2, pd.Timestamp("2023-05-26")).startswith(
        "inflows peaked 2 months before the last hike")


@pytest.mark.parametrize("kwargs, tail", [
    ({}, ", assuming the last hike was 26 Jul 2023"),
    ({"open_cycle": True}, (", assuming the last hike was 26 Jul 2023 (the cycle is still open: no "
                           "cut yet, so a later hike would move the peak)")),
    ({"past": True, "assets_end": "Q4 2020"}, (", assuming the last hike was 26 Jul 2023; that "
     "month is already past and the asset data (to Q4 2020) do not cover it")),
    ({"past": True, "realised": (pd.Timestamp("2024-06-30"), 0.2649)}, (", assuming the last hike "
     "was 26 Jul 2023; that month is already past: asset growth actually peaked in Jun 2024 "
     "(+26% YoY)")),
    ({"rate_stale": ("Nov 12 2025", "seven months")}, (", assuming the last hike was 26 Jul 2023; "
     "policy rate: latest data Nov 12 2025, seven months before the as-of date")),
], ids=["assumption", "open", "past-uncovered", "past-realised", "rate-stale"])
def test_projection_states_its_footing(kwargs, tail):
    base = "inflows peaked 14 months after the last hike on average \u2192 peak projected Sep 2024"
    assert S.projection_sentence(14, pd.Timestamp("2024-09-26"),
                                 last_hike=pd.Timestamp("2023-07-26"), **kwargs) == base + tail


@pytest.mark.parametrize("start, end, text", [
    ("2020-12-31", "2025-11-12", "five years"), ("2020-12-31", "2022-12-31", "two years"),
    ("2024-12-31", "2025-07-15", "seven months"), ("2025-10-31", "2025-11-12", "one month"),
    ("2005-01-01", "2025-11-12", "21 years"),
], ids=["5y", "2y", "7m", "1m", "21y"])
def test_duration_reads_as_the_note_does(start, end, text):
    assert S.duration(pd.Timestamp(start), pd.Timestamp(end)) == text


def test_a_stale_week_is_dated_in_full():
    week = pd.Timestamp("2024-03-04")
    assert S.week_clause(4.2, week) == "+$4.2bn in the week to Mar 4"
    assert S.week_clause(4.2, week, stale="one year") == (
        "+$4.2bn in the week to 4 Mar 2024 (latest data, one year before the as-of date)")


def test_streak_clause():
    assert S.streak_clause(-3, (-1, 3)) == "a 3rd straight week of outflows"
    assert S.streak_clause(1, (-1, 4)) == "an inflow after 4 weeks of outflows"
    assert S.streak_clause(-1, (1, 1)) == "an outflow after 1 week of inflows"
    assert S.streak_clause(1, (0, 1)) == "an inflow after a flat week"
    assert S.streak_clause(1, (0, 2)) == "an inflow after 2 flat weeks"   # not "a flat week"
    assert S.streak_clause(0) == "flat"


@given(st.floats(min_value=-5e4, max_value=5e4, allow_nan=False))
def test_money_sign_follows_rounded_value(bn):
    text = S.money(bn)
    assert "-" not in text                       # never the ASCII hyphen
    assert not text.startswith(f"{M}$0.0") and not text.startswith("+$0.0")
    number = float(text.lstrip("+" + M).strip("$bntr").replace(",", ""))
    if number == 0:
        assert text == "$0.0bn"
    else:
        assert text[0] == ("+" if bn > 0 else M)


# --------------------------------------------------------------------------- the grammar (issue 18)
@pytest.mark.parametrize("args, kwargs, text", [
    ((2, 1, 8, "on record"), {}, "the 2nd largest 8-week inflow on record"),
    ((1, -1, 1, "this year"), {}, "the biggest weekly outflow this year"),
    ((3, -1, 1, "this year"), {}, "the 3rd largest weekly outflow this year"),
    ((4, 1, 8, "on record"), {"window": False}, "the 4th largest on record"),   # after a look-back
    ((10, -1, 4, "on record"), {}, "the 10th largest 4-week outflow on record"),
], ids=["2nd record", "biggest this year", "3rd this year", "after look-back", "10th"])
def test_rank_clause(args, kwargs, text):
    assert S.rank_clause(*args, **kwargs) == text


def test_the_grammar_clauses():
    assert S.streak_record_clause(1, None) == "the longest inflow streak on record"
    assert S.streak_record_clause(-1, "Q4 2008") == "the longest outflow streak since Q4 2008"
    assert S.breadth_clause(25, 27, 1) == "inflows in 25 of the past 27 weeks"
    assert S.breadth_clause(10, 12, -1) == "outflows in 10 of the past 12 weeks"
    assert S.window_total_clause(86.9, 8) == "+$86.9bn over 8 weeks"
    assert S.window_total_clause(-0.04, 1) == "$0.0bn over 1 week"          # no −$0.0bn, 1 week
    assert S.year_to_date_clause(756.0, 500.04) == "+$756.0bn this year (+$500.0bn at this " \
                                                   "point last year)"
    assert S.year_to_date_clause(-6.9, float("nan")) == f"{M}$6.9bn this year"
    assert S.year_to_date_clause(1234.5, -2.0) == (f"+$1.23tn this year ({M}$2.0bn at this point "
                                                   "last year)")
    # a year that is not the as-of date's (data that end early) is named
    assert S.year_to_date_clause(57.4, 30.5, 2024) == ("+$57.4bn in 2024 (+$30.5bn at this point "
                                                       "in 2023)")
    assert S.last_year_clause(612.0, 2024) == "+$612.0bn in 2024"
    assert S.pace_clause(1, 1) == "on pace for the largest annual inflow on record"
    assert S.pace_clause(3, -1) == "on pace for the 3rd largest annual outflow on record"


@pytest.mark.parametrize("z, percentile, weeks, text", [
    # 3.9755 rounds to 4.0; every earlier week <= the latest: share 1.0 -> the top hundredth
    (3.9755, 1.0, 1, "weekly flows 4.0 standard deviations above average (99th percentile)"),
    # 15 of 1,140 earlier weeks <= the latest: 1.3% -> floor 1 -> the 1st percentile
    (-2.3197, 15 / 1140, 1, "weekly flows 2.3 standard deviations below average (1st percentile)"),
    # a new low: share 0 -> still the 1st percentile (the bottom hundredth), never "0th"
    (-2.05, 0.0, 8, "8-week flows 2.1 standard deviations below average (1st percentile)"),
    (2.25, 0.975, 8, "8-week flows 2.3 standard deviations above average (97th percentile)"),
], ids=["top", "bottom", "new low", "97th"])
def test_zscore_clause(z, percentile, weeks, text):
    assert S.zscore_clause(z, percentile, weeks) == text


def test_cycle_label_and_dating_clause():
    assert S.cycle_label(pd.Timestamp("2022-03-17"), pd.Timestamp("2023-07-27")) == "2022\u201323"
    assert S.cycle_label(pd.Timestamp("1999-06-30"), pd.Timestamp("2000-05-16")) == "1999\u20132000"
    assert S.cycle_label(pd.Timestamp("1983-03-31"), pd.Timestamp("1983-08-10")) == "1983"
    assert S.dating_clause("end", 14, pd.Timestamp("2024-09-27")) == (
        "quarterly assets dated at the quarter's end; at its start, as FRED labels them: "
        "14 months \u2192 Sep 2024")
    assert S.dating_clause("start", 17, pd.Timestamp("2024-12-27")) == (
        "quarterly assets dated at the quarter's start; at its end, which the level measures: "
        "17 months \u2192 Dec 2024")


@pytest.mark.parametrize("kwargs, tail", [
    ({"assets_end": "Q4 2020"}, "; no asset data yet to compare: MMF assets end Q4 2020"),
    ({"realised": (pd.Timestamp("2024-06-30"), 0.2649)},
     "; observed: asset growth peaked in Jun 2024 (+26% YoY)"),
], ids=["no data yet", "observed"])
def test_a_cycle_whose_easing_has_begun_is_not_current(kwargs, tail):
    """Issue 19: the cycle that ended with a cut is named as over, its last hike is a fact (no
    "assuming"), and the projection is set against what happened."""
    text = S.projection_sentence(
        17, pd.Timestamp("2024-12-27"), last_hike=pd.Timestamp("2023-07-27"),
        first_hike=pd.Timestamp("2022-03-17"), first_cut=pd.Timestamp("2024-09-19"), past=True,
        **kwargs)
    assert text == ("the 2022\u201323 hiking cycle ended with a cut on 19 Sep 2024 (last hike "
                    "27 Jul 2023); inflows peaked 17 months after the last hike on average "
                    "\u2192 peak projected Dec 2024" + tail)
    assert "current" not in text and "assuming" not in text and "still open" not in text
