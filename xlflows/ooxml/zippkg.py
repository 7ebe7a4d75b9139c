"""The workbook file as a zip: checked before anything is parsed, parts copied as stored.

:class:`ZipPackage` opens a workbook and refuses, with one line naming the part and the limit,
what could hurt the machine or cannot be copied faithfully: a file that is not a zip (or a
truncated one), a zip bomb (too many parts, a part or a total that inflates beyond fixed limits, an
implausible compression ratio), two entries whose names OPC takes for the same part (names compare
without ASCII case), a part compressed by a method other than stored/deflate or encrypted, and an
XML part that declares a DOCTYPE or ENTITY (every XML part's prolog is read by expat up to its root
element, whatever its name or content type).

Part names are looked up without ASCII case, as OPC compares them; each part keeps the name it is
stored under. :func:`write_zip` writes a new package: parts copied from the input *as stored*
(same compressed bytes, CRC and sizes) and new ones deflated, entries in a given order with fixed
times, never beyond :data:`MAX_PARTS` (so the next run can read what this one wrote).
"""

from __future__ import annotations

import io
import pyexpat
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, final

from xlflows.errors import WorkbookError
from xlflows.ooxml import ns
from xlflows.ooxml.xml import parse, safe_parser

#: At most this many parts in one workbook (read or written).
MAX_PARTS = 10_000
#: A single part may inflate to at most this many bytes (1 GiB).
MAX_PART_BYTES = 1 << 30
#: All parts together may inflate to at most this many bytes (2 GiB).
MAX_TOTAL_BYTES = 2 << 30
#: Parts larger than :data:`RATIO_FLOOR_BYTES` may inflate at most this many times their stored
#: size (Apache POI uses the same 1:100 default; real sheet XML stays far below it).
MAX_RATIO = 100.0
#: Small parts compress very well and cannot hurt; the ratio is checked only above 1 MiB.
RATIO_FLOOR_BYTES = 1 << 20
#: An XML part's root element must start within this many bytes.
PROLOG_BYTES = 1 << 20
CONTENT_TYPES_PART = "[Content_Types].xml"
#: What reading a part's data raises when it is damaged (the method and encryption were checked
#: when the package was opened): bad deflate data, a CRC or header mismatch, an early end.
DAMAGED_DATA_ERRORS = (zlib.error, zipfile.BadZipFile, EOFError, OSError)

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_METHOD_NAMES = {9: "Deflate64", 12: "BZIP2", 14: "LZMA", 93: "Zstandard", 95: "XZ",
                 98: "PPMd", 99: "AES encryption"}

#: Date and time fields of every entry written: 1980-01-01 00:00 (the zip format's epoch).
_DOS_DATE = (0 << 9) | (1 << 5) | 1
_DOS_TIME = 0
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_UTF8_FLAG = 0x800
_LIMIT = 0xFFFFFFFF


@dataclass(frozen=True)
class Stored:
    """A part as stored in the input zip: its entry and compressed bytes."""

    info: zipfile.ZipInfo
    raw: bytes


class _RootFound(Exception):
    """Raised by the prolog check when expat reaches the root element."""


