"""README.md keeps its promises: the test command is the one CI runs, the tables are current."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


#: README's two set-up lines, as a new user pastes them (each calls scripts/setup.sh).
REFRESH_LINE = "sh scripts/setup.sh refresh && .venv/bin/xlflows refresh workbook/xlflows.xlsm"
TEST_LINE = "sh scripts/setup.sh test && .venv/bin/python -m pytest"


def setup_blocks() -> list[str]:
    """The ``sh`` blocks of README's "Set-up" section."""
    section = README.split("\n## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.DOTALL)


def ci_commands() -> list[str]:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    return [line.strip() for line in ci.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_setup_is_two_lines_that_call_the_script_then_refresh_and_test():
    # No sudo or apt-get of its own: the script decides (tests/test_setup_script.py).
    assert setup_blocks() == [REFRESH_LINE, TEST_LINE]
    assert (ROOT / "scripts" / "setup.sh").is_file()
    assert (ROOT / "workbook" / "xlflows.xlsm").is_file()


def test_ci_runs_the_readme_test_line_as_written():
    """Each step of README's test line is a command of ``.ci/run``, in order, the tests last."""
    commands = ci_commands()
    steps = TEST_LINE.split(" && ")
    assert commands[-1] == steps[-1] == ".venv/bin/python -m pytest"
    positions = [commands.index(step) for step in steps]
    assert positions == sorted(positions)
    # CI installs nothing but through the script (the pandas 2.2 environment is pip only).
    assert not [c for c in commands if re.search(r"\b(apt-get|sudo)\b", c)]


def test_the_readme_lines_make_the_decisions_the_script_prints():
    """README's set-up lines, first part, as a dry run on this machine: exit 0 or one line
    naming what to install, and only the commands the script is documented to run."""
    import subprocess

    for line, pip in ((REFRESH_LINE, ".venv/bin/pip install -e ."),
                      (TEST_LINE, ".venv/bin/pip install -e .[test]")):
        setup = line.split(" && ")[0]
        done = subprocess.run(setup.split(), cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "XLFLOWS_SETUP_DRY_RUN": "1"}, timeout=60,
                              check=False)
        if done.returncode:
            assert done.returncode == 1 and done.stdout == ""
            assert done.stderr.startswith("scripts/setup.sh: ") and done.stderr.count("\n") == 1
            continue
        assert done.stderr == ""
        lines = done.stdout.splitlines()
        assert pip in lines
        known = re.compile(r"((sudo DEBIAN_FRONTEND=noninteractive )?apt-get (update|install -y "
                           r"[a-z0-9 .-]+)|python3 -m venv \.venv|\.venv/bin/pip install -e "
                           r"\.(\[test\])?|\.venv/bin/python tests/pyodide/setup_runtime\.py)")
        assert [x for x in lines if not known.fullmatch(x)] == []


def test_readme_shows_the_current_real_data_tables():
    generated = (ROOT / "docs" / "real-data.md").read_text(encoding="utf-8")
    rows = [line for line in generated.splitlines() if line.startswith("|")]
    assert len(rows) > 15
    missing = [row for row in rows if row not in README]
    assert missing == [], "README's real-data tables differ from docs/real-data.md"


def test_readme_names_every_udf():
    from xlflows import udfs

    for func in udfs.UDFS:
        assert f"#### {func.__name__.upper()}(" in README


def test_readme_lists_exactly_the_declared_placeholders():
    """README's tables of names are made from report/fields.py (issue 9: declared once)."""
    from xlflows.report.fields import markdown_tables

    start = README.index("<!-- placeholder tables:")
    start = README.index("\n", start) + 1
    end = README.index("<!-- end of placeholder tables -->")
    assert README[start:end] == markdown_tables(), \
        "run python -m xlflows.report.fields and paste its output into README"


def test_every_declared_placeholder_is_built_and_nothing_else():
    """compute builds exactly the declared names (report-wide, and per category with its slug)."""
    import pandas as pd

    from xlflows.report.compute import Settings, build_context
    from xlflows.report.data import ReportData
    from xlflows.report.fields import CATEGORY_FIELDS, REPORT_FIELDS

    weeks = pd.date_range("2020-01-01", periods=60, freq="7D")
    flows = {"Money market": pd.Series(range(60), index=weeks, dtype=float)}
    rate = pd.Series([1.0, 1.25, 1.5, 2.0, 1.75], index=pd.DatetimeIndex(
        ["2019-01-01", "2019-02-01", "2019-03-01", "2019-04-01", "2019-05-01"]))
    assets = pd.Series([100.0 + i for i in range(8)], index=pd.date_range("2019-03-31", periods=8,
                                                                          freq="QE"))
    data = ReportData(flows, {"Money market": "B"}, weeks, rate, assets,
                      {"Flows": weeks[-1], "Policy rate": rate.index[-1],
                       "MMF assets": assets.index[-1]}).cut(weeks[-1])
    ctx = build_context(data, Settings(), weeks[-1])
    assert set(ctx) == ({f.name for f in REPORT_FIELDS}
                        | {f"money_market.{f.name}" for f in CATEGORY_FIELDS}
                        | {f"retail_mmf.{f.name}" for f in CATEGORY_FIELDS})


def test_the_udf_benchmark_command_runs_and_reports_every_figure():
    """README's ``python benchmarks/bench_udf.py`` runs (two pairs a figure: its output, not its
    speed, is checked here; the figures are in README's benchmark table)."""
    import subprocess
    import sys

    assert "python benchmarks/bench_udf.py" in README
    done = subprocess.run([sys.executable, "benchmarks/bench_udf.py", "--repeats", "2",
                           "--import-runs", "1"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode in (0, 1), done.stderr
    lines = done.stdout.splitlines()
    missed = int(lines[-1].split(" of ")[0])
    assert done.returncode == (1 if missed else 0)         # a missed target fails the script
    assert [line for line in lines if line.startswith("-- dates as")] == [
        "-- dates as datetime (target <= 1.5 x per range)",
        "-- dates as serial (target <= 1.5 x per range)",
        "-- dates as ISO text (target <= 2 x per range)"]
    figures = [line for line in lines if re.search(r" ratio \d+\.\d\d (PASS|FAIL)  side by side "
                                                   r"\d+\.\d\d  rows given \d+\.\d\d$", line)]
    assert len(figures) == 30
    assert re.fullmatch(r"\d+ of 31 figures miss their target; against the side-by-side "
                        r"baseline \d+ of 30 calls would", lines[-1])
