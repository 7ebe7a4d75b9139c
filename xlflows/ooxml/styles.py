"""``styles.xml``: which cell styles show dates, and number formats added by appending only.

Every sheet's cells point into ``cellXfs`` by position (``s="3"``) and each ``xf`` into the number
formats by id, so renumbering either (as openpyxl does on save) silently restyles the sheets that
are copied byte for byte. Here nothing is renumbered or removed: the part is parsed (comments and
prefixes are no trouble), a number format the report needs is found among the existing ones
(built-in or custom) or appended with a new id, and a cell's new style is a copy of its old ``xf``
with only ``numFmtId`` changed — fonts, fills, borders and alignment the analyst set stay —
appended to ``cellXfs`` unless an identical one exists. ``count`` attributes follow. A second run
finds everything it needs and changes nothing.
"""

from __future__ import annotations

import numpy as np

from xlflows.errors import WorkbookError
from xlflows.ooxml import ns
from xlflows.ooxml.numfmt import BUILTIN, BUILTIN_IDS, FIRST_CUSTOM_ID, is_date_format
from xlflows.ooxml.xml import Edits, Element, copy_element, parse

EMPTY_STYLES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
                b'<fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
                b'<patternFill patternType="gray125"/></fill></fills>'
                b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
                b'</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
                b'borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" '
                b'fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>')
#: The children of ``styleSheet`` in schema order (a missing block is inserted in its place).
_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles",
          "dxfs", "tableStyles", "colors", "extLst")
_DEFAULT_XF_ATTRS = ("numFmtId", "fontId", "fillId", "borderId", "xfId")


