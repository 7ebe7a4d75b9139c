"""Workbooks the regular-expression engine broke or silently changed (issue 16), one case each.

Each case is an XlsxWriter workbook with an XML edit of the shape another program writes (or a
crafted one), refreshed or written through the public entry points. Every part written is parsed
with a namespace-aware parser; every part not owned is compared byte for byte where it matters.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest

from conftest import folder_listing, make_workbook, parts, planner_of, rezip, run
from xlflows.errors import WorkbookError
from xlflows.ooxml import BookFile, write_cells, zippkg
from xlflows.report import xlsx
from xlflows.report.plan import CellWrite, RefreshPlan

ROOT = Path(__file__).resolve().parents[1]
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
FLOWS = "xl/worksheets/sheet2.xml"          # make_workbook: Report, Flows, Policy rate, MMF assets
REPORT = "xl/worksheets/sheet1.xml"


def parse_all(path: Path) -> dict[str, ET.Element]:
    """Every XML part parsed (a namespace-aware parser refuses an unbound prefix)."""
    out = {}
    for name, data in parts(path).items():
        if name.endswith((".xml", ".rels")) and data:
            out[name] = ET.fromstring(data)
    return out


def reads(sheet: str, cell: str, *, row: int = 0, col: int = 0):
    """A planner that writes, into Report!C1, what the source reads at (row, col) of ``sheet``."""
    def planner(source, **kw):
        value = source.rows(sheet)[row][col]
        return RefreshPlan([CellWrite("Report", cell, value)], [], [])
    return planner


def report_value(path: Path, cell: str):
    return openpyxl.load_workbook(path)["Report"][cell].value


def edited(tmp_path: Path, part: str, edit, *, name: str = "flows.xlsx", **kwargs) -> Path:
    base = make_workbook(tmp_path / "base.xlsx", **kwargs)
    return rezip(base, tmp_path / name, replace={part: edit(parts(base)[part])})


# ============================================================================ namespaces
def test_a_relationships_prefix_declared_on_each_sheet_stays_declared(tmp_path, standin, capsys):
    """openpyxl with lxml (so pandas' to_excel) declares xmlns:r on each <sheet>, not on the root;
    the sheets the refresh adds must declare it too (it wrote an unbound r: prefix)."""
    rel = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'

    def per_sheet(xml: bytes) -> bytes:
        xml = xml.replace(b" " + rel, b"")
        return xml.replace(b"<sheet ", b"<sheet " + rel + b" ")

    book = edited(tmp_path, "xl/workbook.xml", per_sheet, report=False)
    assert rel not in parts(book)["xl/workbook.xml"].split(b"<sheets>")[0]
    status, _, err = run(["refresh", book], capsys)
    assert (status, err) == (0, "")
    workbook = parse_all(book)["xl/workbook.xml"]
    names = [s.get("name") for s in workbook.iter(MAIN + "sheet")]
    assert names == ["Report", "Flows", "Policy rate", "MMF assets", "_calc"]
    assert openpyxl.load_workbook(book).sheetnames == names


def test_x_prefixed_parts_are_read_and_extended_in_their_own_prefix(tmp_path, standin, capsys):
    """Excel-like parts with every SpreadsheetML element prefixed x: (as the Open XML SDK
    writes): read, and what is added uses x: too (the old engine refused such styles)."""
    base = make_workbook(tmp_path / "base.xlsx", report=False)
    prefixed = {}
    for name in ("xl/workbook.xml", "xl/styles.xml", "xl/sharedStrings.xml",
                 *[f"xl/worksheets/sheet{i}.xml" for i in (1, 2, 3)]):
        data = parts(base)[name]
        data = re.sub(rb"<(/?)(?=[A-Za-z])(?!x:)([A-Za-z]+)([\s/>])", rb"<\1x:\2\3", data)
        data = data.replace(b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                            b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
        prefixed[name] = data
    book = rezip(base, tmp_path / "flows.xlsx", replace=prefixed)
    assert b"<sheetData" not in parts(book)["xl/worksheets/sheet1.xml"]
    status, _, err = run(["refresh", book], capsys)
    assert (status, err) == (0, "")
    out = parts(book)
    parse_all(book)
    assert b"<x:sheet " in out["xl/workbook.xml"] and b"<sheet " not in out["xl/workbook.xml"]
    assert openpyxl.load_workbook(book)["Report"]["B4"].value == 8.25


# ============================================================================ styles
def test_an_xf_inside_a_comment_is_not_a_style(tmp_path, standin, capsys):
    """A comment holding <xf …/> inside <cellXfs> shifted every style index of the old engine."""
    comment = b'<!-- <xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0"/> -->'
    book = edited(tmp_path, "xl/styles.xml",
                  lambda xml: re.sub(rb"(<cellXfs[^>]*>)", lambda m: m.group(1) + comment, xml))
    before = parts(book)
    old_xfs = list(ET.fromstring(before["xl/styles.xml"]).find(MAIN + "cellXfs"))
    status, _, err = run(["refresh", book], capsys)
    assert (status, err) == (0, "")
    after = parts(book)
    assert comment in after["xl/styles.xml"]
    xfs = ET.fromstring(after["xl/styles.xml"]).find(MAIN + "cellXfs")
    assert int(xfs.get("count")) == len(xfs)
    assert [ET.tostring(x) for x in list(xfs)[:len(old_xfs)]] == [ET.tostring(x) for x in old_xfs]
    for name in (FLOWS, REPORT, "xl/worksheets/sheet5.xml"):
        styles = [int(c.get("s", 0)) for c in ET.fromstring(after[name]).iter(MAIN + "c")]
        assert max(styles, default=0) < len(xfs), name
    assert after[FLOWS] == before[FLOWS]
    wb = openpyxl.load_workbook(book)
    assert wb["Report"]["B2"].number_format == "0.0"       # the stand-in's format, not a date
    assert wb["Flows"]["A2"].value == dt.datetime(2024, 1, 3)


def test_an_empty_cell_style_table_is_extended(tmp_path):
    """<cellXfs count="0"/> gave "unexpected problem"; the refresh adds style 0 as it was meant
    (no format) before its own."""
    def empty_table(xml: bytes) -> bytes:
        return re.sub(rb"<cellXfs.*?</cellXfs>", b'<cellXfs count="0"/>', xml, flags=re.DOTALL)

    def unstyled(xml: bytes) -> bytes:
        return re.sub(rb' s="\d+"', b"", xml)

    base = make_workbook(tmp_path / "base.xlsx")
    replace = {"xl/styles.xml": empty_table(parts(base)["xl/styles.xml"])}
    replace |= {n: unstyled(d) for n, d in parts(base).items() if n.startswith("xl/worksheets/")}
    book = rezip(base, tmp_path / "flows.xlsx", replace=replace)
    xlsx.refresh_file(book, planner=planner_of([CellWrite("Report", "B2", 2.5, "0.0")]))
    xfs = ET.fromstring(parts(book)["xl/styles.xml"]).find(MAIN + "cellXfs")
    assert int(xfs.get("count")) == len(xfs) >= 2
    assert xfs[0].get("numFmtId") == "0"
    assert openpyxl.load_workbook(book)["Report"]["B2"].number_format == "0.0"


# ============================================================================ sheet XML
B1 = re.compile(rb'<c r="B1"[^>]*>.*?</c>')


@pytest.mark.parametrize("edit, cell, expected", [
    (lambda xml: re.sub(rb'(<c r="B1"[^>]*?) t="s"', rb'\1 t = "s"', xml), (0, 1), "Equity"),
    (lambda xml: B1.sub(b'<c r="B1" t="inlineStr"><is><t>a&#150;b</t></is></c>', xml, 1),
     (0, 1), "a\x96b"),
    (lambda xml: B1.sub(b'<c r="B1" t="inlineStr"><is><t>_x0041__x005F_x0042_</t></is></c>',
                        xml, 1), (0, 1), "A_x0042_"),
    (lambda xml: ('<?xml version="1.0" encoding="UTF-16"?>'
                  + xml.decode().split("?>", 1)[1]).encode("utf-16"), (0, 1), "Equity"),
    (lambda xml: xml.replace(b"<sheetData>", b'<sheetData><!-- <row r="1"><c r="B1" t="inlineStr">'
                             b"<is><t>not me</t></is></c></row> -->"), (0, 1), "Equity"),
], ids=["spaces around =", "character reference by XML rules", "Excel's _xHHHH_ escape",
        "a UTF-16 part", "a comment holding a cell"])
def test_sheet_xml_is_read_by_xml_rules(tmp_path, edit, cell, expected):
    book = edited(tmp_path, FLOWS, edit)
    xlsx.refresh_file(book, planner=reads("Flows", "C1", row=cell[0], col=cell[1]))
    with BookFile(book) as source:          # (openpyxl does not decode _xHHHH_ in inline text)
        assert source.rows("Report")[0][2] == expected


def test_text_is_written_with_excels_escape(tmp_path):
    """A literal _x0041_ is stored _x005F_x0041_ (Excel would show it as "A" otherwise); a
    character XML cannot hold is stored _x0001_."""
    book = make_workbook(tmp_path / "flows.xlsx")
    write_cells(book, [CellWrite("Report", "C1", "_x0041_"), CellWrite("Report", "C2", "a\x01b")])
    xml = parts(book)[REPORT]
    assert b"<t>_x005F_x0041_</t>" in xml and b"<t>a_x0001_b</t>" in xml
    with BookFile(book) as source:
        assert source.rows("Report")[0][2] == "_x0041_" and source.rows("Report")[1][2] == "a\x01b"


def test_a_write_never_lands_in_a_comment(tmp_path):
    comment = b'<!-- <row r="3"><c r="C3"><v>5</v></c></row> -->'
    book = edited(tmp_path, REPORT,
                  lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + comment))
    write_cells(book, [CellWrite("Report", "C3", 7.5)])
    xml = parts(book)[REPORT]
    assert comment in xml
    assert openpyxl.load_workbook(book)["Report"]["C3"].value == 7.5


def test_an_array_formula_is_protected_whatever_its_attribute_order(tmp_path):
    def swapped(xml: bytes) -> bytes:
        new = re.sub(rb'<f t="array" ref="([^"]+)"', rb'<f ref="\1" t="array"', xml)
        assert new != xml
        return new

    base = make_workbook(tmp_path / "base.xlsx", decorate_report=lambda ws: ws.write_array_formula(
        "D5:D7", "{=ROW(A1:A3)}"))
    book = rezip(base, tmp_path / "flows.xlsx", replace={REPORT: swapped(parts(base)[REPORT])})
    before = book.read_bytes()
    with pytest.raises(WorkbookError, match=re.escape("Report!D6 is inside the array formula "
                                                      "D5:D7")):
        write_cells(book, [CellWrite("Report", "D6", 1.0)])
    assert book.read_bytes() == before


# ============================================================================ the package
def test_a_relationship_target_in_another_case_is_the_same_part(tmp_path, standin, capsys):
    """OPC compares part names without case: Target="worksheets/Sheet2.xml" is sheet2.xml."""
    book = edited(tmp_path, "xl/_rels/workbook.xml.rels",
                  lambda xml: xml.replace(b"worksheets/sheet2.xml", b"worksheets/Sheet2.xml"))
    status, _, err = run(["refresh", book], capsys)
    assert (status, err) == (0, "")
    assert report_value(book, "B4") == 8.25                  # Flows was read
    assert "xl/worksheets/sheet2.xml" in parts(book)           # and kept under its own name


def test_a_strict_workbook_gets_strict_parts(tmp_path, standin, capsys):
    transitional = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strict = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
    rel_t = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rel_s = b"http://purl.oclc.org/ooxml/officeDocument/relationships"
    base = make_workbook(tmp_path / "base.xlsx")
    replace = {}
    for name, data in parts(base).items():
        if name.endswith((".xml", ".rels")) and name != "[Content_Types].xml":
            data = data.replace(transitional, strict).replace(rel_t, rel_s)
            if name == "xl/workbook.xml":
                data = data.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
            replace[name] = data
    book = rezip(base, tmp_path / "flows.xlsx", replace=replace)
    status, _, err = run(["refresh", book], capsys)
    assert (status, err) == (0, "")
    for name, data in parts(book).items():
        assert transitional not in data and rel_t not in data, name
    parse_all(book)


def test_a_workbook_near_the_part_limit_is_refused_before_it_passes_it(tmp_path, monkeypatch,
                                                                          standin, capsys):
    """A refresh that would add parts beyond the limit is refused (the old engine wrote a file
    the next refresh refused); within the limit, the file refreshes again."""
    monkeypatch.setattr(zippkg, "MAX_PARTS", 40)
    base = make_workbook(tmp_path / "base.xlsx", report=False)
    have = len(parts(base))
    book = rezip(base, tmp_path / "flows.xlsx",
                 add={f"customXml/item{i}.bin": b"x" for i in range(40 - have - 1)})
    assert len(parts(book)) == 39
    before = book.read_bytes()
    status, _, err = run(["refresh", book], capsys)
    assert status == 2
    assert re.fullmatch(r"xlflows: flows\.xlsx would hold 4\d parts, more than the 40 xlflows "
                        r"reads; expected a workbook with fewer parts \(nothing was written\)\n",
                        err)
    assert book.read_bytes() == before
    fits = rezip(base, tmp_path / "fits.xlsx",
                 add={f"customXml/item{i}.bin": b"x" for i in range(40 - have - 8)})
    assert run(["refresh", fits], capsys)[0] == 0
    assert len(parts(fits)) <= 40 and run(["refresh", fits], capsys)[0] == 0


def test_an_empty_report_sheet_gets_the_template(tmp_path, standin, capsys):
    """An analyst's empty Report sheet made the refresh a silent no-op."""
    book = make_workbook(tmp_path / "flows.xlsx", report=False,
                         decorate_book=lambda wb, flows: wb.add_worksheet("Report"))
    names = openpyxl.load_workbook(book).sheetnames
    assert names == ["Flows", "Report", "Policy rate", "MMF assets"]
    status, _, err = run(["refresh", book], capsys)
    assert (status, err) == (0, "")
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == names + ["_calc"]                 # in its own place
    assert wb["Report"]["A1"].value == "Report"               # the (stand-in) template
    assert wb["Report"]["B2"].value == 2.5                    # and its values
    assert standin.templates == [("Report", ["Equity", "Money market"])]
    first = book.read_bytes()
    assert run(["refresh", book], capsys)[0] == 0
    assert book.read_bytes() == first


def test_an_emptied_report_with_its_store_is_explained(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx", report=False,
                         decorate_book=lambda wb, flows: (wb.add_worksheet("Report"),
                                                          wb.add_worksheet("xlflows.template")))
    status, _, err = run(["refresh", book], capsys)
    assert status == 2
    assert err == ("xlflows: the 'Report' sheet is empty, so there is nothing to refresh; undo "
                   "the deletion, or delete the Report sheet and the hidden 'xlflows.template' "
                   "sheet to get the built-in Report again\n")


# ============================================================================ files in use
@pytest.mark.parametrize("owner, program", [("~$flows.xlsx", "Excel"),
                                            (".~lock.flows.xlsx#", "LibreOffice")])
@pytest.mark.parametrize("command", ["refresh", "update", "lite"])
def test_a_workbook_open_elsewhere_is_refused(tmp_path, capsys, owner, program, command):
    book = make_workbook(tmp_path / "flows.xlsx")
    (tmp_path / owner).write_bytes(b"owner")
    before = book.read_bytes()
    argv = [command, book] + (["--from-dir", ROOT / "tests" / "fixtures" / "fred"]
                              if command == "update" else [])
    status, out, err = run(argv, capsys)
    assert (status, out) == (2, "")
    assert err == (f"xlflows: flows.xlsx is open in {program} ({owner} is beside it): close it "
                   "there and try again, or use the Refresh button; if it is not open, delete "
                   f"{owner}\n")
    assert book.read_bytes() == before
    assert folder_listing(tmp_path) == sorted(["flows.xlsx", owner])


CONCURRENT = textwrap.dedent("""
    import sys, time
    from xlflows.ooxml import book, write_cells
    from xlflows.report.plan import CellWrite

    real = book.patch_sheet

    def slow(*args, **kwargs):          # widen the window between reading and replacing
        time.sleep(0.4)
        return real(*args, **kwargs)

    book.patch_sheet = slow
    write_cells(sys.argv[1], [CellWrite("Report", sys.argv[2], float(sys.argv[3]))])
""")


def test_two_writers_at_once_both_land(tmp_path):
    """Two processes writing the same workbook at once: the second waits for the first, reads
    its result and adds to it (the old engine lost one of the two writes most of the time)."""
    book = make_workbook(tmp_path / "flows.xlsx")
    for round_ in range(3):
        cells = [f"E{round_ + 1}", f"F{round_ + 1}"]
        runs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(book), cell, str(i + 1)],
                                 cwd=ROOT, stderr=subprocess.PIPE, text=True)
                for i, cell in enumerate(cells)]
        for process in runs:
            assert process.wait(timeout=60) == 0, process.stderr.read()
        sheet = openpyxl.load_workbook(book)["Report"]
        assert [sheet[c].value for c in cells] == [1.0, 2.0], round_
    assert folder_listing(tmp_path) == ["flows.xlsx"]


