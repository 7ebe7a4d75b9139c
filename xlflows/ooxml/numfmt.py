"""Number formats: Excel's built-in format ids, and which format codes show a date or time.

Facts from ECMA-376 Part 1, 18.8.30 (numFmt): ids 0–49 are built in; the codes of 5–8 and
41–44 (currency, accounting) and of 27–36 and 50–81 (East Asian dates) depend on the locale, so
only their date-ness is known here.
"""

from __future__ import annotations

import re

#: Built-in format id -> its code, where the code does not depend on the locale.
BUILTIN = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
    9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
    14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
    37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)", 45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0",
    48: "##0.0E+0", 49: "@",
}
#: Code -> built-in id (for reusing a built-in format instead of adding a custom one).
BUILTIN_IDS = {code: number for number, code in BUILTIN.items()}
#: Built-in ids whose format shows a date or a time (locale-dependent ones included).
DATE_IDS = frozenset([*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)])
#: The first id a custom format may take.
FIRST_CUSTOM_ID = 164

#: Quoted text, and the character after a backslash (literal), ``_`` (its width) or ``*`` (fill).
_QUOTED = re.compile(r'"[^"]*"|[\\_*].')
_BRACKETS = re.compile(r"\[(?!h\]|hh\]|m\]|mm\]|s\]|ss\])[^\]]*\]", re.IGNORECASE)
_DATE_PART = re.compile(r"[dmyhs]", re.IGNORECASE)


def is_date_code(code: str) -> bool:
    """Whether a number format code shows a date or a time (``d mmm yyyy``, ``[h]:mm``, …).

    Quoted text, the character after a backslash, ``_`` or ``*`` (a literal, a width, a fill)
    and bracketed colours or conditions do not count; ``General`` and ``@`` show no date.
    """
    if not code or code.strip().lower() in ("general", "@"):
        return False
    stripped = _BRACKETS.sub("", _QUOTED.sub("", code))
    return _DATE_PART.search(stripped) is not None


def is_date_format(number_format_id: int, code: str | None) -> bool:
    """Whether format ``number_format_id`` (with its custom ``code``, if any) shows a date."""
    if code is not None:
        return is_date_code(code)
    return number_format_id in DATE_IDS
