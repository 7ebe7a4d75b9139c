"""LibreOffice as a real client of the refreshed workbook: the Report page shows no error values,
prints on one legible page, and exports numbers as numbers.

The shipped workbook is refreshed with ``xlflows refresh`` into a temporary copy, converted to PDF
by headless LibreOffice (one page per sheet, its own profile folder so parallel runs do not
collide), and the Report page (page 1) is read back with ``pdftotext`` and rendered with
``pdftoppm``. The printed page is measured on A4 and on Letter (the font sizes in the PDF's text
operators), and the Report is exported to CSV with LibreOffice's filter. Skipped when soffice,
pdftotext or pdftoppm is missing, unless XLFLOWS_REQUIRE_LIBREOFFICE=1.
"""

from __future__ import annotations

import csv
import math
import os
import re
import shutil
import subprocess
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from xlflows import cli

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "workbook" / "xlflows.xlsm"
TOOLS = ("soffice", "pdftotext", "pdftoppm")
#: Every sheet on one page each: page 1 is the whole Report sheet, chart data blocks included.
WHOLE_SHEETS = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
#: What an analyst prints: page 1 is the Report's print area (report and charts, one page).
PRINTED = 'pdf:calc_pdf_Export:{"PageRange":{"type":"string","value":"1"}}'
ERROR_MARKS = ("#NAME?", "#REF!", "#VALUE!", "###", "#N/A", "#DIV/0!", "#NUM!", "Err:")

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory) -> Path:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        if os.environ.get("XLFLOWS_REQUIRE_LIBREOFFICE") == "1" or os.environ.get("CI"):
            pytest.fail("LibreOffice is required here (CI or XLFLOWS_REQUIRE_LIBREOFFICE=1) "
                        "but missing: " + ", ".join(missing))
        pytest.skip("needs " + ", ".join(missing))
    folder = tmp_path_factory.mktemp("lo")
    book = folder / "xlflows.xlsm"
    shutil.copyfile(WORKBOOK, book)
    assert cli.main(["refresh", str(book)]) == 0
    return book


def export(book: Path, options: str, folder: Path, suffix: str = "pdf") -> Path:
    profile = folder / "profile"
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         options, "--outdir", str(folder), str(book)],
        capture_output=True, text=True, timeout=300, check=False)
    out = folder / f"{book.stem}.{suffix}"
    assert done.returncode == 0 and out.exists(), done.stderr
    return out


@pytest.fixture(scope="module")
def report_pdf(refreshed, tmp_path_factory) -> Path:
    return export(refreshed, WHOLE_SHEETS, tmp_path_factory.mktemp("whole"))


@pytest.fixture(scope="module")
def printed_pdf(refreshed, tmp_path_factory) -> Path:
    return export(refreshed, PRINTED, tmp_path_factory.mktemp("printed"))


def page_text(pdf: Path, page: int) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True)
    return done.stdout


def test_report_page_has_no_error_values(report_pdf):
    text = page_text(report_pdf, 1)
    assert "Equity" in text and "Money market" in text     # it is the Report page
    found = [mark for mark in ERROR_MARKS if mark in text]
    assert found == [], f"error values on the Report page: {found}\n{text}"


def test_report_page_renders(report_pdf, tmp_path):
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile",
                    str(report_pdf), str(tmp_path / "report")], check=True, capture_output=True)
    png = tmp_path / "report.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000   # a rendered page with text and charts, not a blank one


def test_printed_report_is_one_page_with_the_headlines_and_no_errors(printed_pdf):
    text = page_text(printed_pdf, 1)
    # the headlines of the shipped data (hand-checked in test_workbook.py) and the chart titles
    assert "the biggest 8-week inflow since Mar 2022" in text
    assert "the first outflow in 8 weeks" in text
    # the real retail money-fund flows beside the sample categories, labelled as such
    assert ("Retail MMF (weekly change in assets, FRED WRMFNS): +$13.7bn in the week to Nov 10"
            in text)
    assert "Real data: the weekly change in retail money-market funds' assets ($bn), FRED WRMFNS" \
        in text
    assert "Weekly net flows" in text and "hiking cycles shaded" in text
    assert "Chart data" not in text          # the print area stops before the chart data blocks
    found = [mark for mark in ERROR_MARKS if mark in text]
    assert found == [], f"error values on the printed Report: {found}\n{text}"



# --------------------------------------------------------------------------- issue 19: the page
#: ``paperSize`` codes of SpreadsheetML's pageSetup.
PAPERS = {"Letter": 1, "A4": 9}
#: The smallest text the printed page may carry, in points.
MIN_PRINTED_PT = 8.0


