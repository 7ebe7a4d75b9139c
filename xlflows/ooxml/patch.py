"""Write cells into a worksheet part: a byte-for-byte patch at the cell level.

:func:`patch_sheet` streams the part through expat once, with its byte offsets, and records only
what the patch needs: the span of ``<sheetData>`` and ``<dimension>``, the rows that receive a
write (their cells' spans and attributes), where missing rows go, merged areas and array/shared
formulas. Then it splices: a written cell's element is replaced, a new cell or row is inserted in
order; every other byte — other rows, other cells of a touched row, comments, whitespace, other
writers' attributes and extensions — stays as it was. Memory follows the touched rows, not the
sheet, so a write into a 1,000,000-row data sheet costs one pass.

A written cell keeps its style (or gets another style made by
:class:`xlflows.ooxml.styles.Styles`); text is written as an inline string (``t="inlineStr"``),
so the shared string table, which every sheet points into, stays as it is. Text goes through
Excel's ``_xHHHH_`` escape, then XML escaping.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import SupportsFloat

import numpy as np

from xlflows.a1 import MAX_COL, cell_ref, column_letters, parse_area, parse_ref
from xlflows.errors import WorkbookError
from xlflows.ooxml import ns
from xlflows.ooxml.escape import excel_encode, xml_text
from xlflows.ooxml.xml import parse_utf8, tag_attributes, tag_end, tag_name, transcode

_EXCEL_1900 = dt.datetime(1899, 12, 30)
_EXCEL_1900_EARLY = dt.datetime(1899, 12, 31)
_MARCH_1900 = dt.datetime(1900, 3, 1)
_EXCEL_1904 = dt.datetime(1904, 1, 1)
_NAT = "the value to write is an empty date (NaT), expected a date"


# --------------------------------------------------------------------------- values
def number_text(value: SupportsFloat, where: str) -> str:
    """The ``<v>`` text of a number: the shortest repr that reads back the same double."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    value = float(value)
    if not math.isfinite(value):
        raise WorkbookError(f"{where}: the value to write is {value}, expected a finite number")
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def to_serial(value: dt.datetime, date1904: bool) -> float:
    """A date as an Excel serial number of the workbook's date system."""
    if date1904:
        base = _EXCEL_1904
    else:
        base = _EXCEL_1900 if value >= _MARCH_1900 else _EXCEL_1900_EARLY
    delta = value - base
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400


@dataclass(frozen=True)
class CellValue:
    """A value ready for the XML: its ``t`` attribute and its ``<v>`` text (or inline text)."""

    kind: str | None          # None (number), "b", "inlineStr"
    text: str


def cell_value(value: object, where: str, date1904: bool) -> CellValue | None:
    """Classify a value to write (None and "" clear the cell; dates become serial numbers;
    a missing date, NaT, is refused like NaN)."""
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise WorkbookError(f"{where}: {_NAT}")
        value = value.astype("datetime64[us]")      # .item() of nanoseconds is an int
    if hasattr(value, "item") and not isinstance(value, (str, bytes)) and \
            type(value).__module__ == "numpy":
        value = value.item()
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, bool):
        return CellValue("b", "1" if value else "0")
    if isinstance(value, str):
        return CellValue("inlineStr", value)
    if isinstance(value, (dt.datetime, dt.date)):
        if value != value:  # noqa: PLR0124 - pandas' NaT: the one date unequal to itself
            raise WorkbookError(f"{where}: {_NAT}")
        if not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        serial = to_serial(value, date1904)
        if serial < (0 if date1904 else 1):
            raise WorkbookError(f"{where}: the date {value:%Y-%m-%d} is before the workbook's "
                                "date system starts")
        return CellValue(None, number_text(serial, where))
    if isinstance(value, numbers.Real):
        return CellValue(None, number_text(value, where))
    raise WorkbookError(f"{where}: cannot write this value; expected a number, text, a date or "
                        "a truth value")


