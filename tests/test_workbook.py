"""The shipped workbook (workbook/xlflows.xlsm): its sheets, VBA, button, Dashboard and Report.

Without Excel: the file is opened with openpyxl and zipfile, its VBA with oletools (olevba). The
live engine behind the button is tested in test_report_live.py.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "workbook" / "xlflows.xlsm"
BUILD = ROOT / "workbook" / "build.py"
DATA = ROOT / "data"

sys.path.insert(0, str(Path(__file__).resolve().parent))


def test_main_imports_the_report_lazily():
    code = ("import sys, xlflows; assert 'xlflows.report.live' not in sys.modules; "
            "assert 'pandas' not in sys.modules; assert 'openpyxl' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


# ============================================================================ the shipped workbook

UDF_NAMES = ("flow_streak", "flow_first_in", "flow_largest_since", "flow_rolling", "flow_streaks",
             "hike_cycles", "cycle_inflows", "peak_projection", "asset_growth", "abnormality")
TABLE_UDFS = {"flow_rolling", "flow_streaks", "hike_cycles", "cycle_inflows", "abnormality"}
#: Excel built-ins the Dashboard may call.
BUILTINS = {"EDATE", "MAX", "MIN", "DATE", "INDEX", "AVERAGE", "ROUND", "IF", "ISNUMBER", "COUNT"}
DATA_SHEETS = ("Flows", "Policy rate", "MMF assets", "Retail MMF")


@pytest.fixture(scope="module")
def shipped():
    if not WORKBOOK.exists():
        pytest.fail("workbook/xlflows.xlsm is missing: run python workbook/build.py")
    return openpyxl.load_workbook(WORKBOOK, keep_vba=True)


@pytest.fixture(scope="module")
def shipped_parts():
    with zipfile.ZipFile(WORKBOOK) as z:
        return {name: z.read(name) for name in z.namelist()}


def sheet_part_name(wb, title: str) -> str:
    return f"xl/worksheets/sheet{wb.sheetnames.index(title) + 1}.xml"


def test_sheets_in_order(shipped):
    visible = [ws.title for ws in shipped.worksheets if ws.sheet_state == "visible"]
    assert visible[:7] == ["Report", "Dashboard", "Flows", "Policy rate", "MMF assets",
                           "Retail MMF", "xlwings.conf"]
    assert shipped.active.title == "Report"


def test_rebuilding_gives_the_committed_bytes(tmp_path):
    out = tmp_path / "xlflows.xlsm"
    done = subprocess.run([sys.executable, str(BUILD), "--output", str(out)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == WORKBOOK.read_bytes(), (
        "workbook/xlflows.xlsm is not the build's output: run python workbook/build.py and "
        "commit workbook/xlflows.xlsm")


def test_refresh_leaves_the_committed_workbook_unchanged(tmp_path):
    from xlflows import cli

    copy = tmp_path / "xlflows.xlsm"
    shutil.copyfile(WORKBOOK, copy)
    assert cli.main(["refresh", str(copy)]) == 0
    assert copy.read_bytes() == WORKBOOK.read_bytes()


def test_modified_date_is_the_as_of_date(shipped_parts):
    core = ET.fromstring(shipped_parts["docProps/core.xml"])
    dcterms, xsi = "{http://purl.org/dc/terms/}", "{http://www.w3.org/2001/XMLSchema-instance}"
    # the latest week of workbook/sample_flows.csv
    for name in ("modified", "created"):
        element = core.find(dcterms + name)
        assert element.text == "2025-11-12T00:00:00Z"
        assert element.get(xsi + "type") == "dcterms:W3CDTF"


def test_vba_project_runs_xlflows_main_with_this_xlwings():
    import xlwings
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(WORKBOOK))
    try:
        code = {name: text for _, _, name, text in parser.extract_macros()}
    finally:
        parser.close()
    sample = code["Module1.bas"]
    assert "Sub SampleCall()" in sample
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in sample
    assert ("Public Function RunPython(" in code["xlwings.bas"]
            or "Sub RunPython(" in code["xlwings.bas"])
    version = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', code["xlwings.bas"]).group(1)
    assert version == xlwings.__version__ == "0.37.8"


def test_refresh_button_calls_sample_call_over_h1_j3(shipped, shipped_parts):
    report_rels = shipped_parts["xl/worksheets/_rels/sheet1.xml.rels"].decode()
    vml_name = re.search(r'Target="(?:/xl/drawings/|\.\./drawings/)(vmlDrawing\d+\.vml)"',
                         report_rels).group(1)
    vml = shipped_parts[f"xl/drawings/{vml_name}"].decode()
    assert 'ObjectType="Button"' in vml
    assert "<x:FmlaMacro>[0]!SampleCall</x:FmlaMacro>" in vml
    # from column H (7), row 1 (0) to the left edge of K (10) and the top of row 4 (3)
    assert "<x:Anchor>7, 0, 0, 0, 10, 0, 3, 0" in vml
    report = shipped["Report"]
    assert all(report[ref].value is None for ref in ("H1", "I1", "J1", "H2", "J3"))


def test_charts_present(shipped, shipped_parts):
    """Native charts on the Report, reading Report cells only, with visible axes."""
    charts = sorted(n for n in shipped_parts if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
    assert len(charts) >= 2
    for name in charts:
        xml = shipped_parts[name].decode()
        refs = re.findall(r"<f>([^<]*)</f>", xml)
        assert refs and all(ref.startswith("'Report'!") for ref in refs), name
        assert re.search(r"<(barChart|lineChart|areaChart)>", xml), name
        assert xml.count('<delete val="0"') >= 2, name            # Excel hides axes without it
    assert len(shipped["Report"]._charts) == len(charts)          # charts are not added twice


def test_xlwings_conf_sheet(shipped):
    rows = [row[:3] for row in shipped["xlwings.conf"].iter_rows(values_only=True)]
    keys = [row[0] for row in rows]
    assert None not in keys                                     # from A1, no blank rows
    assert len({k.upper() for k in keys}) == len(keys)       # the VBA refuses duplicates
    settings = {row[0]: row[1] for row in rows}
    assert settings["UDF Modules"] == "xlflows.udfs"
    assert settings["Interpreter_Win"] == "python"
    assert settings["Use UDF Server"] is False and settings["Show Console"] is False
    assert all(isinstance(row[2], str) and row[2] for row in rows)   # a note for each


def _calls(formula: str) -> list[tuple[str, list[str]]]:
    """(function name, top-level arguments) for every call in a formula, outermost first."""
    calls = []
    for match in re.finditer(r"([A-Za-z_][A-Za-z0-9_.]*)\(", formula):
        depth, args, current, quoted = 0, [], "", False
        for ch in formula[match.end():]:
            if ch == "'":
                quoted = not quoted
            if not quoted and ch == "(":
                depth += 1
            elif not quoted and ch == ")":
                if depth == 0:
                    break
                depth -= 1
            if not quoted and ch == "," and depth == 0:
                args.append(current)
                current = ""
            else:
                current += ch
        args.append(current)
        calls.append((match.group(1), [a for a in args if a.strip()] if args != [""] else []))
    return calls


def dashboard_formulas(wb) -> dict[str, str]:
    from openpyxl.worksheet.formula import ArrayFormula

    out = {}
    for row in wb["Dashboard"].iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, ArrayFormula):
                out[cell.coordinate] = value.text
            elif cell.data_type == "f":
                out[cell.coordinate] = value
    return out


def test_dashboard_calls_every_function_with_valid_arguments(shipped):
    from xlflows import udfs

    formulas = dashboard_formulas(shipped)
    used = set()
    for ref, formula in formulas.items():
        for name, args in _calls(formula):
            if name.upper() in BUILTINS:
                continue
            assert name in UDF_NAMES, f"Dashboard!{ref} calls {name}, neither built-in nor xlflows"
            assert name == name.lower()        # Excel stores VBA function names as imported
            params = inspect.signature(getattr(udfs, name)).parameters.values()
            required = sum(p.default is inspect.Parameter.empty for p in params)
            assert required <= len(args) <= len(params), f"Dashboard!{ref}: {name}{tuple(args)}"
            used.add(name)
    assert used == set(UDF_NAMES)


def test_dashboard_ranges_leave_room_to_append_data(shipped):
    # every data-sheet range on the Dashboard runs at least 500 rows past the data, so weeks,
    # rate days or quarters an analyst appends are read (trailing blanks are ignored)
    formulas = "".join(dashboard_formulas(shipped).values())
    refs = re.findall(r"(Flows|'Policy rate'|'MMF assets')!\$[A-Z]+\$2:\$[A-Z]+\$(\d+)", formulas)
    assert {sheet for sheet, _ in refs} == {"Flows", "'Policy rate'", "'MMF assets'"}
    for sheet, last in refs:
        data_rows = shipped[sheet.strip("'")].max_row
        assert int(last) >= data_rows + 500, f"{sheet} range ends at row {last}"


def test_dashboard_tables_spill(shipped, shipped_parts):
    from openpyxl.worksheet.formula import ArrayFormula

    xml = shipped_parts[sheet_part_name(shipped, "Dashboard")].decode()
    spilled = set()
    for row in shipped["Dashboard"].iter_rows():
        for cell in row:
            if isinstance(cell.value, ArrayFormula):
                name = _calls(cell.value.text)[0][0]
                assert re.search(rf'<c r="{cell.coordinate}"[^>]* cm="1"', xml), cell.coordinate
                assert cell.value.ref == cell.coordinate          # one anchor cell, Excel spills
                spilled.add(name)
    assert spilled == TABLE_UDFS
    assert b'<xda:dynamicArrayProperties fDynamic="1"' in shipped_parts["xl/metadata.xml"]
    assert (b'/sheetMetadata" Target="metadata.xml"'
            in shipped_parts["xl/_rels/workbook.xml.rels"])
    assert b'PartName="/xl/metadata.xml"' in shipped_parts["[Content_Types].xml"]


def test_dashboard_formulas_have_no_fake_cached_result(shipped, shipped_parts):
    xml = shipped_parts[sheet_part_name(shipped, "Dashboard")].decode()
    for ref in dashboard_formulas(shipped):
        cell = re.search(rf'<c r="{ref}"[^>]*>.*?</c>', xml).group(0)
        assert re.search(r"<v\s*/>|<v></v>", cell), cell       # no XlsxWriter 0 as a result


def test_data_sheets_say_what_they_are(shipped):
    flows = shipped["Flows"]
    header = [c.value for c in flows[1]]
    named = len([h for h in header if h])
    note = flows.cell(row=2, column=named + 2).value
    assert note == "SAMPLE DATA" and header[named] is None
    assert "not real fund flows" in flows.cell(row=3, column=named + 2).value
    assert "DFEDTARU" in shipped["Policy rate"]["D2"].value
    assert "quarter's END" in shipped["MMF assets"]["D2"].value
    assert "ends 2020-12-31" in shipped["MMF assets"]["D2"].value


def test_dashboard_says_functions_must_be_imported_and_names_sources(shipped):
    text = " ".join(str(c) for row in shipped["Dashboard"].iter_rows(values_only=True)
                    for c in row if isinstance(c, str))
    assert "xlwings ribbon → Import Functions" in text
    assert "SAMPLE DATA" in text
    assert "DFEDTAR" in text and "DFEDTARU" in text and "ends 2025-11-12" in text
    assert "MMMFFAQ027S" in text and "quarter's END" in text and "ends 2020-12-31" in text
    assert "WRMFNS" in text and "1985-01-07 to 2026-03-02" in text


def _fred(name):
    import csv

    with (DATA / name).open(newline="") as fh:
        return [(dt.datetime.fromisoformat(d), float(v)) for d, v in list(csv.reader(fh))[1:]]


def test_data_sheets_hold_the_sources(shipped):
    import csv

    with (ROOT / "workbook" / "sample_flows.csv").open(newline="") as fh:
        sample = list(csv.reader(fh))
    width = len(sample[0])
    flows = list(shipped["Flows"].iter_rows(max_col=width, values_only=True))
    assert list(flows[0]) == sample[0]
    assert len(flows) == len(sample)
    for got, want in zip(flows[1:], sample[1:]):
        assert got[0] == dt.datetime.fromisoformat(want[0])
        assert list(got[1:]) == [float(v) if v else None for v in want[1:]]
    rates = [tuple(r) for r in shipped["Policy rate"].iter_rows(min_row=2, max_col=2,
                                                                 values_only=True)]
    assert rates == _fred("DFEDTAR.csv") + _fred("DFEDTARU.csv")
    assets = [tuple(r) for r in shipped["MMF assets"].iter_rows(min_row=2, max_col=2,
                                                                 values_only=True)]
    fred = _fred("MMMFFAQ027S.csv")
    assert len(assets) == len(fred)
    # 1974-01-01 holds the level at the end of 1974Q1 (263 million -> $0.263bn); 2020-10-01 -> Q4
    assert assets[0] == (dt.datetime(1974, 3, 31), 0.263)
    assert assets[-1] == (dt.datetime(2020, 12, 31), 4336.003)
    assert [a[1] for a in assets] == [v / 1000 for _, v in fred]
    # Retail MMF: WRMFNS as it is, $bn, weekly (Mondays), 1985-01-07 (161.6) to 2026-03-02 (2273.9)
    retail = [tuple(r) for r in shipped["Retail MMF"].iter_rows(min_row=2, max_col=2,
                                                                values_only=True)]
    assert retail == _fred("WRMFNS.csv") and len(retail) == 2148
    assert retail[0] == (dt.datetime(1985, 1, 7), 161.6)
    assert retail[-1] == (dt.datetime(2026, 3, 2), 2273.9)
    assert [c.value for c in shipped["Retail MMF"][1][:2]] == ["Date", "Assets"]
    assert shipped["Retail MMF"]["A2"].number_format == "yyyy-mm-dd"
    assert shipped["Retail MMF"]["B2"].number_format == "#,##0.0"


def test_data_sheet_cells_unchanged_by_the_refresh(tmp_path, shipped):
    """The build's XlsxWriter draft and the committed file agree on every data-sheet cell."""
    sys.path.insert(0, str(BUILD.parent))
    import build

    draft = tmp_path / "draft.xlsm"
    build.write_draft(draft)
    before = openpyxl.load_workbook(draft, keep_vba=True)
    for title in DATA_SHEETS + ("Dashboard", "xlwings.conf"):
        old, new = before[title], shipped[title]
        assert (old.max_row, old.max_column) == (new.max_row, new.max_column), title
        for row_old, row_new in zip(old.iter_rows(), new.iter_rows()):
            for a, b in zip(row_old, row_new):
                assert (_plain(a.value), a.data_type, a.number_format) == \
                    (_plain(b.value), b.data_type, b.number_format), f"{title}!{a.coordinate}"


