"""xlflows.ooxml.sheetread, properties: the fast path never answers differently from the exact
path, on random sheets of odd but valid XML and on damaged ones; and workbooks written by
XlsxWriter and openpyxl read as openpyxl's own reader reads them."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import re
import zipfile

import numpy as np
import openpyxl
import xlsxwriter
from hypothesis import HealthCheck, assume, event, given, settings, strategies as st

from xlflows.a1 import column_letters
from xlflows.errors import WorkbookError
from xlflows.ooxml import sheetread
from xlflows.ooxml.escape import excel_encode, xml_attr, xml_text
from xlflows.ooxml.sheetread import BOOL, NUMBER, SHARED, read_cells, read_shared_strings

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
#: Characters of text values: XML specials, Excel's escape, controls, non-ASCII.
TEXT_CHARS = st.sampled_from(list("ab _x0041F&<>\"'\t\n\u00e9\u0096\u2014") + ["\U0001F600",
                                                                                 "\x01", "]]>"])
TEXTS = st.lists(TEXT_CHARS, max_size=8).map("".join)


def _number_texts(value: float) -> list[str]:
    """Ways a spreadsheet (or a person) may write ``value`` in a ``<v>``."""
    texts = [repr(value), f"{value:.17g}", f"{value:.15g}", f"{value:E}", f"{value:.3e}"]
    if value == int(value) and abs(value) < 1e18:
        texts += [str(int(value)), f"{int(value):+d}", f"00{abs(int(value))}"]
    if 0 < abs(value) < 1:
        texts.append(repr(value).replace("0.", ".", 1))
    return texts


NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 2)),
    st.integers(-10**6, 10**6).map(float), st.integers(0, 60000).map(float),
    st.sampled_from([0.1, 0.30000000000000004, 1e-5, 5e-324, 2.0**53 + 2, 1e22, 1e23]))


class _Maker:
    """Draws the pieces of a sheet; ``weird`` (0-100) is how often odd but valid XML appears
    inside cells, ``rare`` how often between cells and rows (the fast path gives way there)."""

    def __init__(self, draw, weird: int, rare: int, prefix: str):
        self.draw, self.weird, self.rare = draw, weird, rare
        self.p = prefix + ":" if prefix else ""

    def odd(self) -> bool:
        return self.weird > 0 and self.draw(st.integers(0, 99)) < self.weird

    def odd_between(self) -> bool:
        return self.rare > 0 and self.draw(st.integers(0, 99)) < self.rare

    def between(self) -> str:
        """What may come between cells or rows: usually nothing."""
        return self.junk() if self.odd_between() else ""

    def attr(self, name: str, value: str, between: bool = False) -> str:
        odd = self.odd_between if between else self.odd
        quote = "'" if odd() else '"'
        eq = self.draw(st.sampled_from([" = ", "= ", " ="])) if odd() else "="
        value = xml_attr(value) if quote == '"' else xml_attr(value).replace("'", "&apos;")
        return f" {name}{eq}{quote}{value}{quote}"

    def junk(self) -> str:
        """Nothing, or XML a reader must skip: a comment, a PI, white space, another namespace."""
        if not self.odd():
            return ""
        return self.draw(st.sampled_from([
            "<!-- note -->", '<!-- <c r="A1"><v>9</v></c> -->', "<?pi data?>", " ", "\n  ",
            '<o:x xmlns:o="urn:other" o:a="1"><o:v>7</o:v></o:x>', "<!---->"]))

    def tag(self, name: str) -> str:
        return self.p + name

    def value_text(self, text: str) -> str:
        if self.odd():
            return self.draw(st.sampled_from([
                f"<![CDATA[{text}]]>", f" {text}\n", "".join(f"&#{ord(ch)};" for ch in text),
                f"{text}<!-- c -->", f"<?pi?>{text}"]))
        return text

    def inline(self, text: str) -> str:
        t, p = self.tag("t"), self.p
        encoded = xml_text(excel_encode(text))
        shape = self.draw(st.integers(0, 3)) if self.odd() else 0
        if shape == 1:          # rich text, with phonetic runs
            cut = len(text) // 2
            first, second = (xml_text(excel_encode(part)) for part in (text[:cut], text[cut:]))
            return (f"<{p}r><{p}rPr><{p}b/></{p}rPr><{t}>{first}</{t}></{p}r>"
                    f"<{p}r><{t} xml:space=\"preserve\">{second}</{t}></{p}r>"
                    f"<{p}rPh sb=\"0\" eb=\"1\"><{t}>PH</{t}></{p}rPh>")
        if shape == 2 and "]]>" not in text:
            return f"<{t}><![CDATA[{excel_encode(text)}]]></{t}>"
        if shape == 3:
            return f"<{t}/>"
        return f"<{t}>{encoded}</{t}>"

    def cell(self, ref: str | None) -> str:
        draw, p = self.draw, self.p
        c, v, f = self.tag("c"), self.tag("v"), self.tag("f")
        kind = draw(st.sampled_from(["n", "n", "n", "n", "s", "b", "e", "str", "inline", "d",
                                     "nofml", "fml", "blank", "empty"]))
        parts = [self.attr("r", ref) if ref is not None else ""]
        if draw(st.booleans()):
            parts.append(self.attr("s", str(draw(st.integers(0, 300)))))
        if self.odd():
            parts.append(self.draw(st.sampled_from([' cm="1"', ' x14ac:q="1"', ' ph="1"'])))
        if self.odd():
            parts.reverse()                          # r not first
        attrs = "".join(parts)
        junk = self.junk
        if kind in ("n", "fml"):
            text = draw(st.sampled_from(_number_texts(draw(NUMBERS))))
            t = self.attr("t", "n") if draw(st.booleans()) else ""
            formula = f"<{f}>A1*2</{f}>" if kind == "fml" else ""
            return (f"<{c}{attrs}{t}>{junk()}{formula}<{v}>{self.value_text(text)}</{v}>"
                    f"{junk()}</{c}>")
        if kind == "s":
            index = str(draw(st.integers(0, 2**31 - 1)))
            return f"<{c}{attrs}{self.attr('t', 's')}><{v}>{self.value_text(index)}</{v}></{c}>"
        if kind == "b":
            flag = draw(st.sampled_from(["0", "1", "true", "false"] if self.odd() else ["0", "1"]))
            return f"<{c}{attrs}{self.attr('t', 'b')}><{v}>{self.value_text(flag)}</{v}></{c}>"
        if kind == "e":
            error = draw(st.sampled_from(["#N/A", "#DIV/0!", "#VALUE!", "#REF!"]))
            return f"<{c}{attrs}{self.attr('t', 'e')}><{f}>1/0</{f}><{v}>{error}</{v}></{c}>"
        if kind == "str":
            text = xml_text(excel_encode(draw(TEXTS)))
            return (f"<{c}{attrs}{self.attr('t', 'str')}><{f}>A1&amp;\"x\"&gt;</{f}>"
                    f"<{v}>{text}</{v}></{c}>")
        if kind == "inline":
            return (f"<{c}{attrs}{self.attr('t', 'inlineStr')}>{junk()}<{p}is>"
                    f"{self.inline(draw(TEXTS))}</{p}is></{c}>")
        if kind == "d":
            day = draw(st.dates()).isoformat()
            return f"<{c}{attrs}{self.attr('t', 'd')}><{v}>{day}</{v}></{c}>"
        if kind == "nofml":
            return f"<{c}{attrs}><{f}>A1</{f}></{c}>"
        if kind == "empty":
            inner = f"<{v}></{v}>" if draw(st.booleans()) else ""
            return f"<{c}{attrs}>{inner}</{c}>"
        return f"<{c}{attrs}/>"

    def row(self, number: int, explicit: bool, columns: list[int]) -> str:
        r = self.tag("row")
        attrs = self.attr("r", str(number), between=True) if explicit else ""
        attrs += self.draw(st.sampled_from([
            "", ' spans="1:5"', ' spans="1:5" x14ac:dyDescent="0.25"', ' ht="20" customHeight="1"',
            (' customFormat="false" ht="12.8" hidden="false" customHeight="false" outlineLevel="0" '
             'collapsed="false"')]))
        if not columns and self.draw(st.booleans()):
            return f"<{r}{attrs}/>"
        cells = []
        previous = 0
        for col in columns:
            keep_r = not (col == previous + 1 and self.odd())
            ref = f"{column_letters(col)}{number}" if keep_r else None
            cells.append(self.between() + self.cell(ref))
            previous = col
        return f"<{r}{attrs}>{''.join(cells)}{self.between()}</{r}>"


@st.composite
def sheets(draw, weird: int | None = None, rare: int | None = None) -> bytes:
    """A worksheet part: random rows of random cells of every kind; with ``weird`` or ``rare``
    above 0, odd but valid XML here and there (see :class:`_Maker`)."""
    if weird is None:
        weird = draw(st.sampled_from([0, 5, 20, 50]))
    if rare is None:
        rare = draw(st.sampled_from([0, 0, 2, 10]))
    prefix = draw(st.sampled_from(["", "", "x", "ss"]))
    ns = draw(st.sampled_from([MAIN, MAIN, STRICT]))
    make = _Maker(draw, weird, rare, prefix)
    p = make.p
    number = 0
    rows = []
    for _ in range(draw(st.integers(0, 10))):
        number += draw(st.sampled_from([1, 1, 1, 2, 50]))
        columns = sorted(draw(st.sets(st.sampled_from([1, 2, 3, 4, 5, 6, 27, 28, 703, 16384]),
                                      max_size=6)))
        explicit = not make.odd_between()
        rows.append(make.between() + make.row(number, explicit, columns))
    binding = f'xmlns:{prefix}="{ns}"' if prefix else f'xmlns="{ns}"'
    head = (f'<{p}dimension ref="A1"/><{p}sheetViews><{p}sheetView workbookViewId="0"/>'
            f'</{p}sheetViews>')
    tail = (f'<{p}mergeCells count="1"><{p}mergeCell ref="A1:B1"/></{p}mergeCells>'
            f'<{p}extLst><{p}ext uri="{{x}}" xmlns:e="urn:e"><e:q/></{p}ext></{p}extLst>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {binding} '
            'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
            f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'{head}{make.junk()}<{p}sheetData>{"".join(rows)}</{p}sheetData>{tail}'
            f'</{p}worksheet>').encode()


@contextlib.contextmanager
def chunk_of(size: int):
    saved = sheetread._CHUNK
    sheetread._CHUNK = size
    try:
        yield
    finally:
        sheetread._CHUNK = saved


def outcome(read) -> object:
    """What a read gives: a comparable tuple of the cells, or its error message."""
    try:
        cells = read()
    except WorkbookError as exc:
        return ("refused", str(exc))
    return ("cells", cells.rows.tolist(), cells.cols.tolist(), cells.kinds.tolist(),
            [None if math.isnan(x) else (x, math.copysign(1, x)) for x in cells.numbers],
            cells.styles.tolist(), sorted(cells.texts.items()))


def fast_outcome(data: bytes, columns=None) -> object:
    try:
        return outcome(lambda: sheetread._FastReader("Flows", columns).read(io.BytesIO(data)))
    except sheetread._Unsure:
        return "gave way"


def exact_outcome(data: bytes, columns=None) -> object:
    return outcome(lambda: sheetread._read_exact(io.BytesIO(data), "Flows", columns))


COLUMNS = st.sampled_from([None, None, (1, 4), (2, 2), (5, 16384)])
CHUNKS = st.sampled_from([1 << 20, 1 << 20, 4096, 97, 8])


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets(), COLUMNS, CHUNKS)
def test_the_fast_path_answers_as_the_exact_path(data, columns, chunk):
    with chunk_of(chunk):
        exact = exact_outcome(data, columns)
        fast = fast_outcome(data, columns)
        event(f"fast path: {'gave way' if fast == 'gave way' else 'answered'}")
        assert fast in ("gave way", exact)
        assert outcome(lambda: read_cells(lambda: io.BytesIO(data), sheet="Flows",
                                          columns=columns)) == exact
    assert exact[0] == "cells" or "holds" in exact[1] or "twice" in exact[1]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets(rare=0), COLUMNS, CHUNKS)
def test_the_shapes_spreadsheets_write_never_give_way(data, columns, chunk):
    """Rows with r, nothing between cells and rows: the fast path reads them, whatever is
    inside the cells (formulas, inline strings, text types, comments, CDATA, references,
    quotes, cells without r: a cell at a time through the exact handler)."""
    with chunk_of(chunk):
        exact = exact_outcome(data, columns)
        assume(exact[0] == "cells")         # a huge shared index is refused by both
        assert fast_outcome(data, columns) == exact


#: Bytes that break XML or the fast path's grammar in interesting ways.
DAMAGE = st.sampled_from([b"<", b">", b'"', b"'", b"&", b"/", b" ", b"=", b"\x0b", b"\x00",
                          b"\x01", b"x", b"1", b"9", b".", b"-", b"e", b"E", b"+", b"r", b"c",
                          b"v", b"</v>", b"<v>", b"</c>", b'<c r="A1">', b"</row>", b'<row r="2">',
                          b"<!--", b"-->", b"]]>", b"\xc3", b"\xff", b"&#0;", b"&amp;",
                          b"&#x41;", b'r="', b"XFE", b"99999999", b"/>", b"xmlns:x=\"urn:q\""])


@st.composite
def damaged(draw) -> bytes:
    data = bytearray(draw(sheets(weird=draw(st.sampled_from([0, 0, 10])), rare=0)))
    start = data.index(b"sheetData") - 10 if draw(st.booleans()) else 0
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(max(start, 0), len(data)))
        what = draw(DAMAGE)
        action = draw(st.sampled_from(["insert", "replace", "delete"]))
        if action == "insert":
            data[at:at] = what
        elif action == "replace":
            data[at:at + len(what)] = what
        else:
            del data[at:at + draw(st.integers(1, 6))]
    return bytes(data)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged(), COLUMNS, CHUNKS)
def test_a_damaged_part_gets_the_exact_answer(data, columns, chunk):
    """Bytes changed anywhere: the fast path gives way or gives the exact path's cells; it
    never reads a part the exact path refuses, and never raises anything else."""
    with chunk_of(chunk):
        exact = exact_outcome(data, columns)
        fast = fast_outcome(data, columns)
        event(f"exact: {exact[0]}; fast: {'gave way' if fast == 'gave way' else 'answered'}")
        assert fast in ("gave way", exact)
        assert outcome(lambda: read_cells(lambda: io.BytesIO(data), sheet="Flows",
                                          columns=columns)) == exact


#: Number texts of up to 24 bytes, mostly well-formed, some not.
NUMBER_TEXTS = st.one_of(
    st.tuples(st.sampled_from(["", "", "-", "+"]), st.text("0123456789", max_size=22),
              st.sampled_from(["", ".", "."]), st.text("0123456789", max_size=22))
    .map(lambda p: (p[0] + p[1] + p[2] + p[3])[:24]),
    st.text("0123456789.+-eE", min_size=1, max_size=24))


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.tuples(st.text("0123456789.-+\"=<>vx ", max_size=24), NUMBER_TEXTS),
                min_size=1, max_size=20))
def test_decimal_texts_read_as_float_reads_them(texts):
    """The fast path's number parser against ``float``, whatever bytes come before each text:
    every text it accepts is a plain decimal, read to the same double (and sign of zero)."""
    data, starts, ends = bytearray(bytes(32)), [], []
    for before, text in texts:
        data += before.encode()
        starts.append(len(data))
        data += text.encode()
        ends.append(len(data))
        data += b"<"
    data += bytes(32)
    array = np.frombuffer(bytes(data), np.uint8)
    numbers, ok = sheetread._decimals(array, sheetread._words(array), np.array(starts),
                                      np.array(ends))
    for (_, text), number, good in zip(texts, numbers, ok):
        if good:
            assert re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", text)
            assert number == float(text)
            assert math.copysign(1, number) == math.copysign(1, float(text))


# --------------------------------------------------------------------------- an oracle
CELL_VALUES = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda x: abs(x) < 1e300),
    st.integers(-2**53, 2**53), st.booleans(),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
            max_size=12)
    .filter(lambda s: s.strip() == s and not s.startswith("=")),
    st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31)))
GRIDS = st.lists(st.lists(st.one_of(st.none(), CELL_VALUES), max_size=5), max_size=8)


def _read_back(path) -> dict[tuple[int, int], object]:
    """Every cell of the first sheet by read_cells + read_shared_strings: numbers, booleans,
    text (shared strings resolved)."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        sheet_name = next(n for n in names if n.startswith("xl/worksheets/sheet"))
        cells = read_cells(lambda: archive.open(sheet_name), sheet="Data")
        shared = np.asarray(cells.numbers[cells.kinds == SHARED])
        strings = read_shared_strings(lambda: archive.open("xl/sharedStrings.xml"), shared) \
            if "xl/sharedStrings.xml" in names and len(shared) else {}
    out = {}
    for i in range(len(cells)):
        kind, number = int(cells.kinds[i]), float(cells.numbers[i])
        if kind == SHARED:
            value = strings.get(int(number))
        elif kind == BOOL:
            value = bool(number)
        else:
            value = cells.texts.get(i, number if kind == NUMBER else kind)
        out[int(cells.rows[i]), int(cells.cols[i])] = value
    return out


