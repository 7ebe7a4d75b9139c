"""Excel dates at the edge, in one place: what a cell can hold -> ``datetime64``, and back.

A date reaches Python in one of four shapes:

* ``datetime.datetime`` / ``datetime.date`` / :class:`pandas.Timestamp` — classic xlwings (COM)
  and openpyxl;
* an Excel serial number (days since 1899-12-30 in the 1900 date system) — xlwings Lite and any
  date cell read as a plain number;
* ISO text ``"2024-03-01"`` (optionally with a time, ``"2024-03-01 17:00"`` or ``T``);
* a blank (``None``, ``""``, whitespace, ``NaT``).

Serials below :data:`FIRST_SERIAL` (61 = 1900-03-01) are refused: Excel counts a 29 February 1900
that never existed (serial 60), so serials 1–60 name a different day in Excel than in any correct
calendar. The time of day is dropped everywhere (a flow "week ending" is a day).

Everything here works on whole arrays (one classification pass, then numpy per kind) and returns
``datetime64[us]`` — pandas 3's default resolution, which pandas 2.2 also keeps as given.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from xlflows.errors import InputError

#: Day 0 of the 1900 date system as Excel computes it for serials >= 61.
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
#: :data:`EXCEL_EPOCH` as days since 1970-01-01 (``datetime64[D]``'s integer view).
_EPOCH_DAY = int(EXCEL_EPOCH.astype(np.int64))
#: Smallest serial accepted (1900-03-01); 60 is Excel's phantom 1900-02-29.
FIRST_SERIAL = 61
#: Largest serial Excel shows as a date (9999-12-31).
LAST_SERIAL = 2958465
#: The first day accepted in every form (serial, datetime, ISO text): serial 61.
FIRST_DAY = EXCEL_EPOCH + np.timedelta64(FIRST_SERIAL, "D")
#: Why a day before :data:`FIRST_DAY` is refused, the same words for every form.
BEFORE_FIRST_DAY = ("expected a date on or after 1900-03-01 (serial 61; Excel's serials below 61 "
                    "count a 29 Feb 1900 that never existed)")

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")

Locate = Callable[[int], str]


def default_locate(i: int) -> str:
    """Name the ``i``-th element (0-based) of a UDF argument: ``"row {i+1}"``."""
    return f"row {i + 1}"


def serials_to_days(serials: np.ndarray) -> np.ndarray:
    """Excel serials (checked to be >= 61 already) -> ``datetime64[D]``, time of day dropped."""
    return (np.floor(serials).astype(np.int64) + _EPOCH_DAY).view("datetime64[D]")


def datetimes_to_days(values: list) -> np.ndarray:
    """``datetime``/``date``/``Timestamp``/``datetime64`` objects -> ``datetime64[D]``.

    The time of day and any time zone are dropped: the wall-clock date is kept (Excel has no time
    zones). ``date.toordinal`` (which ``datetime`` and ``Timestamp`` inherit) gives the day
    directly, about 25 times faster than numpy's per-object datetime conversion.
    """
    try:
        ordinals = np.fromiter(map(dt.date.toordinal, values), dtype=np.int64, count=len(values))
    except TypeError:                       # np.datetime64 has no toordinal: the slow path
        return np.array([np.datetime64(pd.Timestamp(v).tz_localize(None).date(), "D")
                         if getattr(pd.Timestamp(v), "tzinfo", None) is not None
                         else np.datetime64(pd.Timestamp(v).date(), "D") for v in values],
                        dtype="datetime64[D]")
    return (ordinals - _UNIX_ORDINAL).astype("datetime64[D]")


#: ``date(1970, 1, 1).toordinal()``: day 0 of ``datetime64``.
_UNIX_ORDINAL = dt.date(1970, 1, 1).toordinal()


def parse_iso(text: str) -> np.datetime64 | None:
    """ISO text (``YYYY-MM-DD``, optional time) -> ``datetime64[D]``, or ``None`` if not a date."""
    text = text.strip()
    if not _ISO.match(text):
        return None
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, OverflowError):
        return None
    try:
        return np.datetime64(stamp.normalize().date(), "D")
    except NotImplementedError:     # year 0: pandas holds it, Python's date cannot; numpy can
        return np.datetime64(text[:10], "D")


def parse_iso_many(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Many ISO texts -> (``datetime64[D]`` with NaT where not a date, mask of parsed ones).

    The usual case (every text a valid ``YYYY-MM-DD``, optional time) is parsed by numpy in one
    call; if any text is not, each is parsed on its own to tell which.
    """
    stripped = [t.strip() for t in texts]
    if all(map(_ISO.match, stripped)):
        try:
            days = np.array([t[:10] for t in stripped], dtype="datetime64[D]")
            return days, np.ones(len(days), dtype=bool)
        except ValueError:                  # e.g. 2024-02-30: find it below
            pass
    parsed = map(parse_iso, stripped)
    days = np.array([np.datetime64("NaT") if d is None else d for d in parsed],
                    dtype="datetime64[D]")
    return days, ~np.isnat(days)


def before_first_day(days: np.ndarray) -> np.ndarray:
    """Mask of days (``datetime64``) before 1900-03-01, the first day accepted in any form."""
    return ~np.isnat(days) & (days < FIRST_DAY)


def bad_serials(serials: np.ndarray) -> np.ndarray:
    """Mask of serials that name no date: below 61, after 9999-12-31, or not finite."""
    return ~np.isfinite(serials) | (serials < FIRST_SERIAL) | (serials >= LAST_SERIAL + 1)


def check_serials(serials: np.ndarray, rows: np.ndarray, name: str, locate: Locate) -> None:
    """Refuse serials Excel cannot mean unambiguously: below 61, beyond 9999-12-31, not finite."""
    bad = bad_serials(serials)
    if bad.any():
        k = int(np.argmax(bad))
        value = serials[k]
        shown = _number_text(value)
        if np.isfinite(value) and value < FIRST_SERIAL:
            why = BEFORE_FIRST_DAY
        else:
            why = "expected a date between 1900-03-01 and 9999-12-31"
        raise InputError(f"{name}: {locate(int(rows[k]))} is the number {shown}, {why}")


def _number_text(value: float) -> str:
    if not np.isfinite(value):
        return "NaN" if np.isnan(value) else "infinite"
    return f"{value:g}" if abs(value) < 1e15 else f"{value:.6g}"


def to_datetime(value: pd.Timestamp | np.datetime64 | None) -> dt.datetime | None:
    """A Timestamp/datetime64 (or NaT) -> naive ``datetime.datetime`` for writing, or None."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).to_pydatetime()


def days_to_datetimes(days: np.ndarray) -> list:
    """``datetime64`` array -> list of ``datetime.datetime`` (``None`` for NaT), vectorised."""
    return np.asarray(days).astype("datetime64[us]").astype(object).tolist()
