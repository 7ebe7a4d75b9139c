"""``xlflows new``: an empty data workbook in the documented layout with the built-in Report, and
README's "Your own workbook" lines run as written (new, paste, update, refresh, lite).

The paste step is done here as Excel would leave it: cells written into ``Flows`` by the file
engine (dates and numbers); the flows pasted are the SAMPLE flows of ``workbook/sample_flows.csv``
(invented, see ``workbook/make_sample_flows.py``). ``update`` reads FRED through the local
stand-in of ``tests/update_support.py``, serving the real series of ``data/``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from update_support import DATA, ROOT, folder_files, run, venv_in
from xlflows import datasheets, ooxml
from xlflows.errors import WorkbookError
from xlflows.newbook import DEFAULT_CATEGORIES, check_categories, new_workbook, parse_categories
from xlflows.report.plan import CellWrite

SAMPLE = ROOT / "workbook" / "sample_flows.csv"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def paste_sample_flows(book: Path, categories: list[str], weeks: int | None = None) -> int:
    """Write the sample flows of ``categories`` into ``Flows`` from A2 down, as a paste in Excel
    leaves them (dates, numbers, blanks where a category has no flow yet); returns the weeks."""
    with SAMPLE.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    columns = [rows[0].index(name) for name in categories]
    body = rows[1:weeks + 1] if weeks else rows[1:]
    writes = []
    for r, row in enumerate(body, start=2):
        writes.append(CellWrite("Flows", f"A{r}", dt.datetime.fromisoformat(row[0])))
        for c, j in enumerate(columns, start=2):
            if row[j].strip():
                writes.append(CellWrite("Flows", f"{chr(ord('A') + c - 1)}{r}", float(row[j])))
    ooxml.write_cells(book, writes)
    return len(body)


def serve_data_folder(fred) -> None:
    """The stand-in answers with the real series of ``data/`` (whole histories)."""
    for path in DATA.glob("*.csv"):
        if path.stem.isupper():
            fred.answer(path.stem, path.read_bytes())


# ============================================================================ the layout
def test_new_makes_the_documented_layout_with_the_report(tmp_path, capsys):
    book = tmp_path / "flows.xlsx"
    status, out, err = run(["new", str(book), "--categories", " Equity , Bond,Money market"],
                           capsys)
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        f"Made {book} with the sheets Report, Flows, Policy rate, MMF assets, Retail MMF",
        "  Flows: Week ending, Equity, Bond, Money market (weekly net flows in $bn, from row 2)",
        (f"  next: paste your weekly flows into Flows, then run xlflows update {book} and xlflows "
         f"refresh {book}")]
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["Report", "Flows", "Policy rate", "MMF assets", "Retail MMF"]
    assert wb.active.title == "Flows"                 # where the analyst starts
    flows = wb["Flows"]
    assert [c.value for c in flows[1][:4]] == ["Week ending", "Equity", "Bond", "Money market"]
    assert all(c.font.bold for c in flows[1][:4]) and flows["E1"].value is None
    # dates typed or pasted into column A show as dates; flows as 0.0
    assert flows.column_dimensions["A"].number_format == "yyyy-mm-dd"
    assert [flows.column_dimensions[c].number_format for c in "BCD"] == ["0.0"] * 3
    assert flows.freeze_panes == "B2"
    # nothing under the headers but the note, right of the data after a blank column, in row 2
    filled = {c.coordinate for row in flows.iter_rows(min_row=2) for c in row if c.value}
    assert filled == {"F2"} and "one column per category (Equity, Bond, Money market" in (
        flows["F2"].value)
    for sheet, header, number_format in (("Policy rate", "Rate", "0.00"),
                                         ("MMF assets", "Assets", "#,##0.0"),
                                         ("Retail MMF", "Assets", "#,##0.0")):
        ws = wb[sheet]
        assert [c.value for c in ws[1][:3]] == ["Date", header, None], sheet
        assert ws.column_dimensions["A"].number_format == "yyyy-mm-dd"
        assert ws.column_dimensions["B"].number_format == number_format
        assert {c.coordinate for row in ws.iter_rows(min_row=2) for c in row if c.value} == {"D2"}
    assert ("FRED DFEDTAR to 2008-12-15, then DFEDTARU from 2008-12-16"
            in wb["Policy rate"]["D2"].value)
    assert "FRED MMMFFAQ027S / 1,000" in wb["MMF assets"]["D2"].value
    retail = wb["Retail MMF"]["D2"].value
    assert "the Fed's H.6" in retail and "optional" in retail
    # the built-in Report, laid out for these three categories (one table row each)
    texts = [c.value for row in wb["Report"].iter_rows() for c in row if isinstance(c.value, str)]
    for prefix in ("equity.", "bond.", "money_market."):
        assert any("{{ " + prefix in t for t in texts), prefix
    assert not any("multi_asset." in t for t in texts)


def test_the_default_categories_are_the_samples(tmp_path, capsys):
    book = tmp_path / "flows.xlsx"
    status, _, _ = run(["new", str(book)], capsys)
    assert status == 0 and DEFAULT_CATEGORIES == ("Equity", "Bond", "Money market", "Multi-asset")
    header = [c.value for c in openpyxl.load_workbook(book)["Flows"][1] if c.value is not None]
    assert header == ["Week ending", *DEFAULT_CATEGORIES]


def test_a_new_workbook_reads_as_its_sheets_declare(tmp_path):
    """The report's reader and the update accept the new workbook's sheets as they are: the
    update sees them empty, the report asks for flows under the header."""
    from xlflows import update

    book = new_workbook(tmp_path / "flows.xlsx", ["Equity"]).output
    with ooxml.open_book(book) as opened:
        for sheet in datasheets.FRED_SHEETS:
            assert update.read_sheet(opened, sheet).empty
    # refreshed too early: before the paste, then before the update (the notes in row 2 are not
    # data: each sheet says it is empty)
    status, _, err = _cli(["refresh", str(book)])
    assert status == 2 and err == ("xlflows: Flows!A2 is blank; expected weekly flows under the "
                                   "header\n")
    paste_sample_flows(book, ["Equity"], weeks=20)
    status, _, err = _cli(["refresh", str(book)])
    assert status == 2 and err == ("xlflows: Policy rate!A2 is blank; expected dated values under "
                                   "the header\n")


def _small_fred_sheets(book: Path) -> None:
    """One policy rate and one asset level: enough for a whole refresh."""
    ooxml.write_cells(book, [CellWrite("Policy rate", "A2", dt.datetime(2000, 1, 3)),
                             CellWrite("Policy rate", "B2", 5.5),
                             CellWrite("MMF assets", "A2", dt.datetime(2003, 12, 31)),
                             CellWrite("MMF assets", "B2", 2000.0)])


def test_the_report_is_laid_out_again_for_new_categories(tmp_path):
    """README: to change the categories later, delete the Report and xlflows.template sheets
    and refresh."""
    book = new_workbook(tmp_path / "flows.xlsx", ["Equity"]).output
    paste_sample_flows(book, ["Equity", "Bond"], weeks=30)   # a Bond column beyond the headers
    ooxml.write_cells(book, [CellWrite("Flows", "C1", "Bond")])
    _small_fred_sheets(book)
    assert _cli(["refresh", str(book)])[0] == 0
    texts = _report_texts(book)
    assert any(t.startswith("Equity funds: ") for t in texts)
    assert not any(t.startswith("Bond funds: ") for t in texts)   # laid out for Equity only
    wb = openpyxl.load_workbook(book)                  # as the analyst deletes the two sheets
    del wb["Report"], wb["xlflows.template"]
    wb.save(book)
    assert _cli(["refresh", str(book)])[0] == 0
    texts = _report_texts(book)
    assert any(t.startswith("Equity funds: ") for t in texts)
    assert any(t.startswith("Bond funds: ") for t in texts)


def _report_texts(book: Path) -> list[str]:
    wb = openpyxl.load_workbook(book)
    return [c.value for row in wb["Report"].iter_rows() for c in row if isinstance(c.value, str)]


# ============================================================================ refusals
def test_an_existing_file_is_never_overwritten(tmp_path, capsys):
    book = tmp_path / "flows.xlsx"
    book.write_bytes(b"my own work")
    status, out, err = run(["new", str(book)], capsys)
    assert (status, out) == (2, "")
    assert err == (f"xlflows: {book} already exists; xlflows new never overwrites a workbook: "
                   "choose another name, or move that file away first\n")
    assert book.read_bytes() == b"my own work" and folder_files(tmp_path) == ["flows.xlsx"]
    link = tmp_path / "dangling.xlsx"
    link.symlink_to(tmp_path / "nowhere.xlsx")           # a link to nothing is a file too
    status, _, err = run(["new", str(link)], capsys)
    assert status == 2 and "already exists" in err and not (tmp_path / "nowhere.xlsx").exists()


@pytest.mark.parametrize("name, message", [
    ("flows.xlsm", ("flows.xlsm: xlflows new makes a workbook without macros; name it "
                    "flows.xlsx (for the Refresh button, start from a copy of "
                    "workbook/xlflows.xlsm instead)")),
    ("flows.csv", "flows.csv has extension '.csv'; expected .xlsx"),
    ("flows", "flows has extension ''; expected .xlsx"),
    ("sub", "{tmp}/sub is a folder; expected the name of a new .xlsx file"),
    ("no/such/flows.xlsx", "{tmp}/no/such/flows.xlsx: the folder {tmp}/no/such does not exist"),
], ids=["xlsm", "csv", "no extension", "folder", "no folder"])
def test_a_name_it_cannot_use_is_refused_on_one_line(tmp_path, capsys, name, message):
    (tmp_path / "sub").mkdir()
    before = folder_files(tmp_path)
    status, out, err = run(["new", str(tmp_path / name)], capsys)
    assert (status, out) == (2, "")
    assert err == f"xlflows: {message.format(tmp=tmp_path)}\n"
    assert folder_files(tmp_path) == before


LONG = "x" * 81
CATEGORY_ERRORS = [
    ("", ("--categories is empty; expected category names separated by commas, e.g. "
          '"Equity,Bond,Money market"')),
    ("Equity,,Bond", ("--categories: item 2 is empty; expected category names separated by "
                      'commas, e.g. "Equity,Bond,Money market"')),
    ("Equity,Bond,equity", ("--categories: item 3 'equity' repeats item 1 'Equity'; expected "
                            "each category once")),
    ("Money market,Money-market", ("--categories: item 2 'Money-market' and item 1 'Money market' "
                                   "give the same placeholder prefix 'money_market'; rename one "
                                   "of them")),
    ("Equity,Cycles", ("--categories: item 2 'Cycles' gives the placeholder prefix 'cycles', "
                       "which is one the Report uses for its own fields; rename the category")),
    ("Equity,€", ("--categories: item 2 '€' gives the placeholder prefix '_', which has no letter "
                  "or digit; rename the category")),
    # (the command line prints a message with its spaces collapsed)
    ("week  ending,Equity", ("--categories: item 1 is 'week ending', the header of the dates "
                             "column; expected a category name")),
    ("=A1,Equity", ("--categories: item 1 '=A1' starts with '=', which Excel reads as a formula; "
                    "expected a category name")),
    ("Equity,Bo\x07nd", ("--categories: item 2 holds a control character; expected printable "
                         "text")),
    (f"Equity,{LONG}", ("--categories: item 2 is 81 characters long; expected at most 80 (a "
                        "category names placeholders, table rows and sentences)")),
    (",".join(f"c{i}" for i in range(501)), ("--categories gives 501 categories; the Report lays "
                                             "out at most 500 (one block each)")),
]


@pytest.mark.parametrize("text, message", CATEGORY_ERRORS,
                         ids=["empty", "empty item", "repeated", "same prefix", "reserved",
                              "no letter", "date header", "formula", "control", "too long",
                              "too many"])
def test_categories_it_cannot_use_are_refused_on_one_line(tmp_path, capsys, text, message):
    status, out, err = run(["new", str(tmp_path / "flows.xlsx"), "--categories", text], capsys)
    assert (status, out, err) == (2, "", f"xlflows: {message}\n")
    assert folder_files(tmp_path) == []


def test_categories_are_split_on_commas_and_stripped():
    assert parse_categories(" Equity,Bond ,  Money market ") == ["Equity", "Bond", "Money market"]
    assert parse_categories("EM equity") == ["EM equity"]
    assert check_categories(["x" * 80]) == ["x" * 80]                      # at the limit: kept


NAME_PIECES = st.sampled_from(["Equity", "equity", "Bond", "Money", " ", "-", "market", "é",
                               "€", "=", "1", "cycles", "week ending", "\x07", "Á", "_"])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(NAME_PIECES, min_size=0, max_size=3).map("".join), min_size=1,
                max_size=5))
def test_any_category_list_gives_a_refreshable_workbook_or_one_line(tmp_path_factory, names):
    """Junk category names: either one line naming --categories, or a workbook whose Flows
    headers read the names back and whose Report refreshes once flows are pasted."""
    folder = tmp_path_factory.mktemp("junk")
    book = folder / "flows.xlsx"
    try:
        result = new_workbook(book, names)
    except WorkbookError as exc:
        assert str(exc).startswith("--categories") and "\n" not in str(exc)
        assert not book.exists()
        return
    header = [c.value for c in openpyxl.load_workbook(book)["Flows"][1] if c.value is not None]
    assert header == ["Week ending", *[n.strip() for n in names]] == [
        "Week ending", *result.categories]
    # 12 weeks of small flows, one policy rate and one asset level: enough for a whole refresh
    writes = [CellWrite("Flows", f"A{r}", dt.datetime(2025, 1, 1) + dt.timedelta(weeks=r))
              for r in range(2, 14)]
    writes += [CellWrite("Flows", f"{chr(ord('A') + c)}{r}", float((r * 7 + c) % 11 - 5))
               for r in range(2, 14) for c in range(1, len(names) + 1)]
    writes += [CellWrite("Policy rate", "A2", dt.datetime(2024, 1, 1)),
               CellWrite("Policy rate", "B2", 5.5),
               CellWrite("MMF assets", "A2", dt.datetime(2024, 12, 31)),
               CellWrite("MMF assets", "B2", 7000.0)]
    ooxml.write_cells(book, writes)
    from xlflows.report.xlsx import refresh_file

    refreshed = refresh_file(book)
    # 12 weeks from 2025-01-15 (r = 2) to 2025-04-02 (r = 13: 2025-01-01 + 91 days)
    assert refreshed.summary[1].startswith(f"Flows: {len(names)} categor")
    assert refreshed.summary[1].endswith("last week used 2025-04-02")


# ============================================================================ README
def readme_new_block() -> list[str]:
    """The lines of README's "Your own workbook" block (comments kept: the paste step)."""
    section = README.split("\n## Your own workbook", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def _cli(argv: list[str], cwd: Path | None = None, env: dict | None = None):
    done = subprocess.run([sys.executable, "-m", "xlflows", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    return done.returncode, done.stdout, done.stderr


def test_readme_your_own_workbook_lines_run_as_written(tmp_path, fred, monkeypatch):
    lines = readme_new_block()
    commands = [line for line in lines if not line.lstrip().startswith("#")]
    assert len(lines) == 5 and all(c.startswith(".venv/bin/xlflows ") for c in commands)
    words = [shlex.split(c, comments=True) for c in commands]
    assert [w[1] for w in words] == ["new", "update", "refresh", "lite"]
    serve_data_folder(fred)
    venv_in(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update({"XLFLOWS_FRED_URL": fred.url, "XLFLOWS_FRED_TIMEOUT": "30"})
    outputs = []
    for line in lines:
        if line.lstrip().startswith("#"):               # the paste step, as Excel leaves it
            name = words[0][2]
            categories = words[0][words[0].index("--categories") + 1].split(",")
            weeks = paste_sample_flows(tmp_path / name, categories)
            continue
        done = subprocess.run(line, shell=True, cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=600, check=False)
        assert (done.returncode, done.stderr) == (0, ""), line
        outputs.append(done.stdout)
    made, updated, refreshed, lite = outputs
    assert made.startswith(f"Made {name} with the sheets Report, Flows, Policy rate, MMF assets, "
                           "Retail MMF")
    # data/: DFEDTAR 1982-09-27 .. 2008-12-15 then DFEDTARU .. 2025-11-12; MMMFFAQ027S 1974Q1
    # .. 2020Q4 = 47 years x 4 = 188 quarters; WRMFNS 2,148 weeks
    assert updated.splitlines()[1:] == [
        "  Policy rate: filled from empty, 15,753 days from 1982-09-27 to 2025-11-12",
        "  MMF assets: filled from empty, 188 quarters from 1974-03-31 to 2020-12-31",
        "  Retail MMF: filled from empty, 2,148 weeks from 1985-01-07 to 2026-03-02"]
    assert f"Flows: {len(categories)} categories, last week used 2025-11-" in refreshed
    assert lite.startswith(f"Added the xlwings Lite code to {name}")
    wb = openpyxl.load_workbook(tmp_path / name)
    report = [c.value for row in wb["Report"].iter_rows() for c in row if isinstance(c.value, str)]
    for category in categories:
        assert any(t.startswith(f"{category} funds: ") for t in report), category
    assert not [t for t in report if "{{" in t]
    assert weeks == sum(1 for row in wb["Flows"].iter_rows(min_row=2, max_col=1) if row[0].value)


@pytest.mark.libreoffice
def test_libreoffice_opens_the_new_workbook_and_shows_its_report(tmp_path):
    from test_foreign_workbooks import libreoffice_csv

    book = new_workbook(tmp_path / "flows.xlsx", ["Equity", "Money market"]).output
    paste_sample_flows(book, ["Equity", "Money market"], weeks=300)
    status, _, err = _cli(["update", str(book), "--from-dir", str(DATA)])
    assert (status, err) == (0, "")
    status, _, err = _cli(["refresh", str(book)])
    assert (status, err) == (0, "")
    text = libreoffice_csv(book, "Report", tmp_path)
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert any(c.startswith("Money market funds: ") for c in cells), text
    assert not re.search(r"#(NAME|VALUE|REF|DIV/0)", text)
