"""Refreshing a workbook file (``xlflows refresh``, :func:`xlflows.report.xlsx.refresh_file`):
what it writes, what it keeps byte for byte, the grafted Report, and its one-line refusals.

Workbooks are made with XlsxWriter or by editing their XML (never only with openpyxl, which would
hide what it drops). The report's content is the small stand-in of ``conftest.py``; the shipped
workbook with the real report is tested in test_workbook.py.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import EQUITY, MONEY, WEEKS, make_workbook, parts, rezip, run, sheet_part
from xlflows import cli
from xlflows.ooxml.book import BookFile
from xlflows.ooxml.numfmt import is_date_code
from xlflows.report import xlsx
from xlflows.report.plan import CellWrite, RefreshPlan

ROOT = Path(__file__).resolve().parents[1]


def test_second_refresh_is_byte_identical_with_fixed_times_and_as_of_date(tmp_path, standin,
                                                                          capsys):
    book = make_workbook(tmp_path / "flows.xlsx")
    with zipfile.ZipFile(book) as z:
        input_names = z.namelist()
    added = ["xl/worksheets/sheet5.xml"]       # the hidden sheet _calc
    assert run(["refresh", book], capsys)[0] == 0
    first = book.read_bytes()
    assert run(["refresh", book], capsys)[0] == 0
    assert book.read_bytes() == first
    with zipfile.ZipFile(book) as z:
        names = z.namelist()
        # the input's order, [Content_Types].xml first, the parts the refresh added last
        assert names[0] == "[Content_Types].xml"
        assert names[1:] == [n for n in input_names if n != "[Content_Types].xml"] + added
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    # the as-of date is the latest week of Flows: 2024-01-03 + 5 weeks = 2024-02-07
    assert re.search(r"<dcterms:modified[^>]*>2024-02-07T00:00:00Z</dcterms:modified>", core)


def test_as_of_from_the_command_line_dates_the_file(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx")
    status, _, _ = run(["refresh", book, "--as-of", "2024-01-24", "--weeks", "4", "--cycles", "3"],
                       capsys)
    assert status == 0
    assert standin.calls[0] | {"setting": None} == {"weeks": 4, "cycles": 3, "as_of": "2024-01-24",
                                                    "setting": None}
    core = parts(book)["docProps/core.xml"].decode()
    assert "2024-01-24T00:00:00Z</dcterms:modified>" in core


def test_output_leaves_the_input_untouched(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx")
    before = book.read_bytes()
    out = tmp_path / "copy.xlsx"
    status, _, err = run(["refresh", book, "--output", out], capsys)
    assert (status, err) == (0, "")
    assert book.read_bytes() == before
    assert openpyxl.load_workbook(out)["Report"]["B2"].value == 2.5


def test_xlsm_keeps_its_macros_and_content_type(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsm")
    vba = parts(book)["xl/vbaProject.bin"]
    assert run(["refresh", book], capsys)[0] == 0
    after = parts(book)
    assert after["xl/vbaProject.bin"] == vba
    assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in after["[Content_Types].xml"]


def test_dynamic_array_metadata_and_cached_values_are_kept_byte_for_byte(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx", dynamic=True)
    before = parts(book)
    assert run(["refresh", book], capsys)[0] == 0
    after = parts(book)
    dash_part = sheet_part(book, "Dashboard")
    for name in ("xl/metadata.xml", dash_part):
        assert after[name] == before[name], name
    assert re.search(rb'Type="[^"]+/sheetMetadata" Target="metadata.xml"',
                     after["xl/_rels/workbook.xml.rels"])
    assert (b'<Override PartName="/xl/metadata.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.sheetMetadata+xml"/>') in after["[Content_Types].xml"]
    assert re.search(rb'<c r="A1"[^>]* cm="1"[^>]*><f t="array" ref="A1">'
                     rb"_xlfn._xlws.SORT\(Flows!B2:B7\)</f>", after[dash_part])
    # and once more: identically
    assert run(["refresh", book], capsys)[0] == 0
    assert parts(book) == after


def test_cached_formula_values_are_read_and_kept(tmp_path, standin, capsys):
    # Flows!B7 = 2*1.25 with Excel's saved value 2.5: the report reads 2.5 ...
    book = make_workbook(tmp_path / "flows.xlsx", flows_formula="=2*1.25", cached=2.5)
    assert run(["refresh", book], capsys)[0] == 0
    assert openpyxl.load_workbook(book)["Report"]["B2"].value == 2.5
    flows_xml = parts(book)[sheet_part(book, "Flows")]
    assert re.search(rb'<c r="B7"[^>]*><f>2\*1.25</f><v>2.5</v></c>', flows_xml)
    # ... and the refreshed file still carries it, so the next refresh reads it again
    first = book.read_bytes()
    assert run(["refresh", book], capsys)[0] == 0
    assert book.read_bytes() == first


def test_a_formula_without_saved_value_is_named(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx", flows_formula="=2*1.25")
    before = book.read_bytes()
    status, out, err = run(["refresh", book], capsys)
    assert (status, out) == (2, "")
    assert err == ("xlflows: Flows!B7 is a formula with no saved value; open and save the workbook "
                   "in Excel, or replace it with its value\n")
    assert book.read_bytes() == before


def test_a_workbook_without_report_gets_the_template(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "mine.xlsx", report=False)
    assert run(["refresh", book], capsys)[0] == 0
    assert standin.templates == [("Report", ["Equity", "Money market"])]
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[0] == "Report" and wb["Report"]["B2"].value == 2.5


def test_a_refresh_never_reads_flows_cell_by_cell(tmp_path, capsys, monkeypatch):
    """Flows is read as typed columns, the graft's headers included: a Flows sheet over the
    cell-by-cell limit (a 1,000,000-row one) no longer stopped the first refresh of a workbook
    without a Report ("sheet 'Flows' holds 5,000,005 cells, more than the 5,000,000 ...")."""
    from xlflows.ooxml import BookFile

    rows = BookFile.rows

    def no_flows(self, sheet, *args, **kwargs):
        assert sheet != "Flows", "Flows read cell by cell"
        return rows(self, sheet, *args, **kwargs)

    book = make_workbook(tmp_path / "mine.xlsx", report=False)
    monkeypatch.setattr(BookFile, "rows", no_flows)
    status, _, err = run(["refresh", book], capsys)
    assert (status, err) == (0, "")
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[0] == "Report"
    texts = [c.value for row in wb["Report"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("Equity") for t in texts)
    assert run(["refresh", book], capsys)[0] == 0


def test_file_permissions_are_kept(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx")
    os.chmod(book, 0o640)
    assert run(["refresh", book], capsys)[0] == 0
    assert (book.stat().st_mode & 0o777) == 0o640


def test_refresh_file_reports_timings(tmp_path, standin):
    book = make_workbook(tmp_path / "flows.xlsx")
    result = xlsx.refresh_file(book)
    assert set(result.timings.steps) == {"open", "read", "compute", "write"}
    assert all(seconds >= 0 for seconds in result.timings.steps.values())


FORMATS = [None, "General", "0.0", "0.00", "+0.0%;\"\u2212\"0.0%;0.0%", "mmm yyyy", "d mmm yyyy",
           "yyyy-mm-dd", "@", "#,##0.0", '+#,##0.0;"\u2212"#,##0.0;0.0']


VALUES = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 3)),
                   st.integers(-1000, 1000), st.text("abc −$%", max_size=8),
                   st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)).map(
                       lambda d: dt.datetime(d.year, d.month, d.day)))


WRITES = st.lists(st.tuples(st.sampled_from(["Report", "_calc"]),
                            st.sampled_from(["A1", "B2", "C3", "D4", "B7", "E10", "AA3"]),
                            VALUES, st.sampled_from(FORMATS)), min_size=1, max_size=12)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=WRITES)
def test_any_plan_refreshed_twice_gives_the_same_bytes(tmp_path_factory, monkeypatch, writes):
    """Whatever values and number formats a plan writes, in whatever order, the file a refresh
    writes is a fixed point: refreshing it again with the same plan changes no byte."""
    folder = tmp_path_factory.mktemp("prop")
    plan = RefreshPlan([CellWrite(*w) for w in writes], ["_calc"], [])
    planner = lambda source, **kw: plan  # noqa: E731 - a stand-in for plan_refresh
    book = make_workbook(folder / "flows.xlsx")
    xlsx.refresh_file(book, planner=planner)
    first = book.read_bytes()
    xlsx.refresh_file(book, planner=planner)
    assert book.read_bytes() == first
    wb = openpyxl.load_workbook(book)
    last = {(s, c): (v, f) for s, c, v, f in writes}
    for (sheet, ref), (value, fmt) in last.items():
        cell = wb[sheet][ref]
        if fmt is not None:
            assert cell.number_format == fmt
        dated = is_date_code(cell.number_format)
        if isinstance(value, dt.datetime) and not dated:
            # a date under a non-date format is stored (and read back) as its Excel serial
            assert cell.value == (value - dt.datetime(1899, 12, 30)).days
        elif not (dated and isinstance(value, (int, float))):
            # (a number under a date format reads back as a date: openpyxl's rule, not ours)
            assert cell.value == (value if value != "" else None)


def test_an_excel_table_over_flows_is_read_and_kept(tmp_path, standin, capsys):
    path = tmp_path / "table.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    wb.add_worksheet("Report")
    flows = wb.add_worksheet("Flows")
    flows.add_table(0, 0, len(WEEKS), 2, {
        "name": "WeeklyFlows",
        "columns": [{"header": "Week ending"}, {"header": "Equity"}, {"header": "Money market"}],
        "data": [[w, e, m] for w, e, m in zip(WEEKS, EQUITY, MONEY)]})
    for i, week in enumerate(WEEKS, start=1):
        flows.write_datetime(i, 0, week, date)
    for name, header, day, value in [("Policy rate", "Rate", dt.datetime(2023, 7, 27), 5.5),
                                     ("MMF assets", "Assets", dt.datetime(2020, 12, 31), 4336.003)]:
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, ["Date", header])
        ws.write_datetime(1, 0, day, date)
        ws.write_number(1, 1, value)
    wb.close()
    assert run(["refresh", path], capsys)[0] == 0
    out = openpyxl.load_workbook(path)
    assert out["Report"]["B2"].value == 2.5 and out["Report"]["B4"].value == 8.25
    assert list(out["Flows"].tables) == ["WeeklyFlows"]
    assert out["Flows"].tables["WeeklyFlows"].ref == "A1:C7"


def test_a_formula_whose_saved_result_is_empty_text_reads_as_blank(tmp_path, standin, capsys):
    # Money market's first week: =IF(TRUE,"",1) saved by Excel as t="str" with <v></v>: a blank,
    # like the leading blanks of a category that starts later; kept as it is by the refresh.
    book = make_workbook(tmp_path / "flows.xlsx")
    flows = sheet_part(book, "Flows")
    with zipfile.ZipFile(book) as z:
        xml = z.read(flows)
    cell = b'<c r="C2" t="str"><f>IF(TRUE,"",1)</f><v></v></c>'
    assert b'<c r="C2"' not in xml                       # Money market starts in week 3
    xml = re.sub(rb'(<c r="B2"[^>]*>.*?</c>)', lambda m: m.group(1) + cell, xml, count=1)
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            zout.writestr(name, xml if name == flows else zin.read(name))
    assert re.findall(rb'<c r="([A-C]2)"', xml) == [b"A2", b"B2", b"C2"]
    status, _, err = run(["refresh", patched], capsys)
    assert (status, err) == (0, "")
    out = parts(patched)[flows]
    assert re.search(rb'<c r="C2" t="str"><f>IF\(TRUE,&quot;&quot;,1\)</f><v></v></c>', out) or \
        re.search(rb'<c r="C2" t="str"><f>IF\(TRUE,"",1\)</f><v></v></c>', out)
    first = patched.read_bytes()
    assert run(["refresh", patched], capsys)[0] == 0
    assert patched.read_bytes() == first


OWNED = {"[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/workbook.xml", "xl/styles.xml",
         "docProps/core.xml"}


DATA_CELLS = (b'<c r="E2"><v>0.30000000000000004</v></c>',
              b'<c r="E3"><v>-1.9000000000000001</v></c>',
              b'<c r="E4"><v>9007199254740993</v></c>',
              b'<c r="E5" t="d"><v>2024-01-03T12:30:00</v></c>', b'<c r="E6"><v>-0</v></c>')


RICH_NOTE = (b'<c r="F2" t="inlineStr"><is><r><t xml:space="preserve">Sample </t></r><r><rPr><b/>'
             b'</rPr><t>data</t></r><rPh sb="0" eb="1"><t>x</t></rPh></is></c>')


CUSTOM_VIEWS = (b'<customSheetViews><customSheetView guid="{6F2B6C3C-6E2B-4B43-9E8D-0C4C3B3C1D11}" '
                b'scale="90" showGridLines="0"><selection activeCell="B2" sqref="B2"/>'
                b'</customSheetView></customSheetViews>')


def analyst_workbook(path: Path) -> Path:
    """make_workbook's layout with what an analyst's workbook holds and openpyxl used to lose."""

    def decorate(wb, flows):
        bold = wb.add_format({"bold": True})
        wb.set_properties({"company": "Acme Funds", "manager": "J. Analyst"})
        wb.read_only_recommended()
        flows.write_rich_string("G1", "Source: ", bold, "sample", " data")
        flows.write_comment("B3", "Revised", {"visible": True, "x_scale": 2.5, "y_scale": 1.5})
        flows.ignore_errors({"number_stored_as_text": "A1:G10"})

    draft = make_workbook(path.with_name("draft.xlsx"), decorate_book=decorate)
    with zipfile.ZipFile(draft) as z:
        flows_xml = z.read("xl/worksheets/sheet2.xml")
        comments = z.read("xl/comments1.xml")
    # 17-digit doubles, an integer above 2**53, a t="d" date-time, -0 and inline rich text
    for row, cell in zip(range(2, 7), DATA_CELLS):
        flows_xml = re.sub(rb'(<row r="%d"[^>]*>.*?)(</row>)' % row,
                           lambda m, cell=cell: m.group(1) + cell + m.group(2), flows_xml,
                           count=1, flags=re.DOTALL)
    flows_xml = re.sub(rb'(<row r="2"[^>]*>.*?)(</row>)',
                       lambda m: m.group(1) + RICH_NOTE + m.group(2), flows_xml, count=1,
                       flags=re.DOTALL)
    flows_xml = flows_xml.replace(b"</sheetData>", b"</sheetData>" + CUSTOM_VIEWS)
    comments = comments.replace(b"</text>", b'<r><rPr><b/><sz val="8"/></rPr>'
                                            b'<t xml:space="preserve"> (bold run)</t></r></text>')
    path = rezip(draft, path, replace={"xl/worksheets/sheet2.xml": flows_xml,
                                       "xl/comments1.xml": comments})
    draft.unlink()
    return path


def stored(path: Path) -> dict[str, tuple[int, bytes]]:
    """Each entry's compression method and compressed bytes, as stored."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            with open(path, "rb") as fh:
                fh.seek(info.header_offset + 26)
                skip = int.from_bytes(fh.read(2), "little") + int.from_bytes(fh.read(2), "little")
                fh.seek(info.header_offset + 30 + skip)
                out[info.filename] = (info.compress_type, fh.read(info.compress_size))
    return out


