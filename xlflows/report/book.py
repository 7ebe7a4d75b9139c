"""A workbook file opened for a refresh: read its sheets, then write cells into a new package.

:class:`BookFile` is the file engine's ``SheetSource`` (``sheet_names``, ``rows``,
``named_cell``) and its writer. Reading never loads a whole workbook: ``workbook.xml`` and its
relationships name the sheet parts, each sheet asked for is streamed by
:func:`xlflows.report.sheetxml.read_rows`, the shared strings only when a sheet uses them.

Writing (:meth:`BookFile.write`) resolves every :class:`~xlflows.report.plan.CellWrite` first
(sheet, cell inside the grid, value, style), refuses what cannot be written before anything is,
then builds the new package: the sheets written are patched at the cell level, ``styles.xml``
appended to, a missing sheet created (hidden) with its relationship and content type,
``docProps/core.xml`` dated, ``xl/calcChain.xml`` dropped when a formula was overwritten; every
other part is copied as stored.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from openpyxl.styles.numbers import is_date_format

from xlflows.errors import WorkbookError
from xlflows.report import sheetxml
from xlflows.report.package import CONTENT_TYPES, Package, replace_atomically, write_zip
from xlflows.report.plan import CellWrite
from xlflows.report.stylesxml import Styles

WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
CORE = "docProps/core.xml"
CALC_CHAIN = "xl/calcChain.xml"

MAIN_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_CONTENT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
SHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

#: What a new (template store) sheet part holds before its cells are written.
EMPTY_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
               b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
               b'<sheetData/></worksheet>')

_ATTR = re.compile(rb"""([\w:.\-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHEET = re.compile(rb"<(?:[\w.\-]+:)?sheet\b[^>]*?/?>")
_SHEETS_END = re.compile(rb"</((?:[\w.\-]+:)?)sheets\s*>")
_DEFINED = re.compile(rb"<(?:[\w.\-]+:)?definedName\b([^>]*?)>(.*?)</(?:[\w.\-]+:)?definedName\s*>",
                      re.S)
_REL = re.compile(rb"<(?:[\w.\-]+:)?Relationship\b[^>]*?/?>")
_OVERRIDE = re.compile(rb"<(?:[\w.\-]+:)?Override\b[^>]*?/?>")
_WORKBOOK_PR = re.compile(rb"<(?:[\w.\-]+:)?workbookPr\b[^>]*?/?>")
_NAME_TARGET = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?([0-9]{1,7})"
                          r"(?::\$?([A-Z]{1,3})\$?([0-9]{1,7}))?$")


def add_sheet_relationship(rels: bytes, part: str) -> tuple[bytes, str]:
    """``xl/_rels/workbook.xml.rels`` with a worksheet relationship to ``/part`` appended under
    the first free ``rIdN`` (in the part's own namespace prefix), and that id."""
    used = {_text(_attrs(m.group(0)).get(b"Id")) for m in _REL.finditer(rels)}
    number = 1
    while f"rId{number}" in used:
        number += 1
    rel_id = f"rId{number}"
    prefix = re.search(rb"<((?:[\w.\-]+:)?)Relationship\b", rels)
    entry = (b"<" + (prefix.group(1) if prefix else b"") + b'Relationship Id="' + rel_id.encode()
             + b'" Type="' + SHEET_REL.encode() + b'" Target="/' + part.encode() + b'"/>')
    close = rels.rfind(b"</")
    return rels[:close] + entry + rels[close:], rel_id


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _ATTR.finditer(tag)}


def _text(value: bytes | None) -> str:
    return html.unescape(value.decode("utf-8")) if value is not None else ""


def _xml_attr(text: str) -> bytes:
    return html.escape(text, quote=True).replace("&#x27;", "&apos;").encode("utf-8")


@dataclass
class SheetEntry:
    """A sheet of ``workbook.xml``: its title, part, relationship id and visibility."""

    name: str
    part: str | None
    kind: str            # relationship type's last word: worksheet, chartsheet, dialogsheet
    state: str = "visible"


