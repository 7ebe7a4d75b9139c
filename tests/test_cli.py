"""The command line: ``xlflows refresh`` on small workbooks — exit codes, one-line messages, output.

The report's content is replaced by the small stand-in of ``conftest.py`` (fixture ``standin``).
What the file engine reads and writes is tested in test_report_xlsx.py; the shipped workbook with
the real report in test_workbook.py.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from conftest import folder_listing, make_workbook, run
from xlflows import cli
from xlflows.errors import InputError
from xlflows.report import xlsx

ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- tests


def test_refresh_in_place_writes_the_plan(tmp_path, standin, capsys):
    book = make_workbook(tmp_path / "flows.xlsx")
    status, out, err = run(["refresh", book], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == f"Refreshed {book} (7 report cells)"
    assert "  Flows to 2024-02-07" in out.splitlines()
    wb = openpyxl.load_workbook(book)
    report = wb["Report"]
    # latest Equity week 2.5 on 2024-02-07; sum 1.5 - 2 + 3.25 + 4 - 1 + 2.5 = 8.25
    assert report["B2"].value == 2.5 and report["B2"].number_format == "0.0"
    assert report["B3"].value == dt.datetime(2024, 2, 7)
    assert report["B4"].value == 8.25
    assert (report["B5"].value, report["B6"].value) == (5.5, 4336.003)
    assert report["B7"].value == "=not a formula" and report["B7"].data_type == "s"
    assert wb["_calc"].sheet_state == "hidden" and wb["_calc"]["A1"].value == 1.5
    # the defined name is read as (sheet, cell) without $ signs
    assert standin.calls[0]["setting"] == ("Report", "B10")
    assert folder_listing(tmp_path) == ["flows.xlsx"]


@pytest.mark.parametrize("output, expected", [
    ("copy.xlsx", "--output copy.xlsx has extension '.xlsx'; expected '.xlsm' like the input"),
    ("copy", "--output copy has extension ''; expected '.xlsm'"),
], ids=["xlsm-to-xlsx refused", "no extension refused"])
def test_output_must_keep_the_extension(tmp_path, standin, capsys, output, expected):
    book = make_workbook(tmp_path / "flows.xlsm")
    before = book.read_bytes()
    status, out, err = run(["refresh", book, "--output", tmp_path / output], capsys)
    assert status == 2 and out == ""
    assert err.startswith("xlflows: ") and expected in err and err.count("\n") == 1
    assert book.read_bytes() == before
    assert folder_listing(tmp_path) == ["flows.xlsm"]


def test_errors_of_the_report_layer_exit_2(tmp_path, standin, capsys):
    standin.fail_with = InputError("weeks: 0 is below 1; expected a whole number >= 1")
    book = make_workbook(tmp_path / "flows.xlsx")
    before = book.read_bytes()
    status, out, err = run(["refresh", book], capsys)
    assert (status, out) == (2, "")
    assert err == "xlflows: weeks: 0 is below 1; expected a whole number >= 1\n"
    assert book.read_bytes() == before


def test_unexpected_problems_exit_1_on_one_line(tmp_path, standin, capsys):
    standin.fail_with = RuntimeError("boom\nsecond line")
    book = make_workbook(tmp_path / "flows.xlsx")
    before = book.read_bytes()
    status, out, err = run(["refresh", book], capsys)
    assert (status, out, err) == (1, "", "xlflows: unexpected problem, please report: boom\n")
    assert book.read_bytes() == before
    assert folder_listing(tmp_path) == ["flows.xlsx"]


@pytest.mark.parametrize("argv, expected", [
    ([], "no command given; expected: xlflows new WORKBOOK, xlflows refresh WORKBOOK"),
    (["refresh"], "the following arguments are required: WORKBOOK"),
    (["refresh", "x.xlsx", "--weeks", "0"],
     "argument --weeks: 0 is outside 1..520; expected a whole number from 1 to 520"),
    (["refresh", "x.xlsx", "--cycles", "four"], "argument --cycles: 'four' is not a whole number"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
], ids=["no command", "no workbook", "weeks 0", "cycles text", "unknown command"])
def test_usage_errors(argv, expected, capsys):
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert err.startswith("xlflows: ") and expected in err and err.count("\n") == 1


def test_missing_file(tmp_path, capsys):
    status, _, err = run(["refresh", tmp_path / "nope.xlsx"], capsys)
    assert status == 2 and err == f"xlflows: {tmp_path / 'nope.xlsx'}: no such file\n"


def test_python_dash_m_and_console_script(tmp_path):
    missing = tmp_path / "nope.xlsm"
    runs = [[sys.executable, "-m", "xlflows", "refresh", str(missing)]]
    script = shutil.which("xlflows")
    if script:
        runs.append([script, "refresh", str(missing)])
    for argv in runs:
        done = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, check=False)
        assert done.returncode == 2, argv
        assert done.stderr == f"xlflows: {missing}: no such file\n"
        assert done.stdout == ""



# ----------------------------------------------------------------------------- issue 9: the CLI
def test_version(capsys):
    from xlflows import __version__

    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"xlflows {__version__}"


def test_help_states_the_bounds_of_weeks_and_cycles(capsys):
    with pytest.raises(SystemExit):
        cli.main(["refresh", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "look-back window in weeks, 1 to 520" in out
    assert "previous hiking cycles compared, 1 to 20" in out


def test_weeks_beyond_the_bound_is_refused_before_reading(tmp_path, capsys):
    status, out, err = run(["refresh", tmp_path / "missing.xlsx", "--weeks", "521"], capsys)
    assert status == 2 and out == ""
    assert err == ("xlflows: argument --weeks: 521 is outside 1..520; expected a whole number "
                   "from 1 to 520 (see xlflows refresh --help)\n")


def test_a_folder_as_workbook_is_named_as_a_folder(tmp_path, capsys):
    status, _, err = run(["refresh", tmp_path], capsys)
    assert status == 2
    assert err == f"xlflows: {tmp_path} is a folder; expected an .xlsx or .xlsm file\n"


@pytest.mark.parametrize("kind", ["folder", "missing folder", "read-only file"])
def test_output_is_checked_before_anything_is_computed(tmp_path, capsys, monkeypatch, kind):
    book = make_workbook(tmp_path / "flows.xlsx")
    calls = []
    monkeypatch.setattr(xlsx, "plan_refresh", lambda *a, **k: calls.append(1))
    if kind == "folder":
        target, expected = tmp_path, f"--output {tmp_path} is a folder; expected a file name"
    elif kind == "missing folder":
        target = tmp_path / "nowhere" / "out.xlsx"
        expected = f"the folder {tmp_path / 'nowhere'} does not exist"
    else:
        target = tmp_path / "out.xlsx"
        target.write_bytes(b"old")
        target.chmod(0o444)
        expected = f"--output {target} is read-only"
    before = book.read_bytes()
    status, out, err = run(["refresh", book, "--output", target], capsys)
    assert status == 2 and out == "" and expected in err and err.count("\n") == 1
    assert calls == [] and book.read_bytes() == before


def test_as_of_after_the_data_warns_on_stderr(tmp_path, capsys):
    book = make_workbook(tmp_path / "flows.xlsx")
    status, out, err = run(["refresh", book, "--as-of", "2030-01-01"], capsys)
    assert status == 0 and out.startswith("Refreshed ")
    assert err.startswith("xlflows: warning: as of 2030-01-01 (the command line) is after the "
                          "latest week of Flows")
