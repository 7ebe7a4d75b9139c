"""Checks made on a workbook file before any of its XML is parsed.

A workbook is a zip of XML parts. Before reading one we refuse what could hurt the machine or
mislead the analyst:

* a file that is not a zip (or a truncated one, whose zip directory is missing);
* a zip bomb: too many parts, a part or a total that inflates beyond fixed limits, or a large part
  whose compression ratio is implausible for spreadsheet XML;
* an XML part that declares a DOCTYPE or ENTITY (the "billion laughs" family). openpyxl also parses
  through ``defusedxml`` when it is installed (a dependency of xlflows); this check does not rely
  on it.

Every refusal is a :class:`~xlflows.errors.WorkbookError` whose message names the file and the part.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from xlflows.errors import WorkbookError

#: At most this many parts in one workbook.
MAX_PARTS = 10_000
#: A single part may inflate to at most this many bytes (1 GiB).
MAX_PART_BYTES = 1 << 30
#: All parts together may inflate to at most this many bytes (2 GiB).
MAX_TOTAL_BYTES = 2 << 30
#: Parts larger than :data:`RATIO_FLOOR_BYTES` may inflate at most this many times their stored
#: size (Apache POI uses the same 1:100 default; real sheet XML stays far below it).
MAX_RATIO = 100.0
#: Small parts (styles, empty sheets) compress very well and cannot hurt; the ratio is checked
#: only above this uncompressed size (1 MiB).
RATIO_FLOOR_BYTES = 1 << 20
#: How much of each XML part is read to find its root element (and any DOCTYPE before it).
PROLOG_BYTES = 64 * 1024

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")


def open_package(path: Path) -> zipfile.ZipFile:
    """Open a workbook file as a zip after the size, ratio and XML-declaration checks.

    Parameters
    ----------
    path : Path
        The ``.xlsx``/``.xlsm`` file.

    Returns
    -------
    zipfile.ZipFile
        Open for reading; the caller closes it.

    Raises
    ------
    WorkbookError
        The file is missing, not a zip, truncated, a zip bomb, lacks the workbook part, or one of
        its XML parts declares a DOCTYPE/ENTITY.
    """
    label = path.name
    if not path.is_file():
        raise WorkbookError(f"{path}: no such file")
    with path.open("rb") as fh:
        head = fh.read(8)
    try:
        package = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WorkbookError(_not_a_zip_reason(label, head)) from None
    try:
        check_package(package, label)
    except BaseException:
        package.close()
        raise
    return package


def _not_a_zip_reason(label: str, head: bytes) -> str:
    if head.startswith(_ZIP_MAGIC):
        return (f"{label} is truncated or damaged (its zip directory is missing); "
                "expected a complete .xlsx/.xlsm file")
    if head.startswith(_OLE_MAGIC):
        return (f"{label} is a legacy .xls or a password-protected workbook; "
                "expected an unprotected .xlsx/.xlsm file")
    if not head:
        return f"{label} is empty; expected an .xlsx/.xlsm workbook"
    return f"{label} is not an Excel workbook (not a zip file); expected an .xlsx/.xlsm file"


def check_package(package: zipfile.ZipFile, label: str) -> None:
    """Refuse zip bombs and XML parts that declare a DOCTYPE or ENTITY.

    Parameters
    ----------
    package : zipfile.ZipFile
        The open workbook.
    label : str
        The file name used in messages.

    Raises
    ------
    WorkbookError
        Naming the part and the limit it broke.
    """
    infos = package.infolist()
    if len(infos) > MAX_PARTS:
        raise WorkbookError(f"{label} has {len(infos):,} parts; expected at most {MAX_PARTS:,} "
                            "(refused as a possible zip bomb)")
    names = {info.filename for info in infos}
    for required in ("[Content_Types].xml", "xl/workbook.xml"):
        if required not in names:
            raise WorkbookError(f"{label} has no {required} part; expected an .xlsx/.xlsm workbook")
    total = 0
    for info in infos:
        size = info.file_size
        if size > MAX_PART_BYTES:
            raise WorkbookError(
                f"{label}: part {info.filename} inflates to {_mib(size)}; expected at most "
                f"{_mib(MAX_PART_BYTES)} (refused as a possible zip bomb)")
        total += size
        if total > MAX_TOTAL_BYTES:
            raise WorkbookError(
                f"{label}: parts inflate to more than {_mib(MAX_TOTAL_BYTES)} in all "
                "(refused as a possible zip bomb)")
        if size > RATIO_FLOOR_BYTES:
            ratio = size / max(info.compress_size, 1)
            if ratio > MAX_RATIO:
                raise WorkbookError(
                    f"{label}: part {info.filename} inflates {ratio:,.0f} times "
                    f"({_mib(info.compress_size)} to {_mib(size)}); expected at most "
                    f"{MAX_RATIO:,.0f} times (refused as a possible zip bomb)")
    for info in infos:
        if info.filename.lower().endswith(_XML_SUFFIXES):
            check_xml_prolog(package, info, label)


def check_xml_prolog(package: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> None:
    """Refuse an XML part whose prolog declares a DOCTYPE or ENTITY.

    A DOCTYPE (and with it every ENTITY declaration) can only come before the root element, so
    reading up to the first element start is enough. A prolog longer than :data:`PROLOG_BYTES`
    is refused too: no spreadsheet writer makes one.
    """
    try:
        with package.open(info) as fh:
            head = fh.read(PROLOG_BYTES)
    except Exception:  # zlib.error, BadZipFile (CRC), EOFError, NotImplementedError (method)
        raise WorkbookError(f"{label}: part {info.filename} is damaged (its data does not "
                            "decompress); expected a complete .xlsx/.xlsm file") from None
    text = _ascii_view(head)
    root = _ROOT_START.search(text)
    prolog = text if root is None else text[:root.start()]
    declared = _DECLARATION.search(prolog)
    if declared:
        kind = declared.group(1).decode().upper()
        raise WorkbookError(f"{label}: part {info.filename} declares an XML {kind}; "
                            "spreadsheet parts never do (refused as a possible entity bomb)")
    if root is None and len(head) >= PROLOG_BYTES:
        raise WorkbookError(f"{label}: part {info.filename} has no root element in its first "
                            f"{PROLOG_BYTES // 1024} KiB; expected spreadsheet XML")


def _ascii_view(head: bytes) -> bytes:
    """Return the head as UTF-8-compatible bytes (UTF-16 parts are re-encoded)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        cut = len(head) - (len(head) % 2)
        return head[:cut].decode("utf-16", errors="ignore").encode("utf-8")
    return head


def _mib(size: int) -> str:
    if size < 1 << 20:
        return f"{size / 1024:,.1f} KiB"
    return f"{size / (1 << 20):,.1f} MiB"
