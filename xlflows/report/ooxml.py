"""Build time only: lay the template on our own draft with openpyxl, and repair what it drops.

Refresh never saves a workbook through openpyxl any more (see :mod:`xlflows.report.xlsx`). The
build (``workbook/build.py``) still lays the Report template with openpyxl on the XlsxWriter draft
(:func:`lay_template`), and openpyxl re-creates a workbook from its object model on save. For the
shipped workbook that loses three things Excel needs, which are restored here from the draft's
own parts:

* dynamic-array metadata: ``xl/metadata.xml``, its relationship and content type, and the
  ``cm="1"`` attribute of each spilling formula cell (without them Excel shows a spill as a
  one-cell legacy array);
* the cached values of formula cells (openpyxl writes ``<v />``), restored where the input had
  one and the cell still holds a formula — a data sheet's formulas must stay readable by the next
  refresh;
* determinism: entries are written in a stable order with a fixed time, so two refreshes of the
  same input give the same bytes.

Other losses cannot be repaired (drawing shapes, pictures, sparklines and other ``extLst``
features, slicers, threaded comments, ...). :func:`scan_package` names them (the draft has none).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree

#: The time stamp of every zip entry xlflows writes (the zip format's epoch).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_METADATA_REL = "/sheetMetadata"

_FORMULA_START = re.compile(rb"<f[\s>/]")
_ATTR = re.compile(rb'([A-Za-z:]+)="([^"]*)"')
_VALUE = re.compile(rb"<v>(.*?)</v>", re.DOTALL)
_CM_CELL = re.compile(rb'<c\s[^>]*?\bcm="(\d+)"')
_OUT_FORMULA_CELL = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"([^>]*)>(<f[^>]*/>|<f[^>]*>.*?</f>)<v\s*/>(</c>)', re.DOTALL)

#: Parts openpyxl drops that Excel rebuilds or that only hold cosmetic defaults.
_HARMLESS_DROPS = (
    "sharedStrings", "calcChain", "printerSettings", "thumbnail", "chartStyle",
    "chartColorStyle", "sheetMetadata", "extended-properties", "core-properties",
    "ctrlProp",   # a control's properties; a lost control is named from the sheet's <controls>
)
#: Names analysts know for parts openpyxl does not write back.
_PART_NAMES = {
    "slicer": "slicers", "slicerCache": "slicers", "timeline": "timelines",
    "timelineCache": "timelines", "threadedComment": "threaded comments", "person": "threaded comments",
    "customXml": "custom XML (Power Query or add-in data)", "model": "a data model (Power Pivot)",
    "queryTable": "query tables", "connections": "data connections", "richData": "pictures in cells",
    "rdRichValue": "pictures in cells", "webextension": "Office add-in parts",
    "taskpanes": "Office add-in task panes", "ctrlProp": "form controls", "activeX": "ActiveX controls",
    "image": "pictures", "jpeg": "pictures", "png": "pictures", "emf": "pictures",
    "vmlDrawing": "form buttons or cell comment boxes",
}


@dataclass
class SheetCells:
    """What a sheet part of the input holds that openpyxl would not write back."""

    #: cell reference -> value of its ``cm`` attribute (dynamic-array formulas)
    cm: dict[str, bytes] = field(default_factory=dict)
    #: cell reference -> (``t`` attribute or None, raw ``<v>`` text) of formula cells
    cached: dict[str, tuple[bytes | None, bytes]] = field(default_factory=dict)
    #: number of formula cells, cached or not
    formulas: int = 0


@dataclass
class MetadataPart:
    """The input's ``xl/metadata.xml`` with the relationship and content type that declare it."""

    data: bytes
    rel_type: str
    target: str            # as written in workbook.xml.rels, e.g. "metadata.xml"
    content_type: str


@dataclass
class PackageScan:
    """An inventory of the input workbook's parts, made once before loading it."""

    sheet_parts: dict[str, str]                       # sheet title -> part name
    content_types: dict[str, str]                     # part name -> content type
    cells: dict[str, SheetCells]                      # sheet title -> restorable cells
    metadata: MetadataPart | None
    losses: list[str]                                 # what openpyxl would drop, for people

    def has_formulas(self, sheet: str) -> bool:
        """Whether the sheet holds at least one formula cell."""
        cells = self.cells.get(sheet)
        return bool(cells and cells.formulas)


