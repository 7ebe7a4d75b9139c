"""LibreOffice as a real client of the refreshed workbook: the Report page shows no error values.

The shipped workbook is refreshed with ``xlflows refresh`` into a temporary copy, converted to PDF by
headless LibreOffice (one page per sheet, its own profile folder so parallel runs do not collide),
and the Report page (page 1) is read back with ``pdftotext`` and rendered with ``pdftoppm``.
Skipped when soffice, pdftotext or pdftoppm is missing, unless XLFLOWS_REQUIRE_LIBREOFFICE=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

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


def export(book: Path, options: str, folder: Path) -> Path:
    profile = folder / "profile"
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         options, "--outdir", str(folder), str(book)],
        capture_output=True, text=True, timeout=300)
    pdf = folder / "xlflows.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    return pdf


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
    assert "Weekly net flows" in text and "hiking cycles shaded" in text
    assert "Chart data" not in text          # the print area stops before the chart data blocks
    found = [mark for mark in ERROR_MARKS if mark in text]
    assert found == [], f"error values on the printed Report: {found}\n{text}"
