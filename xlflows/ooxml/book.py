"""A workbook file opened for reading and for writing cells into a new package.

:class:`BookFile` is the file engine's sheet source — ``sheet_names``, ``rows`` (Python values,
for small sheets), ``columns`` (numpy arrays, column by column, for the data sheets) and
``named_cell`` — and its writer. Reading never loads a whole workbook: the sheet asked for is
read by :mod:`xlflows.ooxml.sheetread`, and only the shared strings its cells use.

Writing (:meth:`BookFile.write`) resolves every cell write first (sheet, cell inside the grid,
value, style), refuses what cannot be written before anything is, then edits the package: the
sheets written are patched at the cell level (:mod:`xlflows.ooxml.patch`), ``styles.xml``
appended to, a missing sheet created (hidden), ``docProps/core.xml`` dated, ``xl/calcChain.xml``
dropped when a formula was overwritten; every other part is copied as stored
(:meth:`xlflows.ooxml.opc.Package.save`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, final

import numpy as np

from xlflows.a1 import cell_ref, parse_ref, split_ref
from xlflows.errors import WorkbookError
from xlflows.ooxml import ns, sheetread
from xlflows.ooxml.files import Transaction
from xlflows.ooxml.numfmt import is_date_code
from xlflows.ooxml.opc import Package, SheetEntry, open_package
from xlflows.ooxml.patch import PlannedCell, cell_value, patch_sheet
from xlflows.ooxml.styles import Styles
from xlflows.ooxml.xml import Edits, parse
from xlflows.ooxml.zippkg import DAMAGED_DATA_ERRORS

#: What a new (hidden) sheet part holds before its cells are written; ``{main}`` is the
#: package's SpreadsheetML namespace.
EMPTY_SHEET = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<worksheet xmlns="{main}"><sheetData/></worksheet>')
#: Rows of a sheet read as Python values (:meth:`BookFile.rows`) at most: larger sheets are read
#: column by column (:meth:`BookFile.columns`).
MAX_ROWS_CELLS = 5_000_000
_DAY_US = 86_400_000_000
_EPOCH_1900 = np.datetime64("1899-12-30", "us")
_EPOCH_1900_EARLY = np.datetime64("1899-12-31", "us")
_EPOCH_1904 = np.datetime64("1904-01-01", "us")
#: Serial numbers past 9999-12-31 are not dates.
_LAST_SERIAL_1900 = 2_958_466
_LAST_SERIAL_1904 = _LAST_SERIAL_1900 - 1462


class CellWriteLike(Protocol):
    """A cell write (``xlflows.report.plan.CellWrite`` has these fields), read only."""

    @property
    def sheet(self) -> str: ...
    @property
    def cell(self) -> str: ...
    @property
    def value(self) -> object: ...
    @property
    def number_format(self) -> str | None: ...


@dataclass
class WriteResult:
    """What :meth:`BookFile.write` changed."""

    cells: int
    parts_changed: list[str] = field(default_factory=list)
    parts_added: list[str] = field(default_factory=list)
    parts_removed: list[str] = field(default_factory=list)


@dataclass
class Column:
    """The cells of one sheet column that hold a value (sparse).

    Attributes
    ----------
    rows : ndarray of int
        0-based row index of each cell (row 1 is 0), ascending.
    numbers : ndarray of float64
        The value of a number cell, NaN for other cells.
    dates : ndarray of datetime64[us]
        A number shown as a date (its style's format shows a date) or an ISO-date cell: the
        date; NaT for other cells.
    others : dict
        Position in ``rows`` → Python value of every other cell: text, ``True``/``False``, an
        error literal (``"#N/A"``).
    """

    rows: np.ndarray
    numbers: np.ndarray
    dates: np.ndarray
    others: dict[int, object]

    def dense(self, n_rows: int) -> tuple[np.ndarray, np.ndarray, dict[int, object]]:
        """(numbers, dates, others by row index) over rows ``0 .. n_rows - 1``."""
        numbers = np.full(n_rows, np.nan)
        dates = np.full(n_rows, np.datetime64("NaT"), dtype="datetime64[us]")
        keep = self.rows < n_rows
        numbers[self.rows[keep]] = self.numbers[keep]
        dates[self.rows[keep]] = self.dates[keep]
        others = {int(self.rows[i]): v for i, v in self.others.items() if self.rows[i] < n_rows}
        return numbers, dates, others


@dataclass
class SheetColumns:
    """A sheet read column by column: ``n_rows`` = the last row holding a value."""

    n_rows: int
    columns: dict[int, Column]     # 1-based column -> cells

    def value(self, row: int, col: int) -> object:
        """The Python value at (1-based) ``row``, ``col`` (None when blank)."""
        column = self.columns.get(col)
        if column is None:
            return None
        i = int(np.searchsorted(column.rows, row - 1))
        if i >= len(column.rows) or column.rows[i] != row - 1:
            return None
        return _python_value(column, i)


def _python_value(column: Column, i: int) -> object:
    if i in column.others:
        return column.others[i]
    if not np.isnat(column.dates[i]):
        return column.dates[i].astype("datetime64[us]").item()
    value = float(column.numbers[i])
    return int(value) if value.is_integer() and abs(value) < 2 ** 53 else value


def serials_to_dates(serials: np.ndarray, date1904: bool) -> np.ndarray:
    """Excel serial numbers → ``datetime64[us]`` (NaT where no date: negative, past 9999),
    rounded to the millisecond as Excel shows times; the 1900 system's serials below 61 count
    Excel's 29 Feb 1900 (60 reads 28 Feb, as openpyxl reads it)."""
    serials = np.asarray(serials, dtype=float)
    last = _LAST_SERIAL_1904 if date1904 else _LAST_SERIAL_1900
    valid = (serials >= 0) & (serials < last)
    ms = np.round(np.where(valid, serials, 0) * 86_400_000).astype(np.int64)
    out = (_EPOCH_1904 if date1904 else _EPOCH_1900) + (ms * 1000).astype("timedelta64[us]")
    if not date1904:
        early = valid & (serials >= 1) & (serials < 61)
        if early.any():
            shifted = np.where(serials[early] >= 60, serials[early] - 1, serials[early])
            early_ms = np.round(shifted * 86_400_000).astype(np.int64)
            out[early] = _EPOCH_1900_EARLY + (early_ms * 1000).astype("timedelta64[us]")
    out[~valid] = np.datetime64("NaT")
    return out


def iso_to_date(text: str) -> np.datetime64:
    """An ISO 8601 date/time text (``t="d"`` cells) → ``datetime64[us]`` (NaT if unreadable)."""
    cleaned = text.strip().rstrip("Zz")
    try:
        return np.datetime64(dt.datetime.fromisoformat(cleaned).replace(tzinfo=None), "us")
    except ValueError:
        try:
            return np.datetime64(cleaned, "us")
        except ValueError:
            return np.datetime64("NaT")


@final  # __enter__ returns this class, not a subclass
class BookFile:
    """A workbook file: a sheet source over its parts, and the writer of a new package.

    Parameters
    ----------
    path : Path
        The ``.xlsx``/``.xlsm`` file (checked by :mod:`xlflows.ooxml.zippkg` on opening).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.label = self.path.name
        self.package: Package = open_package(self.path)
        self._shared: dict[int, str] = {}
        self._shared_known: set[int] = set()
        self._styles: Styles | None = None
        self._columns: dict[str, SheetColumns] = {}
        self._rows: dict[str, list[list[object]]] = {}

    def __enter__(self) -> BookFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the input file."""
        self.package.zip.close()

    # ------------------------------------------------------------------ structure
    @property
    def sheets(self) -> list[SheetEntry]:
        """The workbook's sheet list (every kind)."""
        return self.package.sheets()

    @property
    def date1904(self) -> bool:
        """Whether the workbook counts dates from 1904."""
        return self.package.date1904()

    @property
    def main_content(self) -> str:
        """The content type of the workbook part."""
        return self.package.content_type(self.package.workbook_part)

    @property
    def macro_enabled(self) -> bool:
        """Whether the workbook part declares the macro-enabled content type."""
        return self.main_content == ns.MACRO_CONTENT

    @property
    def has_vba(self) -> bool:
        """Whether the package holds a VBA project."""
        return any(name.lower().endswith("vbaproject.bin") for name in self.package.part_names())

    def styles_part(self) -> str | None:
        """The styles part, through the workbook's relationships."""
        found = self.package.related(self.package.workbook_part, ns.STYLES)
        return found[0] if found else None

    @property
    def styles(self) -> Styles:
        """The workbook's styles (read on first use)."""
        if self._styles is None:
            part = self.styles_part()
            self._styles = Styles(self.package.read(part) if part else None,
                                  part or "xl/styles.xml", self.label)
        return self._styles

    def reload(self) -> None:
        """Forget what was read (after the package changed: a grafted template)."""
        self._styles = None
        self._columns.clear()
        self._rows.clear()

    # ------------------------------------------------------------------ sheet source
    def sheet_names(self) -> list[str]:
        """Worksheet titles in workbook order."""
        return [s.name for s in self.sheets if s.kind == ns.WORKSHEET]

    def entry(self, sheet: str) -> SheetEntry:
        """The worksheet named ``sheet`` (WorkbookError naming the sheets when absent)."""
        for entry in self.sheets:
            if entry.name == sheet and entry.kind == ns.WORKSHEET:
                self.package.sheet_part(entry)          # refuses a sheet without its part
                return entry
        raise WorkbookError(f"the workbook has no sheet named '{sheet}'; sheets are "
                            + ", ".join(f"'{n}'" for n in self.sheet_names()))

    def sheet_part(self, sheet: str) -> str:
        """The part of the worksheet named ``sheet`` (WorkbookError as :meth:`entry`)."""
        return self.package.sheet_part(self.entry(sheet))

    def columns(self, sheet: str, first: int | None = None, last: int | None = None
                ) -> SheetColumns:
        """A sheet's cells column by column (numpy arrays; Python objects only for text,
        truth values and errors). ``first``/``last`` keep only that column range."""
        key = f"{sheet}\x00{first}\x00{last}"
        if key not in self._columns:
            part = self.sheet_part(sheet)
            limits = (first or 1, last or 16_384) if first or last else None
            try:
                cells = sheetread.read_cells(lambda: self.package.open(part), sheet=sheet,
                                             columns=limits)
            except DAMAGED_DATA_ERRORS:
                raise WorkbookError(f"{self.label}: part {part} is damaged (its data does "
                                    "not decompress); expected a complete .xlsx/.xlsm file"
                                    ) from None
            self._columns[key] = self._to_columns(sheet, cells)
        return self._columns[key]

    def _to_columns(self, sheet: str, cells) -> SheetColumns:
        kinds = cells.kinds
        numbers = cells.numbers                 # (the reader's own array: changed in place)
        dates = np.full(len(kinds), np.datetime64("NaT"), dtype="datetime64[us]")
        others: dict[int, object] = {}
        missing = np.flatnonzero(kinds == sheetread.NO_VALUE)
        if len(missing):
            i = int(missing[0])
            raise WorkbookError(f"{sheet}!{cell_ref(int(cells.rows[i]), int(cells.cols[i]))} is "
                                "a formula with no saved value; open and save the workbook in "
                                "Excel, or replace it with its value")
        shared = np.flatnonzero(kinds == sheetread.SHARED)
        if len(shared):
            strings = self._shared_strings(numbers[shared].astype(np.int64), sheet, cells, shared)
            for i in shared.tolist():
                others[i] = strings[int(numbers[i])]
            numbers[shared] = np.nan
        for i, text in cells.texts.items():
            kind = kinds[i]
            if kind == sheetread.ISO_DATE:
                dates[i] = iso_to_date(text)
                if np.isnat(dates[i]):
                    where = cell_ref(int(cells.rows[i]), int(cells.cols[i]))
                    raise WorkbookError(f"{sheet}!{where} holds the date '{text[:40]}', which no "
                                        "spreadsheet writes; the file is damaged")
            else:
                others[i] = text
        for i in np.flatnonzero(kinds == sheetread.BOOL).tolist():
            others[i] = bool(numbers[i])
            numbers[i] = np.nan
        number = np.flatnonzero(kinds == sheetread.NUMBER)
        if len(number):
            table = self.styles.date_table()
            styles = cells.styles[number]
            is_date = np.zeros(len(number), dtype=bool)
            known = (styles >= 0) & (styles < len(table))
            is_date[known] = table[styles[known]]
            dated = number[is_date]
            if len(dated):
                converted = serials_to_dates(numbers[dated], self.date1904)
                ok = ~np.isnat(converted)
                dates[dated[ok]] = converted[ok]
                numbers[dated[ok]] = np.nan
            del number, styles, is_date, known      # (before the columns are made: peak memory)
        out: dict[int, Column] = {}
        if len(kinds):
            order = np.argsort(cells.cols, kind="stable")
            bounds = np.flatnonzero(np.diff(cells.cols[order])) + 1
            chunks = np.split(order, bounds)
            of_column = {int(cells.cols[chunk[0]]): chunk for chunk in chunks}
            by_column: dict[int, dict[int, object]] = {col: {} for col in of_column}
            for i, value in others.items():      # its place in its column (chunks ascend)
                col = int(cells.cols[i])
                by_column[col][int(np.searchsorted(of_column[col], i))] = value
            for chunk in chunks:
                col = int(cells.cols[chunk[0]])
                out[col] = Column(cells.rows[chunk].astype(np.int64) - 1, numbers[chunk],
                                  dates[chunk], by_column[col])
        n_rows = int(cells.rows.max()) if len(cells.rows) else 0
        return SheetColumns(n_rows, out)

    def _shared_strings(self, wanted: np.ndarray, sheet: str, cells, positions) -> dict[int, str]:
        need = np.setdiff1d(np.unique(wanted), np.fromiter(self._shared_known, dtype=np.int64))
        if len(need):
            part = self.package.related(self.package.workbook_part, ns.SHARED_STRINGS)
            found = {} if not part else sheetread.read_shared_strings(
                lambda: self.package.open(part[0]), need)
            self._shared.update(found)
            self._shared_known.update(int(i) for i in need)
        for position, index in zip(positions, wanted):
            if int(index) not in self._shared:
                i = int(position)
                raise WorkbookError(f"{sheet}!{cell_ref(int(cells.rows[i]), int(cells.cols[i]))} "
                                    f"refers to shared string {int(index)}, which the workbook "
                                    "does not have; the file is damaged")
        return self._shared

    def rows(self, sheet: str, last_column: int | None = None) -> list[list[object]]:
        """Values from A1 to the last cell holding one (each row up to its own last value);
        numbers as int or float, dates as datetime, text, bool, error literals; blanks None.
        ``last_column`` reads only the columns up to it (cells beyond cost little)."""
        key = f"{sheet}\x00{last_column}"
        if key in self._rows:
            return self._rows[key]
        table = self.columns(sheet, 1, last_column) if last_column else self.columns(sheet)
        count = sum(len(c.rows) for c in table.columns.values())
        if count > MAX_ROWS_CELLS:
            raise WorkbookError(f"sheet '{sheet}' holds {count:,} cells, more than the "
                                f"{MAX_ROWS_CELLS:,} read cell by cell; expected a smaller sheet")
        out: list[list[object]] = [[] for _ in range(table.n_rows)]
        for col in sorted(table.columns):
            column = table.columns[col]
            for i, row in enumerate(column.rows.tolist()):
                line = out[row]
                if len(line) < col:
                    line.extend([None] * (col - len(line)))
                line[col - 1] = _python_value(column, i)
        self._rows[key] = out
        return out

    def named_cell(self, name: str) -> tuple[str, str] | None:
        """The ``(sheet, "B4")`` a workbook-level defined name points at, or None."""
        wanted = name.lower()
        for defined in self.package.defined_names():
            if defined.name.lower() != wanted or defined.local is not None:
                continue
            return _single_cell(defined.text.strip())
        return None

    # ------------------------------------------------------------------ writing
    def check_new_sheet_name(self, name: str) -> None:
        """Refuse a new sheet whose name Excel would take for an existing one (names compare
        without case, chart sheets included)."""
        for entry in self.sheets:
            if entry.name.lower() == name.lower():
                self.package.sheet_part(entry)      # a sheet with no part: the file is damaged
                kind = "a chart sheet" if entry.kind == ns.CHARTSHEET else "a sheet"
                raise WorkbookError(f"the workbook has {kind} named '{entry.name}', which Excel "
                                    f"takes for '{name}'; rename it so the report can add "
                                    f"'{name}'")

    def add_hidden_sheet(self, name: str) -> str:
        """Create an empty hidden worksheet; its part name."""
        self.check_new_sheet_name(name)
        part = self.package.free_name("xl/worksheets/sheet{}.xml")
        main = ns.for_class(ns.MAIN, self.package.conformance)
        self.package.write(part, EMPTY_SHEET.format(main=main).encode("utf-8"))
        self.package.add_sheet(name, part, state="hidden")
        return part

    def write(self, transaction: Transaction, writes: Iterable[CellWriteLike], *,
              hidden_sheets: Iterable[str] = (), modified: dt.datetime | None = None
              ) -> WriteResult:
        """Apply ``writes`` and save the new package through ``transaction``.

        Parameters
        ----------
        transaction : Transaction
            Holds the workbook locked and replaces the target.
        writes : iterable of cell writes
            Applied in order (a later write to the same cell wins; number formats accumulate
            as if applied one by one).
        hidden_sheets : iterable of str
            Sheets created (hidden) when missing, before the writes.
        modified : datetime, optional
            ``docProps/core.xml`` modified date (None: left as it is).

        Raises
        ------
        WorkbookError
            A write aimed at a missing sheet, outside Excel's grid, inside merged cells or over
            an array/shared formula, or a value that cannot be written; nothing is written then.
        """
        for name in hidden_sheets:
            if name not in self.sheet_names():
                self.add_hidden_sheet(name)
        planned = self._resolve_writes(list(writes))
        replaced_formula = False
        for sheet, cells in planned.items():
            part = self.sheet_part(sheet)
            result = patch_sheet(self.package.read(part), sheet, cells, part=part,
                                 label=self.label)
            replaced_formula = replaced_formula or result.replaced_formula
            self.package.write(part, result.data)
        if self._styles is not None and self._styles.changed:
            styles_part = self.styles_part()
            if styles_part is None:
                styles_part = self.package.free_name("xl/styles{}.xml")
                self.package.add_relationship(self.package.workbook_part, ns.STYLES, styles_part)
                self.package.set_content_type(styles_part, ns.STYLES_CONTENT)
            self.package.write(styles_part, self._styles.data)
        if replaced_formula:
            self._drop_calc_chain()
        if modified is not None:
            self._date_core(modified)
        changed, added, removed = self.package.changed_parts()
        for name in changed + added:
            if name.lower().endswith((".xml", ".rels")):
                parse(self.package.read(name), name, self.label)   # never write broken XML
        self.package.save(transaction, before_replace=self.close)
        return WriteResult(sum(len(c) for c in planned.values()), changed, added, removed)

    def _resolve_writes(self, writes: list[CellWriteLike]
                        ) -> dict[str, dict[tuple[int, int], PlannedCell]]:
        """Check every write and merge those to one cell, before anything is written."""
        known = set(self.sheet_names())
        merged: dict[str, dict[tuple[int, int], list[CellWriteLike]]] = {}
        for write in writes:
            where = f"{write.sheet}!{write.cell}"
            if write.sheet not in known:
                raise WorkbookError(f"{where}: the workbook has no sheet '{write.sheet}' to "
                                    "write the report into")
            cell = parse_ref(str(write.cell))
            if cell is None:
                if split_ref(str(write.cell)) is not None and "$" not in str(write.cell):
                    raise WorkbookError(f"{where} is beyond Excel's last cell XFD1048576; "
                                        "expected a cell inside the sheet (move the report cell)")
                raise WorkbookError(f"{where} is not a cell reference; expected one cell such "
                                    "as B7")
            merged.setdefault(write.sheet, {}).setdefault(cell, []).append(write)
        planned: dict[str, dict[tuple[int, int], PlannedCell]] = {}
        for sheet, cells in merged.items():
            planned[sheet] = {}
            for cell, group in cells.items():
                last = group[-1]
                value = cell_value(last.value, f"{sheet}!{last.cell}", self.date1904)
                planned[sheet][cell] = PlannedCell(value, _styler(self.styles, group))
        return planned

    def _drop_calc_chain(self) -> None:
        """Remove the calculation chain with its relationship and content type (Excel rebuilds
        it; a chain naming a cell that no longer holds a formula makes Excel repair the file)."""
        book = self.package.workbook_part
        for part in self.package.related(book, ns.CALC_CHAIN):
            self.package.remove(part)
            self.package.remove_content_type(part)
        self.package.remove_relationships(book, lambda rel: rel.word != ns.CALC_CHAIN)

    def _date_core(self, modified: dt.datetime) -> None:
        """``dcterms:modified`` of the core properties set (added when absent); the created
        date is never invented."""
        parts = [r.part for r in self.package.relationships("")
                 if r.type == ns.CORE_PROPERTIES_REL and r.part and self.package.has(r.part)]
        if not parts:
            return
        part = parts[0]
        doc = self.package.doc(part)
        stamp = modified.strftime("%Y-%m-%dT%H:%M:%SZ")
        edits = Edits(doc)
        element = doc.root.find(ns.DCTERMS, "modified")
        if element is not None:
            if element.text == stamp:
                return
            edits.set_text(element, stamp)
        else:
            qname, declaration = doc.qname(doc.root, ns.DCTERMS, "modified", prefer="dcterms")
            prefix = qname.partition(":")[0]
            xsi, xsi_declaration = doc.qname(doc.root, ns.XSI, "type", attribute=True,
                                             prefer="xsi")
            edits.append(doc.root, (f'<{qname}{declaration}{xsi_declaration} {xsi}="{prefix}:'
                                    f'W3CDTF">{stamp}</{qname}>').encode())
        self.package.write(part, edits.apply())


def _single_cell(text: str) -> tuple[str, str] | None:
    """``'Report'!$B$4`` or ``Report!B4`` (or a one-cell area) → ``("Report", "B4")``."""
    sheet, bang, ref = text.rpartition("!")
    if not bang or not sheet:
        return None
    if sheet.startswith("'") and sheet.endswith("'") and len(sheet) >= 2:
        sheet = sheet[1:-1].replace("''", "'")
    elif "'" in sheet:
        return None
    first, _, last = ref.partition(":")
    a, b = split_ref(first), split_ref(last or first)
    if a is None or b is None or a != b:
        return None
    return sheet, cell_ref(*a)


def _styler(styles: Styles, group: list[CellWriteLike]):
    """old style index → new one, replaying the number formats of a cell's writes in order.

    A date written into a cell whose format shows no date gets ``yyyy-mm-dd`` (with the time
    when it has one), as openpyxl and Excel do; a plan's format then replaces it.
    """
    def style(old: int) -> int:
        code = start = styles.format_code(old) or "General"
        shows_date = styles.is_date_style(old)
        for write in group:
            if isinstance(write.value, (dt.datetime, dt.date)) and not shows_date:
                has_time = isinstance(write.value, dt.datetime) and write.value.time() != dt.time()
                code = "yyyy-mm-dd h:mm:ss" if has_time else "yyyy-mm-dd"
                shows_date = True
            if write.number_format is not None:
                code = write.number_format
                shows_date = is_date_code(code)
        if code == start:
            return old
        return styles.with_format(old, code)
    return style
