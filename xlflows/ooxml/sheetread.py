"""Worksheet cells and shared strings, read into numpy column by column.

:func:`read_cells` returns every cell of a worksheet part that holds a value as parallel arrays
(:class:`Cells`); :func:`read_shared_strings` returns the shared strings a caller asks for. Both
parse real XML (pyexpat, namespace-aware by URI, never by prefix): quote styles, spaces around
``=``, character and entity references, CDATA, comments, processing instructions, UTF-8 or
UTF-16. A DOCTYPE is refused (entity bombs), and so is anything a spreadsheet cannot hold: a cell
outside A1:XFD1048576, a value no spreadsheet writes, an unknown type, the same cell twice.

Two paths give the same answer:

* the **exact path**: pyexpat with a handler per element (:class:`_SheetHandler`); the reference,
  for any well-formed part;
* the **fast path** (:class:`_FastReader`), for the XML Excel, XlsxWriter, openpyxl and
  LibreOffice write: the part is read in chunks; the start of the part up to ``<sheetData>`` and
  everything after ``</sheetData>`` go through the exact handler, and the rows between are
  decoded by numpy from the bytes (tag positions, the ``r`` values, value spans, numbers parsed
  in bulk) under a strict byte grammar that it checks in full: whatever it cannot prove it reads
  right goes to the exact handler, a cell at a time (formulas, inline strings, text types,
  unusual attributes or values) or, for anything else, the whole part from the start.

Numbers in ``<v>`` follow one grammar in both paths: optional XML white space around
``[+-]digits[.digits][(e|E)[+-]digits]``, finite as a double (``float`` reads it, correctly
rounded; numpy's ``fromstring`` gives the same doubles). A shared-string index is such a number
equal to a whole number, a boolean one equal to 0 or 1 (or ``true``/``false``).
"""

from __future__ import annotations

import array
import math
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO
from xml.parsers import expat

import numpy as np

from xlflows import a1
from xlflows.a1 import MAX_COL, MAX_ROW, column_letters
from xlflows.errors import WorkbookError
from xlflows.ooxml.escape import excel_decode, xml_attr

# --------------------------------------------------------------------------- the result
#: Kinds of a cell holding a value (blank cells, styled or not, are not listed).
NUMBER = 1      # t absent or "n": numbers[i] is the value
SHARED = 2      # t="s": numbers[i] is the shared-string index (a whole number)
TEXT = 3        # t="inlineStr" (<is> text, phonetic runs left out) or t="str": texts[i]
BOOL = 4        # t="b": numbers[i] is 0.0 or 1.0
ERROR = 5       # t="e": texts[i] is the error literal ("#N/A")
ISO_DATE = 6    # t="d": texts[i] is the ISO 8601 text as stored
NO_VALUE = 7    # a formula with no cached value: the caller refuses it, naming the cell

#: The SpreadsheetML main namespace: Transitional and Strict.
MAIN_NAMESPACES = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                   "http://purl.oclc.org/ooxml/spreadsheetml/main")


@dataclass
class Cells:
    """The cells of a sheet that hold a value, sorted by (row, column), as parallel arrays.

    ``rows``/``cols`` are 1-based (int32); ``kinds`` one of :data:`NUMBER` ... :data:`NO_VALUE`
    (int8); ``numbers`` the value of NUMBER, SHARED and BOOL cells, NaN for the others
    (float64); ``styles`` the ``s`` attribute, 0 when absent (int32); ``texts`` maps a position
    to the text of a TEXT, ERROR or ISO_DATE cell (XML- and ``_xHHHH_``-decoded for TEXT).
    """

    rows: np.ndarray
    cols: np.ndarray
    kinds: np.ndarray
    numbers: np.ndarray
    styles: np.ndarray
    texts: dict[int, str]

    def __len__(self) -> int:
        return len(self.rows)


# --------------------------------------------------------------------------- shared rules
_ROW_NUMBER = re.compile(r"[0-9]{1,7}")
_DIGITS = re.compile(r"[0-9]+")
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_XML_SPACE = " \t\n\r"
#: The largest shared-string and style index (Excel's limits are far below).
_MAX_INDEX = 2**31 - 1

# the ``t`` attribute: the type codes of the exact handler
_T_NUMBER, _T_SHARED, _T_STR, _T_INLINE, _T_BOOL, _T_ERROR, _T_DATE = range(7)
_TYPES = {None: _T_NUMBER, "n": _T_NUMBER, "s": _T_SHARED, "str": _T_STR,
          "inlineStr": _T_INLINE, "b": _T_BOOL, "e": _T_ERROR, "d": _T_DATE}
#: The type codes the fast path reads itself, and the kinds they give.
_FAST_KINDS = {_T_NUMBER: NUMBER, _T_SHARED: SHARED, _T_BOOL: BOOL}


def parse_ref(ref: str) -> tuple[int, int] | None:
    """A cell's ``r``: ``"B7"`` -> ``(7, 2)``; None for anything that is not one cell inside
    Excel's grid, ``$`` included (a cell's own reference is never absolute)."""
    return None if "$" in ref else a1.parse_ref(ref)


def _damaged(message: str) -> WorkbookError:
    return WorkbookError(message + "; the file is damaged")


def _cell_type(t: str | None, s: str | None) -> tuple[int, int] | None:
    """The type code and style index of a cell from its ``t`` and ``s`` attributes; None for an
    unknown type or a style that is not a whole number up to 2**31 - 1 (see
    :func:`_type_error`)."""
    code = _TYPES.get(t)
    if code is None:
        return None
    if s is None:
        return code, 0
    if _DIGITS.fullmatch(s) is None or int(s) > _MAX_INDEX:
        return None
    return code, int(s)


def _type_error(where: str, t: str | None) -> WorkbookError:
    """The message for a cell that :func:`_cell_type` refuses."""
    if t is not None and t not in _TYPES:
        return _damaged(f"{where} has the type '{t[:20]}', which no spreadsheet writes")
    return _damaged(f"{where} has a style index that is not a whole number")


def _number(text: str) -> float | None:
    """The number a ``<v>`` holds (XML white space around it allowed); None if it is none."""
    text = text.strip(_XML_SPACE)
    if _NUMBER_TEXT.fullmatch(text) is None:
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _flag(text: str) -> float | None:
    """A boolean's ``<v>``: 1.0 for ``true`` or a number equal to 1, 0.0 for ``false`` or one
    equal to 0; else None."""
    word = {"true": 1.0, "false": 0.0}.get(text.strip(_XML_SPACE))
    if word is not None:
        return word
    value = _number(text)
    return value + 0.0 if value == 0 or value == 1 else None


def _index(text: str) -> float | None:
    """A shared-string index: a number equal to a whole number from 0 to 2**31 - 1 (``-0``
    is 0.0); else None."""
    value = _number(text)
    if value is None or value != math.floor(value) or not 0 <= value <= _MAX_INDEX:
        return None
    return value + 0.0


#: The kind and the parser of the ``<v>`` of each type holding a number.
_VALUES = {_T_NUMBER: (NUMBER, _number), _T_SHARED: (SHARED, _index), _T_BOOL: (BOOL, _flag)}

# --------------------------------------------------------------------------- the exact path
# element codes (main namespace only; anything else is 0)
_SHEET_DATA, _ROW, _C, _V, _F, _IS, _T, _R, _SI = range(1, 10)
_CODES = {f"{ns} {local}": code for ns in MAIN_NAMESPACES for local, code in (
    ("sheetData", _SHEET_DATA), ("row", _ROW), ("c", _C), ("v", _V), ("f", _F), ("is", _IS),
    ("t", _T), ("r", _R), ("si", _SI))}
