"""xlflows.ooxml.sheetread: worksheet XML in, Cells out (as XlsxWriter tests its writer).

Every table runs through both paths: ``read_cells`` (the fast path where it is sure, the exact
path otherwise) and the exact path alone; they must agree. The differential properties (random
sheets of odd but valid XML, and damaged ones) are in test_ooxml_sheetread_properties.py.
"""

from __future__ import annotations

import io
import math
import zlib

import numpy as np
import pytest

from xlflows.a1 import column_letters
from xlflows.errors import WorkbookError
from xlflows.ooxml import sheetread
from xlflows.ooxml.sheetread import (
    BOOL,
    ERROR,
    ISO_DATE,
    NO_VALUE,
    NUMBER,
    SHARED,
    TEXT,
    read_cells,
    read_shared_strings,
)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
OTHER = 'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'


def sheet(rows: str, *, prefix: str = "", ns: str = MAIN, head: str = "", tail: str = "",
          declaration: str = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
          root_attrs: str = OTHER) -> bytes:
    """A worksheet part: ``rows`` inside ``<sheetData>``, names in ``prefix``."""
    p = prefix + ":" if prefix else ""
    binding = f'xmlns:{prefix}="{ns}"' if prefix else f'xmlns="{ns}"'
    return (f'{declaration}<{p}worksheet {binding} {root_attrs}>{head}<{p}sheetData>{rows}'
            f'</{p}sheetData>{tail}</{p}worksheet>').encode()


def opener(data: bytes):
    return lambda: io.BytesIO(data)


def table(cells) -> list[tuple]:
    """(row, col, kind, number or None, style, text or None) per cell."""
    out = []
    for i in range(len(cells.rows)):
        number = float(cells.numbers[i])
        out.append((int(cells.rows[i]), int(cells.cols[i]), int(cells.kinds[i]),
                    None if math.isnan(number) else number, int(cells.styles[i]),
                    cells.texts.get(i)))
    return out


def check_arrays(cells) -> None:
    assert cells.rows.dtype == np.int32 and cells.cols.dtype == np.int32
    assert cells.kinds.dtype == np.int8 and cells.numbers.dtype == np.float64
    assert cells.styles.dtype == np.int32
    key = cells.rows.astype(np.int64) * 20000 + cells.cols
    assert (np.diff(key) > 0).all()
    nan = np.isnan(cells.numbers)
    text_kinds = np.isin(cells.kinds, (TEXT, ERROR, ISO_DATE))
    assert (nan == np.isin(cells.kinds, (TEXT, ERROR, ISO_DATE, NO_VALUE))).all()
    assert set(cells.texts) == set(np.flatnonzero(text_kinds).tolist())


def read(data: bytes, columns=None, fast: bool | None = None) -> list[tuple]:
    """The cells of a part by ``read_cells``, checked equal to the exact path's.

    ``fast=True``: the fast path must not give way; ``False``: it must.
    """
    cells = read_cells(opener(data), sheet="Flows", columns=columns)
    exact = sheetread._read_exact(io.BytesIO(data), "Flows", columns)
    check_arrays(cells)
    assert table(cells) == table(exact)
    if fast is not None:
        try:
            sheetread._FastReader("Flows", columns).read(io.BytesIO(data))
            took_fast = True
        except sheetread._Unsure:
            took_fast = False
        assert took_fast == fast
    return table(cells)


def refused(data: bytes, match: str, columns=None) -> None:
    """Both paths refuse the part with the same one-line message."""
    with pytest.raises(WorkbookError, match=match) as fast:
        read_cells(opener(data), sheet="Flows", columns=columns)
    with pytest.raises(WorkbookError) as exact:
        sheetread._read_exact(io.BytesIO(data), "Flows", columns)
    assert str(fast.value) == str(exact.value)
    assert "\n" not in str(fast.value) and "Error" not in str(fast.value)


def row(r, *cells, attrs: str = "") -> str:
    return f'<row r="{r}"{attrs}>{"".join(cells)}</row>'


