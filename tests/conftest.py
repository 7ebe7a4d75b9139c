"""Shared fixtures: Excel-shaped inputs as xlwings and COM hand them to a UDF.

Classic xlwings (COM) gives a one-column range as a flat list by default, or as a list of
one-item rows with ``ndim=2``; a one-row range as a flat list or ``[[a, b, c]]``; dates as
``datetime.datetime``; xlwings Lite gives dates as serial numbers. The helpers below build every
shape from one list of values so a test can run the same data through each.
"""

from __future__ import annotations

import datetime as dt
import io
import types
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from xlflows import cli
from xlflows.report import xlsx
from xlflows.report.plan import CellWrite, RefreshPlan

#: The fixtures of the FRED stand-in (``fred``, ``fred_tls``), for every test module.
pytest_plugins = ["update_support"]

#: The public series kept in the repository (data/SOURCES.md says where each comes from).
DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def vertical(values):
    """An n × 1 range as COM gives it with ndim=2: ``[[v1], [v2], ...]``."""
    return [[v] for v in values]


def horizontal(values):
    """A 1 × n range as COM gives it with ndim=2: ``[[v1, v2, ...]]``."""
    return [list(values)]


def flat(values):
    """A 1-D range as xlwings gives it by default (``ndim=None``): ``[v1, v2, ...]``."""
    return list(values)


def as_tuples(values):
    """A column range as raw COM gives it: a tuple of 1-tuples."""
    return tuple((v,) for v in values)


SHAPES = {"vertical": vertical, "horizontal": horizontal, "flat": flat, "com tuples": as_tuples}


def serial(day: dt.date) -> int:
    """Excel 1900-system serial of a date on or after 1900-03-01 (what xlwings Lite passes)."""
    return (day - dt.date(1899, 12, 30)).days


DATE_FORMS = {
    "datetime": lambda d: dt.datetime(d.year, d.month, d.day),
    "serial": serial,
    "ISO text": lambda d: d.isoformat(),
    "date": lambda d: d,
}


@pytest.fixture(params=list(SHAPES), ids=list(SHAPES))
def shape_of(request):
    """Parametrised: a function that lays a list of values out in one Excel shape."""
    return SHAPES[request.param]


@pytest.fixture(params=list(DATE_FORMS), ids=list(DATE_FORMS))
def date_form(request):
    """Parametrised: a function that writes a date the way one runtime passes it."""
    return DATE_FORMS[request.param]


def weekly(start: dt.date, n: int) -> list[dt.date]:
    """``n`` week-ending dates, 7 days apart, from ``start``."""
    return [start + dt.timedelta(weeks=i) for i in range(n)]


# ============================================================================= file engine
# A small stand-in report and XlsxWriter workbooks, shared by the engine and command-line tests.



class StandIn:
    """Plans: Report!B2 = the latest Equity flow, B3 = its week, B4 = the sum of Equity flows,
    B5 = the last policy rate, B6 = the last MMF assets level; a hidden sheet ``_calc`` gets A1."""

    def __init__(self):
        self.calls = []
        self.templates = []
        self.fail_with = None

    def plan_refresh(self, source, *, weeks=None, cycles=None, as_of=None):
        self.calls.append({"weeks": weeks, "cycles": cycles, "as_of": as_of,
                           "setting": source.named_cell("xlflows_weeks")})
        if self.fail_with is not None:
            raise self.fail_with
        flows = source.rows("Flows")
        rates = source.rows("Policy rate")
        assets = source.rows("MMF assets")
        equity = [row[1] for row in flows[1:] if row[1] is not None]
        writes = [
            CellWrite("Report", "B2", equity[-1], "0.0"),
            CellWrite("Report", "B3", flows[-1][0], "mmm d, yyyy"),
            CellWrite("Report", "B4", sum(equity), "0.0"),
            CellWrite("Report", "B5", rates[-1][1]),
            CellWrite("Report", "B6", assets[-1][1]),
            CellWrite("Report", "B7", "=not a formula"),
            CellWrite("_calc", "A1", 1.5),
        ]
        return RefreshPlan(writes, ["_calc"], [f"Flows to {flows[-1][0]:%Y-%m-%d}"])

    def install_template(self, wb, ws, categories, retail=False):
        self.templates.append((ws.title, list(categories)))
        ws["A1"] = "Report"


@pytest.fixture
def standin(monkeypatch):
    fake = StandIn()
    monkeypatch.setattr(xlsx, "plan_refresh", fake.plan_refresh)
    monkeypatch.setattr(xlsx, "install_template", fake.install_template)
    return fake