# where the handler is
(_OUTSIDE, _IN_SHEET_DATA, _IN_ROW, _IN_CELL, _IN_V, _IN_IS, _IN_T, _IN_RUN,
 _IN_RUN_T) = range(9)


class _Stop(Exception):
    """Raised inside a handler to stop parsing early (the shared strings wanted are read)."""


def _new_parser(sheet_title: str) -> expat.XMLParserType:
    """A namespace-aware parser (``"uri local"`` names) that refuses DOCTYPE and ENTITY."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True

    def refuse(*_args):
        raise WorkbookError(f"{sheet_title} declares an XML DOCTYPE; spreadsheet parts never do "
                            "(refused as a possible entity bomb)")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


def _xml_error(what: str, error: expat.ExpatError) -> WorkbookError:
    return _damaged(f"{what} is not readable XML (line {error.lineno}, column "
                    f"{error.offset + 1}: {expat.ErrorString(error.code)})")


class _Columns:
    """Growing columns of the cells read by the exact handler (compact, no object per cell)."""

    def __init__(self):
        self.rows = array.array("i")
        self.cols = array.array("i")
        self.kinds = array.array("b")
        self.numbers = array.array("d")
        self.styles = array.array("i")
        self.texts: dict[int, str] = {}

    def block(self, start: int = 0) -> dict:
        """The cells from position ``start`` on as a block of numpy arrays (copied)."""
        return {"rows": np.array(self.rows[start:], np.int32),
                "cols": np.array(self.cols[start:], np.int32),
                "kinds": np.array(self.kinds[start:], np.int8),
                "numbers": np.array(self.numbers[start:], np.float64),
                "styles": np.array(self.styles[start:], np.int32),
                "texts": {i - start: text for i, text in self.texts.items() if i >= start}}

    def drop(self, start: int) -> None:
        """Forget the cells from position ``start`` on."""
        for column in (self.rows, self.cols, self.kinds, self.numbers, self.styles):
            del column[start:]
        self.texts = {i: text for i, text in self.texts.items() if i < start}

    def add(self, row: int, col: int, kind: int, number: float, style: int,
            text: str | None = None) -> None:
        if text is not None:
            self.texts[len(self.rows)] = text
        self.rows.append(row)
        self.cols.append(col)
        self.kinds.append(kind)
        self.numbers.append(number)
        self.styles.append(style)


class _SheetHandler:
    """The exact path: pyexpat handlers that read the cells of ``<sheetData>``.

    Only elements of the main namespace count, at their place (``worksheet/sheetData/row/c``
    and ``v``, ``f``, ``is`` inside a cell); any other element is skipped with its content.
    Cells without ``r`` take the previous cell's column + 1 in the row, rows without ``r`` the
    previous row + 1.
    """

    def __init__(self, sheet: str, columns: tuple[int, int] | None, parser):
        self.sheet = sheet
        self.first, self.last = columns if columns is not None else (1, MAX_COL)
        self.parser = parser
        self.out = _Columns()
        self.state = _OUTSIDE
        self.depth = 0            # element depth while outside <sheetData>
        self.skip = 0             # depth inside an element being skipped
        self.row = 0              # the current row's number
        self.col = 0              # the previous cell's column in the row
        self.sheet_data_at = -1   # byte index of <sheetData>
        self.encoding = None      # of the XML declaration
        self.namespaces: dict[str, list[str]] = {}
        # the cell being read
        self.cell_row = self.cell_col = 0
        self.cell_t = self.cell_s = None
        self.value: list[str] | None = None
        self.inline: list[str] | None = None
        self.formula = False
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        parser.StartNamespaceDeclHandler = self.start_namespace
        parser.EndNamespaceDeclHandler = self.end_namespace
        parser.XmlDeclHandler = self.declaration

    # -- namespaces and declaration (rare; kept for the fast path's attribute checks)
    def start_namespace(self, prefix, uri):
        self.namespaces.setdefault(prefix or "", []).append(uri)

    def end_namespace(self, prefix):
        self.namespaces[prefix or ""].pop()

    def declaration(self, _version, encoding, _standalone):
        self.encoding = encoding

    # -- elements
    def start(self, name, attrs):
        if self.skip:
            self.skip += 1
            return
        state = self.state
        code = _CODES.get(name, 0)
        if state == _IN_ROW:
            if code == _C and self._start_cell(attrs):
                self.state = _IN_CELL
            else:
                self.skip = 1
        elif state == _IN_CELL:
            if code == _V:
                if self.value is not None:
                    raise _damaged(f"{self._where()} holds two values")
                self.value = []
                self.state = _IN_V
            elif code == _IS:
                if self.inline is None:
                    self.inline = []
                self.state = _IN_IS
            else:
                self.formula = self.formula or code == _F
                self.skip = 1
        elif state == _IN_SHEET_DATA:
            if code == _ROW:
                self._start_row(attrs)
                self.state = _IN_ROW
            else:
                self.skip = 1
        elif state == _IN_IS and code == _T:
            self.state = _IN_T
        elif state == _IN_IS and code == _R:
            self.state = _IN_RUN
        elif state == _IN_RUN and code == _T:
            self.state = _IN_RUN_T
        elif state == _OUTSIDE:
            self.depth += 1
            if code == _SHEET_DATA and self.depth == 2:
                self.state = _IN_SHEET_DATA
                self.sheet_data_at = self.parser.CurrentByteIndex
        else:
            self.skip = 1          # phonetic runs, run properties, elements inside text

    def end(self, _name):
        if self.skip:
            self.skip -= 1
            return
        state = self.state
        if state == _IN_V or state == _IN_IS:
            self.state = _IN_CELL
        elif state == _IN_CELL:
            self._end_cell()
            self.state = _IN_ROW
        elif state == _IN_ROW:
            self.state = _IN_SHEET_DATA
        elif state == _IN_T or state == _IN_RUN:
            self.state = _IN_IS
        elif state == _IN_RUN_T:
            self.state = _IN_RUN
        else:
            if state == _IN_SHEET_DATA:
                self.state = _OUTSIDE
            self.depth -= 1

    def text(self, data):
        if self.skip == 0:
            state = self.state
            if state == _IN_V:
                assert self.value is not None        # start() makes it on entering <v>
                self.value.append(data)
            elif state == _IN_T or state == _IN_RUN_T:
                assert self.inline is not None       # start() makes it on entering <is>
                self.inline.append(data)

    # -- rows and cells
    def _start_row(self, attrs):
        r = attrs.get("r")
        if r is None:
            number = self.row + 1
        elif _ROW_NUMBER.fullmatch(r):
            number = int(r)
        else:
            number = 0
        if not 1 <= number <= MAX_ROW:
            shown = r[:20] if r is not None else str(number)
            raise _damaged(f"{self.sheet}: a row is numbered '{shown}', outside Excel's grid "
                           f"(rows 1 to {MAX_ROW})")
        self.row = number
        self.col = 0

    def _start_cell(self, attrs) -> bool:
        """Place the cell; False when it is outside the columns read (its content is skipped)."""
        r = attrs.get("r")
        if r is None:
            row, col = self.row, self.col + 1
            if col > MAX_COL:
                raise self._outside(f"{column_letters(col)}{row}")
        else:
            where = parse_ref(r)
            if where is None:
                raise self._outside(r[:20])
            row, col = where
        self.col = col
        if not self.first <= col <= self.last:
            return False
        self.cell_row, self.cell_col = row, col
        self.cell_t, self.cell_s = attrs.get("t"), attrs.get("s")
        self.value = self.inline = None
        self.formula = False
        return True

    def _outside(self, ref: str) -> WorkbookError:
        return _damaged(f"{self.sheet}: a cell is at '{ref}', outside Excel's grid "
                        f"(A1:XFD{MAX_ROW})")

    def _where(self) -> str:
        return f"{self.sheet}!{column_letters(self.cell_col)}{self.cell_row}"

    def _end_cell(self):
        typed = _cell_type(self.cell_t, self.cell_s)
        if typed is None:
            raise _type_error(self._where(), self.cell_t)
        code, style = typed
        row, col, out = self.cell_row, self.cell_col, self.out
        if code == _T_INLINE and self.inline is not None:
            text = excel_decode("".join(self.inline))
            if text:
                out.add(row, col, TEXT, math.nan, style, text)
            return
        value = None if self.value is None else "".join(self.value)
        if not value:
            if self.formula and (value is None or code not in (_T_STR, _T_INLINE)):
                out.add(row, col, NO_VALUE, math.nan, style)
            return
        if code == _T_STR or code == _T_INLINE:
            out.add(row, col, TEXT, math.nan, style, excel_decode(value))
        elif code == _T_ERROR:
            out.add(row, col, ERROR, math.nan, style, value)
        elif code == _T_DATE:
            out.add(row, col, ISO_DATE, math.nan, style, value)
        else:
            kind, parse = _VALUES[code]
            number = parse(value)
            if number is None:
                t = self.cell_t or "n"
                raise _damaged(f"{self._where()} holds '{value[:40]}' with type '{t}', which no "
                               "spreadsheet writes")
            out.add(row, col, kind, number, style)


_FIELDS = (("rows", np.int32), ("cols", np.int32), ("kinds", np.int8), ("numbers", np.float64),
           ("styles", np.int32))


def _join(blocks: list[dict]) -> dict:
    """One block of the cells of ``blocks`` in their order (each block's arrays are released as
    soon as its column is joined)."""
    texts: dict[int, str] = {}
    offset = 0
    for block in blocks:
        texts.update({offset + i: text for i, text in block["texts"].items()})
        offset += len(block["rows"])
    joined: dict[str, object] = {"texts": texts}
    for name, dtype in _FIELDS:
        joined[name] = np.concatenate([block[name] for block in blocks] or
                                      [np.zeros(0, dtype)]).astype(dtype, copy=False)
        for block in blocks:
            block[name] = None
    return joined


def _sorted(block: dict, sheet: str) -> dict:
    """The block sorted by (row, column); the same cell twice is refused."""
    rows, cols = block["rows"], block["cols"]
    ordered = (rows[1:] > rows[:-1]) | ((rows[1:] == rows[:-1]) & (cols[1:] > cols[:-1]))
    if ordered.all():
        return block
    key = rows.astype(np.int64)
    key *= MAX_COL + 1
    key += cols
    order = np.argsort(key, kind="stable")
    key = key[order]
    twice = np.flatnonzero(key[1:] == key[:-1])
    if len(twice):
        row, col = divmod(int(key[twice[0]]), MAX_COL + 1)
        raise _damaged(f"{sheet}!{column_letters(col)}{row} appears twice")
    for name, _ in _FIELDS:
        block[name] = block[name][order]
    if block["texts"]:
        position = np.empty(len(order), np.int64)
        position[order] = np.arange(len(order))
        block["texts"] = {int(position[i]): text for i, text in block["texts"].items()}
    return block


def _cells(blocks: list[dict], sheet: str) -> Cells:
    """The cells of ``blocks`` (in file order) as :class:`Cells`, sorted by (row, column)."""
    return Cells(**_sorted(_join(blocks), sheet))


def _read_stream(stream: BinaryIO, what: str, size: int) -> bytes:
    """``stream.read(size)``, with a damaged zip member reported as such."""
    try:
        return stream.read(size)
    except zlib.error:
        problem = "its compressed data is damaged"
    except EOFError:
        problem = "it ends early"
    except zipfile.BadZipFile:
        problem = "its checksum does not match"
    except OSError as exc:
        problem = f"it cannot be read: {exc.strerror or exc}"
    raise _damaged(f"{what} cannot be read ({problem})")


_CHUNK = 384 << 10     # bytes of the decompressed part handled at a time (see the benchmark)


def _feed(parser, what: str, data: bytes, final: bool = False) -> None:
    """Parse more bytes; a well-formedness error becomes the damaged-file message."""
    try:
        parser.Parse(data, final)
    except expat.ExpatError as exc:
        raise _xml_error(what, exc) from None
    except (LookupError, ValueError):      # pyexpat on an encoding it cannot read
        raise _damaged(f"{what} is not readable XML (its declared encoding is unknown or "
                       "takes several bytes a character)") from None


def _read_exact(stream: BinaryIO, sheet: str, columns: tuple[int, int] | None) -> Cells:
    """The exact path: the whole part through :class:`_SheetHandler`."""
    what = f"sheet '{sheet}'"
    parser = _new_parser(what)
    handler = _SheetHandler(sheet, columns, parser)
    while True:
        data = _read_stream(stream, what, _CHUNK)
        _feed(parser, what, data, final=not data)
        if not data:
            return _cells([handler.out.block()], sheet)


def read_cells(open_stream: Callable[[], BinaryIO], *, sheet: str,
               columns: tuple[int, int] | None = None) -> Cells:
    """The cells of a worksheet part that hold a value.

    Parameters
    ----------
    open_stream : callable
        Returns a new binary stream of the part's (decompressed) bytes on each call; it may be
        called twice (the fast path gives way to the exact path from the start).
    sheet : str
        The sheet's title, for messages.
    columns : (int, int), optional
        Keep only the cells in columns ``first`` to ``last`` (1-based, inclusive). The others
        are checked for their place and their XML only.

    Returns
    -------
    Cells
        Sorted by (row, column).

    Raises
    ------
    WorkbookError
        The part is not well-formed XML, declares a DOCTYPE, cannot be decompressed, or holds
        a cell outside Excel's grid, a row numbered outside it, an unknown type, a value no
        spreadsheet writes, or the same cell twice. One line, the sheet named.
    """
    try:
        with open_stream() as stream:
            return _FastReader(sheet, columns).read(stream)
    except _Unsure:
        pass
    with open_stream() as stream:
        return _read_exact(stream, sheet, columns)


# --------------------------------------------------------------------------- shared strings
class _SharedStringsHandler:
    """pyexpat handlers collecting the text of the wanted ``<si>`` of the shared string table
    (``<t>`` and rich-text runs joined, phonetic runs left out); raises :class:`_Stop` after
    the last wanted one."""

    def __init__(self, parser, wanted: set[int]):
        self.wanted = wanted
        self.last = max(wanted)
        self.found: dict[int, str] = {}
        self.index = -1
        self.depth = 0
        self.state = _OUTSIDE
        self.skip = 0
        self.parts: list[str] | None = None
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text

    def start(self, name, _attrs):
        if self.skip:
            self.skip += 1
            return
        code = _CODES.get(name, 0)
        state = self.state
        if state == _OUTSIDE:
            self.depth += 1
            if self.depth == 2 and code == _SI:
                self.index += 1
                self.state = _IN_IS
                self.parts = [] if self.index in self.wanted else None
        elif state == _IN_IS and code == _T:
            self.state = _IN_T
        elif state == _IN_IS and code == _R:
            self.state = _IN_RUN
        elif state == _IN_RUN and code == _T:
            self.state = _IN_RUN_T
        else:
            self.skip = 1

    def end(self, _name):
        if self.skip:
            self.skip -= 1
            return
        state = self.state
        if state == _IN_IS:
            if self.parts is not None:
                self.found[self.index] = excel_decode("".join(self.parts))
            self.state = _OUTSIDE
            self.depth -= 1
            if self.index >= self.last:
                raise _Stop
        elif state == _IN_T or state == _IN_RUN:
            self.state = _IN_IS
        elif state == _IN_RUN_T:
            self.state = _IN_RUN
        else:
            self.depth -= 1

    def text(self, data):
        if self.skip == 0 and self.parts is not None and (
                self.state == _IN_T or self.state == _IN_RUN_T):
            self.parts.append(data)


def read_shared_strings(open_stream: Callable[[], BinaryIO], wanted: np.ndarray) -> dict[int, str]:
    """The entries of the shared string table (``xl/sharedStrings.xml``) whose index is wanted.

    The table is streamed and parsing stops after the entry ``max(wanted)``, so a huge table
    of which a few entries are used costs little. Indexes beyond the table are simply absent
    from the result (the caller names the cell). Texts are ``_xHHHH_``-decoded.

    Parameters
    ----------
    open_stream : callable
        Returns a new binary stream of the part's (decompressed) bytes.
    wanted : numpy.ndarray
        Whole-number indexes (any integer or float dtype; duplicates allowed).

    Raises
    ------
    WorkbookError
        The table is not well-formed XML up to the last entry wanted, declares a DOCTYPE, or
        cannot be decompressed.
    """
    wanted_set = {int(i) for i in np.unique(np.asarray(wanted)) if i >= 0}
    if not wanted_set:
        return {}
    what = "the shared string table"
    parser = _new_parser(what)
    handler = _SharedStringsHandler(parser, wanted_set)
    with open_stream() as stream:
        try:
            while True:
                data = _read_stream(stream, what, _CHUNK)
                _feed(parser, what, data, final=not data)
                if not data:
                    break
        except _Stop:
            pass
    return handler.found


# --------------------------------------------------------------------------- the fast path
class _Unsure(Exception):
    """The fast path cannot prove it reads this part right: read it with the exact path."""


#: ``<sheetData>`` and its prefix (the fast path accepts only this start tag, no attributes).
_SHEET_DATA_START = re.compile(rb"<((?:[A-Za-z_][A-Za-z0-9_.\-]*:)?)sheetData(/?)>")
#: How far into a part ``<sheetData>`` must start, and how long one row may be, for the fast
#: path (bytes; the exact path reads the others).
_HEAD_LIMIT = 4 << 20
_ROW_LIMIT = 1 << 20
#: Bytes around a piece, so that fixed-width gathers near its ends stay inside the array.
_MARGIN = 64
_PAD = bytes(_MARGIN)
#: The longest attribute run after ``r="…"`` compared as words (longer: read exactly).
_TAIL_WIDTH = 160

# tokens: what a tag is; _X is anything else (a tag of a cell read by the handler, an unknown)
_X, _RS, _RE, _CS, _CE, _VS, _VE, _RSC, _CSC, _CX = range(10)
#: Which token may follow which in the rows the fast path decodes:
#: (RS (CS VS VE CE | CS CE | CSC | CX)* RE | RSC)*, checked pair by pair.
_FOLLOWS = np.zeros((10, 10), bool)        # np.take: [token * 10 + next token]
for _a, _bs in ((_RS, (_CS, _CSC, _CX, _RE)), (_CS, (_VS, _CE)), (_VS, (_VE,)), (_VE, (_CE,)),
                (_CE, (_CS, _CSC, _CX, _RE)), (_CSC, (_CS, _CSC, _CX, _RE)),
                (_CX, (_CS, _CSC, _CX, _RE)), (_RE, (_RS, _RSC)), (_RSC, (_RS, _RSC))):
    _FOLLOWS[_a, list(_bs)] = True
#: Bytes a number's <v> may hold when ``numpy.fromstring`` reads it.
_NUMERIC = np.zeros(256, bool)
_NUMERIC[list(b"0123456789.eE+-")] = True


def _intp(index: np.ndarray) -> np.ndarray:
    """Indices or counts as ``intp``, which ``np.take`` and ``np.repeat`` cast to by the "safe"
    rule: that refuses int64 where ``intp`` is int32 (wasm32, Pyodide). No copy on 64-bit."""
    return np.asarray(index).astype(np.intp, copy=False)


def _lookup(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index]`` through ``np.take`` (faster than fancy indexing for small tables)."""
    return np.take(table, _intp(index))