@final  # __enter__ returns this class, not a subclass
class ZipPackage:
    """A workbook zip, checked on opening.

    Parameters
    ----------
    path : Path
        The ``.xlsx``/``.xlsm`` file.
    """

    def __init__(self, path: Path, *, data: bytes | None = None):
        self.path = Path(path)
        self.label = self.path.name
        self.zip = _open_zip(self.path) if data is None else zipfile.ZipFile(io.BytesIO(data))
        try:
            self.infos = self.zip.infolist()
            self.names = [info.filename for info in self.infos if not info.filename.endswith("/")]
            self._by_key: dict[str, str] = {}                  # part_key -> name as stored
            self._info: dict[str, zipfile.ZipInfo] = {}        # name as stored -> entry
            self._check_entries()
            self._check_xml_prologs()
        except BaseException:
            self.zip.close()
            raise

    def __enter__(self) -> ZipPackage:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the zip file."""
        self.zip.close()

    # ------------------------------------------------------------------ checks
    def _check_entries(self) -> None:
        label = self.label
        if len(self.infos) > MAX_PARTS:
            raise WorkbookError(f"{label} has {len(self.infos):,} parts; expected at most "
                                f"{MAX_PARTS:,} (refused as a possible zip bomb)")
        total = 0
        for info in self.infos:
            name = info.filename
            if name.endswith("/"):
                continue
            key = part_key(name)
            if key in self._by_key:
                raise WorkbookError(f"{label} holds the part {name} twice (as "
                                    f"{self._by_key[key]} and {name}; part names do not depend "
                                    "on case); the file is damaged")
            self._by_key[key] = name
            self._info[name] = info
            if info.compress_type not in _METHODS:
                method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
                raise WorkbookError(f"{label}: part {name} is compressed with {method}, which "
                                    "Excel neither writes nor reads; expected stored or deflated "
                                    "parts (open and save the file in Excel)")
            if info.flag_bits & 0x1:
                raise WorkbookError(f"{label}: part {name} is encrypted; expected an unprotected "
                                    ".xlsx/.xlsm file")
            size = info.file_size
            if size > MAX_PART_BYTES:
                raise WorkbookError(f"{label}: part {name} inflates to {_mib(size)}; expected at "
                                    f"most {_mib(MAX_PART_BYTES)} (refused as a possible zip bomb)")
            total += size
            if total > MAX_TOTAL_BYTES:
                raise WorkbookError(f"{label}: parts inflate to more than "
                                    f"{_mib(MAX_TOTAL_BYTES)} in all (refused as a possible zip "
                                    "bomb)")
            if size > RATIO_FLOOR_BYTES:
                ratio = size / max(info.compress_size, 1)
                if ratio > MAX_RATIO:
                    raise WorkbookError(
                        f"{label}: part {name} inflates {ratio:,.0f} times "
                        f"({_mib(info.compress_size)} to {_mib(size)}); expected at most "
                        f"{MAX_RATIO:,.0f} times (refused as a possible zip bomb)")
        if CONTENT_TYPES_PART not in self._info:
            raise WorkbookError(f"{label} has no {CONTENT_TYPES_PART} part; expected an "
                                ".xlsx/.xlsm workbook")

    def _check_xml_prologs(self) -> None:
        """Refuse a DOCTYPE/ENTITY in any XML part (by name or by content type)."""
        types = parse(self.read(CONTENT_TYPES_PART), CONTENT_TYPES_PART, self.label)
        xml_extensions, xml_parts = set(), set()
        for element in types.root.children:
            content_type = (element.get("ContentType") or "").lower()
            if not content_type.endswith(("+xml", "/xml")):
                continue
            if element.is_(ns.CONTENT_TYPES, "Default"):
                xml_extensions.add((element.get("Extension") or "").lower())
            elif element.is_(ns.CONTENT_TYPES, "Override"):
                xml_parts.add(part_key((element.get("PartName") or "").lstrip("/")))
        for name in self.names:
            if name == CONTENT_TYPES_PART:
                continue
            lower = name.lower()
            extension = lower.rpartition(".")[2] if "." in lower.rpartition("/")[2] else ""
            if (lower.endswith(_XML_SUFFIXES) or extension in xml_extensions
                    or part_key(name) in xml_parts):
                self._check_prolog(name)

    def _check_prolog(self, name: str) -> None:
        parser = safe_parser(name, self.label, encoding=None)

        def root(*args):
            raise _RootFound

        parser.StartElementHandler = root
        read = 0
        try:
            with self.open(name) as stream:
                while read < PROLOG_BYTES:
                    try:
                        chunk = stream.read(64 * 1024)
                    except DAMAGED_DATA_ERRORS:
                        raise WorkbookError(f"{self.label}: part {name} is damaged (its data does "
                                            "not decompress); expected a complete .xlsx/.xlsm "
                                            "file") from None
                    read += len(chunk)
                    parser.Parse(chunk, not chunk)
                    if not chunk:
                        return            # no root at all: the part's own reader says so
        except _RootFound:
            return
        except pyexpat.ExpatError:
            return                        # damaged XML: the part's own reader says so
        raise WorkbookError(f"{self.label}: part {name} has no root element in its first "
                            f"{PROLOG_BYTES // (1 << 20)} MiB; expected spreadsheet XML")

    # ------------------------------------------------------------------ parts
    def find(self, name: str) -> str | None:
        """The stored name of part ``name`` (compared without ASCII case), or None."""
        return self._by_key.get(part_key(name))

    def has(self, name: str) -> bool:
        """Whether the package holds part ``name``."""
        return part_key(name) in self._by_key

    def info(self, name: str) -> zipfile.ZipInfo:
        """The zip entry of a part."""
        return self._info[self._stored_name(name)]

    def _stored_name(self, name: str) -> str:
        stored = self.find(name)
        if stored is None:
            raise WorkbookError(f"{self.label} has no part {name}; the file is damaged")
        return stored

    def read(self, name: str) -> bytes:
        """The uncompressed bytes of a part."""
        stored = self._stored_name(name)
        try:
            return self.zip.read(stored)
        except DAMAGED_DATA_ERRORS:
            raise WorkbookError(f"{self.label}: part {stored} is damaged (its data does not "
                                "decompress); expected a complete .xlsx/.xlsm file") from None

    def open(self, name: str) -> IO[bytes]:
        """A stream of a part's uncompressed bytes."""
        return self.zip.open(self._stored_name(name))

    def stored(self, name: str) -> Stored:
        """A part as stored (entry and compressed bytes), for a copy byte for byte."""
        info = self.info(name)
        fp = self.zip.fp
        if fp is None:                       # as zipfile itself refuses a closed archive
            raise ValueError(f"{self.label} is closed")
        fp.seek(info.header_offset)
        header = fp.read(_LOCAL.size)
        if len(header) < _LOCAL.size or header[:4] != _ZIP_MAGIC:
            raise WorkbookError(f"{self.label}: part {info.filename} is damaged (bad local "
                                "header); expected a complete .xlsx/.xlsm file")
        fields = _LOCAL.unpack(header)
        fp.seek(info.header_offset + _LOCAL.size + fields[9] + fields[10])
        raw = fp.read(info.compress_size)
        if len(raw) != info.compress_size:
            raise WorkbookError(f"{self.label}: part {info.filename} is truncated; expected a "
                                "complete .xlsx/.xlsm file")
        return Stored(info, raw)


