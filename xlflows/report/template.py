"""The Report template: placeholder syntax, the template store, and filling the template.

A Report cell holding ``{{ name }}`` text is a *template cell*. Refresh replaces it with a value, so
the template text is kept in a hidden sheet, :data:`TEMPLATE_SHEET` (``xlflows.template``), one row
per template cell: ``Report cell``, ``Template``, ``Last extent`` (the cells the last refresh wrote
for it). On each refresh:

1. stored template cells are read from the hidden sheet;
2. every Report cell whose value is text containing ``{{ … }}`` is *captured*: it becomes (or
   replaces) the template of that cell — this is how an analyst adds or rewords a placeholder;
3. a stored template cell whose Report cell the analyst has emptied is *released* (forgotten);
4. :func:`fill` turns template cells + the computed context into :class:`CellWrite` values.

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

import difflib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeGuard

import pandas as pd

from xlflows.datasheets import blank
from xlflows.errors import WorkbookError
from xlflows.report.plan import (
    FMT_GENERAL,
    FMT_TEXT,
    MAX_COL,
    MAX_ROW,
    REPORT_SHEET,
    TEMPLATE_SHEET,
    Block,
    CellWrite,
    as_value,
    cell_ref,
    extent_cells,
    extent_size,
    is_cell_ref,
    split_cell,
)

TEMPLATE_HEADER = ("Report cell", "Template", "Last extent", "Written text")
#: The largest extent a stored template cell may claim (a table of the report is far smaller); a
#: larger one is refused instead of being walked cell by cell.
MAX_EXTENT_CELLS = 100_000

#: ``{{ name }}``; the name is matched loosely here and checked against NAME_SYNTAX.
PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}")
NAME_SYNTAX = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")


# --------------------------------------------------------------------------- parsing
def placeholders(text: str) -> list[str]:
    """Names of the ``{{ … }}`` placeholders in ``text``, in order (``[]`` for plain text)."""
    return [m.group(1) for m in PLACEHOLDER.finditer(text)]


def is_template(value: object) -> TypeGuard[str]:
    """True for text holding at least one ``{{ … }}`` placeholder (so ``value`` is a str)."""
    return isinstance(value, str) and PLACEHOLDER.search(value) is not None


def whole_placeholder(text: str) -> str | None:
    """The name when ``text`` is exactly one placeholder (spaces around allowed), else None."""
    m = PLACEHOLDER.fullmatch(text.strip())
    return m.group(1) if m else None


# --------------------------------------------------------------------------- template store
@dataclass
class TemplateCell:
    """A Report cell with template text, and what the last refresh wrote for it."""

    cell: str
    text: str
    extent: str | None = None
    #: Texts holding ``{{`` that the last refresh wrote for this cell (cell → text): data such as
    #: a category named ``{{ x }}`` is written as text and must not be captured as a template.
    written: dict[str, str] = field(default_factory=dict)


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
        row = list(row) + [None] * 4
        ref, text, extent, written = row[0], row[1], row[2], row[3]
        if ref is None and text is None:
            continue
        if not isinstance(ref, str) or not isinstance(text, str):
            raise WorkbookError(f"{TEMPLATE_SHEET}!A{i}: expected a Report cell such as B7 in "
                                f"column A and its template text in column B; delete the row "
                                "or fix it")
        if not is_cell_ref(ref.strip()):
            raise WorkbookError(f"{TEMPLATE_SHEET}!A{i} is '{_short(ref)}', expected a Report "
                                "cell such as B7 (up to XFD1048576)")
        if isinstance(extent, str) and extent and not all(
                is_cell_ref(part) for part in extent.split(":", 1)):
            raise WorkbookError(f"{TEMPLATE_SHEET}!C{i} is '{_short(extent)}', expected the cells "
                                "last written, such as B7 or B7:D9 (or blank)")
        if isinstance(extent, str) and extent_size(extent) > MAX_EXTENT_CELLS:
            raise WorkbookError(f"{TEMPLATE_SHEET}!C{i} is '{extent}', {extent_size(extent):,} "
                                f"cells; expected the cells last written (at most "
                                f"{MAX_EXTENT_CELLS:,}); delete the row or fix it")
        stored[ref.strip()] = TemplateCell(ref.strip(), text,
                                           extent if isinstance(extent, str) and extent else None,
                                           _written(written, i))
    ours = {(cell, text) for tc in stored.values() for cell, text in tc.written.items()}
    captured, released = [], []
    for r, row in enumerate(report_rows, start=1):
        for c, value in enumerate(row, start=1):
            if is_template(value):
                ref = cell_ref(r, c)
                if (ref, value) in ours:
                    continue                  # text the last refresh wrote (from data), not typed
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


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _written(value: object, row: int) -> dict[str, str]:
    """Column D of the store: a JSON object (cell → text), or blank."""
    if blank(value):
        return {}
    try:
        parsed = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                               for k, v in parsed.items()):
        raise WorkbookError(f"{TEMPLATE_SHEET}!D{row}: expected the texts last written (written "
                            "by refresh) or blank; clear the cell")
    return parsed


def store_writes(template: Mapping[str, TemplateCell], previous_rows: int) -> list[CellWrite]:
    """Writes that save ``template`` to the hidden sheet, clearing rows no longer used."""
    writes = [CellWrite(TEMPLATE_SHEET, cell_ref(1, c + 1), h, FMT_TEXT)
              for c, h in enumerate(TEMPLATE_HEADER)]
    row = 1
    for row, tc in enumerate(template.values(), start=2):
        written = json.dumps(tc.written, ensure_ascii=False, sort_keys=True) if tc.written \
            else None
        writes += [CellWrite(TEMPLATE_SHEET, f"A{row}", tc.cell, FMT_TEXT),
                   CellWrite(TEMPLATE_SHEET, f"B{row}", tc.text, FMT_TEXT),
                   CellWrite(TEMPLATE_SHEET, f"C{row}", tc.extent, FMT_TEXT),
                   CellWrite(TEMPLATE_SHEET, f"D{row}", written, FMT_TEXT)]
    for stale in range(row + 1, previous_rows + 1):
        writes += [CellWrite(TEMPLATE_SHEET, f"{col}{stale}", None) for col in "ABCD"]
    return writes


# --------------------------------------------------------------------------- planning
def _suggest(name: str, known: Mapping[str, object]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


def _cell_value(v: object) -> object:
    """Timestamps → datetime (what both engines write); NaN → blank."""
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.to_pydatetime()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def fill(template: Mapping[str, TemplateCell], context: Mapping[str, object], *,
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
        start = len(writes)
        _fill_one(sheet, ref, tc, context, template, owners, protected, writes, problems)
        tc.written = {w.cell: w.value for w in writes[start:]
                      if is_template(w.value)}
    return writes, problems


def _fill_one(sheet: str, ref: str, tc: TemplateCell, context: Mapping[str, object],
              template: Mapping[str, TemplateCell], owners: set[str],
              protected: Mapping[str, str], writes: list[CellWrite], problems: list[str]) -> None:
    """Append the writes of one template cell (see :func:`fill`)."""
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
        return
    if item is not None:
        writes.append(CellWrite(sheet, ref, _cell_value(item.value), item.number_format))
    else:
        # text: the analyst's own number format (if any) is left alone
        writes.append(CellWrite(sheet, ref, _fit(_render_text(ref, tc.text, context,
                                                              problems))))
    writes += [CellWrite(sheet, c, None) for c in extent_cells(tc.extent)
               if c != ref and c not in owners]
    tc.extent = ref


#: The most characters an Excel cell holds.
MAX_CELL_CHARS = 32_767


def _fit(text: str) -> str:
    """Text cut to what a cell holds, with an ellipsis when cut."""
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS - 1] + "\u2026"


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
    if r0 + height - 1 > MAX_ROW or c0 + width - 1 > MAX_COL:
        raise WorkbookError(f"{sheet}!{anchor}: the table needs {height} rows × {width} columns "
                            "from there, beyond Excel's last cell XFD1048576; move the table")
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


def slug(category: str) -> str:
    """Placeholder prefix of a category: lower case, non-alphanumerics as ``_``.

    ``Money market`` → ``money_market``; ``Multi-asset`` → ``multi_asset``.
    """
    return re.sub(r"[^a-z0-9]", "_", str(category).strip().lower())
