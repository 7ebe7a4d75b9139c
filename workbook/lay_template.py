"""Build time only: lay the Report template on our own draft with openpyxl, and repair what it
drops.

``workbook/build.py`` writes a draft with XlsxWriter (the Report sheet holds only its Refresh
button), then this module lays the built-in template on the Report with openpyxl
(:func:`xlflows.report.layout.install_template`: placeholders, styles, defined names, charts).
openpyxl re-creates the workbook from its object model on save, which for the shipped workbook
loses what Excel needs; it is restored from the draft's own parts through the file engine's OPC
module (relationships and content types are never edited by hand):

* dynamic-array metadata: ``xl/metadata.xml`` with its relationship and content type, and the
  ``cm`` attribute of each spilling formula cell (without them Excel shows a spill as a one-cell
  legacy array);
* the cached values of formula cells (openpyxl writes ``<v/>``), where the draft had one — a
  data sheet's formulas must stay readable by the next refresh.

The parts are written in a stable order with fixed times; the refresh that follows is done by
the file engine, like ``xlflows refresh``. Nothing here runs when an analyst refreshes.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from xlflows.ooxml import ns
from xlflows.ooxml.files import Transaction
from xlflows.ooxml.opc import Package
from xlflows.ooxml.xml import Document, Edits, canonical_xml, parse
from xlflows.ooxml.zippkg import CONTENT_TYPES_PART, ZipPackage

#: Relationship type word and content type of the dynamic-array metadata part.
METADATA = "sheetMetadata"


@dataclass
class SheetCells:
    """What a draft sheet holds that openpyxl does not write back."""

    #: cell reference -> its ``cm`` attribute (dynamic-array formulas)
    cm: dict[str, str] = field(default_factory=dict)
    #: cell reference -> (``t`` attribute or None, ``<v>`` text) of formula cells with a value
    cached: dict[str, tuple[str | None, str]] = field(default_factory=dict)


def _sheet_cells(doc: Document) -> SheetCells:
    cells = SheetCells()
    for cell in doc.root.iter(ns.MAIN, "c"):
        ref = cell.get("r")
        if ref is None:
            continue
        if cell.get("cm") is not None:
            cells.cm[ref] = cell.get("cm")
        value = cell.find(ns.MAIN, "v")
        # a saved value, or a saved empty text (=IF(…,"",…) shows a blank: t="str", <v></v>)
        if cell.find(ns.MAIN, "f") is not None and value is not None and (
                value.text or cell.get("t") == "str"):
            cells.cached[ref] = (cell.get("t"), value.text)
    return cells


def _restore_sheet(doc: Document, cells: SheetCells) -> bytes:
    """The openpyxl-written sheet with ``cm`` attributes and cached values put back."""
    edits = Edits(doc)
    for cell in doc.root.iter(ns.MAIN, "c"):
        ref = cell.get("r")
        formula = cell.find(ns.MAIN, "f")
        if ref is None or formula is None:
            continue
        if ref in cells.cm and formula.get("t") == "array" and cell.get("cm") is None:
            edits.set_attr(cell, "cm", cells.cm[ref])
        if ref in cells.cached:
            kind, text = cells.cached[ref]
            if kind and cell.get("t") is None:
                edits.set_attr(cell, "t", kind)
            value = cell.find(ns.MAIN, "v")
            if value is not None:
                edits.set_text(value, text)
    return edits.apply()


def _draft_inventory(draft: ZipPackage
                     ) -> tuple[dict[str, SheetCells], tuple[str, str, bytes] | None]:
    """Restorable cells per sheet title, and the metadata part (name, content type, bytes)."""
    package = Package(draft)
    metadata = None
    for part in package.related(package.workbook_part, METADATA):
        metadata = (part, package.content_type(part), package.read(part))
    cells = {entry.name: _sheet_cells(package.doc(entry.part))
             for entry in package.sheets() if entry.part}
    return cells, metadata


def _canonical_content_types(data: bytes) -> bytes:
    """``[Content_Types].xml`` with its Default and Override entries sorted (openpyxl writes
    them from a set, so their order changes from run to run)."""
    doc = parse(data, CONTENT_TYPES_PART, "the laid workbook")
    entries = doc.root.children
    if not entries:
        return data
    start, end = entries[0].start, entries[-1].end
    pieces = [doc.data[e.start:e.end] for e in entries]
    if sum(map(len, pieces)) != end - start:
        return data                        # something between the entries: leave it as it is
    ordered = sorted(zip(entries, pieces), key=lambda ep: (ep[0].name != "Default", ep[1]))
    return doc.data[:start] + b"".join(piece for _, piece in ordered) + doc.data[end:]


class _PartCollector:
    """Stands in for the zip archive openpyxl's ``ExcelWriter`` writes to (parts kept in
    memory, then written with fixed times in a stable order)."""

    def __init__(self) -> None:
        self.parts: dict[str, bytes] = {}

    def writestr(self, name, data, *args, **kwargs) -> None:
        arcname = name.filename if isinstance(name, zipfile.ZipInfo) else str(name)
        self.parts[arcname] = data.encode("utf-8") if isinstance(data, str) else bytes(data)

    def write(self, filename, arcname=None, *args, **kwargs) -> None:
        self.parts[str(arcname or filename)] = Path(filename).read_bytes()

    def namelist(self) -> list[str]:
        return list(self.parts)

    def close(self) -> None:
        """Nothing to close: the parts stay in memory."""

    def as_zip(self) -> bytes:
        """The parts as a zip: ``[Content_Types].xml`` (sorted) first, the rest sorted."""
        for name, data in self.parts.items():       # the same bytes with and without lxml
            if name.endswith((".xml", ".rels")):
                self.parts[name] = canonical_xml(data)
        self.parts[CONTENT_TYPES_PART] = _canonical_content_types(self.parts[CONTENT_TYPES_PART])
        buffer = io.BytesIO()
        order = sorted(self.parts, key=lambda name: (name != CONTENT_TYPES_PART, name))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in order:
                archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)),
                                 self.parts[name])
        return buffer.getvalue()


def lay_template(draft: Path, output: Path) -> None:
    """Lay the built-in Report template on the (empty) Report sheet of a draft of ours.

    Parameters
    ----------
    draft : Path
        An ``.xlsm``/``.xlsx`` written by ``workbook/build.py`` with a ``Report`` and a
        ``Flows`` sheet.
    output : Path
        Where the laid workbook is written.
    """
    import openpyxl
    from openpyxl.writer.excel import ExcelWriter

    from xlflows.report.layout import install_template
    from xlflows.report.plan import REPORT_SHEET

    with ZipPackage(draft) as source:
        cells, metadata = _draft_inventory(source)
    wb = openpyxl.load_workbook(draft, keep_vba=draft.suffix.lower() == ".xlsm")
    try:
        header = next(wb["Flows"].iter_rows(min_row=1, max_row=1, values_only=True))
        categories = [str(v).strip() for v in header[1:] if v is not None and str(v).strip()]
        install_template(wb, wb[REPORT_SHEET], categories)
        collector = _PartCollector()
        ExcelWriter(wb, collector).save()
    finally:
        archive = getattr(wb, "vba_archive", None)
        if archive is not None:
            archive.close()
    laid = Package(ZipPackage(output.with_name("laid.xlsx"), data=collector.as_zip()))
    try:
        for entry in laid.sheets():
            restorable = cells.get(entry.name)
            if entry.part and restorable and (restorable.cm or restorable.cached):
                doc = laid.doc(entry.part)
                kept = restorable if metadata is not None else SheetCells({}, restorable.cached)
                laid.write(entry.part, _restore_sheet(doc, kept))
        if metadata is not None and any(c.cm for c in cells.values()) \
                and not laid.related(laid.workbook_part, METADATA):
            part = metadata[0] if not laid.has(metadata[0]) else laid.free_name(
                "xl/metadata{}.xml")
            laid.write(part, metadata[2])
            laid.set_content_type(part, metadata[1])
            laid.add_relationship(laid.workbook_part, METADATA, part)
        with Transaction(output, output) as transaction:
            laid.save(transaction)
    finally:
        laid.zip.close()
