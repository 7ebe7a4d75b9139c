"""The Report template: placeholder syntax, template storage, planning writes, the built-in layout.

A Report cell holding ``{{ name }}`` text is a *template cell*. Refresh replaces it with a value, so
the template text is kept in a hidden sheet, :data:`TEMPLATE_SHEET` (``xlflows.template``), one row
per template cell: ``Report cell``, ``Template``, ``Last extent`` (the cells the last refresh wrote
for it). On each refresh:

1. stored template cells are read from the hidden sheet;
2. every Report cell whose value is text containing ``{{ … }}`` is *captured*: it becomes (or
   replaces) the template of that cell — this is how an analyst adds or rewords a placeholder;
3. a stored template cell whose Report cell the analyst has emptied is *released* (forgotten);
4. :func:`plan` turns template cells + the computed context into :class:`CellWrite` values.

Three kinds of template cell:

* a **whole-cell value**: the text is exactly one placeholder (``{{ equity.latest }}``); the cell
  gets the value itself (a number, a date, a text) with the placeholder's number format;
* **text**: placeholders inside other text (``As of {{ as_of }}``); each placeholder is replaced
  by its text form (``+$25.3bn``, ``12 Nov 2025``);
* a **block**: a table placeholder (``{{ cycles.table }}``) alone in its cell; the table is
  anchored there and spills right and down. Cells of the previous extent outside the new one are
  cleared, so a table that shrinks leaves nothing stale behind.

An unknown name is not fatal: the cell shows ``[unknown placeholder: name]`` and the refresh
summary names the cell and the closest known names.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string
from openpyxl.workbook.defined_name import DefinedName

from xlflows.errors import WorkbookError

REPORT_SHEET = "Report"
TEMPLATE_SHEET = "xlflows.template"
TEMPLATE_HEADER = ("Report cell", "Template", "Last extent")

#: Defined names of the settings cells (workbook scope), made by :func:`install_template`.
WEEKS_NAME = "XLFLOWS_WEEKS"
CYCLES_NAME = "XLFLOWS_CYCLES"
AS_OF_NAME = "XLFLOWS_AS_OF"

#: ``{{ name }}``; the name is matched loosely here and checked against NAME_SYNTAX.
PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}")
NAME_SYNTAX = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")

#: Rows of weekly flows in the chart block, and quarters of MMF assets in its chart block.
RECENT_WEEKS = 26
ASSET_QUARTERS = 120

# Number formats (U+2212 as the minus sign, quoted so every spreadsheet reads it as a literal).
FMT_BN = '+#,##0.0;"\u2212"#,##0.0;0.0'
FMT_LEVEL_BN = '#,##0.0'
FMT_PCT = '+0.0%;"\u2212"0.0%;0.0%'
FMT_INT = '+0;"\u2212"0;0'
FMT_COUNT = '0'
FMT_MONTHS = '0;"\u2212"0;0'      # signed whole months without a plus sign
FMT_DATE = 'd mmm yyyy'
FMT_MONTH = 'mmm yyyy'
FMT_TEXT = '@'
FMT_GENERAL = 'General'


# --------------------------------------------------------------------------- the contract
@dataclass(frozen=True)
class CellWrite:
    """One cell to write: ``value`` None clears; ``number_format`` applied only when not None."""

    sheet: str
    cell: str
    value: object
    number_format: str | None = None


@dataclass
class RefreshPlan:
    """Everything a refresh writes, computed before anything is written.

    Attributes
    ----------
    writes : list of CellWrite
        Report values and the template store, in order.
    hidden_sheets : list of str
        Sheets to create (hidden) before the writes when missing: ``xlflows.template``.
    summary : list of str
        Human lines: settings used and their origin, each source's last date used, warnings.
    as_of : datetime or None
        The as-of date used (the latest week of Flows on or before the as-of setting).
    """

    writes: list[CellWrite]
    hidden_sheets: list[str]
    summary: list[str]
    as_of: dt.datetime | None = None


# --------------------------------------------------------------------------- context values
@dataclass(frozen=True)
class Value:
    """A placeholder's value: what a whole cell gets, and how it reads inside text."""

    value: object
    text: str
    number_format: str | None = None


