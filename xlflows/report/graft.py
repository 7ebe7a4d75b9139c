"""Give a workbook without a Report sheet the built-in template, grafted part by part.

The layout is made by :func:`xlflows.report.layout.install_template` on a fresh openpyxl workbook
holding only a ``Report`` sheet, saved to memory. Its parts are then grafted into the analyst's
package without rewriting anything of theirs:

* the sheet, its drawing and charts get part names free in the package, and their relationship
  files point at the new names;
* every cell style the sheet uses is copied into the package's ``styles.xml`` (fonts, fills,
  borders and number formats appended or reused) and the sheet's ``s``/``style`` indexes remapped;
* ``workbook.xml`` gets the sheet first in ``<sheets>`` (sheet-scoped defined names, the active
  tab and the first visible tab shift by one so they keep pointing at the same sheets) and the
  settings names; ``workbook.xml.rels`` and ``[Content_Types].xml`` get one entry per new part.

The refresh then writes the values into the grafted sheet like into any Report.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile

from xlflows.errors import WorkbookError
from xlflows.report.book import (_DEFINED, _OVERRIDE, _REL, _attrs, _text,
                                 add_sheet_relationship)
from xlflows.report.data import FLOWS_SHEET
from xlflows.report.plan import REPORT_SHEET
from xlflows.report.stylesxml import Styles

_STYLE_REF = re.compile(rb"(<(?:c|row)\b[^>]*?\ss=\")(\d+)(\")")
_COL_STYLE = re.compile(rb"(<col\b[^>]*?\sstyle=\")(\d+)(\")")




def _categories(book) -> list[str]:
    if FLOWS_SHEET not in book.sheet_names():
        raise WorkbookError(f"the workbook has no '{FLOWS_SHEET}' sheet; expected weekly flows "
                            "with 'Week ending' in A1 and one column per category")
    rows = book.rows(FLOWS_SHEET)
    header = rows[0] if rows else []
    return [str(v).strip() for v in header[1:] if v is not None and str(v).strip()]


def fresh_template(categories: list[str], install_template) -> dict[str, bytes]:
    """The parts of a new workbook holding only the built-in Report (made with openpyxl)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = REPORT_SHEET
    install_template(wb, ws, categories)
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as z:
        return {name: z.read(name) for name in z.namelist()}


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def _targets(rels: bytes, part: str) -> list[str]:
    folder = posixpath.dirname(part)
    out = []
    for m in _REL.finditer(rels):
        a = _attrs(m.group(0))
        if a.get(b"TargetMode") == b"External":
            continue
        target = _text(a.get(b"Target"))
        out.append(target.lstrip("/") if target.startswith("/")
                   else posixpath.normpath(posixpath.join(folder, target)))
    return out


def _free_name(pattern: str, taken: set[str]) -> str:
    number = 1
    while pattern.format(number) in taken:
        number += 1
    name = pattern.format(number)
    taken.add(name)
    return name