def scan_package(package: zipfile.ZipFile) -> PackageScan:
    """Inventory a (safety-checked) workbook zip.

    Parameters
    ----------
    package : zipfile.ZipFile
        Open for reading, already through :func:`xlflows.report.safety.check_package`.

    Returns
    -------
    PackageScan
    """
    names = set(package.namelist())
    content_types = _content_types(package, names)
    rels = _relationships(package, "xl/workbook.xml", names)
    sheet_parts: dict[str, str] = {}
    root = ElementTree.fromstring(package.read("xl/workbook.xml"))
    for sheet in root.iter(f"{_MAIN_NS}sheet"):
        rel = rels.get(sheet.get(f"{_DOC_REL_NS}id", ""))
        if rel is not None and rel[1].endswith("/worksheet"):
            sheet_parts[sheet.get("name", "")] = rel[0]

    metadata = None
    for rel_id, (part, rel_type) in rels.items():
        if rel_type.endswith(_METADATA_REL) and part in names:
            target = _raw_target(package, "xl/workbook.xml", rel_id)
            metadata = MetadataPart(package.read(part), rel_type, target,
                                    content_types.get(part, ""))

    cells: dict[str, SheetCells] = {}
    losses: list[str] = []
    for title, part in sheet_parts.items():
        if part not in names:
            continue
        data = package.read(part)
        cells[title] = _sheet_cells(data, want_cm=metadata is not None)
        losses.extend(_sheet_losses(package, names, title, part, data))
    for part in sorted(names):
        if part.startswith("xl/drawings/") and part.endswith(".xml") and "/_rels/" not in part:
            losses.extend(_drawing_losses(package.read(part), part))
    return PackageScan(sheet_parts, content_types, cells, metadata, _unique(losses))


def dropped_parts(scan: PackageScan, written: dict[str, bytes]) -> list[str]:
    """Name the kinds of input parts with no counterpart among the parts written.

    Parameters
    ----------
    scan : PackageScan
        The input's inventory.
    written : dict
        Part name -> bytes as about to be written (after restoration).

    Returns
    -------
    list of str
        Human names ("slicers", "threaded comments"), one per kind, sorted.
    """
    out_types = set(_content_types_from_bytes(written.get("[Content_Types].xml", b""),
                                              set(written)).values())
    lost: set[str] = set()
    for part, ctype in scan.content_types.items():
        if ctype in out_types or any(word in ctype or word in part for word in _HARMLESS_DROPS):
            continue
        if part.startswith("xl/vbaProject") or part.startswith("customUI"):
            continue
        lost.add(_human_part_name(part, ctype))
    return sorted(lost)


# --------------------------------------------------------------------------- writing


class PartCollector:
    """Stands in for the zip archive openpyxl's ``ExcelWriter`` writes to.

    It keeps each part's bytes so they can be restored and then written in a stable order with
    fixed times (openpyxl itself stamps the current time and copies VBA parts in set order).
    """

    def __init__(self) -> None:
        self.parts: dict[str, bytes] = {}

    def writestr(self, name, data, *args, **kwargs) -> None:  # noqa: D401 - zipfile's signature
        """Record a part (``name`` may be a ZipInfo)."""
        arcname = name.filename if isinstance(name, zipfile.ZipInfo) else str(name)
        self.parts[arcname] = data.encode("utf-8") if isinstance(data, str) else bytes(data)

    def write(self, filename, arcname=None, *args, **kwargs) -> None:
        """Record a part from a file openpyxl wrote to disk (worksheets)."""
        self.parts[str(arcname or filename)] = Path(filename).read_bytes()

    def namelist(self) -> list[str]:
        return list(self.parts)

    def read(self, name: str) -> bytes:
        return self.parts[name]

    def close(self) -> None:
        """Nothing to close: the parts stay in memory until :func:`write_zip`."""