@dataclass(frozen=True)
class Block:
    """A table placeholder: ``rows`` (header row first) written from the anchor cell.

    ``number_formats`` gives one format per column (None = leave the cell's format), applied to
    the rows after ``header_rows``.
    """

    rows: list[list[object]]
    number_formats: list[str | None] = field(default_factory=list)
    header_rows: int = 1


def as_value(item: object) -> Value | Block:
    """Wrap a plain context item (text, number) as a :class:`Value`."""
    if isinstance(item, (Value, Block)):
        return item
    if item is None:
        return Value(None, "")
    return Value(item, str(item))


# --------------------------------------------------------------------------- parsing
def placeholders(text: str) -> list[str]:
    """Names of the ``{{ … }}`` placeholders in ``text``, in order (``[]`` for plain text)."""
    return [m.group(1) for m in PLACEHOLDER.finditer(text)]


def is_template(value: object) -> bool:
    """True for text holding at least one ``{{ … }}`` placeholder."""
    return isinstance(value, str) and PLACEHOLDER.search(value) is not None


def whole_placeholder(text: str) -> str | None:
    """The name when ``text`` is exactly one placeholder (spaces around allowed), else None."""
    m = PLACEHOLDER.fullmatch(text.strip())
    return m.group(1) if m else None


def split_cell(ref: str) -> tuple[int, int]:
    """``"B7"`` → ``(7, 2)`` (row, column), 1-based."""
    letters, row = coordinate_from_string(ref)
    return row, column_index_from_string(letters)


def _is_cell(ref: str) -> bool:
    return re.fullmatch(r"[A-Z]{1,3}[1-9][0-9]{0,6}", ref) is not None


def cell_ref(row: int, col: int) -> str:
    """``(7, 2)`` → ``"B7"``."""
    return f"{get_column_letter(col)}{row}"


