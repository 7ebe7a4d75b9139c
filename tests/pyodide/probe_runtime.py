"""Two runtime facts the file engine depends on, seen in CPython or Pyodide (a probe, not a test).

``python tests/pyodide/probe_runtime.py`` prints them for CPython;
``unshare -n node tests/pyodide/run.mjs --script tests/pyodide/probe_runtime.py`` for Pyodide.

- ``umask``: what ``os.umask()`` reads (set to 0o022 first, as a POSIX shell would leave it) and the
  mode a new file gets from ``0o666 & ~umask``. Pyodide 0.27.7 was reported to read 0o777.
- ``merge_order``: the ``<mergeCell>`` order openpyxl writes for merges made in a fixed order.
  openpyxl keeps merged ranges in a set, so the order follows string hashes, which differ between
  64-bit CPython and 32-bit wasm (and with ``PYTHONHASHSEED``).
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import tempfile
import zipfile

#: Merged ranges, in the order they are made.
MERGES = ["A1:C1", "A3:B3", "D5:F5", "B8:B9", "H2:J2", "A12:D12", "E20:E22", "C30:G30"]


def umask_facts() -> dict:
    """``os.umask`` as read after setting 0o022, and the mode a file created with 0o666 gets."""
    previous = os.umask(0o022)
    read_back = os.umask(previous)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "probe")
        with open(path, "w"):
            pass
        created = os.stat(path).st_mode & 0o777
    return {"set": "0o022", "read_back": oct(read_back), "previous": oct(previous),
            "new_file_mode": oct(created), "chmod_0o666_and_not_umask": oct(0o666 & ~previous)}


def merge_order() -> list[str]:
    """The ``<mergeCell ref>`` order openpyxl writes for :data:`MERGES`."""
    import openpyxl

    book = openpyxl.Workbook()
    for ref in MERGES:
        book.active.merge_cells(ref)
    stream = io.BytesIO()
    book.save(stream)
    with zipfile.ZipFile(stream) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    return re.findall(r'<mergeCell ref="([^"]+)"', sheet)


def main() -> dict:
    """Both facts, with the platform and its word size (64 on CPython here, 32 on wasm32)."""
    return {"platform": sys.platform, "word_bits": sys.maxsize.bit_length() + 1,
            "hash_seed": os.environ.get("PYTHONHASHSEED"), "umask": umask_facts(),
            "merge_order": merge_order()}


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