def test_a_refresh_copies_every_part_it_does_not_own_as_stored(tmp_path, standin, capsys):
    book = analyst_workbook(tmp_path / "flows.xlsx")
    before, raw_before = parts(book), stored(book)
    assert b"readOnlyRecommended" in before["xl/workbook.xml"]
    assert b"<Company>Acme Funds</Company>" in before["docProps/app.xml"]
    assert b"<ignoredErrors>" in before["xl/worksheets/sheet2.xml"]
    status, _, err = run(["refresh", book], capsys)
    assert (status, err) == (0, "")
    after, raw_after = parts(book), stored(book)
    report = sheet_part(book, "Report")
    kept = [name for name in before if name not in OWNED | {report}]
    assert "xl/worksheets/sheet2.xml" in kept and "xl/comments1.xml" in kept
    assert "xl/sharedStrings.xml" in kept and "docProps/app.xml" in kept
    for name in kept:
        assert after[name] == before[name], name
        assert raw_after[name] == raw_before[name], name       # the compressed bytes too
    # owned parts change only by what the refresh adds
    assert b'<fileSharing readOnlyRecommended="1"/>' in after["xl/workbook.xml"]
    assert re.sub(rb'<sheet name="_calc" sheetId="5" state="hidden" r:id="rId\d+"/>', b"",
                  after["xl/workbook.xml"]) == before["xl/workbook.xml"]
    old_xfs = re.findall(rb"<xf [^>]*?(?:/>|>.*?</xf>)",
                         before["xl/styles.xml"].split(b"<cellXfs")[1], re.DOTALL)
    new_xfs = re.findall(rb"<xf [^>]*?(?:/>|>.*?</xf>)",
                         after["xl/styles.xml"].split(b"<cellXfs")[1], re.DOTALL)
    assert new_xfs[:len(old_xfs)] == old_xfs               # appended, never renumbered


