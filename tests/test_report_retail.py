"""The retail money funds on the Report: real weekly flows from the ``Retail MMF`` asset levels.

Their flows are the weekly changes of FRED WRMFNS (the core's ``flows_from_levels``), said with
the grammar of the sample categories and labelled as derived from asset levels. Known values are
worked by hand on small level tables (fake sources, as in ``test_report_compute.py``), then the
file engine (``xlflows refresh``), the live writer (xlwings, on a fake Book) and the Lite writer
are checked on the shipped workbook, whose expected figures come from ``data/WRMFNS.csv`` by
arithmetic written out here.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook

from conftest import FakeBook, FakeName, FakeSheet, rezip, sheet_part
from test_report_compute import make_source, refreshed, report_text
from xlflows import cli
from xlflows.errors import WorkbookError
from xlflows.report import live
from xlflows.report.compute import plan_refresh
from xlflows.report.layout import RETAIL_LABEL, install_template

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "workbook" / "xlflows.xlsm"
M = "\u2212"
TITLE = "Retail MMF (weekly change in assets, FRED WRMFNS)"
#: The columns of the flows table (name, week to, latest, streak, first in, N-week total, N-week
#: and latest week's "biggest … since").
COLUMNS = "ABCDEFGH"


def levels(*pairs: tuple[str, float]) -> list[list[object]]:
    """A ``Retail MMF`` sheet: its headers, then (date, assets in $bn) rows."""
    return [["Date", "Assets"]] + [[dt.datetime.fromisoformat(d), v] for d, v in pairs]


#: Six Mondays of retail assets ($bn) ending 10 Nov 2025, two days before the sample's last week
#: (12 Nov 2025, the as-of date). Weekly changes, each level minus the one before:
#:   13 Oct 102.5 - 100.0 = +2.5;  20 Oct 101.0 - 102.5 = -1.5;  27 Oct 104.0 - 101.0 = +3.0;
#:    3 Nov 107.5 - 104.0 = +3.5;  10 Nov 106.0 - 107.5 = -1.5.
SIX = levels(("2025-10-06", 100.0), ("2025-10-13", 102.5), ("2025-10-20", 101.0),
             ("2025-10-27", 104.0), ("2025-11-03", 107.5), ("2025-11-10", 106.0))


def retail_row(src) -> dict[str, object]:
    """The flows table's retail row of a refreshed fake source, by column letter."""
    rows = src.sheets["Report"]
    for row in rows:
        if row and row[0] == "Retail MMF":
            return {col: row[i] if i < len(row) else None for i, col in enumerate(COLUMNS)}
    raise AssertionError("no retail row in the flows table")


def paragraph(src) -> str:
    found = [t for t in report_text(src) if t.startswith(TITLE)]
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------- known values
def test_six_weeks_of_levels_give_five_weekly_flows_and_their_sentences():
    src = make_source(retail_rows=SIX)
    plan = refreshed(src)
    # Latest -1.5; the outflow before it is 20 Oct, 3 weeks back (inflows on 27 Oct and 3 Nov):
    # "the first outflow in 3 weeks". Fewer than 8 weeks: no 8-week clause. The weekly -1.5 ties
    # the 20 Oct outflow, so it is no record and ranks 1st of 2 outflows (too few to be news).
    # No year to date (the changes start in October, not at the year's start), no streak of 3,
    # no breadth, fewer than 52 weeks for a z-score: nothing more to say.
    assert paragraph(src) == (f"{TITLE}: {M}$1.5bn in the week to Nov 10, the first outflow in 3 "
                              "weeks")
    assert retail_row(src) == {
        "A": "Retail MMF", "B": dt.datetime(2025, 11, 10), "C": -1.5, "D": -1, "E": 3,
        "F": "n/a",                                   # fewer than 8 weeks of changes
        "G": "n/a", "H": "outflow since 20 Oct 2025"}   # the tie on 20 Oct counts
    assert "Retail MMF: last date used 2025-11-10 (weekly changes in assets, beside the " \
           "categories)" in plan.summary
    sources = next(t for t in report_text(src) if t.startswith("Sources: "))
    assert sources.endswith("; Retail MMF \u2014 FRED WRMFNS, the Board's H.6, Oct 2025 to 10 Nov "
                            "2025.")
    # the categories keep their subject; the retail row is introduced as real data
    assert any(t.startswith("Equity funds: +$25.3bn") for t in report_text(src))
    assert RETAIL_LABEL in report_text(src)