def _openpyxl_view(path) -> dict[tuple[int, int], object]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    out = {}
    for line in sheet.iter_rows():
        for cell in line:
            value = cell.value
            if value is None or value == "":
                continue
            if isinstance(value, dt.datetime):
                value = openpyxl.utils.datetime.to_excel(value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                value = float(value)
            out[cell.row, cell.column] = value
    return out


@settings(max_examples=60, deadline=None)
@given(GRIDS, st.booleans())
def test_xlsxwriter_workbooks_read_as_openpyxl_reads_them(tmp_path_factory, grid, memory):
    path = tmp_path_factory.mktemp("xw") / "book.xlsx"
    book = xlsxwriter.Workbook(path, {"constant_memory": memory, "strings_to_numbers": False,
                                      "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("Data")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, line in enumerate(grid):
        for c, value in enumerate(line):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), dates)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    assert _read_back(path) == _openpyxl_view(path)


@settings(max_examples=60, deadline=None)
@given(GRIDS)
def test_openpyxl_workbooks_read_as_openpyxl_reads_them(tmp_path_factory, grid):
    path = tmp_path_factory.mktemp("op") / "book.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for r, line in enumerate(grid, start=1):
        for c, value in enumerate(line, start=1):
            if value is not None:
                sheet.cell(r, c, value)
    book.save(path)
    assert _read_back(path) == _openpyxl_view(path)
