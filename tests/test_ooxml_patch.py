"""The worksheet patcher (:func:`xlflows.ooxml.patch.patch_sheet`), XML in → XML out.

As XlsxWriter tests its writer: each row of a table is a sheet part, the writes planned into it
and the exact part that must come out. Every output is also parsed with a namespace-aware parser
(each written cell found by its namespace URI, in the row of its number), and every byte outside
``<sheetData>`` but the ``<dimension>`` reference is compared with the input. A hypothesis test
checks random sheets and writes against a dictionary model of the grid.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import given, settings, strategies as st

from xlflows.a1 import cell_ref, parse_ref
from xlflows.errors import WorkbookError
from xlflows.ooxml import ns
from xlflows.ooxml.patch import PlannedCell, cell_value, patch_sheet
from xlflows.ooxml.xml import transcode

MAIN = ns.MAIN
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: What XlsxWriter writes after ``<sheetData>`` (kept byte for byte by every patch).
TAIL = ('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        'footer="0.3"/>')


def prefixed(xml: str, prefix: str) -> str:
    """Every element name in ``xml`` given ``prefix`` (``"x:"``), as the Open XML SDK writes."""
    return re.sub(r"<(/?)(?=[A-Za-z])", rf"<\g<1>{prefix}", xml)


def sheet(rows: str | None, dimension: str | None = "A1", tail: str = TAIL, *, prefix: str = "",
          uri: str = MAIN) -> bytes:
    """A worksheet part laid out as XlsxWriter writes one, with ``rows`` inside ``<sheetData>``
    (``rows`` None: an empty-element ``<sheetData/>``). ``prefix`` (e.g. ``"x:"``) is put on
    every element of the frame; the rows are written as given."""
    declaration = f'xmlns:{prefix[:-1]}="{uri}"' if prefix else f'xmlns="{uri}"'
    dim = f'<dimension ref="{dimension}"/>' if dimension is not None else ""
    data = "<sheetData/>" if rows is None else "<sheetData>{rows}</sheetData>"
    frame = (f'<worksheet {declaration} xmlns:r="http://schemas.openxmlformats.org/'
             f'officeDocument/2006/relationships">{dim}<sheetViews><sheetView tabSelected="1" '
             f'workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>{data}'
             f"{tail}</worksheet>")
    return (HEAD + prefixed(frame, prefix).replace("{rows}", rows or "")).encode("utf-8")


@dataclass(frozen=True)
class W:
    """One planned write: a cell, its value, and the style map applied to its old style."""

    ref: str
    value: object
    restyle: dict[int, int] = field(default_factory=dict)   # old s -> new s (else kept)


@dataclass(frozen=True)
class Case:
    """A table row: the part in, the writes, the part out."""

    before: bytes
    writes: tuple[W, ...]
    after: bytes
    date1904: bool = False
    replaced_formula: bool = False


def _restyled(restyle: dict[int, int], old: int) -> int:
    return restyle.get(old, old)


def planned(writes, date1904: bool = False) -> dict[tuple[int, int], PlannedCell]:
    cells = {}
    for w in writes:
        cells[parse_ref(w.ref)] = PlannedCell(cell_value(w.value, f"S!{w.ref}", date1904),
                                              partial(_restyled, w.restyle))
    return cells


_SHEET_DATA_OPEN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData\b")
_SHEET_DATA_CLOSE = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?sheetData\s*>|"
                               rb"<(?:[A-Za-z_][\w.-]*:)?sheetData\b[^>]*/>")
_DIMENSION_REF = re.compile(rb"(<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref=)(\"[^\"]*\"|'[^']*')")


def outside_sheet_data(part: bytes) -> tuple[bytes, bytes]:
    """The bytes before ``<sheetData`` and after its end, the dimension's reference blanked."""
    start = _SHEET_DATA_OPEN.search(part).start()
    end = list(_SHEET_DATA_CLOSE.finditer(part))[-1].end()
    return (_DIMENSION_REF.sub(rb'\1"*"', part[:start]),
            _DIMENSION_REF.sub(rb'\1"*"', part[end:]))


