"""Worksheet XML: a streaming cell reader, and a cell-level patch of ``<sheetData>``.

Reading (:func:`read_rows`) streams a sheet part through the C ``iterparse`` of the standard
library and clears each row once read, so memory follows the cells that hold a value, never a
sheet's stated ``<dimension>`` or its formatted empty cells (one at ``XFD1048576`` costs what one
at ``Z1`` does). Values are what Excel shows: shared, inline and rich text, numbers (a date format
makes a ``datetime``), booleans, error literals (``#N/A``), ``t="d"`` ISO dates, and formulas
through the value Excel saved with them.

Patching (:func:`patch_sheet`) rewrites only the ``<row>`` elements that receive a write: every
byte before and after ``<sheetData>``, every other row and every other cell of a touched row stay
as they are. A written cell keeps its style (or gets a copy of it with another number format, made
by :class:`xlflows.report.stylesxml.Styles`); text is written as an inline string, so the shared
string table, which every sheet's cells point into, stays byte for byte.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import numbers
import re
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterator
from xml.etree.ElementTree import ParseError, iterparse

from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, \
    from_ISO8601, to_excel

from xlflows.errors import WorkbookError

#: Excel's grid: the last row and column (XFD).
MAX_ROW = 1_048_576
MAX_COL = 16_384

_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_COLUMNS: dict[str | bytes, int] = {}
_LETTERS: dict[int, str] = {}


def column_index(letters: str | bytes) -> int:
    """``"B"`` → 2 (cached, for text and for bytes)."""
    index = _COLUMNS.get(letters)
    if index is None:
        text = letters.decode() if isinstance(letters, bytes) else letters
        index = 0
        for ch in text:
            index = index * 26 + ord(ch) - 64
        _COLUMNS[letters] = index
    return index


def column_letters(index: int) -> str:
    """2 → ``"B"`` (cached)."""
    letters = _LETTERS.get(index)
    if letters is None:
        letters, n = "", index
        while n:
            n, rest = divmod(n - 1, 26)
            letters = chr(65 + rest) + letters
        _LETTERS[index] = letters
    return letters


def parse_ref(ref: str) -> tuple[int, int] | None:
    """``"B7"`` → ``(7, 2)``; None for anything that is not one cell inside Excel's grid."""
    m = _REF.fullmatch(ref)
    if m is None:
        return None
    row, col = int(m.group(2)), column_index(m.group(1))
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        return None
    return row, col


def epoch_of(date1904: bool) -> dt.datetime:
    """The date system's epoch for openpyxl's ``from_excel``/``to_excel``."""
    return CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900


# --------------------------------------------------------------------------- reading
def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text_of(element) -> str:
    """Text of an ``<si>``/``<is>``: its ``<t>`` and rich-text runs, without phonetic runs."""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            for run in child:
                if _local(run.tag) == "t":
                    parts.append(run.text or "")
    return "".join(parts)


def read_shared_strings(stream: BinaryIO) -> list[str]:
    """The shared string table (``xl/sharedStrings.xml``), streamed."""
    strings = []
    for _, element in iterparse(stream, events=("end",)):
        if _local(element.tag) == "si":
            strings.append(_text_of(element))
            element.clear()
    return strings


@dataclass
class ReadContext:
    """What a sheet reader needs from the rest of the package."""

    sheet: str                                   # title, for messages
    date_styles: frozenset[int]                  # cell style indexes with a date format
    shared_strings: Callable[[], list[str]]      # loaded on first use
    date1904: bool = False


def _number(text: str) -> int | float:
    if "." in text or "e" in text or "E" in text or "n" in text or "N" in text:
        return float(text)
    return int(text)


