"""Graft a worksheet made elsewhere (with its drawing and charts) into a workbook, part by part.

The source is a small package in memory (the built-in Report laid by openpyxl on an otherwise
empty workbook). Nothing of the target workbook is rewritten:

* the sheet and every part it reaches through its relationships (drawing, charts) get part
  names free in the target; their relationships keep their ids and point at the new names;
* every cell, row and column style the sheet uses is copied into the target's ``styles.xml``
  (fonts, fills, borders and number formats appended or reused) and the indexes remapped;
* the sheet goes first in the sheet list (:meth:`xlflows.ooxml.opc.Package.add_sheet` keeps
  sheet-scoped names and the active tab pointing at the same sheets), or takes the place of an
  empty sheet of the same name; the source workbook's defined names are added for it;
* a Strict target gets every grafted part in Strict namespaces and relationship types, so the
  package never mixes conformance classes.
"""

from __future__ import annotations

import re
from pathlib import Path

from xlflows.errors import WorkbookError
from xlflows.ooxml import ns
from xlflows.ooxml.book import BookFile
from xlflows.ooxml.opc import Package, SheetEntry, relative, rels_part
from xlflows.ooxml.styles import Styles
from xlflows.ooxml.xml import Edits, parse, rewrite_uris
from xlflows.ooxml.zippkg import ZipPackage

_NUMBERED = re.compile(r"^(.*?)(\d*)(\.[^./]+)$")


def _pattern(part: str) -> str:
    """``xl/drawings/drawing1.xml`` → ``xl/drawings/drawing{}.xml``."""
    m = _NUMBERED.match(part)
    return f"{m.group(1)}{{}}{m.group(3)}" if m else part + "{}"


def is_empty_sheet(book: BookFile, entry: SheetEntry) -> bool:
    """Whether a worksheet holds no value and relates to no other part (a sheet an analyst
    added and left empty)."""
    return (not book.package.relationships(book.package.sheet_part(entry))
            and not any(len(c.rows) for c in book.columns(entry.name).columns.values()))


#: Children of ``<worksheet>`` that come after ``<legacyDrawing>`` (schema order).
_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                 "webPublishItems", "tableParts", "extLst")


def graft_sheet(book: BookFile, source: bytes, title: str, *,
                replace: SheetEntry | None = None, keep_legacy: bool = False) -> str:
    """Graft the first worksheet of the package ``source`` into ``book`` as sheet ``title``.

    Parameters
    ----------
    book : BookFile
        The target; its package is changed in memory (nothing is written until it is saved).
    source : bytes
        A workbook file in memory whose first sheet is the one to graft.
    title : str
        The sheet's title in the target.
    replace : SheetEntry, optional
        An empty sheet (see :func:`is_empty_sheet`) whose part the grafted sheet takes, keeping
        its place and name; otherwise the sheet is added first.
    keep_legacy : bool
        With ``replace``: keep what the replaced sheet has besides cells — its legacy (VML)
        drawings (Form Control buttons) and its VBA code name — instead of requiring a sheet
        with no relationships (the build lays the Report on its own draft this way).

    Returns
    -------
    str
        The grafted sheet's part name.
    """
    target = book.package
    fresh = Package(ZipPackage(Path("template.xlsx"), data=source))
    try:
        sheet_part = fresh.sheet_part(fresh.sheets()[0])
        replaced = None if replace is None else target.sheet_part(replace)
        kept = _kept(target, replace, keep_legacy)
        renamed = _new_names(target, fresh, sheet_part, replaced)
        styles = book.styles
        theirs = Styles(fresh.read(fresh.related(fresh.workbook_part, ns.STYLES)[0]),
                        "xl/styles.xml", "the built-in template")
        strict = target.conformance == ns.STRICT
        for old, new in renamed.items():
            data = fresh.read(old)
            if old == sheet_part:
                data = _restyle(data, old, styles, theirs)
            if strict and old.lower().endswith(".xml"):
                data = rewrite_uris(parse(data, old, "the built-in template"),
                                    ns.strict_counterpart, attributes=("uri",))
            target.write(new, data)
            target.set_content_type(new, fresh.content_type(old))
            if fresh.has(rels_part(old)):
                target.write(rels_part(new), _retargeted(fresh, old, new, renamed, strict))
            elif old == sheet_part and replace is not None:
                target.remove(rels_part(new))
        if kept is not None:
            _carry_over(target, renamed[sheet_part], *kept)
        if styles.changed:
            part = book.styles_part()
            if part is None:
                raise WorkbookError(f"{book.label} has no styles part (xl/styles.xml) to add the "
                                    "template's styles to; open and save it in Excel first")
            target.write(part, styles.data)
        if replace is None:
            target.add_sheet(title, renamed[sheet_part], first=True)
            position = 0
        else:
            position = replace.position
        names = [(n.name, n.text, position if n.local is not None else None)
                 for n in fresh.defined_names()]
        if names:
            target.set_defined_names(names)
    finally:
        fresh.zip.close()
    book.reload()
    return renamed[sheet_part]