def test_data_cells_are_read_as_saved(tmp_path):
    book = analyst_workbook(tmp_path / "flows.xlsx")
    with BookFile(book) as source:
        rows = source.rows("Flows")
    notes = [row[4] for row in rows[1:6]]
    # numbers are read as the doubles Excel holds: 9007199254740993 (2**53 + 1) has no double and
    # reads as the nearest one, as in Excel (which keeps 15 significant digits in any case)
    assert notes[:3] == [0.30000000000000004, -1.9000000000000001, 9007199254740992]
    assert notes[3] == dt.datetime(2024, 1, 3, 12, 30) and notes[4] == 0
    assert rows[1][5] == "Sample data"                      # runs joined, phonetic run left out
    assert rows[0][6] == "Source: sample data"             # shared rich text
    assert rows[0][:3] == ["Week ending", "Equity", "Money market"]
    assert rows[6][:2] == [dt.datetime(2024, 2, 7), 2.5]   # a date format makes a datetime


def test_a_refreshed_workbook_reads_the_same_in_openpyxl(tmp_path, standin, capsys):
    book = analyst_workbook(tmp_path / "flows.xlsx")
    assert run(["refresh", book], capsys)[0] == 0
    wb = openpyxl.load_workbook(book)
    assert wb["Report"]["B2"].value == 2.5 and wb["Report"]["B7"].value == "=not a formula"
    assert wb["_calc"].sheet_state == "hidden"
    assert wb["Flows"]["B3"].comment.text.startswith("Revised")