def run(argv, capsys):
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


# ----------------------------------------------------------------------------- workbooks


WEEKS = [dt.datetime(2024, 1, 3) + dt.timedelta(weeks=i) for i in range(6)]
EQUITY = [1.5, -2.0, 3.25, 4.0, -1.0, 2.5]          # sum 8.25, latest 2.5 (week of 2024-02-07)
MONEY = [None, None, 10.0, -5.0, 7.5, -31.0]


def make_workbook(path: Path, *, report: bool = True, flows_formula: str | None = None,
                  dynamic: bool = False, cached=None, decorate_flows=None,
                  decorate_report=None, decorate_book=None) -> Path:
    """A small workbook written with XlsxWriter (as Excel would: shared strings, cached values).

    flows_formula: a formula put in Flows!B7 (the latest Equity week) with ``cached`` as its saved
    value (None: no saved value). dynamic: a dynamic-array formula in Dashboard!A1.
    decorate_flows, decorate_report: called with the Flows / Report XlsxWriter worksheet to add
    what openpyxl would drop (a text box, a sparkline, a comment ...); decorate_book with the
    XlsxWriter workbook and the Flows worksheet (formats, properties, rich text).
    """
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    if path.suffix == ".xlsm":
        wb.set_vba_name("ThisWorkbook")
        wb.add_vba_project(io.BytesIO(_vba()), is_stream=True)
    if report:
        ws = wb.add_worksheet("Report")
        ws.write("A1", "Report")
        wb.define_name("xlflows_weeks", "=Report!$B$10")
        ws.write("B10", 8)
        if decorate_report is not None:
            decorate_report(ws)
    flows = wb.add_worksheet("Flows")
    flows.write_row(0, 0, ["Week ending", "Equity", "Money market"])
    for i, (week, eq, mm) in enumerate(zip(WEEKS, EQUITY, MONEY), start=1):
        flows.write_datetime(i, 0, week, date)
        flows.write_number(i, 1, eq)
        if mm is not None:
            flows.write_number(i, 2, mm)
    if flows_formula is not None:
        flows.write_formula("B7", flows_formula, None, "" if cached is None else cached)
    if decorate_flows is not None:
        decorate_flows(flows)
    if decorate_book is not None:
        decorate_book(wb, flows)
    rates = wb.add_worksheet("Policy rate")
    rates.write_row(0, 0, ["Date", "Rate"])
    rates.write_datetime(1, 0, dt.datetime(2023, 7, 27), date)
    rates.write_number(1, 1, 5.5)
    assets = wb.add_worksheet("MMF assets")
    assets.write_row(0, 0, ["Date", "Assets"])
    assets.write_datetime(1, 0, dt.datetime(2020, 12, 31), date)
    assets.write_number(1, 1, 4336.003)
    if dynamic:
        dash = wb.add_worksheet("Dashboard")
        dash.write_dynamic_array_formula(0, 0, 0, 0, "=_xlfn._xlws.SORT(Flows!B2:B7)", None, "")
    wb.close()
    return path


def _vba() -> bytes:
    import xlwings

    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart_standalone.xlsm") as z:
        return z.read("xl/vbaProject.bin")


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def sheet_part(path: Path, title: str) -> str:
    """The part openpyxl wrote a sheet to: xl/worksheets/sheet<position>.xml."""
    return f"xl/worksheets/sheet{openpyxl.load_workbook(path).sheetnames.index(title) + 1}.xml"


def folder_listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ============================================================================ a fake xlwings Book
# What the live engine (xlflows.report.live) writes through, recorded as Excel would be told.


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

    def range(self, first, last):
        from openpyxl.utils import get_column_letter

        (r0, c0), (r1, c1) = first, last
        address = f"{get_column_letter(c0)}{r0}"
        if (r0, c0) != (r1, c1):
            address += f":{get_column_letter(c1)}{r1}"
        return FakeRange(self, address)


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


def rezip(source: Path, target: Path, *, replace: dict[str, bytes] | None = None,
          add: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()) -> Path:
    """Copy a workbook zip with some parts replaced, added or dropped (XML edits)."""
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(source) as zin:
        items = [(i.filename, replace.get(i.filename, zin.read(i.filename)))
                 for i in zin.infolist() if i.filename not in drop]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items + list(add.items()):
            zout.writestr(name, data)
    return target


def planner_of(writes, hidden=("_calc",)):
    """A stand-in planner returning fixed writes."""
    plan = RefreshPlan(list(writes), list(hidden), [])
    return lambda source, **kw: plan
