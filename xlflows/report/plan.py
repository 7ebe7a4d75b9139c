"""The engine-neutral refresh plan: what to write where, computed before anything is written.

Every engine (openpyxl on a file, xlwings on the open Book, xlwings Lite) applies a
:class:`RefreshPlan` and knows nothing else of the report: the cells (A1 references), their values
(numbers, text, ``datetime``, None to clear) and number formats. The names of the sheets and of the
settings cells the report owns, the number formats it writes and the size of the chart blocks are
declared here once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from xlflows.a1 import MAX_COL, MAX_ROW, cell_ref, split_cell

if TYPE_CHECKING:
    from xlflows.ooxml.book import SheetColumns

REPORT_SHEET = "Report"
TEMPLATE_SHEET = "xlflows.template"
#: Columns of the template store (Report cell, Template, Last extent, Written text): only these
#: are read, whatever else the hidden sheet holds.
TEMPLATE_COLUMNS = 4

#: Defined names of the settings cells (workbook scope), made by :func:`install_template`.
WEEKS_NAME = "XLFLOWS_WEEKS"
CYCLES_NAME = "XLFLOWS_CYCLES"
AS_OF_NAME = "XLFLOWS_AS_OF"

#: Rows of weekly flows in the chart block, and quarters of MMF assets in its chart block.
RECENT_WEEKS = 26
ASSET_QUARTERS = 120

# Number formats. A negative number's sign is the format's own ASCII minus, never U+2212 as a
# quoted literal: a spreadsheet exporting "as shown" in a legacy code page (LibreOffice's CSV
# export in Windows-1252) turns U+2212 into "?", and "?1.8" reads back as text, not -1.8. The
# sentences, which are text, keep U+2212.
FMT_BN = '+#,##0.0;-#,##0.0;0.0'
FMT_LEVEL_BN = '#,##0.0'
FMT_PCT = '+0.0%;-0.0%;0.0%'
FMT_INT = '+0;-0;0'
FMT_COUNT = '0'
FMT_MONTHS = '0;-0;0'             # signed whole months without a plus sign
FMT_Z = '+0.0;-0.0;0.0'           # a z-score
FMT_DATE = 'd mmm yyyy'
FMT_MONTH = 'mmm yyyy'
FMT_TEXT = '@'
FMT_GENERAL = 'General'



# --------------------------------------------------------------------------- the contract
class SheetSource(Protocol):
    """What the report reads a workbook through: the file engine's book (``report/xlsx.py``),
    the open xlwings Book (``report/live.py``) and xlwings Lite's (``xlflows/lite.py``)."""

    def sheet_names(self) -> list[str]:
        """Sheet names in workbook order."""

    def rows(self, sheet: str) -> list[list[object]]:
        """Cell values from A1 to the end of the used range: formulas by their saved value
        (a WorkbookError naming the cell when there is none), error cells as their literal
        (``"#N/A"``), dates as ``datetime.datetime``, blanks None."""

    def named_cell(self, name: str) -> tuple[str, str] | None:
        """The ``(sheet, "B4")`` a workbook-level defined name points at, or None."""


@runtime_checkable
class ColumnSource(SheetSource, Protocol):
    """A source that also reads a sheet column by column into numpy (the file engine): the
    report's reader then makes no Python object per number or date."""

    def columns(self, sheet: str) -> SheetColumns:
        """The sheet's cells column by column (:class:`xlflows.ooxml.book.SheetColumns`)."""


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
    number_formats: Sequence[str | None] = field(default_factory=list)
    header_rows: int = 1


def as_value(item: object) -> Value | Block:
    """Wrap a plain context item (text, number) as a :class:`Value`."""
    if isinstance(item, (Value, Block)):
        return item
    if item is None:
        return Value(None, "")
    return Value(item, str(item))


def is_cell_ref(ref: str) -> bool:
    """True for one A1-style cell reference inside Excel's grid (``B7``; not ``B7:C8``, not
    ``ZZZ1``, not ``A1048577``)."""
    if re.fullmatch(r"[A-Z]{1,3}[1-9][0-9]{0,6}", ref) is None:
        return False
    row, col = split_cell(ref)
    return row <= MAX_ROW and col <= MAX_COL


def extent_size(extent: str | None) -> int:
    """How many cells ``"B3:D4"`` (or ``"B3"``) covers; 0 for None/empty."""
    if not extent:
        return 0
    first, _, last = extent.partition(":")
    r0, c0 = split_cell(first)
    r1, c1 = split_cell(last or first)
    return (abs(r1 - r0) + 1) * (abs(c1 - c0) + 1)


def extent_cells(extent: str | None) -> list[str]:
    """Cells of ``"B3:D4"`` (or ``"B3"``); ``[]`` for None/empty."""
    if not extent:
        return []
    first, _, last = extent.partition(":")
    r0, c0 = split_cell(first)
    r1, c1 = split_cell(last or first)
    return [cell_ref(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