def check_output(before: bytes, after: bytes, writes) -> None:
    """What every patched part must satisfy, whatever the table says.

    It parses with ElementTree (namespace-aware); each written value sits in exactly one ``c``
    element of the sheet's own namespace with its reference, in the row of its number; and the
    part outside ``<sheetData>`` is the input's byte for byte but the dimension reference.
    """
    root = ET.fromstring(after)
    uri = root.tag[1:].partition("}")[0]
    assert ns.canonical(uri) == MAIN
    for w in writes:
        row, _ = parse_ref(w.ref)
        found = [(r, c) for r in root.iter(f"{{{uri}}}row") for c in r.iter(f"{{{uri}}}c")
                 if c.get("r") == w.ref]
        if w.value is None or w.value == "":
            assert all(c.find(f"{{{uri}}}v") is None and c.find(f"{{{uri}}}is") is None
                       for _, c in found), w.ref
            continue
        assert len(found) == 1, w.ref
        assert found[0][0].get("r") == str(row), w.ref
    original, _ = transcode(before, "sheet", "test")
    assert outside_sheet_data(after) == outside_sheet_data(original)


# --------------------------------------------------------------------------- values written
def one_cell(value_xml: str = '<c r="A1"><v>1</v></c>', dimension="A1") -> bytes:
    return sheet(f'<row r="1">{value_xml}</row>', dimension)