def part_key(name: str) -> str:
    """A part name as OPC compares it: without a leading ``/``, ASCII letters lower case."""
    name = name.lstrip("/")
    return name.lower() if name.isascii() else "".join(
        ch.lower() if ch.isascii() else ch for ch in name)


def _open_zip(path: Path) -> zipfile.ZipFile:
    label = path.name
    if not path.is_file():
        raise WorkbookError(f"{path}: no such file")
    with path.open("rb") as fh:
        head = fh.read(8)
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise WorkbookError(_not_a_zip_reason(label, head)) from None


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


def _mib(size: int) -> str:
    if size < 1 << 20:
        return f"{size / 1024:,.1f} KiB"
    return f"{size / (1 << 20):,.1f} MiB"


# --------------------------------------------------------------------------- writing
def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def write_zip(parts: Iterable[tuple[str, bytes | Stored]], out: BinaryIO, *,
              label: str = "the workbook") -> None:
    """Write zip entries in the given order with fixed times and no extra fields.

    Parameters
    ----------
    parts : iterable of (name, bytes or Stored)
        New parts are deflated (level 6); :class:`Stored` parts are copied as stored.
    out : binary file
        Written from its current position.

    Raises
    ------
    WorkbookError
        More than :data:`MAX_PARTS` parts (the next run could not read the file), or a result
        beyond 4 GiB (zip64, which no workbook within the size limits needs).
    """
    parts = list(parts)
    if len(parts) > MAX_PARTS:
        raise WorkbookError(f"{label} would hold {len(parts):,} parts, more than the "
                            f"{MAX_PARTS:,} xlflows reads; expected a workbook with fewer parts "
                            "(nothing was written)")
    central = []
    offset = 0
    for name, part in parts:
        if isinstance(part, Stored):
            info = part.info
            method, crc, csize, size, data = (info.compress_type, info.CRC, info.compress_size,
                                              info.file_size, part.raw)
        else:
            data = _deflate(part)
            method, crc, csize, size = zipfile.ZIP_DEFLATED, zlib.crc32(part), len(data), len(part)
        encoded = name.encode("utf-8")
        flags = 0 if name.isascii() else _UTF8_FLAG
        if max(offset, csize, size) > _LIMIT:
            raise WorkbookError(f"part {name} is beyond 4 GiB; expected a smaller workbook")
        header = _LOCAL.pack(0x04034B50, 20, flags, method, _DOS_TIME, _DOS_DATE, crc, csize,
                             size, len(encoded), 0)
        out.write(header)
        out.write(encoded)
        out.write(data)
        central.append(_CENTRAL.pack(0x02014B50, 20, 20, flags, method, _DOS_TIME, _DOS_DATE, crc,
                                     csize, size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
        offset += len(header) + len(encoded) + len(data)
    directory = b"".join(central)
    if offset + len(directory) > _LIMIT:
        raise WorkbookError("the workbook would be beyond 4 GiB; expected a smaller workbook")
    out.write(directory)
    out.write(_END.pack(0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0))
