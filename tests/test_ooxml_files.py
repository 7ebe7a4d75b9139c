"""The workbook on disk (:mod:`xlflows.ooxml.files`): symbolic links, permissions, temporary
files, sync and atomic replace.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest

from conftest import folder_listing, make_workbook, planner_of, run
from xlflows.ooxml import files
from xlflows.report import xlsx
from xlflows.report.plan import CellWrite

ROOT = Path(__file__).resolve().parents[1]


def test_a_symlinked_workbook_is_refreshed_through_its_link(tmp_path, standin, capsys):
    real = make_workbook(tmp_path / "real.xlsx")
    (tmp_path / "links").mkdir()
    link = tmp_path / "links" / "flows.xlsx"
    link.symlink_to(real)
    assert run(["refresh", link], capsys)[0] == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert openpyxl.load_workbook(real)["Report"]["B2"].value == 2.5
    assert folder_listing(tmp_path / "links") == ["flows.xlsx"]


def test_a_read_only_workbook_is_refused(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx")
    os.chmod(book, 0o444)
    before = book.read_bytes()
    status, out, err = run(["refresh", book], capsys)
    assert (status, out) == (2, "")
    assert err == ("xlflows: flows.xlsx is read-only; Excel would not save over it either. Make "
                   "it writable, or write a copy with --output\n")
    assert book.read_bytes() == before
    copy = tmp_path / "copy.xlsx"
    assert run(["refresh", book, "--output", copy], capsys)[0] == 0


def test_an_unreadable_workbook_is_one_line_exit_2(tmp_path, standin, capsys, monkeypatch):
    book = make_workbook(tmp_path / "flows.xlsx")
    real_open = Path.open

    def denied(self, *args, **kwargs):
        if self.name == "flows.xlsx":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denied)      # (root reads any file, so simulate the mode)
    status, out, err = run(["refresh", book], capsys)
    assert (status, out) == (2, "")
    assert err == (f"xlflows: cannot read {book} (Permission denied); expected a workbook you "
                   "may read\n")


def test_a_workbook_without_read_permission_is_refused(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx")
    os.chmod(book, 0o000)
    try:
        status, out, err = run(["refresh", book], capsys)
    finally:
        os.chmod(book, 0o644)
    assert (status, out) == (2, "")
    assert err == (f"xlflows: cannot read {book} (permission denied); expected a workbook you "
                   "may read\n")


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="lists open files through /proc")
def test_the_input_is_closed_before_it_is_replaced(tmp_path, monkeypatch):
    """Windows cannot replace a file that is still open, even by the process replacing it."""
    book = make_workbook(tmp_path / "flows.xlsx")
    real_replace = os.replace
    open_then = []

    def replace(src, dst):
        fds = Path("/proc/self/fd")
        open_then.extend(os.readlink(fd) for fd in fds.iterdir() if fd.is_symlink()
                         and os.path.exists(os.readlink(fd)))
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    monkeypatch.setattr(files, "fcntl", None)      # as on Windows: no lock holds the file open
    xlsx.refresh_file(book, planner=planner_of([CellWrite("Report", "B2", 1.0)]))
    assert str(book) not in open_then


def test_a_temporary_file_a_killed_refresh_left_is_removed(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx")
    stale = tmp_path / ".~xlflows-flows.xlsx.deadbeef.tmp"
    stale.write_bytes(b"half a zip")
    other = tmp_path / ".~xlflows-other.xlsx.deadbeef.tmp"       # another workbook's: kept
    other.write_bytes(b"x")
    assert run(["refresh", book], capsys)[0] == 0
    assert folder_listing(tmp_path) == [".~xlflows-other.xlsx.deadbeef.tmp", "flows.xlsx"]


@pytest.mark.skipif(files.fcntl is None, reason="needs POSIX file locks")
def test_a_live_refresh_keeps_its_temporary_file(tmp_path):
    book = make_workbook(tmp_path / "flows.xlsx")
    live = tmp_path / ".~xlflows-flows.xlsx.cafef00d.tmp"
    code = textwrap.dedent(f"""
        import fcntl, os, sys, time
        fd = os.open({str(live)!r}, os.O_WRONLY | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("locked", flush=True)
        sys.stdin.read()
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert files.remove_stale_temporaries(book) == []
        assert live.exists()
    finally:
        holder.communicate("")
    assert files.remove_stale_temporaries(book) == [live]


def test_the_file_is_synced_before_the_replace_and_keeps_its_mode(tmp_path, monkeypatch):
    book = make_workbook(tmp_path / "flows.xlsx")
    os.chmod(book, 0o640)
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(files.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(files.os, "replace",
                        lambda a, b: (events.append("replace"), real_replace(a, b)))

    def no_umask(mask):
        raise AssertionError("os.umask must not be called")

    monkeypatch.setattr(os, "umask", no_umask)
    xlsx.refresh_file(book, planner=planner_of([CellWrite("Report", "B2", 1.0)]))
    assert events[:2] == ["fsync", "replace"] and events[2:] in (["fsync"], [])
    assert book.stat().st_mode & 0o777 == 0o640
    new = tmp_path / "new.xlsx"
    xlsx.refresh_file(book, output=new, planner=planner_of([CellWrite("Report", "B2", 1.0)]))
    assert new.stat().st_mode & 0o600 == 0o600



def test_a_file_system_without_locks_is_written_without_one(tmp_path, monkeypatch):
    """Where flock is not supported (Pyodide's file system, some network shares) the run goes on
    unlocked (the identity check before the replace still guards it) instead of waiting."""
    import errno

    book = make_workbook(tmp_path / "flows.xlsx")

    class NoLocks:
        LOCK_EX, LOCK_NB = files.fcntl.LOCK_EX, files.fcntl.LOCK_NB

        @staticmethod
        def flock(fd, operation):
            raise OSError(errno.ENOSYS, "Function not implemented")

    monkeypatch.setattr(files, "fcntl", NoLocks)
    monkeypatch.setattr(files, "LOCK_WAIT", 0.1)
    xlsx.refresh_file(book, planner=planner_of([CellWrite("Report", "B2", 1.0)]))
    assert openpyxl.load_workbook(book)["Report"]["B2"].value == 1.0