VALUES = {
    "a number": Case(one_cell(), (W("A1", 2.5),), one_cell('<c r="A1"><v>2.5</v></c>')),
    "an integer-valued float without .0": Case(one_cell(), (W("A1", 3.0),),
                                               one_cell('<c r="A1"><v>3</v></c>')),
    "negative zero as 0": Case(one_cell(), (W("A1", -0.0),), one_cell('<c r="A1"><v>0</v></c>')),
    # 0.1 + 0.2 needs all 17 significant digits to read back as the same double
    "a 17-digit double": Case(one_cell(), (W("A1", 0.1 + 0.2),),
                              one_cell('<c r="A1"><v>0.30000000000000004</v></c>')),
    # 2**53 + 1 = 9007199254740993 has no double; an int is written with all its digits
    "an int above 2**53": Case(one_cell(), (W("A1", 2 ** 53 + 1),),
                               one_cell('<c r="A1"><v>9007199254740993</v></c>')),
    "a numpy int": Case(one_cell(), (W("A1", np.int64(-7)),),
                        one_cell('<c r="A1"><v>-7</v></c>')),
    "true": Case(one_cell(), (W("A1", True),), one_cell('<c r="A1" t="b"><v>1</v></c>')),
    "false": Case(one_cell(), (W("A1", np.bool_(False)),),
                  one_cell('<c r="A1" t="b"><v>0</v></c>')),
    "text with & < >": Case(one_cell(), (W("A1", "a < b & c > d"),), one_cell(
        '<c r="A1" t="inlineStr"><is><t>a &lt; b &amp; c &gt; d</t></is></c>')),
    "text with leading and trailing spaces": Case(one_cell(), (W("A1", " padded "),), one_cell(
        '<c r="A1" t="inlineStr"><is><t xml:space="preserve"> padded </t></is></c>')),
    "text with a line break": Case(one_cell(), (W("A1", "two\nlines"),), one_cell(
        '<c r="A1" t="inlineStr"><is><t xml:space="preserve">two\nlines</t></is></c>')),
    # an XML parser reads a raw CR as LF: it goes as a character reference
    "text with a Windows line break": Case(one_cell(), (W("A1", "two\r\nlines"),), one_cell(
        '<c r="A1" t="inlineStr"><is><t xml:space="preserve">two&#13;\nlines</t></is></c>')),
    # Excel reads _x0041_ as "A": a literal one has its underscore escaped as _x005F_
    "text holding a literal _x0041_": Case(one_cell(), (W("A1", "_x0041_"),), one_cell(
        '<c r="A1" t="inlineStr"><is><t>_x005F_x0041_</t></is></c>')),
    # U+0001 cannot appear in XML 1.0 at all: Excel's escape carries it
    "a control character": Case(one_cell(), (W("A1", "a\x01b"),), one_cell(
        '<c r="A1" t="inlineStr"><is><t>a_x0001_b</t></is></c>')),
    "text that looks like a formula": Case(one_cell(), (W("A1", "=SUM(A1)"),), one_cell(
        '<c r="A1" t="inlineStr"><is><t>=SUM(A1)</t></is></c>')),
    # 1900 system: 2024-01-01 is 45292; + 37 days (31 of January, 6 of February) = 45329
    "a date, 1900 system": Case(one_cell(), (W("A1", dt.date(2024, 2, 7)),),
                                one_cell('<c r="A1"><v>45329</v></c>')),
    # 1904 system: 1462 days fewer (1900-01-01 .. 1904-01-01 with Excel's phantom 29 Feb 1900)
    "a date, 1904 system": Case(one_cell(), (W("A1", dt.date(2024, 2, 7)),),
                                one_cell('<c r="A1"><v>43867</v></c>'), date1904=True),
    # 18:00 is 0.75 of a day
    "a date-time": Case(one_cell(), (W("A1", dt.datetime(2024, 2, 7, 18)),),
                        one_cell('<c r="A1"><v>45329.75</v></c>')),
    "a pandas Timestamp": Case(one_cell(), (W("A1", pd.Timestamp("2024-02-07 06:00")),),
                               one_cell('<c r="A1"><v>45329.25</v></c>')),
    "a numpy datetime64[ns]": Case(one_cell(), (W("A1", np.datetime64("2024-02-07T18:00", "ns")),),
                                   one_cell('<c r="A1"><v>45329.75</v></c>')),
    # 1900-02-28 is 59; Excel counts a 29 February 1900 (60), so 1900-03-01 is 61
    "the last day before Excel's phantom 29 Feb 1900": Case(
        one_cell(), (W("A1", dt.date(1900, 2, 28)),), one_cell('<c r="A1"><v>59</v></c>')),
    "the first day after it": Case(one_cell(), (W("A1", dt.date(1900, 3, 1)),),
                                   one_cell('<c r="A1"><v>61</v></c>')),
    "the 1904 system's day 0": Case(one_cell(), (W("A1", dt.date(1904, 1, 1)),),
                                    one_cell('<c r="A1"><v>0</v></c>'), date1904=True),
    "None clears a styled cell and keeps its style": Case(
        one_cell('<c r="A1" s="3"><v>1</v></c>'), (W("A1", None),), one_cell('<c r="A1" s="3"/>')),
    "None removes an unstyled cell": Case(
        one_cell('<c r="A1"><v>1</v></c><c r="B1"><v>2</v></c>', "A1:B1"), (W("A1", None),),
        one_cell('<c r="B1"><v>2</v></c>', "A1:B1")),
    "empty text clears like None": Case(one_cell('<c r="A1" s="3"><v>1</v></c>'), (W("A1", ""),),
                                        one_cell('<c r="A1" s="3"/>')),
    "a written cell keeps its style": Case(one_cell('<c r="A1" s="3"><v>1</v></c>'),
                                           (W("A1", 2),), one_cell('<c r="A1" s="3"><v>2</v></c>')),
    "a written cell gets the style made from its old one": Case(
        one_cell('<c r="A1" s="3"><v>1</v></c>'), (W("A1", 2, {3: 9}),),
        one_cell('<c r="A1" s="9"><v>2</v></c>')),
    "a shared-string cell overwritten by a number loses t": Case(
        one_cell('<c r="A1" s="1" t="s"><v>0</v></c>'), (W("A1", 2),),
        one_cell('<c r="A1" s="1"><v>2</v></c>')),
    "a cached formula result overwritten": Case(
        one_cell('<c r="A1"><f>1+1</f><v>2</v></c>'), (W("A1", 5),),
        one_cell('<c r="A1"><v>5</v></c>'), replaced_formula=True),
    "a formula beside the written cell is no replaced formula": Case(
        one_cell('<c r="A1"><v>1</v></c><c r="B1"><f>A1*2</f><v>2</v></c>', "A1:B1"),
        (W("A1", 5),), one_cell('<c r="A1"><v>5</v></c><c r="B1"><f>A1*2</f><v>2</v></c>',
                                "A1:B1")),
    "a cell of a shared formula (not its master) may be overwritten": Case(
        sheet('<row r="1"><c r="A1"><f t="shared" ref="A1:A2" si="0">ROW()</f><v>1</v></c></row>'
              '<row r="2"><c r="A2"><f t="shared" si="0"/><v>2</v></c></row>', "A1:A2"),
        (W("A2", 7),),
        sheet('<row r="1"><c r="A1"><f t="shared" ref="A1:A2" si="0">ROW()</f><v>1</v></c></row>'
              '<row r="2"><c r="A2"><v>7</v></c></row>', "A1:A2"), replaced_formula=True),
    "the top-left cell of merged cells may be written": Case(
        sheet('<row r="2"><c r="B2" s="1"/></row>', "B2:C3",
              TAIL + '<mergeCells count="1"><mergeCell ref="B2:C3"/></mergeCells>'),
        (W("B2", "title"),),
        sheet('<row r="2"><c r="B2" s="1" t="inlineStr"><is><t>title</t></is></c></row>', "B2:C3",
              TAIL + '<mergeCells count="1"><mergeCell ref="B2:C3"/></mergeCells>')),
}