def test_the_retail_flows_take_the_weeks_setting_like_the_categories():
    src = make_source(retail_rows=SIX)
    refreshed(src, weeks=4)
    # 4-week total: -1.5 + 3.0 + 3.5 - 1.5 = +3.5 (= 106.0 - 102.5). The one earlier 4-week window
    # (to 3 Nov: 2.5 - 1.5 + 3.0 + 3.5 = +7.5) is larger: "inflow since 3 Nov 2025", which
    # overlaps the latest window (no headline news), and a rank of 2nd on record, said with the
    # total since the headline does not carry it.
    assert paragraph(src) == (f"{TITLE}: {M}$1.5bn in the week to Nov 10, the first outflow in 3 "
                              "weeks; +$3.5bn over 4 weeks, the 2nd largest 4-week inflow on "
                              "record")
    row = retail_row(src)
    assert (row["F"], row["G"]) == (3.5, "inflow since 3 Nov 2025")


def test_stale_levels_date_the_week_and_the_year():
    # Mondays from 25 Dec 2023 to 30 Dec 2024: assets 100.0 rising by 1.0 a week to 152.0 on
    # 23 Dec 2024, then 150.5 on 30 Dec: 52 weekly inflows of +1.0 from 1 Jan 2024, then -1.5.
    # The latest week ends 317 days before the as-of date (12 Nov 2025), more than a week's
    # spacing plus a week's publication lag: the sentence gives the week in full and how old it
    # is (Dec 2024 to Nov 2025: 11 months), and the year to date is 2024's, not "this year":
    # 52 x 1.0 - 1.5 = +50.5 (= 150.5 - 100.0). -1.5 is the only outflow: the first since the
    # data began and a weekly record; the 8-week +5.5 (7 x 1.0 - 1.5) is below every earlier
    # 8-week +8.0, no news.
    start = dt.date(2023, 12, 25)
    rows = levels(*[((start + dt.timedelta(weeks=i)).isoformat(), 100.0 + i) for i in range(53)],
                  ("2024-12-30", 150.5))
    src = make_source(retail_rows=rows)
    plan = refreshed(src)
    assert paragraph(src) == (f"{TITLE}: {M}$1.5bn in the week to 30 Dec 2024 (latest data, 11 "
                              "months before the as-of date), the first outflow since the data "
                              "began (Jan 2024), the biggest weekly outflow since the data began "
                              "(Jan 2024); +$50.5bn in 2024")
    assert retail_row(src)["B"] == dt.datetime(2024, 12, 30)
    sources = next(t for t in report_text(src) if t.startswith("Sources: "))
    assert sources.endswith("Retail MMF \u2014 FRED WRMFNS, the Board's H.6, Dec 2023 to 30 Dec "
                            "2024 (latest data, 11 months before the as-of date).")
    assert "Retail MMF: last date used 2024-12-30 (weekly changes in assets, beside the " \
           "categories)" in plan.summary


@pytest.mark.parametrize("last, stale", [("2025-10-29", False), ("2025-10-28", True)],
                         ids=["14 days: current", "15 days: stale"])
def test_stale_means_more_than_two_weeks_before_the_as_of_date(last, stale):
    end = dt.date.fromisoformat(last)
    rows = levels(*[((end - dt.timedelta(weeks=5 - i)).isoformat(), value)
                    for i, value in enumerate((100.0, 102.5, 101.0, 104.0, 107.5, 106.0))])
    src = make_source(retail_rows=rows)
    refreshed(src)
    dated = f"in the week to {end.day} Oct 2025 (latest data, one month before the as-of date)"
    assert (dated in paragraph(src)) is stale
    assert (f"in the week to Oct {end.day}," in paragraph(src)) is not stale