def _plain(value):
    """An array formula as (its text, its anchor), anything else as it is."""
    from openpyxl.worksheet.formula import ArrayFormula

    return (value.text, value.ref) if isinstance(value, ArrayFormula) else value


# ============================================================================ the report's numbers
# Worked by hand from workbook/sample_flows.csv (last rows) and the FRED files; cells are found by
# their labels so the template's layout can move.


def _find(ws, label: str) -> tuple[int, int]:
    """(row, column) of the first cell reading ``label`` (any column of the page)."""
    cells = [(c.row, c.column) for row in ws.iter_rows(max_col=14) for c in row
             if c.value == label]
    assert cells, f"no Report cell labelled {label!r}"
    return cells[0]


def _row_of(ws, label: str) -> int:
    return _find(ws, label)[0]


def _right_of(ws, label: str, offset: int = 1):
    """The ``offset``-th value right of a label (merged cells count once: their blank cells are
    skipped)."""
    row, col = _find(ws, label)
    values = [ws.cell(row=row, column=c).value for c in range(col + 1, 15)]
    return [v for v in values if v is not None][offset - 1]


def test_headline_sentences(shipped):
    text = [c.value for c in shipped["Report"]["A"] if isinstance(c.value, str)]
    assert {
        # Equity: +25.3 on 2025-11-12; 8-week total 3.1+6.4+2.2+8.9+4.7+5.5+7.0+25.3 = +63.1, the
        # biggest since a window ending in Mar 2022 and 4th on record (86.3, 74.0 and 69.1 in
        # Mar 2022 were larger); +25.3 is the sample's largest weekly inflow. Then the grammar:
        # 11 straight inflows (the longest earlier inflow run had 10 weeks); 12 inflows in 14
        # weeks (two outflows, -0.9 and -0.8, then 6.7, then the third other week, -9.9); 2025 to
        # date 57.4 over 46 weeks, 30.5 in 2024 to 12 Nov 2024; z = (25.3 - 0.598) / 6.214 = 3.98
        # against the 1,140 earlier weeks, all of them <= 25.3 (shown as the 99th percentile).
        # Flows is marked SAMPLE DATA, so every flow sentence says so.
        ("Equity funds (sample data): +$25.3bn in the week to Nov 12, the biggest 8-week inflow "
         "since Mar 2022, the 4th largest on record, the biggest weekly inflow since the data "
         "began (Jan 2004); an 11th straight week of inflows, the longest inflow streak on record; "
         "inflows in 12 of the past 14 weeks; +$57.4bn this year (+$30.5bn at this point last "
         "year); weekly flows 4.0 standard deviations above average (99th percentile)"),
        # Bond: -1.8; the previous outflow (-4.5 on Oct 8) is 5 rows back; 2025: 99.2 to date,
        # 129.2 a year earlier
        ("Bond funds (sample data): −$1.8bn in the week to Nov 12, the first outflow in 5 weeks; "
         "+$99.2bn this year (+$129.2bn at this point last year)"),
        # Money market: -31.0; the previous outflow (-12.4 on Sep 17) is 8 rows back; 2025's
        # larger outflows: -35.8 and -31.5 (3rd of 22); 8-week +86.9 behind 105.5 and 97.5 this
        # year (3rd of 27); z = (-31.0 - 2.121) / 14.278 = -2.32, 15 of 1,140 weeks <= -31.0
        # (1.3% -> the 1st percentile)
        ("Money market funds (sample data): −$31.0bn in the week to Nov 12, the first outflow in 8 "
         "weeks, the 3rd largest weekly outflow this year; +$86.9bn over 8 weeks, the 3rd largest "
         "8-week inflow this year; +$79.6bn this year (+$149.8bn at this point last year); weekly "
         "flows 2.3 standard deviations below average (1st percentile)"),
        # MMF assets 4,336.003 (2020Q4) / 3,634.3.. (2019Q4) - 1 = +19.3%; cycles' peaks average
        # (28.4 + 25.1 + 42.4 + 44.6) / 4 = 35.1%; 2020-12-31 is five years before 2025-11-12, so
        # the verdict is dated and none is given for Nov 2025
        ("MMF assets +19% in the year to Q4 2020 (latest data, five years before the as-of date): "
         "as of Q4 2020, not abnormally high vs the 35% average peak rise of the previous 4 "
         "cycles; no reading for Nov 2025"),
        # months 13, 16, 21, 18 -> 17; EDATE(2023-07-27, 17) = 2024-12-27; dated at the quarters'
        # first days 11, 13, 18, 15 -> 14 -> Sep 2024; the cycle ended with the cut of 2024-09-19
        # and the assets (to 2020Q4) do not reach it
        ("Money-market cycles: the 2022\u201323 hiking cycle ended with a cut on 19 Sep 2024 (last "
         "hike 27 Jul 2023); inflows peaked 17 months after the last hike on average → peak "
         "projected Dec 2024 (quarterly assets dated at the quarter's end; at its start, as FRED "
         "labels them: 14 months → Sep 2024); no asset data yet to compare: MMF assets end Q4 "
         "2020"),
    } <= set(text)
    # one minus sign (U+2212) throughout, never an ASCII hyphen as a sign, never -$0.0bn
    assert not any("-$" in t or "−$0.0bn" in t for t in text)