def _cell_value(context: ReadContext, ref: str, kind: str | None, style: str | None,
                value: str | None, formula: bool, inline) -> object:
    if kind == "inlineStr":
        if isinstance(inline, _FastInline):
            return inline.text or None
        return (_text_of(inline) or None) if inline is not None else (value or None)
    if value is None or (formula and value == "" and kind not in ("str", "s")):
        if formula:
            raise WorkbookError(f"{context.sheet}!{ref} is a formula with no saved value; open "
                                "and save the workbook in Excel, or replace it with its value")
        return None
    try:
        if kind is None or kind == "n":
            if value == "":
                return None
            number = _number(value)
            if style is not None and int(style) in context.date_styles:
                return from_excel(number, epoch_of(context.date1904))
            return number
        if kind == "s":
            return context.shared_strings()[int(value)]
        if kind == "str":
            return value if value != "" else None
        if kind == "b":
            return value.strip() in ("1", "true")
        if kind == "e":
            return value
        if kind == "d":
            stamp = from_ISO8601(value)
            if isinstance(stamp, dt.date) and not isinstance(stamp, dt.datetime):
                stamp = dt.datetime(stamp.year, stamp.month, stamp.day)
            return stamp
    except (ValueError, IndexError, OverflowError):
        pass
    raise WorkbookError(f"{context.sheet}!{ref} holds '{value[:40]}' with type '{kind}', which "
                        "no spreadsheet writes; the file is damaged")


def iter_values(stream: BinaryIO, context: ReadContext) -> Iterator[tuple[int, int, object]]:
    """(row, column, value) of every cell holding a value, in file order, streamed.

    Cells without ``r`` attributes (allowed by the format) are numbered from their neighbours.
    """
    row_number = 0
    col_number = 0
    sheet_data = None
    try:
        for event, element in iterparse(stream, events=("start", "end")):
            name = _local(element.tag)
            if event == "start":
                if name == "row":
                    r = element.get("r")
                    row_number = int(r) if r else row_number + 1
                    col_number = 0
                elif name == "sheetData":
                    sheet_data = element
                continue
            if name == "c":
                ref = element.get("r")
                if ref:
                    where = parse_ref(ref)
                    if where is None:
                        raise WorkbookError(f"{context.sheet}: a cell is at '{ref[:20]}', outside "
                                            "Excel's grid (A1:XFD1048576); the file is damaged")
                    row_number, col_number = where
                else:
                    col_number += 1
                    ref = f"{column_letters(col_number)}{row_number}"
                value = None
                formula = False
                inline = None
                for child in element:
                    child_name = _local(child.tag)
                    if child_name == "v":
                        value = child.text or ""
                    elif child_name == "f":
                        formula = True
                    elif child_name == "is":
                        inline = child
                if value is not None or formula or inline is not None:
                    result = _cell_value(context, ref, element.get("t"), element.get("s"),
                                         value, formula, inline)
                    if result is not None:
                        yield row_number, col_number, result
                element.clear()
            elif name == "row":
                element.clear()
                if sheet_data is not None:
                    sheet_data.clear()
            elif name == "sheetData":
                break
    except ParseError as exc:
        raise WorkbookError(f"sheet '{context.sheet}' is not readable XML ({exc}); the file is "
                            "damaged") from None


_FAST_R = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_FAST_T = re.compile(rb'\bt="([A-Za-z]+)"')
_FAST_S = re.compile(rb'\bs="([0-9]+)"')
_FAST_V = re.compile(rb"<(?:[\w.\-]+:)?v\s*(?:/>|>(.*?)</(?:[\w.\-]+:)?v\s*>)", re.S)
_FAST_F = re.compile(rb"<(?:[\w.\-]+:)?f[\s>/]")
_FAST_IS = re.compile(rb"<(?:[\w.\-]+:)?is\b")
_FAST_T_TEXT = re.compile(rb"<(?:[\w.\-]+:)?t(?:\s[^>]*)?>(.*?)</(?:[\w.\-]+:)?t\s*>|"
                          rb"<(?:[\w.\-]+:)?t(?:\s[^>]*)?/>", re.S)
