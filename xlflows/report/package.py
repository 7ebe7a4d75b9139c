"""The workbook file as a zip package: read parts, copy them unchanged, write the new file safely.

A refresh changes a handful of parts (the Report sheet, the template store, styles, document
properties). Every other part is copied from the input *as stored*: the same compressed bytes, CRC
and sizes, so an analyst's data sheets, comments, drawings and VBA cannot change. The new zip is
written by :func:`write_zip` (entries in the input's order, ``[Content_Types].xml`` first, parts
added by the refresh after them, every entry time fixed at the zip epoch) to a temporary file
beside the target, which :func:`replace_atomically` syncs and moves into place.

Temporary files are named ``.~xlflows-<workbook name>.<random>.tmp`` and locked while written, so
the next refresh of the same workbook can remove what a killed one left without touching a live
one (see :func:`remove_stale_temporaries`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from xlflows.errors import WorkbookError
from xlflows.report import safety

try:  # POSIX: a lock tells a live temporary file from one a killed refresh left
    import fcntl
except ImportError:  # Windows, some Pyodide builds: an open file cannot be removed there
    fcntl = None

#: ``[Content_Types].xml``, which the OPC format wants first in the zip.
CONTENT_TYPES = "[Content_Types].xml"
#: Date and time fields of every entry written: 1980-01-01 00:00 (the zip format's epoch).
_DOS_DATE = (0 << 9) | (1 << 5) | 1
_DOS_TIME = 0
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_UTF8_FLAG = 0x800
_LIMIT = 0xFFFFFFFF
TEMP_PREFIX = ".~xlflows-"
TEMP_SUFFIX = ".tmp"


@dataclass(frozen=True)
class Stored:
    """A part copied as stored in the input zip (compressed bytes, CRC, sizes)."""

    info: zipfile.ZipInfo
    raw: bytes


class Package:
    """An input workbook zip, checked by :mod:`xlflows.report.safety` before anything is parsed.

    Parameters
    ----------
    path : Path
        The ``.xlsx``/``.xlsm`` file.
    """

    def __init__(self, path: Path):
        self.path = path
        self.label = path.name
        self.zip = safety.open_package(path)
        self.infos = {info.filename: info for info in self.zip.infolist()}
        self.names = [info.filename for info in self.zip.infolist()]

    def __enter__(self) -> "Package":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the zip file."""
        self.zip.close()

    def has(self, name: str) -> bool:
        """Whether the package holds part ``name``."""
        return name in self.infos

    def read(self, name: str) -> bytes:
        """The uncompressed bytes of a part (WorkbookError when damaged)."""
        try:
            return self.zip.read(name)
        except KeyError:
            raise WorkbookError(f"{self.label} has no part {name}; the file is damaged") from None
        except Exception:  # zlib.error, BadZipFile (CRC), EOFError
            raise WorkbookError(f"{self.label}: part {name} is damaged (its data does not "
                                "decompress); expected a complete .xlsx/.xlsm file") from None

    def open(self, name: str) -> BinaryIO:
        """A stream of a part's uncompressed bytes (for the streaming sheet reader)."""
        return self.zip.open(name)

    def stored(self, name: str) -> Stored:
        """A part as stored: its zip entry and compressed bytes, for a copy byte for byte."""
        info = self.infos[name]
        fp = self.zip.fp
        fp.seek(info.header_offset)
        header = fp.read(_LOCAL.size)
        if len(header) < _LOCAL.size or header[:4] != b"PK\x03\x04":
            raise WorkbookError(f"{self.label}: part {name} is damaged (bad local header); "
                                "expected a complete .xlsx/.xlsm file")
        fields = _LOCAL.unpack(header)
        skip = fields[9] + fields[10]
        fp.seek(info.header_offset + _LOCAL.size + skip)
        raw = fp.read(info.compress_size)
        if len(raw) != info.compress_size:
            raise WorkbookError(f"{self.label}: part {name} is truncated; expected a complete "
                                ".xlsx/.xlsm file")
        return Stored(info, raw)


# --------------------------------------------------------------------------- zip writing
def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def _entry(name: str, part: bytes | Stored) -> tuple[int, int, int, int, bytes]:
    """(method, crc, compressed size, size, compressed bytes) of one entry."""
    if isinstance(part, Stored) and part.info.compress_type in (zipfile.ZIP_STORED,
                                                                 zipfile.ZIP_DEFLATED) \
            and not part.info.flag_bits & 0x1:
        info = part.info
        return info.compress_type, info.CRC, info.compress_size, info.file_size, part.raw
    data = part if isinstance(part, bytes) else None
    if data is None:
        raise ValueError(f"part {name} uses an unsupported compression")
    packed = _deflate(data)
    return zipfile.ZIP_DEFLATED, zlib.crc32(data), len(packed), len(data), packed


