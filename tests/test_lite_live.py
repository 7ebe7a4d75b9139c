"""The live writer's xlwings Lite adaptations, on a stand-in Book (no xlwings engine needed)."""

from __future__ import annotations

import datetime as dt

import pytest

from xlflows.report.live import apply_plan, excel_serial, refresh_lite
from xlflows.report.plan import FMT_DATE, FMT_MONTH, CellWrite, RefreshPlan


class LiteApp:
    """Like xlwings Lite's engine: screen_updating can be set but not read."""

    def __init__(self, log):
        self.log = log

    @property
    def screen_updating(self):
        raise NotImplementedError("App.screen_updating can't be read on this engine")

    @screen_updating.setter
    def screen_updating(self, value):
        self.log.append(("screen_updating", value))

    def alert(self, prompt, title=None):
        self.log.append(("alert", prompt, title))


class Range:
    def __init__(self, log, sheet, first, last):
        self.log, self.where = log, (sheet, first, last)

    @property
    def value(self):
        raise AssertionError("not read")

    @value.setter
    def value(self, block):
        self.log.append(("value", *self.where, block))

    @property
    def number_format(self):
        raise AssertionError("not read (Lite cannot)")

    @number_format.setter
    def number_format(self, fmt):
        self.log.append(("format", *self.where, fmt))


class Sheet:
    def __init__(self, log, name):
        self.log, self.name = log, name

    def range(self, first, last):
        return Range(self.log, self.name, first, last)


class Sheets(dict):
    """``book.sheets``: indexed by name, iterated as sheets."""

    def __iter__(self):
        return iter(self.values())


class Book:
    def __init__(self, names=("Report",)):
        self.log = []
        self.app = LiteApp(self.log)
        self.sheets = Sheets({n: Sheet(self.log, n) for n in names})


@pytest.mark.parametrize("value, serial", [
    (dt.date(1900, 3, 1), 61), (dt.datetime(2025, 11, 12), 45973),
    (dt.datetime(2023, 7, 26), 45133), (dt.datetime(2024, 1, 1, 12), 45292.5),
], ids=["first valid serial", "latest week", "last hike", "noon"])
def test_excel_serial(value, serial):
    assert excel_serial(value) == serial
    assert type(excel_serial(value)) is type(serial)


def test_lite_writes_dates_as_serials_with_a_date_format_and_text_as_text():
    book = Book()
    plan = RefreshPlan(writes=[
        CellWrite("Report", "B2", dt.datetime(2025, 11, 12), FMT_DATE),
        CellWrite("Report", "C2", dt.datetime(2022, 3, 30), FMT_MONTH),
        CellWrite("Report", "D2", dt.datetime(2020, 12, 31)),
        CellWrite("Report", "B3", "Mar 2022"),
        CellWrite("Report", "C3", 25.3),
        CellWrite("Report", "D3", None),
    ], hidden_sheets=[], summary=[])
    apply_plan(book, plan, lite=True)
    assert book.log[0] == ("screen_updating", False)
    formats = {(first, fmt) for kind, _, first, _, fmt in
               (e for e in book.log if e[0] == "format")}
    assert formats == {((2, 2), FMT_DATE), ((2, 4), FMT_DATE), ((2, 3), FMT_MONTH)}
    values = [e for e in book.log if e[0] == "value"]
    assert values == [("value", "Report", (2, 2), (3, 4),
                       [[45973, 44650, 44196], ["'Mar 2022", 25.3, None]])]
    assert book.log[-1] != ("screen_updating", True)      # not restored: it could not be read


def test_classic_writer_keeps_datetimes_and_restores_screen_updating():
    class ExcelApp(LiteApp):
        @property
        def screen_updating(self):
            return True

        @screen_updating.setter
        def screen_updating(self, value):
            self.log.append(("screen_updating", value))

    book = Book()
    book.app = ExcelApp(book.log)
    day = dt.datetime(2025, 11, 12)
    apply_plan(book, RefreshPlan([CellWrite("Report", "B2", day, FMT_DATE)], [], []))
    assert book.log == [("screen_updating", False), ("format", "Report", (2, 2), (2, 2), FMT_DATE),
                        ("value", "Report", (2, 2), (2, 2), [[day]]), ("screen_updating", True)]


def test_refresh_lite_alerts_with_the_reason_and_writes_nothing(capsys):
    book = Book(names=("Flows",))
    refresh_lite(book)
    assert book.log == [("alert", ("the workbook has no 'Report' sheet; run `xlflows refresh "
                                   "<file>` once on the saved file to add it"),
                         "xlflows: nothing was refreshed")]
    assert capsys.readouterr().out.startswith("xlflows: the workbook has no 'Report' sheet")


def test_xlflows_lite_imports_without_a_licence_key_or_lite():
    """Outside Lite the decorators are xlwings' no-ops: the package needs no key to import it."""
    from xlflows import lite, udfs

    assert lite.__all__ == [f.__name__ for f in udfs.UDFS] + ["refresh_report"]
    assert all(getattr(lite, f.__name__) is f for f in udfs.UDFS)
