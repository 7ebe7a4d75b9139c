"""``xlflows refresh`` inside Pyodide gives CPython's bytes, with a readable file mode.

Two differences seen in Pyodide 0.27.7 that the file engine must not let through: ``os.umask()``
reads 0o777 there (a ``chmod(0o666 & ~umask)`` made a mode-000 file), and openpyxl orders merged
cells by hash, which differs on 32-bit wasm (the old engine rewrote the Report with openpyxl). The
shipped workbooks are fixed points of a CPython refresh; here each is copied, refreshed, and
compared byte for byte. ``main()`` returns, per workbook, whether the bytes are the same and the
refreshed file's mode.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from xlflows import cli


def main() -> dict:
    workbooks = Path(__file__).resolve().parents[2] / "workbook"
    out = {"umask": oct(os.umask(0o022))}
    folder = Path(tempfile.mkdtemp())
    for name in ("xlflows.xlsm", "xlflows-lite.xlsx"):
        copy = folder / name
        shutil.copyfile(workbooks / name, copy)
        status = cli.main(["refresh", str(copy)])
        out[name] = {"status": status,
                     "same": copy.read_bytes() == (workbooks / name).read_bytes(),
                     "mode": oct(stat.S_IMODE(copy.stat().st_mode))}
    return out
