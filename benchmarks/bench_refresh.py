"""Benchmark: ``xlflows refresh`` against openpyxl and python-calamine on the same workbooks.

Run ``python benchmarks/bench_refresh.py [--repeat N] [--million]`` (python-calamine comes with the
``bench`` extra: ``pip install -e ".[bench]"``). Every figure is a ratio of two things timed
alternately in the same run (both see the same machine load); the script exits 1 when one misses
its target. Workbooks, made in a temporary folder:

* ``shipped``: a copy of ``workbook/xlflows.xlsm``;
* ``100k``: 100,000 rows of daily-dated flows in the shipped workbook's 4 categories, with its
  daily policy rate and quarterly MMF assets (XlsxWriter, as Excel writes: shared strings for
  the headers, date formats), the built-in Report grafted by a first, untimed refresh;
* ``1M`` (``--million``): the same with 1,000,000 rows (no targets, for information);
* ``categories``: 60 weeks in 50 … 400 categories, for the slope of time against categories.

Figures and targets (issue 16):

1. ``100k``, whole processes: ``xlflows refresh`` against a python-calamine read of the three
   data sheets (``to_python()``), time (target <= 2) and peak resident set (target <= 1.5; also
   shown: the refresh process's imports alone against that read, and what each process holds
   beyond its own imports: pandas and numpy cost about 0.3-0.45 s and 72 MiB before any work,
   calamine 12 MiB);
2. ``100k``, in process: the refresh against calamine's read, and the share of the refresh spent
   reading the sheets (information);
3. ``shipped``: refresh against an openpyxl load + save, in process (<= 0.5), as whole processes
   (<= 0.75) and traced peak memory in process (<= 1.2): the targets of the previous engine, so
   the shipped workbook is no slower than it was;
4. ``categories``: fitted log-log slope of refresh time against the number of categories
   (target <= 1.15: linear; it was quadratic);
5. a formatted empty cell at ``XFD1048576`` on Flows against one at ``Z1`` (target <= 1.1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import Verdicts, paired_ratio, slope, traced_peak

ROOT = Path(__file__).resolve().parents[1]

SHIPPED = ROOT / "workbook" / "xlflows.xlsm"
CATEGORIES = ["Equity", "Bond", "Money market", "Multi-asset"]
FIRST_DAY = dt.datetime(1900, 3, 5)

#: Prints the process's peak resident set in KiB (VmHWM, which exec resets) and its resident set
#: just after its imports, then the result of the work.
PROBE = ("def rss(key):\n"
         "    for line in open('/proc/self/status'):\n"
         "        if line.startswith(key):\n"
         "            return int(line.split()[1])\n")
CALAMINE_CODE = (PROBE + "import sys\nfrom python_calamine import CalamineWorkbook\n"
                 "after = rss('VmRSS:')\n"
                 "wb = CalamineWorkbook.from_path(sys.argv[1])\n"
                 "n = sum(len(wb.get_sheet_by_name(s).to_python()) for s in "
                 "('Flows', 'Policy rate', 'MMF assets'))\n"
                 "print(rss('VmHWM:'), after, n)\n")
REFRESH_CODE = (PROBE + "import sys\nfrom xlflows import cli\nimport xlflows.report.xlsx, "
                "xlflows.report.compute, xlflows.ooxml.sheetread\n"
                "after = rss('VmRSS:')\n"
                "status = cli.main(['refresh', sys.argv[1]])\n"
                "print(rss('VmHWM:'), after, status)\nsys.exit(status)\n")
#: The refresh process up to its work: its imports alone (pandas and numpy above all).
IMPORTS_CODE = (PROBE + "import sys\nfrom xlflows import cli\nimport xlflows.report.xlsx, "
                "xlflows.report.compute, xlflows.ooxml.sheetread\n"
                "after = rss('VmRSS:')\nprint(rss('VmHWM:'), after, 0)\n")
OPENPYXL_CODE = (PROBE + "import sys, openpyxl\nafter = rss('VmRSS:')\n"
                 "wb = openpyxl.load_workbook(sys.argv[1], "
                 "keep_vba=sys.argv[1].endswith('.xlsm'))\n"
                 "wb.save(sys.argv[2])\nprint(rss('VmHWM:'), after, 0)\n")


# --------------------------------------------------------------------------- workbooks
def _levels():
    from xlflows.ooxml import BookFile

    with BookFile(SHIPPED) as shipped:
        out = {}
        for name in ("Policy rate", "MMF assets"):
            out[name] = [r[:2] for r in shipped.rows(name)[1:] if len(r) >= 2
                         and isinstance(r[0], dt.datetime) and r[1] is not None]
    return out


def make_workbook(path: Path, rows: int, categories: list[str], *, step_days: int = 1,
                  first: dt.datetime = FIRST_DAY) -> Path:
    """A data workbook (XlsxWriter, constant memory) with ``rows`` dated rows of flows."""
    import xlsxwriter

    rng = np.random.default_rng(20251112)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    sheet = wb.add_worksheet("Flows")
    sheet.write_row(0, 0, ["Week ending", *categories])
    block = 10_000
    for start in range(0, rows, block):
        flows = np.round(rng.normal(0.5, 8.0, size=(min(block, rows - start), len(categories))),
                         1).tolist()
        for i, row in enumerate(flows, start=start):
            sheet.write_datetime(i + 1, 0, first + dt.timedelta(days=step_days * i), date)
            sheet.write_row(i + 1, 1, row)
    for name, rows_of in _levels().items():
        sheet = wb.add_worksheet(name)
        sheet.write_row(0, 0, ["Date", "Rate" if name == "Policy rate" else "Assets"])
        for i, (day, value) in enumerate(rows_of, start=1):
            sheet.write_datetime(i, 0, day, date)
            sheet.write_number(i, 1, value)
    wb.close()
    return path


def with_far_cell(source: Path, target: Path, ref: str) -> Path:
    """A copy of ``source`` with one formatted empty cell at ``ref`` on Flows (an XML edit)."""
    from xlflows.ooxml import BookFile

    with BookFile(source) as book:
        part = book.entry("Flows").part
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = data.replace(b"</sheetData>", f'<row r="{row}"><c r="{ref}" s="1"/></row>'
                                    .encode() + b"</sheetData>")
            out.writestr(info, data)
    return target


# --------------------------------------------------------------------------- measuring
def run_process(code: str, *args: str) -> tuple[float, int, int]:
    """(seconds, peak resident KiB, resident KiB after the imports) of ``python -c code args``."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"benchmark process failed: {done.stderr.strip()[-800:]}")
    peak, after, _ = done.stdout.strip().splitlines()[-1].split()
    return seconds, int(peak), int(after)