def cell_xml(prefix: bytes, ref: str, style: int, value: CellValue | None) -> bytes:
    """One ``<c>`` element (b"" for a blank cell without a style)."""
    attrs = b"<" + prefix + b'c r="' + ref.encode() + b'"'
    if style:
        attrs += b' s="' + str(style).encode() + b'"'
    if value is None:
        return attrs + b"/>" if style else b""
    if value.kind == "inlineStr":
        text = value.text
        space = b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""
        return (attrs + b' t="inlineStr"><' + prefix + b"is><" + prefix + b"t" + space + b">"
                + xml_text(excel_encode(text)).encode("utf-8") + b"</" + prefix + b"t></"
                + prefix + b"is></" + prefix + b"c>")
    if value.kind:
        attrs += b' t="' + value.kind.encode() + b'"'
    return (attrs + b"><" + prefix + b"v>" + value.text.encode() + b"</" + prefix + b"v></"
            + prefix + b"c>")


@dataclass
class PlannedCell:
    """A write resolved against the sheet: the value and the style index to give the cell."""

    value: CellValue | None
    style: Callable[[int], int]      # old style index -> new style index


@dataclass
class PatchResult:
    """The new sheet bytes, and whether a formula was overwritten (calcChain must go)."""

    data: bytes
    replaced_formula: bool = False


# --------------------------------------------------------------------------- the scan
@dataclass
class _Cell:
    column: int
    start: int
    end: int = -1
    explicit: bool = True
    style: int = 0
    formula: bool = False


@dataclass
class _Row:
    number: int
    start: int
    inner: int
    close: int = -1
    end: int = -1
    empty: bool = False
    explicit: bool = True
    cells: list[_Cell] = field(default_factory=list)


@dataclass
class _Scan:
    """What one pass over the sheet found."""

    prefix: bytes = b""
    sheet_data: tuple[int, int, int, int] = (-1, -1, -1, -1)  # start, inner, close, end
    sheet_data_empty: bool = False
    dimension: tuple[int, int] | None = None               # span of its ref value (quotes in)
    dimension_ref: str = ""
    rows: dict[int, _Row] = field(default_factory=dict)    # the rows written
    insert_at: dict[int, int] = field(default_factory=dict)  # new row -> offset before a row
    merged: list[str] = field(default_factory=list)
    formulas: list[tuple[str, str, tuple[int, int] | None]] = field(default_factory=list)


