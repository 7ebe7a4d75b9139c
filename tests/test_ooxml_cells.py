"""Cells read and written by the file engine (:mod:`xlflows.ooxml.book`, ``patch``, ``styles``):
every cell type read as saved, values written exactly, number formats, writes refused before
anything is written, the calculation chain.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from conftest import folder_listing, make_workbook, parts, planner_of, rezip, sheet_part
from xlflows.errors import WorkbookError
from xlflows.ooxml.book import BookFile
from xlflows.report import xlsx
from xlflows.report.plan import CellWrite

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("xml, expected", [
    (b'<c r="A1" t="s"><v>0</v></c>', "Report"),   # XlsxWriter's first string: Report!A1
    (b'<x:c r="A1" t="inlineStr"><x:is><x:t>text</x:t></x:is></x:c>', "text"),
    (b'<c r="A1" t="str"><f>A2</f><v>cached</v></c>', "cached"),
    (b'<c r="A1" t="str"><f>IF(1,"",1)</f><v></v></c>', None),
    (b'<c r="A1" t="b"><v>1</v></c>', True),
    (b'<c r="A1" t="e"><v>#N/A</v></c>', "#N/A"),
    (b'<c r="A1"><v>1E+20</v></c>', 1e20),
    (b'<c r="A1" s="1"><v>45329</v></c>', dt.datetime(2024, 2, 7)),
    (b'<c r="A1" t="d"><v>2024-02-07</v></c>', dt.datetime(2024, 2, 7)),
], ids=["shared", "prefixed inline", "formula text", "formula empty text", "bool", "error",
        "exponent", "date style", "t=d"])
def test_cell_types_are_read(tmp_path, xml, expected):
    path = make_workbook(tmp_path / "flows.xlsx")
    flows = parts(path)["xl/worksheets/sheet2.xml"]
    if b"<x:" in xml:
        flows = flows.replace(b"<sheetData>", b'<sheetData xmlns:x="http://schemas.openxmlformats.org/'
                                              b'spreadsheetml/2006/main">')
    flows = re.sub(rb'<c r="A1"[^>]*>.*?</c>', xml, flows, count=1, flags=re.DOTALL)
    patched = rezip(path, tmp_path / "patched.xlsx", replace={"xl/worksheets/sheet2.xml": flows})
    with BookFile(patched) as source:
        assert source.rows("Flows")[0][0] == expected


def test_the_1904_date_system_is_read(tmp_path):
    path = make_workbook(tmp_path / "flows.xlsx")
    book_xml = parts(path)["xl/workbook.xml"]
    book_xml = re.sub(rb"<workbookPr[^>]*/>", b'<workbookPr date1904="1"/>', book_xml)
    patched = rezip(path, tmp_path / "mac.xlsx", replace={"xl/workbook.xml": book_xml})
    with BookFile(patched) as source:
        # serial 45329 counts from 1904-01-01 there: 4 years and 1 day later than in 1900
        assert source.rows("Flows")[1][0] == dt.datetime(2028, 1, 4)


def test_named_cells_and_sheet_names(tmp_path):
    path = make_workbook(tmp_path / "flows.xlsx")
    with BookFile(path) as source:
        assert source.sheet_names() == ["Report", "Flows", "Policy rate", "MMF assets"]
        assert source.named_cell("XLFLOWS_WEEKS") == ("Report", "B10")
        assert source.named_cell("nope") is None


def cell_xml(path: Path, sheet: str, ref: str) -> bytes:
    xml = parts(path)[sheet_part(path, sheet)]
    m = re.search(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % ref.encode(), xml, re.DOTALL)
    return m.group(0) if m else b""


@pytest.mark.parametrize("value, expected", [
    (0.30000000000000004, b"<v>0.30000000000000004</v>"),
    (-0.0, b"<v>0</v>"),
    (2 ** 53 + 1, b"<v>9007199254740993</v>"),
    (True, b'<c r="C3" t="b"><v>1</v></c>'),
    ("=SUM(A1)", b'<c r="C3" t="inlineStr"><is><t>=SUM(A1)</t></is></c>'),
    (" padded ", b'<t xml:space="preserve"> padded </t>'),
    ("a < b & c", b"<t>a &lt; b &amp; c</t>"),
], ids=["17 digits", "-0", "above 2**53", "bool", "text with =", "spaces", "escaped"])
def test_values_are_written_exactly(tmp_path, value, expected):
    path = make_workbook(tmp_path / "flows.xlsx")
    xlsx.refresh_file(path, planner=planner_of([CellWrite("Report", "C3", value)]))
    assert expected in cell_xml(path, "Report", "C3")
    first = path.read_bytes()
    xlsx.refresh_file(path, planner=planner_of([CellWrite("Report", "C3", value)]))
    assert path.read_bytes() == first


def test_a_number_format_changes_only_the_number_format(tmp_path):
    path = make_workbook(tmp_path / "flows.xlsx", decorate_report=lambda ws: ws.write("B2", 1.0))
    # Report!B2 gets a bold red font by XML edit of its style
    styles = parts(path)["xl/styles.xml"]
    styles = styles.replace(b'<fonts count="1">', b'<fonts count="2">').replace(
        b"</fonts>",
        b'<font><b/><sz val="11"/><color rgb="FFFF0000"/><name val="Calibri"/></font></fonts>')
    styles = re.sub(rb'(<cellXfs count=")(\d+)(">.*?)(</cellXfs>)',
                    lambda m: m.group(1) + str(int(m.group(2)) + 1).encode() + m.group(3)
                    + b'<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" '
                      b'applyFont="1"/>'
                    + m.group(4), styles, flags=re.DOTALL)
    count = int(re.search(rb'<cellXfs count="(\d+)"', styles).group(1))
    report = parts(path)["xl/worksheets/sheet1.xml"]
    report = re.sub(rb'<c r="B2"[^>]*?(/>|>.*?</c>)',
                    b'<c r="B2" s="%d"><v>1</v></c>' % (count - 1), report, flags=re.DOTALL)
    path = rezip(path, tmp_path / "styled.xlsx", replace={"xl/styles.xml": styles,
                                                          "xl/worksheets/sheet1.xml": report})
    xlsx.refresh_file(path, planner=planner_of([CellWrite("Report", "B2", 2.5, "0.0%")]))
    wb = openpyxl.load_workbook(path)
    cell = wb["Report"]["B2"]
    assert (cell.value, cell.number_format) == (2.5, "0.0%")
    assert cell.font.b and cell.font.color.rgb == "FFFF0000"
    # clearing keeps the style
    xlsx.refresh_file(path, planner=planner_of([CellWrite("Report", "B2", None)]))
    cell = openpyxl.load_workbook(path)["Report"]["B2"]
    assert cell.value is None and cell.font.b and cell.number_format == "0.0%"


@pytest.mark.parametrize("writes, expected", [
    ([CellWrite("Report", "XFE200", 1.0)],
     "Report!XFE200 is beyond Excel's last cell XFD1048576"),
    ([CellWrite("Report", "A1048577", 1.0)], "Report!A1048577 is beyond Excel's last cell"),
    ([CellWrite("Report", "B2:C3", 1.0)], "Report!B2:C3 is not a cell reference"),
    ([CellWrite("Nope", "A1", 1.0)], "Nope!A1: the workbook has no sheet 'Nope'"),
    ([CellWrite("Report", "B3", 1.0)], "Report!B3 is inside merged cells (B2:C4)"),
    ([CellWrite("Report", "D5", 1.0)], "Report!D5 holds an array formula (D5:D7)"),
    ([CellWrite("Report", "D6", 1.0)], "Report!D6 is inside the array formula D5:D7"),
], ids=["beyond XFD", "beyond row 1048576", "a range", "missing sheet", "merged", "array master",
        "inside an array"])
def test_writes_the_sheet_cannot_take_are_refused_before_anything_is_written(tmp_path, writes,
                                                                             expected):
    def report(ws):
        ws.merge_range("B2:C4", "merged")
        ws.write_array_formula("D5:D7", "{=ROW(A1:A3)}")

    path = make_workbook(tmp_path / "flows.xlsx", decorate_report=report)
    before = path.read_bytes()
    with pytest.raises(WorkbookError, match=re.escape(expected)):
        xlsx.refresh_file(path, planner=planner_of(writes + [CellWrite("Report", "B2", 9.0)]))
    assert path.read_bytes() == before and folder_listing(tmp_path) == ["flows.xlsx"]


def test_overwriting_a_formula_drops_the_calc_chain(tmp_path):
    path = make_workbook(tmp_path / "flows.xlsx", decorate_report=lambda ws: ws.write_formula(
        "C3", "=1+1", None, 2))
    chain = (b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<c r="C3" i="1"/></calcChain>')
    types = parts(path)["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.'
                     b'openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>')
    rels = parts(path)["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/calcChain" Target="calcChain.xml"/></Relationships>')
    path = rezip(path, tmp_path / "chain.xlsx", add={"xl/calcChain.xml": chain},
                 replace={"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels})
    xlsx.refresh_file(path, planner=planner_of([CellWrite("Report", "D3", 1.0)]))
    assert "xl/calcChain.xml" in parts(path)              # no formula overwritten: kept
    xlsx.refresh_file(path, planner=planner_of([CellWrite("Report", "C3", 1.0)]))
    after = parts(path)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["[Content_Types].xml"]
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]


def test_write_cells_appends_rows_to_a_data_sheet(tmp_path):
    path = make_workbook(tmp_path / "flows.xlsx")
    before = parts(path)
    result = xlsx.write_cells(path, [CellWrite("Flows", "A8", dt.datetime(2024, 2, 14),
                                               "yyyy-mm-dd"),
                                     CellWrite("Flows", "B8", -4.5),
                                     CellWrite("Flows", "C8", 12.25)])
    assert result.cells == 3 and result.parts_added == []
    with BookFile(path) as source:
        assert source.rows("Flows")[7] == [dt.datetime(2024, 2, 14), -4.5, 12.25]
    after = parts(path)
    for name in before:
        if name not in ("xl/worksheets/sheet2.xml",):
            assert after[name] == before[name], name      # the date format already existed
    assert b'<dimension ref="A1:C8"/>' in after["xl/worksheets/sheet2.xml"]


def test_numpy_scalars_are_written_as_their_values(tmp_path):
    import numpy as np

    path = make_workbook(tmp_path / "flows.xlsx")
    xlsx.refresh_file(path, planner=planner_of([CellWrite("Report", "C3", np.float64(2.5)),
                                                CellWrite("Report", "C4", np.int64(7)),
                                                CellWrite("Report", "C5", np.bool_(True))]))
    wb = openpyxl.load_workbook(path)
    assert [wb["Report"][c].value for c in ("C3", "C4", "C5")] == [2.5, 7, True]