# SWAR ("SIMD within a register") on little-endian 64-bit words of 8 bytes
_U = np.uint64
_ZEROS = _U(0x3030303030303030)           # "00000000"
_DOTS = _U(0x2E2E2E2E2E2E2E2E)            # "........"
_LOW7 = _U(0x7F7F7F7F7F7F7F7F)
_HIGH = _U(0x8080808080808080)
_ABOVE_NINE = _U(0x4646464646464646)      # byte + 0x46 has bit 7 set iff byte > "9"
_NINE_UP = _U(0x7676767676767676)         # (byte & 0x7F) + 0x76 has bit 7 set iff > 9
_POINTS = _U(0x1E1E1E1E1E1E1E1E)          # "." ^ "0"
#: _LOW_BYTES[k]: the low k bytes of a word set.
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], np.uint64)
_POWERS = 10.0 ** np.arange(19)               # exact doubles (up to 1e22 are)
_INT_POWERS = 10 ** np.arange(19, dtype=np.int64)


def _words(data: np.ndarray) -> np.ndarray:
    """The little-endian 64-bit word starting at every byte of ``data`` (a view, no copy)."""
    return np.ndarray((len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))


def _pattern(text: bytes) -> tuple[bytes, list[tuple[int, np.uint64, np.uint64]]]:
    """``text`` and its (offset, word, mask) per 8 bytes, for :func:`_matches`."""
    parts = []
    for offset in range(0, len(text), 8):
        piece = text[offset:offset + 8]
        mask = (1 << (8 * len(piece))) - 1
        parts.append((offset, _U(int.from_bytes(piece, "little")), _U(mask)))
    return text, parts