class _Scanner:
    """expat handlers recording the spans a patch needs (see :class:`_Scan`)."""

    def __init__(self, data: bytes, wanted: list[int], sheet: str):
        self.data = data
        self.wanted = set(wanted)
        self.pending = sorted(wanted)        # new rows not yet placed
        self.next_pending = 0
        self.scan = _Scan()
        self.sheet = sheet
        self.depth = 0
        self.in_sheet_data = False
        self.row: _Row | None = None
        self.row_number = 0
        self.column = 0
        self.cell: _Cell | None = None
        self.cell_ref: tuple[int, int] | None = None

    def attach(self, parser) -> None:
        self.parser = parser
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end

    def _tag_end(self, offset: int) -> int:
        return tag_end(self.data, offset)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        uri, _, local = name.rpartition(" ")
        if ns.canonical(uri) != ns.MAIN:
            return
        offset = self.parser.CurrentByteIndex
        if self.in_sheet_data:
            if local == "row" and self.depth == 3:
                self._row(attrs, offset)
            elif local == "c" and self.depth == 4:
                self._cell(attrs, offset)
            elif local == "f" and self.depth == 5:
                self._formula(attrs)
            return
        if self.depth == 2 and local == "sheetData":
            inner = self._tag_end(offset)
            empty = self.data[inner - 2:inner - 1] == b"/"
            tag = tag_name(self.data, offset)
            self.scan.prefix = tag[:-len(b"sheetData")]
            self.scan.sheet_data = (offset, inner, inner, inner)
            self.scan.sheet_data_empty = empty
            self.in_sheet_data = not empty
        elif self.depth == 2 and local == "dimension":
            span = _attribute_value(self.data, offset, self._tag_end(offset), b"ref")
            if span is not None:
                self.scan.dimension = span
                self.scan.dimension_ref = attrs.get("ref", "")
        elif self.depth == 3 and local == "mergeCell":
            self.scan.merged.append(attrs.get("ref", ""))

    def _row(self, attrs: dict[str, str], offset: int) -> None:
        r = attrs.get("r")
        try:
            number = self.row_number + 1 if r is None else int(r)
        except ValueError:
            raise WorkbookError(f"{self.sheet}: a row is numbered '{str(r)[:20]}'; the file is "
                                "damaged") from None
        if not 1 <= number <= 1_048_576:
            raise WorkbookError(f"{self.sheet}: a row is numbered {number}, outside Excel's grid "
                                "(rows 1 to 1048576); the file is damaged")
        while self.next_pending < len(self.pending) and self.pending[self.next_pending] < number:
            self.scan.insert_at[self.pending[self.next_pending]] = offset
            self.next_pending += 1
        self.row_number = number
        self.column = 0
        if number in self.wanted:
            inner = self._tag_end(offset)
            self.row = _Row(number, offset, inner, empty=self.data[inner - 2:inner - 1] == b"/",
                            explicit=r is not None)
            self.scan.rows[number] = self.row
            if self.next_pending < len(self.pending) and self.pending[self.next_pending] == number:
                self.next_pending += 1
        else:
            self.row = None

    def _cell(self, attrs: dict[str, str], offset: int) -> None:
        ref = attrs.get("r")
        if ref is not None:
            where = parse_ref(ref)
            if where is None:
                raise WorkbookError(f"{self.sheet}: a cell is at '{ref[:20]}', outside Excel's "
                                    "grid (A1:XFD1048576); the file is damaged")
            self.column = where[1]
        else:
            self.column += 1
            if self.column > MAX_COL:
                raise WorkbookError(f"{self.sheet}: a cell is beyond column XFD, outside Excel's "
                                    "grid (A1:XFD1048576); the file is damaged")
        self.cell_ref = (self.row_number, self.column)
        if self.row is None:
            self.cell = None
            return
        try:
            style = int(attrs.get("s") or 0)
        except ValueError:
            style = 0
        self.cell = _Cell(self.column, offset, explicit=ref is not None, style=style)
        self.row.cells.append(self.cell)

    def _formula(self, attrs: dict[str, str]) -> None:
        if self.cell is not None:
            self.cell.formula = True
        kind = attrs.get("t", "")
        if kind in ("array", "shared") and attrs.get("ref"):
            self.scan.formulas.append((kind, attrs["ref"], self.cell_ref))

    def end(self, name: str) -> None:
        depth = self.depth
        self.depth -= 1
        uri, _, local = name.rpartition(" ")
        if ns.canonical(uri) != ns.MAIN or not self.in_sheet_data:
            return
        offset = self.parser.CurrentByteIndex
        if depth == 4 and local == "c" and self.cell is not None:
            self.cell.end = self._element_end(self.cell.start, offset)
            self.cell = None
        elif depth == 3 and local == "row" and self.row is not None:
            row = self.row
            if row.empty:
                row.close = row.end = row.inner
            else:
                row.close = offset
                row.end = self._tag_end(offset)
            self.row = None
        elif depth == 2 and local == "sheetData":
            start, inner, _, _ = self.scan.sheet_data
            self.scan.sheet_data = (start, inner, offset, self._tag_end(offset))
            self.in_sheet_data = False
            for number in self.pending[self.next_pending:]:
                self.scan.insert_at.setdefault(number, offset)

    def _element_end(self, start: int, end_event: int) -> int:
        inner = self._tag_end(start)
        if self.data[inner - 2:inner - 1] == b"/":
            return inner
        return self._tag_end(end_event)


def _attribute_value(data: bytes, start: int, end: int, name: bytes) -> tuple[int, int] | None:
    """Span of an unprefixed attribute's quoted value in the start tag at ``start``."""
    return next((m.span(2) for m in tag_attributes(data, start, end) if m.group(1) == name), None)