def restore_parts(parts: dict[str, bytes], scan: PackageScan, out_sheets: dict[str, str]) -> None:
    """Put back, in place, what openpyxl dropped and the input had.

    Parameters
    ----------
    parts : dict
        Part name -> bytes written by openpyxl; modified in place.
    scan : PackageScan
        The input's inventory.
    out_sheets : dict
        Output part name -> sheet title (openpyxl renumbers sheet parts).
    """
    for part, title in out_sheets.items():
        cells = scan.cells.get(title)
        if part not in parts or cells is None or not (cells.cached or cells.cm):
            continue
        cm = cells.cm if scan.metadata is not None else {}
        parts[part] = _restore_sheet(parts[part], cm, cells.cached)

    meta = scan.metadata
    if meta is None or not any(c.cm for c in scan.cells.values()):
        return
    rels_name = "xl/_rels/workbook.xml.rels"
    target_part = posixpath.normpath(posixpath.join("xl", meta.target)).lstrip("/")
    if meta.target.startswith("/"):
        target_part = meta.target.lstrip("/")
    if target_part not in parts:
        parts[target_part] = meta.data
    rels = parts[rels_name].decode("utf-8")
    if meta.rel_type not in rels:
        used = set(re.findall(r'Id="([^"]+)"', rels))
        number = 1
        while f"rId{number}" in used:
            number += 1
        rel = f'<Relationship Id="rId{number}" Type="{meta.rel_type}" Target="{meta.target}"/>'
        parts[rels_name] = rels.replace("</Relationships>", rel + "</Relationships>").encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    if f'PartName="/{target_part}"' not in types and meta.content_type:
        override = f'<Override PartName="/{target_part}" ContentType="{meta.content_type}"/>'
        parts["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>").encode("utf-8")


def canonical_content_types(parts: dict[str, bytes]) -> None:
    """Sort ``[Content_Types].xml``'s Default and Override entries (openpyxl's order varies)."""
    name = "[Content_Types].xml"
    text = parts[name].decode("utf-8")
    entries = re.findall(r"<(?:Default|Override)\b[^>]*/>", text)
    if not entries:
        return
    start = text.index(entries[0])
    end = max(text.index(entry) + len(entry) for entry in entries)
    body = text[start:end]
    for entry in entries:
        body = body.replace(entry, "", 1)
    if body.strip():
        return  # something else between the entries: leave the part as it is
    ordered = sorted(entries, key=lambda e: (not e.startswith("<Default"), e))
    parts[name] = (text[:start] + "".join(ordered) + text[end:]).encode("utf-8")


def write_zip(parts: dict[str, bytes], path: Path) -> None:
    """Write parts to a new zip: ``[Content_Types].xml`` first, the rest sorted, fixed times.

    Parameters
    ----------
    parts : dict
        Part name -> bytes.
    path : Path
        Destination (a temporary file; the caller moves it into place).
    """
    order = sorted(parts, key=lambda name: (name != "[Content_Types].xml", name))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            archive.writestr(info, parts[name])


def core_modified(parts: dict[str, bytes], stamp: str) -> None:
    """Set ``dcterms:modified`` in ``docProps/core.xml`` to ``stamp`` (W3CDTF text)."""
    name = "docProps/core.xml"
    if name not in parts:
        return
    text = parts[name].decode("utf-8")
    text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                  lambda m: m.group(1) + stamp + m.group(2), text)
    parts[name] = text.encode("utf-8")


# --------------------------------------------------------------------------- helpers


def _restore_sheet(data: bytes, cm: dict[str, bytes],
                   cached: dict[str, tuple[bytes | None, bytes]]) -> bytes:
    def fix(match: re.Match) -> bytes:
        ref = match.group(1).decode()
        attrs = match.group(2)
        formula = match.group(3)
        if ref in cm and b' t="array"' in formula and b" cm=" not in attrs:
            attrs += b' cm="' + cm[ref] + b'"'
        value = b"<v />"
        if ref in cached:
            kind, raw = cached[ref]
            if kind and b" t=" not in attrs:
                attrs += b' t="' + kind + b'"'
            value = b"<v>" + raw + b"</v>"
        return b'<c r="' + match.group(1) + b'"' + attrs + b">" + formula + value + b"</c>"

    return _OUT_FORMULA_CELL.sub(fix, data)


