"""Open a workbook file for an edit: paths, extension and content-type checks, ``write_cells``.

The entry points that rewrite a workbook (``xlflows refresh``, ``update``, ``lite``) share these
steps: the file read and the file replaced (``--output`` keeps the extension; a symlink is
written through), a :class:`~xlflows.ooxml.files.Transaction` around the whole read-compute-
replace, the workbook opened and its content type checked against its extension.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

from xlflows.errors import WorkbookError
from xlflows.ooxml import ns
from xlflows.ooxml.book import BookFile, CellWriteLike, WriteResult
from xlflows.ooxml.files import Transaction, resolve_target

#: Extensions the engine reads and writes.
EXTENSIONS = (".xlsx", ".xlsm")


def target_paths(path: str | os.PathLike, output: str | os.PathLike | None
                 ) -> tuple[Path, Path]:
    """(the file read, the file replaced) after the extension checks; a symlinked target is
    replaced through its link."""
    source = Path(path)
    target = Path(output) if output is not None else source
    suffix = source.suffix.lower()
    if suffix not in EXTENSIONS:
        raise WorkbookError(f"{source.name} has extension '{source.suffix}'; expected .xlsx or "
                            ".xlsm")
    if target.suffix.lower() != suffix:
        raise WorkbookError(f"--output {target.name} has extension '{target.suffix}'; expected "
                            f"'{source.suffix}' like the input (an .xlsm must stay macro-enabled)")
    return source, resolve_target(target)


def open_book(path: Path) -> BookFile:
    """Open a workbook file (one line naming the problem when it cannot be)."""
    try:
        return BookFile(path)
    except PermissionError as exc:
        raise WorkbookError(f"cannot read {path} ({exc.strerror or 'permission denied'}); "
                            "expected a workbook you may read") from None
    except IsADirectoryError:
        raise WorkbookError(f"{path} is a folder; expected an .xlsx/.xlsm file") from None


def check_content_type(book: BookFile, path: Path) -> None:
    """Refuse a workbook whose content does not match its extension (Excel will not open it)."""
    suffix = path.suffix.lower()
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    wanted = ns.WORKBOOK_TYPES.get(book.main_content)
    if suffix == ".xlsm" and wanted == ".xlsx":
        raise WorkbookError(f"{path.name} is a workbook without macros (.xlsx) named .xlsm; "
                            f"Excel will not open it under that name. Rename it {stem}.xlsx")
    if suffix == ".xlsx" and wanted == ".xlsm":
        raise WorkbookError(f"{path.name} is a macro-enabled workbook (.xlsm) named .xlsx; "
                            f"Excel will not open it under that name. Rename it {stem}.xlsm")
    if wanted in (".xltx", ".xltm"):
        raise WorkbookError(f"{path.name} is an Excel template ({wanted}) named "
                            f"{path.suffix}; Excel will not open it under that name. Rename it "
                            f"{stem}{wanted}, or open it in Excel and save a workbook from it")


def write_cells(path: str | os.PathLike, writes: Iterable[CellWriteLike], *,
                output: str | os.PathLike | None = None, modified: dt.datetime | None = None,
                hidden_sheets: Iterable[str] = ()) -> WriteResult:
    """Write cells into any sheets of a workbook file, atomically; nothing else changes.

    Parameters
    ----------
    path : path-like
        An ``.xlsx``/``.xlsm`` workbook.
    writes : iterable of cell writes
        Values (numbers, text, truth values, dates, None to clear) and optional number formats,
        applied in order; cells beyond a sheet's last row or column are added.
    output : path-like, optional
        Write here instead of over ``path`` (same extension).
    modified : datetime, optional
        The ``docProps/core.xml`` modified date to record (None: left as it is).
    hidden_sheets : iterable of str
        Sheets to create, hidden, when missing.

    Raises
    ------
    WorkbookError
        A bad file, a workbook open in Excel or LibreOffice, a read-only target, a write outside
        the grid, inside merged cells or over an array formula; nothing is written then.
    """
    source, target = target_paths(path, output)
    with Transaction(source, target) as transaction:
        book = open_book(source)
        try:
            check_content_type(book, source)
            return book.write(transaction, writes, hidden_sheets=hidden_sheets,
                              modified=modified)
        finally:
            book.close()
