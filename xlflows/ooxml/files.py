"""The workbook on disk: refuse one that is open, serialise xlflows runs, replace it atomically.

Every command that rewrites a workbook (``refresh``, ``update``, ``lite``) runs inside one
:class:`Transaction`:

1. **in use**: a workbook open in Excel has an owner file ``~$NAME`` beside it, one open in
   LibreOffice a lock file ``.~lock.NAME#``; either refuses the run (one line, nothing written)
   — the application would overwrite the file on its next save, or refuse to save;
2. **one writer at a time**: an exclusive lock (``flock``) on the workbook is held from before it
   is read until after it is replaced, so two xlflows processes on the same file (``update`` and
   ``refresh`` at once) run one after the other and neither loses the other's change. A process
   that waited finds the file replaced (another inode) and locks the new one. Where there are no
   locks (Windows), and against programs that do not take them, the file's identity (inode,
   size, modification time) is compared just before the replace, and a changed file is refused;
3. **atomic replace**: the new file is written to a temporary file beside the target (same file
   system), synced, given the target's permissions, and moved over it with ``os.replace``; the
   folder is synced after. On any failure the temporary file is removed and the target is
   untouched. Temporary files are named ``.~xlflows-<name>.<random>.tmp`` (the name shortened
   with a hash when that would pass the file system's limit) and locked while written, so the
   next run removes only those a killed run left.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import BinaryIO, final

from xlflows.errors import WorkbookError

fcntl: ModuleType | None
try:  # POSIX
    import fcntl
except ImportError:  # Windows, some Pyodide builds
    fcntl = None

TEMP_PREFIX = ".~xlflows-"
TEMP_SUFFIX = ".tmp"
#: How long a run waits for another xlflows run on the same workbook (seconds).
LOCK_WAIT = 60.0
_RANDOM_CHARS = 8
_NAME_MAX = 255


def resolve_target(target: Path) -> Path:
    """The file a write to ``target`` must replace: the linked file when ``target`` is a symlink."""
    return Path(os.path.realpath(target)) if target.is_symlink() else target


def check_readable(source: Path) -> None:
    """Refuse a workbook this process may not read (one line, before anything is opened)."""
    try:
        mode = source.stat().st_mode
    except OSError:
        return      # missing: opening it says so
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


def check_not_open(path: Path) -> None:
    """Refuse a workbook that Excel or LibreOffice has open (their lock files beside it)."""
    for owner, program in ((f"~${path.name}", "Excel"), (f".~lock.{path.name}#", "LibreOffice")):
        try:
            present = (path.parent / owner).exists()
        except OSError:             # a name past the file system's limit: no such file
            present = False
        if present:
            raise WorkbookError(f"{path.name} is open in {program} ({owner} is beside it): close "
                                "it there and try again, or use the Refresh button; if it is not "
                                f"open, delete {owner}")


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (AttributeError, OSError, ValueError):
        return _NAME_MAX


def temp_head(target: Path) -> str:
    """The start of a temporary file's name for ``target`` (``.~xlflows-<name>.``); the name is
    shortened, with a hash of the whole name, when the file name would pass the system's limit."""
    head = f"{TEMP_PREFIX}{target.name}."
    room = _name_max(target.parent) - len(TEMP_SUFFIX) - _RANDOM_CHARS
    if len(head.encode("utf-8")) <= room:
        return head
    digest = hashlib.sha256(target.name.encode("utf-8")).hexdigest()[:12]
    keep = room - len(TEMP_PREFIX) - len(digest) - 2
    short = target.name.encode("utf-8")[:max(keep, 0)].decode("utf-8", "ignore")
    return f"{TEMP_PREFIX}{short}~{digest}."


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove temporary files a killed run on ``target`` left beside it.

    A temporary file is locked for as long as its run writes it; one that can be locked now
    belongs to no live run. Where locks do not exist (Windows), the removal of a file another
    process has open fails and the file stays. Returns the files removed.
    """
    head = temp_head(target)
    removed: list[Path] = []
    try:
        candidates = [p for p in target.parent.iterdir()
                      if p.name.startswith(head) and p.name.endswith(TEMP_SUFFIX)
                      and len(p.name) == len(head) + _RANDOM_CHARS + len(TEMP_SUFFIX)]
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
                continue  # a live run holds it
            try:
                if os.path.samestat(os.fstat(fd), os.stat(path)):
                    path.unlink()
                    removed.append(path)
            finally:
                os.close(fd)
    return removed


def _create_temp(target: Path) -> tuple[int, Path]:
    head = temp_head(target)
    folder = target.parent
    for _ in range(100):
        temp = folder / f"{head}{secrets.token_hex(_RANDOM_CHARS // 2)}{TEMP_SUFFIX}"
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
            try:   # removed as stale by another run between creation and lock: try again
                if not os.path.samestat(os.fstat(fd), os.stat(temp)):
                    raise FileNotFoundError
            except FileNotFoundError:
                os.close(fd)
                continue
        return fd, temp
    raise WorkbookError(f"cannot create a temporary file in {folder}")


def _keep_mode(temp: Path, target: Path) -> None:
    """Give the new file the target's permissions (a new target: the creation mode, readable).

    The creation mode already has the process's umask applied; ``os.umask`` is never called (it
    changes process state, and in Pyodide it reads 0o777).
    """
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = temp.stat().st_mode & 0o7777
        if mode & 0o600 != 0o600:
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


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


@final  # __enter__ returns this class, not a subclass
class Transaction:
    """Read, compute and replace one workbook without losing another run's change.

    Parameters
    ----------
    source : Path
        The workbook read.
    target : Path
        The file replaced (``source`` itself, or an ``--output`` copy; a symlink is resolved).
    wait : float
        Seconds to wait for another xlflows run on the same file before refusing.
    """

    def __init__(self, source: Path, target: Path, *, wait: float = LOCK_WAIT):
        self.source = Path(source)
        self.target = resolve_target(Path(target))
        self.wait = wait
        self._locks: list[int] = []
        self._identities: dict[Path, tuple | None] = {}

    def __enter__(self) -> Transaction:
        check_readable(self.source)
        check_writable(self.target)
        for path in self._paths():
            check_not_open(path)
        try:
            for path in self._paths():
                self._lock(path)
        except BaseException:
            self._unlock()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._unlock()

    def _paths(self) -> list[Path]:
        paths = {Path(os.path.realpath(self.source)), Path(os.path.realpath(self.target))}
        return sorted(paths)

    def _lock(self, path: Path) -> None:
        """Lock ``path`` (waiting for another run), then remember what it is."""
        deadline = time.monotonic() + self.wait
        while fcntl is not None:
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                break                      # a new --output file: nothing to lock yet
            except OSError:
                break                      # unreadable here: the checks name it
            try:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except OSError as exc:
                        if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                            # no locks on this file system (Pyodide, some network shares):
                            # the identity check before the replace still refuses a file
                            # changed meanwhile
                            self._identities[path] = _identity(path)
                            return
                        if time.monotonic() > deadline:
                            raise WorkbookError(
                                f"{path.name} is being written by another xlflows run; try "
                                "again when it has finished") from None
                        time.sleep(0.05)
                if os.path.samestat(os.fstat(fd), os.stat(path)):
                    self._locks.append(fd)
                    fd = -1
                    break
                # replaced while we waited: lock the new file instead
            finally:
                if fd >= 0:
                    os.close(fd)
        self._identities[path] = _identity(path)

    def _unlock(self) -> None:
        for fd in self._locks:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._locks.clear()

    def check_unchanged(self) -> None:
        """Refuse when a workbook changed on disk since this run read it (another program)."""
        for path, before in self._identities.items():
            if _identity(path) != before:
                raise WorkbookError(f"{path.name} changed on disk while xlflows was working "
                                    "(saved by another program?); nothing was written, run again")

    def replace(self, write: Callable[[BinaryIO], object],
                before_replace: Callable[[], None] | None = None) -> None:
        """Write the new file with ``write(file)`` into a temporary file, then replace the target.

        ``before_replace`` runs just before the replace (the engine closes its input there:
        Windows cannot replace a file that is still open).

        Raises
        ------
        WorkbookError
            The folder is not writable, the target changed meanwhile, or it cannot be replaced.
        """
        target = self.target
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
            self.check_unchanged()
            os.replace(temp, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.close(fd)
            fd = -1
            with contextlib.suppress(OSError):
                temp.unlink()
            if isinstance(exc, PermissionError):
                reason = exc.strerror or "permission denied"
                raise WorkbookError(f"cannot replace {target} ({reason}); if it is open in "
                                    "Excel, close it and try again") from None
            if isinstance(exc, OSError):
                raise WorkbookError(f"cannot write {target} ({exc.strerror or exc})") from None
            raise
        finally:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        _sync_folder(target.parent)
        for path in self._identities:
            self._identities[path] = _identity(path)
