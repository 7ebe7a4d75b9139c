"""Build ``workbook/xlflows.xlsm`` from source: ``python workbook/build.py``.

1. XlsxWriter writes a macro-enabled workbook around the ``xl/vbaProject.bin`` of xlwings' own
   ``quickstart_standalone.xlsm`` (its ``xlwings`` VBA module and ``Module1.SampleCall``, which runs
   ``import xlflows; xlflows.main()`` because the file is named ``xlflows.xlsm``), with sheets

   * ``Report``      — empty but for the Refresh button (a Form Control over H1:J3 bound to
     ``SampleCall``);
   * ``Dashboard``   — each of the ten functions as a live formula on the data sheets (table
     results as dynamic-array formulas that spill), and the Sources block;
   * ``Flows``       — ``workbook/sample_flows.csv``: SAMPLE weekly flows, not real data (said
     in a note to the right of the data, row 2);
   * ``Policy rate`` — FRED DFEDTAR (to 2008-12-15) then DFEDTARU (from 2008-12-16), percent;
   * ``MMF assets``  — FRED MMMFFAQ027S / 1000 in $bn, each row dated at its quarter's end;
   * ``Retail MMF``  — FRED WRMFNS in $bn, weekly (each level sheet states its source and end date
     in column D);
   * ``xlwings.conf`` — xlwings settings (key in A, value in B, notes in C, from A1).

   The data sheets' names, headers and number formats are those of :mod:`xlflows.datasheets`.

2. The Report template (laid with openpyxl in memory by :mod:`xlflows.report.layout`) is grafted
   by the file engine onto the draft's Report sheet, keeping its Refresh button and VBA code
   name; no part XlsxWriter wrote goes through an openpyxl round trip.

3. The file is refreshed once by the file engine, exactly as ``xlflows refresh`` does (only the
   Report, the template store and the styles they need are written), so the committed workbook is
   byte for byte this script's output and a later ``xlflows refresh`` of it changes nothing.

The FRED files are read from ``data/`` in the repository (``data/SOURCES.md``).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import sys
import tempfile
import zipfile
from pathlib import Path

import xlsxwriter
import xlsxwriter.utility
import xlwings

from xlflows.datasheets import DATE_FORMAT, FLOWS, MMF_ASSETS, POLICY_RATE, RETAIL_MMF, DataSheet

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT / "data"
SAMPLE_FLOWS = HERE / "sample_flows.csv"
OUTPUT = HERE / "xlflows.xlsm"
#: The workbook's creation date (any fixed date: the build must not depend on the clock).
CREATED = dt.datetime(2025, 11, 12)
#: The macro the Refresh button runs (xlwings' quickstart VBA).
BUTTON_MACRO = "SampleCall"

UDF_NOTE = ("Live formulas: they need the xlflows functions imported in Excel (xlwings ribbon → "
            "Import Functions; Windows only). Excel shows them in lower case (=flow_streak(…)); "
            "tables spill in Excel 365/2021. Until imported, and in LibreOffice, they show #NAME?. "
            "The Report sheet holds values only.")


def main(argv: list[str] | None = None) -> int:
    """Build the workbook (``--output`` elsewhere, for the tests); returns the exit status."""
    import argparse

    parser = argparse.ArgumentParser(description="Build workbook/xlflows.xlsm from source.")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="default: %(default)s")
    output = parser.parse_args(argv).output
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    from xlflows.errors import XlflowsError
    from xlflows.report.xlsx import refresh_file

    with tempfile.TemporaryDirectory() as folder:
        draft = Path(folder) / "draft.xlsm"
        laid = Path(folder) / "xlflows.xlsm"
        write_draft(draft)
        lay_report(draft, laid)
        try:
            result = refresh_file(laid, output=output)
        except XlflowsError as exc:
            print(f"build: {exc}", file=sys.stderr)
            return 2
    print(f"wrote {output}")
    for line in result.summary:
        print(f"  {line}")
    # the Lite workbook is made from this .xlsm by workbook/build_lite.py
    if output.resolve() == OUTPUT:
        return __import__("runpy").run_path(str(HERE / "build_lite.py"))["main"]([])
    return 0


def lay_report(draft: Path, output: Path) -> None:
    """Lay the built-in Report on the draft's Report sheet: the template (made with openpyxl in
    memory) is grafted by the file engine onto that sheet, keeping its Refresh button and VBA
    code name; every other part of the draft stays as XlsxWriter wrote it."""
    from xlflows.ooxml import Transaction, open_book
    from xlflows.ooxml.graft import graft_sheet
    from xlflows.report.graft import categories, fresh_template, has_retail
    from xlflows.report.layout import install_template
    from xlflows.report.plan import REPORT_SHEET

    book = open_book(draft)
    try:
        graft_sheet(book, fresh_template(categories(book), install_template, has_retail(book)),
                    REPORT_SHEET, replace=book.entry(REPORT_SHEET), keep_legacy=True)
        with Transaction(draft, output) as transaction:
            book.package.save(transaction, before_replace=book.close)
    finally:
        book.close()


# ------------------------------------------------------------------------------- data


def read_flows() -> tuple[list[str], list[tuple[dt.datetime, list[float | None]]]]:
    """``sample_flows.csv`` -> (categories, rows of (week ending, values)); blanks as None."""
    with SAMPLE_FLOWS.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = []
        for line in reader:
            values = [float(v) if v.strip() else None for v in line[1:]]
            rows.append((dt.datetime.fromisoformat(line[0]), values))
    return header[1:], rows


def read_fred(name: str) -> list[tuple[dt.datetime, float]]:
    """A FRED csv (``date,value``) -> rows of (datetime, float)."""
    with (DATA / name).open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        return [(dt.datetime.fromisoformat(d), float(v)) for d, v in reader]


def quarter_end(day: dt.datetime) -> dt.datetime:
    """The last day of the quarter starting on ``day`` (FRED dates quarters at their start)."""
    month = day.month + 2
    return dt.datetime(day.year, month, calendar.monthrange(day.year, month)[1])


def vba_project() -> bytes:
    """``xl/vbaProject.bin`` of the installed xlwings' ``quickstart_standalone.xlsm``."""
    source = Path(xlwings.__file__).resolve().parent / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(source) as package:
        return package.read("xl/vbaProject.bin")


