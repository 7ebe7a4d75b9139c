"""Flow-note sentences from computed values (SPEC §3).

Every writer takes plain numbers and :class:`pandas.Timestamp` values and returns text in the style
of a weekly flow note::

    Equity funds: +$25.3bn in the week to Dec 13, the biggest 8-week inflow since Mar 2022
    Money market funds: −$31.0bn, the first outflow in 8 weeks
    MMF assets +25% over the past year: not abnormally high vs the 33% average peak rise of the
    previous 4 cycles
    inflows peaked 14 months after the last hike on average → peak projected Sep 2024

Conventions: one minus sign, U+2212, for every negative number; amounts are rounded first (Excel's
``ROUND``, half away from zero) and the sign is chosen from the rounded value, so a tiny outflow
reads ``$0.0bn``, never ``−$0.0bn``; amounts are in $bn up to $999.9bn, then in $tn; months read
``Mar 2022``, weeks ``Dec 13``; counts take the right plural (``1 week``, ``2 weeks``).
"""

from __future__ import annotations

import math

import pandas as pd

from xlflows.core.calendar import excel_round
from xlflows.core.words import article

MINUS = "\u2212"
ARROW = "\u2192"

#: Amounts whose rounded absolute value reaches this many $bn are written in $tn.
TN_FROM_BN = 1000.0


# --------------------------------------------------------------------------- numbers and dates
def signed(text: str, sign: int) -> str:
    """Prefix ``text`` with ``+`` (sign > 0), U+2212 (sign < 0) or nothing (sign == 0)."""
    if sign > 0:
        return "+" + text
    if sign < 0:
        return MINUS + text
    return text


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def money(bn: float, *, plus: bool = True) -> str:
    """A flow or level in $bn as note text: ``+$25.3bn``, ``−$31.0bn``, ``$0.0bn``, ``+$1.25tn``.

    Parameters
    ----------
    bn : float
        Amount in billions of US dollars.
    plus : bool
        Write ``+`` before positive amounts (flows); ``False`` for levels (``$5.1tn``).

    Rounded to 0.1 $bn (half away from zero) first; when that reaches $1,000bn the amount is
    written in $tn with two decimals. The sign comes from the rounded value.
    """
    if not math.isfinite(bn):
        return "n/a"
    rounded = excel_round(abs(bn), 1)
    if rounded >= TN_FROM_BN:
        tn = excel_round(abs(bn) / 1000.0, 2)
        text = f"${tn:,.2f}tn"
    else:
        text = f"${rounded:.1f}bn"
    sign = 0 if rounded == 0 else _sign(bn)
    if sign > 0 and not plus:
        sign = 0
    return signed(text, sign)


def percent(fraction: float, *, plus: bool = True) -> str:
    """A growth rate as whole percent: ``+25%``, ``−4%``, ``0%`` (0.254 → ``+25%``)."""
    if not math.isfinite(fraction):
        return "n/a"
    rounded = excel_round(abs(fraction) * 100.0, 0)
    sign = 0 if rounded == 0 else _sign(fraction)
    if sign > 0 and not plus:
        sign = 0
    return signed(f"{rounded:.0f}%", sign)


def plural(n: int, word: str) -> str:
    """``1 week``, ``2 weeks``, ``0 weeks`` (adds an ``s``)."""
    return f"{n} {word}" if abs(n) == 1 else f"{n} {word}s"


def ordinal(n: int) -> str:
    """1st 2nd 3rd 4th … 11th 12th 13th … 21st 22nd 23rd … 101st 111th."""
    n = int(n)
    if n % 100 in (11, 12, 13):
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def month(date: pd.Timestamp) -> str:
    """``Mar 2022``."""
    return pd.Timestamp(date).strftime("%b %Y")


def day(date: pd.Timestamp) -> str:
    """``Dec 13`` (no leading zero: ``Dec 3``)."""
    d = pd.Timestamp(date)
    return f"{d.strftime('%b')} {d.day}"


