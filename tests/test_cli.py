"""The file engine's mechanics through the command line: ``xlflows refresh`` on small workbooks.

The report's content (``plan_refresh``, ``install_template``) is replaced here by a small stand-in
that reads the data sheets through the engine's SheetSource and plans a few writes, so these tests
check only what the engine owns: reading (cached formula values, dates, errors, defined names),
writing the plan, the deterministic atomic save, what it restores after openpyxl (dynamic-array
metadata, cached values), the exit codes and the one-line messages. The shipped workbook with the
real report is tested in test_workbook.py.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from xlflows import cli
from xlflows.errors import InputError
from xlflows.report import xlsx
from xlflows.report.plan import CellWrite, RefreshPlan

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- stand-in report


class StandIn:
    """Plans: Report!B2 = the latest Equity flow, B3 = its week, B4 = the sum of Equity flows,
    B5 = the last policy rate, B6 = the last MMF assets level; a hidden sheet ``_calc`` gets A1."""

    def __init__(self):
        self.calls = []
        self.templates = []
        self.fail_with = None

    def plan_refresh(self, source, *, weeks=None, cycles=None, as_of=None):
        self.calls.append({"weeks": weeks, "cycles": cycles, "as_of": as_of,
                           "setting": source.named_cell("xlflows_weeks")})
        if self.fail_with is not None:
            raise self.fail_with
        flows = source.rows("Flows")
        rates = source.rows("Policy rate")
        assets = source.rows("MMF assets")
        equity = [row[1] for row in flows[1:] if row[1] is not None]
        writes = [
            CellWrite("Report", "B2", equity[-1], "0.0"),
            CellWrite("Report", "B3", flows[-1][0], "mmm d, yyyy"),
            CellWrite("Report", "B4", sum(equity), "0.0"),
            CellWrite("Report", "B5", rates[-1][1]),
            CellWrite("Report", "B6", assets[-1][1]),
            CellWrite("Report", "B7", "=not a formula"),
            CellWrite("_calc", "A1", 1.5),
        ]
        return RefreshPlan(writes, ["_calc"], [f"Flows to {flows[-1][0]:%Y-%m-%d}"])

    def install_template(self, wb, ws, categories):
        self.templates.append((ws.title, list(categories)))
        ws["A1"] = "Report"


@pytest.fixture
def standin(monkeypatch):
    fake = StandIn()
    monkeypatch.setattr(xlsx, "plan_refresh", fake.plan_refresh)
    monkeypatch.setattr(xlsx, "install_template", fake.install_template)
    return fake


def run(argv, capsys):
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


# ----------------------------------------------------------------------------- workbooks


WEEKS = [dt.datetime(2024, 1, 3) + dt.timedelta(weeks=i) for i in range(6)]
EQUITY = [1.5, -2.0, 3.25, 4.0, -1.0, 2.5]          # sum 8.25, latest 2.5 (week of 2024-02-07)
MONEY = [None, None, 10.0, -5.0, 7.5, -31.0]


def make_workbook(path: Path, *, report: bool = True, flows_formula: str | None = None,
                  dynamic: bool = False, cached=None, decorate_flows=None,
                  decorate_report=None) -> Path:
    """A small workbook written with XlsxWriter (as Excel would: shared strings, cached values).

    flows_formula: a formula put in Flows!B7 (the latest Equity week) with ``cached`` as its saved
    value (None: no saved value). dynamic: a dynamic-array formula in Dashboard!A1.
    decorate_flows, decorate_report: called with the Flows / Report XlsxWriter worksheet to add
    what openpyxl would drop (a text box, a sparkline, a comment ...).
    """
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    if path.suffix == ".xlsm":
        wb.set_vba_name("ThisWorkbook")
        wb.add_vba_project(io.BytesIO(_vba()), is_stream=True)
    if report:
        ws = wb.add_worksheet("Report")
        ws.write("A1", "Report")
        wb.define_name("xlflows_weeks", "=Report!$B$10")
        ws.write("B10", 8)
        if decorate_report is not None:
            decorate_report(ws)
    flows = wb.add_worksheet("Flows")
    flows.write_row(0, 0, ["Week ending", "Equity", "Money market"])
    for i, (week, eq, mm) in enumerate(zip(WEEKS, EQUITY, MONEY), start=1):
        flows.write_datetime(i, 0, week, date)
        flows.write_number(i, 1, eq)
        if mm is not None:
            flows.write_number(i, 2, mm)
    if flows_formula is not None:
        flows.write_formula("B7", flows_formula, None, "" if cached is None else cached)
    if decorate_flows is not None:
        decorate_flows(flows)
    rates = wb.add_worksheet("Policy rate")
    rates.write_row(0, 0, ["Date", "Rate"])
    rates.write_datetime(1, 0, dt.datetime(2023, 7, 27), date)
    rates.write_number(1, 1, 5.5)
    assets = wb.add_worksheet("MMF assets")
    assets.write_row(0, 0, ["Date", "Assets"])
    assets.write_datetime(1, 0, dt.datetime(2020, 12, 31), date)
    assets.write_number(1, 1, 4336.003)
    if dynamic:
        dash = wb.add_worksheet("Dashboard")
        dash.write_dynamic_array_formula(0, 0, 0, 0, "=_xlfn._xlws.SORT(Flows!B2:B7)", None, "")
    wb.close()
    return path


def _vba() -> bytes:
    import xlwings

    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart_standalone.xlsm") as z:
        return z.read("xl/vbaProject.bin")


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def sheet_part(path: Path, title: str) -> str:
    """The part openpyxl wrote a sheet to: xl/worksheets/sheet<position>.xml."""
    return f"xl/worksheets/sheet{openpyxl.load_workbook(path).sheetnames.index(title) + 1}.xml"


def folder_listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------------------- tests


def test_refresh_in_place_writes_the_plan(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx")
    status, out, err = run(["refresh", book], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == f"Refreshed {book} (7 report cells)"
    assert "  Flows to 2024-02-07" in out.splitlines()
    wb = openpyxl.load_workbook(book)
    report = wb["Report"]
    # latest Equity week 2.5 on 2024-02-07; sum 1.5 - 2 + 3.25 + 4 - 1 + 2.5 = 8.25
    assert report["B2"].value == 2.5 and report["B2"].number_format == "0.0"
    assert report["B3"].value == dt.datetime(2024, 2, 7)
    assert report["B4"].value == 8.25
    assert (report["B5"].value, report["B6"].value) == (5.5, 4336.003)
    assert report["B7"].value == "=not a formula" and report["B7"].data_type == "s"
    assert wb["_calc"].sheet_state == "hidden" and wb["_calc"]["A1"].value == 1.5
    # the defined name is read as (sheet, cell) without $ signs
    assert standin.calls[0]["setting"] == ("Report", "B10")
    assert folder_listing(tmp_path) == ["flows.xlsx"]


def test_second_refresh_is_byte_identical_with_fixed_times_and_as_of_date(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx")
    assert run(["refresh", book], capsys)[0] == 0
    first = book.read_bytes()
    assert run(["refresh", book], capsys)[0] == 0
    assert book.read_bytes() == first
    with zipfile.ZipFile(book) as z:
        names = z.namelist()
        assert names[0] == "[Content_Types].xml" and names[1:] == sorted(names[1:])
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


@pytest.mark.parametrize("output, expected", [
    ("copy.xlsx", "--output copy.xlsx has extension '.xlsx'; expected '.xlsm' like the input"),
    ("copy", "--output copy has extension ''; expected '.xlsm'"),
], ids=["xlsm-to-xlsx refused", "no extension refused"])
def test_output_must_keep_the_extension(tmp_path, standin, capsys, output, expected):
    book = make_workbook(tmp_path / "flows.xlsm")
    before = book.read_bytes()
    status, out, err = run(["refresh", book, "--output", tmp_path / output], capsys)
    assert status == 2 and out == ""
    assert err.startswith("xlflows: ") and expected in err and err.count("\n") == 1
    assert book.read_bytes() == before
    assert folder_listing(tmp_path) == ["flows.xlsm"]


def test_xlsm_keeps_its_macros_and_content_type(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsm")
    vba = parts(book)["xl/vbaProject.bin"]
    assert run(["refresh", book], capsys)[0] == 0
    after = parts(book)
    assert after["xl/vbaProject.bin"] == vba
    assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in after["[Content_Types].xml"]


def test_dynamic_array_metadata_is_restored(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx", dynamic=True)
    before = parts(book)
    assert run(["refresh", book], capsys)[0] == 0
    after = parts(book)
    assert after["xl/metadata.xml"] == before["xl/metadata.xml"]
    assert re.search(rb'Type="[^"]+/sheetMetadata" Target="metadata.xml"',
                     after["xl/_rels/workbook.xml.rels"])
    assert (b'<Override PartName="/xl/metadata.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.sheetMetadata+xml"/>') in after["[Content_Types].xml"]
    dash_part = sheet_part(book, "Dashboard")
    assert re.search(rb'<c r="A1"[^>]* cm="1"[^>]*><f t="array" ref="A1">_xlfn._xlws.SORT\(Flows!B2:B7\)'
                     rb"</f>", after[dash_part])
    # and once more: the restored file restores again, identically
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


def test_errors_of_the_report_layer_exit_2(tmp_path, standin, capsys):
    standin.fail_with = InputError("weeks: 0 is below 1; expected a whole number >= 1")
    book = make_workbook(tmp_path / "flows.xlsx")
    before = book.read_bytes()
    status, out, err = run(["refresh", book], capsys)
    assert (status, out, err) == (2, "", "xlflows: weeks: 0 is below 1; expected a whole number >= 1\n")
    assert book.read_bytes() == before


def test_unexpected_problems_exit_1_on_one_line(tmp_path, standin, capsys):
    standin.fail_with = RuntimeError("boom\nsecond line")
    book = make_workbook(tmp_path / "flows.xlsx")
    before = book.read_bytes()
    status, out, err = run(["refresh", book], capsys)
    assert (status, out, err) == (1, "", "xlflows: unexpected problem, please report: boom\n")
    assert book.read_bytes() == before
    assert folder_listing(tmp_path) == ["flows.xlsx"]


@pytest.mark.parametrize("argv, expected", [
    ([], "no command given; expected: xlflows refresh WORKBOOK"),
    (["refresh"], "the following arguments are required: WORKBOOK"),
    (["refresh", "x.xlsx", "--weeks", "0"], "argument --weeks: 0 is outside 1..520; expected a whole number from 1 to 520"),
    (["refresh", "x.xlsx", "--cycles", "four"], "argument --cycles: 'four' is not a whole number"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
], ids=["no command", "no workbook", "weeks 0", "cycles text", "unknown command"])
def test_usage_errors(argv, expected, capsys):
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert err.startswith("xlflows: ") and expected in err and err.count("\n") == 1


def test_missing_file(tmp_path, capsys):
    status, _, err = run(["refresh", tmp_path / "nope.xlsx"], capsys)
    assert status == 2 and err == f"xlflows: {tmp_path / 'nope.xlsx'}: no such file\n"


def test_file_permissions_are_kept(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx")
    os.chmod(book, 0o640)
    assert run(["refresh", book], capsys)[0] == 0
    assert (book.stat().st_mode & 0o777) == 0o640


def test_python_dash_m_and_console_script(tmp_path):
    missing = tmp_path / "nope.xlsm"
    runs = [[sys.executable, "-m", "xlflows", "refresh", str(missing)]]
    script = shutil.which("xlflows")
    if script:
        runs.append([script, "refresh", str(missing)])
    for argv in runs:
        done = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 2, argv
        assert done.stderr == f"xlflows: {missing}: no such file\n"
        assert done.stdout == ""


def test_refresh_file_reports_timings(tmp_path, standin):
    book = make_workbook(tmp_path / "flows.xlsx")
    result = xlsx.refresh_file(book)
    assert set(result.timings.steps) == {"safety", "load", "read", "compute", "write", "save",
                                         "post-process"}
    assert all(seconds >= 0 for seconds in result.timings.steps.values())


# ----------------------------------------------------------------------------- properties

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from openpyxl.styles.numbers import is_date_format  # noqa: E402

FORMATS = [None, "General", "0.0", "0.00", "+0.0%;\"\u2212\"0.0%;0.0%", "mmm yyyy", "d mmm yyyy",
           "yyyy-mm-dd", "@", "#,##0.0", '+#,##0.0;"\u2212"#,##0.0;0.0']
VALUES = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 3)),
                   st.integers(-1000, 1000), st.text("abc −$%", max_size=8),
                   st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)).map(
                       lambda d: dt.datetime(d.year, d.month, d.day)))
WRITES = st.lists(st.tuples(st.sampled_from(["Report", "_calc"]),
                            st.sampled_from(["A1", "B2", "C3", "D4", "B7", "E10", "AA3"]),
                            VALUES, st.sampled_from(FORMATS)), min_size=1, max_size=12)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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
        dated = is_date_format(cell.number_format)
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


# ----------------------------------------------------------------------------- issue 9: the CLI
def test_version(capsys):
    from xlflows import __version__

    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"xlflows {__version__}"


def test_help_states_the_bounds_of_weeks_and_cycles(capsys):
    with pytest.raises(SystemExit):
        cli.main(["refresh", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "look-back window in weeks, 1 to 520" in out
    assert "previous hiking cycles compared, 1 to 20" in out


def test_weeks_beyond_the_bound_is_refused_before_reading(tmp_path, capsys):
    status, out, err = run(["refresh", tmp_path / "missing.xlsx", "--weeks", "521"], capsys)
    assert status == 2 and out == ""
    assert err == ("xlflows: argument --weeks: 521 is outside 1..520; expected a whole number "
                   "from 1 to 520 (see xlflows refresh --help)\n")


def test_a_folder_as_workbook_is_named_as_a_folder(tmp_path, capsys):
    status, _, err = run(["refresh", tmp_path], capsys)
    assert status == 2 and err == f"xlflows: {tmp_path} is a folder; expected an .xlsx or .xlsm file\n"


@pytest.mark.parametrize("kind", ["folder", "missing folder", "read-only file"])
def test_output_is_checked_before_anything_is_computed(tmp_path, capsys, monkeypatch, kind):
    book = make_workbook(tmp_path / "flows.xlsx")
    calls = []
    monkeypatch.setattr(xlsx, "plan_refresh", lambda *a, **k: calls.append(1))
    if kind == "folder":
        target, expected = tmp_path, f"--output {tmp_path} is a folder; expected a file name"
    elif kind == "missing folder":
        target = tmp_path / "nowhere" / "out.xlsx"
        expected = f"the folder {tmp_path / 'nowhere'} does not exist"
    else:
        target = tmp_path / "out.xlsx"
        target.write_bytes(b"old")
        target.chmod(0o444)
        expected = f"--output {target} is read-only"
    before = book.read_bytes()
    status, out, err = run(["refresh", book, "--output", target], capsys)
    assert status == 2 and out == "" and expected in err and err.count("\n") == 1
    assert calls == [] and book.read_bytes() == before


def test_as_of_after_the_data_warns_on_stderr(tmp_path, capsys):
    book = make_workbook(tmp_path / "flows.xlsx")
    status, out, err = run(["refresh", book, "--as-of", "2030-01-01"], capsys)
    assert status == 0 and out.startswith("Refreshed ")
    assert err.startswith("xlflows: warning: as of 2030-01-01 (the command line) is after the "
                          "latest week of Flows")