def test_a_workbook_without_report_gets_the_template_grafted(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "mine.xlsx", report=False, dynamic=True)
    before = parts(book)
    status, _, err = run(["refresh", book], capsys)
    assert (status, err) == (0, "")
    after = parts(book)
    for name in before:
        if name not in OWNED:
            assert after[name] == before[name], name
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[0] == "Report" and wb["Report"]["A1"].value == "Report"
    assert wb["Report"]["B2"].value == 2.5
    first = book.read_bytes()
    assert run(["refresh", book], capsys)[0] == 0
    assert book.read_bytes() == first


def test_the_grafted_report_keeps_sheet_scoped_names_on_their_sheets(tmp_path, standin, capsys):
    def print_area(wb, flows):
        flows.print_area("A1:C7")
        flows.activate()

    book = make_workbook(tmp_path / "mine.xlsx", report=False, decorate_book=print_area)
    before = parts(book)["xl/workbook.xml"]
    assert b'<definedName name="_xlnm.Print_Area" localSheetId="0">Flows!$A$1:$C$7' in before
    assert b'activeTab="0"' in before or b"activeTab" not in before
    assert run(["refresh", book], capsys)[0] == 0
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[:2] == ["Report", "Flows"]
    assert wb["Flows"].print_area == "'Flows'!$A$1:$C$7"      # still on Flows, now sheet 2
    assert wb.active.title == "Flows"