def quarter(date: pd.Timestamp) -> str:
    """``Q4 2020``."""
    d = pd.Timestamp(date)
    return f"Q{(d.month - 1) // 3 + 1} {d.year}"


def direction_word(sign: int) -> str:
    """``inflow`` / ``outflow`` / ``flat`` for a sign."""
    return "inflow" if sign > 0 else "outflow" if sign < 0 else "flat"


def window_label(weeks: int) -> str:
    """``weekly`` for 1, else ``8-week``."""
    return "weekly" if weeks == 1 else f"{weeks}-week"


# --------------------------------------------------------------------------- clauses
def week_clause(latest: float, week: pd.Timestamp, stale: str = "") -> str:
    """``+$25.3bn in the week to Dec 13``; for data that end ``stale`` (``three months``) before
    the as-of date, the week with its year and how old it is: ``+$4.2bn in the week to 4 Mar
    2024 (latest data, one year before the as-of date)``."""
    if not stale:
        return f"{money(latest)} in the week to {day(week)}"
    d = pd.Timestamp(week)
    return (f"{money(latest)} in the week to {d.day} {d:%b %Y} (latest data, {stale} before the "
            "as-of date)")


def first_in_clause(latest: float, first_in: int | None, streak: int,
                    data_start: pd.Timestamp) -> str:
    """What the latest week's direction means against the past weeks.

    Parameters
    ----------
    latest : float
        The latest week's flow, $bn (its sign is the direction).
    first_in : int or None
        ``FLOW_FIRST_IN``: rows back to the previous week in the same direction; ``None`` when
        there is none ("first on record"); 0 when the latest week is flat.
    streak : int
        ``FLOW_STREAK``: +k / −k; used for the ordinal when ``first_in == 1``.
    data_start : Timestamp
        First week of the category's data, named when there is no earlier week.

    Returns
    -------
    str
        ``the first outflow in 8 weeks``; ``a 3rd straight week of outflows`` (first-in 1, the
        ordinal from the streak); ``the first outflow since the data began (Jan 2004)``;
        ``flat`` for a flat week.
    """
    sign = _sign(latest)
    if sign == 0 or first_in == 0:
        return "flat"
    word = direction_word(sign)
    if first_in is None:
        return f"the first {word} since the data began ({month(data_start)})"
    if first_in == 1:
        return f"{article(streak)} {ordinal(abs(streak))} straight week of {word}s"
    return f"the first {word} in {plural(int(first_in), 'week')}"


def largest_since_clause(total: float, direction: int, since: str | None, weeks: int,
                         data_start: pd.Timestamp) -> str:
    """How the latest N-week total ranks, worded from the total's sign.

    ``since`` is the "since" date as the note shows it (``Mar 2022``, or ``Nov 5`` when recent),
    None for a record. ``the biggest 8-week inflow since Mar 2022``; ``the biggest weekly outflow
    since Nov 5``; ``the biggest 8-week inflow since the data began (Jan 2004)`` (a record);
    ``8-week flows net flat`` when the total is exactly 0.
    """
    label = window_label(weeks)
    if direction == 0:
        return f"{label} flows net flat" if weeks > 1 else "flat"
    word = direction_word(direction)
    if since is None:
        return f"the biggest {label} {word} since the data began ({month(data_start)})"
    return f"the biggest {label} {word} since {since}"


def streak_clause(streak: int, previous_run: tuple[int, int] | None = None) -> str:
    """``a 3rd straight week of inflows``; for a run of 1 week, what it ended.

    ``previous_run`` is ``(sign, weeks)`` of the run before the latest one (``(−1, 4)`` = four
    weeks of outflows, ``(0, 2)`` = two flat weeks); ``None`` when the latest run is the first in
    the data.
    """
    if streak == 0:
        return "flat"
    word = direction_word(_sign(streak))
    if abs(streak) >= 2:
        return f"{article(streak)} {ordinal(abs(streak))} straight week of {word}s"
    if previous_run is None:
        return f"an {word}, the first week of data"
    sign, weeks = previous_run
    if sign == 0:
        return f"an {word} after a flat week" if weeks == 1 else \
            f"an {word} after {weeks} flat weeks"
    return f"an {word} after {plural(weeks, 'week')} of {direction_word(sign)}s"