def _new_names(target: Package, fresh: Package, sheet_part: str,
               replaced: str | None) -> dict[str, str]:
    """Every part reached from the sheet, with a name free in the target."""
    renamed: dict[str, str] = {}
    queue = [sheet_part]
    while queue:
        part = queue.pop(0)
        if part in renamed:
            continue
        if part == sheet_part and replaced is not None:
            renamed[part] = replaced
        else:
            renamed[part] = target.free_name(_pattern(part), set(renamed.values()))
        queue += [r.part for r in fresh.relationships(part)
                  if not r.external and r.part and fresh.has(r.part)]
    return renamed


def _retargeted(fresh: Package, old: str, new: str, renamed: dict[str, str], strict: bool) -> bytes:
    """``old``'s relationships part for ``new``: the same ids, targets at the new names."""
    doc = fresh.doc(rels_part(old))
    edits = Edits(doc)
    for rel, element in zip(fresh.relationships(old),
                            doc.root.findall(ns.PACKAGE_RELS, "Relationship")):
        if rel.external or rel.part not in renamed:
            continue
        edits.set_attr(element, "Target", relative(new, renamed[rel.part]))
        if strict:
            edits.set_attr(element, "Type", ns.strict_counterpart(rel.type))
    return edits.apply()


def _restyle(data: bytes, part: str, styles: Styles, theirs: Styles) -> bytes:
    """The sheet with its style indexes moved into the target's styles; its view not selected
    (two selected tabs would group the sheets in Excel)."""
    doc = parse(data, part, "the built-in template")
    edits = Edits(doc)
    cache: dict[int, int] = {}

    def mapped(value: str) -> str:
        old = int(value) if value.isdigit() else 0
        if old not in cache:
            cache[old] = styles.import_style(theirs, old)
        return str(cache[old])

    for element in doc.root.iter(ns.MAIN):
        if element.name in ("c", "row") and (style := element.get("s")) is not None:
            edits.set_attr(element, "s", mapped(style))
        elif element.name == "col" and (style := element.get("style")) is not None:
            edits.set_attr(element, "style", mapped(style))
        elif element.name == "sheetView" and element.get("tabSelected") is not None:
            edits.remove_attr(element, "tabSelected")
    return edits.apply()


def _kept(target: Package, replace: SheetEntry | None, keep_legacy: bool):
    """What the replaced sheet passes on: (its VML drawing relationships, its code name), or
    None; a sheet relating to anything else is refused."""
    if replace is None:
        return None
    part = target.sheet_part(replace)
    rels = target.relationships(part)
    legacy = [r for r in rels if r.word == "vmlDrawing" and not r.external]
    if rels and (not keep_legacy or len(legacy) != len(rels)):
        raise WorkbookError(f"the workbook's sheet '{replace.name}' relates to other parts; "
                            "expected an empty sheet to lay the report on")
    pr = target.doc(part).root.find(ns.MAIN, "sheetPr")
    code_name = pr.get("codeName") if pr is not None and keep_legacy else None
    return legacy, code_name


def _carry_over(target: Package, part: str, legacy, code_name: str | None) -> None:
    """The grafted sheet gets the replaced one's legacy drawings and code name."""
    ids = [target.add_relationship(part, rel.type, rel.part) for rel in legacy]
    doc = target.doc(part)
    edits = Edits(doc)
    root = doc.root
    if ids:
        anchor = root.find(ns.MAIN, "drawing")
        following = next((c for c in root.children if c.uri == ns.MAIN
                          and c.name in _AFTER_LEGACY), None)
        at = anchor.end if anchor is not None else (following.start if following is not None
                                                    else root.close)
        edits.insert(at, b"".join(doc.element(root, ns.MAIN, "legacyDrawing",
                                              [(ns.REL, "id", rel_id)]) for rel_id in ids))
    if code_name is not None:
        pr = root.find(ns.MAIN, "sheetPr")
        if pr is not None:
            edits.set_attr(pr, "codeName", code_name)
        else:
            edits.insert(root.children[0].start if root.children else root.close,
                         doc.element(root, ns.MAIN, "sheetPr", [("", "codeName", code_name)]))
    target.write(part, edits.apply())