def _scan(data: bytes, rows: list[int], sheet: str, part: str, label: str) -> _Scan:
    scanner = _Scanner(data, rows, sheet)
    parse_utf8(data, scanner.attach, part, label, sheet)
    if scanner.scan.sheet_data[0] < 0:
        raise WorkbookError(f"sheet '{sheet}' has no cell data (<sheetData>); the file is damaged")
    return scanner.scan


# --------------------------------------------------------------------------- the patch
def _writes_in(area: tuple[int, int, int, int], ordered: list[tuple[int, int]]
               ) -> list[tuple[int, int]]:
    """The writes (sorted by row, then column) inside ``area``: a binary search on rows."""
    lo = bisect.bisect_left(ordered, (area[0], 0))
    hi = bisect.bisect_right(ordered, (area[2], MAX_COL + 1))
    return [(r, c) for r, c in ordered[lo:hi] if area[1] <= c <= area[3]]


def check_writes(scan: _Scan, sheet: str, cells) -> None:
    """Refuse writes inside merged cells (but their top-left cell), over the master cell of an
    array or shared formula, or inside an array formula's range (each area checked against
    the writes in its rows only: no cost per area and write)."""
    ordered = sorted(cells)
    for ref in scan.merged:
        area = parse_area(ref.replace("$", ""))
        if area is None:
            continue
        for (r, c) in _writes_in(area, ordered):
            if (r, c) != area[:2]:
                raise WorkbookError(f"{sheet}!{cell_ref(r, c)} is inside merged cells ({ref}); "
                                    "unmerge them or move the report cell")
    for kind, ref, master in scan.formulas:
        if master is not None and master in cells:
            article = "an" if kind == "array" else "a"
            raise WorkbookError(f"{sheet}!{cell_ref(*master)} holds {article} {kind} formula "
                                f"({ref}); the report cannot write over it. Delete the formula "
                                "or move the report cell")
        area = parse_area(ref.replace("$", ""))
        if kind == "array" and area is not None:
            for (r, c) in _writes_in(area, ordered):
                raise WorkbookError(f"{sheet}!{cell_ref(r, c)} is inside the array formula "
                                    f"{ref}; the report cannot write there. Delete the formula "
                                    "or move the report cell")


def patch_sheet(data: bytes, sheet: str, cells: dict[tuple[int, int], PlannedCell], *,
                part: str = "", label: str = "the workbook") -> PatchResult:
    """Apply resolved writes to a worksheet part at the cell level.

    Parameters
    ----------
    data : bytes
        The sheet part (any encoding; a part that is not UTF-8 comes back in UTF-8).
    sheet : str
        Its title (for messages).
    cells : dict
        ``(row, column)`` → :class:`PlannedCell`.

    Raises
    ------
    WorkbookError
        Not readable XML, no ``<sheetData>``, or a write :func:`check_writes` refuses.
    """
    data, _ = transcode(data, part, label)
    by_row: dict[int, dict[int, PlannedCell]] = {}
    for (r, c), planned in cells.items():
        by_row.setdefault(r, {})[c] = planned
    scan = _scan(data, sorted(by_row), sheet, part, label)
    check_writes(scan, sheet, cells)
    prefix = scan.prefix
    result = PatchResult(b"")
    splices: list[tuple[int, int, bytes]] = []
    if scan.sheet_data_empty:
        start, inner, _, _ = scan.sheet_data
        body = b"".join(_new_row(prefix, r, by_row[r]) for r in sorted(by_row))
        splices.append((inner - 2, inner, b">" + body + b"</" + prefix + b"sheetData>"))
    else:
        inserts: dict[int, list[bytes]] = {}
        for number in sorted(by_row):
            row = scan.rows.get(number)
            if row is None:
                inserts.setdefault(scan.insert_at[number], []).append(
                    _new_row(prefix, number, by_row[number]))
            else:
                splices.extend(_patch_row(data, prefix, row, by_row[number], result))
        splices.extend((offset, offset, b"".join(rows)) for offset, rows in inserts.items())
    if scan.dimension is not None:
        grown = _grown_dimension(scan.dimension_ref, cells)
        if grown is not None:
            splices.append((*scan.dimension, b'"' + grown.encode() + b'"'))
    out, position = [], 0
    for start, end, piece in sorted(splices, key=lambda s: (s[0], s[1])):
        out.append(data[position:start])
        out.append(piece)
        position = end
    out.append(data[position:])
    result.data = b"".join(out)
    return result