# --------------------------------------------------------------------------- where cells go
PLACES = {
    "a new cell before, between and after the cells of a row": Case(
        sheet('<row r="2"><c r="B2"><v>1</v></c><c r="D2"><v>2</v></c></row>', "B2:D2"),
        (W("E2", 5), W("A2", 3), W("C2", 4)),
        sheet('<row r="2"><c r="A2"><v>3</v></c><c r="B2"><v>1</v></c><c r="C2"><v>4</v></c>'
              '<c r="D2"><v>2</v></c><c r="E2"><v>5</v></c></row>', "A2:E2")),
    "a new row before, between and after the rows": Case(
        sheet('<row r="2"><c r="A2"><v>2</v></c></row><row r="4"><c r="A4"><v>4</v></c></row>',
              "A2:A4"),
        (W("B5", 5), W("B1", 1), W("B3", 3)),
        sheet('<row r="1"><c r="B1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>'
              '<row r="3"><c r="B3"><v>3</v></c></row><row r="4"><c r="A4"><v>4</v></c></row>'
              '<row r="5"><c r="B5"><v>5</v></c></row>', "A1:B5")),
    "rows into an empty-element <sheetData/>": Case(
        sheet(None), (W("B4", 1), W("A2", "x")),
        sheet('<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>'
              '<row r="4"><c r="B4"><v>1</v></c></row>', "A1:B4")),
    "rows into an empty <sheetData></sheetData>": Case(
        sheet(""), (W("C3", 1),), sheet('<row r="3"><c r="C3"><v>1</v></c></row>', "A1:C3")),
    "a new row with a styled blank cell only": Case(
        sheet(""), (W("C3", None, {0: 4}),), sheet('<row r="3"><c r="C3" s="4"/></row>')),
    "a new row of unstyled blanks is not written": Case(
        sheet('<row r="1"><c r="A1"><v>1</v></c></row>'), (W("C3", None),),
        sheet('<row r="1"><c r="A1"><v>1</v></c></row>')),
    "an empty <row r=\"4\"/> receives a cell": Case(
        sheet('<row r="4"/>'), (W("B4", 1),), sheet('<row r="4"><c r="B4"><v>1</v></c></row>',
                                                    "A1:B4")),
    "an empty row with attributes receives cells": Case(
        sheet('<row r="4" ht="30" customHeight="1"/>'), (W("B4", 1), W("A4", 2)),
        sheet('<row r="4" ht="30" customHeight="1"><c r="A4"><v>2</v></c><c r="B4"><v>1</v>'
              '</c></row>', "A1:B4")),
    # rows without r count on from the row before; a touched row and its cells get r
    "rows and cells without r are numbered from their neighbours": Case(
        sheet('<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>', "A1:B2"),
        (W("B2", 9),),
        sheet('<row><c><v>1</v></c><c><v>2</v></c></row><row r="2"><c r="A2"><v>3</v></c>'
              '<c r="B2"><v>9</v></c></row>', "A1:B2")),
    "a cell without r after one with r is the next column": Case(
        sheet('<row r="3"><c r="B3"><v>1</v></c><c><v>2</v></c></row>', "B3:C3"),
        (W("C3", 8),), sheet('<row r="3"><c r="B3"><v>1</v></c><c r="C3"><v>8</v></c></row>',
                             "B3:C3")),
    "a touched row's other cells without r get r": Case(
        sheet('<row r="3"><c r="B3"><v>1</v></c><c><v>2</v></c></row>', "B3:C3"),
        (W("E3", 8),), sheet('<row r="3"><c r="B3"><v>1</v></c><c r="C3"><v>2</v></c>'
                             '<c r="E3"><v>8</v></c></row>', "B3:E3")),
    "an empty row without r receives a cell": Case(
        sheet('<row r="1"><c r="A1"><v>1</v></c></row><row/>'), (W("A2", 2),),
        sheet('<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>',
              "A1:A2")),
    "spans dropped when a cell is added": Case(
        sheet('<row r="1" spans="1:1" ht="20" customHeight="1"><c r="A1"><v>1</v></c></row>'),
        (W("B1", 2),),
        sheet('<row r="1" ht="20" customHeight="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c>'
              '</row>', "A1:B1")),
    "spans kept when cells are only overwritten": Case(
        sheet('<row r="1" spans="1:1"><c r="A1"><v>1</v></c></row>'), (W("A1", 2),),
        sheet('<row r="1" spans="1:1"><c r="A1"><v>2</v></c></row>')),
    "the dimension grows to the left and up": Case(
        sheet('<row r="3"><c r="C3"><v>1</v></c></row>', "C3"), (W("B1", 2),),
        sheet('<row r="1"><c r="B1"><v>2</v></c></row><row r="3"><c r="C3"><v>1</v></c></row>',
              "B1:C3")),
    "the dimension stays when the writes are inside it": Case(
        sheet('<row r="1"><c r="A1"><v>1</v></c></row>', "A1:Z100"), (W("B2", 2),),
        sheet('<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="B2"><v>2</v></c></row>',
              "A1:Z100")),
    "no dimension, none added": Case(
        sheet('<row r="1"><c r="A1"><v>1</v></c></row>', None), (W("C9", 2),),
        sheet('<row r="1"><c r="A1"><v>1</v></c></row><row r="9"><c r="C9"><v>2</v></c></row>',
              None)),
    "a blank write outside does not grow the dimension": Case(
        sheet('<row r="1"><c r="A1"><v>1</v></c></row>'), (W("C9", None, {0: 2}),),
        sheet('<row r="1"><c r="A1"><v>1</v></c></row><row r="9"><c r="C9" s="2"/></row>')),
    "a cell at XFD1048576": Case(
        sheet(""), (W("XFD1048576", 1),),
        sheet('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1:XFD1048576")),
}


# --------------------------------------------------------------------------- other writers' parts
def utf16(part: bytes) -> bytes:
    return part.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode().encode("utf-16")


COMMENT = '<!-- <row r="2"><c r="B2"/></row> -->'
PARTS = {
    "the x: prefix on every written element": Case(
        sheet('<x:row r="2"><x:c r="B2"><x:v>1</x:v></x:c></x:row>', "B2", prefix="x:"),
        (W("A2", "t"), W("B2", None, {0: 4}), W("A1", True), W("C3", 1)),
        sheet('<x:row r="1"><x:c r="A1" t="b"><x:v>1</x:v></x:c></x:row><x:row r="2"><x:c r="A2" '
              't="inlineStr"><x:is><x:t>t</x:t></x:is></x:c><x:c r="B2" s="4"/></x:row><x:row '
              'r="3"><x:c r="C3"><x:v>1</x:v></x:c></x:row>', "A1:C3", prefix="x:")),
    "the x: prefix into an empty-element sheetData": Case(
        sheet(None, prefix="x:"), (W("A1", " x "),),
        sheet('<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t xml:space="preserve"> x </x:t>'
              '</x:is></x:c></x:row>', prefix="x:")),
    "a Strict sheet": Case(
        sheet('<row r="1"><c r="A1"><v>1</v></c></row>', uri=STRICT_MAIN),
        (W("A1", "t"), W("B1", 2)),
        sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>t</t></is></c><c r="B1"><v>2</v></c>'
              '</row>', "A1:B1", uri=STRICT_MAIN)),
    "markup inside a comment stays, the real cell is written": Case(
        sheet(COMMENT + '<row r="3"><c r="A3"/></row>', "A3"), (W("B2", 5),),
        sheet(COMMENT + '<row r="2"><c r="B2"><v>5</v></c></row><row r="3"><c r="A3"/></row>',
              "A2:B3")),
    "a comment between cells stays": Case(
        sheet('<row r="2"><c r="A2"/><!-- <c r="B2"><v>0</v></c> --><c r="C2"/></row>', "A2:C2"),
        (W("B2", 5),),
        sheet('<row r="2"><c r="A2"/><!-- <c r="B2"><v>0</v></c> --><c r="B2"><v>5</v></c>'
              '<c r="C2"/></row>', "A2:C2")),
    "CDATA holding tags stays": Case(
        sheet('<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[</c></row>]]></t></is></c>'
              '<c r="C1"/></row>', "A1:C1"), (W("B1", 1),),
        sheet('<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[</c></row>]]></t></is></c>'
              '<c r="B1"><v>1</v></c><c r="C1"/></row>', "A1:C1")),
    "entity references elsewhere are kept byte for byte": Case(
        sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>a&#150;b&amp;&#x41;&gt;</t></is></c>'
              '</row>', "A1", TAIL + '<headerFooter><oddHeader>&amp;C&#x26;P&quot;</oddHeader>'
              '</headerFooter>'),
        (W("B1", 1),),
        sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>a&#150;b&amp;&#x41;&gt;</t></is></c>'
              '<c r="B1"><v>1</v></c></row>', "A1:B1", TAIL + '<headerFooter><oddHeader>&amp;C'
              '&#x26;P&quot;</oddHeader></headerFooter>')),
    "a UTF-16 part comes back as UTF-8 with the same content": Case(
        utf16(sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>é€😀</t></is></c></row>')),
        (W("B1", "ü"),),
        sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>é€😀</t></is></c><c r="B1" '
              't="inlineStr"><is><t>ü</t></is></c></row>', "A1:B1")),
    "a UTF-8 byte order mark is kept": Case(
        b"\xef\xbb\xbf" + sheet('<row r="1"><c r="A1"><v>1</v></c></row>'), (W("B1", 2),),
        b"\xef\xbb\xbf" + sheet('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>',
                             "A1:B1")),
    "an ISO-8859-1 part comes back as UTF-8": Case(
        sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>é</t></is></c></row>').replace(
            b"UTF-8", b"ISO-8859-1").replace("é".encode(), b"\xe9"),
        (W("A1", "è"),),
        sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>è</t></is></c></row>')),
    "a row with another writer's attributes and extension elements": Case(
        sheet('<row r="1" spans="1:1" x14ac:dyDescent="0.25" xmlns:x14ac="http://schemas.'
              'microsoft.com/office/spreadsheetml/2009/9/ac"><c r="A1" s="2" cm="1"><f t="array" '
              'ref="A1">SORT(B1)</f><v>1</v></c><c r="B1" ph="1"><v>3</v><extLst/></c></row>',
              "A1:B1"),
        (W("C1", 1),),
        sheet('<row r="1" x14ac:dyDescent="0.25" xmlns:x14ac="http://schemas.microsoft.com/office'
              '/spreadsheetml/2009/9/ac"><c r="A1" s="2" cm="1"><f t="array" ref="A1">SORT(B1)'
              '</f><v>1</v></c><c r="B1" ph="1"><v>3</v><extLst/></c><c r="C1"><v>1</v></c></row>',
              "A1:C1")),
}