def with_template(book, install_template):
    """Graft the built-in Report into ``book`` (a :class:`~xlflows.report.book.BookFile`).

    Parameters
    ----------
    book : BookFile
        A workbook without a Report sheet; its parts are replaced in memory only (nothing is
        written until the refresh writes the file).
    install_template : callable
        :func:`xlflows.report.layout.install_template` (tests pass a stand-in).

    Returns
    -------
    BookFile
        The same object, now with a Report sheet.

    Raises
    ------
    WorkbookError
        No ``Flows`` sheet, or a package this graft cannot extend (named in the message).
    """
    book.check_new_sheet_name(REPORT_SHEET)
    fresh = fresh_template(_categories(book), install_template)
    fresh_sheet = "xl/worksheets/sheet1.xml"
    taken = set(book.part_names())
    renamed: dict[str, str] = {fresh_sheet: _free_name("xl/worksheets/sheet{}.xml", taken)}
    sheet_rels = fresh.get(_rels_name(fresh_sheet), b"")
    for target in _targets(sheet_rels, fresh_sheet):
        if target.startswith("xl/drawings/") and target in fresh:
            renamed[target] = _free_name("xl/drawings/drawing{}.xml", taken)
            for chart in _targets(fresh.get(_rels_name(target), b""), target):
                if chart.startswith("xl/charts/") and chart in fresh:
                    renamed[chart] = _free_name("xl/charts/chart{}.xml", taken)

    parts: dict[str, bytes] = {}
    for old, new in renamed.items():
        parts[new] = fresh[old]
        rels = fresh.get(_rels_name(old))
        if rels is not None:
            parts[_rels_name(new)] = _retarget(rels, old, renamed)

    styles = book.styles
    theirs = Styles(fresh["xl/styles.xml"], "the built-in template")
    sheet_part = renamed[fresh_sheet]
    parts[sheet_part] = _restyle(parts[sheet_part], styles, theirs)
    styles_part = book._styles_part()
    if styles_part is None:
        raise WorkbookError(f"{book.label} has no styles part (xl/styles.xml) to add the "
                            "template's styles to; open and save it in Excel first")
    if styles.changed:
        parts[styles_part] = styles.data

    rel_id = _add_relationship(book, parts, sheet_part)
    parts["xl/workbook.xml"] = _add_sheet_first(book.read_part("xl/workbook.xml"),
                                                fresh["xl/workbook.xml"], rel_id, book.label)
    parts["[Content_Types].xml"] = _add_content_types(book.read_part("[Content_Types].xml"),
                                                      fresh["[Content_Types].xml"], renamed)
    book.replace_parts(parts)
    return book


def _retarget(rels: bytes, part: str, renamed: dict[str, str]) -> bytes:
    folder = posixpath.dirname(part)

    def fix(m: re.Match) -> bytes:
        element = m.group(0)
        target = _text(_attrs(element).get(b"Target"))
        resolved = (target.lstrip("/") if target.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target)))
        if resolved not in renamed:
            return element
        return re.sub(rb"""Target\s*=\s*(?:"[^"]*"|'[^']*')""",
                      b'Target="/' + renamed[resolved].encode() + b'"', element, count=1)
    return _REL.sub(fix, rels)


def _restyle(sheet: bytes, styles: Styles, theirs: Styles) -> bytes:
    """The grafted sheet with its style indexes moved into the package's styles; the copied
    view is not selected (two selected tabs would group the sheets in Excel)."""
    cache: dict[int, int] = {}

    def mapped(m: re.Match) -> bytes:
        old = int(m.group(2))
        if old not in cache:
            cache[old] = styles.import_style(theirs, old)
        return m.group(1) + str(cache[old]).encode() + m.group(3)

    sheet = _STYLE_REF.sub(mapped, sheet)
    sheet = _COL_STYLE.sub(mapped, sheet)
    return re.sub(rb'\stabSelected="1"', b"", sheet)


def _add_relationship(book, parts: dict[str, bytes], sheet_part: str) -> str:
    rels = book.read_part("xl/_rels/workbook.xml.rels")
    parts["xl/_rels/workbook.xml.rels"], rel_id = add_sheet_relationship(rels, sheet_part)
    return rel_id


def _shift(match: re.Match) -> bytes:
    return match.group(1) + str(int(match.group(2)) + 1).encode() + match.group(3)


def _shift_view(match: re.Match) -> bytes:
    """A ``workbookView`` whose active and first tabs (default 0) move one sheet to the right."""
    view = match.group(0)
    for name in (b"activeTab", b"firstSheet"):
        pattern = re.compile(rb"""(\s""" + name + rb"""\s*=\s*["'])(\d+)(["'])""")
        if pattern.search(view):
            view = pattern.sub(_shift, view, count=1)
        elif name == b"activeTab":
            at = len(view) - (2 if view.endswith(b"/>") else 1)
            view = view[:at] + b' activeTab="1"' + view[at:]
    return view