def with_paper(book: Path, out: Path, paper: int) -> Path:
    """A copy of ``book`` whose sheets print on ``paper`` (the shipped file leaves the paper to the
    printer's default, so both common ones are measured)."""
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/") and b"<pageSetup" in data:
                data = re.sub(rb"<pageSetup\b", b'<pageSetup paperSize="%d"' % paper, data,
                              count=1)
            zout.writestr(item, data)
    return out


def printed_sizes(pdf: Path) -> list[float]:
    """The size in points of every text run on the PDF's pages: each ``Tf`` size times the scale
    of the text matrix in force (LibreOffice writes rotated axis labels with ``Tm``)."""
    data = pdf.read_bytes()
    sizes = []
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.DOTALL):
        try:
            text = zlib.decompress(stream.group(1)).decode("latin-1")
        except zlib.error:
            continue                                    # an image or a font, not page content
        scale = 1.0
        for op in re.finditer(r"BT|([-\d.]+) ([-\d.]+) [-\d.]+ [-\d.]+ [-\d.]+ [-\d.]+ Tm|"
                              r"/\S+ ([\d.]+) Tf", text):
            if op.group(0) == "BT":
                scale = 1.0
            elif op.group(3):
                sizes.append(float(op.group(3)) * scale)
            else:
                scale = math.hypot(float(op.group(1)), float(op.group(2)))
    return sizes


@pytest.mark.parametrize("paper", sorted(PAPERS))
def test_printed_report_is_legible_on_one_landscape_page(refreshed, tmp_path, paper):
    """The Report's print area on A4 and on Letter: one landscape page, its text (sentences,
    tables, notes and the charts' titles, axes and legends) at 8 points or more."""
    book = with_paper(refreshed, tmp_path / "paper.xlsm", PAPERS[paper])
    pdf = export(book, PRINTED, tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert width > height                                           # landscape
    sizes = printed_sizes(pdf)
    assert len(sizes) > 200                           # the page's text runs, charts included
    assert min(sizes) >= MIN_PRINTED_PT, f"{paper}: smallest text {min(sizes):.2f} pt"
    text = page_text(pdf, 1)
    assert "Sources: Flows" in text and "hiking cycles shaded" in text   # top to bottom
    # and inside the printable area: text beyond it is in the PDF but clipped from the page
    boxes = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
    bottom = max(float(y) for y in re.findall(r'yMax="([\d.]+)"', boxes))
    assert bottom <= height - 0.3 * 72 + 1, f"{paper}: text down to {bottom:.1f} of {height:.1f} pt"
    assert "Projected peak of inflows" in text and "10 Nov 2025." in text


#: The Save As dialog's CSV defaults (comma, double quotes, Western Europe Windows-1252, cell
#: contents as shown); ``csv`` alone is the command line's default (values, not as shown).
CSV_AS_SHOWN = "csv:Text - txt - csv (StarCalc):44,34,1,1,,0,false,true,true"


def _number(text: str) -> float | None:
    """A CSV field as LibreOffice or a CSV reader reads it back: ``+25.3``, ``-1.8``, ``4,336.0``,
    ``+19.3%`` are numbers; ``?1.8`` (a U+2212 the code page could not hold) is not."""
    shown = text.strip().replace(",", "")
    percent = shown.endswith("%")
    try:
        value = float(shown.rstrip("%"))
    except ValueError:
        return None
    return value / 100 if percent else value


@pytest.mark.parametrize("options", ["csv", CSV_AS_SHOWN], ids=["default", "as shown"])
def test_numbers_stay_numbers_in_a_csv_export(refreshed, tmp_path, options):
    """Issue 19: every number on the refreshed Report reads back from LibreOffice's CSV export as
    that number: the sign comes from the number format's ASCII minus, never a U+2212 literal that
    Windows-1252 turns into "?"."""
    out = export(refreshed, options, tmp_path, suffix="csv")
    with open(out, encoding="cp1252", newline="") as handle:
        rows = list(csv.reader(handle))
    ws = openpyxl.load_workbook(refreshed, data_only=True)["Report"]
    numbers = [(c.row, c.column, c.value) for row in ws.iter_rows() for c in row
               if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)]
    assert len(numbers) > 250          # the tables, the key figures and the chart blocks
    negative = 0
    for r, c, value in numbers:
        field = rows[r - 1][c - 1]
        read = _number(field)
        assert read is not None, f"Report!{ws.cell(row=r, column=c).coordinate}: {field!r}"
        assert read == pytest.approx(value, abs=0.051 if abs(value) >= 1 else 0.0006), \
            f"Report!{ws.cell(row=r, column=c).coordinate}: {field!r} for {value}"
        negative += value < 0
    assert negative >= 10                              # outflows were among them
    assert not any("?" in f and _number(f.replace("?", "-")) is not None
                   for row in rows for f in row)
    assert ws["K5"].value == 8                         # the weeks setting, a number too
