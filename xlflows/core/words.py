"""Words around numbers in sentences: the one a/an rule of the project."""

from __future__ import annotations

__all__ = ["article"]

#: Leading groups (of up to three digits) that are spoken with a vowel sound besides 8…:
#: "eleven", "eighteen" (as in "an 11th", "an 18,000").
_VOWEL_GROUPS = ("11", "18")


def article(n: int) -> str:
    """``"a"`` or ``"an"`` before the number ``n`` (or its ordinal) read aloud in English.

    The leading group of three digits decides, since it is spoken first: a group starting with
    8 reads "eight…" (8, 80–89, 800–899; 8,000; 85,000), and the groups 11 and 18 read "eleven"
    and "eighteen" (11, 18, 11,000, 18,000,000); every other number starts with a consonant
    sound ("a 1st", "a 110,000", "a 1,800").

    Parameters
    ----------
    n : int
        The number (its sign is ignored).

    Returns
    -------
    str
        ``"an"`` or ``"a"``.

    Examples
    --------
    >>> article(8), article(11), article(11_000), article(110), article(3)
    ('an', 'an', 'an', 'a', 'a')
    """
    digits = str(abs(int(n)))
    lead = digits[: (len(digits) - 1) % 3 + 1]
    return "an" if lead.startswith("8") or lead in _VOWEL_GROUPS else "a"
