"""Give a workbook without a Report (or with an empty one) the built-in template.

The layout is made by :func:`xlflows.report.layout.install_template` on a fresh openpyxl workbook
holding only a ``Report`` sheet, saved to memory, and grafted part by part into the analyst's
package by :func:`xlflows.ooxml.graft.graft_sheet` (nothing of theirs is rewritten). A ``Report``
sheet the analyst added and left empty takes the template in place; an empty Report whose
template store still exists is refused (the analyst cleared it: say how to get it back). The
refresh then writes the values into the grafted sheet like into any Report.
"""

from __future__ import annotations

import io
import zipfile

from xlflows.errors import WorkbookError
from xlflows.ooxml import BookFile, ns
from xlflows.ooxml.graft import graft_sheet, is_empty_sheet
from xlflows.ooxml.xml import canonical_xml
from xlflows.report.data import FLOWS_SHEET, RETAIL_SHEET
from xlflows.report.plan import REPORT_SHEET, TEMPLATE_SHEET


def categories(book: BookFile) -> list[str]:
    """The category headers of ``Flows`` (what the built-in Report lays a block out for)."""
    if FLOWS_SHEET not in book.sheet_names():
        raise WorkbookError(f"the workbook has no '{FLOWS_SHEET}' sheet; expected weekly flows "
                            "with 'Week ending' in A1 and one column per category")
    table = book.columns(FLOWS_SHEET)         # (numpy; the report reads it next, cached)
    header = [table.value(1, col) for col in sorted(table.columns) if col > 1]
    return [str(v).strip() for v in header if v is not None and str(v).strip()]


def has_retail(book: BookFile) -> bool:
    """Whether the workbook has a ``Retail MMF`` sheet (the built-in Report then lays out the
    retail money funds' row; a workbook without one gets the Report it always had)."""
    return RETAIL_SHEET in book.sheet_names()


def fresh_template(categories: list[str], install_template, retail: bool = False) -> bytes:
    """A new workbook file (in memory) holding only the built-in Report (made with openpyxl; the
    retail row when ``retail``), its XML parts in canonical form so the graft does not depend on
    whether lxml is installed."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.worksheets[0]                     # a new workbook holds one (active) worksheet
    ws.title = REPORT_SHEET
    install_template(wb, ws, categories, retail=retail)
    buffer = io.BytesIO()
    wb.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as made, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in made.namelist():
            data = made.read(name)
            z.writestr(name, canonical_xml(data) if name.endswith((".xml", ".rels")) else data)
    return out.getvalue()


def ensure_report(book: BookFile, install_template=None) -> bool:
    """Graft the built-in Report into ``book`` when it has none or an empty one; whether it did.

    Raises
    ------
    WorkbookError
        No ``Flows`` sheet; a sheet Excel takes for ``Report`` that is not one; an empty Report
        whose template store exists.
    """
    entry = next((e for e in book.sheets if e.name == REPORT_SHEET and e.kind == ns.WORKSHEET),
                 None)
    if entry is not None:
        if not is_empty_sheet(book, entry):
            return False
        if TEMPLATE_SHEET in book.sheet_names():
            raise WorkbookError(f"the '{REPORT_SHEET}' sheet is empty, so there is nothing to "
                                "refresh; undo the deletion, or delete the Report sheet and the "
                                f"hidden '{TEMPLATE_SHEET}' sheet to get the built-in Report "
                                "again")
    else:
        book.check_new_sheet_name(REPORT_SHEET)
    if install_template is None:
        from xlflows.report.layout import install_template
    graft_sheet(book, fresh_template(categories(book), install_template, has_retail(book)),
                REPORT_SHEET, replace=entry)
    return True