def _grown_dimension(ref: str, cells: dict[tuple[int, int], PlannedCell]) -> str | None:
    """The ``<dimension>`` reference ``ref`` grown to take in the cells written (None when they
    are inside it already, or nothing is written)."""
    filled = [(r, c) for (r, c), planned in cells.items() if planned.value is not None]
    if not filled:
        return None
    area = parse_area(ref.replace("$", "")) or (1, 1, 1, 1)
    top = min(area[0], *(r for r, _ in filled))
    left = min(area[1], *(c for _, c in filled))
    bottom = max(area[2], *(r for r, _ in filled))
    right = max(area[3], *(c for _, c in filled))
    if (top, left, bottom, right) == area:
        return None
    grown = cell_ref(top, left)
    if (top, left) != (bottom, right):
        grown += f":{column_letters(right)}{bottom}"
    return grown


def _new_row(prefix: bytes, number: int, cells: dict[int, PlannedCell]) -> bytes:
    content = b"".join(cell_xml(prefix, cell_ref(number, c), cells[c].style(0), cells[c].value)
                       for c in sorted(cells))
    if not content:
        return b""
    return (b"<" + prefix + b'row r="' + str(number).encode() + b'">' + content + b"</"
            + prefix + b"row>")


def _patch_row(data: bytes, prefix: bytes, row: _Row, cells: dict[int, PlannedCell],
               result: PatchResult) -> list[tuple[int, int, bytes]]:
    """Splices for one existing row: written cells replaced, new cells inserted in order."""
    splices = []
    written = dict(cells)
    if not row.explicit:
        splices.append((_name_end(data, row.start), _name_end(data, row.start),
                        b' r="' + str(row.number).encode() + b'"'))
    for cell in row.cells:
        planned = written.pop(cell.column, None)
        ref = cell_ref(row.number, cell.column)
        if planned is None:
            if not cell.explicit:          # keep positions explicit once the row changes
                at = _name_end(data, cell.start)
                splices.append((at, at, b' r="' + ref.encode() + b'"'))
            continue
        if cell.formula:
            result.replaced_formula = True
        splices.append((cell.start, cell.end,
                        cell_xml(prefix, ref, planned.style(cell.style), planned.value)))
    extra = {c: cell_xml(prefix, cell_ref(row.number, c), p.style(0), p.value)
             for c, p in written.items()}
    extra = {c: xml for c, xml in extra.items() if xml}
    if not extra:
        return splices
    if row.empty:                # <row r="4"/> holds no cell: open it with the new ones
        tail = b"".join(extra[c] for c in sorted(extra))
        splices.append((row.inner - 2, row.inner, b">" + tail + b"</" + prefix + b"row>"))
    else:
        columns = [cell.column for cell in row.cells]
        ordered = all(a < b for a, b in itertools.pairwise(columns))
        for column in sorted(extra):
            if ordered:
                i = bisect.bisect_right(columns, column)
                following = row.cells[i] if i < len(columns) else None
            else:
                following = next((cell for cell in row.cells if cell.column > column), None)
            at = following.start if following is not None else row.close
            splices.append((at, at, extra[column]))
    spans = _attribute_value(data, row.start, row.inner, b"spans")
    if spans is not None:        # the cells' column span changed: drop the optional hint
        at = data.rfind(b"spans", row.start, spans[0])
        splices.append((_space_before(data, at), spans[1], b""))
    return splices


def _name_end(data: bytes, start: int) -> int:
    return start + 1 + len(tag_name(data, start))


def _space_before(data: bytes, at: int) -> int:
    while data[at - 1:at] in (b" ", b"\t", b"\r", b"\n"):
        at -= 1
    return at