@dataclass
class WriteResult:
    """What :meth:`BookFile.write` changed."""

    cells: int
    parts_changed: list[str] = field(default_factory=list)
    parts_added: list[str] = field(default_factory=list)
    parts_removed: list[str] = field(default_factory=list)


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


class BookFile:
    """A workbook file: a ``SheetSource`` over its parts, and the writer of a new package.

    Parameters
    ----------
    path : Path
        The ``.xlsx``/``.xlsm`` file (checked by :mod:`xlflows.report.safety` on opening).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.label = self.path.name
        self.package = Package(self.path)
        #: parts replaced or added before writing (the grafted template), by name
        self.overlay: dict[str, bytes] = {}
        self.overlay_added: list[str] = []
        try:
            self._read_structure()
        except BaseException:
            self.package.close()
            raise
        self._rows: dict[str, list[list[object]]] = {}
        self._shared: list[str] | None = None
        self._styles: Styles | None = None

    def __enter__(self) -> "BookFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the input file."""
        self.package.close()

    # ------------------------------------------------------------------ parts
    def read_part(self, name: str) -> bytes:
        """A part's bytes (a replaced or added part's new bytes)."""
        return self.overlay[name] if name in self.overlay else self.package.read(name)

    def has_part(self, name: str) -> bool:
        """Whether the package (or what was added to it) holds ``name``."""
        return name in self.overlay or self.package.has(name)

    def part_names(self) -> list[str]:
        """Every part name: the input's, then those added."""
        return list(self.package.names) + [n for n in self.overlay_added]

    def replace_parts(self, parts: dict[str, bytes]) -> None:
        """Replace or add parts before writing, then read the structure again."""
        for name, data in parts.items():
            if not self.package.has(name) and name not in self.overlay_added:
                self.overlay_added.append(name)
            self.overlay[name] = data
        self._read_structure()
        self._rows.clear()
        self._styles = None

    def _open_part(self, name: str):
        if name in self.overlay:
            return io.BytesIO(self.overlay[name])
        return self.package.open(name)

    # ------------------------------------------------------------------ structure
    def _read_structure(self) -> None:
        self.content_types = self.read_part(CONTENT_TYPES)
        self.workbook_xml = self.read_part(WORKBOOK)
        self.workbook_rels = (self.read_part(WORKBOOK_RELS)
                              if self.has_part(WORKBOOK_RELS) else None)
        self.rels: dict[str, tuple[str, str]] = {}
        for m in _REL.finditer(self.workbook_rels or b""):
            a = _attrs(m.group(0))
            if a.get(b"TargetMode") == b"External":
                continue
            self.rels[_text(a.get(b"Id"))] = (_resolve("xl", _text(a.get(b"Target"))),
                                              _text(a.get(b"Type")))
        self.sheets: list[SheetEntry] = []
        for m in _SHEET.finditer(self.workbook_xml):
            a = _attrs(m.group(0))
            rel_id = next((v for k, v in a.items() if k.endswith(b":id") or k == b"id"), None)
            part, kind = self.rels.get(_text(rel_id), (None, ""))
            self.sheets.append(SheetEntry(_text(a.get(b"name")), part, kind.rsplit("/", 1)[-1],
                                          _text(a.get(b"state")) or "visible"))
        pr = _WORKBOOK_PR.search(self.workbook_xml)
        self.date1904 = bool(pr) and _attrs(pr.group(0)).get(b"date1904", b"0").lower() in (
            b"1", b"true")
        self.main_content = self._override(WORKBOOK)

    def _override(self, part: str) -> str:
        for m in _OVERRIDE.finditer(self.content_types):
            a = _attrs(m.group(0))
            if _text(a.get(b"PartName")).lstrip("/") == part:
                return _text(a.get(b"ContentType"))
        return ""

    @property
    def macro_enabled(self) -> bool:
        """Whether the workbook part declares the macro-enabled content type."""
        return self.main_content == MACRO_CONTENT

    @property
    def has_vba(self) -> bool:
        """Whether the package holds a VBA project."""
        return any(name.lower().endswith("vbaproject.bin") for name in self.part_names())

    @property
    def styles(self) -> Styles:
        """The workbook's styles (read on first use)."""
        if self._styles is None:
            part = self._styles_part()
            self._styles = Styles(self.read_part(part) if part else None, self.label)
        return self._styles

    def _styles_part(self) -> str | None:
        for part, kind in self.rels.values():
            if kind.endswith("/styles") and self.has_part(part):
                return part
        return None

    # ------------------------------------------------------------------ SheetSource
    def sheet_names(self) -> list[str]:
        """Worksheet titles in workbook order."""
        return [s.name for s in self.sheets if s.kind == "worksheet"]

    def _entry(self, sheet: str) -> SheetEntry:
        for entry in self.sheets:
            if entry.name == sheet and entry.kind == "worksheet":
                if entry.part is None or not self.has_part(entry.part):
                    raise WorkbookError(f"{self.label}: sheet '{sheet}' has no part in the "
                                        "file; the file is damaged")
                return entry
        raise WorkbookError(f"the workbook has no sheet named '{sheet}'; sheets are "
                            + ", ".join(f"'{n}'" for n in self.sheet_names()))

    def _shared_strings(self) -> list[str]:
        if self._shared is None:
            part = next((p for p, kind in self.rels.values()
                         if kind.endswith("/sharedStrings") and self.has_part(p)), None)
            if part is None:
                self._shared = []
            else:
                try:
                    with self._open_part(part) as stream:
                        self._shared = sheetxml.read_shared_strings(stream)
                except sheetxml.ParseError as exc:
                    raise WorkbookError(f"{self.label}: part {part} is not readable XML ({exc}); "
                                        "the file is damaged") from None
        return self._shared

    def rows(self, sheet: str) -> list[list[object]]:
        """Values from A1 to the last cell holding one (see :func:`sheetxml.read_rows`)."""
        if sheet not in self._rows:
            entry = self._entry(sheet)
            context = sheetxml.ReadContext(sheet, self.styles.date_styles(),
                                           self._shared_strings, self.date1904)
            try:
                self._rows[sheet] = sheetxml.read_rows(lambda: self._open_part(entry.part),
                                                       context)
            except WorkbookError:
                raise
            except Exception:  # zlib.error, BadZipFile (CRC), EOFError
                raise WorkbookError(f"{self.label}: part {entry.part} is damaged (its data does "
                                    "not decompress); expected a complete .xlsx/.xlsm file"
                                    ) from None
        return self._rows[sheet]

    def named_cell(self, name: str) -> tuple[str, str] | None:
        """The ``(sheet, "B4")`` a workbook-level defined name points at, or None."""
        wanted = name.lower()
        for m in _DEFINED.finditer(self.workbook_xml):
            a = _attrs(m.group(1))
            if _text(a.get(b"name")).lower() != wanted or b"localSheetId" in a:
                continue
            target = _NAME_TARGET.match(_text(m.group(2)).strip())
            if target is None:
                return None
            sheet = (target.group(1) or "").replace("''", "'") or target.group(2)
            first = f"{target.group(3)}{target.group(4)}"
            if target.group(5) and f"{target.group(5)}{target.group(6)}" != first:
                return None
            return sheet, first
        return None

    # ------------------------------------------------------------------ writing
    def write(self, target: Path, writes: Iterable[CellWrite], *,
              hidden_sheets: Iterable[str] = (), modified: dt.datetime | None = None
              ) -> WriteResult:
        """Apply ``writes`` and save the new package atomically to ``target``.

        Parameters
        ----------
        target : Path
            The file replaced (the input itself, or a copy).
        writes : iterable of CellWrite
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
        changed: dict[str, bytes] = dict(self.overlay)
        added: list[str] = list(self.overlay_added)
        removed: set[str] = set()
        new_sheets: dict[str, str] = {}
        for name in hidden_sheets:
            if name not in self.sheet_names() and name not in new_sheets:
                self.check_new_sheet_name(name)
                new_sheets[name] = self._add_sheet(name, changed, added)
        planned = self._resolve_writes(list(writes), new_sheets)
        replaced_formula = False
        for sheet, cells in planned.items():
            part = new_sheets.get(sheet) or self._entry(sheet).part
            data = changed[part] if part in changed else self.package.read(part)
            result = sheetxml.patch_sheet(data, sheet, cells)
            replaced_formula = replaced_formula or result.replaced_formula
            changed[part] = result.data
        if self._styles is not None and self._styles.changed:
            part = self._styles_part()
            if part is None:
                raise WorkbookError(f"{self.label} has no styles part (xl/styles.xml) to add "
                                    "the report's number formats to; open and save it in Excel")
            changed[part] = self._styles.data
        if replaced_formula and self.has_part(CALC_CHAIN):
            self._drop_calc_chain(changed, removed)
        if modified is not None and self.package.has(CORE):
            core = _dated_core(self.package.read(CORE), modified)
            if core is not None:
                changed[CORE] = core
        self._save(target, changed, added, removed)
        return WriteResult(sum(len(c) for c in planned.values()),
                           sorted(p for p in changed if p not in added), added, sorted(removed))

    def _resolve_writes(self, writes: list[CellWrite], new_sheets: dict[str, str]
                        ) -> dict[str, dict[tuple[int, int], sheetxml.PlannedCell]]:
        """Check every write and merge those to one cell, before anything is written."""
        known = set(self.sheet_names()) | set(new_sheets)
        merged: dict[str, dict[tuple[int, int], list[CellWrite]]] = {}
        for write in writes:
            where = f"{write.sheet}!{write.cell}"
            if write.sheet not in known:
                raise WorkbookError(f"{where}: the workbook has no sheet '{write.sheet}' to "
                                    "write the report into")
            cell = sheetxml.parse_ref(str(write.cell))
            if cell is None:
                if re.fullmatch(r"[A-Z]{1,3}[0-9]{1,7}", str(write.cell)):
                    raise WorkbookError(f"{where} is beyond Excel's last cell XFD1048576; "
                                        "expected a cell inside the sheet (move the report cell)")
                raise WorkbookError(f"{where} is not a cell reference; expected one cell such "
                                    "as B7")
            merged.setdefault(write.sheet, {}).setdefault(cell, []).append(write)
        styles = self.styles
        planned: dict[str, dict[tuple[int, int], sheetxml.PlannedCell]] = {}
        for sheet, cells in merged.items():
            planned[sheet] = {}
            for cell, group in cells.items():
                last = group[-1]
                where = f"{sheet}!{last.cell}"
                value = sheetxml.cell_value(last.value, where, self.date1904)
                planned[sheet][cell] = sheetxml.PlannedCell(value, _styler(styles, group))
        return planned

    def check_new_sheet_name(self, name: str) -> None:
        """Refuse a new sheet whose name Excel would take for an existing one (names are
        compared without case, chart sheets included)."""
        for entry in self.sheets:
            if entry.name.lower() == name.lower():
                kind = {"worksheet": "a sheet", "chartsheet": "a chart sheet"}.get(
                    entry.kind, "a sheet")
                raise WorkbookError(f"the workbook has {kind} named '{entry.name}', which Excel "
                                    f"takes for '{name}'; rename it so the report can add "
                                    f"'{name}'")

    def _add_sheet(self, name: str, changed: dict[str, bytes], added: list[str]) -> str:
        """Create an empty hidden worksheet: part, relationship, content type, workbook entry."""
        taken = set(self.part_names()) | set(changed)
        number = 1
        while f"xl/worksheets/sheet{number}.xml" in taken:
            number += 1
        part = f"xl/worksheets/sheet{number}.xml"
        rels = changed.get(WORKBOOK_RELS, self.workbook_rels)
        if rels is None:
            raise WorkbookError(f"{self.label} has no {WORKBOOK_RELS}; the file is damaged")
        changed[WORKBOOK_RELS], rel_id = add_sheet_relationship(rels, part)

        book = changed.get(WORKBOOK, self.workbook_xml)
        ids = [int(v) for v in re.findall(rb"""\bsheetId\s*=\s*["'](\d+)["']""", book)]
        r_prefix = re.search(rb"\s(\w+):id\s*=", book[book.find(b"<sheets") if b"<sheets" in book
                                                   else 0:])
        end = _SHEETS_END.search(book)
        if end is None:
            raise WorkbookError(f"{self.label}: xl/workbook.xml lists no sheets; the file is "
                                "damaged")
        if r_prefix is None:
            raise WorkbookError(f"{self.label}: xl/workbook.xml has no sheet relationships; the "
                                "file is damaged")
        sheet = (b"<" + end.group(1) + b'sheet name="' + _xml_attr(name) + b'" sheetId="'
                 + str(max(ids, default=0) + 1).encode() + b'" state="hidden" '
                 + r_prefix.group(1) + b':id="' + rel_id.encode() + b'"/>')
        changed[WORKBOOK] = book[:end.start()] + sheet + book[end.start():]

        types = changed.get(CONTENT_TYPES, self.content_types)
        ct_prefix = re.search(rb"<((?:[\w.\-]+:)?)Types\b", types)
        override = (b"<" + (ct_prefix.group(1) if ct_prefix else b"") + b'Override PartName="/'
                    + part.encode() + b'" ContentType="' + SHEET_CONTENT.encode() + b'"/>')
        close = types.rfind(b"</")
        changed[CONTENT_TYPES] = types[:close] + override + types[close:]
        changed[part] = EMPTY_SHEET
        added.append(part)
        return part

    def _drop_calc_chain(self, changed: dict[str, bytes], removed: set[str]) -> None:
        """Remove ``xl/calcChain.xml`` with its relationship and content type (Excel rebuilds it)."""
        removed.add(CALC_CHAIN)
        rels = changed.get(WORKBOOK_RELS, self.workbook_rels) or b""
        changed[WORKBOOK_RELS] = _REL.sub(
            lambda m: b"" if _text(_attrs(m.group(0)).get(b"Type")).endswith("/calcChain")
            else m.group(0), rels)
        types = changed.get(CONTENT_TYPES, self.content_types)
        changed[CONTENT_TYPES] = _OVERRIDE.sub(
            lambda m: b"" if _text(_attrs(m.group(0)).get(b"PartName")).lstrip("/") == CALC_CHAIN
            else m.group(0), types)

    def _save(self, target: Path, changed: dict[str, bytes], added: list[str],
              removed: set[str]) -> None:
        names = [n for n in self.package.names if n not in removed and not n.endswith("/")]
        order = ([CONTENT_TYPES] if CONTENT_TYPES in names else []) + \
            [n for n in names if n != CONTENT_TYPES] + sorted(added)

        def parts():
            for name in order:
                if name in changed and (name in added or changed[name] != self.package.read(name)):
                    yield name, changed[name]
                else:
                    yield name, self.package.stored(name)

        replace_atomically(target, lambda out: write_zip(parts(), out),
                           before_replace=self.package.close)


def _styler(styles: Styles, group: list[CellWrite]):
    """old style index → new one, replaying the number formats of a cell's writes in order.

    A date written into a cell whose format shows no date gets ``yyyy-mm-dd`` (with the time
    when it has one), as openpyxl and Excel do; a plan's format then replaces it.
    """
    def style(old: int) -> int:
        code = styles.format_code(old)
        start = code
        for write in group:
            if isinstance(write.value, (dt.datetime, dt.date)) and not is_date_format(code):
                has_time = isinstance(write.value, dt.datetime) and write.value.time() != dt.time()
                code = "yyyy-mm-dd h:mm:ss" if has_time else "yyyy-mm-dd"
            if write.number_format is not None:
                code = write.number_format
        if code == start:
            return old
        return styles.with_format(old, code)
    return style


def _dated_core(core: bytes, modified: dt.datetime) -> bytes | None:
    """``docProps/core.xml`` with ``dcterms:modified`` set (inserted when absent); the created
    date is never invented."""
    stamp = modified.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    pattern = re.compile(rb"(<dcterms:modified\b[^>]*>)[^<]*(</dcterms:modified>)")
    if pattern.search(core):
        return pattern.sub(lambda m: m.group(1) + stamp + m.group(2), core, count=1)
    if b"xmlns:dcterms=" not in core or b"xmlns:xsi=" not in core:
        return None
    close = core.rfind(b"</")
    return (core[:close] + b'<dcterms:modified xsi:type="dcterms:W3CDTF">' + stamp
            + b"</dcterms:modified>" + core[close:])