_FAST_PHONETIC = re.compile(rb"<(?:[\w.\-]+:)?rPh\b.*?</(?:[\w.\-]+:)?rPh\s*>", re.S)
_SHEET_DATA_START = re.compile(rb"<(?:[\w.\-]+:)?sheetData\b[^>]*?(/?)>")
_SHEET_DATA_END = re.compile(rb"</(?:[\w.\-]+:)?sheetData\s*>")
_CHUNK = 1 << 20
_UP_TO_ROW_END = re.compile(rb".*</(?:[\w.\-]+:)?row\s*>", re.S)


class _NeedsParser(Exception):
    """The sheet uses XML the fast scanner does not read (CDATA, comments, cells without
    ``r``, single-quoted attributes): read it with the parser instead."""


def _unescape(text: bytes) -> str:
    value = text.decode("utf-8")
    return html.unescape(value) if "&" in value else value


#: Excel's own cell XML (``r``, then ``s``, then ``t``, at most a ``<v>``), read in one match;
#: any other cell (formulas, inline text, prefixes, other attributes) by the general pattern.
_COMMON_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="([0-9]+)")?(?: t="([a-z]+)")?'
    rb'(?:/>|><v>([^<&]*)</v></c>)'
    rb"|(<(?:[\w.\-]+:)?c\b[^>]*?(?:/>|>.*?</(?:[\w.\-]+:)?c\s*>))", re.S)
_EXCEL_1900 = dt.datetime(1899, 12, 30)


def _scan_cells(block: bytes, context: ReadContext, rows: dict[int, dict[int, object]]) -> None:
    """Read the cells of whole ``<row>`` elements (Excel's usual XML) with regular expressions."""
    if b"<!" in block or b"='" in block:
        raise _NeedsParser
    dates = context.date_styles
    fast_dates = not context.date1904
    current_row, current = -1, None
    for letters, digits, style, kind, value, other in _COMMON_CELL.findall(block):
        if other:
            _scan_other(other, context, rows)
            continue
        if not value:
            continue        # an empty (styled) cell: no value, no cost (or an empty <v/>)
        row = int(digits)
        col = _COLUMNS.get(letters) or column_index(letters)
        if row > MAX_ROW or col > MAX_COL or row < 1:
            raise WorkbookError(f"{context.sheet}: a cell is at '{letters.decode()}{row}', "
                                "outside Excel's grid (A1:XFD1048576); the file is damaged")
        if not kind or kind == b"n":
            text = value.decode()
            try:
                number = _number(text)
            except ValueError:
                number = _cell_value(context, f"{letters.decode()}{row}", "n", None, text,
                                     False, None)
            if style and int(style) in dates:
                if fast_dates and isinstance(number, int) and number >= 61:
                    number = _EXCEL_1900 + dt.timedelta(days=number)
                else:
                    number = from_excel(number, epoch_of(context.date1904))
            result = number
        else:
            result = _cell_value(context, f"{letters.decode()}{row}", kind.decode(),
                                 style.decode() if style else None, value.decode(), False, None)
            if result is None:
                continue
        if row != current_row:
            current_row, current = row, rows.setdefault(row, {})
        current[col] = result


def _scan_other(raw: bytes, context: ReadContext, rows: dict[int, dict[int, object]]) -> None:
    """One cell the common pattern does not cover: formulas, inline text, other attributes."""
    end = raw.find(b">")
    attrs, inner = raw[:end + 1], raw[end + 1:]
    if raw[end - 1:end] == b"/":
        if b"r=" not in attrs:
            raise _NeedsParser
        return
    r = _FAST_R.search(attrs)
    if r is None:
        raise _NeedsParser
    letters, digits = r.group(1).decode(), int(r.group(2))
    col = column_index(letters)
    if digits > MAX_ROW or col > MAX_COL or digits < 1:
        raise WorkbookError(f"{context.sheet}: a cell is at '{letters}{digits}', outside "
                            "Excel's grid (A1:XFD1048576); the file is damaged")
    t = _FAST_T.search(attrs)
    kind = t.group(1).decode() if t else None
    st = _FAST_S.search(attrs)
    style = st.group(1).decode() if st else None
    formula = _FAST_F.search(inner) is not None
    v = _FAST_V.search(inner)
    value = None if v is None else _unescape(v.group(1) or b"")
    inline = _FastInline(inner) if kind == "inlineStr" and _FAST_IS.search(inner) else None
    if value is None and not formula and inline is None:
        return
    result = _cell_value(context, f"{letters}{digits}", kind, style, value, formula, inline)
    if result is not None:
        rows.setdefault(digits, {})[col] = result


