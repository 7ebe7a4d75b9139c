"""Escaping, both ways: XML text and attributes, and Excel's ``_xHHHH_`` escape of cell text."""

from __future__ import annotations

import re

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LITERAL_ESCAPE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile("_x([0-9A-Fa-f]{4})_")


def xml_text(text: str) -> str:
    """Element content: ``&``, ``<`` and ``>`` escaped, and CR as a character reference (a
    parser reads a raw CR, or CR LF, as LF)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def xml_attr(text: str) -> str:
    """A double-quoted attribute value: as :func:`xml_text`, ``"`` escaped, and TAB and LF as
    character references too (attribute-value normalisation would turn them into spaces)."""
    return xml_text(text).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")


def excel_encode(text: str) -> str:
    """Excel's escape of cell text before XML escaping: characters XML 1.0 cannot hold become
    ``_xHHHH_``; a literal ``_xHHHH_`` already in the text becomes ``_x005F_xHHHH_``."""
    text = _LITERAL_ESCAPE.sub("_x005F_", text)
    return _XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def excel_decode(text: str) -> str:
    """The inverse of :func:`excel_encode`, as Excel reads: each ``_xHHHH_``, left to right."""
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