@pytest.mark.parametrize("category, latest, streak, first_in, total", [
    ("Equity", 25.3, 11, 1, 63.1),          # inflows every week since Sep 3: 11 weeks
    ("Bond", -1.8, -1, 5, 4.7),             # -5.8+3.6-4.5+1.8+4.0+3.5+3.9-1.8 = 4.7
    ("Money market", -31.0, -1, 8, 86.9),   # 20.0+13.2+31.6+13.2+17.4+20.7+1.8-31.0 = 86.9
    ("Multi-asset", 1.9, 2, 1, -2.1),       # -0.5+2.1+0.0-1.1-0.9-4.1+0.5+1.9 = -2.1
], ids=["equity +25.3, 11th straight inflow", "bond -1.8, first outflow in 5 weeks",
        "money market -31.0, first outflow in 8 weeks", "multi-asset +1.9, 2nd straight inflow"])
def test_flow_table(shipped, category, latest, streak, first_in, total):
    ws = shipped["Report"]
    row = [c.value for c in ws[_row_of(ws, category)]][:6]
    assert row[1] == dt.datetime(2025, 11, 12)
    assert row[2:5] == [pytest.approx(latest), streak, first_in]
    assert row[5] == pytest.approx(total)


def test_money_market_block(shipped):
    ws = shipped["Report"]
    fred = dict(_fred("MMMFFAQ027S.csv"))
    q4_2020, q4_2019 = fred[dt.datetime(2020, 10, 1)] / 1000, fred[dt.datetime(2019, 10, 1)] / 1000
    assert _right_of(ws, "MMF assets ($bn)") == pytest.approx(q4_2020, abs=0.05)
    assert _right_of(ws, "Observation used") == dt.datetime(2020, 12, 31)     # quarter END
    assert _right_of(ws, "Year-over-year growth") == pytest.approx(q4_2020 / q4_2019 - 1, abs=5e-5)
    assert _right_of(ws, "Verdict") == "not abnormally high (Q4 2020)"     # dated: stale data
    assert _right_of(ws, "Latest cycle: last hike") == dt.datetime(2023, 7, 27)
    assert _right_of(ws, "Latest cycle: first cut") == dt.datetime(2024, 9, 19)
    assert _right_of(ws, "Average months, last hike to peak") == 17
    assert _right_of(ws, "Projected peak of inflows") == dt.datetime(2024, 12, 27)


