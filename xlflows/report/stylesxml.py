"""``xl/styles.xml``: which cell styles show dates, and number formats added by appending only.

Every sheet's cells point into ``cellXfs`` by index (``s="3"``) and each ``xf`` into ``numFmts``
by id, so renumbering either (as openpyxl does on save) silently restyles the sheets that are
copied byte for byte. Here nothing is renumbered or removed: a number format the report needs is
found among the existing ones (built-in or custom) or appended with a new id, and a cell's new
style is a copy of its old ``xf`` with only ``numFmtId`` changed — fonts, fills, borders and
alignment the analyst set stay — appended to ``cellXfs`` unless an identical ``xf`` exists. A
second refresh therefore finds everything it needs and changes nothing.
"""

from __future__ import annotations

import html
import re

from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_REVERSE, is_date_format

from xlflows.errors import WorkbookError

_FIRST_CUSTOM_ID = 164
_NUM_FMT = re.compile(rb"<(?:[\w.\-]+:)?numFmt\b[^>]*?/?>")
_ATTR = re.compile(rb"""([\w:.\-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_XF = re.compile(rb"<(?:[\w.\-]+:)?xf\b[^>]*?(?:/>|>.*?</(?:[\w.\-]+:)?xf\s*>)", re.S)
_STYLE_SHEET = re.compile(rb"<((?:[\w.\-]+:)?)styleSheet\b[^>]*>")

EMPTY_STYLES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
                b'<fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
                b'<patternFill patternType="gray125"/></fill></fills>'
                b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
                b'</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
                b'borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" '
                b'fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>')


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _ATTR.finditer(tag)}


def _xml_attr(text: str) -> bytes:
    return html.escape(text, quote=True).replace("&#x27;", "&apos;").encode("utf-8")


def _set_attr(element: bytes, name: bytes, value: bytes) -> bytes:
    """``element`` with attribute ``name`` set in its start tag (replaced or added)."""
    end = element.find(b">")
    tag = element[:end + 1]
    pattern = re.compile(rb"(\s" + re.escape(name) + rb"""\s*=\s*)(?:"[^"]*"|'[^']*')""")
    if pattern.search(tag):
        tag = pattern.sub(lambda m: m.group(1) + b'"' + value + b'"', tag, count=1)
    else:
        at = end - 1 if tag.endswith(b"/>") else end
        tag = tag[:at] + b" " + name + b'="' + value + b'"' + tag[at:]
    return tag + element[end + 1:]


