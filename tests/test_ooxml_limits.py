"""Bounded memory and time: crafted workbooks refreshed in a subprocess under
``resource.setrlimit(RLIMIT_AS)`` with a time bound.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import (make_workbook, parts, rezip)

ROOT = Path(__file__).resolve().parents[1]


MEMORY_LIMIT = 1_500 * 2 ** 20            # address space for a refresh of a small workbook


RUNNER = textwrap.dedent("""
    import resource, sys, time
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from xlflows.errors import XlflowsError
    from xlflows.report import xlsx
    from xlflows.report.plan import CellWrite, RefreshPlan

    def planner(source, **kw):
        rows = [source.rows(name) for name in ("Flows", "Policy rate", "MMF assets", "Report")]
        return RefreshPlan([CellWrite("Report", "B2", rows[0][-1][1])], [], [])

    start = time.perf_counter()
    try:
        xlsx.refresh_file(sys.argv[1], planner=planner)
        print("ok", round(time.perf_counter() - start, 2))
    except XlflowsError as exc:
        print("refused", exc)
""")


def run_capped(path: Path, timeout: float = 60) -> str:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", RUNNER, str(path), str(MEMORY_LIMIT)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def with_flows_cells(tmp_path: Path, cells: bytes, name: str = "flows.xlsx") -> Path:
    path = make_workbook(tmp_path / "base.xlsx")
    flows = parts(path)["xl/worksheets/sheet2.xml"].replace(b"</sheetData>", cells + b"</sheetData>")
    return rezip(path, tmp_path / name, replace={"xl/worksheets/sheet2.xml": flows})


@pytest.mark.parametrize("ref", ["Z1", "XFD1", "XFD1048576"])
def test_a_formatted_empty_cell_far_away_costs_nothing(tmp_path, ref):
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    cells = b'<row r="%s"><c r="%s" s="1"/></row>' % (row.encode(), ref.encode())
    if row == "1":  # into the header row
        path = make_workbook(tmp_path / "base.xlsx")
        flows = parts(path)["xl/worksheets/sheet2.xml"]
        flows = re.sub(rb'(<row r="1"[^>]*>.*?)(</row>)', lambda m: m.group(1) + cells[15:-6]
                       + m.group(2), flows, count=1, flags=re.S)
        path = rezip(path, tmp_path / "flows.xlsx", replace={"xl/worksheets/sheet2.xml": flows})
    else:
        path = with_flows_cells(tmp_path, cells)
    assert run_capped(path, timeout=30).startswith("ok")


def test_megabytes_of_styled_empty_cells_stay_within_memory(tmp_path):
    rows = b"".join(b'<row r="%d">' % r + b"".join(b'<c r="%s%d" s="1"/>' % (col, r)
                                                  for col in (b"D", b"E", b"F", b"G", b"H"))
                    + b"</row>" for r in range(8, 66_008))
    path = with_flows_cells(tmp_path, rows)
    assert parts(path)["xl/worksheets/sheet2.xml"].__len__() > 8_000_000
    assert run_capped(path, timeout=60).startswith("ok")


@pytest.mark.parametrize("row, expected", [
    ([("A", "B7"), ("B", "{{ x }}"), ("C", "A1:XFD1048576")],
     "xlflows.template!C2 is 'A1:XFD1048576' (17,179,869,184 cells); expected the cells last "
     "written, at most 100,000"),
    ([("A", "ZZZ1"), ("B", "{{ x }}"), ("C", "ZZZ1")],
     "xlflows.template!A2 is 'ZZZ1', beyond Excel's last cell XFD1048576"),
    ([("A", "B7"), ("B", "{{ x }}"), ("C", "B7:XFE9")],
     "xlflows.template!C2 is 'B7:XFE9', beyond Excel's last cell XFD1048576"),
], ids=["whole-sheet extent", "cell beyond XFD", "extent beyond XFD"])
def test_a_crafted_template_store_is_refused_quickly(tmp_path, row, expected):
    def store(wb, flows):
        ws = wb.add_worksheet("xlflows.template")
        ws.write_row(0, 0, ["Report cell", "Template", "Last extent"])
        for col, value in row:
            ws.write_string(f"{col}2", value)

    path = make_workbook(tmp_path / "flows.xlsx", decorate_book=store)
    out = run_capped(path, timeout=30)
    assert out == f"refused {expected}" or out.startswith(f"refused {expected}")