class Styles:
    """The workbook's ``styles.xml``, read once, appended to on demand.

    Parameters
    ----------
    data : bytes or None
        The part (None: the workbook has none; one is made when a format must be added).
    part, label : str
        The part name and the file name, for messages.
    """

    def __init__(self, data: bytes | None, part: str = "xl/styles.xml",
                 label: str = "the workbook"):
        self.original = data
        self.part = part
        self.label = label
        self.changed = False
        self._load(data if data is not None else EMPTY_STYLES)
        if self.doc.root.name != "styleSheet" or self.doc.root.uri != ns.MAIN:
            raise WorkbookError(f"{label}: {part} has no styleSheet; the file is damaged")

    def _load(self, data: bytes) -> None:
        self.doc = parse(data, self.part, self.label)
        root = self.doc.root
        self.formats: dict[int, str] = {}
        block = root.find(ns.MAIN, "numFmts")
        for element in block.findall(ns.MAIN, "numFmt") if block is not None else []:
            try:
                self.formats[int(element.get("numFmtId") or "")] = element.get("formatCode") or ""
            except ValueError:
                continue
        block = root.find(ns.MAIN, "cellXfs")
        self.xfs: list[Element] = block.findall(ns.MAIN, "xf") if block is not None else []
        self._canonical: dict[str, list[bytes]] = {}

    @property
    def data(self) -> bytes:
        """The part's bytes as edited."""
        return self.doc.data

    # ------------------------------------------------------------------ reading
    def format_id(self, style: int) -> int:
        """The ``numFmtId`` of cell style ``style`` (0 for an unknown index)."""
        if not 0 <= style < len(self.xfs):
            return 0
        try:
            return int(self.xfs[style].get("numFmtId") or 0)
        except ValueError:
            return 0

    def format_code(self, style: int) -> str:
        """The number format code of cell style ``style`` (``""`` for an unknown built-in id)."""
        fmt = self.format_id(style)
        if fmt in self.formats:
            return self.formats[fmt]
        return BUILTIN.get(fmt, "")

    def is_date_style(self, style: int) -> bool:
        """Whether cell style ``style`` shows a date or time."""
        fmt = self.format_id(style)
        return is_date_format(fmt, self.formats.get(fmt, BUILTIN.get(fmt)))

    def date_table(self) -> np.ndarray:
        """A bool per cell style: True where it shows a date or time (the sheet reader's lookup)."""
        return np.array([self.is_date_style(i) for i in range(len(self.xfs))], dtype=bool)

    # ------------------------------------------------------------------ appending
    def _commit(self, edits: Edits) -> None:
        self._load(edits.apply())
        self.changed = True

    def _block(self, name: str) -> Element:
        """Block ``name`` of the styleSheet, inserted empty in schema order when missing."""
        root = self.doc.root
        block = root.find(ns.MAIN, name)
        if block is not None:
            return block
        edits = Edits(self.doc)
        later = _ORDER[_ORDER.index(name) + 1:]
        following = next((c for c in root.children if c.uri == ns.MAIN and c.name in later),
                         None)
        element = self.doc.element(root, ns.MAIN, name, [("", "count", "0")], content=b"")
        if following is not None:
            edits.insert(following.start, element)
        else:
            edits.append(root, element)
        self._commit(edits)
        inserted = self.doc.root.find(ns.MAIN, name)
        assert inserted is not None, "the block just inserted"
        return inserted

    def _append(self, block_name: str, child_name: str, element: bytes) -> None:
        """Append ``element`` to a block and set the block's ``count`` to its children."""
        block = self._block(block_name)
        children = block.findall(ns.MAIN, child_name)
        edits = Edits(self.doc)
        edits.append(block, element)
        edits.set_attr(block, "count", str(len(children) + 1))
        self._commit(edits)

    def format_id_for(self, code: str) -> int:
        """The id of number format ``code``: an existing custom or built-in one, else appended."""
        for number, existing in self.formats.items():
            if existing == code:
                return number
        if code in BUILTIN_IDS and BUILTIN_IDS[code] not in self.formats:   # not redefined
            return BUILTIN_IDS[code]
        new = max([FIRST_CUSTOM_ID - 1, *self.formats]) + 1
        block = self._block("numFmts")
        self._append("numFmts", "numFmt", self.doc.element(
            block, ns.MAIN, "numFmt", [("", "numFmtId", str(new)), ("", "formatCode", code)]))
        return new

    def with_format(self, style: int, code: str) -> int:
        """The index of a cell style like ``style`` but with number format ``code``.

        Reuses ``style`` itself when it already shows ``code``, or an identical existing style;
        otherwise appends a copy of ``style`` with only its number format changed.
        """
        self._ensure_style_0()
        if not 0 <= style < len(self.xfs):
            style = 0
        if self.format_code(style) == code and (code != "General" or self.format_id(style) == 0):
            return style
        fmt = self.format_id_for(code)
        xf = copy_element(self.doc, self.xfs[style], self.doc, self._block("cellXfs"),
                          {"numFmtId": str(fmt), "applyNumberFormat": "1"})
        return self._add_xf(xf)

    def _ensure_style_0(self) -> None:
        """An empty (or missing) ``cellXfs`` gets the default style, what style 0 meant."""
        if self.xfs:
            return
        block = self._block("cellXfs")
        self._append("cellXfs", "xf", self.doc.element(
            block, ns.MAIN, "xf", [("", name, "0") for name in _DEFAULT_XF_ATTRS]))

    def _canonical_children(self, block_name: str, child_name: str) -> list[bytes]:
        """The children of a block, each as :func:`copy_element` writes it there (cached)."""
        key = f"{block_name}/{child_name}"
        if key not in self._canonical:
            block = self.doc.root.find(ns.MAIN, block_name)
            self._canonical[key] = [] if block is None else [
                copy_element(self.doc, c, self.doc, block)
                for c in block.findall(ns.MAIN, child_name)]
        return self._canonical[key]

    def _add_xf(self, xf: bytes) -> int:
        """Index of cell style ``xf`` (appended unless an identical one exists)."""
        existing = self._canonical_children("cellXfs", "xf")
        if xf in existing:
            return existing.index(xf)
        self._append("cellXfs", "xf", xf)
        return len(self.xfs) - 1

    def _add_element(self, block_name: str, child_name: str, element: bytes) -> int:
        """Index of ``element`` in a block (appended unless an identical one exists)."""
        existing = self._canonical_children(block_name, child_name)
        if element in existing:
            return existing.index(element)
        self._append(block_name, child_name, element)
        return len(self._block(block_name).findall(ns.MAIN, child_name)) - 1

    def import_style(self, other: Styles, index: int) -> int:
        """Copy cell style ``index`` of another workbook's styles into these (font, fill,
        border and number format appended or reused); returns the new index."""
        if not 0 <= index < len(other.xfs):
            index = 0
        if not other.xfs:
            return 0
        source = other.xfs[index]
        changes: dict[str, str | None] = {"xfId": "0"}
        for attr, block_name, child_name in (("fontId", "fonts", "font"),
                                             ("fillId", "fills", "fill"),
                                             ("borderId", "borders", "border")):
            theirs = other.doc.root.find(ns.MAIN, block_name)
            items = theirs.findall(ns.MAIN, child_name) if theirs is not None else []
            try:
                item = items[int(source.get(attr) or 0)]
            except (ValueError, IndexError):
                continue
            block = self._block(block_name)
            copied = copy_element(other.doc, item, self.doc, block)
            changes[attr] = str(self._add_element(block_name, child_name, copied))
        fmt = int(source.get("numFmtId") or 0) if (source.get("numFmtId") or "0").isdigit() else 0
        code = other.formats.get(fmt, BUILTIN.get(fmt))
        changes["numFmtId"] = str(self.format_id_for(code) if code is not None else fmt)
        self._ensure_style_0()
        return self._add_xf(copy_element(other.doc, source, self.doc, self._block("cellXfs"),
                                         changes))
