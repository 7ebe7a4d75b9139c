"""Worksheet cells and shared strings (placeholder exact reader; replaced by the sheetread branch)."""

from __future__ import annotations

import pyexpat
from dataclasses import dataclass
from typing import BinaryIO, Callable

import numpy as np

from xlflows.errors import WorkbookError
from xlflows.ooxml import ns
from xlflows.a1 import MAX_COL, MAX_ROW, split_ref
from xlflows.ooxml.escape import excel_decode

NUMBER, SHARED, TEXT, BOOL, ERROR, ISO_DATE, NO_VALUE = 1, 2, 3, 4, 5, 6, 7


@dataclass
class Cells:
    rows: np.ndarray
    cols: np.ndarray
    kinds: np.ndarray
    numbers: np.ndarray
    styles: np.ndarray
    texts: dict[int, str]


class _Reader:
    def __init__(self, sheet, columns):
        self.sheet = sheet
        self.columns = columns
        self.rows, self.cols, self.kinds, self.numbers, self.styles = [], [], [], [], []
        self.texts = {}
        self.row = 0
        self.col = 0
        self.cell = None
        self.text = None
        self.depth = 0

    def start(self, name, attrs):
        self.depth += 1
        uri, _, local = name.rpartition(" ")
        if ns.canonical(uri) != ns.MAIN:
            return
        if local == "row":
            r = attrs.get("r")
            self.row = int(r) if r else self.row + 1
            self.col = 0
            if not 1 <= self.row <= MAX_ROW:
                raise WorkbookError(f"{self.sheet}: a row is numbered {self.row}, outside "
                                    "Excel's grid (A1:XFD1048576); the file is damaged")
        elif local == "c":
            ref = attrs.get("r")
            if ref:
                where = split_ref(ref)
                if where is None or not (1 <= where[0] <= MAX_ROW and 1 <= where[1] <= MAX_COL):
                    raise WorkbookError(f"{self.sheet}: a cell is at '{ref[:20]}', outside "
                                        "Excel's grid (A1:XFD1048576); the file is damaged")
                self.row, self.col = where
            else:
                self.col += 1
                if self.col > MAX_COL:
                    raise WorkbookError(f"{self.sheet}: a cell is beyond column XFD, outside "
                                        "Excel's grid (A1:XFD1048576); the file is damaged")
            self.cell = {"t": attrs.get("t"), "s": attrs.get("s"), "v": None, "f": False,
                         "is": None, "rph": 0}
        elif self.cell is not None:
            if local == "v":
                self.text = []
            elif local == "f":
                self.cell["f"] = True
            elif local == "is":
                self.cell["is"] = []
            elif local == "rPh":
                self.cell["rph"] += 1
            elif local == "t" and self.cell["is"] is not None and not self.cell["rph"]:
                self.text = []

    def data(self, text):
        if self.text is not None:
            self.text.append(text)

    def end(self, name):
        self.depth -= 1
        uri, _, local = name.rpartition(" ")
        if ns.canonical(uri) != ns.MAIN or self.cell is None:
            return
        if local == "v" and self.text is not None:
            self.cell["v"] = "".join(self.text)
            self.text = None
        elif local == "t" and self.text is not None:
            self.cell["is"].append("".join(self.text))
            self.text = None
        elif local == "rPh":
            self.cell["rph"] -= 1
        elif local == "c":
            self._finish()
            self.cell = None

    def _finish(self):
        cell = self.cell
        if self.columns and not self.columns[0] <= self.col <= self.columns[1]:
            return
        kind, value = cell["t"], cell["v"]
        where = f"{self.sheet}!{_ref(self.row, self.col)}"
        out_kind, number, text = None, np.nan, None
        if kind == "inlineStr" and cell["is"] is not None:
            out_kind, text = TEXT, excel_decode("".join(cell["is"]))
            if not text:
                return
        elif value is None or (value == "" and kind not in ("str", "s", "inlineStr")):
            if cell["f"]:
                out_kind = NO_VALUE
            else:
                return
        else:
            try:
                if kind in (None, "n"):
                    out_kind, number = NUMBER, float(value)
                elif kind == "s":
                    out_kind, number = SHARED, float(int(value))
                elif kind in ("str", "inlineStr"):
                    if value == "":
                        return
                    out_kind, text = TEXT, excel_decode(value)
                elif kind == "b":
                    out_kind, number = BOOL, float(value.strip() in ("1", "true"))
                elif kind == "e":
                    out_kind, text = ERROR, value
                elif kind == "d":
                    out_kind, text = ISO_DATE, value
            except ValueError:
                out_kind = None
            if out_kind is None:
                raise WorkbookError(f"{where} holds '{value[:40]}' with type '{kind}', which no "
                                    "spreadsheet writes; the file is damaged")
        if text is not None:
            self.texts[len(self.kinds)] = text
        try:
            style = int(cell["s"] or 0)
        except ValueError:
            style = 0
        self.rows.append(self.row)
        self.cols.append(self.col)
        self.kinds.append(out_kind)
        self.numbers.append(number)
        self.styles.append(style)