def _sheet_cells(data: bytes, *, want_cm: bool) -> SheetCells:
    cells = SheetCells()
    if want_cm and b' cm="' in data:
        for match in _CM_CELL.finditer(data):
            ref = _attrs(match.group(0)).get(b"r")
            if ref:
                cells.cm[ref.decode()] = match.group(1)
    if b"<f" not in data:
        return cells
    position = 0
    while True:
        match = _FORMULA_START.search(data, position)
        if match is None:
            break
        start = data.rfind(b"<c ", 0, match.start())
        end = data.find(b"</c>", match.end())
        if start < 0 or end < 0:
            break
        tag_end = data.find(b">", start)
        attrs = _attrs(data[start:tag_end])
        ref = attrs.get(b"r")
        cells.formulas += 1
        value = _VALUE.search(data, match.end(), end)
        kind = attrs.get(b"t")
        # a saved value, or a saved empty text (=IF(…,"",…) shows a blank: t="str", <v></v>)
        if ref and value and (value.group(1) or kind == b"str"):
            cells.cached[ref.decode()] = (kind, value.group(1))
        position = end + 4
    return cells


def _sheet_losses(package: zipfile.ZipFile, names: set[str], title: str, part: str,
                  data: bytes) -> list[str]:
    losses = []
    ext = data.rfind(b"<extLst")
    if ext >= 0:
        tail = data[ext:]
        kinds = [(b"sparklineGroup", "sparklines"), (b"conditionalFormatting", "conditional formats"),
                 (b"dataValidation", "data validation lists"), (b"slicerList", "slicers"),
                 (b"timeline", "timelines")]
        found = [label for key, label in kinds if key in tail] or ["Excel 2010+ features (extLst)"]
        losses.extend(f"{label} on sheet '{title}'" for label in found)
    rels = _relationships(package, part, names)
    types = [rel_type for _, rel_type in rels.values()]
    if b"<controls" in data:
        vml = b"".join(package.read(target) for target, rel_type in rels.values()
                       if rel_type.endswith("/vmlDrawing") and target in names)
        if not _controls_mirrored(data, vml):
            losses.append(f"form or ActiveX controls on sheet '{title}'")
    has_comments = any(t.endswith("/comments") for t in types)
    if has_comments:
        for target, rel_type in rels.values():
            if rel_type.endswith("/vmlDrawing") and target in names:
                if re.search(rb'ObjectType="(?!Note")', package.read(target)):
                    losses.append(f"the buttons on sheet '{title}' (the sheet also has cell comments)")
    return losses


def _controls_mirrored(sheet: bytes, vml: bytes) -> bool:
    """Whether every control of a sheet's ``<controls>`` also exists as a legacy VML shape.

    Excel saves a Form Control button twice: as a VML shape (which openpyxl keeps with the VBA
    parts, and which Excel reads) and as a modern ``<control>`` plus drawing shape (which openpyxl
    drops). Losing only the modern copy loses nothing.
    """
    block = sheet[sheet.find(b"<controls"):sheet.find(b"</controls>")]
    ids = re.findall(rb'shapeId="(\d+)"', block)
    legacy = set(re.findall(rb'id="_x0000_s(\d+)"', vml))
    return bool(ids) and all(shape_id in legacy for shape_id in ids)


def _drawing_losses(data: bytes, part: str) -> list[str]:
    # Modern copies of legacy VML form controls (see _controls_mirrored) carry a14:compatExt.
    data = re.sub(rb"<mc:AlternateContent\b.*?</mc:AlternateContent>",
                  lambda m: b"" if b"compatExt" in m.group(0) else m.group(0), data, flags=re.DOTALL)
    losses = []
    if re.search(rb"<(\w+:)?(sp|cxnSp|grpSp)[\s>]", data):
        losses.append(f"drawing shapes (text boxes, arrows) in {part}")
    if re.search(rb"<(\w+:)?pic[\s>]", data):
        losses.append(f"pictures in {part}")
    return losses