def test_a_gap_in_the_weeks_starts_the_flows_again():
    # 20 Oct to 3 Nov is two weeks: no week's flow (blank), so the flows the report reads start
    # after it: one change, 10 Nov 106.0 - 3 Nov 107.5 = -1.5, the first of its data.
    rows = levels(("2025-10-06", 100.0), ("2025-10-13", 102.5), ("2025-10-20", 101.0),
                  ("2025-11-03", 107.5), ("2025-11-10", 106.0))
    src = make_source(retail_rows=rows)
    refreshed(src)
    assert paragraph(src) == (f"{TITLE}: {M}$1.5bn in the week to Nov 10, the first outflow "
                              "since the data began (Nov 2025), the biggest weekly outflow since "
                              "the data began (Nov 2025)")
    assert retail_row(src)["E"] == "first on record"


@pytest.mark.parametrize("rows, reason", [
    (levels(("2025-10-06", 100.0), ("2025-10-13", 102.5), ("2025-11-10", 106.0)),
     ("the latest assets (10 Nov 2025) come 4 weeks after the ones before, so there is no weekly "
     "change to report")),
    (levels(("2025-11-10", 106.0)), "one week of assets (10 Nov 2025), no weekly change yet"),
    (levels(("2025-11-17", 106.0), ("2025-11-24", 107.0)),     # after the as-of date only
     "the Retail MMF sheet has no data up to 12 Nov 2025 (xlflows update fills it from FRED)"),
], ids=["latest after a gap", "one level", "all after the as-of date"])
def test_no_weekly_change_is_said_with_its_reason(rows, reason):
    src = make_source(retail_rows=rows)
    refreshed(src)
    assert paragraph(src) == f"{TITLE}: {reason}"
    row = retail_row(src)
    assert row["A"] == "Retail MMF" and row["C"] is None and row["G"] == "n/a"


# --------------------------------------------------------------------------- no sheet, empty sheet
def test_an_empty_sheet_says_so_and_leaves_the_rest_as_it_was():
    # headers and a note beside them, as `xlflows new` leaves the sheet before `xlflows update`
    empty = [["Date", "Assets", None, "Retail money market funds' assets"]]
    src, without = make_source(retail_rows=empty), make_source()
    plan, plain = refreshed(src), refreshed(without)
    assert paragraph(src) == (f"{TITLE}: the Retail MMF sheet has no data up to 12 Nov 2025 "
                              "(xlflows update fills it from FRED)")
    assert retail_row(src)["B"] is None and retail_row(src)["F"] is None
    assert "Retail MMF: no data up to the as-of date" in plan.summary
    # the sources line names what was used: no retail levels, so as without the sheet
    sources = [t for t in report_text(src) if t.startswith("Sources: ")]
    assert sources == [t for t in report_text(without) if t.startswith("Sources: ")]
    assert "Retail" not in sources[0]
    assert plan.summary[:4] == plain.summary[:4]


def test_without_the_sheet_the_report_has_no_retail_row_and_says_so_where_asked():
    src = make_source()
    assert "Retail MMF" not in src.sheet_names()
    # an analyst's template may still ask for the retail flows: it gets the reason, not an error
    src.sheets["Report"][0] += [None, "{{ retail_mmf.paragraph }}", "{{ retail_mmf.latest }}"]
    plan = refreshed(src)
    texts = report_text(src)
    assert f"{TITLE}: no Retail MMF sheet in this workbook" in texts
    assert src.sheets["Report"][0][-1] is None                  # n/a as a whole-cell value: blank
    assert not [t for t in texts if "Retail" in t and not t.startswith(TITLE)]
    assert not [line for line in plan.summary if "Retail" in line and "captured" not in line]
    assert RETAIL_LABEL not in texts


