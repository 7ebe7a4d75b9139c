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
def week_clause(latest: float, week: pd.Timestamp) -> str:
    """``+$25.3bn in the week to Dec 13``."""
    return f"{money(latest)} in the week to {day(week)}"


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
                        latest_label: str | None = None, stale: str = "") -> str:
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
        (``Q4 2020``): the sentence then reads ``in the year to Q4 2020``.
    stale : str, optional
        When they end well before it, the flag (``latest data Q4 2020, five years before the
        as-of date``), said in the sentence; otherwise a latest label reads ``(latest data)``.
    """
    if latest_label:
        period = f"in the year to {latest_label}" + (f": {stale};" if stale else
                                                      " (latest data):")
    else:
        period = "over the past year:"
    if cycles == 0 or not math.isfinite(mean_peak):
        return f"MMF assets {percent(growth)} {period} no previous cycle with asset data to compare"
    rise = "rise" if mean_peak >= 0 else "change"
    return (f"MMF assets {percent(growth)} {period} {verdict} vs the "
            f"{percent(mean_peak, plus=False)} average peak {rise} of the previous "
            f"{plural(cycles, 'cycle')}")


def projection_sentence(average_months: int, projected: pd.Timestamp | None, *,
                        last_hike: pd.Timestamp | None = None, open_cycle: bool = False,
                        past: bool = False, realised: tuple[pd.Timestamp, float] | None = None,
                        assets_end: str | None = None,
                        rate_stale: tuple[str, str] | None = None) -> str:
    """``inflows peaked 14 months after the last hike on average → peak projected Sep 2024``,
    with the projection's footing.

    ``average_months`` is ``ROUND(AVERAGE(months), 0)``; a negative average reads ``before``.
    ``last_hike`` is stated as the assumption (``assuming the last hike was 27 Jul 2023``); an
    ``open_cycle`` (no cut by the as-of date) is said to be open; a ``past`` projected month is
    said to be past, with the ``realised`` peak (date, YoY growth) when the data cover it, or the
    end of the asset data (``assets_end``) when they do not; ``rate_stale`` = (last date, how long
    before the as-of date) when the policy rate itself ends early.
    """
    if projected is None or pd.isna(projected):
        return "no previous cycle with asset data: no peak projection"
    if average_months >= 0:
        when = f"{plural(average_months, 'month')} after"
    else:
        when = f"{plural(-average_months, 'month')} before"
    text = (f"inflows peaked {when} the last hike on average {ARROW} peak projected "
            f"{month(projected)}")
    if last_hike is not None:
        d = pd.Timestamp(last_hike)
        text += f", assuming the last hike was {d.day} {d:%b %Y}"
        if open_cycle:
            text += " (the cycle is still open: no cut yet, so a later hike would move the peak)"
    if rate_stale is not None:
        text += f"; policy rate: latest data {rate_stale[0]}, {rate_stale[1]} before the as-of date"
    if past:
        text += "; that month is already past"
        if realised is not None:
            at, growth = realised
            text += f": asset growth actually peaked in {month(at)} ({percent(growth)} YoY)"
        elif assets_end:
            text += f" and the asset data (to {assets_end}) do not cover it"
    return text
