"""The benchmark scripts' verdicts: a figure that misses its target makes the exit status non-zero.

Issue 19: ``benchmarks/bench_core.py`` printed FAIL and exited 0. No timing is tested here (speed
targets live in the scripts, never in timed tests): the verdict logic is checked on given
figures, and ``bench_core.main`` runs its real code on a few hundred weeks with the timers replaced
by fixed numbers, once with every figure on target and once with one off.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import bench_core
from benchmarks.common import Verdicts, slope, verdict


@pytest.mark.parametrize("value, bounds, expected", [
    (2.0, {"at_most": 2.0}, "PASS"),              # the bound itself passes (inclusive)
    (2.0000001, {"at_most": 2.0}, "FAIL"),
    (30.0, {"at_least": 30.0}, "PASS"),
    (29.9, {"at_least": 30.0}, "FAIL"),
    (1.5, {"at_least": 1.0, "at_most": 2.0}, "PASS"),
    (float("nan"), {"at_most": 2.0}, "FAIL"),     # a broken measurement never passes
])
def test_verdict(value, bounds, expected):
    assert verdict(value, **bounds) == expected


def test_every_figure_on_target_exits_0_and_one_miss_exits_1():
    verdicts = Verdicts()
    assert verdicts.check("rolling", 1.7, at_most=2) == "PASS"
    verdicts.require("history equals the full scan", True)
    assert verdicts.exit_status() == 0
    assert verdicts.summary() == "all 2 figures meet their targets"
    assert verdicts.check("flow_rank 8w vs its floor", 2.3, at_most=2) == "FAIL"
    assert verdicts.exit_status() == 1
    verdicts.require("history equals the full scan", False)
    assert verdicts.summary() == ("2 of 4 figures miss their target: flow_rank 8w vs its floor; "
                                  "history equals the full scan")


def test_slope_of_times_proportional_to_size_is_1():
    assert slope([1e5, 1e6], [0.01, 0.1]) == pytest.approx(1.0)
    assert slope([1e5, 1e6], [0.01, 1.0]) == pytest.approx(2.0)


@pytest.fixture
def quick_bench(monkeypatch):
    """bench_core on a few hundred weeks, the paired timer returning ``times[0]`` s for the
    function and 1 ms for its baseline (ratios exactly ``times[0] / 0.001``) and ``best_of`` 1 us
    (slopes 0; the numpy full scan, timed for real, is then far more than 30 times slower)."""
    times = [0.001]
    monkeypatch.setattr(bench_core, "BIG", 1_200)
    monkeypatch.setattr(bench_core, "SMALL", 300)
    monkeypatch.setattr(bench_core, "SLOPE_SIZES", (400, 800))
    monkeypatch.setattr(bench_core, "GRAMMAR_SIZES", (400, 800))
    monkeypatch.setattr(bench_core, "best_of", lambda func, repeats=5: (func(), 1e-6)[1])
    monkeypatch.setattr(bench_core, "paired_ratio", lambda func, base, repeats=7: (
        func(), base(), times[0], 0.001, times[0] / 0.001)[2:])
    return times


def test_bench_core_exits_0_when_every_figure_meets_its_target(quick_bench, capsys):
    quick_bench[0] = 0.0015                   # every ratio 1.5: within 2 and 5
    status = bench_core.main(["--repeats", "1"])
    out = capsys.readouterr().out
    assert "FAIL" not in out and "ANSWER DIFFERS" not in out, out
    assert out.rstrip().endswith("figures meet their targets")
    assert status == 0


def test_bench_core_exits_1_when_a_figure_misses_its_target(quick_bench, capsys):
    quick_bench[0] = 0.0025                   # ratio 2.5: rolling and the grammar miss 2x
    status = bench_core.main(["--repeats", "1"])
    out = capsys.readouterr().out
    assert "rolling 8 weeks, 1,000,000 weeks" in out and "FAIL" in out
    assert "figures miss their target" in out.splitlines()[-1]
    assert status == 1


def test_the_benchmark_runs_and_reports_every_figure():
    """README's ``python benchmarks/bench_sheetread.py`` on a small sheet: its output, not its
    speed, is checked here."""
    root = Path(__file__).resolve().parents[1]
    assert "python benchmarks/bench_sheetread.py" in (root / "README.md").read_text()
    done = subprocess.run([sys.executable, "benchmarks/bench_sheetread.py", "--rows", "3000",
                           "--repeats", "1"], cwd=root, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode in (0, 1), done.stderr
    out = done.stdout
    assert "cells read: 15005 (both paths agree)" in out
    for label in ("fast path / unzip + bytes scan", "fast path + full expat pass / floor",
                  "unzip + expat pass alone / floor", "exact path / fast path",
                  "peak traced memory / (output + 3 chunks + 4 MiB)"):
        assert re.search(rf"^{re.escape(label)} +\d+\.\d+ ", out, re.MULTILINE), label


def test_the_refresh_benchmark_runs_and_its_exit_status_follows_its_verdicts():
    """README's ``benchmarks/bench_refresh.py`` on 3,000 rows, one run a figure: every figure is
    printed, and the exit status is 1 exactly when a line says FAIL (speed is not judged here)."""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "benchmarks/bench_refresh.py", "--rows", "3000",
                           "--repeat", "1"], cwd=root, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode in (0, 1), done.stderr
    out = done.stdout
    for label in ("3k, whole processes: refresh / calamine read, time",
                  "3k, whole processes: imports alone / calamine read",
                  "3k, whole processes: peak resident set",
                  "3k, in process: refresh / calamine read",
                  "shipped, in process: refresh / openpyxl load+save",
                  "shipped, whole processes: refresh / openpyxl load+save",
                  "shipped, in process: traced peak memory / openpyxl",
                  "refresh time against categories: log-log slope",
                  "formatted cell at XFD1048576 / at Z1"):
        assert re.search(rf"^{re.escape(label)} +\d+\.\d+ ", out, re.MULTILINE), label
    failed = re.findall(r"^.+ FAIL ", out, re.MULTILINE)
    assert done.returncode == (1 if failed else 0), out



def test_the_refresh_benchmark_without_its_baseline_says_what_to_install():
    """Without python-calamine (CI's second environment once lacked it) the refresh benchmark
    exits 2 with one line naming the extra, not 1 with a traceback that reads like a verdict."""
    root = Path(__file__).resolve().parents[1]
    code = ("import runpy, sys\nsys.modules['python_calamine'] = None\n"
            "sys.argv = ['bench_refresh.py', '--rows', '3000', '--repeat', '1']\n"
            "runpy.run_path('benchmarks/bench_refresh.py', run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr == ("bench_refresh: python-calamine is not installed (it is the "
                           'baseline): .venv/bin/pip install -e ".[bench]"\n')
