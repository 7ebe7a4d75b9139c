"""What ``xlflows update`` writes: new observations appended, revisions applied, every other cell
and part left as it was, sheet layouts it does not recognise refused, the plan the same on any
sheet source."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from xlflows import datasheets, update
from xlflows.errors import WorkbookError
from xlflows.report.plan import CellWrite
from update_support import (ASSET_ROWS, DATA, FIXTURES, RATE_ROWS, SHIPPED, T, cells,
                            folder_files, make_workbook, run)
from update_support import fred  # noqa: F401 - fixtures


# ============================================================================ appended, revised
def test_update_appends_new_observations_and_applies_revisions(tmp_path, fred, capsys):
    book = make_workbook(tmp_path / "mine.xlsx")
    before = cells(book)
    status, out, err = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[1:] == ["  Policy rate: 49 new days to 2025-12-31, 0 revised",
                                    "  MMF assets: 12 new quarters to 2023-12-31, 3 revised"]
    after = cells(book)
    # Policy rate: 58 rows before (15 + 43), then 2025-11-13 .. 2025-12-31 below them
    rate = after["Policy rate"]
    assert rate["A60"] == (dt.datetime(2025, 11, 13), "yyyy-mm-dd") and rate["B60"][0] == 4.0
    assert rate["A88"] == (dt.datetime(2025, 12, 11), "yyyy-mm-dd") and rate["B88"][0] == 3.75
    assert rate["A108"][0] == dt.datetime(2025, 12, 31) and "A109" not in rate
    # MMF assets: 2020Q2..Q4 revised (4640112 / 1000 ...); 2021Q1 .. 2023Q4 at quarter ends
    assets = after["MMF assets"]
    assert [assets[f"B{r}"] for r in (7, 8, 9)] == [(4640.112, "#,##0.0"), (4412.8, "#,##0.0"),
                                                    (4339.5, "#,##0.0")]
    assert assets["A10"] == (dt.datetime(2021, 3, 31), "yyyy-mm-dd")
    assert assets["B10"] == (4530.0, "#,##0.0")
    assert assets["A21"][0] == dt.datetime(2023, 12, 31) and assets["B21"][0] == 6000.0
    # ... every other cell of every sheet unchanged
    changed = {(sheet, ref) for sheet in after for ref in after[sheet]
               if before.get(sheet, {}).get(ref) != after[sheet][ref]}
    assert {s for s, _ in changed} == {"Policy rate", "MMF assets"}
    assert all(int(ref[1:]) > 58 for s, ref in changed if s == "Policy rate")
    assert {ref for s, ref in changed if s == "MMF assets"} == (
        {"B7", "B8", "B9"} | {f"{c}{r}" for c in "AB" for r in range(10, 22)})
    assert set(before) == set(after)


def test_shipped_workbook_changes_only_its_two_data_sheets(tmp_path, fred, capsys):
    book = tmp_path / "xlflows.xlsm"
    book.write_bytes(SHIPPED.read_bytes())
    status, out, err = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[1:] == ["  Policy rate: 49 new days to 2025-12-31, 0 revised",
                                    "  MMF assets: 12 new quarters to 2023-12-31, 3 revised"]
    with zipfile.ZipFile(SHIPPED) as a, zipfile.ZipFile(book) as b:
        assert a.namelist() == b.namelist()
        differ = [n for n in a.namelist() if a.read(n) != b.read(n)]
    # the two data sheets, and the styles their new rows need (appended: the old ones stay)
    assert differ == ["xl/styles.xml", "xl/worksheets/sheet4.xml", "xl/worksheets/sheet5.xml"]
    with zipfile.ZipFile(SHIPPED) as a, zipfile.ZipFile(book) as b:
        old, new = a.read("xl/styles.xml"), b.read("xl/styles.xml")
    old_xfs = old[old.index(b"<cellXfs"):old.index(b"</cellXfs>")]
    new_xfs = new[new.index(b"<cellXfs"):new.index(b"</cellXfs>")]
    assert new_xfs.split(b">", 1)[1].startswith(old_xfs.split(b">", 1)[1])
    wb = openpyxl.load_workbook(book, read_only=True)
    mmf = [row for row in wb["MMF assets"].iter_rows(min_row=186, max_col=2, values_only=True)]
    assert mmf[:4] == [(dt.datetime(2020, 3, 31), 4338.008), (dt.datetime(2020, 6, 30), 4640.112),
                       (dt.datetime(2020, 9, 30), 4412.8), (dt.datetime(2020, 12, 31), 4339.5)]
    assert mmf[-1] == (dt.datetime(2023, 12, 31), 6000)
    wb.close()
    # the same update again: nothing new, nothing written
    data = book.read_bytes()
    status, out, _ = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert status == 0 and "is up to date" in out and book.read_bytes() == data


def test_output_is_deterministic_and_leaves_the_input_alone(tmp_path, fred, capsys):
    book = make_workbook(tmp_path / "mine.xlsx")
    data = book.read_bytes()
    outputs = []
    for name in ("one.xlsx", "two.xlsx"):
        status, _, err = run(["update", str(book), "--fred-url", fred.url,
                              "--output", str(tmp_path / name)], capsys)
        assert (status, err) == (0, "")
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    assert book.read_bytes() == data
    assert folder_files(tmp_path) == ["mine.xlsx", "one.xlsx", "two.xlsx"]


def test_a_sheet_dated_at_quarter_starts_keeps_fred_dating(tmp_path, fred, capsys):
    book = make_workbook(tmp_path / "fred-dated.xlsx", quarter_start=True)
    status, out, _ = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert status == 0 and "MMF assets: 12 new quarters to 2023-10-01, 3 revised" in out
    assets = cells(book)["MMF assets"]
    assert assets["A9"][0] == dt.datetime(2020, 10, 1) and assets["B9"][0] == 4339.5
    assert assets["A21"][0] == dt.datetime(2023, 10, 1)


LAYOUTS = [
    ("header", dict(asset_header="Value"),
     "MMF assets!B1 is 'Value', expected 'Assets' ('Date' in A1 and 'Assets' in B1)"),
    ("dates out of order", dict(asset_rows=ASSET_ROWS[:3] + ASSET_ROWS[4:5] + ASSET_ROWS[3:4]),
     "MMF assets!A6 (2019-12-31) is earlier than MMF assets!A5 (2020-03-31) above it; expected "
     "dates oldest first"),
    ("mid-quarter date", dict(asset_rows=ASSET_ROWS[:2] + [(T("2019-08-15"), 3400.0)]),
     "MMF assets!A4 is 2019-08-15; expected quarterly dates, every one at its quarter's end"),
    ("text in a value", dict(asset_rows=ASSET_ROWS[:2] + [(T("2019-09-30"), "n/a")]),
     "MMF assets!B4 is text 'n/a', expected a number"),
    ("a day missing", dict(rate_rows=RATE_ROWS[:20] + RATE_ROWS[21:]),
     "Policy rate lacks 2025-10-06 (before Policy rate!A22), which FRED has; expected every FRED "
     "observation from the sheet's first date to its last (1 missing)"),
]


@pytest.mark.parametrize("name, options, message", LAYOUTS, ids=[x[0] for x in LAYOUTS])
def test_a_sheet_layout_it_does_not_recognise_is_refused(tmp_path, fred, capsys, name, options,
                                                         message):
    book = make_workbook(tmp_path / "mine.xlsx", **options)
    data = book.read_bytes()
    status, out, err = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert status == 2 and out == "" and len(err.splitlines()) == 1
    assert message in err, err
    assert book.read_bytes() == data and folder_files(tmp_path) == ["mine.xlsx"]


def test_a_bad_layout_is_found_before_any_download(tmp_path, fred, capsys):
    book = make_workbook(tmp_path / "mine.xlsx", asset_header="Value")
    status, _, _ = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert status == 2 and fred.requests == []


# ============================================================================ --from-dir
def test_from_dir_reads_saved_files(tmp_path, capsys):
    book = make_workbook(tmp_path / "mine.xlsx")
    status, out, err = run(["update", str(book), "--from-dir", str(FIXTURES)], capsys)
    assert (status, err) == (0, "")
    assert "MMF assets: 12 new quarters to 2023-12-31, 3 revised" in out
    assert cells(book)["MMF assets"]["B21"][0] == 6000.0


def test_from_dir_on_the_data_folder_finds_the_shipped_workbook_current(tmp_path, capsys):
    # data/ holds both FRED layouts (observation_date for the rates, DATE for the assets).
    book = tmp_path / "xlflows.xlsm"
    book.write_bytes(SHIPPED.read_bytes())
    status, out, err = run(["update", str(book), "--from-dir", str(DATA)], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[1:] == ["  Policy rate: no new days (latest 2025-11-12), 0 revised",
                                    "  MMF assets: no new quarters (latest 2020-12-31), 0 revised"]
    assert book.read_bytes() == SHIPPED.read_bytes()


def test_from_dir_names_a_missing_file(tmp_path, capsys):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "DFEDTAR.csv").write_bytes((FIXTURES / "DFEDTAR.csv").read_bytes())
    book = make_workbook(tmp_path / "mine.xlsx")
    status, _, err = run(["update", str(book), "--from-dir", str(folder)], capsys)
    assert status == 2
    assert err == (f"xlflows: {folder / 'DFEDTARU.csv'} not found; expected FRED's CSV of "
                   "DFEDTARU there (download https://fred.stlouisfed.org/graph/fredgraph.csv"
                   "?id=DFEDTARU)\n")


def test_a_read_only_workbook_is_refused(tmp_path, capsys):
    book = make_workbook(tmp_path / "mine.xlsx")
    book.chmod(0o444)
    status, _, err = run(["update", str(book), "--from-dir", str(FIXTURES)], capsys)
    assert status == 2 and err == ("xlflows: mine.xlsx is read-only; Excel would not save over it "
                                   "either. Make it writable, or write a copy with --output\n")


def test_content_openpyxl_would_drop_is_kept_byte_for_byte(tmp_path, capsys):
    """An analyst's text box (which an openpyxl round trip drops) stays: the update rewrites the
    two data sheets and appends styles, and copies every other part as stored."""
    rebuilt = tmp_path / "boxed.xlsx"                # an analyst's text box on a sheet of their own
    wb = xlsxwriter.Workbook(str(rebuilt))
    wb.add_worksheet("Notes").insert_textbox("D2", "an analyst's text box")
    rates, assets = wb.add_worksheet("Policy rate"), wb.add_worksheet("MMF assets")
    for ws, header, rows in ((rates, "Rate", RATE_ROWS), (assets, "Assets", ASSET_ROWS)):
        ws.write_row(0, 0, ["Date", header])
        for i, (day, value) in enumerate(rows, start=1):
            ws.write_datetime(i, 0, day.to_pydatetime())
            ws.write_number(i, 1, value)
    wb.close()
    with zipfile.ZipFile(rebuilt) as z:
        before = {n: z.read(n) for n in z.namelist()}
    status, out, err = run(["update", str(rebuilt), "--from-dir", str(FIXTURES)], capsys)
    assert (status, err) == (0, "") and "12 new quarters" in out
    with zipfile.ZipFile(rebuilt) as z:
        after = {n: z.read(n) for n in z.namelist()}
    assert set(after) == set(before)
    changed = sorted(n for n in before if before[n] != after[n])
    assert changed == ["xl/styles.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"]


# ============================================================================ engine-neutral
class FakeSource:
    """A SheetSource from plain rows (what the live Book gives)."""

    def __init__(self, sheets):
        self.sheets = sheets

    def sheet_names(self):
        return list(self.sheets)

    def rows(self, sheet):
        return self.sheets[sheet]

    def named_cell(self, name):
        return None


def test_plan_update_gives_cell_writes_on_any_source():
    source = FakeSource({
        "Policy rate": [["Date", "Rate"], [dt.datetime(2025, 11, 11), 4.0],
                        [dt.datetime(2025, 11, 12), 4.0]],
        "MMF assets": [["date", " assets "], [dt.datetime(2020, 9, 30), 4410.117, None, "note"],
                       [dt.datetime(2020, 12, 31), None], [None, None, None, "more notes"]],
    })
    observations = {
        "DFEDTAR": pd.Series([1.0], index=[T("2008-12-15")]),
        "DFEDTARU": pd.Series([4.0, 4.5, 3.75], index=[T("2025-11-11"), T("2025-11-12"),
                                                       T("2025-11-13")]),
        "MMMFFAQ027S": pd.Series([4410117.0, 4336003.0, 4500000.0],
                                 index=[T("2020-07-01"), T("2020-10-01"), T("2021-01-01")]),
    }
    plan = update.plan_update(source, observations)
    assert plan.writes == [
        CellWrite("Policy rate", "A4", dt.datetime(2025, 11, 13), "yyyy-mm-dd"),
        CellWrite("Policy rate", "B4", 3.75, "0.00"),
        CellWrite("Policy rate", "B3", 4.5),                  # revised
        CellWrite("MMF assets", "A4", dt.datetime(2021, 3, 31), "yyyy-mm-dd"),
        CellWrite("MMF assets", "B4", 4500.0, "#,##0.0"),
        CellWrite("MMF assets", "B3", 4336.003),              # a blank value filled in
    ]
    assert plan.summary == ["Policy rate: 1 new day to 2025-11-13, 1 revised",
                            "MMF assets: 1 new quarter to 2021-03-31, 1 revised"]


def test_missing_sheet_is_named():
    source = FakeSource({"Policy rate": [["Date", "Rate"], [dt.datetime(2025, 1, 1), 4.0]]})
    with pytest.raises(WorkbookError, match="the workbook has no 'MMF assets' sheet; expected one "
                                            "with 'Date' in A1 and 'Assets' in B1"):
        update.read_sheet(source, datasheets.MMF_ASSETS)


# ============================================================================ invariant
def _apply(grid, writes, sheet):
    """CellWrites applied to a list-of-rows sheet (as an engine would)."""
    from xlflows.report.plan import split_cell

    grid = [list(row) for row in grid]
    for write in writes:
        if write.sheet != sheet:
            continue
        row, col = split_cell(write.cell)
        while len(grid) < row:
            grid.append([None, None])
        grid[row - 1][col - 1] = write.value
    return grid


@settings(max_examples=60, deadline=None)
@given(n_sheet=st.integers(1, 12), n_new=st.integers(0, 6), start=st.integers(0, 4),
       revised=st.sets(st.integers(0, 17), max_size=5), seed=st.integers(0, 10**6))
def test_an_update_makes_the_sheet_equal_fred_from_its_first_date(n_sheet, n_new, start, revised,
                                                                  seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    starts = pd.date_range("2000-01-01", periods=start + n_sheet + n_new, freq="QS")
    fred = pd.Series(rng.integers(1, 10**7, len(starts)).astype(float), index=starts)
    held = fred.iloc[start:start + n_sheet].copy() / 1000
    for i in revised:
        if i < n_sheet:
            held.iloc[i] += 1.0                        # the sheet holds an older vintage
    grid = [["Date", "Assets"]] + [[(d + pd.offsets.QuarterEnd(0)).to_pydatetime(), v]
                                   for d, v in held.items()]
    rates = [["Date", "Rate"], [dt.datetime(2025, 1, 1), 4.0]]
    source = FakeSource({"Policy rate": rates, "MMF assets": grid})
    observations = {"DFEDTAR": pd.Series([1.0], index=[T("2008-12-15")]),
                    "DFEDTARU": pd.Series([4.0], index=[T("2025-01-01")]), "MMMFFAQ027S": fred}
    plan = update.plan_update(source, observations)
    after = _apply(grid, plan.writes, "MMF assets")
    want = fred.iloc[start:] / 1000
    assert [row[0] for row in after[1:]] == [(d + pd.offsets.QuarterEnd(0)).to_pydatetime()
                                            for d in want.index]
    assert [row[1] for row in after[1:]] == want.tolist()
    assert plan.summary[1].endswith(f", {len([i for i in revised if i < n_sheet])} revised")
    # a second update finds nothing to do
    again = update.plan_update(FakeSource({"Policy rate": rates, "MMF assets": after}),
                               observations)
    assert again.writes == []