def _content_types(package: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    return _content_types_from_bytes(package.read("[Content_Types].xml"), names)


def _content_types_from_bytes(data: bytes, names: set[str]) -> dict[str, str]:
    if not data:
        return {}
    root = ElementTree.fromstring(data)
    defaults = {el.get("Extension", "").lower(): el.get("ContentType", "")
                for el in root.iter(f"{_CT_NS}Default")}
    overrides = {el.get("PartName", "").lstrip("/"): el.get("ContentType", "")
                 for el in root.iter(f"{_CT_NS}Override")}
    types = {}
    for name in names:
        if name.endswith("/"):
            continue
        if name in overrides:
            types[name] = overrides[name]
        else:
            types[name] = defaults.get(name.rsplit(".", 1)[-1].lower(), "")
    return types


def _relationships(package: zipfile.ZipFile, part: str, names: set[str]) -> dict[str, tuple[str, str]]:
    """Relationship id -> (target part name, type) for ``part``."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in names:
        return {}
    root = ElementTree.fromstring(package.read(rels_name))
    out = {}
    for rel in root.iter(f"{_REL_NS}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        if target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = (resolved, rel.get("Type", ""))
    return out


def _raw_target(package: zipfile.ZipFile, part: str, rel_id: str) -> str:
    folder, base = posixpath.split(part)
    root = ElementTree.fromstring(package.read(posixpath.join(folder, "_rels", base + ".rels")))
    for rel in root.iter(f"{_REL_NS}Relationship"):
        if rel.get("Id") == rel_id:
            return rel.get("Target", "")
    return ""


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {key: value for key, value in _ATTR.findall(tag)}


def _human_part_name(part: str, ctype: str) -> str:
    key = ctype.rsplit(".", 1)[-1].split("+")[0] if ctype else part.rsplit(".", 1)[-1]
    for word, label in _PART_NAMES.items():
        if word.lower() in key.lower() or f"/{word.lower()}" in part.lower():
            return label
    return f"part {part}"


def _unique(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


# --------------------------------------------------------------------------- laying the template
def lay_template(draft: Path, output: Path) -> None:
    """Lay the built-in Report template on the (empty) Report sheet of a draft of ours.

    Build time only: the draft is written by ``workbook/build.py`` with XlsxWriter, so a whole
    openpyxl load and save of it loses nothing of an analyst's. What openpyxl drops that the
    draft needs (dynamic-array metadata, cached formula values) is restored from the draft, and
    the parts are written in a stable order with fixed times. The refresh that follows is done
    by the file engine (:func:`xlflows.report.xlsx.refresh_file`).

    Parameters
    ----------
    draft : Path
        An ``.xlsm``/``.xlsx`` with a ``Report`` and a ``Flows`` sheet.
    output : Path
        Where the laid workbook is written.
    """
    import openpyxl
    from openpyxl.writer.excel import ExcelWriter

    from xlflows.report.layout import install_template
    from xlflows.report.plan import REPORT_SHEET
    from xlflows.report.safety import open_package

    package = open_package(draft)
    try:
        scan = scan_package(package)
    finally:
        package.close()
    wb = openpyxl.load_workbook(draft, keep_vba=draft.suffix.lower() == ".xlsm")
    try:
        header = next(wb["Flows"].iter_rows(min_row=1, max_row=1, values_only=True))
        categories = [str(v).strip() for v in header[1:] if v is not None and str(v).strip()]
        install_template(wb, wb[REPORT_SHEET], categories)
        collector = PartCollector()
        ExcelWriter(wb, collector).save()
    finally:
        archive = getattr(wb, "vba_archive", None)
        if archive is not None:
            archive.close()
    parts = collector.parts
    restore_parts(parts, scan, {ws.path.lstrip("/"): ws.title for ws in wb.worksheets})
    canonical_content_types(parts)
    write_zip(parts, output)