def test_a_sheet_excel_takes_for_the_report_is_named(tmp_path, standin, capsys):
    def lower_report(wb, flows):
        wb.add_worksheet("report")

    book = make_workbook(tmp_path / "flows.xlsx", report=False, decorate_book=lower_report)
    before = book.read_bytes()
    status, _, err = run(["refresh", book], capsys)
    assert status == 2
    assert err == ("xlflows: the workbook has a sheet named 'report', which Excel takes for "
                   "'Report'; rename it so the report can add 'Report'\n")
    assert book.read_bytes() == before


def test_a_report_sheet_without_its_part_is_called_damaged(tmp_path, standin, capsys):
    """The Report listed in workbook.xml but its relationship gone (an XML edit): the file is
    damaged, not "a sheet named 'Report', which Excel takes for 'Report'" as it said before."""
    book = make_workbook(tmp_path / "flows.xlsx")
    with zipfile.ZipFile(book) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    rid = re.search(rb'<sheet name="Report" sheetId="\d+" r:id="(rId\d+)"',
                    parts["xl/workbook.xml"]).group(1)
    rels = parts["xl/_rels/workbook.xml.rels"]
    parts["xl/_rels/workbook.xml.rels"] = re.sub(rb'<Relationship Id="' + rid + rb'"[^>]*/>', b"",
                                                 rels)
    assert parts["xl/_rels/workbook.xml.rels"] != rels
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    before = book.read_bytes()
    status, _, err = run(["refresh", book], capsys)
    assert status == 2
    assert err == ("xlflows: flows.xlsx: sheet 'Report' has no part in the file; the file is "
                   "damaged\n")
    assert book.read_bytes() == before


