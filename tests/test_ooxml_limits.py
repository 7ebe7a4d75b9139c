"""Bounded memory and time: crafted workbooks refreshed in a subprocess under
``resource.setrlimit(RLIMIT_AS)`` with a time bound.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import make_workbook, parts, rezip

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
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def with_flows_cells(tmp_path: Path, cells: bytes, name: str = "flows.xlsx") -> Path:
    path = make_workbook(tmp_path / "base.xlsx")
    flows = parts(path)["xl/worksheets/sheet2.xml"].replace(b"</sheetData>",
                                                             cells + b"</sheetData>")
    return rezip(path, tmp_path / name, replace={"xl/worksheets/sheet2.xml": flows})


@pytest.mark.parametrize("ref", ["Z1", "XFD1", "XFD1048576"])
def test_a_formatted_empty_cell_far_away_costs_nothing(tmp_path, ref):
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    cells = b'<row r="%s"><c r="%s" s="1"/></row>' % (row.encode(), ref.encode())
    if row == "1":  # into the header row
        path = make_workbook(tmp_path / "base.xlsx")
        flows = parts(path)["xl/worksheets/sheet2.xml"]
        flows = re.sub(rb'(<row r="1"[^>]*>.*?)(</row>)', lambda m: m.group(1) + cells[15:-6]
                       + m.group(2), flows, count=1, flags=re.DOTALL)
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
     ("xlflows.template!C2 is 'A1:XFD1048576' (17,179,869,184 cells); expected the cells last "
      "written, at most 100,000")),
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



# ==================================================================== issue 16's crafted files
#: The address space a refresh of a crafted file may use (the issue's cap).
CAP = 4 << 30
#: What a refresh of these small workbooks may hold at its peak (resident), imports included.
PEAK_MIB = 400
CLI_RUNNER = textwrap.dedent("""
    import resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
    from xlflows import cli
    start = time.perf_counter()
    status = cli.main(["refresh", sys.argv[1]])
    peak = next(int(line.split()[1]) for line in open("/proc/self/status")
                if line.startswith("VmHWM:"))
    print("status", status, "seconds", round(time.perf_counter() - start, 2), "peak", peak // 1024)
""")


def refresh_capped(path: Path, timeout: float = 120) -> tuple[int, int, str]:
    """(exit status, peak resident MiB, stderr) of ``xlflows refresh`` under the cap."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", CLI_RUNNER, str(path), str(CAP)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    words = done.stdout.split("status ", 1)[1].split()
    return int(words[0]), int(words[4]), done.stderr


needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                reason="reads the peak resident set from /proc")


@needs_proc
def test_a_row_far_beyond_the_grid_is_refused(tmp_path):
    """One row r="99999999" holding a cell without r made ~100 million row lists (270 KB file)."""
    path = with_flows_cells(tmp_path, b'<row r="99999999"><c><v>1</v></c></row>')
    status, peak, err = refresh_capped(path)
    assert status == 2 and "outside Excel's grid" in err, err
    assert peak < PEAK_MIB


@needs_proc
def test_values_at_xfd_in_60000_rows_cost_what_the_cells_cost(tmp_path):
    """Memory followed each row's last column (XFD: 16,384 entries a row); now the cells."""
    rows = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (r, r)
                    for r in range(8, 60_008))
    path = with_flows_cells(tmp_path, rows)
    status, peak, err = refresh_capped(path)
    # the rows hold a value and no week ending: refused by name, like any such row
    assert status == 2 and "Flows!A8 is blank, expected a date" in err, err
    assert peak < PEAK_MIB


def with_unused_strings(tmp_path: Path, count: int) -> Path:
    """make_workbook's workbook whose shared string table ends with ``count`` strings no cell
    uses (varied, so the part compresses about 10:1 and passes the zip-bomb ratio check)."""
    import zlib

    base = make_workbook(tmp_path / "base.xlsx")
    table = parts(base)["xl/sharedStrings.xml"]
    head, _, _ = table.rpartition(b"</sst>")
    body = b"".join(b"<si><t>unused %d</t></si>" % i for i in range(count))
    data = head + body + b"</sst>"
    assert len(data) / len(zlib.compress(data, 6)) < 100
    return rezip(base, tmp_path / "flows.xlsx", replace={"xl/sharedStrings.xml": data})


@needs_proc
def test_unused_shared_strings_are_not_loaded(tmp_path):
    """8 million unused strings took 1.3 GB: only the strings the cells read are kept."""
    path = with_unused_strings(tmp_path, 8_000_000)
    status, peak, err = refresh_capped(path, timeout=300)
    assert (status, err) == (0, "")
    assert peak < PEAK_MIB


@needs_proc
def test_a_template_store_with_huge_rows_reads_its_four_columns(tmp_path):
    """200 rows of 4,000 cells each beside the store's four columns: read in A:D only."""
    def store(wb, flows):
        ws = wb.add_worksheet("xlflows.template")
        ws.write_row(0, 0, ["Report cell", "Template", "Last extent", "Written text"])

    base = make_workbook(tmp_path / "base.xlsx", decorate_book=store)
    part = "xl/worksheets/sheet5.xml"
    assert b"Report cell" not in parts(base)[part] and b"<sheetData>" in parts(base)[part]
    from xlflows.a1 import column_letters

    noise = random.Random(16)
    rows = b"".join(b'<row r="%d">' % r + b"".join(
        b'<c r="%s%d"><v>%d</v></c>' % (column_letters(c).encode(), r, noise.getrandbits(40))
        for c in range(5, 4_005)) + b"</row>" for r in range(2, 202))
    store_xml = parts(base)[part].replace(b"</sheetData>", rows + b"</sheetData>")
    path = rezip(base, tmp_path / "flows.xlsx", replace={part: store_xml})
    status, peak, err = refresh_capped(path, timeout=300)
    assert (status, err) == (0, "")
    assert peak < PEAK_MIB


@needs_proc
def test_cells_past_the_last_column_in_the_store_are_refused(tmp_path):
    """20,000 cells without r in a row run past column XFD: the file is damaged (100,000 gave
    exit 1, "unexpected problem")."""
    def store(wb, flows):
        ws = wb.add_worksheet("xlflows.template")
        ws.write_row(0, 0, ["Report cell", "Template", "Last extent", "Written text"])

    base = make_workbook(tmp_path / "base.xlsx", decorate_book=store)
    part = "xl/worksheets/sheet5.xml"
    noise = random.Random(17)
    rows = b"".join(b'<row r="%d">' % r + b"".join(b"<c><v>%d</v></c>" % noise.getrandbits(40)
                                                   for _ in range(20_000)) + b"</row>"
                    for r in range(2, 7))
    path = rezip(base, tmp_path / "flows.xlsx",
                 replace={part: parts(base)[part].replace(b"</sheetData>", rows + b"</sheetData>")})
    status, _, err = refresh_capped(path, timeout=300)
    assert status == 2 and "outside Excel's grid" in err, err


def test_more_categories_than_the_report_lays_out_are_refused(tmp_path, capsys):
    from conftest import run

    def wide(wb, flows):
        for c in range(3, 503):
            flows.write(0, c, f"Category {c}")
            flows.write(1, c, 1.0)

    path = make_workbook(tmp_path / "flows.xlsx", decorate_flows=None, decorate_book=wide)
    status, _, err = run(["refresh", path], capsys)
    assert status == 2
    assert err == ("xlflows: Flows has 502 categories; the Report lays out at most 500 (one "
                   "block each): move the others to another sheet\n")
