"""``xlflows update`` from Excel (``xlflows.update_and_refresh``) and as README shows it: the
example commands run as written, the macro calls a function xlflows has."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from update_support import ASSET_ROWS, FIXTURES, PROXY_VARIABLES, RATE_ROWS, ROOT, SHIPPED, venv_in
from xlflows import fred as fred_module


def readme_update_block() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The command line: `xlflows update`", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_readme_update_examples_run(tmp_path, fred, monkeypatch):
    """README's example commands, run as written from a copy of the repository's layout."""
    lines = readme_update_block()
    assert lines[0].startswith(".venv/bin/xlflows update workbook/xlflows.xlsm")
    assert all(line.startswith(".venv/bin/xlflows ") for line in lines)
    venv_in(tmp_path)
    (tmp_path / "workbook").mkdir()
    (tmp_path / "workbook" / "xlflows.xlsm").write_bytes(SHIPPED.read_bytes())
    (tmp_path / "fred-csv").mkdir()
    for path in FIXTURES.glob("*.csv"):
        (tmp_path / "fred-csv" / path.name).write_bytes(path.read_bytes())
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    env.update({fred_module.URL_ENV: fred.url, fred_module.TIMEOUT_ENV: "20"})
    outputs = []
    for line in lines:                                  # as written, by the shell
        done = subprocess.run(line, shell=True, cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        assert (done.returncode, done.stderr) == (0, ""), line
        outputs.append(done.stdout)
    assert "MMF assets: 12 new quarters to 2023-12-31, 3 revised" in outputs[0]
    assert any("is up to date" in out for out in outputs[1:])


# ============================================================================ from Excel
def _live_book():
    """test_workbook's fake xlwings Book, with real-shaped Policy rate and MMF assets sheets."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from conftest import FakeBook, FakeSheet

    book = FakeBook()
    grids = {"Policy rate": [["Date", "Rate"]] + [[d.to_pydatetime(), v] for d, v in RATE_ROWS],
             "MMF assets": [["Date", "Assets"]] + [[d.to_pydatetime(), v] for d, v in ASSET_ROWS]}
    for i, sheet in enumerate(book.sheets):
        if sheet.name in grids:
            book.sheets[i] = FakeSheet(book, sheet.name, grids[sheet.name])
    return book


@pytest.fixture
def caller(monkeypatch, fred):
    import xlwings

    book = _live_book()
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: book), raising=False)
    monkeypatch.setenv(fred_module.URL_ENV, fred.url)
    return book


def test_update_and_refresh_from_excel_updates_then_refreshes(caller, monkeypatch):
    import xlflows
    from xlflows.report import live

    refreshed = []
    monkeypatch.setattr(live, "refresh_book", lambda book: refreshed.append(len(book.log)))
    xlflows.update_and_refresh()
    written = [entry for entry in caller.log if entry[2:3] == ("value",)]
    assert ("MMF assets", "A10:B21", "value") == written[-1][:3]      # 12 quarters in one block
    assert written[-1][3][-1] == [dt.datetime(2023, 12, 31), 6000.0]
    assert refreshed == [len(caller.log)] and caller.app.alerts == []
    assert caller.app.status_bar == ("xlflows: Policy rate: 49 new days to 2025-12-31, 0 revised; "
                                     "MMF assets: 12 new quarters to 2023-12-31, 3 revised")


def test_update_from_excel_fills_an_empty_retail_mmf_sheet(caller, monkeypatch):
    """The open Book gets a Retail MMF sheet with its headers only (as `xlflows new` makes it):
    the update fills it with the 14 weeks of the fixture, 2025-12-29 .. 2026-03-30, from row 2."""
    import xlflows
    from conftest import FakeSheet
    from xlflows.report import live

    caller.sheets.append(FakeSheet(caller, "Retail MMF", [["Date", "Assets", None, "a note"]]))
    monkeypatch.setattr(live, "refresh_book", lambda book: None)
    xlflows.update_and_refresh()
    [retail] = [entry for entry in caller.log if entry[0] == "Retail MMF" and entry[2] == "value"]
    assert retail[1] == "A2:B15"
    assert retail[3][0] == [dt.datetime(2025, 12, 29), 2269.7]
    assert retail[3][-1] == [dt.datetime(2026, 3, 30), 2310.8]
    assert caller.app.status_bar.endswith(
        "; Retail MMF: filled from empty, 14 weeks from 2025-12-29 to 2026-03-30")


def test_update_from_excel_shows_a_failure_and_writes_nothing(caller, fred):
    fred.answer("MMMFFAQ027S", "<!DOCTYPE html><html><body>Sign in</body></html>")
    import xlflows

    xlflows.update_and_refresh()
    assert caller.log == []
    [(title, prompt)] = caller.app.alerts
    assert title == "xlflows: nothing was updated" and "is a web page, not a CSV file" in prompt


def test_update_from_excel_says_when_the_refresh_failed_after_the_update(caller):
    import xlflows

    xlflows.update_and_refresh()     # the fake Flows sheet ends with a #SPILL! error cell
    [(title, prompt)] = caller.app.alerts
    assert title == "xlflows: nothing was refreshed"
    assert prompt.startswith("the data sheets were updated (Policy rate: 49 new days")
    assert "but the Report was not refreshed: " in prompt and "#SPILL!" in prompt


def test_import_xlflows_stays_light():
    code = ("import sys, xlflows; print(sorted(m for m in ('pandas', 'openpyxl', "
            "'xlflows.update', 'urllib.request') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.stdout.strip() == "[]"


def test_readme_macro_calls_a_function_xlflows_has():
    import xlflows

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    macro = readme.split("```vba\n", 1)[1].split("```", 1)[0]
    calls = re.findall(r'RunPython "import xlflows; xlflows\.(\w+)\(\)"', macro)
    assert calls == ["update_and_refresh"] and callable(getattr(xlflows, calls[0]))