class Styles:
    """The workbook's ``styles.xml``, read once, appended to on demand.

    Parameters
    ----------
    data : bytes or None
        The part (None: the workbook has none; one is made when a format must be added).
    label : str
        The file name, for messages.
    """

    def __init__(self, data: bytes | None, label: str = "the workbook"):
        self.original = data
        self.data = data if data is not None else EMPTY_STYLES
        self.label = label
        self.changed = False
        self._parse()

    def _parse(self) -> None:
        data = self.data
        self.prefix = b""
        sheet = _STYLE_SHEET.search(data)
        if sheet is None:
            raise WorkbookError(f"{self.label}: xl/styles.xml has no styleSheet; the file is "
                                "damaged")
        self.prefix = sheet.group(1)
        self.formats: dict[int, str] = {}
        block = self._block(b"numFmts")
        if block is not None:
            for m in _NUM_FMT.finditer(data, block[0], block[1]):
                attrs = _attrs(m.group(0))
                try:
                    self.formats[int(attrs.get(b"numFmtId", b""))] = html.unescape(
                        attrs.get(b"formatCode", b"").decode("utf-8"))
                except ValueError:
                    continue
        block = self._block(b"cellXfs")
        self.xfs: list[bytes] = []
        if block is not None:
            self.xfs = [m.group(0) for m in _XF.finditer(data, block[0], block[1])]
        if not self.xfs:
            self.xfs = []

    def _block(self, name: bytes) -> tuple[int, int] | None:
        """(start of content, end of content) of ``<name …>…</name>``, or None."""
        start = re.compile(rb"<(?:[\w.\-]+:)?" + name + rb"\b[^>]*?(/?)>").search(self.data)
        if start is None or start.group(1):
            return None
        end = re.compile(rb"</(?:[\w.\-]+:)?" + name + rb"\s*>").search(self.data, start.end())
        if end is None:
            return None
        return start.end(), end.start()

    # ------------------------------------------------------------------ reading
    def format_id(self, style: int) -> int:
        """The ``numFmtId`` of cell style ``style`` (0 for an unknown index)."""
        if not 0 <= style < len(self.xfs):
            return 0
        value = _attrs(self.xfs[style][:self.xfs[style].find(b">") + 1]).get(b"numFmtId", b"0")
        try:
            return int(value)
        except ValueError:
            return 0

    def format_code(self, style: int) -> str:
        """The number format code of cell style ``style``."""
        fmt = self.format_id(style)
        if fmt in self.formats:
            return self.formats[fmt]
        return BUILTIN_FORMATS.get(fmt, "General")

    def date_styles(self) -> frozenset[int]:
        """Indexes of the cell styles whose number format shows a date or time."""
        return frozenset(i for i in range(len(self.xfs)) if is_date_format(self.format_code(i)))

    # ------------------------------------------------------------------ appending
    def _format_id_for(self, code: str) -> int:
        for fmt, existing in self.formats.items():
            if existing == code:
                return fmt
        if code in BUILTIN_FORMATS_REVERSE:
            return BUILTIN_FORMATS_REVERSE[code]
        new = max([_FIRST_CUSTOM_ID - 1, *self.formats]) + 1
        element = (b"<" + self.prefix + b'numFmt numFmtId="' + str(new).encode()
                   + b'" formatCode="' + _xml_attr(code) + b'"/>')
        block = self._block(b"numFmts")
        if block is None:
            empty = re.compile(rb"<(?:[\w.\-]+:)?numFmts\b[^>]*?/>").search(self.data)
            opening = b"<" + self.prefix + b'numFmts count="1">'
            insert = opening + element + b"</" + self.prefix + b"numFmts>"
            if empty is not None:
                self.data = self.data[:empty.start()] + insert + self.data[empty.end():]
            else:
                at = _STYLE_SHEET.search(self.data).end()
                self.data = self.data[:at] + insert + self.data[at:]
        else:
            self.data = self.data[:block[1]] + element + self.data[block[1]:]
            self.data = self._recount(b"numFmts", len(self.formats) + 1)
        self.formats[new] = code
        self.changed = True
        return new

    def _recount(self, name: bytes, count: int) -> bytes:
        start = re.compile(rb"<(?:[\w.\-]+:)?" + name + rb"\b[^>]*?>").search(self.data)
        tag = self.data[start.start():start.end()]
        return self.data[:start.start()] + _set_attr(tag, b"count", str(count).encode()) \
            + self.data[start.end():]

    def with_format(self, style: int, code: str) -> int:
        """The index of a cell style like ``style`` but with number format ``code``.

        Reuses ``style`` itself when it already shows ``code``, or an identical existing style;
        otherwise appends a copy of ``style`` with only its number format changed.
        """
        if not 0 <= style < len(self.xfs):
            style = 0
        if self.format_code(style) == code and (code != "General" or self.format_id(style) == 0):
            return style
        fmt = self._format_id_for(code)
        if not self.xfs:
            raise WorkbookError(f"{self.label}: xl/styles.xml has no cell styles; the file is "
                                "damaged")
        xf = _set_attr(self.xfs[style], b"numFmtId", str(fmt).encode())
        xf = _set_attr(xf, b"applyNumberFormat", b"1")
        return self._add_xf(xf)

    def _add_xf(self, xf: bytes) -> int:
        """Index of cell style ``xf`` (appended to ``cellXfs`` unless an identical one exists)."""
        for index, existing in enumerate(self.xfs):
            if existing == xf:
                return index
        block = self._block(b"cellXfs")
        self.data = self.data[:block[1]] + xf + self.data[block[1]:]
        self.xfs.append(xf)
        self.data = self._recount(b"cellXfs", len(self.xfs))
        self.changed = True
        return len(self.xfs) - 1

    # ------------------------------------------------------------------ grafting
    def _elements(self, block: bytes, name: bytes) -> tuple[tuple[int, int] | None, list[bytes]]:
        span = self._block(block)
        if span is None:
            return None, []
        pattern = re.compile(rb"<(?:[\w.\-]+:)?" + name + rb"\b[^>]*?(?:/>|>.*?</(?:[\w.\-]+:)?"
                             + name + rb"\s*>)", re.S)
        return span, [m.group(0) for m in pattern.finditer(self.data, span[0], span[1])]

    def _append_element(self, block: bytes, name: bytes, element: bytes) -> int:
        """Index of ``element`` in ``block`` (appended unless an identical one exists)."""
        span, existing = self._elements(block, name)
        if span is None:
            raise WorkbookError(f"{self.label}: xl/styles.xml has no {block.decode()}; open and "
                                "save the workbook in Excel first")
        for index, item in enumerate(existing):
            if item == element:
                return index
        self.data = self.data[:span[1]] + element + self.data[span[1]:]
        self.data = self._recount(block, len(existing) + 1)
        self.changed = True
        return len(existing)

    def import_style(self, other: "Styles", index: int) -> int:
        """Copy cell style ``index`` of another workbook's styles into these (font, fill,
        border and number format appended or reused); returns the new index.

        Raises
        ------
        WorkbookError
            These styles use a namespace prefix the copied elements would not match.
        """
        if self.prefix != other.prefix:
            raise WorkbookError(f"{self.label}: xl/styles.xml uses the '{self.prefix.decode()}' "
                                "prefix; open and save the workbook in Excel first")
        if not 0 <= index < len(other.xfs):
            index = 0
        xf = other.xfs[index]
        attrs = _attrs(xf[:xf.find(b">") + 1])
        for attr, block, name in ((b"fontId", b"fonts", b"font"), (b"fillId", b"fills", b"fill"),
                                  (b"borderId", b"borders", b"border")):
            _, theirs = other._elements(block, name)
            try:
                element = theirs[int(attrs.get(attr, b"0"))]
            except (ValueError, IndexError):
                continue
            xf = _set_attr(xf, attr, str(self._append_element(block, name, element)).encode())
        fmt = int(attrs.get(b"numFmtId", b"0") or 0)
        code = other.formats.get(fmt, BUILTIN_FORMATS.get(fmt, "General"))
        xf = _set_attr(xf, b"numFmtId", str(self._format_id_for(code)).encode())
        xf = _set_attr(xf, b"xfId", b"0")
        return self._add_xf(xf)