def test_the_built_in_layout_has_the_retail_rows_only_when_asked():
    def laid(retail: bool) -> tuple[list[object], object]:
        wb = Workbook()
        ws = wb.active
        ws.title = "Report"
        install_template(wb, ws, ["Equity", "Bond", "Money market", "Multi-asset"], retail=retail)
        return [c.value for row in ws.iter_rows() for c in row if c.value is not None], ws

    values, ws = laid(True)
    assert "{{ retail_mmf.paragraph }}" in values and "{{ retail_mmf.latest }}" in values
    assert RETAIL_LABEL in values
    # the retail flows are no series of the weekly-flows chart: four sample categories only
    assert len(ws._charts[0].series) == 4
    values, ws = laid(False)
    assert not [v for v in values if isinstance(v, str) and ("retail" in v.lower())]
    assert len(ws._charts[0].series) == 4


@pytest.mark.parametrize("retail", [False, True])
@pytest.mark.parametrize("n", [1, 4, 6])
def test_the_last_printed_row_holds_text(n, retail):
    """LibreOffice fits a page to the print area without its trailing rows that hold no text (the
    rest of a merged block): both columns end on the print area's last row, so the page it fits
    is the page laid out."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Report"
    install_template(wb, ws, [f"Category {i}" for i in range(n)], retail=retail)
    last = int(re.search(r"(\d+)$", ws.print_area).group(1))
    sources = next(m for m in ws.merged_cells.ranges if ws.cell(m.min_row, 1).value ==
                   "{{ sources }}")
    assert sources.max_row <= last                  # the left column is printed whole ...
    assert [c.value for c in ws[last][9:14] if c.value is not None]   # ... and J:N reach the end
    heights = [ws.row_dimensions[r].height for r in range(1, last + 1)]
    assert None not in heights


@pytest.mark.parametrize("cell, value, message", [
    ("B4", "abc", r"^Retail MMF values: Retail MMF!B4 is text 'abc', expected a number$"),
    ("A5", "soon", r"^Retail MMF dates: Retail MMF!A5 is text 'soon', expected a date"),
])
def test_a_bad_cell_on_the_sheet_names_it(cell, value, message):
    rows = [list(r) for r in SIX]
    r, c = int(cell[1:]) - 1, "AB".index(cell[0])
    rows[r][c] = value
    src = make_source(retail_rows=rows)
    with pytest.raises(WorkbookError, match=message):
        plan_refresh(src)


# --------------------------------------------------------------------------- the shipped workbook
def wrmfns() -> dict[str, float]:
    """data/WRMFNS.csv: date -> retail assets ($bn)."""
    with open(ROOT / "data" / "WRMFNS.csv", newline="") as handle:
        return {d: float(v) for d, v in list(csv.reader(handle))[1:]}


@pytest.fixture(scope="module")
def shipped():
    return openpyxl.load_workbook(WORKBOOK, keep_vba=True)


def test_the_shipped_report_shows_the_real_weekly_change(shipped):
    assets = wrmfns()
    ws = shipped["Report"]
    # The as-of date is 12 Nov 2025 (the sample's last week); the last WRMFNS week on or before
    # it is Monday 10 Nov 2025.
    latest = assets["2025-11-10"] - assets["2025-11-03"]              # 2220.5 - 2206.8 = +13.7
    eight = assets["2025-11-10"] - assets["2025-09-15"]               # 2220.5 - 2171.5 = +49.0
    changes = [assets[b] - assets[a] for a, b in (("2025-10-13", "2025-10-20"),   # -2.0
                                                  ("2025-10-20", "2025-10-27"),   # +12.3
                                                  ("2025-10-27", "2025-11-03"))]  # +7.3
    assert [round(x, 1) for x in (latest, eight, *changes)] == [13.7, 49.0, -2.0, 12.3, 7.3]
    this_year = assets["2025-11-10"] - assets["2024-12-30"]           # 2220.5 - 2008.3 = 212.2
    # the same point last year: the 2024 weeks up to 10 Nov 2024, i.e. to 4 Nov 2024
    last_year = assets["2024-11-04"] - assets["2023-12-25"]           # 1943.0 - 1693.7 = 249.3
    # the last 8-week change at least +49.0 before this one: to 14 Apr 2025,
    # 2114.7 - 2054.0 (17 Feb) = +60.7; every later window is smaller (checked by brute force)
    weeks = sorted(assets)
    windows = {weeks[i]: assets[weeks[i]] - assets[weeks[i - 8]] for i in range(8, len(weeks))}
    earlier = [d for d in windows if "2025-04-14" < d < "2025-11-10"]
    assert round(windows["2025-04-14"], 1) == 60.7 and max(windows[d] for d in earlier) < eight
    row = next(r for r in ws.iter_rows(values_only=True, max_col=8) if r[0] == "Retail MMF")
    # three inflow weeks after the -2.0 of 20 Oct: streak +3, first in 1
    assert row == ("Retail MMF", dt.datetime(2025, 11, 10), round(latest, 1), 3, 1,
                   round(eight, 1), "inflow since Apr 2025", "inflow since 6 Oct 2025")
    text = [c.value for c in ws["A"] if isinstance(c.value, str)]
    sentence = next(t for t in text if t.startswith(TITLE))
    assert sentence.startswith(
        f"{TITLE}: +${latest:.1f}bn in the week to Nov 10, the biggest 8-week inflow since Apr "
        f"2025; +${this_year:.1f}bn this year (+${last_year:.1f}bn at this point last year)")
    assert RETAIL_LABEL in text
    # the sample categories stay labelled as samples, the table's title too
    assert any(t.startswith("Equity funds (sample data): ") for t in text)
    assert "Flows by category ($bn) \u2014 SAMPLE DATA, not real fund flows" in text
    sources = next(t for t in text if t.startswith("Sources: "))
    assert "Retail MMF \u2014 FRED WRMFNS, the Board's H.6, Jan 1985 to 10 Nov 2025." in sources


def test_the_weekly_change_of_6_oct_is_the_latest_weeks_biggest_since(shipped):
    """The table's "latest week: inflow since 6 Oct 2025": +13.7 is the biggest weekly change
    since the +16.0 of 6 Oct (2179.4 - 2163.4); the weeks between were smaller."""
    assets = wrmfns()
    assert round(assets["2025-10-06"] - assets["2025-09-29"], 1) == 16.0
    between = ["2025-10-13", "2025-10-20", "2025-10-27", "2025-11-03"]
    weeks = sorted(assets)
    assert max(assets[d] - assets[weeks[weeks.index(d) - 1]] for d in between) < 13.7


# --------------------------------------------------------------------------- the three writers
def book_of(workbook) -> FakeBook:
    """A fake xlwings Book holding an openpyxl workbook's sheets (values) and defined names."""
    book = FakeBook()
    book.sheets.clear()
    for ws in workbook.worksheets:
        grid = [list(row) for row in ws.iter_rows(values_only=True)] or [[None]]
        width = max(len(row) for row in grid)
        book.sheets.append(FakeSheet(book, ws.title, [row + [None] * (width - len(row))
                                                      for row in grid]))
    book.names = [FakeName(name, *next(iter(dn.destinations)))
                  for name, dn in workbook.defined_names.items()]
    return book


