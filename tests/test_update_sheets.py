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
from hypothesis import assume, given, settings, strategies as st

from update_support import (
    ASSET_ROWS,
    DATA,
    FIXTURES,
    RATE_ROWS,
    RETAIL_ROWS,
    SHIPPED,
    T,
    cells,
    folder_files,
    make_workbook,
    run,
)
from xlflows import datasheets, update
from xlflows.errors import WorkbookError
from xlflows.report.plan import CellWrite


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


def test_shipped_workbook_changes_only_its_three_fred_sheets(tmp_path, fred, capsys):
    book = tmp_path / "xlflows.xlsm"
    book.write_bytes(SHIPPED.read_bytes())
    status, out, err = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[1:] == ["  Policy rate: 49 new days to 2025-12-31, 0 revised",
                                    "  MMF assets: 12 new quarters to 2023-12-31, 3 revised",
                                    "  Retail MMF: 4 new weeks to 2026-03-30, 1 revised"]
    with zipfile.ZipFile(SHIPPED) as a, zipfile.ZipFile(book) as b:
        assert a.namelist() == b.namelist()
        differ = [n for n in a.namelist() if a.read(n) != b.read(n)]
    # the three FRED sheets (the date and value formats of their new rows already exist: the
    # styles part is copied as stored; were one missing, it would be appended)
    assert differ == ["xl/worksheets/sheet4.xml", "xl/worksheets/sheet5.xml",
                      "xl/worksheets/sheet6.xml"]
    wb = openpyxl.load_workbook(book, read_only=True)
    mmf = [row for row in wb["MMF assets"].iter_rows(min_row=186, max_col=2, values_only=True)]
    assert mmf[:4] == [(dt.datetime(2020, 3, 31), 4338.008), (dt.datetime(2020, 6, 30), 4640.112),
                       (dt.datetime(2020, 9, 30), 4412.8), (dt.datetime(2020, 12, 31), 4339.5)]
    assert mmf[-1] == (dt.datetime(2023, 12, 31), 6000)
    # Retail MMF: 2,148 weeks in rows 2..2149; 2026-02-23 (row 2148) revised, four weeks below
    retail = [row for row in wb["Retail MMF"].iter_rows(min_row=2148, max_col=2, values_only=True)]
    assert retail == [(dt.datetime(2026, 2, 23), 2285.0), (dt.datetime(2026, 3, 2), 2273.9),
                      (dt.datetime(2026, 3, 9), 2290.0), (dt.datetime(2026, 3, 16), 2301.2),
                      (dt.datetime(2026, 3, 23), 2296.4), (dt.datetime(2026, 3, 30), 2310.8)]
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
     ("MMF assets!A6 (2019-12-31) is earlier than MMF assets!A5 (2020-03-31) above it; expected "
      "dates oldest first")),
    ("mid-quarter date", dict(asset_rows=ASSET_ROWS[:2] + [(T("2019-08-15"), 3400.0)]),
     "MMF assets!A4 is 2019-08-15; expected quarterly dates, every one at its quarter's end"),
    ("text in a value", dict(asset_rows=ASSET_ROWS[:2] + [(T("2019-09-30"), "n/a")]),
     "MMF assets!B4 is text 'n/a', expected a number"),
    ("a day missing", dict(rate_rows=RATE_ROWS[:20] + RATE_ROWS[21:]),
     ("Policy rate lacks 2025-10-06 (before Policy rate!A22), which FRED has; expected every FRED "
      "observation from the sheet's first date to its last (1 missing)")),
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
                                    "  MMF assets: no new quarters (latest 2020-12-31), 0 revised",
                                    "  Retail MMF: no new weeks (latest 2026-03-02), 0 revised"]
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


@settings(max_examples=80, deadline=None)
@given(n_sheet=st.integers(0, 12), n_new=st.integers(0, 6), start=st.integers(0, 4),
       revised=st.sets(st.integers(0, 17), max_size=5), zeros=st.integers(0, 3),
       seed=st.integers(0, 10**6))
