"""The built-in Report layout, made once with openpyxl: placeholders, styles, settings, charts.

Used when the workbook is built (``workbook/build.py``) and when a workbook without a Report sheet
is refreshed. Refresh itself never touches what is laid here except through the plan's values.
"""

from __future__ import annotations

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import (
    CharacterProperties,
    Font as Font_,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
)
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

from xlflows.errors import WorkbookError
from xlflows.report.fields import RETAIL_NAME, field_named, placeholder
from xlflows.report.plan import (
    AS_OF_NAME,
    ASSET_QUARTERS,
    CYCLES_NAME,
    FMT_COUNT,
    FMT_DATE,
    FMT_GENERAL,
    RECENT_WEEKS,
    WEEKS_NAME,
    cell_ref,
    split_cell,
)

_TITLE = Font(name="Calibri", size=14, bold=True, color="1F3864")
_SECTION = Font(name="Calibri", size=10, bold=True, color="1F3864")
_HEADER = Font(name="Calibri", size=10, bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_BODY = Font(name="Calibri", size=10)
_BOLD = Font(name="Calibri", size=10, bold=True)
_SENTENCE = Font(name="Calibri", size=10)
_NOTE = Font(name="Calibri", size=10, italic=True, color="595959")
_SUBHEAD = Font(name="Calibri", size=10, bold=True, italic=True, color="1F3864")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_LABEL = Font(name="Calibri", size=10, color="404040")
_RULE = Border(bottom=Side(style="thin", color="1F3864"))
_THIN = Border(bottom=Side(style="hair", color="BFBFBF"))
_TOP = Alignment(wrap_text=True, vertical="top")

#: Where the chart data blocks sit (right of the print area) and the right-hand column of the
#: page (settings, the two charts, the money-market key figures).
CHART_DATA_COL = 20          # column T
CHART_COL = "J"
#: Every row of the page is this high (points) but the title and the wrapped table headers: a
#: sentence spans as many rows as it needs lines, so the two columns of the page share one grid.
#: One line of 10-point Calibri, as Excel sizes a row for it (the old 13.5 left no room for the
#: retail money funds' rows on one printed page).
ROW_PT = 12.75
TITLE_PT = 21.0
HEADER_PT = 2 * ROW_PT
#: Rows (lines of 10-point text) of each category's paragraph, the MMF sentence, the projection
#: and the sources line.
PARAGRAPH_ROWS = 4
RETAIL_ROWS = 3
MMF_ROWS = 2
PROJECTION_ROWS = 3
SOURCES_ROWS = 4
#: Column widths (characters): the report's text and tables in A:H, a gap in I, the right-hand
#: column in J:N. The print area is A:N.
WIDTHS = {"A": 18, "B": 10, "C": 10, "D": 11, "E": 11, "F": 10, "G": 19, "H": 19, "I": 2,
          "J": 8, "K": 9, "L": 10, "M": 13, "N": 13}
LAST_COL = "N"
#: Page margins in inches (narrow, no header or footer): with the widths above, four categories
#: and the retail row, the page prints at about 82% on Letter and on A4 landscape: its 10-point
#: text prints at 8.2 points.
MARGIN_IN = 0.3


def _put(ws, ref: str, value: object = None, *, font=None, fill=None, fmt=None, align=None,
         border=None) -> None:
    """Set the given (not None) value and styles of ``ws[ref]``; the others stay as they are."""
    cell = ws[ref]
    for attribute, given in (("value", value), ("font", font), ("fill", fill),
                             ("number_format", fmt), ("alignment", align), ("border", border)):
        if given is not None:
            setattr(cell, attribute, given)


def _wide(ws, row: int, value: str, font, *, first: str = "A", last: str = "H",
          lines: int = 1) -> int:
    """``value`` in ``first``:``last`` over ``lines`` rows, merged and wrapped: text of any length
    stays inside its block (never under the charts). Returns the next free row."""
    _put(ws, f"{first}{row}", value, font=font, align=_TOP)
    ws.merge_cells(f"{first}{row}:{last}{row + lines - 1}")
    return row + lines


def _section(ws, row: int, title: str, first: int = 1, last: int = 8) -> None:
    _put(ws, f"{get_column_letter(first)}{row}", title, font=_SECTION)
    for c in range(first, last + 1):
        ws.cell(row=row, column=c).border = _RULE


def _define(wb, name: str, sheet: str, ref: str) -> None:
    r, c = split_cell(ref)
    target = f"'{sheet}'!${get_column_letter(c)}${r}"
    if name in wb.defined_names:
        del wb.defined_names[name]
    wb.defined_names[name] = DefinedName(name, attr_text=target)


def _heights(ws, rows: int, tall: dict[int, float]) -> float:
    """Give rows 1..``rows`` their heights (``tall`` overrides :data:`ROW_PT`); returns the total
    in points."""
    total = 0.0
    for r in range(1, rows + 1):
        ws.row_dimensions[r].height = tall.get(r, ROW_PT)
        total += tall.get(r, ROW_PT)
    return total


def _rows_pt(tall: dict[int, float], first: int, last: int) -> float:
    """Height in points of rows ``first``..``last``."""
    return sum(tall.get(r, ROW_PT) for r in range(first, last + 1))


def install_template(wb, ws, categories: list[str], retail: bool = False) -> None:
    """Lay the built-in Report template on ``ws``: placeholders, styles, settings, charts.

    Parameters
    ----------
    wb : openpyxl.Workbook
        Receives the defined names of the settings cells (:data:`WEEKS_NAME`,
        :data:`CYCLES_NAME`, :data:`AS_OF_NAME`).
    ws : openpyxl.worksheet.worksheet.Worksheet
        The (empty) Report sheet. H1:J3 stays empty for the Refresh button.
    categories : list of str
        Flow categories (the headers after ``Week ending``), one paragraph and one table row
        each, in this order.
    retail : bool
        Lay out the retail money funds' weekly change in assets (the workbook has a
        ``Retail MMF`` sheet) after the categories: a paragraph, and a table row under a label
        saying that they are real data derived from asset levels. Not in the weekly-flows chart:
        five series of 26 weeks would not read at print size, and real data would stand among
        sample bars.

    Notes
    -----
    One landscape page (A4 or Letter) in two columns on one grid of rows: on the left the
    headlines (a paragraph per category and the retail money funds', then money-market cash and
    the cycles), the flows table, the previous cycles and the sources; on the right the
    settings, the two charts (grown to end with the left-hand column) and the money-market key
    figures. Every text is 10 points or more and the
    page is scaled to fit, which keeps the body at 8 points or more in print for up to four
    categories and the retail row (``tests/test_libreoffice.py`` measures it).

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
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    tall = {1: TITLE_PT}

    _put(ws, "A1", "Fund flows and money-market cash", font=_TITLE)
    _put(ws, "A2", f"Weekly flows to {placeholder('as_of')}", font=_BOLD)

    # Headlines: one paragraph per category (the headline and the grammar's sentence), then
    # money-market cash and the cycles; each wraps inside A:H over a fixed number of rows.
    row = 4
    _section(ws, row, "Headlines")
    row += 1
    for cat in cats:
        row = _wide(ws, row, placeholder("paragraph", cat), _SENTENCE, lines=PARAGRAPH_ROWS)
    if retail:
        row = _wide(ws, row, placeholder("paragraph", RETAIL_NAME), _SENTENCE, lines=RETAIL_ROWS)
    row = _wide(ws, row, placeholder("mmf.sentence"), _SENTENCE, lines=MMF_ROWS)
    row = _wide(ws, row, "Money-market cycles: " + placeholder("cycles.projection_sentence"),
                _SENTENCE, lines=PROJECTION_ROWS)

    # Per-category table
    row += 1
    _section(ws, row, "Flows by category ($bn)" + placeholder("flows.label"))
    row += 1
    weeks = placeholder("weeks")
    heads = ["Category", "Week to", "Latest week", "Streak (weeks)", "First in (weeks)",
             f"{weeks}-week total", f"{weeks}-week total: biggest … since",
             "Latest week: biggest … since"]
    for c, text in enumerate(heads, start=1):
        _put(ws, cell_ref(row, c), text, font=_HEADER, fill=_HEADER_FILL,
             align=Alignment(horizontal="left" if c == 1 else "right", wrap_text=True,
                             vertical="center"))
    tall[row] = HEADER_PT
    names = ["name", "week", "latest", "streak", "first_in", "total", "largest_since_text",
             "largest_since_1w_text"]
    for cat in cats:
        row += 1
        _table_row(ws, row, names, cat)
    if retail:
        # real data among samples: a line says what the row is before it
        _put(ws, f"A{row + 1}", RETAIL_LABEL, font=_SUBHEAD)
        row += 2
        _table_row(ws, row, names, RETAIL_NAME)
    row += 1
    _put(ws, f"A{row}", "Streak: +k = k straight weeks of inflows, \u2212k of outflows. First in: "
         "weeks back to the previous week in the same direction.", font=_NOTE)

    # Previous hiking cycles: the table spills A:E over (cycles + 2) rows
    row += 1
    _section(ws, row, "Previous hiking cycles (peak of MMF asset growth after each)")
    row += 1
    _put(ws, f"A{row}", placeholder("cycles.table"), font=_BODY)
    for r in range(row, row + 14):
        for c in range(1, 6):
            ws.cell(row=r, column=c).font = _BODY
    for c in range(1, 6):
        _put(ws, cell_ref(row, c), font=_HEADER, fill=_HEADER_FILL,
             align=Alignment(horizontal="right", wrap_text=True, vertical="center"))
    tall[row] = HEADER_PT
    cycles_end = row + 1 + K_CYCLES_ROWS

    sources_end = _wide(ws, cycles_end + 1, placeholder("sources"), _NOTE,
                        lines=SOURCES_ROWS) - 1
    last_row = _right_column(wb, ws, cats, tall, sources_end)
    _heights(ws, last_row, tall)

    # Print (and PDF) the report and its charts on one landscape page, not the chart data.
    ws.print_area = f"A1:{LAST_COL}{last_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    for side in ("left", "right", "top", "bottom"):
        setattr(ws.page_margins, side, MARGIN_IN)
    ws.page_margins.header = ws.page_margins.footer = 0.0


def _table_row(ws, row: int, names: list[str], category: str) -> None:
    """One row of the flows table: the category's placeholders ``names`` in A:H."""
    for c, name in enumerate(names, start=1):
        _put(ws, cell_ref(row, c), placeholder(name, category), font=_BODY,
             fmt=field_named("x." + name).number_format, border=_THIN,
             align=Alignment(horizontal="left" if c == 1 else "right"))


#: The line above the retail row of the flows table (the section's title may say the categories
#: are sample data; these are not).
RETAIL_LABEL = ("Real data: the weekly change in retail money-market funds' assets ($bn), "
                "FRED WRMFNS")

#: Rows the previous-cycles table spills over below its header (four cycles and the average).
K_CYCLES_ROWS = 5


def _right_column(wb, ws, cats: list[str], tall: dict[int, float], bottom: int) -> int:
    """The settings, the two charts and the money-market key figures in J:N; returns the last
    row used: ``bottom`` (the left column's last row) when the charts, at least
    :data:`CHART_ROWS` rows each, can grow to end the key figures there, else lower.

    Both columns end on the same row, so the last row of the print area holds text: LibreOffice
    leaves trailing rows without text (the rest of a merged block) out when it fits a page."""
    # Settings: the yellow input cells, and beside each what this refresh used (a command-line
    # override is not written into the cell, so the page must show it). Rows 1-3 of H:J are the
    # Refresh button's.
    row = 4
    _section(ws, row, "Settings (change the yellow cells, then Refresh)", first=10, last=14)
    settings = [("Weeks", 8, WEEKS_NAME, FMT_COUNT, "settings.weeks_used"),
                ("Cycles", 4, CYCLES_NAME, FMT_COUNT, "settings.cycles_used"),
                ("As of", None, AS_OF_NAME, FMT_DATE, "settings.as_of_used")]
    for label, default, name, fmt, used in settings:
        row += 1
        _put(ws, f"J{row}", label, font=_LABEL)
        _put(ws, f"K{row}", default, font=_BODY, fill=_INPUT_FILL, fmt=fmt,
             align=Alignment(horizontal="right"))
        _define(wb, name, ws.title, f"K{row}")
        _put(ws, f"L{row}", placeholder(used), font=_NOTE, align=Alignment(vertical="top"))
        ws.merge_cells(f"L{row}:N{row}")
    _put(ws, f"J{row + 1}", "(as of: blank = the latest week)", font=_NOTE)

    pairs = [("MMF assets ($bn)", "mmf.level"), ("Observation used", "mmf.date"),
             ("Year-over-year growth", "mmf.yoy"),
             ("Average peak YoY, previous cycles", "cycles.average_peak_yoy"),
             ("Verdict", "mmf.verdict"), ("Latest cycle: last hike", "cycles.last_hike"),
             ("Latest cycle: first cut", "cycles.first_cut"),
             ("Average months, last hike to peak", "cycles.average_months"),
             ("Projected peak of inflows", "cycles.projected_peak")]
    first_chart = row + 3
    span = max(2 * CHART_ROWS, bottom - len(pairs) - first_chart)    # rows of the two charts
    charts = _chart_blocks(ws, cats)
    top = first_chart
    for chart, rows in zip(charts, (span // 2, span - span // 2)):
        height = _rows_pt(tall, top, top + rows - 1) - 4.0
        chart.height = height * 2.54 / 72            # cm
        ws.add_chart(chart, f"{CHART_COL}{top}")
        top += rows

    row = top
    _section(ws, row, "Money-market cash and Fed hiking cycles", first=10, last=14)
    for label, name in pairs:
        row += 1
        number_format = field_named(name).number_format
        _put(ws, f"J{row}", label, font=_LABEL, border=_THIN)
        ws.merge_cells(f"J{row}:L{row}")
        # text results (the verdict) read left to right into the empty cell beside them
        _put(ws, f"M{row}", placeholder(name), font=_BOLD, fmt=number_format, border=_THIN,
             align=Alignment(horizontal="left" if number_format == FMT_GENERAL else "right"))
        ws.merge_cells(f"M{row}:N{row}")
    return row


#: Rows each chart is at least high (on the page's grid); they grow to fill the right-hand column
#: down to the left one's last row.
CHART_ROWS = 13
#: Chart width in cm: the right-hand column J:N.
CHART_WIDTH_CM = 10.4


def _chart_blocks(ws, cats: list[str]) -> tuple[BarChart, BarChart]:
    """The two fixed-size data blocks on the Report and the native charts that read them (the
    caller places the charts)."""
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
    flows.title = _title(f"Weekly net flows, last {RECENT_WEEKS} weeks ($bn)")
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
    shade.title = _title("MMF assets ($bn), Fed hiking cycles shaded")
    shade.x_axis.tickLblSkip = 1
    shade.x_axis.tickMarkSkip = 4
    shade.x_axis.noMultiLvlLbl = True
    shade.y_axis.number_format = "#,##0"
    shade.y_axis.majorGridlines = None
    shade.x_axis.delete = False
    shade.y_axis.delete = False
    shade.legend.position = "b"
    shade += line
    for chart in (flows, shade):
        # types-openpyxl declares the width an int; openpyxl takes any number of cm (the anchor
        # gets int(cm * 360000) EMU) and its default height is 7.5
        chart.width = CHART_WIDTH_CM  # type: ignore[assignment]
        _chart_text(chart)
    return flows, shade


def _chart_text(chart) -> None:
    """Every text of a chart at 10 points (9 for the axis labels' ticks would print below 8)."""
    for axis in (chart.x_axis, chart.y_axis):
        axis.txPr = _text_props(10)
    chart.legend.txPr = _text_props(10)


def _title(text: str, size: float = 11) -> Title:
    """A chart title in bold Calibri at ``size`` points (the default, 18, would crowd a chart
    of the page's size)."""
    font = CharacterProperties(latin=Font_(typeface="Calibri"), sz=int(size * 100), b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=font), r=[RegularTextRun(rPr=font, t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def _text_props(size: float) -> RichText:
    """A chart text body: Calibri at ``size`` points."""
    font = CharacterProperties(latin=Font_(typeface="Calibri"), sz=int(size * 100))
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=font),
                                 endParaRPr=font)])
