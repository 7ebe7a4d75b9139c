"""The built-in Report layout, made once with openpyxl: placeholders, styles, settings, charts.

Used when the workbook is built (``workbook/build.py``) and when a workbook without a Report sheet
is refreshed. Refresh itself never touches what is laid here except through the plan's values.
"""

from __future__ import annotations

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

from xlflows.errors import WorkbookError
from xlflows.report.fields import field_named, placeholder
from xlflows.report.plan import (AS_OF_NAME, ASSET_QUARTERS, CYCLES_NAME, FMT_COUNT, FMT_DATE,
                                 FMT_GENERAL, RECENT_WEEKS, WEEKS_NAME, cell_ref, split_cell)

_TITLE = Font(name="Calibri", size=16, bold=True, color="1F3864")
_SECTION = Font(name="Calibri", size=12, bold=True, color="1F3864")
_HEADER = Font(name="Calibri", size=10, bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_BODY = Font(name="Calibri", size=10)
_SENTENCE = Font(name="Calibri", size=11)
_NOTE = Font(name="Calibri", size=9, italic=True, color="7F7F7F")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_LABEL = Font(name="Calibri", size=10, color="404040")
_RULE = Border(bottom=Side(style="thin", color="1F3864"))
_THIN = Border(bottom=Side(style="hair", color="BFBFBF"))

#: Where the chart data blocks sit (to the right of the charts) and the charts themselves.
CHART_DATA_COL = 20          # column T
CHART_COL = "J"


def _put(ws, ref: str, value: object = None, *, font=None, fill=None, fmt=None, align=None,
         border=None) -> None:
    """Set the given (not None) value and styles of ``ws[ref]``; the others stay as they are."""
    cell = ws[ref]
    for attribute, given in (("value", value), ("font", font), ("fill", fill),
                             ("number_format", fmt), ("alignment", align), ("border", border)):
        if given is not None:
            setattr(cell, attribute, given)


def _wide(ws, row: int, value: str, font, *, first: str = "A", last: str = "H",
          lines: int = 1) -> None:
    """``value`` in ``first``:``last`` of ``row``, merged and wrapped, ``lines`` lines high: text
    of any length stays inside the report's columns (never under the charts)."""
    _put(ws, f"{first}{row}", value, font=font,
         align=Alignment(wrap_text=True, vertical="top"))
    ws.merge_cells(f"{first}{row}:{last}{row}")
    if lines > 1:
        ws.row_dimensions[row].height = 15 * lines


def _section(ws, row: int, title: str, last_col: int = 8) -> None:
    _put(ws, f"A{row}", title, font=_SECTION)
    for c in range(1, last_col + 1):
        ws.cell(row=row, column=c).border = _RULE


def _define(wb, name: str, sheet: str, ref: str) -> None:
    r, c = split_cell(ref)
    target = f"'{sheet}'!${get_column_letter(c)}${r}"
    if name in wb.defined_names:
        del wb.defined_names[name]
    wb.defined_names[name] = DefinedName(name, attr_text=target)


def install_template(wb, ws, categories: list[str]) -> None:
    """Lay the built-in Report template on ``ws``: placeholders, styles, settings, charts.

    Parameters
    ----------
    wb : openpyxl.Workbook
        Receives the defined names of the settings cells (:data:`WEEKS_NAME`,
        :data:`CYCLES_NAME`, :data:`AS_OF_NAME`).
    ws : openpyxl.worksheet.worksheet.Worksheet
        The (empty) Report sheet. H1:J3 stays empty for the Refresh button.
    categories : list of str
        Flow categories (the headers after ``Week ending``), one table row and one headline
        each, in this order.

    Notes
    -----
    Made once: refresh writes values only. The charts read two fixed-size blocks
    (``{{ flows.recent }}``: the last 26 weeks; ``{{ mmf.chart }}``: 120 quarters of MMF assets
    with a second series equal to the level inside hiking cycles), so a refresh never has to
    touch a chart.
    """
    cats = [str(c).strip() for c in categories if c is not None and str(c).strip()]
    if not cats:
        raise WorkbookError("Flows!B1: no category headers after 'Week ending'; expected one "
                            "column per category")
    ws.sheet_view.showGridLines = False
    widths = {"A": 30, "B": 13, "C": 13, "D": 12, "E": 12, "F": 13, "G": 22, "H": 22, "I": 3}
    for col, width in widths.items():
        ws.column_dimensions[col].width = width

    _put(ws, "A1", "Fund flows and money-market cash", font=_TITLE)
    ws.row_dimensions[1].height = 24
    _put(ws, "A2", f"Weekly flows to {placeholder('as_of')}",
         font=Font(name="Calibri", size=11, bold=True))
    _wide(ws, 3, placeholder("sources"), _NOTE, lines=2)

    # Settings: the yellow input cells, and beside each what this refresh used (a command-line
    # override is not written into the cell, so the page must show it), never under a chart.
    _section(ws, 5, "Settings (change the yellow cells, then press Refresh)")
    settings = [(6, "Look-back (weeks)", 8, WEEKS_NAME, FMT_COUNT, "settings.weeks_used"),
                (7, "Previous cycles", 4, CYCLES_NAME, FMT_COUNT, "settings.cycles_used"),
                (8, "As of (blank = latest week)", None, AS_OF_NAME, FMT_DATE,
                 "settings.as_of_used")]
    for row, label, default, name, fmt, used in settings:
        _put(ws, f"A{row}", label, font=_LABEL)
        _put(ws, f"B{row}", default, font=_BODY, fill=_INPUT_FILL, fmt=fmt,
             align=Alignment(horizontal="right"))
        _define(wb, name, ws.title, f"B{row}")
        _wide(ws, row, placeholder(used), _NOTE, first="C")

    # Headlines (each wraps inside A:H, so a long sentence never runs under the charts)
    row = 10
    _section(ws, row, "Headlines")
    for cat in cats:
        row += 1
        _wide(ws, row, placeholder("sentence", cat), _SENTENCE, lines=2)
    row += 1
    _wide(ws, row, placeholder("mmf.sentence"), _SENTENCE, lines=2)
    row += 1
    _wide(ws, row, "Money-market cycles: " + placeholder("cycles.projection_sentence"),
          _SENTENCE, lines=3)

    # Per-category table
    row += 2
    _section(ws, row, "Flows by category ($bn)" + placeholder("flows.label"))
    row += 1
    weeks = placeholder("weeks")
    heads = ["Category", "Week to", "Latest week", "Streak (weeks)", "First in (weeks)",
             f"{weeks}-week total", f"{weeks}-week total: biggest … since",
             "Latest week: biggest … since"]
    for c, text in enumerate(heads, start=1):
        _put(ws, cell_ref(row, c), text, font=_HEADER, fill=_HEADER_FILL,
             align=Alignment(horizontal="left" if c == 1 else "right", wrap_text=True))
    ws.row_dimensions[row].height = 28
    names = ["name", "week", "latest", "streak", "first_in", "total", "largest_since_text",
             "largest_since_1w_text"]
    for cat in cats:
        row += 1
        for c, name in enumerate(names, start=1):
            _put(ws, cell_ref(row, c), placeholder(name, cat), font=_BODY,
                 fmt=field_named("x." + name).number_format, border=_THIN,
                 align=Alignment(horizontal="left" if c == 1 else "right"))
    row += 1
    _put(ws, f"A{row}", "Streak: +k = k straight weeks of inflows, \u2212k of outflows. First in: "
         "weeks back to the previous week in the same direction.", font=_NOTE)

    # Money-market cash and hiking cycles
    row += 2
    _section(ws, row, "Money-market cash and Fed hiking cycles")
    pairs = [("MMF assets ($bn)", "mmf.level"), ("Observation used", "mmf.date"),
             ("Year-over-year growth", "mmf.yoy"),
             ("Average peak YoY, previous cycles", "cycles.average_peak_yoy"),
             ("Verdict", "mmf.verdict"), ("Current cycle: last hike", "cycles.last_hike"),
             ("Average months, last hike to peak", "cycles.average_months"),
             ("Projected peak of inflows", "cycles.projected_peak")]
    pairs = [(label, placeholder(name), field_named(name).number_format) for label, name in pairs]
    for label, text, fmt in pairs:
        row += 1
        _put(ws, f"A{row}", label, font=_LABEL, border=_THIN)
        # text results (the verdict) read left to right into the empty cells beside them
        _put(ws, f"B{row}", text, font=Font(name="Calibri", size=10, bold=True), fmt=fmt,
             border=_THIN,
             align=Alignment(horizontal="left" if fmt == FMT_GENERAL else "right"))
    row += 2
    _put(ws, f"A{row}", "Previous hiking cycles (peak of MMF asset growth after each)",
         font=Font(name="Calibri", size=10, bold=True))
    row += 1
    _put(ws, f"A{row}", placeholder("cycles.table"), font=_BODY)
    # the table spills A:E over (cycles + 2) rows; style a generous band of it once
    for r in range(row, row + 14):
        for c in range(1, 6):
            ws.cell(row=r, column=c).font = _BODY
    for c in range(1, 6):
        _put(ws, cell_ref(row, c), font=_HEADER, fill=_HEADER_FILL,
             align=Alignment(horizontal="right", wrap_text=True))
    ws.row_dimensions[row].height = 28

    _chart_blocks(ws, cats)
    # Print (and PDF) the report and its charts, not the chart data blocks to their right.
    last_row = max(row + 14, 40)
    ws.print_area = f"A1:{get_column_letter(CHART_DATA_COL - 1)}{last_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _chart_blocks(ws, cats: list[str]) -> None:
    """The two fixed-size data blocks on the Report and the native charts that read them."""
    col = CHART_DATA_COL
    _put(ws, cell_ref(1, col), "Chart data (rewritten by Refresh; the charts read these cells)",
         font=_NOTE)
    # Weekly flows: header + RECENT_WEEKS rows, Week ending + one column per category.
    _put(ws, cell_ref(2, col), placeholder("flows.recent"), font=_BODY)
    ws.column_dimensions[get_column_letter(col)].width = 12
    for j, cat in enumerate(cats, start=1):
        ws.column_dimensions[get_column_letter(col + j)].width = max(11, len(cat) + 2)
    # MMF assets, under the weekly block (which may grow to the right when a category is
    # added): header + ASSET_QUARTERS rows of Date, Assets, Hiking cycle, Year label.
    arow = 2 + RECENT_WEEKS + 3
    _put(ws, cell_ref(arow, col), placeholder("mmf.chart"), font=_BODY)

    flows = BarChart()
    flows.type = "col"
    flows.grouping = "clustered"
    flows.title = f"Weekly net flows, last {RECENT_WEEKS} weeks ($bn)"
    data = Reference(ws, min_col=col + 1, max_col=col + len(cats), min_row=2,
                     max_row=2 + RECENT_WEEKS)
    flows.add_data(data, titles_from_data=True)
    flows.set_categories(Reference(ws, min_col=col, min_row=3, max_row=2 + RECENT_WEEKS))
    flows.gapWidth = 60
    flows.x_axis.number_format = "d mmm"
    flows.x_axis.tickLblSkip = 4
    flows.x_axis.tickLblPos = "low"   # labels under the plot, not across the bars at zero
    flows.y_axis.number_format = '0;"\u2212"0'
    flows.y_axis.majorGridlines = None
    flows.x_axis.delete = False
    flows.y_axis.delete = False
    flows.legend.position = "b"
    flows.width, flows.height = 17.0, 7.5
    ws.add_chart(flows, f"{CHART_COL}5")

    shade = BarChart()
    shade.type = "col"
    shade.gapWidth = 0
    last = arow + ASSET_QUARTERS
    shade.add_data(Reference(ws, min_col=col + 2, min_row=arow, max_row=last),
                   titles_from_data=True)
    # The categories are the block's year labels (one every YEAR_LABEL_EVERY years, blank
    # between), so every spreadsheet shows the same few, evenly spaced years.
    shade.set_categories(Reference(ws, min_col=col + 3, min_row=arow + 1, max_row=last))
    band = shade.series[0]
    band.graphicalProperties.solidFill = "D9D9D9"
    band.graphicalProperties.line.noFill = True
    line = LineChart()
    line.add_data(Reference(ws, min_col=col + 1, min_row=arow, max_row=last),
                  titles_from_data=True)
    assets = line.series[0]
    assets.graphicalProperties.line.solidFill = "1F3864"
    assets.graphicalProperties.line.width = 22000
    assets.smooth = False
    shade.title = "MMF assets ($bn), Fed hiking cycles shaded"
    shade.x_axis.tickLblSkip = 1
    shade.x_axis.tickMarkSkip = 4
    shade.x_axis.noMultiLvlLbl = True
    shade.y_axis.number_format = "#,##0"
    shade.y_axis.majorGridlines = None
    shade.x_axis.delete = False
    shade.y_axis.delete = False
    shade.legend.position = "b"
    shade += line
    shade.width, shade.height = 17.0, 7.5
    ws.add_chart(shade, f"{CHART_COL}22")
