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
EXPORT = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
ERROR_MARKS = ("#NAME?", "#REF!", "#VALUE!", "###", "#N/A", "#DIV/0!", "#NUM!", "Err:")

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory) -> Path:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        if os.environ.get("XLFLOWS_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("XLFLOWS_REQUIRE_LIBREOFFICE=1 but missing: " + ", ".join(missing))
        pytest.skip("needs " + ", ".join(missing))
    folder = tmp_path_factory.mktemp("lo")
    book = folder / "xlflows.xlsm"
    shutil.copyfile(WORKBOOK, book)
    assert cli.main(["refresh", str(book)]) == 0
    profile = folder / "profile"
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         EXPORT, "--outdir", str(folder), str(book)],
        capture_output=True, text=True, timeout=300)
    pdf = folder / "xlflows.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    return pdf


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
