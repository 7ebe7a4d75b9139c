"""The shipped workbook (workbook/xlflows.xlsm) and the live engine behind its Refresh button.

Without Excel: the file is opened with openpyxl and zipfile, its VBA with oletools (olevba). The
live engine (xlflows.report.live) runs on a fake xlwings Book that records what Excel would be told.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import shutil
import subprocess
import sys
import types
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "workbook" / "xlflows.xlsm"
BUILD = ROOT / "workbook" / "build.py"
DATA = ROOT.parent / "shared" / "data"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_cli import StandIn  # noqa: E402

from xlflows.errors import WorkbookError  # noqa: E402
from xlflows.report import live  # noqa: E402

# ============================================================================ the live engine


class FakeRange:
    def __init__(self, sheet, address):
        self.sheet = sheet
        self.address = address
        self._options = None

    def options(self, **options):
        self._options = options
        return self

    @property
    def value(self):
        assert self._options == {"ndim": 2, "err_to_str": True, "empty": None}
        return [list(row) for row in self.sheet.grid]

    @value.setter
    def value(self, value):
        self.sheet.book.log.append((self.sheet.name, self.address, "value", value))

    @property
    def number_format(self):
        raise AssertionError("not read by the engine")

    @number_format.setter
    def number_format(self, fmt):
        self.sheet.book.log.append((self.sheet.name, self.address, "format", fmt))


@dataclass
class FakeCell:
    row: int
    column: int


class FakeSheet:
    def __init__(self, book, name, grid):
        self.book, self.name, self.grid = book, name, grid
        self.visible = True

    @property
    def used_range(self):
        return types.SimpleNamespace(last_cell=FakeCell(len(self.grid), len(self.grid[0])))

    def range(self, first, last=None):
        if last is not None:
            assert first == (1, 1) and last == (len(self.grid), len(self.grid[0]))
            return FakeRange(self, "used")
        return FakeRange(self, first)


class FakeSheets(list):
    def __getitem__(self, key):
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return list.__getitem__(self, key)

    def add(self, name, after=None):
        assert after is self[-1]
        sheet = FakeSheet(self.book, name, [[None]])
        self.append(sheet)
        return sheet


class FakeApp:
    def __init__(self, book):
        self.book = book
        self._updating = True
        self.alerts = []

    @property
    def screen_updating(self):
        return self._updating

    @screen_updating.setter
    def screen_updating(self, value):
        self.book.log.append(("app", "screen_updating", value))
        self._updating = value

    def alert(self, prompt, title=None):
        self.alerts.append((title, prompt))


class FakeName:
    def __init__(self, name, sheet, address, count=1):
        self.name = name
        self.refers_to_range = types.SimpleNamespace(
            sheet=types.SimpleNamespace(name=sheet), address=address, count=count)


class FakeBook:
    """What xlwings gives for a workbook with Report, Flows, Policy rate and MMF assets sheets."""

    def __init__(self):
        self.log = []
        self.sheets = FakeSheets()
        self.sheets.book = self
        weeks = [dt.datetime(2024, 1, 3) + dt.timedelta(weeks=i) for i in range(6)]
        # Money market's latest week is a newer Excel error (#SPILL! arrives as a COM integer)
        flows = [["Week ending", "Equity", "Money market"]] + [
            [w, e, m] for w, e, m in zip(weeks, [1.5, -2.0, 3.25, 4.0, -1.0, 2.5],
                                          [None, None, 10.0, -5.0, 7.5, -2146826243])]
        for name, grid in [
            ("Report", [["Report", None], [None, 8.0]]),
            ("Flows", flows),
            ("Policy rate", [["Date", "Rate"], [dt.datetime(2023, 7, 27), 5.5]]),
            ("MMF assets", [["Date", "Assets"], [dt.datetime(2020, 12, 31), "#N/A"]]),
        ]:
            self.sheets.append(FakeSheet(self, name, grid))
        self.names = [FakeName("xlflows_weeks", "Report", "$B$2"),
                      FakeName("Report!local", "Report", "$A$1"),
                      FakeName("block", "Report", "$A$1:$B$2", count=4)]
        self.app = FakeApp(self)


def test_book_source_reads_values_errors_and_names():
    source = live.BookSource(FakeBook())
    assert source.sheet_names() == ["Report", "Flows", "Policy rate", "MMF assets"]
    flows = source.rows("Flows")
    assert flows[0] == ["Week ending", "Equity", "Money market"]
    assert flows[6] == [dt.datetime(2024, 2, 7), 2.5, "#SPILL!"]   # COM -2146826243 -> #SPILL!
    assert source.rows("MMF assets")[1] == [dt.datetime(2020, 12, 31), "#N/A"]
    assert source.named_cell("XLFLOWS_WEEKS") == ("Report", "B2")   # names are case-insensitive
    assert source.named_cell("block") is None                        # a range, not one cell
    assert source.named_cell("local") is None                        # sheet-scoped: not found
    with pytest.raises(WorkbookError, match="the workbook has no sheet named 'Rates'; sheets are "
                                            "'Report', 'Flows', 'Policy rate', 'MMF assets'"):
        source.rows("Rates")


def test_apply_plan_writes_text_as_text_and_hides_new_sheets():
    from test_cli import CellWrite, RefreshPlan

    book = FakeBook()
    plan = RefreshPlan([CellWrite("Report", "B7", "Mar 2022"),
                        CellWrite("Report", "B8", 2.5, "0.0"),
                        CellWrite("Report", "B9", None),
                        CellWrite("_calc", "A1", dt.datetime(2024, 2, 7), "yyyy-mm-dd")], ["_calc"])
    live.apply_plan(book, plan)
    assert book.sheets["_calc"].visible is False
    assert book.log == [
        ("app", "screen_updating", False),
        ("Report", "B7", "value", "'Mar 2022"),      # the apostrophe keeps it from becoming a date
        ("Report", "B8", "format", "0.0"),
        ("Report", "B8", "value", 2.5),
        ("Report", "B9", "value", None),
        ("_calc", "A1", "format", "yyyy-mm-dd"),
        ("_calc", "A1", "value", dt.datetime(2024, 2, 7)),
        ("app", "screen_updating", True),
    ]


def test_apply_plan_refuses_a_missing_sheet_before_writing():
    from test_cli import CellWrite, RefreshPlan

    book = FakeBook()
    with pytest.raises(WorkbookError, match=r"^Summary!A1: the workbook has no sheet 'Summary'"):
        live.apply_plan(book, RefreshPlan([CellWrite("Report", "A1", 1.0),
                                           CellWrite("Summary", "A1", 1.0)], []))
    assert book.log == []


@pytest.fixture
def standin_compute(monkeypatch):
    fake = StandIn()
    module = types.ModuleType("xlflows.report.compute")
    module.plan_refresh = fake.plan_refresh
    monkeypatch.setitem(sys.modules, "xlflows.report.compute", module)
    return fake


def test_refresh_caller_shows_a_workbook_problem_in_a_message_box(monkeypatch, standin_compute):
    import xlwings

    book = FakeBook()
    book.sheets.remove(book.sheets["Report"])
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: book))
    live.refresh_caller()
    assert book.app.alerts == [("xlflows: nothing was refreshed",
                                "the workbook has no 'Report' sheet; run `xlflows refresh <file>` "
                                "once on the saved file to add it")]
    assert book.log == []


def test_refresh_book_plans_from_the_live_values(standin_compute):
    book = FakeBook()
    book.sheets["MMF assets"].grid[1][1] = 4336.003
    plan = live.refresh_book(book, weeks=4)
    assert standin_compute.calls[0]["weeks"] == 4
    assert standin_compute.calls[0]["setting"] == ("Report", "B2")
    written = {(s, a): v for s, a, kind, v in
               [e for e in book.log if e[0] != "app"] if kind == "value"}
    # stand-in: latest Equity 2.5, sum 1.5 - 2 + 3.25 + 4 - 1 + 2.5 = 8.25
    assert written[("Report", "B2")] == 2.5 and written[("Report", "B4")] == 8.25
    assert written[("Report", "B7")] == "'=not a formula"
    assert len(plan.writes) == 7


def test_main_imports_the_report_lazily():
    code = ("import sys, xlflows; assert 'xlflows.report.live' not in sys.modules; "
            "assert 'pandas' not in sys.modules; assert 'openpyxl' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