class _FastInline:
    """An ``<is>`` seen by the scanner: its text runs (phonetic runs left out)."""

    def __init__(self, inner: bytes):
        inner = _FAST_PHONETIC.sub(b"", inner)
        self.text = "".join(_unescape(m.group(1) or b"") for m in _FAST_T_TEXT.finditer(inner))


def _scan(stream: BinaryIO, context: ReadContext) -> dict[int, dict[int, object]]:
    rows: dict[int, dict[int, object]] = {}
    buffer = b""
    started = False
    while True:
        chunk = stream.read(_CHUNK)
        buffer += chunk
        if not started:
            start = _SHEET_DATA_START.search(buffer)
            if start is None:
                if not chunk:
                    return rows
                buffer = buffer[-256:]
                continue
            if start.group(1):
                return rows        # <sheetData/>
            buffer = buffer[start.end():]
            started = True
        end = _SHEET_DATA_END.search(buffer)
        if end is not None:
            _scan_cells(buffer[:end.start()], context, rows)
            return rows
        last = _UP_TO_ROW_END.match(buffer)     # ("</" never occurs in text: "<" is escaped)
        if last is not None:
            _scan_cells(buffer[:last.end()], context, rows)
            buffer = buffer[last.end():]
        if not chunk:
            raise WorkbookError(f"sheet '{context.sheet}' ends inside its cell data; the file "
                                "is damaged")


def read_rows(open_stream: Callable[[], BinaryIO], context: ReadContext) -> list[list[object]]:
    """Rows from A1 to the last cell that holds a value (each row up to its own last value).

    Styled empty cells and the stated ``<dimension>`` do not count, so memory follows the values.
    The sheet is scanned in 1 MiB chunks with regular expressions (the XML every spreadsheet
    writes); XML they do not read (CDATA, comments, implicit cell positions) goes through the
    C ``iterparse`` instead, with the same results.

    Parameters
    ----------
    open_stream : callable
        Returns a new binary stream of the sheet part (called again for the parser).
    context : ReadContext
    """
    try:
        with open_stream() as stream:
            rows = _scan(stream, context)
    except _NeedsParser:
        rows = {}
        with open_stream() as stream:
            for r, c, value in iter_values(stream, context):
                rows.setdefault(r, {})[c] = value
    if not rows:
        return []
    out: list[list[object]] = [[] for _ in range(max(rows))]
    for r, cells in rows.items():
        line = [None] * max(cells)
        for c, value in cells.items():
            line[c - 1] = value
        out[r - 1] = line
    return out


# --------------------------------------------------------------------------- writing values
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape_text(text: str) -> bytes:
    """XML text content; characters XML cannot hold become Excel's ``_xHHHH_`` escapes."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return text.encode("utf-8")


def number_text(value: float | int, where: str) -> str:
    """The ``<v>`` text of a number: the shortest repr that reads back the same double."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, numbers.Integral):
        return str(int(value))    # all digits; Excel rounds beyond 2**53 as it reads them
    value = float(value)
    if not math.isfinite(value):
        raise WorkbookError(f"{where}: the value to write is {value}, expected a finite number")
    if value == 0:
        return "0"          # -0.0 too: Excel has no negative zero
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclass(frozen=True)
class CellValue:
    """A value ready for the XML: its ``t`` attribute and its ``<v>`` text (or inline text)."""

    kind: str | None          # None (number), "b", "inlineStr"; the whole value None: blank
    text: str | None