def test_an_update_makes_the_sheet_equal_fred_from_its_first_date(n_sheet, n_new, start, revised,
                                                                  zeros, seed):
    """A filled sheet equals FRED from its first date on; an empty one (n_sheet = 0) equals FRED
    from its first non-zero observation (``zeros`` leading zeros, as MMMFFAQ027S starts)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    zeros = zeros if n_sheet == 0 else 0
    starts = pd.date_range("2000-01-01", periods=zeros + start + n_sheet + n_new, freq="QS")
    fred = pd.Series(np.r_[np.zeros(zeros), rng.integers(1, 10**7, len(starts) - zeros)],
                     index=starts)
    assume(len(fred) > zeros)                          # FRED's CSV holds an observation
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
    want = (fred.iloc[start:] if n_sheet else fred.iloc[zeros:]) / 1000
    assert [row[0] for row in after[1:]] == [(d + pd.offsets.QuarterEnd(0)).to_pydatetime()
                                            for d in want.index]
    assert [row[1] for row in after[1:]] == want.tolist()
    if n_sheet:
        assert plan.summary[1].endswith(f", {len([i for i in revised if i < n_sheet])} revised")
    else:
        assert plan.summary[1].startswith(f"MMF assets: filled from empty, {len(want)} quarter")
    # a second update finds nothing to do
    again = update.plan_update(FakeSource({"Policy rate": rates, "MMF assets": after}),
                               observations)
    assert again.writes == []


# ==================================================================== empty sheets, Retail MMF
def test_empty_sheets_are_filled_from_the_start_of_each_series(tmp_path, fred, capsys):
    # Headers only, as `xlflows new` makes them. The fixtures: DFEDTAR 2008-12-01..15 (15 days)
    # then DFEDTARU 2025-10-01..12-31 (92 days) = 107 days in rows 2..108; MMMFFAQ027S from
    # 1973-07-01, whose '.' and leading 0 (1973-10-01) are left out: 1974Q1..2023Q4 = 50 years
    # x 4 = 200 quarters in rows 2..201; WRMFNS 2025-12-29..2026-03-30 = 14 weeks in rows 2..15.
    book = make_workbook(tmp_path / "empty.xlsx", rate_rows=[], asset_rows=[], retail_rows=[])
    status, out, err = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[1:] == [
        "  Policy rate: filled from empty, 107 days from 2008-12-01 to 2025-12-31",
        "  MMF assets: filled from empty, 200 quarters from 1974-03-31 to 2023-12-31",
        "  Retail MMF: filled from empty, 14 weeks from 2025-12-29 to 2026-03-30"]
    after = cells(book)
    rate = after["Policy rate"]
    assert rate["A2"] == (dt.datetime(2008, 12, 1), "yyyy-mm-dd") and rate["B2"] == (1.0, "0.00")
    assert rate["A17"] == (dt.datetime(2025, 10, 1), "yyyy-mm-dd") and rate["B17"][0] == 4.25
    assert rate["A108"][0] == dt.datetime(2025, 12, 31) and "A109" not in rate
    assert rate["D1"][0] == "Source: FRED DFEDTAR, then DFEDTARU"          # the note stays
    assets = after["MMF assets"]
    # 1974-01-01: 263 millions -> $0.263bn, dated at the quarter's end
    assert assets["A2"] == (dt.datetime(1974, 3, 31), "yyyy-mm-dd")
    assert assets["B2"] == (0.263, "#,##0.0")
    assert assets["A201"][0] == dt.datetime(2023, 12, 31) and assets["B201"][0] == 6000.0
    assert "A202" not in assets
    retail = after["Retail MMF"]
    assert retail["A2"] == (dt.datetime(2025, 12, 29), "yyyy-mm-dd")
    assert retail["B2"] == (2269.7, "#,##0.0")
    assert retail["A15"][0] == dt.datetime(2026, 3, 30) and retail["B15"][0] == 2310.8
    # filled: the next update has nothing to do
    data = book.read_bytes()
    status, out, _ = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert status == 0 and "is up to date" in out and book.read_bytes() == data


def test_retail_mmf_is_appended_and_revised_like_the_others(tmp_path, fred, capsys):
    book = make_workbook(tmp_path / "retail.xlsx", retail_rows=RETAIL_ROWS)
    before = cells(book)
    status, out, err = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[3] == "  Retail MMF: 4 new weeks to 2026-03-30, 1 revised"
    retail = cells(book)["Retail MMF"]
    # 14 rows 2..15 (2025-12-01 .. 2026-03-02): 2026-02-23 is row 14, revised 2284.1 -> 2285.0
    assert retail["B14"] == (2285.0, "#,##0.0")
    assert [retail[f"A{r}"][0] for r in range(16, 20)] == [
        dt.datetime(2026, 3, 9), dt.datetime(2026, 3, 16), dt.datetime(2026, 3, 23),
        dt.datetime(2026, 3, 30)]
    assert [retail[f"B{r}"] for r in range(16, 20)] == [
        (2290.0, "#,##0.0"), (2301.2, "#,##0.0"), (2296.4, "#,##0.0"), (2310.8, "#,##0.0")]
    changed = {ref for ref in retail if before["Retail MMF"].get(ref) != retail[ref]}
    assert changed == {"B14"} | {f"{c}{r}" for c in "AB" for r in range(16, 20)}
    assert "/graph/fredgraph.csv?id=WRMFNS" in fred.requests


def test_a_workbook_without_retail_mmf_is_left_without_it(tmp_path, fred, capsys):
    book = make_workbook(tmp_path / "mine.xlsx")
    status, out, _ = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert status == 0 and "Retail MMF" not in out
    assert "Retail MMF" not in openpyxl.load_workbook(book).sheetnames
    assert not [r for r in fred.requests if "WRMFNS" in r]          # not even downloaded


def test_a_retail_mmf_sheet_laid_out_otherwise_is_refused(tmp_path, fred, capsys):
    book = make_workbook(tmp_path / "mine.xlsx", retail_rows=RETAIL_ROWS, retail_header="Level")
    data = book.read_bytes()
    status, out, err = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert (status, out) == (2, "")
    assert err == ("xlflows: Retail MMF!B1 is 'Level', expected 'Assets' ('Date' in A1 and "
                   "'Assets' in B1)\n")
    assert book.read_bytes() == data and fred.requests == []


def test_an_empty_sheet_plans_every_observation_on_any_source():
    # Hand-made: an empty quarterly sheet takes FRED's quarters at their quarter's end (as the
    # workbook dates them), leading zeros left out; an empty daily sheet takes the spliced rates.
    source = FakeSource({
        "Policy rate": [["Date", "Rate"], [None, None, None, "a note"]],
        "MMF assets": [["Date", "Assets"]],
    })
    observations = {
        "DFEDTAR": pd.Series([5.0, 1.0], index=[T("2008-12-15"), T("2008-12-16")]),
        "DFEDTARU": pd.Series([9.0, 0.25], index=[T("2008-12-15"), T("2008-12-16")]),
        "MMMFFAQ027S": pd.Series([0.0, 0.0, 1500.0, 0.0, 2500.0],
                                 index=pd.date_range("1973-04-01", periods=5, freq="QS")),
    }
    plan = update.plan_update(source, observations)
    assert plan.writes == [
        # DFEDTAR to 2008-12-15, DFEDTARU from 2008-12-16
        CellWrite("Policy rate", "A2", dt.datetime(2008, 12, 15), "yyyy-mm-dd"),
        CellWrite("Policy rate", "B2", 5.0, "0.00"),
        CellWrite("Policy rate", "A3", dt.datetime(2008, 12, 16), "yyyy-mm-dd"),
        CellWrite("Policy rate", "B3", 0.25, "0.00"),
        # 1973Q2, 1973Q3 zero: left out; 1973Q4 1500 -> 1.5 at 1973-12-31; the zero of 1974Q1
        # after it is kept (a level that fell to zero says something)
        CellWrite("MMF assets", "A2", dt.datetime(1973, 12, 31), "yyyy-mm-dd"),
        CellWrite("MMF assets", "B2", 1.5, "#,##0.0"),
        CellWrite("MMF assets", "A3", dt.datetime(1974, 3, 31), "yyyy-mm-dd"),
        CellWrite("MMF assets", "B3", 0.0, "#,##0.0"),
        CellWrite("MMF assets", "A4", dt.datetime(1974, 6, 30), "yyyy-mm-dd"),
        CellWrite("MMF assets", "B4", 2.5, "#,##0.0"),
    ]
    assert plan.summary == [
        "Policy rate: filled from empty, 2 days from 2008-12-15 to 2008-12-16",
        "MMF assets: filled from empty, 3 quarters from 1973-12-31 to 1974-06-30"]
    empty = update.read_sheet(source, datasheets.MMF_ASSETS)
    assert empty.empty and empty.next_row == 2 and empty.quarter_end