def test_previous_cycles_table(shipped):
    ws = shipped["Report"]
    top = _row_of(ws, "First hike")
    rows = [[c.value for c in ws[top + i]][:5] for i in range(1, 5)]
    fred = {d: v / 1000 for d, v in _fred("MMMFFAQ027S.csv")}

    def yoy(quarter_start, year_before):   # quarter-end levels, one year apart
        return fred[quarter_start] / fred[year_before] - 1

    expected = [
        (dt.datetime(1994, 2, 4), dt.datetime(1995, 2, 1), dt.datetime(1996, 3, 31), 13,
         yoy(dt.datetime(1996, 1, 1), dt.datetime(1995, 1, 1))),
        (dt.datetime(1999, 6, 30), dt.datetime(2000, 5, 16), dt.datetime(2001, 9, 30), 16,
         yoy(dt.datetime(2001, 7, 1), dt.datetime(2000, 7, 1))),
        (dt.datetime(2004, 6, 30), dt.datetime(2006, 6, 29), dt.datetime(2008, 3, 31), 21,
         yoy(dt.datetime(2008, 1, 1), dt.datetime(2007, 1, 1))),
        (dt.datetime(2015, 12, 16), dt.datetime(2018, 12, 20), dt.datetime(2020, 6, 30), 18,
         yoy(dt.datetime(2020, 4, 1), dt.datetime(2019, 4, 1))),
    ]
    for got, want in zip(rows, expected):
        assert got[:4] == list(want[:4])
        assert got[4] == pytest.approx(want[4], abs=5e-5)