# --------------------------------------------------------------------------- kinds
@pytest.mark.parametrize("cell, expected", [
    ('<c r="B2"><v>12.5</v></c>', (2, 2, NUMBER, 12.5, 0, None)),
    ('<c r="B2" t="n"><v>-3</v></c>', (2, 2, NUMBER, -3.0, 0, None)),
    ('<c r="B2" s="7"><v>45000</v></c>', (2, 2, NUMBER, 45000.0, 7, None)),
    ('<c r="B2" t="s"><v>4</v></c>', (2, 2, SHARED, 4.0, 0, None)),
    ('<c r="B2" s="3" t="s"><v>0</v></c>', (2, 2, SHARED, 0.0, 3, None)),
    ('<c r="B2" t="b"><v>1</v></c>', (2, 2, BOOL, 1.0, 0, None)),
    ('<c r="B2" t="b"><v>0</v></c>', (2, 2, BOOL, 0.0, 0, None)),
    ('<c r="B2" t="b"><v>true</v></c>', (2, 2, BOOL, 1.0, 0, None)),
    ('<c r="B2" t="b"><v>false</v></c>', (2, 2, BOOL, 0.0, 0, None)),
    ('<c r="B2" t="e"><v>#N/A</v></c>', (2, 2, ERROR, None, 0, "#N/A")),
    ('<c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>', (2, 2, ERROR, None, 0, "#DIV/0!")),
    ('<c r="B2" t="d"><v>2024-01-31T00:00:00Z</v></c>',
     (2, 2, ISO_DATE, None, 0, "2024-01-31T00:00:00Z")),
    ('<c r="B2" t="str"><f>A1&amp;"x"</f><v>ab</v></c>', (2, 2, TEXT, None, 0, "ab")),
    ('<c r="B2" t="inlineStr"><is><t>Flows</t></is></c>', (2, 2, TEXT, None, 0, "Flows")),
    # rich text: runs joined; phonetic runs left out
    (('<c r="B2" t="inlineStr"><is><r><rPr><b/></rPr><t>Fl</t></r><r><t>ows</t></r>'
      '<rPh sb="0" eb="1"><t>FURIGANA</t></rPh><phoneticPr fontId="1"/></is></c>'),
     (2, 2, TEXT, None, 0, "Flows")),
    ('<c r="B2" t="inlineStr"><is><t xml:space="preserve"> a b </t></is></c>',
     (2, 2, TEXT, None, 0, " a b ")),
    ('<c r="B2"><f>SUM(A1:A9)</f><v>10</v></c>', (2, 2, NUMBER, 10.0, 0, None)),
    ('<c r="B2"><f>SUM(A1:A9)</f></c>', (2, 2, NO_VALUE, None, 0, None)),
    ('<c r="B2" s="2"><f>SUM(A1:A9)</f><v/></c>', (2, 2, NO_VALUE, None, 2, None)),
    ('<c r="B2" t="b"><f>A1&gt;0</f><v></v></c>', (2, 2, NO_VALUE, None, 0, None)),
    ('<c r="B2" t="e"><f>A1</f></c>', (2, 2, NO_VALUE, None, 0, None)),
    ('<c r="B2" t="str"><f>A1</f></c>', (2, 2, NO_VALUE, None, 0, None)),
    ('<c r="B2"><f t="shared" ref="B2:B9" si="0">A1+1</f><v>2</v></c>',
     (2, 2, NUMBER, 2.0, 0, None)),
    ('<c r="B2"><f t="array" ref="B2">A1:A3*2</f><v>2</v></c>', (2, 2, NUMBER, 2.0, 0, None)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_each_kind_of_cell(cell, expected):
    assert read(sheet(row(2, cell))) == [expected]


@pytest.mark.parametrize("cell", [
    '<c r="B2"/>',
    '<c r="B2" s="5"/>',                                       # styled, empty
    '<c r="B2" s="5"></c>',
    '<c r="B2"><v></v></c>',                                   # an empty value: no value
    '<c r="B2" t="s"><v/></c>',
    '<c r="B2" t="str"><f>""</f><v></v></c>',                  # a formula's empty text
    '<c r="B2" t="inlineStr"><is><t></t></is></c>',            # an empty inline string
    '<c r="B2" t="inlineStr"><is/></c>',
    '<c r="B2" t="inlineStr"></c>',
])
def test_blank_cells_are_not_listed(cell):
    assert read(sheet(row(2, cell) + row(3, '<c r="A3"><v>1</v></c>'))) == [
        (3, 1, NUMBER, 1.0, 0, None)]


def test_an_inline_string_without_is_reads_its_v():
    assert read(sheet(row(1, '<c r="A1" t="inlineStr"><v>plain</v></c>'))) == [
        (1, 1, TEXT, None, 0, "plain")]


# --------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("text, value", [
    ("0", 0.0), ("-0", -0.0), ("7", 7.0), ("+7", 7.0), ("007", 7.0), ("1.", 1.0), (".5", 0.5),
    ("-.5", -0.5), ("0.1", 0.1), ("0.30000000000000004", 0.30000000000000004),
    ("-542475.5600000001", -542475.5600000001), ("123456789012345678", 123456789012345678.0),
    ("9007199254740993", 9007199254740992.0),                  # halfway: to even
    ("1e-5", 1e-5), ("1.2345678901234501E-2", 0.012345678901234501), ("2E+3", 2000.0),
    ("1.7976931348623157e308", 1.7976931348623157e308), ("5e-324", 5e-324),
    ("1e-400", 0.0),                                           # underflows to zero, as float
    ("45000.999988425923", 45000.999988425923), ("0.000000000000000000001", 1e-21),
    ("1234567.1234567", 1234567.1234567),
    ("12345678901234567890123", 1.2345678901234568e22),
    # 19 to 24 bytes: three words on the fast path
    ("18.04418886026514820", 18.044188860265148), ("-.7605485191623041067", -0.7605485191623041),
    ("1234567890123456789.0", 1.2345678901234568e18), ("9223372036854775808.5", 2.0**63),
    ("0.00012345678901234567", 0.00012345678901234567), ("000000000000000000000001", 1.0),
    (" 12 ", 12.0), ("\n1.5\t", 1.5), ("\r\n-2\r\n", -2.0),     # white space around
])
def test_numbers_read_exactly_as_float_does(text, value):
    for data in (sheet(row(1, f'<c r="A1"><v>{text}</v></c>')),
                 sheet(row(1, *[f'<c r="{c}1"><v>{text}</v></c>' for c in "ABCDEFGH"]))):
        cells = read(data)
        assert all(c[3] == value and math.copysign(1, c[3]) == math.copysign(1, value)
                   for c in cells)


@pytest.mark.parametrize("t, text", [
    ("n", "abc"), ("n", "1,5"), ("n", "1.5.5"), ("n", "1-2"), ("n", "0x10"), ("n", "nan"),
    ("n", "inf"), ("n", "1e999"), ("n", "1_000"), ("n", "1 2"), ("n", "."), ("n", "-"),
    ("n", "e5"), ("n", "1e"), ("n", "\u0661"),
    ("s", "-1"), ("s", "1.5"), ("s", "x"), ("s", "4294967296"),
    ("b", "2"), ("b", "yes"), ("b", "0.5"),
])
def test_a_value_no_spreadsheet_writes_is_refused(t, text):
    refused(sheet(row(7, f'<c r="B7" t="{t}"><v>{text}</v></c>')),
            rf"^Flows!B7 holds '{text}' with type '{t}', which no spreadsheet writes; the "
            "file is damaged$".replace(".", r"\.").replace("+", r"\+"))


def test_bytes_before_a_value_are_not_part_of_it():
    """A point, digits or a sign in the attributes just before ``<v>`` (the fast path reads
    numbers as words ending at the text's end)."""
    cells = [f'<c r="{c}1" x14ac:q="{q}"><v>{v}</v></c>'
             for c, q, v in zip("ABCDEFG", ("1.", "-9", "1.2.", "99999999", ".", "+", "0.1"),
                                ("7", "12", "56", "1.5", "34", "123456789012345", "-1"))]
    assert read(sheet(row(1, *cells)), fast=True) == [
        (1, 1, NUMBER, 7.0, 0, None), (1, 2, NUMBER, 12.0, 0, None),
        (1, 3, NUMBER, 56.0, 0, None), (1, 4, NUMBER, 1.5, 0, None),
        (1, 5, NUMBER, 34.0, 0, None), (1, 6, NUMBER, 123456789012345.0, 0, None),
        (1, 7, NUMBER, -1.0, 0, None)]


def test_shared_and_boolean_values_may_be_written_as_any_number_of_that_value():
    """One number grammar for every type: " 3 ", "3.0" and "3e0" are the index 3."""
    cells = [f'<c r="{c}1" t="s"><v>{v}</v></c>' for c, v in zip("ABC", (" 3 ", "3.0", "3e0"))]
    cells += [f'<c r="{c}1" t="b"><v>{v}</v></c>' for c, v in zip("DEF", ("1.0", " 0", "1e0"))]
    assert read(sheet(row(1, *cells))) == [
        (1, 1, SHARED, 3.0, 0, None), (1, 2, SHARED, 3.0, 0, None),
        (1, 3, SHARED, 3.0, 0, None), (1, 4, BOOL, 1.0, 0, None),
        (1, 5, BOOL, 0.0, 0, None), (1, 6, BOOL, 1.0, 0, None)]


# --------------------------------------------------------------------------- namespaces
@pytest.mark.parametrize("prefix", ["", "x", "ss", "main_ns.1"])
@pytest.mark.parametrize("ns", [MAIN, STRICT])
def test_any_prefix_bound_to_either_main_namespace(prefix, ns):
    p = prefix + ":" if prefix else ""
    rows = (f'<{p}row r="1"><{p}c r="A1" t="s"><{p}v>3</{p}v></{p}c>'
            f'<{p}c r="B1"><{p}v>2.5</{p}v></{p}c></{p}row>')
    assert read(sheet(rows, prefix=prefix, ns=ns), fast=True) == [
        (1, 1, SHARED, 3.0, 0, None), (1, 2, NUMBER, 2.5, 0, None)]


def test_elements_and_attributes_of_other_namespaces_are_ignored():
    rows = ('<row r="1" spans="1:3" x14ac:dyDescent="0.25">'
            '<c r="A1" x14ac:foo="1"><v>1</v></c>'
            '<ext:c xmlns:ext="urn:other" r="B1"><ext:v>2</ext:v></ext:c>'
            '<c r="C1"><ext:v xmlns:ext="urn:other">3</ext:v><v>4</v><extLst/></c>'
            '</row><ext:row xmlns:ext="urn:other" r="2"><c r="A2"><v>5</v></c></ext:row>')
    assert read(sheet(rows)) == [(1, 1, NUMBER, 1.0, 0, None), (1, 3, NUMBER, 4.0, 0, None)]


def test_names_are_matched_by_namespace_not_by_prefix():
    """``x:`` bound to another namespace is not SpreadsheetML, whatever its name."""
    data = sheet('<row r="1"><c r="A1"><v>1</v></c><x:c xmlns:x="urn:other" r="B1"><x:v>2'
                 '</x:v></x:c><y:c xmlns:y="' + MAIN + '" r="C1"><y:v>3</y:v></y:c></row>')
    assert read(data) == [(1, 1, NUMBER, 1.0, 0, None), (1, 3, NUMBER, 3.0, 0, None)]


@pytest.mark.parametrize("data", [
    f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'.encode(),
    f'<worksheet xmlns="{MAIN}"><sheetData></sheetData><sheetCalcPr/></worksheet>'.encode(),
    f'<worksheet xmlns="{MAIN}"><sheetData><row r="3"/><row r="4" ht="20"/></sheetData>'
    '</worksheet>'.encode(),
    f'<chartsheet xmlns="{MAIN}"><sheetPr/></chartsheet>'.encode(),
])
def test_a_sheet_without_values_has_no_cells(data):
    assert read(data) == []


def test_a_sheetdata_of_another_namespace_is_not_read():
    data = (f'<worksheet xmlns="{MAIN}"><o:sheetData xmlns:o="urn:other"><o:row r="1">'
            '<o:c r="A1"><o:v>1</o:v></o:c></o:row></o:sheetData></worksheet>').encode()
    assert read(data) == []


def test_a_sheetdata_nested_deeper_is_not_read():
    data = (f'<worksheet xmlns="{MAIN}"><extLst><sheetData><row r="1"><c r="A1"><v>1</v></c>'
            '</row></sheetData></extLst></worksheet>').encode()
    assert read(data) == []


# --------------------------------------------------------------------------- real XML
def test_quotes_spaces_around_equals_and_references():
    rows = ("<row r='1'><c r = 'A1' t = \"s\" ><v>2</v></c>"
            '<c r="B1" t="inlineStr"><is><t>a&amp;b &lt;c&gt; &#150; &#x2014; &quot;</t></is></c>'
            '<c r="C1"><v>&#49;&#x32;</v></c>'
            '<c r="D1" t="str"><f>1</f><v>&apos;q&apos;</v></c></row>')
    assert read(sheet(rows)) == [
        (1, 1, SHARED, 2.0, 0, None),                 # t = "s": a shared string
        (1, 2, TEXT, None, 0, "a&b <c> \u0096 \u2014 \""),   # &#150; is U+0096 (XML rules)
        (1, 3, NUMBER, 12.0, 0, None), (1, 4, TEXT, None, 0, "'q'")]


def test_cdata_comments_and_processing_instructions():
    rows = ('<!-- <row r="1"><c r="A1"><v>1</v></c></row> -->'
            '<row r="2"><!-- <c r="A2"><v>1</v></c> --><?pi x?>'
            '<c r="B2"><v><![CDATA[2.5]]></v></c>'
            '<c r="C2"><!-- x --><v>3<!-- y --></v><?pi?></c>'
            '<c r="D2" t="inlineStr"><is><t><![CDATA[<b>&amp;</b>]]></t></is></c></row>')
    assert read(sheet(rows, head="<!-- head --><?pi head?>", tail="<!-- tail -->")) == [
        (2, 2, NUMBER, 2.5, 0, None), (2, 3, NUMBER, 3.0, 0, None),
        (2, 4, TEXT, None, 0, "<b>&amp;</b>")]


def test_a_comment_holding_cells_inside_sheetdata_reads_nothing():
    assert read(sheet('<!-- <row r="1"><c r="A1"><v>1</v></c></row> -->')) == []
    assert read(sheet('<row r="1"><!--<c r="A1"><v>1</v></c>--></row>')) == []


@pytest.mark.parametrize("encoding, bom", [
    ("utf-16", b""), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
    ("utf-8", b"\xef\xbb\xbf"), ("iso-8859-1", b""),
])
def test_encodings(encoding, bom):
    declared = encoding.upper()[:6] if "16" in encoding else encoding     # UTF-16, any order
    text = sheet(row(1, '<c r="A1" t="inlineStr"><is><t>caf\u00e9</t></is></c>',
                     '<c r="B1"><v>2</v></c>'),
                 declaration=f'<?xml version="1.0" encoding="{declared}"?>').decode()
    data = bom + text.encode(encoding)
    assert read(data) == [(1, 1, TEXT, None, 0, "caf\u00e9"), (1, 2, NUMBER, 2.0, 0, None)]


def test_xml_space_changes_nothing():
    assert read(sheet(row(1, '<c r="A1"><v xml:space="preserve"> 4 </v></c>',
                          '<c r="B1" t="inlineStr"><is><t xml:space="default">  x </t></is>'
                          '</c>'))) == [(1, 1, NUMBER, 4.0, 0, None),
                                        (1, 2, TEXT, None, 0, "  x ")]


# --------------------------------------------------------------------------- places
def test_cells_and_rows_without_r_are_numbered_from_their_neighbours():
    rows = ('<row r="3"><c><v>1</v></c><c r="D3"><v>2</v></c><c><v>3</v></c></row>'
            '<row><c><v>4</v></c></row>'                         # row 4
            '<row r="9"/><row><c s="1"/><c><v>5</v></c></row>')   # row 10: B10
    assert read(sheet(rows)) == [
        (3, 1, NUMBER, 1.0, 0, None), (3, 4, NUMBER, 2.0, 0, None),
        (3, 5, NUMBER, 3.0, 0, None), (4, 1, NUMBER, 4.0, 0, None),
        (10, 2, NUMBER, 5.0, 0, None)]


def test_a_cell_without_r_follows_the_cell_before_it_whoever_reads_that():
    """Cells the fast path hands to the parser (formulas, comments, odd attributes), with and
    without r, in any order: each cell without r takes the previous cell's column + 1."""
    rows = ('<row r="1"><c cm="1" r="A1"></c><c r = "C1"><f>A1</f></c>'
            '<c r="E1"><!-- x --><v>0</v></c><c t="s"><v>0</v></c>'
            '<c r="H1"><f>1</f><v>1</v></c><c><f>2</f><v>2</v></c><c><v>3</v></c>'
            '<c r="M1"><!-- x --><v>4</v></c> <c r="P1" t="b"><v>1</v></c><c><f>1</f></c>'
            '</row>')                    # (the space: the parser reads M1 and P1 at once)
    assert read(sheet(rows), fast=True) == [
        (1, 3, NO_VALUE, None, 0, None), (1, 5, NUMBER, 0.0, 0, None),
        (1, 6, SHARED, 0.0, 0, None), (1, 8, NUMBER, 1.0, 0, None),
        (1, 9, NUMBER, 2.0, 0, None), (1, 10, NUMBER, 3.0, 0, None),
        (1, 13, NUMBER, 4.0, 0, None), (1, 16, BOOL, 1.0, 0, None),
        (1, 17, NO_VALUE, None, 0, None)]


def test_a_cell_r_does_not_renumber_its_row():
    """openpyxl's rule: a cell's r places that cell only; the next row without r follows its
    row element."""
    rows = '<row r="2"><c r="A5"><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>'
    assert read(sheet(rows)) == [(2, 2, NUMBER, 2.0, 0, None), (3, 1, NUMBER, 3.0, 0, None),
                                 (5, 1, NUMBER, 1.0, 0, None)]


def test_cells_out_of_order_are_sorted():
    rows = row(5, '<c r="C5"><v>3</v></c>', '<c r="A5"><v>1</v></c>') + row(
        2, '<c r="B2" t="inlineStr"><is><t>x</t></is></c>')
    assert read(sheet(rows)) == [(2, 2, TEXT, None, 0, "x"), (5, 1, NUMBER, 1.0, 0, None),
                                 (5, 3, NUMBER, 3.0, 0, None)]


def test_the_grid_corners():
    rows = row(1, '<c r="A1"><v>1</v></c>') + row(1048576, '<c r="XFD1048576"><v>2</v></c>')
    assert read(sheet(rows), fast=True) == [(1, 1, NUMBER, 1.0, 0, None),
                                            (1048576, 16384, NUMBER, 2.0, 0, None)]


@pytest.mark.parametrize("ref", ["XFE3", "A0", "A1048577", "AAAA1", "a1", "A 1", "$A$1",
                                 "A12345678", "1A", ""])
def test_a_cell_outside_the_grid_is_refused(ref):
    refused(sheet(row(3, f'<c r="{ref}"><v>1</v></c>')),
            rf"^Flows: a cell is at '{ref.replace('$', '.')}', outside Excel's grid "
            r"\(A1:XFD1048576\); the file is damaged$")


def test_a_cell_past_xfd_by_counting_is_refused():
    refused(sheet(row(3, '<c r="XFD3"><v>1</v></c><c><v>2</v></c>')),
            r"^Flows: a cell is at 'XFE3', outside")


@pytest.mark.parametrize("r", ["99999999", "0", "1048577", "abc", "-1", " 5"])
def test_a_row_numbered_outside_the_grid_is_refused(r):
    refused(sheet(f'<row r="{r}"><c><v>1</v></c></row>'),
            rf"^Flows: a row is numbered '{r}', outside Excel's grid \(rows 1 to 1048576\); "
            "the file is damaged$")
    refused(sheet(f'<row r="{r}"><c r="A1"><v>1</v></c></row>'), "a row is numbered")


def test_the_row_after_the_last_one_is_refused():
    refused(sheet('<row r="1048576"/><row><c><v>1</v></c></row>'),
            "a row is numbered '1048577'")


def test_the_same_cell_twice_is_refused():
    refused(sheet(row(4, '<c r="B4"><v>1</v></c>', '<c r="B4"><v>2</v></c>')),
            r"^Flows!B4 appears twice; the file is damaged$")
    refused(sheet(row(4, '<c r="B4"><v>1</v></c>') + row(5, '<c r="A5"><v>1</v></c>')
                  + row(4, '<c r="B4" t="inlineStr"><is><t>x</t></is></c>')),
            r"^Flows!B4 appears twice")


# --------------------------------------------------------------------------- damaged parts
@pytest.mark.parametrize("rows, where", [
    ('<row r="1"><c r="A1"><v>1</v></c></rows>', "mismatched tag"),
    ('<row r="1"><c r="A1"><v>1</v></row>', "mismatched tag"),
    ('<row r="1"><c r="A1" r="B1"><v>1</v></c></row>', "duplicate attribute"),
    ('<row r="1"><c r="A1"><v>1&bogus;</v></c></row>', "undefined entity"),
    ('<row r="1"><c r="A1"><v>1\x01</v></c></row>', r"not well-formed \(invalid token\)"),
    ('<row r="1"><c r="A1" q:x="1"><v>1</v></c></row>', "unbound prefix"),
    ('<row r="1"><c r="A1"><v>1</v></c></row><q:x/>', "unbound prefix"),
    ('<row r="1"><c r="A1"><v>1<v></c></row>', "mismatched tag"),
    ('<row r="1"><c r="A1" t="s><v>1</v></c></row>', r"not well-formed \(invalid token\)"),
])
def test_xml_that_is_not_well_formed_is_refused_with_its_place(rows, where):
    refused(sheet(rows), rf"^sheet 'Flows' is not readable XML \(line 2, column \d+: {where}\);"
            " the file is damaged$")


def test_the_line_and_column_are_those_of_the_part():
    data = sheet(row(1, '<c r="A1"><v>1</v></c>') + "\n\n" + row(2, '<c r="A2"><v>1</v></c>'
                                                                 "</x>"))
    # "</x>" starts at column 34 of line 4; expat points at its name (1-based, as editors count)
    refused(data, r"^sheet 'Flows' is not readable XML \(line 4, column 36: mismatched tag\)")


@pytest.mark.parametrize("prologue", [
    '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>',
    '<!DOCTYPE worksheet SYSTEM "http://example.com/x.dtd">',
    '<!DOCTYPE worksheet>',
])
def test_a_doctype_is_refused(prologue):
    refused(sheet(row(1, '<c r="A1"><v>1</v></c>'),
                  declaration='<?xml version="1.0"?>' + prologue),
            r"^sheet 'Flows' declares an XML DOCTYPE; spreadsheet parts never do \(refused as "
            r"a possible entity bomb\)$")


@pytest.mark.parametrize("t", ["x", "inlinestr", "S", ""])
def test_an_unknown_type_is_refused(t):
    refused(sheet(row(2, f'<c r="C2" t="{t}"><v>1</v></c>')),
            rf"^Flows!C2 has the type '{t}', which no spreadsheet writes; the file is damaged$")


@pytest.mark.parametrize("s", ["x", "-1", "1.5", "", "2147483648"])
def test_a_style_that_is_not_an_index_is_refused(s):
    refused(sheet(row(2, f'<c r="C2" s="{s}"><v>1</v></c>')),
            r"^Flows!C2 has a style index that is not a whole number; the file is damaged$")


def test_two_values_in_a_cell_are_refused():
    refused(sheet(row(2, '<c r="C2"><v>1</v><v>2</v></c>')),
            r"^Flows!C2 holds two values; the file is damaged$")


def test_a_truncated_part_is_refused():
    data = sheet(row(1, *[f'<c r="A{i}"><v>{i}</v></c>' for i in range(1, 2)]))
    for cut in (len(data) - 1, len(data) // 2, 60, 1):
        refused(data[:cut], r"^sheet 'Flows' is not readable XML \(line \d+, column \d+: "
                r"(no element found|unclosed token)\)")


@pytest.mark.parametrize("encoding", ["TF-8", "utf-32", "shift_jis", "rot13"])
def test_an_encoding_xml_parsers_cannot_read_is_refused(encoding):
    refused(sheet(row(1, '<c r="A1"><v>1</v></c>'),
                  declaration=f'<?xml version="1.0" encoding="{encoding}"?>'),
            r"^sheet 'Flows' is not readable XML \(its declared encoding is unknown or takes "
            r"several bytes a character\); the file is damaged$")
    with pytest.raises(WorkbookError, match="declared encoding is unknown"):
        read_shared_strings(opener(f'<?xml version="1.0" encoding="{encoding}"?><sst/>'.encode()),
                            np.array([0]))


@pytest.mark.parametrize("junk", [b"", b"PK\x03\x04\x00\x00", b"\x00\x01\x02", b"not xml",
                                  b"\xff\xfe\x00", "<?xml?>\u00e9".encode("latin-1")])
def test_bytes_that_are_not_xml_are_refused(junk):
    refused(junk, r"^sheet 'Flows' is not readable XML")


class _Breaking(io.BytesIO):
    """A zip member stream that fails part-way, as ZipExtFile does on damaged data."""

    def __init__(self, data: bytes, error: Exception, after: int):
        super().__init__(data)
        self.error, self.after = error, after
        self.furthest = 0

    def read(self, size=-1):
        if self.tell() >= self.after:
            raise self.error
        data = super().read(min(size, self.after - self.tell()) if size >= 0 else -1)
        self.furthest = self.tell()
        return data


@pytest.mark.parametrize("error, problem", [
    (zlib.error("Error -3 while decompressing data: invalid distance"),
     "its compressed data is damaged"),
    (EOFError("Compressed file ended before the end-of-stream marker was reached"),
     "it ends early"),
    (__import__("zipfile").BadZipFile("Bad CRC-32 for file 'xl/worksheets/sheet1.xml'"),
     "its checksum does not match"),
])
def test_a_stream_failing_part_way_is_refused(error, problem):
    data = sheet("".join(row(i, f'<c r="A{i}"><v>{i}</v></c>') for i in range(1, 200)))
    for after in (10, 500, len(data) - 5):
        with pytest.raises(WorkbookError, match=rf"^sheet 'Flows' cannot be read \({problem}\); "
                           "the file is damaged$"):
            read_cells(lambda after=after: _Breaking(data, error, after), sheet="Flows")


# --------------------------------------------------------------------------- columns
def test_columns_keep_only_that_range():
    rows = row(1, '<c r="A1"><v>1</v></c>', '<c r="B1" t="inlineStr"><is><t>b</t></is></c>',
               '<c r="D1"><v>4</v></c>', '<c r="E1"><v>5</v></c>',
               '<c r="F1" t="x"><v>junk</v></c>', '<c r="G1"><v>not a number</v></c>')
    assert read(sheet(rows), columns=(2, 4)) == [(1, 2, TEXT, None, 0, "b"),
                                                 (1, 4, NUMBER, 4.0, 0, None)]


def test_columns_still_check_every_cell_place():
    refused(sheet(row(1, '<c r="A1"><v>1</v></c>', '<c r="XFE1"><v>1</v></c>')),
            "outside Excel's grid", columns=(1, 4))


@pytest.mark.parametrize("value, problem", [
    ("&#48;&#>46;", "not well-formed"), ("1&amp2", "not well-formed"),
    ("1\x01", "not well-formed"), ("&undefined;", "undefined entity")])
def test_a_value_outside_the_columns_read_must_still_be_xml(value, problem):
    """Hypothesis found this: the fast path skipped the value of a cell outside the columns,
    so an ill-formed reference there went unseen while the exact path refused the part."""
    data = sheet(row(1, '<c r="B1"><v>1</v></c>', f'<c r="C1"><v>{value}</v></c>'))
    refused(data, rf"^sheet 'Flows' is not readable XML \(line 2, column \d+: {problem}",
            columns=(2, 2))


def test_a_text_value_outside_the_columns_read_is_read_by_the_handler():
    data = sheet(row(1, '<c r="B1"><v>1</v></c>', '<c r="C1"><v>&#49;</v></c>'))
    assert read(data, columns=(2, 2), fast=True) == [(1, 2, NUMBER, 1.0, 0, None)]


def test_a_wide_row_elsewhere_costs_little(monkeypatch):
    """100,000 cells right of D in one row: read on the fast path, none kept."""
    wide = "".join(f'<c r="{column_letters(c)}2" s="1"><v>{c}</v></c>'
                   for c in range(5, 16384))
    data = sheet(row(1, '<c r="A1"><v>1</v></c>') + f'<row r="2">{wide}</row>')
    assert read(data, columns=(1, 4), fast=True) == [(1, 1, NUMBER, 1.0, 0, None)]


# --------------------------------------------------------------------------- _xHHHH_
def test_excel_escapes_are_decoded_in_texts_but_not_in_errors():
    rows = row(1, '<c r="A1" t="inlineStr"><is><t>_x0041__x005F_x0042_</t></is></c>',
               '<c r="B1" t="str"><f>1</f><v>a_x000D_b</v></c>',
               '<c r="C1" t="e"><v>#N/A_x0041_</v></c>')
    assert read(sheet(rows)) == [(1, 1, TEXT, None, 0, "A_x0042_"),
                                 (1, 2, TEXT, None, 0, "a\rb"),
                                 (1, 3, ERROR, None, 0, "#N/A_x0041_")]


# --------------------------------------------------------------------------- the fast path
def test_the_shapes_writers_use_take_the_fast_path():
    """Excel (spans, x14ac:dyDescent), XlsxWriter, openpyxl (t="n"), LibreOffice (row
    attributes); formula and inline-string cells among them are read one by one."""
    excel = sheet('<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" s="1"><v>45292</v>'
                  '</c><c r="B1" t="s"><v>0</v></c><c r="C1"><f>A1*2</f><v>90584</v></c></row>'
                  '<row r="2" spans="1:3" ht="20" customHeight="1" x14ac:dyDescent="0.25">'
                  '<c r="A2" s="1"><v>45293</v></c><c r="B2" s="2"/></row>')
    libre = sheet('<row r="1" customFormat="false" ht="12.8" hidden="false" '
                  'customHeight="false" outlineLevel="0" collapsed="false"><c r="A1" s="0" '
                  't="n"><v>1.5</v></c><c r="B1" s="0" t="s"><v>0</v></c></row>')
    xlsxwriter = sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c></row>'
                       '<row r="2"><c r="A2" s="1"><v>32875</v></c><c r="B2"><v>-7.51</v>'
                       '</c></row>')
    assert read(excel, fast=True) == [(1, 1, NUMBER, 45292.0, 1, None),
                                      (1, 2, SHARED, 0.0, 0, None),
                                      (1, 3, NUMBER, 90584.0, 0, None),
                                      (2, 1, NUMBER, 45293.0, 1, None)]
    assert read(libre, fast=True) == [(1, 1, NUMBER, 1.5, 0, None), (1, 2, SHARED, 0.0, 0, None)]
    assert read(xlsxwriter, fast=True) == [(1, 1, TEXT, None, 0, "Date"),
                                           (2, 1, NUMBER, 32875.0, 1, None),
                                           (2, 2, NUMBER, -7.51, 0, None)]


@pytest.mark.parametrize("rows", [
    '<row><c r="A1"><v>1</v></c></row>',                          # a row without r
    '<row r="1">\n  <c r="A1"><v>1</v></c>\n</row>',              # white space between tags
    '<row r="1"><c r="A1"><v>1</v></c></row><!-- x --><row r="2"/>',
    '<row r="1" xmlns:y="urn:y"><c r="A1"><v>1</v></c></row>',     # a declaration in a row
    '<row r="1"><c r="A1"><v>1</v></c><foo/></row>',
])
def test_other_shapes_give_way_to_the_exact_path(rows):
    read(sheet(rows), fast=False)


def test_a_row_longer_than_the_limit_goes_to_the_exact_path(monkeypatch):
    wide = "".join(f'<c r="{column_letters(c)}2"><v>{c}</v></c>' for c in range(1, 400))
    data = sheet(row(1, '<c r="A1"><v>1</v></c>') + f'<row r="2">{wide}</row>')
    monkeypatch.setattr(sheetread, "_ROW_LIMIT", 1000)
    monkeypatch.setattr(sheetread, "_CHUNK", 500)
    cells = read(data, fast=False)
    assert len(cells) == 400 and cells[-1] == (2, 399, NUMBER, 399.0, 0, None)
    monkeypatch.setattr(sheetread, "_ROW_LIMIT", 20_000)
    assert read(data, fast=True) == cells


@pytest.mark.parametrize("rows, problem", [
    ('<row r="1"><c r="A1"><v>1</v></c>&bogus;</row>', "undefined entity"),
    ('<row r="1"><c r="A1"><v>1</v></c>\x01<c r="B1"><v>2</v></c></row>', "not well-formed"),
    ('<row r="1"><c r="A1"></c>&bogus;</row>', "undefined entity"),
    ('<row r="1"><c r="A1"><v>1</v></c></row>&bogus;<row r="2"><c r="A2"><v>1</v></c></row>',
     "undefined entity"),
    ('<row r="1">&bogus;<c r="A1"><v>1</v></c></row>', "undefined entity"),
    ('<row r="1"><c r="A1">&bogus;<v>1</v></c></row>', "undefined entity"),
    ('<row r="1"><c r="A1"/>&bogus;</row>', "undefined entity"),
])
def test_text_between_tags_is_never_skipped_unread(rows, problem):
    """Bytes the fast path would not decode (text after a tag) go to the parser, which
    refuses them when they are not XML."""
    refused(sheet(rows), rf"^sheet 'Flows' is not readable XML \(line 2, column \d+: {problem}")


@pytest.mark.parametrize("cell, expected", [
    ('<c t="A1"><v>1</v></c>', None),                      # a type, not a place: refused
    ('<c x="B7"><v>1</v></c>', (1, 1, NUMBER, 1.0, 0, None)),   # another attribute, no r
    ('<c s="1" r="C1"><v>1</v></c>', (1, 3, NUMBER, 1.0, 1, None)),
])
def test_only_r_places_a_cell(cell, expected):
    if expected is None:
        refused(sheet(row(1, cell)), r"^Flows!A1 has the type 'A1'")
    else:
        assert read(sheet(row(1, cell)), fast=True) == [expected]


@pytest.mark.parametrize("chunk", [1, 7, 64, 333, 4096])
def test_any_chunk_size_reads_the_same(monkeypatch, chunk):
    rows = "".join(row(i, f'<c r="A{i}" s="1"><v>{i * 1.5}</v></c>',
                       f'<c r="B{i}" t="inlineStr"><is><t>t{i}</t></is></c>',
                       f'<c r="C{i}"><f>A{i}</f><v>{i}</v></c>', f'<c r="D{i}"/>')
                   for i in range(1, 60))
    data = sheet(rows)
    expected = read(data)
    monkeypatch.setattr(sheetread, "_CHUNK", chunk)
    assert read(data) == expected


# --------------------------------------------------------------------------- shared strings
SST = (f'<?xml version="1.0"?><sst xmlns="{MAIN}" count="5" uniqueCount="5">'
       '<si><t>zero</t></si>'
       '<si><r><rPr><b/></rPr><t>o</t></r><r><t xml:space="preserve">ne </t></r>'
       '<rPh sb="0" eb="1"><t>PHONETIC</t></rPh><phoneticPr fontId="0"/></si>'
       '<si><t>_x0041_&amp;&#150;</t></si>'
       '<si><t/></si>'
       '<si><t><![CDATA[<4>]]></t></si></sst>').encode()


def test_shared_strings_known_values():
    assert read_shared_strings(opener(SST), np.array([0, 1, 2, 3, 4])) == {
        0: "zero", 1: "one ", 2: "A&\u0096", 3: "", 4: "<4>"}
    assert read_shared_strings(opener(SST), np.array([4.0, 1.0, 1.0])) == {1: "one ", 4: "<4>"}
    assert read_shared_strings(opener(SST), np.array([2, 7])) == {2: "A&\u0096"}
    assert read_shared_strings(opener(SST), np.array([], dtype=np.int64)) == {}


def test_shared_strings_stop_after_the_last_wanted_entry():
    """What follows the last entry wanted is never read: a damaged tail, or a stream that
    fails there, costs nothing."""
    data = SST.replace(b"<si><t/></si>", b"<si><t>x</t></si>" * 3 + b"<si><t>\x01")
    assert read_shared_strings(opener(data), np.array([1])) == {1: "one "}
    many = SST[:SST.index(b"<si>")] + b"<si><t>s</t></si>" * 100_000
    stream = _Breaking(many, zlib.error("damaged"), after=200_000)
    assert read_shared_strings(lambda: stream, np.array([3])) == {3: "s"}
    assert stream.furthest <= 2 * sheetread._CHUNK


def test_shared_strings_refuse_damaged_parts():
    with pytest.raises(WorkbookError, match=r"^the shared string table is not readable XML "
                       r"\(line 1, column \d+: mismatched tag\); the file is damaged$"):
        read_shared_strings(opener(SST.replace(b"</si>", b"</s>", 1)), np.array([3]))
    with pytest.raises(WorkbookError, match="declares an XML DOCTYPE"):
        read_shared_strings(opener(b'<!DOCTYPE sst [<!ENTITY a "b">]>' + SST[21:]),
                            np.array([0]))