def processes(ours: tuple[str, ...], theirs: tuple[str, ...], repeat: int
              ) -> tuple[float, float, float, list, list]:
    """Alternate two whole-process commands: (median time ratio, our best s, their best s,
    our runs, their runs)."""
    pairs = [(run_process(*ours), run_process(*theirs)) for _ in range(repeat)]
    ratio = statistics.median(a[0] / b[0] for a, b in pairs)
    return (ratio, min(a[0] for a, _ in pairs), min(b[0] for _, b in pairs),
            [a for a, _ in pairs], [b for _, b in pairs])


def line(verdicts: Verdicts, label: str, value: float, target: float | None, detail: str) -> None:
    if target is None:
        print(f"{label:58s} {value:6.2f}  (information)  {detail}")
        return
    outcome = verdicts.check(label, value, at_most=target)
    print(f"{label:58s} {value:6.2f}  (target <= {target:.2f}) {outcome}  {detail}")


# --------------------------------------------------------------------------- the figures
def big_workbook(verdicts: Verdicts, folder: Path, rows: int, label: str, repeat: int,
                 targets: bool) -> None:
    from python_calamine import CalamineWorkbook

    from xlflows.report.xlsx import refresh_file

    # daily rows ending at the data's end when they fit after 1900-03-01 (a small run), else
    # from 1900-03-05 on (100,000 days reach 2173; the as-of date is the last week then)
    first = max(FIRST_DAY, dt.datetime(2025, 11, 12) - dt.timedelta(days=rows - 1))
    path = make_workbook(folder / f"{label}.xlsx", rows, CATEGORIES, first=first)
    refresh_file(path)                           # grafts the Report; warm-up
    size = path.stat().st_size / 1e6
    print(f"{label}: {rows:,} rows x {len(CATEGORIES)} categories, {size:.1f} MB")
    ratio, ours, theirs, our_runs, their_runs = processes(
        (REFRESH_CODE, str(path)), (CALAMINE_CODE, str(path)), repeat)
    line(verdicts, f"{label}, whole processes: refresh / calamine read, time", ratio,
         2.0 if targets else None, f"{ours:.2f} s vs {theirs:.2f} s")
    imports, _, _, _, _ = processes((IMPORTS_CODE,), (CALAMINE_CODE, str(path)), repeat)
    line(verdicts, f"{label}, whole processes: imports alone / calamine read", imports,
         None, "(pandas, numpy and xlflows: the floor of the figure above)")
    our_peak = max(r[1] for r in our_runs) / 1024
    their_peak = max(r[1] for r in their_runs) / 1024
    line(verdicts, f"{label}, whole processes: peak resident set", our_peak / their_peak,
         1.5 if targets else None, f"{our_peak:.0f} MiB vs {their_peak:.0f} MiB")
    our_work = max(r[1] - r[2] for r in our_runs) / 1024
    their_work = max(r[1] - r[2] for r in their_runs) / 1024
    line(verdicts, f"{label}, whole processes: resident beyond the imports", our_work / their_work,
         None, f"{our_work:.0f} MiB vs {their_work:.0f} MiB (imports: "
               f"{min(r[2] for r in our_runs) / 1024:.0f} vs "
               f"{min(r[2] for r in their_runs) / 1024:.0f} MiB)")

    def calamine():
        wb = CalamineWorkbook.from_path(str(path))
        return [wb.get_sheet_by_name(s).to_python() for s in ("Flows", "Policy rate",
                                                              "MMF assets")]

    ours, theirs, ratio = paired_ratio(lambda: refresh_file(path), calamine, max(2, repeat))
    line(verdicts, f"{label}, in process: refresh / calamine read", ratio, None,
         f"{ours:.2f} s vs {theirs:.2f} s")
    ours, theirs = traced_peak(lambda: refresh_file(path)), traced_peak(calamine)
    line(verdicts, f"{label}, in process: traced peak memory", ours / theirs, None,
         f"{ours / 2 ** 20:.0f} MiB vs {theirs / 2 ** 20:.0f} MiB (calamine's own buffers are "
         "not traced)")
    steps = refresh_file(path).timings
    print("  steps of one refresh: " + ", ".join(f"{k} {v:.2f} s" for k, v in steps.steps.items())
          + f"; reading is {steps.steps['read'] / steps.total:.0%} of it")


