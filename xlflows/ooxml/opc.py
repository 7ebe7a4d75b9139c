"""The package's structure: parts, relationships, content types and the workbook's sheet list.

This module alone reads and edits ``[Content_Types].xml``, the ``_rels/*.rels`` parts and the
sheet list and defined names of ``workbook.xml``. Everything is found through the package's own
relationships (the workbook part from ``_rels/.rels``, sheets from the workbook's relationships),
by namespace URI in either conformance class, and part names are compared without ASCII case as
OPC does. Everything it adds is written in the package's own class (a Strict workbook gets Strict
relationship types) and declares every namespace it uses where it is placed.

:class:`Package` keeps the changes in memory until :meth:`Package.save` writes the new file: parts
replaced or added, parts removed; every part not changed is copied as stored.
"""

from __future__ import annotations

import io
import posixpath
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xlflows.errors import WorkbookError
from xlflows.ooxml import ns
from xlflows.ooxml.escape import xml_text
from xlflows.ooxml.files import Transaction
from xlflows.ooxml.xml import Document, Edits, Element, parse
from xlflows.ooxml.zippkg import CONTENT_TYPES_PART, ZipPackage, part_key, write_zip

PACKAGE_RELS_PART = "_rels/.rels"
DEFAULT_WORKBOOK = "xl/workbook.xml"


