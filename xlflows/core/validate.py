"""Argument checks of the core, in one vocabulary: one behaviour and one wording everywhere.

Each public core function opens with one named check per argument (``weeks =
whole_number(weeks, "weeks", minimum=1)``), so every message names the argument, says what was
found and what was expected, in the same words whichever function refuses it::

    weeks: 8.5, expected a whole number of at least 1
    weeks: text 'eight', expected a whole number of at least 1
    weeks: 1e999 is too large, expected a whole number of at least 1
    Report!B7 (previous cycles): 0, expected a whole number from 1 to 20
    kind: text 'levels', expected "level" or "change"

``name`` is the label used in the message: an argument name, or any place such as
``Report!B7 (previous cycles)``.

The one rule for numbers: ints, floats and numpy numbers are numbers; so is text that is a plain
number after stripping spaces (``"3"``, ``" -4 "``, ``"1e3"``, a leading U+2212 minus), as Excel
cells and command-line arguments hand them over; booleans, blanks and other text are refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from numbers import Integral, Real

import numpy as np
import pandas as pd

from xlflows.errors import InputError

__all__ = [
    "MAX_WHOLE",
    "choice",
    "expected_whole",
    "levels",
    "number",
    "numbers",
    "or_list",
    "show_number",
    "timestamp",
    "whole_number",
]

#: Largest whole number an argument may hold without an explicit maximum: 2**53, beyond which
#: floats no longer hold every whole number (counts of weeks or hikes never get near it).
MAX_WHOLE = 2 ** 53

#: Text read as a number: optional sign (``+``, ``-``, U+2212), digits with an optional decimal
#: point, an optional exponent. No thousands separators (ambiguous between locales).
NUMBER_TEXT = re.compile(r"^[+\-\u2212]?(?:\d+\.?\d*|\.\d+)(?:[eE][+\-]?\d+)?$")


def show_number(x: float) -> str:
    """A number as a message shows it: ``8``, ``8.5``, ``1e+300``; 15 significant digits at most."""
    if math.isnan(x):
        return "NaN (not a number)"
    if math.isinf(x):
        return "an infinite number"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.15g}"


def _shortened(text: str) -> str:
    """At most 40 characters of a text, for a message."""
    return text if len(text) <= 40 else text[:37] + "..."


def _text_shown(text: str) -> str:
    return f"text {_shortened(text)!r}"


def _read(value: object) -> tuple[float | None, str]:
    """``value`` as a float (None when it is not a number) and how a message names it."""
    if isinstance(value, (bool, np.bool_)):
        return None, "TRUE" if value else "FALSE"
    if isinstance(value, Real):
        x = float(value)
        return x, "blank" if math.isnan(x) else show_number(x)    # NaN: pandas' missing value
    if value is None or value is pd.NaT:
        return None, "blank"
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None, "blank"
        if NUMBER_TEXT.match(text):
            return float(text.replace("\u2212", "-")), _shortened(text)
        return None, _text_shown(text)
    return None, "a value that is not a number, text or date"


def expected_whole(minimum: int, maximum: int | None = None) -> str:
    """``a whole number of at least 1`` or ``a whole number from 1 to 20``."""
    if maximum is None:
        return f"a whole number of at least {minimum}"
    return f"a whole number from {minimum} to {maximum}"


def whole_number(value: object, name: str, *, minimum: int, maximum: int | None = None) -> int:
    """``value`` as an int in ``[minimum, maximum]``; ``8``, ``8.0`` and the text ``"8"`` pass.

    Parameters
    ----------
    value
        An int, a float that is whole (Excel passes every number as a float), a numpy number,
        or text that is a plain number.
    name : str
        Label used in messages: an argument name (``weeks``) or a place
        (``Report!B7 (previous cycles)``).
    minimum, maximum : int
        Inclusive bounds; without ``maximum`` the ceiling is :data:`MAX_WHOLE`.

    Raises
    ------
    InputError
        ``weeks: 8.5, expected a whole number of at least 1``; a value above the ceiling (also
        text such as ``1e999`` that overflows) ``… is too large, expected …``.
    """
    x: float | None
    if isinstance(value, Integral) and not isinstance(value, (bool, np.bool_)):
        number = int(value)                                     # fast path: already whole
        if minimum <= number <= (MAX_WHOLE if maximum is None else maximum):
            return number
        x, shown = _whole_int(number)
    else:
        x, shown = _read(value)
    expected = expected_whole(minimum, maximum)
    if x is None or math.isnan(x):
        raise InputError(f"{name}: {shown}, expected {expected}")
    if maximum is None and x > MAX_WHOLE:
        raise InputError(f"{name}: {shown} is too large, expected {expected}")
    if not minimum <= x <= (MAX_WHOLE if maximum is None else maximum) or x != int(x):
        raise InputError(f"{name}: {shown}, expected {expected}")
    return int(x)


def _whole_int(number: int) -> tuple[float, str]:
    """An int outside the bounds as a float (±inf beyond 2**53, so it reads "too large")."""
    if abs(number) <= MAX_WHOLE:
        return float(number), str(number)
    return math.copysign(math.inf, number), _shortened(str(number))


def _problem(x: float | None, shown: str | None, minimum: float | None) -> str | None:
    """What is wrong with a number read by :func:`_read` (``None`` when nothing is)."""
    if x is None or math.isnan(x):
        return str(shown)
    if math.isinf(x):
        return str(shown) if shown == "an infinite number" else f"{shown} is too large"
    if minimum is not None and x < minimum:
        return show_number(x) if shown is None else shown
    return None


def _expected_number(expected: str, minimum: float | None) -> str:
    return expected if minimum is None else f"{expected} of at least {show_number(minimum)}"


def number(value: object, name: str, *, minimum: float | None = None,
           expected: str = "a number") -> float:
    """``value`` as a finite float (``minimum`` inclusive); number text is read as a number.

    Raises
    ------
    InputError
        ``current: text 'abc', expected a number``; ``min_rise_bp: -5, expected a number of at
        least 0``; text that overflows (``1e999``): ``… is too large, expected a number``.
    """
    x: float | None
    if isinstance(value, float) and math.isfinite(value):
        x, shown = value, None                                 # fast path: a plain float
    else:
        x, shown = _read(value)
    problem = _problem(x, shown, minimum)
    if problem is None and x is not None:
        return x
    raise InputError(f"{name}: {problem}, expected {_expected_number(expected, minimum)}")


def numbers(values: object, name: str, *, expected: str = "a number") -> np.ndarray:
    """A number or a sequence of numbers as a float array (at least one), each as :func:`number`.

    A bad item of a sequence of more than one is named by its 1-based position:
    ``months: value 2 is blank, expected a number of months``.
    """
    if type(values) is np.ndarray and values.dtype == np.float64 and values.ndim == 1 \
            and values.size and np.isfinite(values).all():
        return values                                    # what the Excel layer hands over
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        items = [values]
    else:
        items = list(values.tolist() if hasattr(values, "tolist") else values)
    if items and set(map(type, items)) <= {float, int}:
        try:
            out = np.array(items, dtype=float)           # fast path: plain numbers
        except OverflowError:                             # an int beyond any float
            out = None
        if out is not None and np.isfinite(out).all():
            return out
    if not items:
        raise InputError(f"{name}: no values, expected at least one {expected.removeprefix('a ')}")
    if len(items) == 1:
        return np.array([number(items[0], name, expected=expected)])
    out = np.empty(len(items), dtype=float)
    for i, item in enumerate(items):
        x, shown = _read(item)
        problem = _problem(x, shown, None)
        if problem is not None:
            problem = problem.replace(" is too large", ", too large")    # one "is" a sentence
            raise InputError(f"{name}: value {i + 1} is {problem}, expected {expected}")
        out[i] = x
    return out


def or_list(allowed: Sequence[str]) -> str:
    """``"mean" or "z"``; ``"a", "b" or "c"``."""
    quoted = [f'"{a}"' for a in allowed]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def choice(value: object, name: str, allowed: Sequence[str]) -> str:
    """One of ``allowed``, matched ignoring case and surrounding spaces; returned as declared.

    Raises
    ------
    InputError
        ``method: text 'median', expected "mean" or "z"``.
    """
    if isinstance(value, str):
        key = value.strip().lower()
        for option in allowed:
            if option.lower() == key:
                return option
    _, shown = _read(value)
    if isinstance(value, Real) and not isinstance(value, (bool, np.bool_)):
        shown = f"the number {shown}"
    elif isinstance(value, str) and value.strip():
        shown = _text_shown(value.strip())
    raise InputError(f"{name}: {shown}, expected {or_list(allowed)}")


def timestamp(value: object, name: str) -> pd.Timestamp:
    """``value`` as a date (a Timestamp at midnight); a number is refused.

    A number is not read as a date here: pandas would take it as nanoseconds after 1970, not as
    an Excel serial (serials are converted at the edge, :mod:`xlflows.excel.dates`).

    Raises
    ------
    InputError
        ``last_hike: text 'soon', expected a date``; ``last_hike: the number 45000, expected a
        date``; ``last_hike: blank, expected a date``.
    """
    if (isinstance(value, Real) and not isinstance(value, (bool, np.bool_))
            and not (isinstance(value, float) and math.isnan(value))):
        raise InputError(f"{name}: the number {show_number(float(value))}, expected a date")
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]  # pandas refuses what it cannot read
    except (TypeError, ValueError, OverflowError):
        _, shown = _read(value)
        raise InputError(f"{name}: {shown}, expected a date") from None
    if pd.isna(stamp):
        raise InputError(f"{name}: blank, expected a date")
    return stamp.normalize()


def date_values(index: pd.Index) -> np.ndarray:
    """The dates of an index of dates as a ``datetime64`` array, without a copy (do not write
    into it).

    ``to_numpy()`` copies (about 18 µs on 30 years of weeks, as much as the calculation that
    follows); a time-zone-aware index keeps ``to_numpy()``'s answer.
    """
    return np.asarray(index) if getattr(index, "tz", None) is None else index.to_numpy()


def strictly_increasing(index: pd.DatetimeIndex) -> bool:
    """True when the dates are sorted oldest first, without repeats and without a blank (NaT).

    pandas' own flags, asked in this order: ``is_monotonic_increasing`` is one pass over the
    dates (NaT makes it False) that also records whether they rose strictly, so
    ``is_unique`` then costs nothing (asked first it builds a hash table of the whole index).
    Both are cached on the index: a second call on the same series (a script calling several
    core functions) does not pass over its dates again; a UDF's index is new each call and pays
    the one pass (about 0.8 ms a million dates).
    """
    return bool(index.is_monotonic_increasing and index.is_unique)


def levels(series: pd.Series, name: str) -> pd.Series:
    """A float Series on a sorted, unique DatetimeIndex with no NaN (a rate, fund assets).

    The Excel layer hands the core clean series; this guards direct callers (the report,
    scripts) against a silently wrong number.

    Raises
    ------
    InputError
        ``assets: the value on 2020-03-31 is blank, expected a number``; a repeated or unsorted
        date.
    """
    if not isinstance(series, pd.Series) or not isinstance(series.index, pd.DatetimeIndex):
        raise InputError(f"{name}: expected a series of values indexed by date")
    if series.dtype == np.float64 and np.isfinite(series.to_numpy()).all() \
            and strictly_increasing(series.index):
        return series                                       # what the Excel layer hands over
    values = pd.to_numeric(series, errors="coerce").astype(float)
    bad = np.flatnonzero(~np.isfinite(values.to_numpy()))
    if bad.size:
        row = int(bad[0])
        raw = series.iloc[row]
        _, shown = _read(raw) if not pd.isna(raw) else (None, "blank")
        raise InputError(f"{name}: the value on {_day(series.index[row])} is {shown}, expected "
                         "a number")
    if not series.index.is_unique:
        dup = series.index[series.index.duplicated()][0]
        raise InputError(f"{name}: {_day(dup)} appears more than once, expected one value per "
                         "date")
    if not series.index.is_monotonic_increasing:
        raise InputError(f"{name}: dates are not sorted, expected oldest first")
    return values


def _day(stamp: pd.Timestamp) -> str:
    return pd.Timestamp(stamp).strftime("%Y-%m-%d")
