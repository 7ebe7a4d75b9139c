"""Build ``workbook/xlflows-lite.xlsx`` (xlwings Lite: Excel for Mac and the web) from
``xlflows.xlsm``.

``python workbook/build_lite.py`` (``workbook/build.py`` calls it after building the .xlsm).

The Lite workbook is the built ``xlflows.xlsm`` package minus what only classic Excel on Windows can
use, plus the xlwings Lite add-in part:

* removed: ``xl/vbaProject.bin`` (xlwings' VBA), its relationship and content type; the Refresh
  button (a Form Control drawn in ``vmlDrawing1.vml`` that runs a VBA macro), its relationship and
  the sheet's ``legacyDrawing``; the workbook's content type becomes the plain ``.xlsx`` one;
* reworded: the Dashboard's note on its live formulas (classic: "imported in Excel … Import
  Functions; Windows only"), which would mislead in Lite (written by the file engine's cell
  writer);
* added: ``xl/webextensions/webextension1.xml`` (``main.py`` = ``from xlflows.lite import *``,
  ``requirements.txt`` = the add-in's required lines with ``xlwings==0.37.8``, then
  ``xlflows==<version>``), ``taskpanes.xml`` and its relationships, their content types and the
  package relationship (:mod:`xlflows.webextension`).

Every other part (the sheets, the Report template, its store, the charts, styles, properties) is
copied byte for byte, so the two workbooks cannot drift apart, and the build is deterministic
because ``xlflows.xlsm`` is. Deriving it from the built file rather than from a second draft keeps
one build path for the content; the price is this small, tested package edit.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOURCE = HERE / "xlflows.xlsm"
OUTPUT = HERE / "xlflows-lite.xlsx"

CT_MACRO = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_VML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
#: The Dashboard's note in the Lite workbook (the classic one tells how to import the functions).
LITE_NOTE = ("Live formulas: in xlwings Lite the xlflows functions come from the add-in once it "
             "has installed xlflows (Home → xlwings Lite; README, \"Use it in Excel for Mac or the "
             "web\"); tables spill. Until then they show #NAME?. The Report sheet holds values "
             "only: run the script \"Refresh report\" to update it.")


def main(argv: list[str] | None = None) -> int:
    """Build the Lite workbook (``--source``/``--output`` elsewhere, for the tests)."""
    import argparse

    parser = argparse.ArgumentParser(description="Build workbook/xlflows-lite.xlsx from the "
                                                 "built workbook/xlflows.xlsm.")
    parser.add_argument("--source", type=Path, default=SOURCE, help="default: %(default)s")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="default: %(default)s")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from xlflows.errors import XlflowsError

    try:
        build(args.source, args.output)
    except XlflowsError as exc:
        print(f"build_lite: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.output}")
    return 0


def build(source: Path, output: Path) -> None:
    """Write the Lite workbook made from the package ``source`` to ``output``."""
    from xlflows.ooxml import Transaction, open_book
    from xlflows.report.plan import CellWrite
    from xlflows.webextension import add_lite

    book = open_book(source)
    try:
        without_vba(book.package)
        add_lite(book.package)
        with Transaction(output, output) as transaction:
            book.write(transaction, [CellWrite("Dashboard", note_cell(source), LITE_NOTE)])
    finally:
        book.close()


def without_vba(package) -> None:
    """Remove the VBA project and the Form Control buttons that run its macros.

    The workbook part gets the plain ``.xlsx`` content type; the VBA part, its relationship and
    content type go; a sheet's VML drawing that holds only macro buttons (no comments) goes with
    its relationship and the sheet's ``legacyDrawing``. Everything else is left as it is.
    """
    from xlflows.errors import WorkbookError
    from xlflows.ooxml import ns
    from xlflows.ooxml.xml import Edits

    book = package.workbook_part
    if package.content_type(book) != CT_MACRO:
        raise WorkbookError("the source workbook is not macro-enabled; expected the built "
                            "xlflows.xlsm")
    package.set_content_type(book, CT_XLSX)
    for rel in package.relationships(book):
        if rel.type == REL_VBA and rel.part:
            package.remove(rel.part)
            package.remove_content_type(rel.part)
    package.remove_relationships(book, lambda rel: rel.type != REL_VBA)
    for entry in package.sheets():
        buttons = [rel for rel in package.relationships(entry.part)
                   if rel.type == REL_VML and rel.part and _only_buttons(package.read(rel.part))]
        if not buttons:
            continue
        ids = {rel.id for rel in buttons}
        doc = package.doc(entry.part)
        edits = Edits(doc)
        for element in doc.root.findall(ns.MAIN, "legacyDrawing"):
            if element.get("id", ns.REL) in ids:
                edits.remove(element)
        package.write(entry.part, edits.apply())
        for rel in buttons:
            package.remove(rel.part)
        package.remove_relationships(entry.part, lambda rel, ids=ids: rel.id not in ids)


def _only_buttons(vml: bytes) -> bool:
    """Whether a VML drawing holds macro buttons and no cell comment (its shapes' object type)."""
    return b"FmlaMacro" in vml and b'ObjectType="Note"' not in vml


def note_cell(source: Path) -> str:
    """The Dashboard cell holding the note on its live formulas (the classic wording), found
    with openpyxl (the Dashboard's formulas have no saved values, which the engine refuses to
    read as data)."""
    import openpyxl

    from xlflows.errors import WorkbookError

    sheet = openpyxl.load_workbook(source, read_only=True)["Dashboard"]
    found = [cell.coordinate for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str) and cell.value.startswith("Live formulas:")]
    if len(found) != 1:
        raise WorkbookError(f"Dashboard: found {len(found)} notes starting 'Live formulas:'; "
                            "expected one")
    return found[0]


if __name__ == "__main__":
    sys.exit(main())