def _add_sheet_first(book_xml: bytes, fresh_xml: bytes, rel_id: str, label: str) -> bytes:
    sheets = re.search(rb"<((?:[\w.\-]+:)?)sheets\b[^>]*>", book_xml)
    r_prefix = re.search(rb"<(?:[\w.\-]+:)?sheet\b[^>]*?\s(\w+):id\s*=", book_xml)
    if sheets is None or r_prefix is None:
        raise WorkbookError(f"{label}: xl/workbook.xml lists no sheets; the file is damaged")
    pre = sheets.group(1)
    ids = [int(v) for v in re.findall(rb"""\bsheetId\s*=\s*["'](\d+)["']""", book_xml)]
    entry = (b"<" + pre + b'sheet name="' + REPORT_SHEET.encode() + b'" sheetId="'
             + str(max(ids, default=0) + 1).encode() + b'" ' + r_prefix.group(1) + b':id="'
             + rel_id.encode() + b'"/>')
    # sheet positions shift by one: sheet-scoped names, the active and the first tab follow
    book_xml = re.sub(rb"""(\slocalSheetId\s*=\s*["'])(\d+)(["'])""", _shift, book_xml)
    book_xml = re.sub(rb"<(?:[\w.\-]+:)?workbookView\b[^>]*?/?>", _shift_view, book_xml)
    sheets = re.search(rb"<((?:[\w.\-]+:)?)sheets\b[^>]*>", book_xml)
    book_xml = book_xml[:sheets.end()] + entry + book_xml[sheets.end():]

    names = []
    for m in _DEFINED.finditer(fresh_xml):
        attrs = _attrs(m.group(1))
        name = _text(attrs.get(b"name"))
        local = b' localSheetId="0"' if b"localSheetId" in attrs else b""
        names.append((name, bool(local), b"<" + pre + b'definedName name="'
                      + html.escape(name).encode() + b'"' + local + b">" + m.group(2) + b"</"
                      + pre + b"definedName>"))

    def same_name(m: re.Match) -> bytes:
        attrs = _attrs(m.group(1))
        name = _text(attrs.get(b"name")).lower()
        local = attrs.get(b"localSheetId") == b"0"
        return b"" if any(n.lower() == name and scoped == local for n, scoped, _ in names) \
            else m.group(0)

    book_xml = _DEFINED.sub(same_name, book_xml)
    added = b"".join(element for _, _, element in names)
    block = re.search(rb"</(?:[\w.\-]+:)?definedNames\s*>", book_xml)
    if block is not None:
        return book_xml[:block.start()] + added + book_xml[block.start():]
    empty = re.search(rb"<(?:[\w.\-]+:)?definedNames\s*/>", book_xml)
    wrapped = b"<" + pre + b"definedNames>" + added + b"</" + pre + b"definedNames>"
    if empty is not None:
        return book_xml[:empty.start()] + wrapped + book_xml[empty.end():]
    after = None
    for name in (b"externalReferences", b"functionGroups", b"sheets"):
        after = re.search(rb"</(?:[\w.\-]+:)?" + name + rb"\s*>", book_xml) or \
            (re.search(rb"<(?:[\w.\-]+:)?" + name + rb"\b[^>]*/>", book_xml)
             if name != b"sheets" else None)
        if after is not None:
            break
    return book_xml[:after.end()] + wrapped + book_xml[after.end():]


def _add_content_types(types: bytes, fresh_types: bytes, renamed: dict[str, str]) -> bytes:
    known = {}
    for m in _OVERRIDE.finditer(fresh_types):
        a = _attrs(m.group(0))
        known[_text(a.get(b"PartName")).lstrip("/")] = a.get(b"ContentType", b"")
    prefix = re.search(rb"<((?:[\w.\-]+:)?)Types\b", types)
    pre = prefix.group(1) if prefix else b""
    entries = b"".join(b"<" + pre + b'Override PartName="/' + new.encode() + b'" ContentType="'
                       + known[old] + b'"/>' for old, new in renamed.items() if old in known)
    close = types.rfind(b"</")
    return types[:close] + entries + types[close:]