def _matches(words: np.ndarray, at: np.ndarray, pattern) -> np.ndarray:
    """Whether the bytes at each of ``at`` are the pattern's text (see :func:`_pattern`)."""
    found = np.ones(at.shape, dtype=bool)
    for offset, word, mask in pattern[1]:
        here = words[at + offset]
        if mask != _U(0xFFFFFFFFFFFFFFFF):
            here &= mask
        found &= here == word
    return found


def _eight_digits(x: np.ndarray) -> np.ndarray:
    """The number each word of eight digit values (0-9, the first in the lowest byte) writes."""
    x = ((x & _U(0x0F0F0F0F0F0F0F0F)) * _U(2561)) >> _U(8)
    x = ((x & _U(0x00FF00FF00FF00FF)) * _U(6553601)) >> _U(16)
    return ((x & _U(0x0000FFFF0000FFFF)) * _U(42949672960001)) >> _U(32)


def _not_digits(words: np.ndarray) -> np.ndarray:
    """Bit 7 set in (at least) the first byte of each word that is not an ASCII digit, and
    clear in every byte before it."""
    return ((words + _ABOVE_NINE) | (words - _ZEROS)) & _HIGH


def _lowest_byte(flags: np.ndarray) -> np.ndarray:
    """Index (0-7) of the lowest byte with bit 7 set in each word; 8 where none is."""
    lowest = (flags & (_U(0) - flags)).astype(np.float64)      # that bit alone: 2**(8i + 7)
    return np.where(flags == 0, 8, ((lowest.view(np.int64) >> 52) - 1030) >> 3)


