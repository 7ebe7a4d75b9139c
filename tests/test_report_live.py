"""The live engine (xlflows.report.live) behind the Refresh button, on a fake xlwings Book.

The fake (``FakeBook`` in ``conftest.py``) records every range write and number format the engine
would send to Excel; the planner is replaced by the shared stand-in where the test is about the
engine alone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings, strategies as st

from conftest import FakeBook, FakeSheet, StandIn
from xlflows.errors import WorkbookError
from xlflows.report import live
from xlflows.report.plan import CellWrite, RefreshPlan

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "workbook" / "xlflows.xlsm"


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
    book = FakeBook()
    plan = RefreshPlan([CellWrite("Report", "B7", "Mar 2022"),
                        CellWrite("Report", "B8", 2.5, "0.0"),
                        CellWrite("Report", "B9", None),
                        CellWrite("_calc", "A1", dt.datetime(2024, 2, 7), "yyyy-mm-dd")],
                       ["_calc"], [])
    live.apply_plan(book, plan)
    assert book.sheets["_calc"].visible is False
    assert book.log == [
        ("app", "screen_updating", False),
        ("Report", "B8", "format", "0.0"),
        # one block for B7:B9; the apostrophe keeps "Mar 2022" from becoming a date
        ("Report", "B7:B9", "value", [["'Mar 2022"], [2.5], [None]]),
        ("_calc", "A1", "format", "yyyy-mm-dd"),
        ("_calc", "A1", "value", [[dt.datetime(2024, 2, 7)]]),
        ("app", "screen_updating", True),
    ]


def test_apply_plan_writes_blocks_and_the_later_write_wins():
    book = FakeBook()
    writes = [CellWrite("Report", f"{col}{row}", row * 10 + i, "0.0")
              for row in (3, 4, 5) for i, col in enumerate("CDE")]
    writes += [CellWrite("Report", "D4", "again", "@"), CellWrite("Report", "G4", 1.0)]
    live.apply_plan(book, RefreshPlan(writes, [], []))
    assert book.log[1:-1] == [
        # 0.0 on C3:E5 except D4 (which ends as text "@"): C3:E3, C4, E4, C5:E5
        ("Report", "C3:E3", "format", "0.0"),
        ("Report", "C4", "format", "0.0"),
        ("Report", "E4", "format", "0.0"),
        ("Report", "C5:E5", "format", "0.0"),
        ("Report", "D4", "format", "@"),
        ("Report", "C3:E5", "value", [[30, 31, 32], [40, "'again", 42], [50, 51, 52]]),
        ("Report", "G4", "value", [[1.0]]),
    ]


@settings(max_examples=200, deadline=None)
@given(st.sets(st.tuples(st.integers(1, 12), st.integers(1, 8)), max_size=60))
def test_rectangles_cover_exactly_the_cells(positions):
    blocks = live.rectangles(positions)
    covered = [(r, c) for top, left, bottom, right in blocks
               for r in range(top, bottom + 1) for c in range(left, right + 1)]
    assert sorted(covered) == sorted(positions)          # every cell once, nothing else
    assert len(blocks) <= len(positions)


@pytest.mark.parametrize("ref", ["B0", "7B", "B7:C8", ""])
def test_apply_plan_refuses_what_is_not_one_cell(ref):
    book = FakeBook()
    with pytest.raises(WorkbookError, match=rf"^Report!{ref} is not a cell reference; "
                                            "expected one cell such as B7$"):
        live.apply_plan(book, RefreshPlan([CellWrite("Report", ref, 1.0)], [], []))
    assert book.log == []


def test_apply_plan_refuses_a_missing_sheet_before_writing():
    book = FakeBook()
    with pytest.raises(WorkbookError, match=r"^Summary!A1: the workbook has no sheet 'Summary'"):
        live.apply_plan(book, RefreshPlan([CellWrite("Report", "A1", 1.0),
                                           CellWrite("Summary", "A1", 1.0)], [], []))
    assert book.log == []


@pytest.fixture
def standin_compute(monkeypatch):
    fake = StandIn()
    from xlflows.report import live

    monkeypatch.setattr(live, "plan_refresh", fake.plan_refresh)
    return fake


def test_refresh_caller_shows_a_workbook_problem_in_a_message_box(monkeypatch, standin_compute):
    import xlwings

    book = FakeBook()
    book.sheets.remove(book.sheets["Report"])
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: book))
    live.refresh_caller()
    assert book.app.alerts == [("xlflows: nothing was refreshed",
                                ("the workbook has no 'Report' sheet; run `xlflows refresh <file>` "
                                "once on the saved file to add it"))]
    assert book.log == []


def test_refresh_book_plans_from_the_live_values(standin_compute):
    book = FakeBook()
    book.sheets["MMF assets"].grid[1][1] = 4336.003
    plan = live.refresh_book(book, weeks=4)
    assert standin_compute.calls[0]["weeks"] == 4
    assert standin_compute.calls[0]["setting"] == ("Report", "B2")
    written = _cell_values(book.log)
    # stand-in: latest Equity 2.5, sum 1.5 - 2 + 3.25 + 4 - 1 + 2.5 = 8.25
    assert written[("Report", "B2")] == 2.5 and written[("Report", "B4")] == 8.25
    assert written[("Report", "B7")] == "'=not a formula"
    assert len(plan.writes) == 7


def _cell_values(log) -> dict[tuple[str, str], object]:
    """The fake book's value writes, block by block, as (sheet, cell) -> value."""
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.cell import range_boundaries

    out = {}
    for entry in log:
        if entry[0] == "app" or entry[2] != "value":
            continue
        sheet, address, _, block = entry
        left, top, _, _ = range_boundaries(address if ":" in address else f"{address}:{address}")
        for i, row in enumerate(block):
            for j, value in enumerate(row):
                out[(sheet, f"{get_column_letter(left + j)}{top + i}")] = value
    return out


@pytest.fixture(scope="module")
def shipped():
    return openpyxl.load_workbook(ROOT / "workbook" / "xlflows.xlsm", keep_vba=True)


def test_the_shipped_plan_takes_few_com_calls(shipped):
    """The live engine writes the shipped Report's plan in rectangles: far fewer COM calls than
    cells (each costs milliseconds in Excel)."""
    from xlflows.ooxml import BookFile
    from xlflows.report.compute import plan_refresh

    with BookFile(WORKBOOK) as source:
        plan = plan_refresh(source)
    book = FakeBook()
    book.sheets.append(FakeSheet(book, "xlflows.template", [[None]]))
    live.apply_plan(book, plan)
    calls = [entry for entry in book.log if entry[0] != "app"]
    assert len(plan.writes) > 500 and len(calls) * 10 < len(plan.writes)
    # and the cells end with the values the file engine wrote
    written = _cell_values(book.log)
    report = shipped["Report"]
    for write in plan.writes:
        if write.sheet == "Report":
            got = written[("Report", write.cell)]
            text = isinstance(write.value, str) and write.value
            want = "'" + write.value if text else write.value
            assert got == want, write.cell
            assert report[write.cell].value == (write.value if write.value != "" else None)