# ------------------------------------------------------------------------------- draft


def write_draft(path: Path) -> None:
    """Write the XlsxWriter draft (every sheet but the Report template and its values)."""
    categories, flows = read_flows()
    rates = read_fred("DFEDTAR.csv") + read_fred("DFEDTARU.csv")
    assets = [(quarter_end(d), v / MMF_ASSETS.divisor) for d, v in read_fred("MMMFFAQ027S.csv")]
    retail = read_fred("WRMFNS.csv")

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    wb.set_properties({
        "title": "xlflows: fund flows and money-market cash",
        "comments": ("Built by workbook/build.py; refresh with the Report's button or "
                     "`xlflows refresh`."),
        "created": CREATED,
    })
    wb.set_vba_name("ThisWorkbook")
    wb.add_vba_project(io.BytesIO(vba_project()), is_stream=True)
    fmt = {
        "date": wb.add_format({"num_format": DATE_FORMAT}),
        "bold": wb.add_format({"bold": True}),
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "note": wb.add_format({"italic": True, "font_color": "#9C0006", "text_wrap": True,
                               "valign": "top"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "alarm": wb.add_format({"bold": True, "font_size": 14, "font_color": "#9C0006"}),
        "flow": wb.add_format({"num_format": FLOWS.value_format}),
        "rate": wb.add_format({"num_format": POLICY_RATE.value_format}),
        "bn": wb.add_format({"num_format": MMF_ASSETS.value_format}),
        "pct": wb.add_format({"num_format": "0.0%"}),
        "num": wb.add_format({"num_format": "0.00"}),
    }

    report = wb.add_worksheet("Report")
    report.set_vba_name("Sheet1")
    report.insert_button(0, 7, {"macro": BUTTON_MACRO, "caption": "Refresh report",
                                "width": 192, "height": 60})
    report.activate()

    dashboard = wb.add_worksheet("Dashboard")
    dashboard.set_vba_name("Sheet2")
    flows_ws = wb.add_worksheet(FLOWS.name)
    flows_ws.set_vba_name("Sheet3")
    level_sheets = {}
    for sheet, code_name in ((POLICY_RATE, "Sheet4"), (MMF_ASSETS, "Sheet5"),
                             (RETAIL_MMF, "Sheet7")):      # Sheet6 was xlwings.conf before it
        level_sheets[sheet.name] = wb.add_worksheet(sheet.name)
        level_sheets[sheet.name].set_vba_name(code_name)
    conf_ws = wb.add_worksheet("xlwings.conf")
    conf_ws.set_vba_name("Sheet6")

    write_flows(flows_ws, categories, flows, fmt)
    source_rows = dict(sources(flows, rates, assets, retail))
    for sheet, rows, number_format in ((POLICY_RATE, rates, fmt["rate"]),
                                       (MMF_ASSETS, assets, fmt["bn"]),
                                       (RETAIL_MMF, retail, fmt["bn"])):
        write_levels(level_sheets[sheet.name], sheet, rows, fmt["date"], number_format,
                     ["Source", source_rows[sheet.name], source_rows["Citation"]], fmt)
    write_dashboard(dashboard, categories, len(flows), len(rates), len(assets), fmt,
                    sources(flows, rates, assets, retail))
    write_conf(conf_ws, fmt)
    wb.close()


def write_flows(ws, categories: list[str], rows, fmt) -> None:
    """``Week ending`` + one column per category; a note to the right says it is sample data."""
    ws.write_row(0, 0, [FLOWS.date_header, *categories], fmt["bold"])
    for r, (week, values) in enumerate(rows, start=1):
        ws.write_datetime(r, 0, week, fmt["date"])
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.write_number(r, c, value, fmt["flow"])
    ws.set_column(0, 0, 12)
    ws.set_column(1, len(categories), 13)
    ws.freeze_panes(1, 1)
    # Row 1 is the header (every non-empty header after A is a category), so the label sits in
    # row 2, after a blank column: data.py reads only columns with a header.
    note = len(categories) + 2
    ws.write(1, note, "SAMPLE DATA", fmt["alarm"])
    ws.write(2, note, "Invented weekly net flows in $bn (positive = inflow), not real fund flows; "
             "made by workbook/make_sample_flows.py. Replace them with your own data in the same "
             "layout (Week ending, one column per category) and refresh.", fmt["note"])
    ws.set_column(note, note, 60)
    ws.set_row(2, 60)


#: Characters of a source note that fit on one line of a 70-wide column.
NOTE_CHARS_PER_LINE = 80


def write_levels(ws, sheet: DataSheet, rows, date_format, number_format, notes: list[str],
                 fmt) -> None:
    """The sheet's two headers (``Date``, ``Rate``) and rows; the source notes in column D
    (data.py and the update read A:B only)."""
    ws.write_row(0, 0, list(sheet.headers))
    for r, (day, value) in enumerate(rows, start=1):
        ws.write_datetime(r, 0, day, date_format)
        ws.write_number(r, 1, value, number_format)
    for r, text in enumerate(notes):
        ws.write(r, 3, text, fmt["bold"] if r == 0 else fmt["wrap"])
        lines = -(-len(text) // NOTE_CHARS_PER_LINE)        # rows do not grow by themselves
        if lines > 1:
            ws.set_row(r, 15 * lines)
    ws.set_column(0, 1, 12)
    ws.set_column(3, 3, 70)
    ws.freeze_panes(1, 0)


def sources(flows, rates, assets, retail) -> list[tuple[str, str]]:
    """The Sources block: sheet -> what it holds, where from and its last date."""
    last = {"flows": flows[-1][0], "rate": rates[-1][0], "assets": assets[-1][0],
            "retail": retail[-1][0]}
    return [
        ("Flows", (f"SAMPLE DATA, not real fund flows: invented weekly net flows in $bn "
                  f"(positive = inflow), {flows[0][0]:%Y-%m-%d} to {last['flows']:%Y-%m-%d}.")),
        ("Policy rate", ("Federal funds target rate, percent, daily: FRED DFEDTAR to 2008-12-15, "
                        "then DFEDTARU (upper limit of the target range) from 2008-12-16; "
                        f"ends {last['rate']:%Y-%m-%d}.")),
        ("MMF assets", ("Money market funds' total financial assets, $bn = FRED MMMFFAQ027S "
                       "(millions) / 1000, quarterly. Each row is dated at its quarter's END (FRED "
                       "dates the quarter-end level at the quarter's first day); "
                       f"ends {last['assets']:%Y-%m-%d} (Q4 2020).")),
        ("Retail MMF", ("Retail money market funds' assets, $bn = FRED WRMFNS (the Fed's H.6), "
                       "weekly, not seasonally adjusted, dated at each week's end (a Monday); "
                       f"{retail[0][0]:%Y-%m-%d} to {last['retail']:%Y-%m-%d} (data/SOURCES.md "
                       "says where this copy comes from).")),
        ("Citation", ("Board of Governors of the Federal Reserve System (US), retrieved from FRED, "
                     "Federal Reserve Bank of St. Louis.")),
    ]


#: The Dashboard's spills: HIKE_CYCLES anchored at H5 (First hike in H, Last hike in I) and
#: CYCLE_INFLOWS at O5 (First hike O, Months after last hike R, Peak YoY growth S); data rows
#: from row 6, read down to row SPILL_LAST.
SPILL_LAST = 300
CYCLES_FOUND = "$B$12"        # COUNT of HIKE_CYCLES rows
INFLOW_ROWS = "$B$13"         # COUNT of CYCLE_INFLOWS rows
PREVIOUS_LAST = "$B$14"       # last CYCLE_INFLOWS row of a previous cycle (not the current one)
PREVIOUS_FIRST = "$B$15"      # first of the previous K
CURRENT_LAST_HIKE = f"INDEX($I$6:$I${SPILL_LAST},{CYCLES_FOUND})"
PREVIOUS_MONTHS = (f"INDEX($R$6:$R${SPILL_LAST},{PREVIOUS_FIRST}):"
                   f"INDEX($R$6:$R${SPILL_LAST},{PREVIOUS_LAST})")
PREVIOUS_PEAKS = (f"INDEX($S$6:$S${SPILL_LAST},{PREVIOUS_FIRST}):"
                  f"INDEX($S$6:$S${SPILL_LAST},{PREVIOUS_LAST})")


def dashboard_helpers(k: int) -> list[tuple[str, str, str]]:
    """(label, formula, note) of the helper cells B12:B15: which spill rows the Dashboard's
    PEAK_PROJECTION and ABNORMALITY read. The current cycle is HIKE_CYCLES' last row; the previous
    K cycles are CYCLE_INFLOWS' last K rows, leaving out its last row when that is the current
    cycle (closed and with asset data), as the Report does."""
    last_inflow = f"INDEX($O$6:$O${SPILL_LAST},{INFLOW_ROWS})"
    current_first = f"INDEX($H$6:$H${SPILL_LAST},{CYCLES_FOUND})"
    return [
        ("Cycles found", f"=COUNT($H$6:$H${SPILL_LAST})", "rows of HIKE_CYCLES (H6 down)"),
        ("Cycles with asset data", f"=COUNT($O$6:$O${SPILL_LAST})",
         "rows of CYCLE_INFLOWS (O6 down)"),
        ("Last previous cycle", (f"={INFLOW_ROWS}-IF({INFLOW_ROWS}=0,0,"
                                f"IF({last_inflow}={current_first},1,0))"),
         "CYCLE_INFLOWS row of the last cycle before the current one"),
        (f"First of the previous {k}", f"=MAX(1,{PREVIOUS_LAST}-{k - 1})",
         f"CYCLE_INFLOWS row where the previous {k} cycles start"),
    ]


#: Last row of the Dashboard's ranges on each data sheet (room to append data).
LAST_ROW = {"flows": 5000, "rates": 30000, "assets": 1000}


def write_dashboard(ws, categories, n_flows: int, n_rates: int, n_assets: int, fmt,
                    source_rows) -> None:
    """Every xlflows function as a live formula on the data sheets, plus the Sources block."""
    from xlflows.core.constants import DEFAULT_REPORT_CYCLES

    # Ranges run past the data so that rows an analyst appends are picked up: trailing blank
    # rows are ignored by every function (SPEC §1).
    f_last = max(n_flows + 1, LAST_ROW["flows"])
    week = f"Flows!$A$2:$A${f_last}"
    first_cat = categories[0]
    second = ("Money market" if "Money market" in categories
              else categories[min(1, len(categories) - 1)])
    col_first = xlsxwriter.utility.xl_col_to_name(1)
    col_second = xlsxwriter.utility.xl_col_to_name(1 + categories.index(second))
    flow_a = f"Flows!${col_first}$2:${col_first}${f_last}"
    flow_b = f"Flows!${col_second}$2:${col_second}${f_last}"
    r_last = max(n_rates + 1, LAST_ROW["rates"])
    rate_d, rate_v = f"'Policy rate'!$A$2:$A${r_last}", f"'Policy rate'!$B$2:$B${r_last}"
    a_last = max(n_assets + 1, LAST_ROW["assets"])
    mmf_d, mmf_v = f"'MMF assets'!$A$2:$A${a_last}", f"'MMF assets'!$B$2:$B${a_last}"

    k = DEFAULT_REPORT_CYCLES
    ws.write(0, 0, "Dashboard: the ten xlflows functions, live on the data sheets", fmt["title"])
    ws.merge_range(1, 0, 2, 2, UDF_NOTE, fmt["note"])
    ws.set_row(1, 30)
    ws.set_row(2, 30)
    ws.write_row(3, 0, ["Function", "Result", "What it says"], fmt["bold"])

    scalars = [
        ("FLOW_STREAK", f"=flow_streak({flow_a})", None,
         f"{first_cat}: +k = the latest k weeks all inflows, −k all outflows"),
        ("FLOW_FIRST_IN", f"=flow_first_in({flow_b})", None,
         f"{second}: rows back to the previous week in the latest week's direction"),
        ("FLOW_LARGEST_SINCE", f"=flow_largest_since({week},{flow_a},8)", fmt["date"],
         f"{first_cat}: the latest 8-week total is the largest since this window end"),
        ("ASSET_GROWTH", f"=asset_growth({mmf_d},{mmf_v},EDATE(MAX({mmf_d}),-12))", fmt["pct"],
         "MMF assets, growth over the latest year of data"),
        ("PEAK_PROJECTION", f"=peak_projection({CURRENT_LAST_HIKE},{PREVIOUS_MONTHS})",
         fmt["date"],
         f"last hike of the latest cycle + the average months to the peak of the previous {k}"),
    ]
    for i, (name, formula, cell_format, note) in enumerate(scalars):
        row = 4 + i
        ws.write(row, 0, name)
        ws.write_formula(row, 1, formula, cell_format, "")
        ws.write(row, 2, note, fmt["wrap"])
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 2, 80)          # one line per note: wrapped rows would not grow

    tables = [
        # (first column index, header, formula, column formats)
        # current = the ASSET_GROWTH result in B8, history = the last k peak YoY of CYCLE_INFLOWS
        (4, "ABNORMALITY: current YoY vs the previous cycles' peak YoY",
         f"=abnormality($B$8,{PREVIOUS_PEAKS})", [None, fmt["num"]]),
        (7, "HIKE_CYCLES", f"=hike_cycles({rate_d},{rate_v})",
         [fmt["date"], fmt["date"], None, fmt["num"], fmt["rate"], fmt["date"]]),
        (14, "CYCLE_INFLOWS", f"=cycle_inflows({rate_d},{rate_v},{mmf_d},{mmf_v})",
         [fmt["date"], fmt["date"], fmt["date"], None, fmt["pct"]]),
        (20, f"FLOW_STREAKS ({first_cat})", f"=flow_streaks({week},{flow_a})",
         [fmt["date"], fmt["date"], None, None, fmt["flow"]]),
        (26, f"FLOW_ROLLING ({first_cat}, 8 weeks)", f"=flow_rolling({flow_a},8)", [fmt["flow"]]),
    ]
    for col, header, formula, formats in tables:
        ws.write(3, col, header, fmt["bold"])
        for offset, cell_format in enumerate(formats):
            ws.set_column(col + offset, col + offset, 12, cell_format)
        ws.write_dynamic_array_formula(4, col, 4, col, formula, None, "")
    ws.set_column(4, 4, 16)

    # Which rows of the spills the scalars above read: counted from the spills themselves, so
    # they follow the data whatever the number of cycles (COUNT ignores blanks, text and the
    # #N/A that pads a legacy Ctrl+Shift+Enter array, so it works with and without spills).
    ws.write(10, 0, "Rows of the cycle tables read above", fmt["bold"])
    for i, (label, formula, note) in enumerate(dashboard_helpers(k)):
        ws.write(11 + i, 0, label)
        ws.write_formula(11 + i, 1, formula, None, "")
        ws.write(11 + i, 2, note, fmt["wrap"])

    top = 16
    ws.write(top, 0, "Sources", fmt["bold"])
    for i, (sheet, text) in enumerate(source_rows, start=1):
        ws.write(top + i, 0, sheet)
        ws.merge_range(top + i, 1, top + i, 2, text, fmt["wrap"])
        ws.set_row(top + i, 45)


def write_conf(ws, fmt) -> None:
    """xlwings settings: key in A, value in B from A1, no header, no blank rows; notes in C."""
    rows = [
        ("Interpreter_Win", "python",
         ("Windows: the Python that runs xlflows; for a venv give its full path, e.g. "
         r"C:\Users\you\xlflows-env\Scripts\python.exe")),
        ("UDF Modules", "xlflows.udfs", "Python module whose functions Import Functions adds"),
        ("Debug UDFs", False, "TRUE only to debug the functions from a Python console"),
        ("Use UDF Server", False, ("Only the Refresh button (RunPython): TRUE runs it in the "
         "Python that serves the functions, FALSE starts a new Python for each click")),
        ("Show Console", False, "TRUE shows a console window with Python's output"),
    ]
    for r, (key, value, note) in enumerate(rows):
        ws.write_string(r, 0, key)
        if isinstance(value, bool):
            ws.write_boolean(r, 1, value)
        else:
            ws.write_string(r, 1, value)
        ws.write_string(r, 2, note, fmt["wrap"])
    ws.set_column(0, 1, 16)
    ws.set_column(2, 2, 70)


if __name__ == "__main__":
    sys.exit(main())