def test_a_workbook_changed_by_another_program_meanwhile_is_not_overwritten(tmp_path,
                                                                         monkeypatch):
    """Where locks do not exist (or another program ignores them), a file changed between the
    read and the replace is refused, not overwritten."""
    book = make_workbook(tmp_path / "flows.xlsx")
    from xlflows.ooxml import book as book_module

    real = book_module.patch_sheet

    def meanwhile(*args, **kwargs):
        book.write_bytes(book.read_bytes() + b"")           # same bytes, a new modification
        import os
        os.utime(book, ns=(1, 1))
        return real(*args, **kwargs)

    monkeypatch.setattr(book_module, "patch_sheet", meanwhile)
    with pytest.raises(WorkbookError, match="flows.xlsx changed on disk while xlflows was "
                                            "working"):
        write_cells(book, [CellWrite("Report", "C1", 1.0)])
    assert folder_listing(tmp_path) == ["flows.xlsx"]


def test_a_file_name_at_the_file_systems_limit_works(tmp_path, standin, capsys):
    name = "f" * (255 - len(".xlsx")) + ".xlsx"
    book = make_workbook(tmp_path / name)
    status, _, err = run(["refresh", book], capsys)
    assert (status, err) == (0, "")
    assert folder_listing(tmp_path) == [name]
    assert report_value(book, "B2") == 2.5