def written_values(book) -> dict[str, object]:
    """The Report cells the fake book was told to write (value blocks), by cell."""
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.cell import range_boundaries

    out = {}
    for entry in book.log:
        if entry[0] != "Report" or entry[2] != "value":
            continue
        _, address, _, block = entry
        left, top, _, _ = range_boundaries(address if ":" in address else f"{address}:{address}")
        for i, row in enumerate(block):
            for j, value in enumerate(row):
                out[f"{get_column_letter(left + j)}{top + i}"] = value
    return out


@pytest.mark.parametrize("lite", [False, True], ids=["xlwings", "xlwings Lite"])
def test_the_live_writers_write_what_the_file_engine_wrote(shipped, lite):
    """The Refresh button (xlwings) and the Lite script read the open book's values and write
    the same Report as ``xlflows refresh`` wrote into the shipped file, retail row included."""
    values = openpyxl.load_workbook(WORKBOOK, data_only=True)
    book = book_of(values)
    if lite:
        live.refresh_lite(book)
    else:
        live.refresh_book(book)
    # the apostrophe keeps text from being parsed by Excel
    written = {ref: value[1:] if isinstance(value, str) and value.startswith("'") else value
               for ref, value in written_values(book).items()}
    report = values["Report"]
    assert len([ref for ref, v in written.items() if v == "Retail MMF"]) == 1
    assert len([v for v in written.values() if isinstance(v, str) and v.startswith(TITLE)]) == 1
    for ref, value in written.items():
        expected = report[ref].value
        if lite and isinstance(expected, dt.datetime):
            expected = live.excel_serial(expected)  # Lite sends dates as serials
        assert (None if value == "" else value) == expected, ref