def cell_value(value: object, where: str, date1904: bool) -> CellValue | None:
    """Classify a plan value (None and "" clear the cell; dates become serial numbers)."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)) and \
            type(value).__module__ == "numpy":
        value = value.item()        # numpy scalars: their Python value
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, bool):
        return CellValue("b", "1" if value else "0")
    if isinstance(value, str):
        return CellValue("inlineStr", value)
    if isinstance(value, (dt.datetime, dt.date)):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        serial = to_excel(value, epoch_of(date1904))
        if serial < 0:
            raise WorkbookError(f"{where}: the date {value:%Y-%m-%d} is before the workbook's "
                                "date system starts")
        return CellValue(None, number_text(serial, where))
    if isinstance(value, numbers.Real):
        return CellValue(None, number_text(value, where))
    raise WorkbookError(f"{where}: cannot write this value; expected a number, text, a date or "
                        "a truth value")


def cell_xml(prefix: bytes, ref: str, style: int | None, value: CellValue | None) -> bytes:
    """One ``<c>`` element (b"" for a blank cell without a style)."""
    attrs = b'<' + prefix + b'c r="' + ref.encode() + b'"'
    if style:
        attrs += b' s="' + str(style).encode() + b'"'
    if value is None:
        return attrs + b"/>" if style else b""
    if value.kind == "inlineStr":
        text = value.text or ""
        space = b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""
        return (attrs + b' t="inlineStr"><' + prefix + b"is><" + prefix + b"t" + space + b">"
                + escape_text(text) + b"</" + prefix + b"t></" + prefix + b"is></" + prefix
                + b"c>")
    if value.kind:
        attrs += b' t="' + value.kind.encode() + b'"'
    return (attrs + b"><" + prefix + b"v>" + value.text.encode() + b"</" + prefix + b"v></"
            + prefix + b"c>")


# --------------------------------------------------------------------------- patching
_SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.\-]*:)?)sheetData\b[^>]*?(/?)>")
_ROW = re.compile(rb"<(?:[\w.\-]+:)?row\b[^>]*?(?:/>|>.*?</(?:[\w.\-]+:)?row\s*>)", re.S)
_CELL = re.compile(rb"<(?:[\w.\-]+:)?c\b[^>]*?(?:/>|>.*?</(?:[\w.\-]+:)?c\s*>)", re.S)
_ATTR = re.compile(rb"""([\w:.\-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_MERGE = re.compile(rb"<(?:[\w.\-]+:)?mergeCell\b[^>]*?\bref\s*=\s*[\"']([^\"']+)[\"']")
_FORMULA_WITH_REF = re.compile(rb"<(?:[\w.\-]+:)?f\b([^>]*?)\bref\s*=\s*[\"']([^\"']+)[\"']")
_DIMENSION = re.compile(rb"(<(?:[\w.\-]+:)?dimension\b[^>]*?\bref\s*=\s*[\"'])([^\"']*)([\"'])")


def attrs_of(tag: bytes) -> dict[bytes, bytes]:
    """Attributes of a start tag (either quote style)."""
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _ATTR.finditer(tag)}


def _area(ref: str) -> tuple[int, int, int, int] | None:
    first, _, last = ref.replace("$", "").partition(":")
    a, b = parse_ref(first), parse_ref(last or first)
    if a is None or b is None:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


def _inside(area: tuple[int, int, int, int], row: int, col: int) -> bool:
    return area[0] <= row <= area[2] and area[1] <= col <= area[3]


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


def with_attr(element: bytes, name: bytes, value: bytes) -> bytes:
    """``element`` (starting with its start tag) with one more attribute in that tag."""
    end = element.find(b">")
    at = end - 1 if element[end - 1:end] == b"/" else end
    return element[:at] + b" " + name + b'="' + value + b'"' + element[at:]


def _row_number(tag: bytes, previous: int) -> tuple[int, bool]:
    r = attrs_of(tag).get(b"r")
    return (int(r), True) if r else (previous + 1, False)


def check_writes(data: bytes, sheet: str, cells: dict[tuple[int, int], object]) -> None:
    """Refuse writes the sheet cannot take.

    Raises
    ------
    WorkbookError
        A write inside merged cells (other than their top-left cell), over the master cell of
        an array or shared formula, or inside an array formula's range.
    """
    for m in _MERGE.finditer(data):
        area = _area(m.group(1).decode("ascii", "replace"))
        if area is None:
            continue
        for (r, c) in cells:
            if _inside(area, r, c) and (r, c) != (area[0], area[1]):
                raise WorkbookError(
                    f"{sheet}!{column_letters(c)}{r} is inside merged cells "
                    f"({m.group(1).decode()}); unmerge them or move the report cell")
    for m in _FORMULA_WITH_REF.finditer(data):
        attrs = attrs_of(m.group(1))
        kind = attrs.get(b"t", b"")
        if kind not in (b"array", b"shared"):
            continue
        start = data.rfind(b"<", 0, m.start())
        while start > 0 and not re.match(rb"<(?:[\w.\-]+:)?c\b", data[start:start + 40]):
            start = data.rfind(b"<", 0, start)
        master = parse_ref(attrs_of(data[start:data.find(b">", start) + 1]).get(
            b"r", b"").decode()) if start >= 0 else None
        area = _area(m.group(2).decode("ascii", "replace"))
        for (r, c) in cells:
            where = f"{sheet}!{column_letters(c)}{r}"
            if master == (r, c):
                raise WorkbookError(f"{where} holds an {kind.decode()} formula "
                                    f"({m.group(2).decode()}); the report cannot write over it. "
                                    "Delete the formula or move the report cell")
            if kind == b"array" and area is not None and _inside(area, r, c):
                raise WorkbookError(f"{where} is inside the array formula "
                                    f"{m.group(2).decode()}; the report cannot write there. "
                                    "Delete the formula or move the report cell")


def patch_sheet(data: bytes, sheet: str, cells: dict[tuple[int, int], PlannedCell]) -> PatchResult:
    """Apply resolved writes to a worksheet part at the cell level.

    Parameters
    ----------
    data : bytes
        The sheet part.
    sheet : str
        Its title (for messages).
    cells : dict
        ``(row, column)`` → :class:`PlannedCell`.

    Returns
    -------
    PatchResult
    """
    check_writes(data, sheet, cells)
    found = _SHEET_DATA.search(data)
    if found is None:
        raise WorkbookError(f"sheet '{sheet}' has no cell data (<sheetData>); the file is damaged")
    prefix = found.group(1)
    if found.group(2):     # <sheetData/>: open it
        head = data[:found.start()] + b"<" + prefix + b"sheetData>"
        body = b""
        tail = b"</" + prefix + b"sheetData>" + data[found.end():]
    else:
        end = re.compile(rb"</" + re.escape(prefix) + rb"sheetData\s*>").search(data, found.end())
        if end is None:
            raise WorkbookError(f"sheet '{sheet}' has unterminated cell data; the file is damaged")
        head, body, tail = data[:found.end()], data[found.end():end.start()], data[end.start():]

    by_row: dict[int, dict[int, PlannedCell]] = {}
    for (r, c), planned in cells.items():
        by_row.setdefault(r, {})[c] = planned
    pending = sorted(by_row)
    next_row = 0                     # index of the first row of `pending` not yet written
    result = PatchResult(b"")
    out = []
    position = 0
    previous = 0
    for m in _ROW.finditer(body):
        tag_end = body.find(b">", m.start()) + 1
        number, explicit = _row_number(body[m.start():tag_end], previous)
        out.append(body[position:m.start()])
        while next_row < len(pending) and pending[next_row] < number:
            out.append(_new_row(prefix, pending[next_row], by_row[pending[next_row]]))
            next_row += 1
        row_bytes = m.group(0)
        if not explicit:
            row_bytes = with_attr(row_bytes, b"r", str(number).encode())
        if next_row < len(pending) and pending[next_row] == number:
            next_row += 1
            row_bytes = _patch_row(prefix, row_bytes, number, by_row[number], result)
        out.append(row_bytes)
        position = m.end()
        previous = number
    out += [_new_row(prefix, r, by_row[r]) for r in pending[next_row:]]
    out.append(body[position:])
    head = _grow_dimension(head, cells)
    result.data = head + b"".join(out) + tail
    return result


def _grow_dimension(head: bytes, cells: dict[tuple[int, int], PlannedCell]) -> bytes:
    filled = [(r, c) for (r, c), planned in cells.items() if planned.value is not None]
    m = _DIMENSION.search(head)
    if not filled or m is None:
        return head
    area = _area(m.group(2).decode("ascii", "replace")) or (1, 1, 1, 1)
    top = min(area[0], *(r for r, _ in filled))
    left = min(area[1], *(c for _, c in filled))
    bottom = max(area[2], *(r for r, _ in filled))
    right = max(area[3], *(c for _, c in filled))
    if (top, left, bottom, right) == area:
        return head
    ref = f"{column_letters(left)}{top}"
    if (top, left) != (bottom, right):
        ref += f":{column_letters(right)}{bottom}"
    return head[:m.start(2)] + ref.encode() + head[m.end(2):]


def _new_row(prefix: bytes, number: int, cells: dict[int, PlannedCell]) -> bytes:
    content = b"".join(cell_xml(prefix, f"{column_letters(c)}{number}", cells[c].style(0),
                                cells[c].value) for c in sorted(cells))
    if not content:
        return b""
    return b"<" + prefix + b'row r="' + str(number).encode() + b'">' + content + b"</" + prefix \
        + b"row>"


def _patch_row(prefix: bytes, row: bytes, number: int, cells: dict[int, PlannedCell],
               result: PatchResult) -> bytes:
    tag_end = row.find(b">") + 1
    start_tag = row[:tag_end]
    if start_tag.endswith(b"/>"):
        start_tag = start_tag[:-2].rstrip() + b">"
        inner, close = b"", b"</" + prefix + b"row>"
    else:
        close_at = row.rfind(b"</")
        inner, close = row[tag_end:close_at], row[close_at:]
    existing = []
    column = 0
    position = 0
    pieces = []
    for m in _CELL.finditer(inner):
        pieces.append(inner[position:m.start()])
        raw = m.group(0)
        cell_tag = raw[:raw.find(b">") + 1]
        ref = attrs_of(cell_tag).get(b"r")
        if ref:
            where = parse_ref(ref.decode("ascii", "replace"))
            column = where[1] if where else column + 1
        else:
            column += 1
            raw = with_attr(raw, b"r", f"{column_letters(column)}{number}".encode())
        existing.append((column, raw, len(pieces)))
        pieces.append(raw)
        position = m.end()
    trailer = inner[position:]
    written = dict(cells)
    for column, raw, index in existing:
        planned = written.pop(column, None)
        if planned is None:
            continue
        cell_tag = raw[:raw.find(b">") + 1]
        old_style = int(attrs_of(cell_tag).get(b"s", b"0") or 0)
        if re.search(rb"<(?:[\w.\-]+:)?f\b", raw):
            result.replaced_formula = True
        pieces[index] = cell_xml(prefix, f"{column_letters(column)}{number}",
                                 planned.style(old_style), planned.value)
    # new cells go before the first existing cell with a larger column (cells stay in order)
    extra = {c: cell_xml(prefix, f"{column_letters(c)}{number}", planned.style(0), planned.value)
             for c, planned in written.items()}
    extra = {c: xml for c, xml in extra.items() if xml}
    if extra:
        columns = sorted(extra)
        rebuilt = []
        order = {index: column for column, _, index in existing}
        for index, piece in enumerate(pieces):
            column = order.get(index)
            while column is not None and columns and columns[0] < column:
                rebuilt.append(extra[columns.pop(0)])
            rebuilt.append(piece)
        rebuilt += [extra[c] for c in columns]
        pieces = rebuilt
        start_tag = re.sub(rb"""\sspans\s*=\s*(?:"[^"]*"|'[^']*')""", b"", start_tag)
    return start_tag + b"".join(pieces) + trailer + close