# --------------------------------------------------------------------------- sentences
def fund_label(category: str) -> str:
    """``Equity`` → ``Equity funds``; a name already ending in ``funds`` is kept."""
    name = str(category).strip()
    return name if name.lower().endswith("funds") else f"{name} funds"


def join(subject: str, *parts: str) -> str:
    """``Subject: part1, part2``."""
    return f"{subject}: " + ", ".join(p for p in parts if p)


_SMALL = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _count_words(n: int, unit: str) -> str:
    """``five years``, ``1 month`` → ``one month``; numbers above ten as digits."""
    word = _SMALL[n] if 0 <= n < len(_SMALL) else str(n)
    return f"{word} {unit}" if n == 1 else f"{word} {unit}s"


def duration(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """How long from ``start`` to ``end`` in words: whole years from two years on (rounded),
    otherwise months: ``five years``, ``seven months``."""
    months = (pd.Timestamp(end).year - pd.Timestamp(start).year) * 12 + (
        pd.Timestamp(end).month - pd.Timestamp(start).month)
    if months >= 24:
        return _count_words(int(excel_round(months / 12, 0)), "year")
    return _count_words(max(months, 1), "month")


def mmf_growth_sentence(growth: float, verdict: str, mean_peak: float, cycles: int,
                        latest_label: str | None = None, stale: str = "",
                        as_of_month: str | None = None) -> str:
    """``MMF assets +25% over the past year: not abnormally high vs the 33% average peak rise of
    the previous 4 cycles``.

    Parameters
    ----------
    growth : float
        Year-over-year growth of money-fund assets as a fraction (0.25 = 25%).
    verdict : str
        ``abnormally high`` / ``not abnormally high`` (``ABNORMALITY`` with method ``mean``).
    mean_peak : float
        Average peak YoY growth of the previous cycles, a fraction.
    cycles : int
        How many previous cycles the average covers.
    latest_label : str, optional
        When the assets end before the as-of date, the period of the latest observation
        (``Q4 2020``): the sentence then reads ``in the year to Q4 2020 (latest data)``.
    stale : str, optional
        When they end well before it, how long before (``five years``). The verdict is then one
        on that old observation, and the sentence dates it and says there is none for the as-of
        month: ``MMF assets +19% in the year to Q4 2020 (latest data, five years before the as-of
        date): as of Q4 2020, not abnormally high vs …; no reading for Nov 2025``.
    as_of_month : str, optional
        The as-of month (``Nov 2025``), named when ``stale``.
    """
    if latest_label:
        lag = f", {stale} before the as-of date" if stale else ""
        period = f"in the year to {latest_label} (latest data{lag}):"
    else:
        period = "over the past year:"
    if cycles == 0 or not math.isfinite(mean_peak):
        return f"MMF assets {percent(growth)} {period} no previous cycle with asset data to compare"
    rise = "rise" if mean_peak >= 0 else "change"
    dated = f"as of {latest_label}, " if stale and latest_label else ""
    text = (f"MMF assets {percent(growth)} {period} {dated}{verdict} vs the "
            f"{percent(mean_peak, plus=False)} average peak {rise} of the previous "
            f"{plural(cycles, 'cycle')}")
    if stale and as_of_month:
        text += f"; no reading for {as_of_month}"
    return text


def dating_clause(dated_at: str, other_months: int, other_projected: pd.Timestamp) -> str:
    """Why the lag depends on how a quarterly series is dated: ``quarterly assets dated at the
    quarter's end; at its start, as FRED labels them: 14 months → Sep 2024``.

    ``dated_at`` is ``end`` or ``start`` (how the sheet dates them); the other months and
    projection are those the other dating gives.
    """
    other = "start, as FRED labels them" if dated_at == "end" else "end, which the level measures"
    return (f"quarterly assets dated at the quarter's {dated_at}; at its {other}: "
            f"{plural(other_months, 'month')} {ARROW} {month(other_projected)}")


def cycle_label(first_hike: pd.Timestamp, last_hike: pd.Timestamp) -> str:
    """``2022–23`` (en dash, the later year's last two digits), ``2015–18``, ``1994–95``;
    ``1983`` for a cycle within one year."""
    a, b = pd.Timestamp(first_hike).year, pd.Timestamp(last_hike).year
    if a == b:
        return str(a)
    tail = f"{b % 100:02d}" if a // 100 == b // 100 else str(b)
    return f"{a}\u2013{tail}"


def projection_sentence(average_months: int, projected: pd.Timestamp | None, *,
                        last_hike: pd.Timestamp | None = None, open_cycle: bool = False,
                        first_hike: pd.Timestamp | None = None,
                        first_cut: pd.Timestamp | None = None,
                        past: bool = False, realised: tuple[pd.Timestamp, float] | None = None,
                        assets_end: str | None = None,
                        rate_stale: tuple[str, str] | None = None,
                        dating: str | None = None) -> str:
    """``inflows peaked 14 months after the last hike on average → peak projected Sep 2024``,
    with the projection's footing.

    ``average_months`` is ``ROUND(AVERAGE(months), 0)``; a negative average reads ``before``.
    ``dating`` (a :func:`dating_clause`) follows the projection in brackets.

    The latest cycle is either open or over:

    * ``open_cycle`` (no cut by the as-of date): the ``last_hike`` is an assumption, said so
      (``assuming the last hike was 27 Jul 2023 (the cycle is still open: …)``); a ``past``
      projected month is said to be past, with the ``realised`` peak (date, YoY growth) when the
      data cover it, or the end of the asset data (``assets_end``) when they do not;
    * ``first_cut`` given (the easing has begun): the sentence opens with the cycle
      (``the 2022–23 hiking cycle ended with a cut on 19 Sep 2024 (last hike 27 Jul 2023);``)
      and compares the projection with what happened: the observed peak
      (``realised``) when the asset data reach the projected month, else ``no asset data yet to
      compare: MMF assets end Q4 2020`` (``assets_end``);
    * neither (a caller that knows no more): ``assuming the last hike was …`` alone.

    ``rate_stale`` = (last date, how long before the as-of date) when the policy rate itself
    ends early.
    """
    if projected is None or pd.isna(projected):
        return "no previous cycle with asset data: no peak projection"
    if average_months >= 0:
        when = f"{plural(average_months, 'month')} after"
    else:
        when = f"{plural(-average_months, 'month')} before"
    head = ""
    if first_cut is not None and last_hike is not None:
        cut, hike = pd.Timestamp(first_cut), pd.Timestamp(last_hike)
        label = cycle_label(first_hike if first_hike is not None else hike, hike)
        head = (f"the {label} hiking cycle ended with a cut on {cut.day} {cut:%b %Y} "
                f"(last hike {hike.day} {hike:%b %Y}); ")
    text = (f"{head}inflows peaked {when} the last hike on average {ARROW} peak projected "
            f"{month(projected)}")
    if dating:
        text += f" ({dating})"
    if last_hike is not None and first_cut is None:
        d = pd.Timestamp(last_hike)
        text += f", assuming the last hike was {d.day} {d:%b %Y}"
        if open_cycle:
            text += " (the cycle is still open: no cut yet, so a later hike would move the peak)"
    if rate_stale is not None:
        text += f"; policy rate: latest data {rate_stale[0]}, {rate_stale[1]} before the as-of date"
    if first_cut is not None:
        if realised is not None:
            at, growth = realised
            text += f"; observed: asset growth peaked in {month(at)} ({percent(growth)} YoY)"
        elif assets_end:
            text += f"; no asset data yet to compare: MMF assets end {assets_end}"
    elif past:
        text += "; that month is already past"
        if realised is not None:
            at, growth = realised
            text += f": asset growth actually peaked in {month(at)} ({percent(growth)} YoY)"
        elif assets_end:
            text += f" and the asset data (to {assets_end}) do not cover it"
    return text


# --------------------------------------------------------------------------- the grammar's clauses
def rank_clause(rank: int, direction: int, weeks: int, scope: str, *,
                window: bool = True) -> str:
    """Where a window stands in a ranking (``FLOW_RANK``).

    Parameters
    ----------
    rank : int
        1 = the biggest; 2 and on read ``2nd largest``.
    direction : int
        +1 inflow, −1 outflow.
    weeks : int
        Window length (``weekly`` for 1, else ``8-week``).
    scope : str
        ``on record`` or ``this year``.
    window : bool
        Name the window and direction (``the 4th largest 8-week inflow on record``); False when
        the clause follows a look-back clause that already named them (``the 4th largest on
        record``).
    """
    size = "biggest" if rank == 1 else f"{ordinal(rank)} largest"
    what = f" {window_label(weeks)} {direction_word(direction)}" if window else ""
    return f"the {size}{what} {scope}"


def streak_record_clause(direction: int, since: str | None) -> str:
    """``the longest inflow streak on record``, ``the longest outflow streak since Q4 2008``."""
    tail = "on record" if since is None else f"since {since}"
    return f"the longest {direction_word(direction)} streak {tail}"


def breadth_clause(count: int, weeks: int, direction: int) -> str:
    """``inflows in 25 of the past 27 weeks`` (``FLOW_COUNT``)."""
    return f"{direction_word(direction)}s in {count} of the past {weeks} weeks"


def window_total_clause(total: float, weeks: int) -> str:
    """``+$86.9bn over 8 weeks``."""
    return f"{money(total)} over {plural(weeks, 'week')}"


def year_to_date_clause(to_date: float, last_year: float, year: int | None = None) -> str:
    """``+$57.4bn this year (+$30.5bn at this point last year)``; the comparison is left out when
    last year is not known (NaN). ``year`` names a year that is not the as-of date's (data that
    end early): ``+$57.4bn in 2024 (+$30.5bn at this point in 2023)``."""
    if year is None:
        text, before = f"{money(to_date)} this year", "last year"
    else:
        text, before = f"{money(to_date)} in {year}", f"in {year - 1}"
    if math.isfinite(last_year):
        text += f" ({money(last_year)} at this point {before})"
    return text


def last_year_clause(total: float, year: int) -> str:
    """``+$612.0bn in 2024``: a whole calendar year's flows."""
    return f"{money(total)} in {year}"


def pace_clause(rank: int, direction: int) -> str:
    """``on pace for the largest annual inflow on record``, ``… for the 3rd largest …``."""
    size = "largest" if rank == 1 else f"{ordinal(rank)} largest"
    return f"on pace for the {size} annual {direction_word(direction)} on record"


def zscore_clause(z: float, percentile: float, weeks: int) -> str:
    """``weekly flows 4.0 standard deviations above average (99th percentile)``.

    The percentile is ``floor(100 × share of earlier windows ≤ the latest)`` kept within 1st–99th
    (the 99th percentile is the top hundredth, the 1st the bottom one); the z-score's size is
    rounded to 0.1 (half away from zero).
    """
    place = min(99, max(1, math.floor(percentile * 100.0 + 1e-9)))
    side = "above" if z > 0 else "below"
    return (f"{window_label(weeks)} flows {excel_round(abs(z), 1):.1f} standard deviations "
            f"{side} average ({ordinal(place)} percentile)")