TABLE = {**VALUES, **PLACES, **PARTS}


@pytest.mark.parametrize("case", list(TABLE.values()), ids=list(TABLE))
def test_the_patched_part_is_exactly_the_expected_xml(case):
    result = patch_sheet(case.before, "S", planned(case.writes, case.date1904), part="sheet1.xml")
    assert result.data.decode("utf-8") == case.after.decode("utf-8")
    assert result.replaced_formula == case.replaced_formula
    check_output(case.before, result.data, case.writes)


@pytest.mark.parametrize("case", list(TABLE.values()), ids=list(TABLE))
def test_patching_again_with_the_same_writes_changes_nothing(case):
    once = patch_sheet(case.before, "S", planned(case.writes, case.date1904)).data
    twice = patch_sheet(once, "S", planned(case.writes, case.date1904)).data
    assert twice == once


def test_no_writes_leave_the_part_as_it_was():
    part = sheet('<row><c><v>1</v></c></row>', "A1")
    assert patch_sheet(part, "S", {}).data == part


# --------------------------------------------------------------------------- refusals
MERGED = TAIL + '<mergeCells count="1"><mergeCell ref="B2:C4"/></mergeCells>'
ARRAY_T_FIRST = '<row r="1"><c r="A1"><f t="array" ref="A1:A3">ROW(A1:A3)</f><v>1</v></c></row>'
ARRAY_REF_FIRST = '<row r="1"><c r="A1"><f ref="A1:A3" t="array">ROW(A1:A3)</f><v>1</v></c></row>'
SHARED = '<row r="1"><c r="A1"><f t="shared" ref="A1:A3" si="0">ROW()</f><v>1</v></c></row>'
ARRAY_DOLLAR = '<row r="1"><c r="A1"><f t="array" ref="$A$1:$B$2">1</f><v>1</v></c></row>'
REFUSED = {
    "inside merged cells": (
        sheet('<row r="2"><c r="B2"/></row>', "B2", MERGED), W("C3", 1),
        "S!C3 is inside merged cells (B2:C4); unmerge them or move the report cell"),
    "the bottom-right cell of merged cells": (
        sheet('<row r="2"><c r="B2"/></row>', "B2", MERGED), W("C4", None, {0: 1}),
        "S!C4 is inside merged cells (B2:C4); unmerge them or move the report cell"),
    "over an array formula's master": (
        sheet(ARRAY_T_FIRST), W("A1", 1),
        ("S!A1 holds an array formula (A1:A3); the report cannot write over it. Delete the "
         "formula or move the report cell")),
    "inside an array formula": (
        sheet(ARRAY_T_FIRST), W("A3", 1),
        ("S!A3 is inside the array formula A1:A3; the report cannot write there. Delete the "
         "formula or move the report cell")),
    "inside an array formula whose ref comes before t": (
        sheet(ARRAY_REF_FIRST), W("A2", 1),
        ("S!A2 is inside the array formula A1:A3; the report cannot write there. Delete the "
         "formula or move the report cell")),
    "inside an array formula written with $": (
        sheet(ARRAY_DOLLAR), W("B2", 1),
        ("S!B2 is inside the array formula $A$1:$B$2; the report cannot write there. Delete the "
         "formula or move the report cell")),
    "over a shared formula's master": (
        sheet(SHARED), W("A1", 1),
        ("S!A1 holds a shared formula (A1:A3); the report cannot write over it. Delete the "
         "formula or move the report cell")),
    "a row numbered beyond 1048576": (
        sheet('<row r="1048577"><c r="A1048577"/></row>'), W("A2", 1),
        ("S: a row is numbered 1048577, outside Excel's grid (rows 1 to 1048576); the file is "
         "damaged")),
    "a row without r after row 1048576": (
        sheet('<row r="1048576"/><row/>'), W("A2", 1),
        ("S: a row is numbered 1048577, outside Excel's grid (rows 1 to 1048576); the file is "
         "damaged")),
    "a row numbered 0": (
        sheet('<row r="0"/>'), W("A2", 1),
        "S: a row is numbered 0, outside Excel's grid (rows 1 to 1048576); the file is damaged"),
    "a row numbered with text": (
        sheet('<row r="two"/>'), W("A2", 1), "S: a row is numbered 'two'; the file is damaged"),
    "a cell beyond XFD": (
        sheet('<row r="1"><c r="XFE1"/></row>'), W("A1", 1),
        "S: a cell is at 'XFE1', outside Excel's grid (A1:XFD1048576); the file is damaged"),
    "a cell without r after XFD": (
        sheet('<row r="1"><c r="XFD1"/><c/></row>'), W("A1", 1),
        ("S: a cell is beyond column XFD, outside Excel's grid (A1:XFD1048576); the file is "
         "damaged")),
    "not XML": (
        b"<worksheet><sheetData>", W("A1", 1),
        ("the workbook: part sheet1.xml (sheet 'S') is not readable XML (line 1, column 23: no "
         "element found); the file is damaged")),
    "no sheetData": (
        sheet("").replace(b"<sheetData></sheetData>", b""), W("A1", 1),
        "sheet 'S' has no cell data (<sheetData>); the file is damaged"),
    "a DOCTYPE": (
        b'<!DOCTYPE w [<!ENTITY e "x">]>' + sheet("")[len(HEAD):], W("A1", 1),
        ("the workbook: part sheet1.xml declares an XML DOCTYPE; spreadsheet parts never do "
         "(refused as a possible entity bomb)")),
}