def write_zip(parts: Iterable[tuple[str, bytes | Stored]], out: BinaryIO) -> None:
    """Write zip entries in the given order with fixed times and no extra fields.

    Parameters
    ----------
    parts : iterable of (name, bytes or Stored)
        New parts are deflated (level 6); :class:`Stored` parts are copied as stored.
    out : binary file
        Written from its current position 0.

    Raises
    ------
    WorkbookError
        The result would need zip64 (beyond 4 GiB), which no workbook within the size limits of
        :mod:`xlflows.report.safety` does.
    """
    central = []
    offset = 0
    count = 0
    for name, part in parts:
        method, crc, csize, size, data = _entry(name, part)
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
        count += 1
    directory = b"".join(central)
    if offset + len(directory) > _LIMIT or count > 0xFFFF:
        raise WorkbookError("the workbook would be beyond 4 GiB; expected a smaller workbook")
    out.write(directory)
    out.write(_END.pack(0x06054B50, 0, 0, count, count, len(directory), offset, 0))


# --------------------------------------------------------------------------- the file system
def resolve_target(target: Path) -> Path:
    """The file a write to ``target`` must replace: the linked file when ``target`` is a symlink."""
    return Path(os.path.realpath(target)) if target.is_symlink() else target


def check_readable(source: Path) -> None:
    """Refuse a workbook this process may not read (one line, before anything is opened)."""
    try:
        mode = source.stat().st_mode
    except OSError:
        return      # missing: the safety checks say so
    if not mode & 0o444 or not os.access(source, os.R_OK):
        raise WorkbookError(f"cannot read {source} (permission denied); expected a workbook you "
                            "may read")


def check_writable(target: Path) -> None:
    """Refuse a read-only existing workbook, like Excel (which will not save over it)."""
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise WorkbookError(f"cannot read {target} ({exc.strerror or exc})") from None
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise WorkbookError(f"{target.name} is read-only; Excel would not save over it either. "
                            "Make it writable, or write a copy with --output")


def _temp_pattern(target: Path) -> tuple[str, str]:
    return f"{TEMP_PREFIX}{target.name}.", TEMP_SUFFIX


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove temporary files a killed refresh of ``target`` left beside it.

    A temporary file is locked (``flock``) for as long as its refresh runs; one that can be locked
    now belongs to no live refresh. Where locks do not exist (Windows), the removal of a file
    another process has open fails and the file stays. Returns the files removed.
    """
    head, tail = _temp_pattern(target)
    removed = []
    folder = target.parent
    try:
        candidates = [p for p in folder.iterdir()
                      if p.name.startswith(head) and p.name.endswith(tail)]
    except OSError:
        return removed
    for path in candidates:
        with contextlib.suppress(OSError):
            if fcntl is None:
                path.unlink()
                removed.append(path)
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue  # a live refresh holds it
            try:
                if os.path.samestat(os.fstat(fd), os.stat(path)):
                    path.unlink()
                    removed.append(path)
            finally:
                os.close(fd)
    return removed


def _create_temp(target: Path) -> tuple[int, Path]:
    head, tail = _temp_pattern(target)
    folder = target.parent
    for _ in range(100):
        temp = folder / f"{head}{secrets.token_hex(4)}{tail}"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise WorkbookError(f"cannot write in {folder} ({exc.strerror or exc})") from None
        if fcntl is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            try:   # removed as stale by another refresh between creation and lock: try again
                if not os.path.samestat(os.fstat(fd), os.stat(temp)):
                    raise FileNotFoundError
            except FileNotFoundError:
                os.close(fd)
                continue
        return fd, temp
    raise WorkbookError(f"cannot create a temporary file in {folder}")


def _keep_mode(temp: Path, target: Path) -> None:
    """Give the new file the target's permissions (a new target: the creation mode, readable).

    The creation mode already has the process's umask applied by the system; ``os.umask`` is
    never called (it changes the process state, and in Pyodide it reads 0o777).
    """
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = temp.stat().st_mode & 0o7777
        if mode & 0o600 != 0o600:   # a umask of 0o777 (Pyodide) would leave a file no one reads
            mode |= 0o644
    with contextlib.suppress(OSError, NotImplementedError):
        os.chmod(temp, mode)


def _sync_folder(folder: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def replace_atomically(target: Path, write: Callable[[BinaryIO], None],
                       before_replace: Callable[[], None] | None = None) -> None:
    """Write a new file with ``write(file)`` into a temporary file, then replace ``target``.

    The temporary file sits beside the target (same file system), gets the target's mode, is
    synced before the replace, and the folder after it. On any failure the temporary file is
    removed and the target is untouched. ``before_replace`` runs just before the replace (the
    engine closes the input there: Windows cannot replace a file that is still open).

    Raises
    ------
    WorkbookError
        The folder is not writable, or the target cannot be replaced (open in Excel).
    """
    remove_stale_temporaries(target)
    fd, temp = _create_temp(target)
    try:
        with os.fdopen(fd, "wb", closefd=False) as handle:
            write(handle)
            handle.flush()
            os.fsync(fd)
        _keep_mode(temp, target)
        if before_replace is not None:
            before_replace()
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.close(fd)
        fd = -1
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, PermissionError):
            raise WorkbookError(f"cannot replace {target} ({exc.strerror or 'permission denied'}); "
                                "if it is open in Excel, close it and try again") from None
        if isinstance(exc, OSError):
            raise WorkbookError(f"cannot write {target} ({exc.strerror or exc})") from None
        raise
    finally:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
    _sync_folder(target.parent)