# ================================================================= other workbooks, real report


def test_an_analysts_data_workbook_gets_a_report_and_stays_stable(tmp_path):
    """A workbook with only the three data sheets: refresh adds the Report (first, with its
    charts and settings names); refreshing the result again changes no byte."""
    from xlflows import cli

    src = openpyxl.load_workbook(WORKBOOK)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title in DATA_SHEETS:
        ws = wb.create_sheet(title)
        for row in src[title].iter_rows(max_col=6 if title == "Flows" else 2):
            ws.append([c.value for c in row])
            for c in row:
                ws.cell(row=c.row, column=c.column).number_format = c.number_format
    path = tmp_path / "mine.xlsx"
    wb.save(path)
    assert cli.main(["refresh", str(path)]) == 0
    first = path.read_bytes()
    out = openpyxl.load_workbook(path)
    assert out.sheetnames[0] == "Report" and len(out["Report"]._charts) >= 2
    assert {"XLFLOWS_WEEKS", "XLFLOWS_CYCLES", "XLFLOWS_AS_OF"} <= set(out.defined_names)
    text = [c.value for c in out["Report"]["A"] if isinstance(c.value, str)]
    assert any(t.startswith("Money market funds: −$31.0bn in the week to Nov 12, the first "
                            "outflow in 8 weeks, the 3rd largest weekly outflow this year; ")
               for t in text)
    assert cli.main(["refresh", str(path)]) == 0
    assert path.read_bytes() == first


def test_output_copy_of_the_shipped_workbook_keeps_macros_and_button(tmp_path):
    from oletools.olevba import VBA_Parser

    from xlflows import cli

    out = tmp_path / "copy.xlsm"
    assert cli.main(["refresh", str(WORKBOOK), "--output", str(out), "--weeks", "4"]) == 0
    with zipfile.ZipFile(out) as z, zipfile.ZipFile(WORKBOOK) as original:
        assert z.read("xl/vbaProject.bin") == original.read("xl/vbaProject.bin")
        vml = [z.read(n) for n in z.namelist() if n.endswith(".vml")]
        assert any(b"<x:FmlaMacro>[0]!SampleCall</x:FmlaMacro>" in v for v in vml)
        assert b"macroEnabled.main+xml" in z.read("[Content_Types].xml")
    parser = VBA_Parser(str(out))
    try:
        assert any("Sub SampleCall()" in code for _, _, _, code in parser.extract_macros())
    finally:
        parser.close()
    # the override is used and shown beside the settings cell, not written into it
    report = openpyxl.load_workbook(out)["Report"]
    assert _right_of(report, "Weeks") == 8
    assert _right_of(report, "Weeks", 2) == "used: 4, from the command line"