def test_an_xlsx_named_xlsm_is_named_for_what_it_is(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx")
    renamed = tmp_path / "flows.xlsm"
    book.rename(renamed)
    status, _, err = run(["refresh", renamed], capsys)
    assert status == 2
    assert err == ("xlflows: flows.xlsm is a workbook without macros (.xlsx) named .xlsm; Excel "
                   "will not open it under that name. Rename it flows.xlsx\n")


def test_an_xlsm_named_xlsx_is_named_for_what_it_is(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsm")
    renamed = tmp_path / "flows.xlsx"
    book.rename(renamed)
    status, _, err = run(["refresh", renamed], capsys)
    assert status == 2
    assert err == ("xlflows: flows.xlsx is a macro-enabled workbook (.xlsm) named .xlsx; Excel "
                   "will not open it under that name. Rename it flows.xlsm\n")


def test_a_template_named_xlsx_is_named_for_what_it_is(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "base.xlsx")
    types = parts(book)["[Content_Types].xml"].replace(b"sheet.main+xml", b"template.main+xml")
    template = rezip(book, tmp_path / "flows.xlsx", replace={"[Content_Types].xml": types})
    status, _, err = run(["refresh", template], capsys)
    assert status == 2
    assert err == ("xlflows: flows.xlsx is an Excel template (.xltx) named .xlsx; Excel will not "
                   "open it under that name. Rename it flows.xltx, or open it in Excel and save "
                   "a workbook from it\n")


def test_a_copy_under_another_name_warns_that_its_button_needs_xlflows_xlsm(tmp_path, standin,
                                                                          capsys):
    book = make_workbook(tmp_path / "xlflows.xlsm")
    out = tmp_path / "report-2023-12-13.xlsm"
    status, _, err = run(["refresh", book, "--output", out], capsys)
    assert status == 0
    assert err == ("xlflows: warning: report-2023-12-13.xlsm: its Refresh button runs `import "
                   "report-2023-12-13` (xlwings imports a module named after the workbook) and "
                   "works only in a file named xlflows.xlsm; the command line refreshes it under "
                   "any name\n")
    status, _, err = run(["refresh", book, "--output", tmp_path / "sub.xlsm"], capsys)
    assert "import sub" in err
    (tmp_path / "copy").mkdir()
    status, _, err = run(["refresh", book, "--output", tmp_path / "copy" / "xlflows.xlsm"], capsys)
    assert (status, err) == (0, "")


def test_an_empty_custom_properties_part_does_not_block_a_refresh(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "lo.xlsx")
    patched = rezip(book, tmp_path / "flows.xlsx", add={"docProps/custom.xml": b""})
    status, _, err = run(["refresh", patched], capsys)
    assert (status, err) == (0, "")
    assert parts(patched)["docProps/custom.xml"] == b""


def test_a_button_and_comments_on_the_report_are_kept(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsm", decorate_report=lambda ws: (
        ws.insert_button("H1", {"macro": "SampleCall"}), ws.write_comment("A3", "note")))
    before = parts(book)
    status, _, err = run(["refresh", book], capsys)
    assert (status, err) == (0, "")
    after = parts(book)
    for name in before:
        if name.endswith((".vml", ".bin")) or "comments" in name:
            assert after[name] == before[name], name
    assert b"<legacyDrawing" in after["xl/worksheets/sheet1.xml"]


@pytest.mark.libreoffice
def test_libreoffice_renders_a_grafted_report(tmp_path):
    """An analyst's data-only workbook (XlsxWriter) gets the real Report grafted in; LibreOffice
    opens the result and prints the headlines with no error values."""
    import shutil

    if any(shutil.which(tool) is None for tool in ("soffice", "pdftotext")):
        if os.environ.get("XLFLOWS_REQUIRE_LIBREOFFICE") == "1" or os.environ.get("CI"):
            pytest.fail("LibreOffice is required here but missing")
        pytest.skip("needs soffice and pdftotext")
    with BookFile(ROOT / "workbook" / "xlflows.xlsm") as shipped:
        sheets = {name: shipped.rows(name) for name in ("Flows", "Policy rate", "MMF assets")}
    path = tmp_path / "mine.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row[:6 if name == "Flows" else 2]):
                if isinstance(value, dt.datetime):
                    ws.write_datetime(r, c, value, date)
                elif value is not None:
                    ws.write(r, c, value)
    wb.close()
    assert cli.main(["refresh", str(path)]) == 0
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", 'pdf:calc_pdf_Export:{"PageRange":{"type":"string","value":"1"}}',
         "--outdir", str(tmp_path), str(path)],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(tmp_path / "mine.pdf"),
                           "-"], capture_output=True, text=True, check=True).stdout
    assert "Money market funds: \u2212$31.0bn in the week to Nov 12, the first outflow in 8 weeks" \
        in text
    assert "Weekly net flows" in text and "hiking cycles shaded" in text
    assert not [mark for mark in ("#NAME?", "#REF!", "#VALUE!", "#N/A", "Err:") if mark in text]


def test_a_table_placeholder_near_the_last_column_is_refused(tmp_path, capsys):
    """The real report: {{ cycles.table }} typed at XFC200 would spill past column XFD."""
    shipped = ROOT / "workbook" / "xlflows.xlsm"
    report = parts(shipped)["xl/worksheets/sheet1.xml"]
    cell = b'<row r="200"><c r="XFC200" t="inlineStr"><is><t>{{ cycles.table }}</t></is></c></row>'
    report = report.replace(b"</sheetData>", cell + b"</sheetData>")
    book = rezip(shipped, tmp_path / "xlflows.xlsm", replace={"xl/worksheets/sheet1.xml": report})
    before = book.read_bytes()
    status, out, err = run(["refresh", book], capsys)
    assert (status, out) == (2, "")
    assert err == ("xlflows: Report!XFC200: the table needs 6 rows × 5 columns from there, beyond "
                   "Excel's last cell XFD1048576; move the table\n")
    assert book.read_bytes() == before