@pytest.mark.parametrize("before, write, message", list(REFUSED.values()), ids=list(REFUSED))
def test_writes_the_sheet_cannot_take_are_refused(before, write, message):
    with pytest.raises(WorkbookError) as refused:
        patch_sheet(before, "S", planned([write]), part="sheet1.xml")
    assert str(refused.value) == message


@pytest.mark.parametrize("value, date1904, message", [
    (float("nan"), False, "S!A1: the value to write is nan, expected a finite number"),
    (float("-inf"), False, "S!A1: the value to write is -inf, expected a finite number"),
    (pd.NaT, False, "S!A1: the value to write is an empty date (NaT), expected a date"),
    (np.datetime64("NaT"), False, ("S!A1: the value to write is an empty date (NaT), expected "
                                   "a date")),
    (dt.date(1903, 12, 31), True, ("S!A1: the date 1903-12-31 is before the workbook's date "
                                   "system starts")),
    (dt.date(1899, 12, 31), False, ("S!A1: the date 1899-12-31 is before the workbook's date "
                                    "system starts")),
    (dt.time(12), False, ("S!A1: cannot write this value; expected a number, text, a date or a "
                          "truth value")),
    (b"bytes", False, ("S!A1: cannot write this value; expected a number, text, a date or a "
                       "truth value")),
], ids=["nan", "-inf", "NaT", "numpy NaT", "before 1904", "before 1900", "a time", "bytes"])
def test_values_that_cannot_be_written_are_refused(value, date1904, message):
    with pytest.raises(WorkbookError) as refused:
        cell_value(value, "S!A1", date1904)
    assert str(refused.value) == message