def _ref(row, col):
    from xlflows.a1 import cell_ref
    return cell_ref(row, col)


def _parser(part, label, handlers):
    parser = pyexpat.ParserCreate(None, " ")
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True

    def doctype(*args):
        raise WorkbookError(f"{label} declares an XML DOCTYPE; spreadsheet parts never do "
                            "(refused as a possible entity bomb)")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    for name, handler in handlers.items():
        setattr(parser, name, handler)
    return parser


def read_cells(open_stream: Callable[[], BinaryIO], *, sheet: str,
               columns: tuple[int, int] | None = None) -> Cells:
    reader = _Reader(sheet, columns)
    parser = _parser(sheet, f"sheet '{sheet}'", {"StartElementHandler": reader.start,
                                                 "EndElementHandler": reader.end,
                                                 "CharacterDataHandler": reader.data})
    try:
        with open_stream() as stream:
            parser.ParseFile(stream)
    except pyexpat.ExpatError as exc:
        raise WorkbookError(f"sheet '{sheet}' is not readable XML (line {exc.lineno}, column "
                            f"{exc.offset + 1}: {pyexpat.errors.messages[exc.code]}); the file "
                            "is damaged") from None
    rows = np.array(reader.rows, dtype=np.int32)
    cols = np.array(reader.cols, dtype=np.int32)
    order = np.lexsort((cols, rows))
    texts = {int(np.flatnonzero(order == i)[0]): t for i, t in reader.texts.items()}
    return Cells(rows[order], cols[order], np.array(reader.kinds, dtype=np.int8)[order],
                 np.array(reader.numbers, dtype=float)[order],
                 np.array(reader.styles, dtype=np.int32)[order], texts)


def read_shared_strings(open_stream: Callable[[], BinaryIO], wanted: np.ndarray) -> dict[int, str]:
    wanted_set = {int(i) for i in wanted}
    out: dict[int, str] = {}
    state = {"i": -1, "parts": None, "rph": 0}

    def start(name, attrs):
        uri, _, local = name.rpartition(" ")
        if local == "si":
            state["i"] += 1
            state["parts"] = [] if state["i"] in wanted_set else None
        elif local == "rPh":
            state["rph"] += 1
        elif local == "t" and state["parts"] is not None and not state["rph"]:
            state["text"] = []

    def data(text):
        if state.get("text") is not None:
            state["text"].append(text)

    def end(name):
        uri, _, local = name.rpartition(" ")
        if local == "t" and state.get("text") is not None:
            state["parts"].append("".join(state["text"]))
            state["text"] = None
        elif local == "rPh":
            state["rph"] -= 1
        elif local == "si" and state["parts"] is not None:
            out[state["i"]] = excel_decode("".join(state["parts"]))

    parser = _parser("sharedStrings", "the shared strings", {
        "StartElementHandler": start, "EndElementHandler": end, "CharacterDataHandler": data})
    with open_stream() as stream:
        parser.ParseFile(stream)
    return out