def shipped_workbook(verdicts: Verdicts, folder: Path, repeat: int) -> None:
    import openpyxl

    from xlflows.report.xlsx import refresh_file

    book = folder / "xlflows.xlsm"
    shutil.copyfile(SHIPPED, book)
    copy = folder / "copy.xlsm"

    def baseline():
        openpyxl.load_workbook(book, keep_vba=True).save(copy)

    ours, theirs, ratio = paired_ratio(lambda: refresh_file(book), baseline, repeat)
    line(verdicts, "shipped, in process: refresh / openpyxl load+save", ratio, 0.5,
         f"{ours * 1e3:.0f} ms vs {theirs * 1e3:.0f} ms")
    ratio, ours, theirs, _, _ = processes((REFRESH_CODE, str(book)),
                                          (OPENPYXL_CODE, str(book), str(copy)),
                                          max(3, repeat // 2))
    line(verdicts, "shipped, whole processes: refresh / openpyxl load+save", ratio, 0.75,
         f"{ours * 1e3:.0f} ms vs {theirs * 1e3:.0f} ms")
    ours, theirs = traced_peak(lambda: refresh_file(book)), traced_peak(baseline)
    line(verdicts, "shipped, in process: traced peak memory / openpyxl", ours / theirs, 1.2,
         f"{ours / 2 ** 20:.1f} MiB vs {theirs / 2 ** 20:.1f} MiB")


def categories_slope(verdicts: Verdicts, folder: Path, repeat: int) -> None:
    from xlflows.report.xlsx import refresh_file

    counts = [50, 100, 200, 400]
    seconds = []
    for count in counts:
        path = make_workbook(folder / f"c{count}.xlsx", 60, [f"Category {i + 1}"
                                                              for i in range(count)],
                             step_days=7, first=dt.datetime(2020, 1, 1))
        refresh_file(path)
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            refresh_file(path)
            best = min(best, time.perf_counter() - start)
        seconds.append(best)
    line(verdicts, "refresh time against categories: log-log slope", slope(counts, seconds), 1.15,
         ", ".join(f"{c}: {s:.2f} s" for c, s in zip(counts, seconds)))


def far_cell(verdicts: Verdicts, folder: Path, repeat: int) -> None:
    from xlflows.report.xlsx import refresh_file

    base = make_workbook(folder / "far.xlsx", 1_565, CATEGORIES, step_days=7,
                         first=dt.datetime(1995, 12, 6))
    refresh_file(base)
    near = with_far_cell(base, folder / "near-cell.xlsx", "Z1")
    far = with_far_cell(base, folder / "far-cell.xlsx", "XFD1048576")
    ours, theirs, ratio = paired_ratio(lambda: refresh_file(far), lambda: refresh_file(near),
                                       repeat)
    line(verdicts, "formatted cell at XFD1048576 / at Z1", ratio, 1.1,
         f"{ours * 1e3:.0f} ms vs {theirs * 1e3:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="alternating runs per figure")
    parser.add_argument("--million", action="store_true", help="also the 1,000,000-row workbook")
    parser.add_argument("--rows", type=int, default=100_000,
                        help="rows of the big workbook (the targets are for 100,000)")
    args = parser.parse_args(argv)
    try:
        import python_calamine  # noqa: F401  (the baseline every big-workbook figure needs)
    except ImportError:
        print("bench_refresh: python-calamine is not installed (it is the baseline): "
              '.venv/bin/pip install -e ".[bench]"', file=sys.stderr)
        return 2
    verdicts = Verdicts()
    print("machine load:", os.getloadavg() if hasattr(os, "getloadavg") else "n/a",
          f"({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        label = f"{args.rows // 1000}k" if args.rows % 1000 == 0 else f"{args.rows:,} rows"
        big_workbook(verdicts, folder, args.rows, label, args.repeat, targets=True)
        if args.million:
            big_workbook(verdicts, folder, 1_000_000, "1M", 2, targets=False)
        shipped_workbook(verdicts, folder, args.repeat)
        categories_slope(verdicts, folder, max(2, args.repeat // 2))
        far_cell(verdicts, folder, args.repeat)
    print("machine load after:", os.getloadavg() if hasattr(os, "getloadavg") else "n/a")
    print(verdicts.summary())
    return verdicts.exit_status()


if __name__ == "__main__":
    sys.exit(main())