# --------------------------------------------------------------------------- real writers
def _xlsxwriter_sheet() -> bytes:
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as wb:
        ws = wb.add_worksheet()
        ws.write("A1", "head")
        ws.write("A2", 2)
        ws.write("A4", 4)
    return zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml")


def _openpyxl_sheet() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A4"] = "head", 2, 4
    buffer = io.BytesIO()
    wb.save(buffer)
    return zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("make", [_xlsxwriter_sheet, _openpyxl_sheet], ids=["XlsxWriter",
                                                                          "openpyxl"])
def test_a_real_writers_sheet_changes_only_where_written(make):
    before = make()
    writes = (W("B2", 2.5), W("A3", "three"))
    after = patch_sheet(before, "Sheet1", planned(writes)).data
    row2 = re.search(rb"<row [^>]*r=\"2\"[^>]*>.*?</row>", before).group(0)
    row4 = re.search(rb"<row [^>]*r=\"4\"", before).start()
    # row 2 gains B2 after A2 (and loses XlsxWriter's spans hint), row 3 is new before row 4
    new_row2 = re.sub(rb' spans="[^"]*"', b"", row2).replace(
        b"</row>", b'<c r="B2"><v>2.5</v></c></row>')
    new_row3 = b'<row r="3"><c r="A3" t="inlineStr"><is><t>three</t></is></c></row>'
    expected = before[:row4].replace(row2, new_row2) + new_row3 + before[row4:]
    expected = expected.replace(b'<dimension ref="A1:A4"', b'<dimension ref="A1:B4"')
    assert after == expected
    check_output(before, after, writes)


