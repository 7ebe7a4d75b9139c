"""The file engine: an OOXML toolkit that edits workbook files without an openpyxl round trip.

Below ``xlflows.report`` and ``xlflows.update``; imports nothing from them. Modules:

* :mod:`~xlflows.ooxml.zippkg` — the zip: safety checks before parsing, parts copied as stored;
* :mod:`~xlflows.ooxml.files` — the file on disk: in use, one writer at a time, atomic replace;
* :mod:`~xlflows.ooxml.xml` — XML parts parsed by expat into located elements, byte splices;
* :mod:`~xlflows.ooxml.escape` — escaping both ways (XML, Excel's ``_xHHHH_``);
* :mod:`~xlflows.ooxml.ns` — namespaces and relationship types, Transitional and Strict;
* :mod:`~xlflows.ooxml.opc` — parts, relationships, content types, the sheet list;
* :mod:`~xlflows.ooxml.sheetread` — worksheet cells into numpy, shared strings;
* :mod:`~xlflows.ooxml.patch` — cell writes patched into a worksheet;
* :mod:`~xlflows.ooxml.styles`, :mod:`~xlflows.ooxml.numfmt` — styles appended, never renumbered;
* :mod:`~xlflows.ooxml.book` — a workbook file as a sheet source and a cell writer;
* :mod:`~xlflows.ooxml.graft` — a worksheet (with drawing and charts) grafted from another file;
* :mod:`~xlflows.ooxml.workbook` — entry points: paths and checks, ``write_cells``.
"""

from xlflows.ooxml.book import BookFile, WriteResult
from xlflows.ooxml.files import Transaction
from xlflows.ooxml.workbook import (
    EXTENSIONS,
    check_content_type,
    open_book,
    target_paths,
    write_cells,
)

__all__ = [
    "EXTENSIONS",
    "BookFile",
    "Transaction",
    "WriteResult",
    "check_content_type",
    "open_book",
    "target_paths",
    "write_cells",
]