def extent_cells(extent: str | None) -> list[str]:
    """Cells of ``"B3:D4"`` (or ``"B3"``); ``[]`` for None/empty."""
    if not extent:
        return []
    first, _, last = extent.partition(":")
    r0, c0 = split_cell(first)
    r1, c1 = split_cell(last or first)
    return [cell_ref(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


# --------------------------------------------------------------------------- template store
@dataclass
class TemplateCell:
    """A Report cell with template text, and what the last refresh wrote for it."""

    cell: str
    text: str
    extent: str | None = None


def cell_value(rows: list[list[object]], ref: str) -> object:
    """The value at ``ref`` in a SheetSource's rows (None beyond the used range)."""
    r, c = split_cell(ref)
    if r - 1 < len(rows) and c - 1 < len(rows[r - 1]):
        return rows[r - 1][c - 1]
    return None


def read_template(report_rows: list[list[object]], stored_rows: list[list[object]] | None
                  ) -> tuple[dict[str, TemplateCell], list[str], list[str]]:
    """Merge the stored template with what the analyst typed on the Report.

    Parameters
    ----------
    report_rows : list of rows
        The Report sheet's values (SheetSource ``rows``).
    stored_rows : list of rows or None
        The hidden template sheet's rows (header first), None when it does not exist yet.

    Returns
    -------
    template : dict
        Report cell → :class:`TemplateCell`, in row-major order.
    captured, released : list of str
        Cells whose template text was (re)captured from the Report, and cells forgotten because
        the analyst emptied them.
    """
    stored: dict[str, TemplateCell] = {}
    for i, row in enumerate((stored_rows or [])[1:], start=2):
        row = list(row) + [None] * 3
        ref, text, extent = row[0], row[1], row[2]
        if ref is None and text is None:
            continue
        if not isinstance(ref, str) or not isinstance(text, str):
            raise WorkbookError(f"{TEMPLATE_SHEET}!A{i}: expected a Report cell such as B7 in "
                                f"column A and its template text in column B; delete the row "
                                "or fix it")
        if not _is_cell(ref.strip()):
            raise WorkbookError(f"{TEMPLATE_SHEET}!A{i} is '{ref}', expected a Report cell "
                                "such as B7")
        if isinstance(extent, str) and extent and not all(
                _is_cell(part) for part in extent.split(":", 1)):
            raise WorkbookError(f"{TEMPLATE_SHEET}!C{i} is '{extent}', expected the cells last "
                                "written, such as B7 or B7:D9 (or blank)")
        stored[ref.strip()] = TemplateCell(ref.strip(), text,
                                           extent if isinstance(extent, str) and extent else None)
    captured, released = [], []
    for r, row in enumerate(report_rows, start=1):
        for c, value in enumerate(row, start=1):
            if is_template(value):
                ref = cell_ref(r, c)
                old = stored.get(ref)
                if old is None or old.text != value:
                    captured.append(ref)
                stored[ref] = TemplateCell(ref, value, old.extent if old else None)
    for ref, tc in list(stored.items()):
        if tc.extent and cell_value(report_rows, ref) is None and ref not in captured:
            released.append(ref)
            del stored[ref]
    ordered = dict(sorted(stored.items(), key=lambda kv: split_cell(kv[0])))
    return ordered, captured, released


def store_writes(template: Mapping[str, TemplateCell], previous_rows: int) -> list[CellWrite]:
    """Writes that save ``template`` to the hidden sheet, clearing rows no longer used."""
    writes = [CellWrite(TEMPLATE_SHEET, cell_ref(1, c + 1), h, FMT_TEXT)
              for c, h in enumerate(TEMPLATE_HEADER)]
    row = 1
    for row, tc in enumerate(template.values(), start=2):
        writes += [CellWrite(TEMPLATE_SHEET, f"A{row}", tc.cell, FMT_TEXT),
                   CellWrite(TEMPLATE_SHEET, f"B{row}", tc.text, FMT_TEXT),
                   CellWrite(TEMPLATE_SHEET, f"C{row}", tc.extent, FMT_TEXT)]
    for stale in range(row + 1, previous_rows + 1):
        writes += [CellWrite(TEMPLATE_SHEET, f"{col}{stale}", None) for col in "ABC"]
    return writes


# --------------------------------------------------------------------------- planning
def _suggest(name: str, known: Mapping[str, object]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


def _cell_value(v: object) -> object:
    """Timestamps → datetime (what both engines write); NaN → blank."""
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.to_pydatetime()
    if isinstance(v, float) and v != v:
        return None
    return v


def plan(template: Mapping[str, TemplateCell], context: Mapping[str, object], *,
         sheet: str = REPORT_SHEET, protected: Mapping[str, str] | None = None
         ) -> tuple[list[CellWrite], list[str]]:
    """Template cells + context → the writes that fill the Report.

    Parameters
    ----------
    template : mapping
        Report cell → :class:`TemplateCell`; each cell's ``extent`` is updated in place to what
        this plan writes for it (so the caller can store it).
    context : mapping
        Placeholder name → :class:`Value`, :class:`Block` or plain text/number.
    protected : mapping, optional
        Cells a block must not spill over (``{"B6": "the weeks setting"}``).

    Returns
    -------
    writes, problems : list of CellWrite, list of str
        ``problems`` names cells with unknown placeholders (they show a visible marker).

    Raises
    ------
    WorkbookError
        A block would spill over another template cell or a protected cell.
    """
    protected = dict(protected or {})
    writes: list[CellWrite] = []
    problems: list[str] = []
    owners = set(template)
    for ref, tc in template.items():
        name = whole_placeholder(tc.text)
        item = as_value(context[name]) if name is not None and name in context else None
        if isinstance(item, Block):
            cells, block_writes = _block_writes(sheet, ref, item)
            for c in cells:
                if c != ref and c in owners:
                    raise WorkbookError(
                        f"{sheet}!{ref}: the table {tc.text.strip()} needs {cells[0]}:{cells[-1]}"
                        f" and would overwrite {sheet}!{c} ({template[c].text.strip()}); move "
                        "one of them")
                if c in protected:
                    raise WorkbookError(
                        f"{sheet}!{ref}: the table {tc.text.strip()} needs {cells[0]}:{cells[-1]}"
                        f" and would overwrite {sheet}!{c} ({protected[c]}); move the table")
            new = set(cells)
            writes += [CellWrite(sheet, c, None) for c in extent_cells(tc.extent)
                       if c not in new and c not in owners]
            writes += block_writes
            tc.extent = f"{cells[0]}:{cells[-1]}" if len(cells) > 1 else cells[0]
            continue
        if item is not None:
            writes.append(CellWrite(sheet, ref, _cell_value(item.value), item.number_format))
        else:
            # text: the analyst's own number format (if any) is left alone
            writes.append(CellWrite(sheet, ref, _render_text(ref, tc.text, context, problems)))
        writes += [CellWrite(sheet, c, None) for c in extent_cells(tc.extent)
                   if c != ref and c not in owners]
        tc.extent = ref
    return writes, problems


def _render_text(ref: str, text: str, context: Mapping[str, object], problems: list[str]) -> str:
    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name not in context:
            problems.append(f"Report!{ref}: unknown placeholder {{{{ {name} }}}}"
                            + _suggest(name, context))
            return f"[unknown placeholder: {name}]"
        item = as_value(context[name])
        if isinstance(item, Block):
            problems.append(f"Report!{ref}: {{{{ {name} }}}} is a table; put it alone in a cell")
            return f"[table {name}: put it alone in a cell]"
        return item.text
    return PLACEHOLDER.sub(sub, text)


def _block_writes(sheet: str, anchor: str, block: Block) -> tuple[list[str], list[CellWrite]]:
    r0, c0 = split_cell(anchor)
    width = max((len(row) for row in block.rows), default=1) or 1
    height = max(len(block.rows), 1)
    cells, writes = [], []
    for i in range(height):
        row = block.rows[i] if i < len(block.rows) else []
        for j in range(width):
            ref = cell_ref(r0 + i, c0 + j)
            value = _cell_value(row[j]) if j < len(row) else None
            fmt = None
            if i >= block.header_rows and j < len(block.number_formats):
                fmt = block.number_formats[j]
            elif i < block.header_rows:
                fmt = FMT_GENERAL
            cells.append(ref)
            writes.append(CellWrite(sheet, ref, value, fmt))
    return cells, writes


# --------------------------------------------------------------------------- the built-in layout
def slug(category: str) -> str:
    """Placeholder prefix of a category: lower case, non-alphanumerics as ``_``.

    ``Money market`` → ``money_market``; ``Multi-asset`` → ``multi_asset``.
    """
    return re.sub(r"[^a-z0-9]", "_", str(category).strip().lower())


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
    widths = {"A": 30, "B": 13, "C": 13, "D": 12, "E": 12, "F": 14, "G": 15, "H": 15, "I": 3}
    for col, width in widths.items():
        ws.column_dimensions[col].width = width

    _put(ws, "A1", "Fund flows and money-market cash", font=_TITLE)
    ws.row_dimensions[1].height = 24
    _put(ws, "A2", "Weekly flows to {{ as_of }}", font=Font(name="Calibri", size=11, bold=True))
    _put(ws, "A3", "{{ sources }}", font=_NOTE)

    # Settings
    _section(ws, 5, "Settings (change the yellow cells, then press Refresh)")
    settings = [(6, "Look-back (weeks)", 8, WEEKS_NAME, FMT_COUNT),
                (7, "Previous cycles", 4, CYCLES_NAME, FMT_COUNT),
                (8, "As of (blank = latest week)", None, AS_OF_NAME, FMT_DATE)]
    for row, label, default, name, fmt in settings:
        _put(ws, f"A{row}", label, font=_LABEL)
        _put(ws, f"B{row}", default, font=_BODY, fill=_INPUT_FILL, fmt=fmt,
             align=Alignment(horizontal="right"))
        _define(wb, name, ws.title, f"B{row}")
    _put(ws, "A9", "Used in this refresh", font=_LABEL)
    _put(ws, "B9", "{{ settings.stamp }}", font=_NOTE)

    # Headlines
    row = 11
    _section(ws, row, "Headlines")
    for cat in cats:
        row += 1
        _put(ws, f"A{row}", f"{{{{ {slug(cat)}.sentence }}}}", font=_SENTENCE)
    row += 1
    _put(ws, f"A{row}", "{{ mmf.sentence }}", font=_SENTENCE)
    row += 1
    _put(ws, f"A{row}", "Money-market cycles: {{ cycles.projection_sentence }}", font=_SENTENCE)

    # Per-category table
    row += 2
    _section(ws, row, "Flows by category ($bn)")
    row += 1
    heads = ["Category", "Week to", "Latest week", "Streak (weeks)", "First in (weeks)",
             "{{ weeks }}-week total", "Biggest {{ weeks }}-week since", "Biggest week since"]
    for c, text in enumerate(heads, start=1):
        _put(ws, cell_ref(row, c), text, font=_HEADER, fill=_HEADER_FILL,
             align=Alignment(horizontal="left" if c == 1 else "right", wrap_text=True))
    ws.row_dimensions[row].height = 28
    fields = [("name", FMT_GENERAL), ("week", FMT_DATE), ("latest", FMT_BN),
              ("streak", FMT_INT), ("first_in", FMT_COUNT), ("total", FMT_BN),
              ("largest_since", FMT_MONTH), ("largest_since_1w", FMT_MONTH)]
    for cat in cats:
        row += 1
        for c, (fld, fmt) in enumerate(fields, start=1):
            _put(ws, cell_ref(row, c), f"{{{{ {slug(cat)}.{fld} }}}}", font=_BODY, fmt=fmt,
                 border=_THIN, align=Alignment(horizontal="left" if c == 1 else "right"))
    row += 1
    _put(ws, f"A{row}", "Streak: +k = k straight weeks of inflows, \u2212k of outflows. First in: "
         "weeks back to the previous week in the same direction.", font=_NOTE)

    # Money-market cash and hiking cycles
    row += 2
    _section(ws, row, "Money-market cash and Fed hiking cycles")
    pairs = [("MMF assets ($bn)", "{{ mmf.level }}", FMT_LEVEL_BN),
             ("Observation used", "{{ mmf.date }}", FMT_DATE),
             ("Year-over-year growth", "{{ mmf.yoy }}", FMT_PCT),
             ("Average peak YoY, previous cycles", "{{ cycles.average_peak_yoy }}", FMT_PCT),
             ("Verdict", "{{ mmf.verdict }}", FMT_GENERAL),
             ("Current cycle: last hike", "{{ cycles.last_hike }}", FMT_DATE),
             ("Average months, last hike to peak", "{{ cycles.average_months }}", FMT_MONTHS),
             ("Projected peak of inflows", "{{ cycles.projected_peak }}", FMT_MONTH)]
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
    _put(ws, f"A{row}", "{{ cycles.table }}", font=_BODY)
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
    _put(ws, cell_ref(2, col), "{{ flows.recent }}", font=_BODY)
    ws.column_dimensions[get_column_letter(col)].width = 12
    for j, cat in enumerate(cats, start=1):
        ws.column_dimensions[get_column_letter(col + j)].width = max(11, len(cat) + 2)
    # MMF assets, under the weekly block (which may grow to the right when a category is
    # added): header + ASSET_QUARTERS rows of Date, Assets, Hiking cycle.
    arow = 2 + RECENT_WEEKS + 3
    _put(ws, cell_ref(arow, col), "{{ mmf.chart }}", font=_BODY)

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
    shade.set_categories(Reference(ws, min_col=col, min_row=arow + 1, max_row=last))
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
    shade.x_axis.number_format = "yyyy"
    shade.x_axis.tickLblSkip = 16
    shade.x_axis.tickMarkSkip = 4
    shade.y_axis.number_format = "#,##0"
    shade.y_axis.majorGridlines = None
    shade.x_axis.delete = False
    shade.y_axis.delete = False
    shade.legend.position = "b"
    shade += line
    shade.width, shade.height = 17.0, 7.5
    ws.add_chart(shade, f"{CHART_COL}22")