# --------------------------------------------------------------------------- a model of the grid
def read_grid(part: bytes) -> dict[tuple[int, int], str]:
    """Every cell's value text by (row, column), numbered as Excel numbers cells without r."""
    root = ET.fromstring(part)
    grid, row_number = {}, 0
    for row in root.iter(f"{{{MAIN}}}row"):
        row_number = int(row.get("r")) if row.get("r") else row_number + 1
        column = 0
        for c in row.iter(f"{{{MAIN}}}c"):
            column = parse_ref(c.get("r"))[1] if c.get("r") else column + 1
            value = c.find(f"{{{MAIN}}}v")
            text = c.find(f"{{{MAIN}}}is/{{{MAIN}}}t")
            grid[(row_number, column)] = (value.text if value is not None else
                                          text.text if text is not None else "")
    return grid


def positions(part: bytes) -> list[list[int]]:
    """The numbered positions, row by row: [row, columns...]."""
    root = ET.fromstring(part)
    out, row_number = [], 0
    for row in root.iter(f"{{{MAIN}}}row"):
        row_number = int(row.get("r")) if row.get("r") else row_number + 1
        column, columns = 0, []
        for c in row.iter(f"{{{MAIN}}}c"):
            column = parse_ref(c.get("r"))[1] if c.get("r") else column + 1
            columns.append(column)
        out.append([row_number, *columns])
    return out


@st.composite
def sheets_and_writes(draw):
    rows = draw(st.lists(st.integers(1, 12), unique=True, max_size=6).map(sorted))
    body, grid, previous = [], {}, 0
    for number in rows:
        columns = draw(st.lists(st.integers(1, 6), unique=True, max_size=4).map(sorted))
        cells, before = [], 0
        for column in columns:
            grid[(number, column)] = f"{number}.{column}"
            omit = column == before + 1 and draw(st.booleans())
            r = "" if omit else f' r="{cell_ref(number, column)}"'
            cells.append(f"<c{r}><v>{number}.{column}</v></c>")
            before = column
        omit_row = number == previous + 1 and draw(st.booleans())
        attrs = ("" if omit_row else f' r="{number}"') + (
            f' spans="1:{max(columns)}"' if columns and draw(st.booleans()) else "")
        body.append(f"<row{attrs}>{''.join(cells)}</row>" if cells or draw(st.booleans())
                    else f"<row{attrs}/>")
        previous = number
    writes = draw(st.dictionaries(
        st.tuples(st.integers(1, 14), st.integers(1, 8)),
        st.one_of(st.none(), st.integers(-99, 99), st.text("ab <&\r\n", max_size=3)), max_size=6))
    return sheet("".join(body), None), grid, writes


@settings(max_examples=300, deadline=None)
@given(sheets_and_writes())
def test_random_writes_match_a_model_of_the_grid(case):
    part, grid, writes = case
    ws = [W(cell_ref(r, c), v) for (r, c), v in writes.items()]
    after = patch_sheet(part, "S", planned(ws)).data
    expected = dict(grid)
    for (r, c), value in writes.items():
        if value is None or value == "":
            expected.pop((r, c), None)
        else:
            expected[(r, c)] = str(value)
    assert read_grid(after) == expected
    numbered = positions(after)
    assert [row[0] for row in numbered] == sorted({row[0] for row in numbered})
    assert all(row[1:] == sorted(set(row[1:])) for row in numbered)
    check_output(part, after, ws)