def _digit_run(words: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The digit runs starting at ``at`` and closed by a quote: (their value, their length,
    whether 1 to 7 digits and then ``"``)."""
    word = words[at]
    length = _lowest_byte(_not_digits(word))
    ok = (length >= 1) & (length <= 7) & (
        (word >> (np.minimum(length, 7).astype(np.uint64) * _U(8))) & _U(255) == 34)
    shift = (8 - np.clip(length, 1, 8)).astype(np.uint64) * _U(8)
    value = _eight_digits((word - _ZEROS) << shift).astype(np.int64)
    return value, length, ok


def _cell_refs(data: np.ndarray, words: np.ndarray, at: np.ndarray):
    """The ``r`` values starting at ``at``: (row, column, position of the closing quote,
    whether the value is [A-Z]{1,3}[0-9]{1,7} inside Excel's grid)."""
    first = data[at] - np.uint8(65)                      # "A" -> 0 ... "Z" -> 25
    second = data[1:][at] - np.uint8(65)
    col = first.astype(np.int64) + 1
    count = np.ones(len(at), np.int64)
    two = second < 26
    if two.any():                                         # columns AA to XFD
        third = data[2:][at] - np.uint8(65)
        three = two & (third < 26)
        col = np.where(two, col * 26 + second + 1, col)
        col = np.where(three, col * 26 + third + 1, col)
        count += two
        count += three
    row, digits, ok = _digit_run(words, at + count)
    ok &= (first < 26) & (col <= MAX_COL) & (row >= 1) & (row <= MAX_ROW)
    return row, col, at + count + digits, ok


def _word_digits(word: np.ndarray, before: np.ndarray, offset: int):
    """One word of number texts, ``offset`` bytes before their end: (its eight digits' value,
    bit 7 set where a byte is neither a digit, nor a point, nor one of the ``before`` leading
    bytes (read as 0), or where a second point is, whether it holds a point (int8, or None if
    no word does), the digits after that point to the text's end)."""
    digit = word ^ _ZEROS                                   # "0"-"9" -> 0-9, "." -> 0x1E
    outside = _lookup(_LOW_BYTES, before)
    point = digit ^ _POINTS
    point = ~(((point & _LOW7) + _LOW7) | point | outside) & _HIGH   # bit 7 of each "."
    has = after = None
    if point.any():
        flag = point >> _U(7)                               # 1 in the point's byte
        outside |= flag * _U(255)
        has = (point != 0).view(np.int8)
        # byte index of a lone flag 2**(8b): the top byte of flag * 0x0001020304050607
        after = (offset - 1 - ((flag * _U(0x0001020304050607)) >> _U(56)).view(np.int64)) * has
    digit &= ~outside
    bad = ((((digit & _LOW7) + _NINE_UP) | digit) & _HIGH) | (point & (point - _U(1)))
    return _eight_digits(digit), bad, has, after


def _decimals(data: np.ndarray, words: np.ndarray, start: np.ndarray, end: np.ndarray):
    """The numbers written ``[+-]digits[.digits]`` in ``data[start:end]`` (1 to 24 bytes),
    exactly as ``float`` reads them, and which texts were of that form.

    The text is read as up to three 64-bit words ending at ``end``, eight digits a word
    (SWAR: "SIMD within a register"), into an integer (the point read as a 0, then taken
    out). When that mantissa is below 2**53, it and ``10**f`` (``f`` digits after the point,
    at most 18) are exact doubles, and their IEEE quotient is the correctly rounded value
    (Clinger's fast path). The other texts (an exponent, 17 significant digits, ...) are left
    to :func:`_floats`.
    """
    length = end - start
    first = data[start]
    negative = first == 45
    digits = length - (negative | (first == 43))            # the bytes after a sign
    second = int(np.count_nonzero(digits > 8))
    if 4 * second > len(start):                              # most need two words: one gather
        pair = np.ndarray((len(data) - 15,), "V16", data, strides=(1,))[end - 16]
        pair = pair.view("<u8").reshape(-1, 2)
        last, before_last = pair[:, 1].copy(), pair[:, 0].copy()
    else:
        last, before_last = words[end - 8], None
    mantissa, bad, points, places = _word_digits(last, np.clip(8 - digits, 0, 8), 8)
    if points is None:
        points = np.zeros(len(start), np.int8)
        places = np.zeros(len(start), np.int64)
    for offset in (16, 24):
        longer = digits > offset - 8
        count = second if offset == 16 else int(np.count_nonzero(longer))
        if not count:
            break
        rows = None if before_last is not None and offset == 16 else np.flatnonzero(longer)
        room = np.clip(offset - (digits if rows is None else digits[rows]), 0, 8)
        word = before_last if rows is None else words[end[rows] - offset]
        value, flags, more, after = _word_digits(word, room, offset)
        if offset == 24:
            flags |= (value >= _U(1844)) * _HIGH             # else the mantissa passes 2**64
        value *= _U(10 ** (offset - 8))
        if rows is None:
            mantissa += value
            bad |= flags
            if more is not None:
                points += more
                places += after
        else:
            mantissa[rows] += value
            bad[rows] |= flags
            if more is not None:
                points[rows] += more
                places[rows] += after
    dotted = points == 1
    ok = ((digits >= 1) & (length <= 24) & (bad == 0) & (points <= 1) & (digits > dotted)
          & (places <= 18) & (mantissa < _U(1 << 62)))         # (int64 below)
    # M = A * 10**(f + 1) + R with R < 10**f; the mantissa is A * 10**f + R
    places = np.minimum(places, 18)
    signed = mantissa.view(np.int64)
    rest = signed % _lookup(_INT_POWERS, places)
    signed += ((signed - rest) // 10 + rest - signed) * dotted
    ok &= mantissa < _U(1 << 53)
    number = signed.astype(np.float64)
    number /= _lookup(_POWERS, places)
    number *= 1.0 - 2.0 * negative
    return number, ok


def _spans(data: np.ndarray, start: np.ndarray, end: np.ndarray):
    """The bytes of the strings ``data[start:end]`` end to end, and the string each is of."""
    length = end - start
    owner = np.repeat(np.arange(len(start)), _intp(length))
    source = np.arange(len(owner)) + np.repeat(start - np.cumsum(length) + length, _intp(length))
    return owner, data[source]


def _numeric_only(data: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Per string ``data[start:end]``: every byte one a number may hold (an empty one too)."""
    owner, chars = _spans(data, start, end)
    good = np.ones(len(start), bool)
    good[owner[~_lookup(_NUMERIC, chars)]] = False
    return good


def _floats(data: np.ndarray, start: np.ndarray, end: np.ndarray):
    """The numbers in ``data[start:end]`` read by ``numpy.fromstring`` (the same doubles as
    ``float``), for texts of digits, ``.``, ``e``, ``E``, ``+``, ``-`` only; and which were
    read (finite, of those characters). Raises :class:`_Unsure` when a text would not read as
    exactly one number."""
    length = end - start
    numbers = np.full(len(start), np.nan)
    owner, chars = _spans(data, start, end)
    good = length >= 1
    good[owner[~_lookup(_NUMERIC, chars)]] = False
    if not good.any():
        return numbers, good            # (fromstring reads white space alone as [-1.0])
    keep = good[owner]
    packed = np.full(len(owner) + len(start), 32, np.uint8)
    packed[(np.arange(len(owner)) + owner)[keep]] = chars[keep]
    try:
        with warnings.catch_warnings():
            # numpy 2.0 (Pyodide 0.27) stops at unreadable text with a DeprecationWarning;
            # numpy 2.4 raises ValueError: either way the exact path decides
            warnings.simplefilter("error", DeprecationWarning)
            read = np.fromstring(packed.tobytes(), sep=" ")
    except (ValueError, DeprecationWarning):
        raise _Unsure from None
    if len(read) != good.sum():
        raise _Unsure                   # a text that is not one number
    numbers[good] = read
    return numbers, good & np.isfinite(numbers)


def _distinct(words: np.ndarray, start: np.ndarray, end: np.ndarray):
    """Group the byte strings ``[start, end)`` by content: (group of each, one member of each
    group); group -1 for the empty ones and those over ``_TAIL_WIDTH`` bytes. Strings are
    compared as the 64-bit words ending at ``end``, the bytes before ``start`` masked out."""
    length = end - start
    group = np.full(len(start), -1, np.int64)
    fits = np.flatnonzero((length >= 1) & (length <= _TAIL_WIDTH))
    if not len(fits):
        return group, []
    length = length[fits]
    width = 8 * int((length.max() + 7) // 8)
    keys = [words[end[fits] - width + offset]
            & ~_lookup(_LOW_BYTES, np.clip(width - length - offset, 0, 8))
            for offset in range(0, width, 8)]
    same = _same_as_first(keys)             # the first group: all of them compared
    group[fits[same]] = 0
    members = [int(fits[0])]
    todo = np.flatnonzero(~same)
    while len(todo):
        if len(members) == 16:          # many different strings: sort the rest instead
            table = np.stack([key[todo] for key in keys], axis=1)
            _, first, inverse = np.unique(table, axis=0, return_index=True,
                                          return_inverse=True)
            group[fits[todo]] = len(members) + inverse.ravel()
            members += fits[todo[first]].tolist()
            break
        same = _same_as_first([key[todo] for key in keys])
        group[fits[todo[same]]] = len(members)
        members.append(int(fits[todo[0]]))
        todo = todo[~same]
    return group, members


def _same_as_first(keys: list[np.ndarray]) -> np.ndarray:
    """Whether each string (its words in ``keys``, as in :func:`_distinct`) equals the first."""
    same = keys[0] == keys[0][0]
    for key in keys[1:]:
        same &= key == key[0]
    return same


class _FastReader:
    """The fast path: rows the strict byte grammar covers are decoded by numpy, everything
    else goes through the exact handler (see the module docstring).

    The exact handler reads the part up to ``<sheetData>`` and after ``</sheetData>``, checks
    each distinct run of attributes after ``r`` once (as XML, with the namespaces in scope),
    and reads the cells numpy does not decode, with its row and column set as they would be.
    The rows are cut at a ``</row>`` into pieces of about one chunk; in a piece every ``<``
    starts a tag, and the tags must follow ``(RS (CS VS VE CE | CS CE | CSC | CX)* RE | RSC)*``
    (checked pair by pair), with P the prefix of ``<sheetData>``:

    * RS/RSC: ``<P:row r="N"`` + an attribute run (``>`` or ``/>``, plain XML attributes,
      no namespace declaration); RE: ``</P:row>`` and then the next tag;
    * CS/CSC: ``<P:c r="REF"`` + an attribute run whose ``t`` is absent, ``n``, ``s`` or ``b``
      and whose ``s`` is an index; VS VE CE: ``<P:v>`` text ``</P:v></P:c>`` and then the next
      tag, the text a number (``[+-]digits[.digits]`` read by SWAR, or one ``fromstring`` reads;
      an index for ``s``, 0 or 1 for ``b``); CS CE: ``</P:c>``;
    * CX: any other cell, from ``<P:c`` to the next ``</P:c>`` (formulas, inline strings, text,
      error and date types, cells without ``r`` or with ``r`` not first, comments, CDATA,
      references or white space in a value, an empty ``<v/>``, odd attributes): read by the
      exact handler, whose nesting must come back to the row.

    :class:`_Unsure` (the whole part through the exact path, from the start) is raised for
    anything else: no UTF-8, ``<sheetData>`` not found in the first 4 MiB or not the root's
    main-namespace child, a row without ``r`` or with ``r`` not first, anything between rows
    or cells (white space, comments, other elements), a row over 2 MiB, a number ``fromstring``
    would not read as exactly one, and any error (the exact path then gives the message, with
    the right line and column).
    """

    def __init__(self, sheet: str, columns: tuple[int, int] | None):
        self.sheet = sheet
        self.what = f"sheet '{sheet}'"
        self.first, self.last = columns if columns is not None else (1, MAX_COL)
        self.parser = _new_parser(self.what)
        self.handler = _SheetHandler(sheet, columns, self.parser)
        self.prefix = b""
        self.declarations = b""
        self.blocks: list[dict] = []
        self.patterns: dict[str, tuple[bytes, list]] = {}
        self.cell_tails: dict[bytes, tuple[int, int, bool] | None] = {}
        self.row_tails: dict[bytes, tuple[bool] | None] = {}

    def read(self, stream: BinaryIO) -> Cells:
        try:
            return self._read(stream)
        except (WorkbookError, expat.ExpatError):
            raise _Unsure from None

    # -- the part around the rows
    def _read(self, stream: BinaryIO) -> Cells:
        head = b""
        while True:
            data = _read_stream(stream, self.what, _CHUNK)
            head += data
            match = _SHEET_DATA_START.search(head)
            if match is not None:
                break
            if not data or len(head) > _HEAD_LIMIT:
                raise _Unsure
        if not head.startswith((b"<", b"\xef\xbb\xbf<")):
            raise _Unsure                       # UTF-16, or junk: the exact path tells
        _feed(self.parser, self.what, head[:match.end()])
        handler = self.handler
        if (handler.state != _IN_SHEET_DATA or handler.sheet_data_at != match.start()
                or (handler.encoding or "utf-8").lower() != "utf-8"):
            raise _Unsure
        rest = head[match.end():]
        if not match.group(2):
            rest = self._sheet_data(match.group(1), rest, stream)
        _feed(self.parser, self.what, rest)            # the rest through the handler
        while True:
            data = _read_stream(stream, self.what, _CHUNK)
            _feed(self.parser, self.what, data, final=not data)
            if not data:
                return _cells(self.blocks + [handler.out.block()], self.sheet)

    def _sheet_data(self, prefix: bytes, data: bytes, stream: BinaryIO) -> bytes:
        """Decode the rows of ``<sheetData>``; the bytes from ``</sheetData>`` on are returned."""
        self.prefix = prefix
        self.declarations = b"".join(
            b" xmlns" + (b":" + name.encode() if name else b"") + b'="'
            + xml_attr(uris[-1] or "").encode() + b'"'
            for name, uris in self.handler.namespaces.items() if uris)
        if len(prefix) > 24:
            raise _Unsure                       # (the tag patterns must fit the margin)
        self.patterns = {name: _pattern(text.replace(b"P:", prefix)) for name, text in (
            ("c", b'<P:c r="'), ("v", b"<P:v>"), ("/v/c", b"</P:v></P:c>"), ("/c", b"</P:c>"),
            ("row", b'<P:row r="'), ("/row", b"</P:row>"))}
        end_tag = b"</" + prefix + b"sheetData>"
        row_end = b"</" + prefix + b"row>"
        while True:
            last = data.rfind(row_end)
            start = 0
            while 0 <= start <= last:          # whole rows, in pieces of up to two chunks
                cut = data.rfind(row_end, start, start + 2 * _CHUNK)
                if cut < 0:
                    cut = data.find(row_end, start)    # (one row longer than that)
                cut += len(row_end)
                self._rows(memoryview(data)[start:cut])
                start = cut
            data = data[start:]
            at = data.find(end_tag)            # in what is left, less than a row
            if at >= 0:
                self._rows(memoryview(data)[:at])
                return data[at:]
            if len(data) > _ROW_LIMIT:
                raise _Unsure
            more = _read_stream(stream, self.what, _CHUNK)
            if not more:
                raise _Unsure
            data += more

    # -- attribute tails, checked once each as XML
    def _tail_attributes(self, name: bytes, tail: bytes) -> tuple[int, dict] | None:
        """(element code, attributes) of ``<P:name r="1`` + tail, parsed with the namespaces
        in scope at ``<sheetData>``; None when it is not plain attributes."""
        if tail.count(b">") != 1 or not tail.endswith(b">") or b"xmlns" in tail:
            return None
        closing = b"" if tail.endswith(b"/>") else b"</" + self.prefix + name + b">"
        document = (b"<x" + self.declarations + b"><" + self.prefix + name + b' r="1' + tail
                    + closing + b"</x>")
        found = []
        parser = _new_parser(self.what)
        parser.StartElementHandler = lambda element, attrs: found.append((element, attrs))
        try:
            parser.Parse(document, True)
        except (expat.ExpatError, WorkbookError):
            return None
        return _CODES.get(found[1][0], 0), found[1][1]

    def _cell_tail(self, tail: bytes) -> tuple[int, int, bool] | None:
        """(kind, style, self-closing) of a cell's attributes after ``r``; None unless it is
        a number, a shared string or a boolean with a valid style."""
        if tail not in self.cell_tails:
            info = None
            parsed = self._tail_attributes(b"c", tail)
            if parsed is not None and parsed[0] == _C:
                typed = _cell_type(parsed[1].get("t"), parsed[1].get("s"))
                if typed is not None and typed[0] in _FAST_KINDS:
                    info = (_FAST_KINDS[typed[0]], typed[1], tail.endswith(b"/>"))
            self.cell_tails[tail] = info
        return self.cell_tails[tail]

    def _row_tail(self, tail: bytes) -> tuple[bool] | None:
        """(whether a row's attributes after ``r`` close it, ``/>``); None if not plain."""
        if tail not in self.row_tails:
            parsed = self._tail_attributes(b"row", tail)
            ok = parsed is not None and parsed[0] == _ROW
            self.row_tails[tail] = (tail.endswith(b"/>"),) if ok else None
        return self.row_tails[tail]

    def _tails(self, data, words, start, end, info, default):
        """Per string ``data[start:end]``, the fields of ``info(string) + (True,)`` (computed
        once per distinct string), or ``default`` where that is None or the string is empty
        or too long; as one array per field."""
        group, members = _distinct(words, start, end)
        table = []
        for member in members:
            value = info(data[start[member]:end[member]].tobytes())
            table.append(default if value is None else value + (True,))
        table.append(default)                       # group -1
        return [np.array([entry[f] for entry in table], dtype=type(default[f]))[group]
                for f in range(len(default))]

    # -- the rows
    def _rows(self, piece: memoryview) -> None:
        """Decode whole rows (``piece`` starts with a row and ends after one)."""
        if not len(piece):
            return
        data = np.frombuffer(b"".join((_PAD, piece, _PAD)), np.uint8)
        words = _words(data)
        lt = np.flatnonzero(data == 60)
        if not len(lt) or lt[0] != _MARGIN:
            raise _Unsure
        count = len(lt)
        lt = np.append(lt, [_MARGIN + len(piece)] * 4)   # (past the end, for cs + 3)
        nxt = lt[1:]                                      # where the next tag starts
        first = data[1:][lt[:count]]
        k = len(self.prefix)
        if k:
            name = data[1 + k:][lt[:count]]
            opening = first != 47
            cs = np.flatnonzero((name == 99) & opening)
            rs = np.flatnonzero((name == 114) & opening)
        else:
            cs = np.flatnonzero(first == 99)
            rs = np.flatnonzero(first == 114)
        cell = self._cells(data, words, lt, nxt, cs)
        sequence, kept, span_end, rows = self._structure(data, words, lt, nxt, first, cs, rs,
                                                         cell)
        read = cell["read"] & kept[cs]
        block = {"rows": cell["row"][read].astype(np.int32),
                 "cols": cell["col"][read].astype(np.int32),
                 "kinds": cell["kind"][read].astype(np.int8), "numbers": cell["numbers"][read],
                 "styles": cell["style"][read].astype(np.int32), "texts": {}}
        if span_end is not None:        # cells read by the handler join this piece's block
            out = self.handler.out
            start = len(out.rows)
            self._complex(data, lt, sequence, kept, span_end, cs, cell, rows)
            block = _sorted(_join([block, out.block(start)]), self.sheet)
            out.drop(start)
        if len(block["rows"]):
            self.blocks.append(block)

    def _cells(self, data, words, lt, nxt, cs):
        """What numpy decodes of each cell start tag ``cs`` (token indexes): place, attributes,
        the tags inside (``<v>…</v></c>`` or ``</c>``), value; ``ok`` is False for the cells
        the exact handler reads."""
        patterns = self.patterns
        at = lt[cs]
        row, col, quote, ok = _cell_refs(data, words, at + len(patterns["c"][0]))
        ok &= _matches(words, at, patterns["c"])
        placed = ok.copy()                                  # "<c r=…" inside the grid
        kind, style, closed, ok_tail = self._tails(
            data, words, np.where(ok, quote, 0), np.where(ok, nxt[cs], 0), self._cell_tail,
            (np.int8(0), np.int32(0), False, False))
        ok &= ok_tail
        inside = lt[cs + 1]
        valued = (_matches(words, inside, patterns["v"]) & _matches(words, lt[cs + 2],
                                                                    patterns["/v/c"])
                  & (nxt[cs + 3] == lt[cs + 2] + len(patterns["/v/c"][0])))
        empty = np.zeros(len(cs), bool)                     # "<c r=…></c>"
        other = np.flatnonzero(~(closed | valued))
        if len(other):
            empty[other] = (_matches(words, inside[other], patterns["/c"])
                            & (nxt[cs[other] + 1] == inside[other] + len(patterns["/c"][0])))
        ok &= closed | valued | empty
        read = ok & valued & ~closed
        if self.first > 1 or self.last < MAX_COL:
            read &= (col >= self.first) & (col <= self.last)
            # a value left unread must still be well-formed XML (no reference, no control
            # character, valid UTF-8): one of a number's bytes only, else the handler checks it
            skipped = np.flatnonzero(ok & valued & ~closed & ~read)
            if len(skipped):
                ok[skipped[~_numeric_only(data, inside[skipped] + len(patterns["v"][0]),
                                          lt[cs[skipped] + 2])]] = False
        which = np.flatnonzero(read)
        numbers = np.full(len(cs), np.nan)
        if len(which):
            numbers[which], good = self._values(data, words,
                                                inside[which] + len(patterns["v"][0]),
                                                lt[cs[which] + 2], kind[which])
            ok[which[~good]] = False
            read[which[~good]] = False
        return {"row": row, "col": col, "kind": kind, "style": style, "numbers": numbers,
                "ok": ok, "closed": closed & ok, "valued": valued & ok & ~closed,
                "empty": empty & ok & ~closed & ~valued, "read": read, "placed": placed}

    @staticmethod
    def _values(data, words, start, end, kind):
        """The numbers of the ``<v>`` texts ``data[start:end]`` of cells of the given kinds, and
        which of them the fast path reads (the others go to the exact handler)."""
        length = end - start
        short = (length >= 1) & (length <= 24)
        numbers = np.full(len(start), np.nan)
        good = np.zeros(len(start), bool)
        if short.all():
            numbers, good = _decimals(data, words, start, end)
        elif short.any():
            numbers[short], good[short] = _decimals(data, words, start[short], end[short])
        rest = ~good
        if rest.any():
            numbers[rest], good[rest] = _floats(data, start[rest], end[rest])
        counted = kind != NUMBER
        if counted.any():                           # indexes and booleans: -0 is 0
            whole = numbers == np.floor(numbers)
            good &= np.where(kind == SHARED, whole & (numbers >= 0) & (numbers <= _MAX_INDEX),
                             True)
            good &= np.where(kind == BOOL, (numbers == 0) | (numbers == 1), True)
            numbers = np.where(counted, numbers + 0.0, numbers)
        return numbers, good

    def _structure(self, data, words, lt, nxt, first, cs, rs, cell):
        """The token sequence, each cell the fast path does not read folded into one ``_CX``
        token (its content left out), checked against the row grammar.

        Returns (sequence, which tokens it keeps, the end of each ``_CX`` cell's bytes or None
        when there is none, (the kept row start tokens, their numbers)).
        """
        patterns = self.patterns
        count = len(first)
        kinds = np.zeros(count, np.int8)                  # _X until known
        ok = cell["ok"]
        kinds[cs[ok]] = _CS
        kinds[cs[cell["closed"]]] = _CSC
        valued = cs[cell["valued"]]
        kinds[valued + 1] = _VS
        kinds[valued + 2] = _VE
        kinds[valued + 3] = _CE
        kinds[cs[cell["empty"]] + 1] = _CE
        odd = cs[~ok]
        kinds[odd] = _CX
        span_end = None
        kept = np.ones(count, bool)
        if len(odd):
            span_end = np.zeros(count, np.int64)
            span_end[odd] = nxt[odd]                      # "<c …/>": the tag alone
            opened = odd[data[nxt[odd] - 2] != 47]          # else up to the next </c>
            if len(opened):
                after = lt[opened[0]:count]          # "</P:c>" and a tag right after
                close = opened[0] + np.flatnonzero(
                    (first[opened[0]:] == 47) & (data[after + 2 + len(self.prefix)] == 99)
                    & (data[after + 3 + len(self.prefix)] == 62)
                    & (nxt[opened[0]:count] == after + 4 + len(self.prefix)))
                last = np.searchsorted(close, opened)
                if (last >= len(close)).any():
                    raise _Unsure
                span_end[opened] = nxt[close[last]]
                inside = np.zeros(count + 1, np.int32)
                np.add.at(inside, opened + 1, 1)
                np.add.at(inside, close[last] + 1, -1)
                kept = np.cumsum(inside[:-1]) == 0
            rs = rs[kept[rs]]                     # (a rich-text run "<r>" is no row)
        at = lt[rs]
        start = at + len(patterns["row"][0])
        number, digits, good = _digit_run(words, start)
        closed, good_tail = self._tails(data, words, start + digits, nxt[rs], self._row_tail,
                                        (False, False))
        if not (_matches(words, at, patterns["row"]) & good & good_tail & (number >= 1)
                & (number <= MAX_ROW)).all():
            raise _Unsure
        kinds[rs] = np.where(closed, _RSC, _RS)
        ends = np.append(rs[1:] - 1, count - 1)           # the token before a row: its end
        ends = ends[kinds[ends] == _X]
        ends = ends[_matches(words, lt[ends], patterns["/row"])
                    & (nxt[ends] == lt[ends] + len(patterns["/row"][0]))]
        kinds[ends] = _RE
        sequence = kinds[kept] if len(odd) else kinds
        pairs = sequence[:-1] * np.int8(10) + sequence[1:]
        if (sequence[0] not in (_RS, _RSC) or sequence[-1] not in (_RE, _RSC)
                or not _lookup(_FOLLOWS, pairs).all()):
            raise _Unsure
        return sequence, kept, span_end, (rs, number)

    def _complex(self, data, lt, sequence, kept, span_end, cs, cell, rows):
        """Read the cells numpy did not through the exact handler: those placed by their own
        ``r`` together, in one parse; the others each with the row and the previous cell's
        column they would have had there."""
        places = np.flatnonzero(kept)
        at = np.flatnonzero(sequence == _CX)         # places in the sequence
        odd = places[at]
        starts = lt[cs]                              # one cell in the bytes, placed by its r
        alone = (np.searchsorted(starts, span_end[odd]) - np.searchsorted(starts, lt[odd])) == 1
        placed = cell["placed"][np.searchsorted(cs, odd)] & alone
        self._feed_cells(data, lt[odd[placed]], span_end[odd[placed]])
        batched = np.zeros(len(kept), bool)
        batched[odd[placed]] = True
        at, odd = at[~placed], odd[~placed]
        if not len(odd):
            return
        row_starts, number = rows
        row_of = number[np.searchsorted(row_starts, odd) - 1]
        # the previous cell in the row: "RS" (none), "CE" (a cell "CS CE" or "CS VS VE CE"),
        # "CSC", "CX" with its own r, or "CX" without (read just before by the handler,
        # which knows its column)
        before = sequence[at - 1]
        start = np.where(before == _CE, np.where(sequence[at - 2] == _CS, at - 2, at - 4),
                         at - 1)
        known = (before != _CX) | batched[places[start]]
        previous = cell["col"][np.minimum(np.searchsorted(cs, places[start]), len(cs) - 1)]
        for j, token in enumerate(odd.tolist()):
            self.handler.row = int(row_of[j])
            if before[j] == _RS:
                self.handler.col = 0
            elif known[j]:
                self.handler.col = int(previous[j])
            self._feed_cells(data, lt[token:token + 1], span_end[token:token + 1])

    def _feed_cells(self, data, starts, ends) -> None:
        """Parse the bytes of whole cells ``[starts, ends)`` as the content of a row."""
        if not len(starts):
            return
        length = ends - starts
        if len(starts) == 1:
            text = data[starts[0]:ends[0]].tobytes()
        else:
            text = data[np.repeat(starts - np.cumsum(length) + length, _intp(length))
                        + np.arange(int(length.sum()))].tobytes()
        handler = self.handler
        handler.state = _IN_ROW
        _feed(self.parser, self.what, text)
        if handler.state != _IN_ROW or handler.skip:
            raise _Unsure
        handler.state = _IN_SHEET_DATA