# --------------------------------------------------------------------------- the file engine
def with_retail_cells(tmp_path: Path, edit) -> Path:
    """A copy of the shipped workbook whose Retail MMF sheet XML is ``edit``-ed."""
    part = sheet_part(WORKBOOK, "Retail MMF")
    with zipfile.ZipFile(WORKBOOK) as z:
        xml = z.read(part).decode("utf-8")
    return rezip(WORKBOOK, tmp_path / "book.xlsm", replace={part: edit(xml).encode("utf-8")})


def test_a_bad_cell_stops_the_refresh_and_leaves_the_file_as_it_was(tmp_path, capsys):
    book = with_retail_cells(tmp_path, lambda xml: re.sub(
        r'<c r="B4" s="\d+"><v>[^<]*</v></c>', '<c r="B4" t="inlineStr"><is><t>n/a</t></is></c>',
        xml, count=1))
    before = book.read_bytes()
    assert cli.main(["refresh", str(book)]) == 2
    err = capsys.readouterr().err
    assert err == "xlflows: Retail MMF values: Retail MMF!B4 is text 'n/a', expected a number\n"
    assert book.read_bytes() == before


def test_an_emptied_sheet_refreshes_and_says_there_is_no_data(tmp_path, capsys):
    # every date and level under the headers removed (the source notes in column D stay)
    book = with_retail_cells(tmp_path, lambda xml: re.sub(
        r'<c r="[AB](?:[2-9]|[1-9]\d+)" s="\d+"><v>[^<]*</v></c>', "", xml))
    assert cli.main(["refresh", str(book)]) == 0
    assert "Retail MMF: no data up to the as-of date" in capsys.readouterr().out
    text = [c.value for c in openpyxl.load_workbook(book)["Report"]["A"]
            if isinstance(c.value, str)]
    assert (f"{TITLE}: the Retail MMF sheet has no data up to 12 Nov 2025 (xlflows update fills "
            "it from FRED)") in text
    assert any(t.startswith("Equity funds (sample data): +$25.3bn in the week to Nov 12")
               for t in text)
    assert not [t for t in text if t.startswith("Sources: ") and "WRMFNS" in t]


def test_a_new_workbook_lays_out_the_retail_row(tmp_path):
    """``xlflows new`` makes an empty Retail MMF sheet, so its Report has the retail row, which
    ``xlflows update`` and a refresh then fill."""
    path = tmp_path / "mine.xlsx"
    assert cli.main(["new", str(path)]) == 0
    text = [c.value for row in openpyxl.load_workbook(path)["Report"].iter_rows() for c in row
            if isinstance(c.value, str)]
    assert "{{ retail_mmf.paragraph }}" in text and RETAIL_LABEL in text


def test_readme_quotes_the_shipped_retail_sentence(shipped):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quoted = re.search(r"With the shipped data: `(Retail MMF.*?), …`", readme, re.DOTALL).group(1)
    quoted = " ".join(quoted.split())
    text = [c.value for c in shipped["Report"]["A"] if isinstance(c.value, str)]
    assert next(t for t in text if t.startswith(TITLE)).startswith(quoted)


def test_a_category_cannot_take_the_retail_prefix():
    flows = [list(row) for row in make_source().sheets["Flows"]]
    flows[0][4] = "Retail MMF"                                   # was Multi-asset, column E
    src = make_source(flows_rows=flows, retail_rows=SIX)
    with pytest.raises(WorkbookError, match=r"^Flows!E1 is 'Retail MMF', whose placeholder prefix "
                                            r"'retail_mmf' is reserved or empty; rename the "
                                            r"category$"):
        plan_refresh(src)
