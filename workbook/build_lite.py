"""Build ``workbook/xlflows-lite.xlsx`` (xlwings Lite: Excel for Mac and the web) from ``xlflows.xlsm``.

``python workbook/build_lite.py`` (``workbook/build.py`` calls it after building the .xlsm).

The Lite workbook is the built ``xlflows.xlsm`` package minus what only classic Excel on Windows can
use, plus the xlwings Lite add-in part:

* removed: ``xl/vbaProject.bin`` (xlwings' VBA), its relationship and content type; the Refresh
  button (a Form Control drawn in ``vmlDrawing1.vml`` that runs a VBA macro), its relationship and
  the sheet's ``legacyDrawing``; the workbook's content type becomes the plain ``.xlsx`` one;
* reworded: the Dashboard's note on its live formulas (classic: "imported in Excel … Import
  Functions; Windows only"), which would mislead in Lite;
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

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOURCE = HERE / "xlflows.xlsm"
OUTPUT = HERE / "xlflows-lite.xlsx"

WORKBOOK_PART = "xl/workbook.xml"
CT_MACRO = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_VML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
DASHBOARD_PART = "xl/worksheets/sheet2.xml"
#: The Dashboard's note in the Lite workbook (the classic one tells how to import the functions).
LITE_NOTE = ("Live formulas: in xlwings Lite the xlflows functions come from the add-in once it has "
             "installed xlflows (Home → xlwings Lite; README, \"Use it in Excel for Mac or the "
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
    from xlflows.webextension import _read_package, add_lite_parts, write_package

    infos, parts = _read_package(source)
    parts = with_lite_note(without_vba(parts))
    parts, _ = add_lite_parts(parts)
    write_package([info for info in infos if info.filename in parts], parts, output)


def without_vba(parts: dict[str, bytes]) -> dict[str, bytes]:
    """The package without its VBA project and the Form Control buttons that run its macros.

    Parameters
    ----------
    parts : dict
        Part name -> bytes of an ``.xlsm``.

    Returns
    -------
    dict
        The parts of the equivalent ``.xlsx``; parts not named above are the same objects.
    """
    from xlflows.errors import WorkbookError

    parts = dict(parts)
    types = parts["[Content_Types].xml"].decode("utf-8")
    if CT_MACRO not in types:
        raise WorkbookError("the source workbook is not macro-enabled; expected the built "
                            "xlflows.xlsm")
    types = types.replace(CT_MACRO, CT_XLSX)
    types = re.sub(r'<Default Extension="bin" ContentType="application/vnd\.ms-office\.vbaProject"'
                   r'\s*/>', "", types)
    parts["[Content_Types].xml"] = types.encode("utf-8")
    for name in [n for n in parts if n.startswith("xl/vbaProject")
                 or n == "xl/_rels/vbaProject.bin.rels"]:
        del parts[name]
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = _drop_relationships(parts[rels], REL_VBA)
    for rels_name in [n for n in parts if re.fullmatch(r"xl/worksheets/_rels/sheet\d+\.xml\.rels", n)]:
        _drop_buttons(parts, rels_name)
    return parts


def with_lite_note(parts: dict[str, bytes]) -> dict[str, bytes]:
    """The package with the Dashboard's note on its formulas worded for xlwings Lite."""
    from xml.sax.saxutils import escape

    from xlflows.errors import WorkbookError

    parts = dict(parts)
    new, count = re.subn(rb"<t>Live formulas:[^<]*</t>",
                         b"<t>" + escape(LITE_NOTE).encode("utf-8") + b"</t>",
                         parts[DASHBOARD_PART])
    if count != 1:
        raise WorkbookError(f"{DASHBOARD_PART}: found {count} notes starting 'Live formulas:'; "
                            "expected the Dashboard's one")
    parts[DASHBOARD_PART] = new
    return parts


def _drop_buttons(parts: dict[str, bytes], rels_name: str) -> None:
    """Remove a sheet's VML drawing when it holds only macro buttons (no comments)."""
    rels = parts[rels_name].decode("utf-8")
    sheet = rels_name.replace("_rels/", "").removesuffix(".rels")
    for rel in re.findall(r"<Relationship\b[^>]*/>", rels):
        if f'Type="{REL_VML}"' not in rel:
            continue
        rel_id = re.search(r'Id="([^"]*)"', rel).group(1)
        target = re.search(r'Target="([^"]*)"', rel).group(1)
        vml_name = target.lstrip("/") if target.startswith("/") else f"xl/worksheets/{target}"
        vml_name = re.sub(r"[^/]+/\.\./", "", vml_name)
        vml = parts.get(vml_name, b"")
        if b"FmlaMacro" not in vml or b'ObjectType="Note"' in vml:
            continue
        del parts[vml_name]
        parts[rels_name] = parts[rels_name].replace(rel.encode("utf-8"), b"")
        parts[sheet] = re.sub(rb"<legacyDrawing\b[^>]*\br:id=\"" + re.escape(rel_id.encode())
                              + rb"\"[^>]*/>", b"", parts[sheet])


def _drop_relationships(xml: bytes, rel_type: str) -> bytes:
    text = xml.decode("utf-8")
    for rel in re.findall(r"<Relationship\b[^>]*/>", text):
        if f'Type="{rel_type}"' in rel:
            text = text.replace(rel, "")
    return text.encode("utf-8")


if __name__ == "__main__":
    sys.exit(main())
