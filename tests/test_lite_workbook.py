"""``workbook/xlflows-lite.xlsx``: the shipped .xlsm minus VBA and button, plus the Lite add-in."""

from __future__ import annotations

import re
import runpy
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import xlwings

from xlflows.litecode import block
from xlflows.webextension import XLWINGS_VERSION, read_properties, requirement_name

ROOT = Path(__file__).resolve().parents[1]
XLSM = ROOT / "workbook" / "xlflows.xlsm"
LITE = ROOT / "workbook" / "xlflows-lite.xlsx"
BUILD_LITE = ROOT / "workbook" / "build_lite.py"
ADDED = {"xl/webextensions/webextension1.xml", "xl/webextensions/taskpanes.xml",
         "xl/webextensions/_rels/taskpanes.xml.rels"}
REMOVED = {"xl/vbaProject.bin", "xl/drawings/vmlDrawing1.vml"}
EDITED = {"[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels",
          "xl/worksheets/sheet1.xml", "xl/worksheets/_rels/sheet1.xml.rels",
          "xl/worksheets/sheet2.xml"}


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_committed_lite_workbook_is_the_build_output(tmp_path):
    out = tmp_path / "xlflows-lite.xlsx"
    assert runpy.run_path(str(BUILD_LITE))["main"](["--output", str(out)]) == 0
    assert out.read_bytes() == LITE.read_bytes(), (
        "workbook/xlflows-lite.xlsx is not the build's output: run python workbook/build.py")
    again = tmp_path / "again.xlsx"
    runpy.run_path(str(BUILD_LITE))["main"](["--output", str(again)])
    assert again.read_bytes() == out.read_bytes()


def test_lite_workbook_is_the_xlsm_without_vba_with_the_add_in_part():
    xlsm, lite = parts(XLSM), parts(LITE)
    assert set(lite) == (set(xlsm) - REMOVED) | ADDED
    same = {name for name in set(xlsm) & set(lite) if xlsm[name] == lite[name]}
    assert same == (set(xlsm) & set(lite)) - EDITED
    types = lite["[Content_Types].xml"].decode()
    assert "macroEnabled" not in types and "vbaProject" not in types
    overrides = {el.get("PartName"): el.get("ContentType") for el in ET.fromstring(types)
                 if el.tag.endswith("}Override")}
    assert overrides["/xl/workbook.xml"] == ("application/vnd.openxmlformats-officedocument."
                                             "spreadsheetml.sheet.main+xml")
    assert "vbaProject" not in lite["xl/_rels/workbook.xml.rels"].decode()
    report = lite["xl/worksheets/sheet1.xml"]
    assert b"legacyDrawing" not in report and b"<drawing " in report
    assert report == re.sub(rb"<legacyDrawing\b[^>]*(?:/>|></legacyDrawing>)", b"",
                            xlsm["xl/worksheets/sheet1.xml"])
    assert not any(b"FmlaMacro" in data for data in lite.values())
    note = re.compile(rb'<c r="A2"[^>]*>.*?</c>')      # the note cell, reworded for Lite
    assert note.sub(b"", lite["xl/worksheets/sheet2.xml"]) == \
        note.sub(b"", xlsm["xl/worksheets/sheet2.xml"])
    lite_note = openpyxl.load_workbook(LITE)["Dashboard"]["A2"].value
    assert "xlwings Lite" in lite_note and "Import Functions" not in lite_note


def test_lite_workbook_code_and_requirements():
    props = read_properties(parts(LITE)["xl/webextensions/webextension1.xml"])
    assert props["main.py"] == block()
    assert len(props["main.py"]) < 100_000          # what a Lite add-in is known to hold
    assert props["requirements.txt"].splitlines() == [
        f"xlwings=={XLWINGS_VERSION}  # required", "python-dotenv==1.0.1  # required",
        "pyodide-http  # required", "black  # required", "pandas", "numpy"]
    assert (props["pyodideVersion"], props["addinVersion"]) == ("0.27.5", "1.0.0.0-18")


def test_no_requirement_names_xlflows():
    """No package called xlflows is published: a requirement naming it would install whatever
    someone publishes under that name first."""
    props = read_properties(parts(LITE)["xl/webextensions/webextension1.xml"])
    names = [requirement_name(line) for line in props["requirements.txt"].splitlines()]
    assert "xlflows" not in names and "xlflows" not in props["requirements.txt"].lower()


def test_one_xlwings_version_everywhere():
    """The package, the classic workbook's VBA and the Lite workbook pin the same xlwings."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'"xlwings==([^"]+)"', pyproject).group(1) == XLWINGS_VERSION
    assert xlwings.__version__ == XLWINGS_VERSION


def test_lite_workbook_has_the_same_sheets_names_and_charts():
    classic = openpyxl.load_workbook(XLSM, keep_vba=True)
    lite = openpyxl.load_workbook(LITE)
    assert lite.sheetnames == classic.sheetnames
    assert [ws.sheet_state for ws in lite.worksheets] == \
        [ws.sheet_state for ws in classic.worksheets]
    assert sorted(lite.defined_names) == sorted(classic.defined_names)
    assert len(lite["Report"]._charts) == len(classic["Report"]._charts) == 2


def test_refresh_keeps_the_add_in_part(tmp_path):
    from xlflows import cli

    copy = tmp_path / "xlflows-lite.xlsx"
    shutil.copyfile(LITE, copy)
    assert cli.main(["refresh", str(copy)]) == 0
    after = parts(copy)
    for name in ADDED | {"_rels/.rels"}:
        assert after[name] == parts(LITE)[name], name


def test_build_lite_refuses_a_workbook_without_macros(tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    assert runpy.run_path(str(BUILD_LITE))["main"](["--source", str(LITE), "--output",
                                                     str(out)]) == 2
    assert capsys.readouterr().err == ("build_lite: the source workbook is not macro-enabled; "
                                       "expected the built xlflows.xlsm\n")
    assert not out.exists()