def rels_part(part: str) -> str:
    """The relationships part of ``part``: ``xl/_rels/workbook.xml.rels``."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def resolve(source: str, target: str) -> str:
    """A relationship target as a part name (relative to ``source``'s folder unless absolute)."""
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    folder = posixpath.dirname(source) if source else ""
    return posixpath.normpath(posixpath.join(folder, target)).lstrip("/")


def relative(source: str, part: str) -> str:
    """The target text pointing from ``source``'s folder at ``part``."""
    folder = posixpath.dirname(source) if source else ""
    return posixpath.relpath(part, folder or ".")


@dataclass(frozen=True)
class Relationship:
    """One relationship of a part."""

    id: str
    type: str
    target: str                # as written
    external: bool
    part: str | None           # the target part (internal relationships), as resolved

    @property
    def word(self) -> str | None:
        """The type's last word for an officeDocument type of either class (``worksheet``)."""
        return ns.rel_word(self.type)


@dataclass(frozen=True)
class SheetEntry:
    """A sheet of the workbook's sheet list."""

    name: str
    sheet_id: int
    rel_id: str
    state: str                 # visible, hidden, veryHidden
    part: str | None           # the sheet part, through the workbook's relationships
    kind: str                  # worksheet, chartsheet, dialogsheet, macrosheet...
    position: int


@dataclass(frozen=True)
class DefinedName:
    """A defined name of the workbook (``local`` is the sheet position for a sheet-scoped name)."""

    name: str
    text: str
    local: int | None


class Package:
    """An OPC package being edited in memory.

    Parameters
    ----------
    zp : ZipPackage
        The opened input.
    """

    def __init__(self, zp: ZipPackage):
        self.zip = zp
        self.label = zp.label
        self._changed: dict[str, bytes] = {}      # part key -> new bytes
        self._names: dict[str, str] = {}          # part key -> name (added parts)
        self._added: list[str] = []
        self._removed: set[str] = set()
        self._docs: dict[str, Document] = {}
        self.workbook_part = self._find_workbook()
        self.conformance = self.doc(self.workbook_part).conformance

    # ------------------------------------------------------------------ parts
    def has(self, name: str) -> bool:
        """Whether the package (as edited) holds part ``name``."""
        key = part_key(name)
        return key not in self._removed and (key in self._changed or self.zip.has(name))

    def name_of(self, name: str) -> str:
        """The stored spelling of part ``name``."""
        key = part_key(name)
        return self._names.get(key) or self.zip.find(name) or name

    def read(self, name: str) -> bytes:
        """A part's bytes as edited."""
        key = part_key(name)
        if key in self._removed:
            raise WorkbookError(f"{self.label} has no part {name}; the file is damaged")
        if key in self._changed:
            return self._changed[key]
        return self.zip.read(name)

    def open(self, name: str):
        """A stream of a part's bytes as edited (streams a part not changed from the zip)."""
        key = part_key(name)
        if key in self._changed:
            return io.BytesIO(self._changed[key])
        return self.zip.open(name)

    def doc(self, name: str) -> Document:
        """A part parsed (cached until the part changes)."""
        key = part_key(name)
        if key not in self._docs:
            self._docs[key] = parse(self.read(name), self.name_of(name), self.label)
        return self._docs[key]

    def write(self, name: str, data: bytes) -> None:
        """Replace or add a part."""
        key = part_key(name)
        self._removed.discard(key)
        if not self.zip.has(name) and key not in self._names:
            self._names[key] = name
            self._added.append(name)
        self._changed[key] = data
        self._docs.pop(key, None)

    def remove(self, name: str) -> None:
        """Remove a part (its relationships part too, when it has one)."""
        for victim in (name, rels_part(name)):
            key = part_key(victim)
            if self.has(victim):
                self._removed.add(key)
                self._changed.pop(key, None)
                self._docs.pop(key, None)

    def part_names(self) -> list[str]:
        """Every part as edited: the input's in their order, then those added."""
        names = [n for n in self.zip.names if part_key(n) not in self._removed]
        return names + [n for n in self._added if part_key(n) not in self._removed]

    def free_name(self, pattern: str, taken: set[str] | None = None) -> str:
        """``pattern.format(n)`` for the smallest n >= 1 naming no part (nor one in ``taken``)."""
        keys = {part_key(n) for n in self.part_names()} | {part_key(n) for n in taken or ()}
        number = 1
        while part_key(pattern.format(number)) in keys:
            number += 1
        return pattern.format(number)

    def changed_parts(self) -> tuple[list[str], list[str], list[str]]:
        """(changed, added, removed) part names, each sorted; a part written back unchanged is
        not counted."""
        added = sorted(n for n in self._added if part_key(n) not in self._removed)
        changed = sorted(self.name_of(k) for k, data in self._changed.items()
                         if k not in self._names and data != self.zip.read(self.name_of(k)))
        removed = sorted(self.zip.find(k) or k for k in self._removed if self.zip.has(k))
        return changed, added, removed

    # ------------------------------------------------------------------ relationships
    def relationships(self, source: str) -> list[Relationship]:
        """The relationships of part ``source`` (``""`` for the package's own)."""
        name = rels_part(source) if source else PACKAGE_RELS_PART
        if not self.has(name):
            return []
        out = []
        for element in self.doc(name).root.findall(ns.PACKAGE_RELS, "Relationship"):
            target = element.get("Target") or ""
            external = (element.get("TargetMode") or "").lower() == "external"
            part = None if external else self._target_part(source, target)
            out.append(Relationship(element.get("Id") or "", element.get("Type") or "", target,
                                    external, part))
        return out

    def _target_part(self, source: str, target: str) -> str:
        resolved = resolve(source, target)
        if self.has(resolved):
            return self.name_of(resolved)
        unquoted = urllib.parse.unquote(resolved)
        return self.name_of(unquoted) if self.has(unquoted) else resolved

    def related(self, source: str, word: str) -> list[str]:
        """Parts ``source`` relates to by type ``word`` (``worksheet``, ``styles``…), present."""
        return [r.part for r in self.relationships(source)
                if r.word == word and r.part is not None and self.has(r.part)]

    def add_relationship(self, source: str, word: str, part: str) -> str:
        """Relate ``source`` to ``part``; its new id. ``word`` is an officeDocument type's last
        word (``worksheet``), written in the package's class, or a whole type URI."""
        name = rels_part(source) if source else PACKAGE_RELS_PART
        if not self.has(name):
            self.write(name, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                             b'<Relationships xmlns="' + ns.PACKAGE_RELS.encode() + b'"/>')
        doc = self.doc(name)
        used = {r.get("Id") for r in doc.root.findall(ns.PACKAGE_RELS, "Relationship")}
        number = 1
        while f"rId{number}" in used:
            number += 1
        rel_id = f"rId{number}"
        edits = Edits(doc)
        edits.append(doc.root, doc.element(doc.root, ns.PACKAGE_RELS, "Relationship", [
            ("", "Id", rel_id),
            ("", "Type", word if "://" in word else ns.rel_type(word, self.conformance)),
            ("", "Target", relative(source, part))]))
        self.write(name, edits.apply())
        return rel_id

    def remove_relationships(self, source: str, keep: Callable[[Relationship], bool]) -> None:
        """Remove the relationships of ``source`` for which ``keep`` is false."""
        name = rels_part(source) if source else PACKAGE_RELS_PART
        if not self.has(name):
            return
        doc = self.doc(name)
        edits = Edits(doc)
        rels = self.relationships(source)
        for rel, element in zip(rels, doc.root.findall(ns.PACKAGE_RELS, "Relationship")):
            if not keep(rel):
                edits.remove(element)
        if edits.splices:
            self.write(name, edits.apply())

    def _find_workbook(self) -> str:
        for rel in self.relationships(""):
            if rel.word == ns.OFFICE_DOCUMENT and rel.part and self.has(rel.part):
                return rel.part
        if self.has(DEFAULT_WORKBOOK):
            return self.name_of(DEFAULT_WORKBOOK)
        raise WorkbookError(f"{self.label} has no workbook part (xl/workbook.xml); expected an "
                            ".xlsx/.xlsm workbook")

    # ------------------------------------------------------------------ content types
    def content_type(self, part: str) -> str:
        """The content type of a part (its Override, else its extension's Default; "" if none)."""
        root = self.doc(CONTENT_TYPES_PART).root
        key = part_key(part)
        for element in root.findall(ns.CONTENT_TYPES, "Override"):
            if part_key(element.get("PartName") or "") == key:
                return element.get("ContentType") or ""
        extension = part.rpartition(".")[2].lower()
        for element in root.findall(ns.CONTENT_TYPES, "Default"):
            if (element.get("Extension") or "").lower() == extension:
                return element.get("ContentType") or ""
        return ""

    def set_content_type(self, part: str, content_type: str) -> None:
        """Give ``part`` an Override with ``content_type`` (added, or changed in place)."""
        doc = self.doc(CONTENT_TYPES_PART)
        edits = Edits(doc)
        for element in doc.root.findall(ns.CONTENT_TYPES, "Override"):
            if part_key(element.get("PartName") or "") == part_key(part):
                if element.get("ContentType") == content_type:
                    return
                edits.set_attr(element, "ContentType", content_type)
                break
        else:
            edits.append(doc.root, doc.element(doc.root, ns.CONTENT_TYPES, "Override", [
                ("", "PartName", "/" + part), ("", "ContentType", content_type)]))
        self.write(CONTENT_TYPES_PART, edits.apply())

    def remove_content_type(self, part: str) -> None:
        """Remove the Override of ``part`` (if any), and the Default of its extension when no
        part left in the package has that extension."""
        doc = self.doc(CONTENT_TYPES_PART)
        edits = Edits(doc)
        for element in doc.root.findall(ns.CONTENT_TYPES, "Override"):
            if part_key(element.get("PartName") or "") == part_key(part):
                edits.remove(element)
        extension = part.rpartition(".")[2].lower()
        if not any(n.rpartition(".")[2].lower() == extension for n in self.part_names()
                   if part_key(n) != part_key(part)):
            for element in doc.root.findall(ns.CONTENT_TYPES, "Default"):
                if (element.get("Extension") or "").lower() == extension:
                    edits.remove(element)
        if edits.splices:
            self.write(CONTENT_TYPES_PART, edits.apply())

    # ------------------------------------------------------------------ the sheet list
    def sheets(self) -> list[SheetEntry]:
        """The workbook's sheets in tab order."""
        root = self.doc(self.workbook_part).root
        by_id = {r.id: r for r in self.relationships(self.workbook_part)}
        block = root.find(ns.MAIN, "sheets")
        out = []
        elements = block.findall(ns.MAIN, "sheet") if block is not None else []
        for position, element in enumerate(elements):
            rel_id = element.get("id", ns.REL) or ""
            rel = by_id.get(rel_id)
            part = rel.part if rel is not None and rel.part and self.has(rel.part) else None
            try:
                sheet_id = int(element.get("sheetId") or 0)
            except ValueError:
                sheet_id = 0
            out.append(SheetEntry(element.get("name") or "", sheet_id, rel_id,
                                  element.get("state") or "visible", part,
                                  (rel.word or "") if rel is not None else "", position))
        return out

    def sheet_part(self, entry: SheetEntry) -> str:
        """The part of a sheet of :meth:`sheets` (WorkbookError when the workbook's relationships
        give it none: the file is damaged)."""
        if entry.part is None:
            raise WorkbookError(f"{self.label}: sheet '{entry.name}' has no part in the file; "
                                "the file is damaged")
        return entry.part

    def date1904(self) -> bool:
        """Whether the workbook uses the 1904 date system."""
        pr = self.doc(self.workbook_part).root.find(ns.MAIN, "workbookPr")
        return pr is not None and (pr.get("date1904") or "").strip().lower() in ("1", "true")

    def defined_names(self) -> list[DefinedName]:
        """The workbook's defined names."""
        root = self.doc(self.workbook_part).root
        block = root.find(ns.MAIN, "definedNames")
        out = []
        for element in block.findall(ns.MAIN, "definedName") if block is not None else []:
            local = element.get("localSheetId")
            out.append(DefinedName(element.get("name") or "", element.text,
                                   int(local) if local and local.isdigit() else None))
        return out

    def add_sheet(self, name: str, part: str, *, state: str = "visible", first: bool = False
                  ) -> None:
        """Add a worksheet part to the workbook: relationship, content type, sheet list entry.

        ``first`` puts it first in tab order: sheet-scoped names, the active tab and the first
        visible tab then move one place to keep pointing at the same sheets.
        """
        rel_id = self.add_relationship(self.workbook_part, ns.WORKSHEET, part)
        self.set_content_type(part, ns.SHEET_CONTENT)
        doc = self.doc(self.workbook_part)
        block = doc.root.find(ns.MAIN, "sheets")
        if block is None:
            raise WorkbookError(f"{self.label}: {self.workbook_part} lists no sheets; the file "
                                "is damaged")
        ids = [entry.sheet_id for entry in self.sheets()]
        attrs = [("", "name", name), ("", "sheetId", str(max(ids, default=0) + 1))]
        if state != "visible":
            attrs.append(("", "state", state))
        attrs.append((ns.REL, "id", rel_id))
        element = doc.element(block, ns.MAIN, "sheet", attrs)
        edits = Edits(doc)
        if first:
            edits.insert(block.inner, element)
            self._shift_positions(doc, edits)
        else:
            edits.append(block, element)
        self.write(self.workbook_part, edits.apply())

    def _shift_positions(self, doc: Document, edits: Edits) -> None:
        names = doc.root.find(ns.MAIN, "definedNames")
        for element in names.findall(ns.MAIN, "definedName") if names is not None else []:
            local = element.get("localSheetId")
            if local is not None and local.strip().isdigit():
                edits.set_attr(element, "localSheetId", str(int(local) + 1))
        views = doc.root.find(ns.MAIN, "bookViews")
        for view in views.findall(ns.MAIN, "workbookView") if views is not None else []:
            for attr in ("activeTab", "firstSheet"):
                value = view.get(attr)
                if value is not None and value.strip().isdigit():
                    edits.set_attr(view, attr, str(int(value) + 1))
                elif attr == "activeTab":
                    edits.set_attr(view, attr, "1")

    def set_defined_names(self, names: list[tuple[str, str, int | None]]) -> None:
        """Add workbook defined names ``(name, formula text, sheet position or None)``,
        replacing existing ones of the same name and scope (names compare without case)."""
        doc = self.doc(self.workbook_part)
        edits = Edits(doc)
        block = doc.root.find(ns.MAIN, "definedNames")
        wanted = {(n.lower(), local) for n, _, local in names}
        if block is not None:
            for element in block.findall(ns.MAIN, "definedName"):
                local = element.get("localSheetId")
                scope = int(local) if local and local.isdigit() else None
                if ((element.get("name") or "").lower(), scope) in wanted:
                    edits.remove(element)
        parent = block if block is not None else doc.root
        new = b"".join(self._defined_name(doc, parent, n, text, local)
                       for n, text, local in names)
        if block is not None:
            edits.append(block, new)
        else:
            wrapper = doc.element(doc.root, ns.MAIN, "definedNames", content=new)
            edits.insert(_after_sheets(doc.root), wrapper)
        self.write(self.workbook_part, edits.apply())

    @staticmethod
    def _defined_name(doc: Document, parent: Element, name: str, text: str,
                      local: int | None) -> bytes:
        attrs = [("", "name", name)]
        if local is not None:
            attrs.append(("", "localSheetId", str(local)))
        return doc.element(parent, ns.MAIN, "definedName", attrs,
                           content=xml_text(text).encode("utf-8"))

    # ------------------------------------------------------------------ saving
    def save(self, transaction: Transaction, before_replace: Callable[[], None] | None = None
             ) -> None:
        """Write the package as edited over the transaction's target, atomically.

        Entries keep the input's order (``[Content_Types].xml`` first), parts added follow;
        every part not changed is copied as stored.
        """
        names = self.part_names()
        order = ([n for n in names if n == CONTENT_TYPES_PART]
                 + [n for n in names if n != CONTENT_TYPES_PART and n not in self._added]
                 + sorted(n for n in names if n in self._added))

        def parts():
            for name in order:
                key = part_key(name)
                if key in self._changed and (name in self._added
                                             or self._changed[key] != self.zip.read(name)):
                    yield name, self._changed[key]
                else:
                    yield name, self.zip.stored(name)

        transaction.replace(lambda out: write_zip(parts(), out, label=self.label),
                            before_replace=before_replace)


def _after_sheets(root: Element) -> int:
    """Where ``<definedNames>`` goes when the workbook has none (after the elements the schema
    puts before it)."""
    position = None
    for name in ("sheets", "functionGroups", "externalReferences"):
        element = root.find(ns.MAIN, name)
        if element is not None:
            position = max(position or 0, element.end)
    if position is None:
        raise WorkbookError("xl/workbook.xml lists no sheets; the file is damaged")
    return position


def open_package(path: Path) -> Package:
    """Open and check a workbook file as an editable package."""
    zp = ZipPackage(path)
    try:
        return Package(zp)
    except BaseException:
        zp.close()
        raise
