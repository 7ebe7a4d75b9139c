"""A1 cell references and Excel's grid (A1:XFD1048576): the one place that spells them.

A leaf module (no imports from the project): the report, the file engine and the Lite code use it.
"""

from __future__ import annotations

import functools
import re

#: Excel's grid: the last row and column (XFD).
MAX_ROW = 1_048_576
MAX_COL = 16_384

_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")


@functools.lru_cache(maxsize=4096)
def column_index(letters: str) -> int:
    """``"B"`` → 2."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index


@functools.lru_cache(maxsize=4096)
def column_letters(index: int) -> str:
    """2 → ``"B"``."""
    letters, n = "", index
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """``(7, 2)`` → ``"B7"``."""
    return f"{column_letters(col)}{row}"


_LOOSE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")


def split_cell(ref: str) -> tuple[int, int]:
    """``"B7"`` → ``(7, 2)`` (``$`` and lower case allowed, the grid unchecked).

    Raises
    ------
    ValueError
        Not one A1 cell reference, or row 0.
    """
    m = _LOOSE.fullmatch(ref)
    if m is None or int(m.group(2)) == 0:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), column_index(m.group(1).upper())


def split_ref(ref: str) -> tuple[int, int] | None:
    """``"B7"`` (``$`` allowed) → ``(7, 2)``; None when it is not A1 syntax (the grid unchecked)."""
    m = _REF.fullmatch(ref)
    return None if m is None else (int(m.group(2)), column_index(m.group(1)))


def parse_ref(ref: str) -> tuple[int, int] | None:
    """``"B7"`` → ``(7, 2)``; None for anything that is not one cell inside Excel's grid."""
    where = split_ref(ref)
    if where is None or not (1 <= where[0] <= MAX_ROW and 1 <= where[1] <= MAX_COL):
        return None
    return where


def parse_area(ref: str) -> tuple[int, int, int, int] | None:
    """``"B3:D9"`` (or one cell) → (top, left, bottom, right); None when not inside the grid."""
    first, _, last = ref.partition(":")
    a, b = parse_ref(first), parse_ref(last or first)
    if a is None or b is None:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])
