"""The one escaping module of the file engine, both ways: XML text and attributes, and Excel's
``_xHHHH_`` escape of characters XML cannot hold.

Writing a text value into a part is ``xml_text(excel_encode(value))`` (or ``xml_attr`` inside a
double-quoted attribute); reading one back is ``excel_decode`` of the text an XML parser
returns. Excel's escape (ST_Xstring) carries characters XML 1.0 cannot hold: a C0 control other
than TAB/LF/CR becomes ``_x0001_``, and an underscore that would otherwise start such an escape
becomes ``_x005F_`` so that it reads back as itself.
"""

from __future__ import annotations

import re

#: Characters XML 1.0 cannot hold (``Char`` production): C0 controls but TAB, LF, CR; lone
#: surrogates (a Python str may hold them); U+FFFE and U+FFFF.
_NOT_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
#: What ``excel_encode`` escapes: those characters, and an underscore that would read as the
#: start of an escape: one followed by ``x``, four hex digits and an underscore, or by a
#: character whose own escape starts with one (``"_x0041" + "\x01"`` must not read as ``"A"``).
_TO_ENCODE = re.compile(_NOT_XML + r"|_(?=x[0-9A-Fa-f]{4}(?:_|" + _NOT_XML + "))")
#: One escape as Excel reads it: four hex digits of either case.
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                       "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})


def xml_text(text: str) -> str:
    """``text`` as XML element content: ``&``, ``<`` and ``>`` escaped, and CR as ``&#13;``.

    A parser turns a literal CR (and CR LF) in content into LF; the reference keeps it. The
    text must hold XML characters only (apply :func:`excel_encode` first).
    """
    return text.translate(_TEXT)


def xml_attr(text: str) -> str:
    """``text`` inside a double-quoted attribute: ``& < > "`` escaped, TAB/LF/CR as references.

    Attribute-value normalisation would turn a literal TAB, LF or CR into a space; the
    character references survive it.
    """
    return text.translate(_ATTR)


def _encode_one(match: re.Match) -> str:
    return f"_x{ord(match.group(0)):04X}_"


def excel_encode(text: str) -> str:
    """Excel's ``_xHHHH_`` escape of ``text``, before any XML escaping.

    Every character XML 1.0 cannot hold becomes ``_xHHHH_`` (upper-case hex of its code point),
    and the underscore of a literal ``_xHHHH_`` already in the text becomes ``_x005F_``, so
    ``"_x0041_"`` is written ``"_x005F_x0041_"`` and reads back unchanged (not as ``"A"``); so
    does one before ``xHHHH`` and an escaped character.
    The result holds XML characters only.
    """
    return _TO_ENCODE.sub(_encode_one, text)


def _decode_one(match: re.Match) -> str:
    return chr(int(match.group(1), 16))


def excel_decode(text: str) -> str:
    """The inverse of :func:`excel_encode`, as Excel reads a text: each ``_xHHHH_`` (four hex
    digits, either case) becomes that character, scanning left to right without overlaps
    (``"_x005F_x0041_"`` -> ``"_x0041_"``).

    Code units are not paired: ``_xD83D__xDE00_`` gives two lone surrogates, as written.
    """
    if "_x" not in text:
        return text
    return _ESCAPE.sub(_decode_one, text)
