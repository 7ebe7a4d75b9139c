"""An empty data workbook in the documented layout, with the built-in Report: ``xlflows new``.

The workbook holds every data sheet of :mod:`xlflows.datasheets` with its headers in row 1 and
nothing under them — ``Flows`` (``Week ending`` and one column per category), ``Policy rate``,
``MMF assets`` and ``Retail MMF`` (``Date`` and the value) — each with its date column formatted
as dates, its value columns in the sheet's number format, and a short note of what goes where to
the right of the data. The analyst pastes weekly flows into ``Flows``; ``xlflows update`` fills
the FRED sheets from the start of their series; ``xlflows refresh`` fills the Report.

Steps (each failure one line, nothing written):

1. ``check``   — the name: a new ``.xlsx`` file (never an existing one) in a folder that exists;
   the categories: names the Report can use (:func:`check_categories`);
2. ``sheets``  — openpyxl writes the data sheets (in memory, then a temporary file);
3. ``report``  — the built-in Report, laid out for the categories, is grafted in through the file
   engine's public entry points (:func:`xlflows.report.graft.ensure_report`, as ``xlflows
   refresh`` grafts it into a workbook without one), and the file is written atomically.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from xlflows.datasheets import DATA_SHEETS, DATE_FORMAT, FLOWS, DataSheet, same_header
from xlflows.errors import WorkbookError

#: The categories of a new workbook when none are given (those of the shipped sample).
DEFAULT_CATEGORIES = ("Equity", "Bond", "Money market", "Multi-asset")
#: Column widths (characters): dates, values, and the note column.
DATE_WIDTH, VALUE_WIDTH = 12, 13
OPTION = "--categories"


@dataclass
class NewResult:
    """What ``xlflows new`` made: the file, its categories and its sheets in order."""

    output: Path
    categories: list[str]
    sheets: list[str]


# --------------------------------------------------------------------------- step 1: check
def check_target(path: str | os.PathLike) -> Path:
    """The new workbook's path, or one WorkbookError line: an existing file (never overwritten),
    a folder, another extension than ``.xlsx``, a folder that does not exist."""
    target = Path(path)
    if target.is_dir():
        raise WorkbookError(f"{target} is a folder; expected the name of a new .xlsx file")
    if os.path.lexists(target):
        raise WorkbookError(f"{target} already exists; xlflows new never overwrites a workbook: "
                            "choose another name, or move that file away first")
    suffix = target.suffix.lower()
    stem = target.name[: -len(target.suffix)] if target.suffix else target.name
    if suffix == ".xlsm":
        raise WorkbookError(f"{target.name}: xlflows new makes a workbook without macros; name it "
                            f"{stem}.xlsx (for the Refresh button, start from a copy of "
                            "workbook/xlflows.xlsm instead)")
    if suffix != ".xlsx":
        raise WorkbookError(f"{target.name} has extension '{target.suffix}'; expected .xlsx")
    folder = target.resolve().parent
    if not folder.is_dir():
        raise WorkbookError(f"{target}: the folder {folder} does not exist")
    return target


def parse_categories(text: str) -> list[str]:
    """``"Equity, Bond,Money market"`` → the checked category names (:func:`check_categories`)."""
    return check_categories(text.split(","))


def check_categories(names: Iterable[str]) -> list[str]:
    """The category names, stripped, or one WorkbookError line naming the item and the problem.

    A name must be printable text, not look like a formula to Excel, be at most
    ``MAX_CATEGORY_CHARS`` long, differ from the date column's header and from every other name
    (case aside), and give a placeholder prefix of its own that the Report does not reserve
    (``Money market`` → ``money_market``); at most ``MAX_CATEGORIES`` names.
    """
    from xlflows.report.data import MAX_CATEGORIES, MAX_CATEGORY_CHARS
    from xlflows.report.fields import RESERVED_PREFIXES
    from xlflows.report.template import slug

    names = [str(name).strip() for name in names]
    example = 'e.g. "Equity,Bond,Money market"'
    if not any(names):
        raise WorkbookError(f"{OPTION} is empty; expected category names separated by commas, "
                            f"{example}")
    if len(names) > MAX_CATEGORIES:
        raise WorkbookError(f"{OPTION} gives {len(names):,} categories; the Report lays out at "
                            f"most {MAX_CATEGORIES:,} (one block each)")
    seen: dict[str, tuple[int, str]] = {}
    prefixes: dict[str, tuple[int, str]] = {}
    for number, name in enumerate(names, start=1):
        item = f"{OPTION}: item {number}"
        if not name:
            raise WorkbookError(f"{item} is empty; expected category names separated by commas, "
                                f"{example}")
        if any(ord(ch) < 32 for ch in name):
            raise WorkbookError(f"{item} holds a control character; expected printable text")
        if name.startswith("="):
            raise WorkbookError(f"{item} '{name}' starts with '=', which Excel reads as a "
                                "formula; expected a category name")
        if len(name) > MAX_CATEGORY_CHARS:
            raise WorkbookError(f"{item} is {len(name):,} characters long; expected at most "
                                f"{MAX_CATEGORY_CHARS} (a category names placeholders, table rows "
                                "and sentences)")
        if same_header(name, FLOWS.date_header):
            raise WorkbookError(f"{item} is '{name}', the header of the dates column; expected a "
                                "category name")
        key = name.lower()
        if key in seen:
            first, other = seen[key]
            raise WorkbookError(f"{item} '{name}' repeats item {first} '{other}'; expected each "
                                "category once")
        prefix = slug(name)
        if not prefix.strip("_") or prefix in RESERVED_PREFIXES:
            why = ("has no letter or digit" if not prefix.strip("_")
                   else "is one the Report uses for its own fields")
            raise WorkbookError(f"{item} '{name}' gives the placeholder prefix '{prefix}', which "
                                f"{why}; rename the category")
        if prefix in prefixes:
            first, other = prefixes[prefix]
            raise WorkbookError(f"{item} '{name}' and item {first} '{other}' give the same "
                                f"placeholder prefix '{prefix}'; rename one of them")
        seen[key] = prefixes[prefix] = (number, name)
    return names


# --------------------------------------------------------------------------- step 2: sheets
def _sentence(text: str) -> str:
    """``text`` with a capital first letter (the rest as it is: ``H.6`` stays)."""
    return text[:1].upper() + text[1:]


def _note(sheet: DataSheet, categories: list[str]) -> str:
    """What goes where on ``sheet``, in one line."""
    if sheet is FLOWS:
        return (f"{_sentence(sheet.holds)}, in {sheet.units}: one row per week from row 2, the "
                f"week's end date in column A, one column per category ({', '.join(categories)}; "
                "the Report is laid out for these headers). Paste your flows, then run "
                "xlflows update and xlflows refresh on this file.")
    how = ("xlflows update fills it and keeps it up to date" if sheet.required else
           "xlflows update fills it and keeps it up to date (optional: delete the sheet if you "
           "do not want it)")
    return (f"{_sentence(sheet.holds)}, in {sheet.units}, from {sheet.source}. {how}; or type "
            "dated values from row 2 down, oldest first (dates in A, values in B).")


def _data_workbook(categories: list[str]) -> bytes:
    """The data sheets, headers only, as an ``.xlsx`` file in memory (made with openpyxl)."""
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    wb.remove(wb.worksheets[0])          # the default "Sheet"
    bold = Font(bold=True)
    for sheet in DATA_SHEETS:
        ws = wb.create_sheet(sheet.name)
        headers = [sheet.date_header, *categories] if sheet is FLOWS else list(sheet.headers)
        for col, header in enumerate(headers, start=1):
            cell = ws.cell(row=1, column=col, value=header)
            cell.font = bold
        letters = [ws.cell(row=1, column=col).column_letter for col in range(1, len(headers) + 1)]
        ws.column_dimensions[letters[0]].width = DATE_WIDTH
        ws.column_dimensions[letters[0]].number_format = DATE_FORMAT
        for letter in letters[1:]:
            ws.column_dimensions[letter].width = VALUE_WIDTH
            ws.column_dimensions[letter].number_format = sheet.value_format
        # The note sits right of the data after a blank column, in row 2: a header in row 1
        # would be read as one more category (Flows) or a third column.
        ws.cell(row=2, column=len(headers) + 2, value=_note(sheet, categories))
        ws.freeze_panes = "B2" if sheet is FLOWS else "A2"
    wb.active = 0
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- step 3: report
def new_workbook(path: str | os.PathLike,
                 categories: Iterable[str] = DEFAULT_CATEGORIES) -> NewResult:
    """Make an empty data workbook with the built-in Report (``xlflows new``).

    Parameters
    ----------
    path : path-like
        A new ``.xlsx`` file; an existing file is never overwritten.
    categories : iterable of str
        The flow categories: the headers of ``Flows`` after ``Week ending``, and the blocks the
        Report is laid out for.

    Returns
    -------
    NewResult

    Raises
    ------
    WorkbookError
        A name or a category that cannot be used, or a file that cannot be written; nothing is
        written then.
    """
    from xlflows import ooxml
    from xlflows.report import graft

    target = check_target(path)
    names = check_categories(categories)
    with tempfile.TemporaryDirectory(prefix="xlflows-new-") as folder:
        draft = Path(folder) / target.name
        draft.write_bytes(_data_workbook(names))
        with ooxml.Transaction(draft, target) as transaction, ooxml.open_book(draft) as book:
            if os.path.lexists(target):             # made meanwhile by another program
                check_target(target)
            graft.ensure_report(book)
            sheets = book.sheet_names()
            book.write(transaction, [])
    return NewResult(target, names, sheets)
