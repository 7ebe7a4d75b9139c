"""Data workbooks written by other programs, refreshed through the public entry points.

Every file in ``tests/fixtures/foreign/`` (made by ``make_fixtures.py`` there, whose ``FIXTURES``
list and README table say by what and how) holds ``Flows``, ``Policy rate``, ``MMF assets`` and an
analyst's own ``Notes`` sheet, and no Report. Each is refreshed on a copy, then:

* the Report says what the data says (read back with openpyxl);
* every XML part of the output parses with a namespace-aware parser (ElementTree; lxml too when
  installed), which proves every prefix used is declared;
* every part the refresh does not own is the same, byte for byte and by zip CRC; what it owns is
  found through the relationships: the Report and ``xlflows.template`` sheets and the new parts
  they reach, the workbook part and its relationships, the styles part, ``[Content_Types].xml``,
  the core properties and the calculation chain (which may go);
* a second refresh gives the same bytes; a Strict workbook stays Strict;
* LibreOffice opens the output and shows the Report without error values;
* ``write_cells`` into the analyst's sheet and a new hidden sheet keeps the same promises.

The fixture data (``make_fixtures.py``'s docstring): 80 weeks to Wed 2023-12-13; Money market
starts later and ends −12.4 (8 rows back), seven inflows, −31.0, so its headline reads "the first
outflow in 8 weeks" in "the week to Dec 13".
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import importlib.util
import io
import os
import posixpath
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest

# ---- The engine's public entry points: the one place to repoint when the engine moves. ------
from xlflows.cli import main as xlflows_main
from xlflows.ooxml import (
    BookFile as SheetSource,  # SheetSource(path): .rows(sheet)
    write_cells,
)
from xlflows.report.plan import CellWrite
from xlflows.report.xlsx import refresh_file

# ----------------------------------------------------------------------------------------------

FOLDER = Path(__file__).resolve().parent / "fixtures" / "foreign"


def _load_script():
    spec = importlib.util.spec_from_file_location("foreign_make_fixtures",
                                                  FOLDER / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module       # dataclasses look their module up there
    spec.loader.exec_module(module)       # defines FIXTURES; makes nothing (main() is not run)
    return module


SCRIPT = _load_script()
NAMES = [f.name for f in SCRIPT.FIXTURES]
DATA_SHEETS = ("Flows", "Policy rate", "MMF assets")
REPORT, STORE = "Report", "xlflows.template"

# What the data says (module docstring): the headline, the as-of line, the last week.
LAST_WEEK = dt.datetime(2023, 12, 13)
MONEY_MARKET_HEADLINE = ("Money market funds: −$31.0bn in the week to Dec 13, "
                         "the first outflow in 8 weeks")
AS_OF_LINE = "Weekly flows to 13 Dec 2023"
ERROR_MARKS = ("Err:", "#NAME?", "#REF!", "#VALUE!", "#N/A", "#DIV/0!", "#NUM!")

# Namespaces, Transitional and Strict (the fixtures script holds the mapping).
CONTENT_TYPES = "[Content_Types].xml"
OPC_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OPC_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
MAIN = SCRIPT.MAIN
STRICT_MAIN = SCRIPT.STRICT_NAMESPACES[MAIN]
REL_NAMESPACES = (SCRIPT.REL, SCRIPT.STRICT_NAMESPACES[SCRIPT.REL])


# ============================================================================ reading packages
def stored_parts(path: Path) -> dict[str, tuple[bytes, int]]:
    """Every part of a package: its decompressed bytes and the CRC the zip stores."""
    with zipfile.ZipFile(path) as z:
        return {i.filename: (z.read(i), i.CRC) for i in z.infolist()}


def xml_part_names(parts: dict[str, tuple[bytes, int]]) -> list[str]:
    """Parts holding XML: by content type in ``[Content_Types].xml`` (``…xml`` or ``…+xml``,
    as a Default by extension or an Override by name) and by extension ``.xml/.rels/.vml``."""
    types = parsed(parts, CONTENT_TYPES)
    xml_extensions = {d.get("Extension", "").lower() for d in types.iter(f"{{{OPC_TYPES}}}Default")
                      if d.get("ContentType", "").endswith("xml")}
    xml_overrides = {o.get("PartName", "").lstrip("/") for o in
                     types.iter(f"{{{OPC_TYPES}}}Override")
                     if o.get("ContentType", "").endswith("xml")}
    return sorted(n for n in parts
                  if n in xml_overrides or n.endswith((".xml", ".rels", ".vml"))
                  or n.rsplit(".", 1)[-1].lower() in xml_extensions)


def parsed(parts, name: str) -> ET.Element:
    """Part ``name`` parsed by ElementTree; a part that does not parse fails naming it."""
    try:
        return ET.fromstring(parts[name][0])
    except ET.ParseError as exc:
        raise AssertionError(f"{name} is not well-formed XML: {exc}") from None


def rels_name(part: str) -> str:
    """The relationships part of ``part`` (``""`` for the package)."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def relationships(parts, part: str) -> list[tuple[str, str, str]]:
    """``(id, type, target part)`` of the internal relationships of ``part`` (``""``: the
    package's own), targets resolved against the part's folder."""
    name = rels_name(part)
    if name not in parts:
        return []
    out = []
    for rel in parsed(parts, name).iter(f"{{{OPC_RELS}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        target = (target.lstrip("/") if target.startswith("/")
                  else posixpath.normpath(posixpath.join(posixpath.dirname(part), target)))
        out.append((rel.get("Id"), rel.get("Type", ""), target))
    return out


def related(parts, part: str, kind: str) -> list[str]:
    """Targets of ``part``'s relationships whose type ends ``/kind`` (Transitional or Strict)."""
    return [target for _, rel_type, target in relationships(parts, part)
            if rel_type.rsplit("/", 1)[-1] == kind]


def workbook_part(parts) -> str:
    (part,) = related(parts, "", "officeDocument")
    return part


def sheet_parts(parts) -> dict[str, str]:
    """Sheet name → part, from the workbook's ``<sheet>`` elements and its relationships."""
    book = workbook_part(parts)
    targets = {rel_id: target for rel_id, _, target in relationships(parts, book)}
    out = {}
    for element in parsed(parts, book).iter():
        if element.tag in (f"{{{MAIN}}}sheet", f"{{{STRICT_MAIN}}}sheet"):
            rel_id = next(v for k, v in element.attrib.items()
                          if k in {f"{{{ns}}}id" for ns in REL_NAMESPACES})
            out[element.get("name")] = targets[rel_id]
    return out


def reachable(parts, start: str) -> set[str]:
    """``start`` and every part it reaches through relationships, with their rels parts."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        part = todo.pop()
        if part in seen or part not in parts:
            continue
        seen.add(part)
        if rels_name(part) in parts:
            seen.add(rels_name(part))
        todo += [target for _, _, target in relationships(parts, part)]
    return seen


def owned_parts(before, after, sheets: tuple[str, ...], *, core: bool) -> set[str]:
    """The parts a write may change or add: the package structure, the styles, the calculation
    chain, the core properties when ``core``, and the ``sheets`` written with every part they
    reach that is new."""
    owned = {CONTENT_TYPES}
    for parts in (before, after):
        book = workbook_part(parts)
        owned |= {book, rels_name(book), *related(parts, book, "styles"),
                  *related(parts, book, "calcChain")}
        if core:
            owned |= set(related(parts, "", "core-properties"))
    written = sheet_parts(after)
    for sheet in sheets:
        if sheet in written:
            owned |= {p for p in reachable(after, written[sheet]) if p not in before}
            owned.add(written[sheet])
    return owned


def part_differences(before, after, owned: set[str]) -> list[str]:
    """What changed outside ``owned``: parts lost, parts whose bytes or CRC differ, new parts."""
    problems = []
    for name, (data, crc) in before.items():
        if name in owned:
            continue
        if name not in after:
            problems.append(f"{name}: missing from the output")
        elif after[name][0] != data:
            problems.append(f"{name}: bytes differ")
        elif after[name][1] != crc:
            problems.append(f"{name}: CRC differs")
    problems += [f"{name}: new part not owned" for name in after
                 if name not in before and name not in owned]
    return problems


def unqualified_elements(before, after, owned: set[str]) -> dict[str, list[str]]:
    """Part → local names of elements in no namespace, over the XML parts in ``owned`` that the
    write changed or added (VML, whose ``<xml>`` root has no namespace, is not among them)."""
    found = {}
    for part in sorted(owned & set(after)):
        if part.endswith((".xml", ".rels")) and after[part][0] != before.get(part, (None,))[0]:
            tags = sorted({e.tag for e in parsed(after, part).iter() if e.tag[0] != "{"})
            if tags:
                found[part] = tags
    return found


def transitional_uris(parts) -> list[str]:
    """``part: uri`` for every Transitional SpreadsheetML, officeDocument or DrawingML URI in a
    package (namespaces and relationship types alike)."""
    return [f"{name}: {root}" for name, (data, _) in sorted(parts.items())
            for root in SCRIPT.TRANSITIONAL_ROOTS if root.encode() in data]


def unparsable_parts(parts, parse) -> list[str]:
    """``part: error`` for each XML part ``parse`` refuses."""
    problems = []
    for name in xml_part_names(parts):
        try:
            parse(parts[name][0])
        except Exception as exc:  # noqa: BLE001 - each parser raises its own error type
            problems.append(f"{name}: {exc}")
    return problems


def undeclared_ignorable_prefixes(parts) -> list[str]:
    """``part: prefix`` for each prefix an ``mc:Ignorable`` names that is not declared where it
    is used: no parser checks a prefix inside an attribute value, but Excel does."""
    problems = []
    for name in xml_part_names(parts):
        scopes: list[set[str]] = [set()]
        pending: set[str] = set()
        for event, item in ET.iterparse(io.BytesIO(parts[name][0]),
                                        events=("start-ns", "start", "end")):
            if event == "start-ns":
                pending.add(item[0])
            elif event == "start":
                scopes.append(scopes[-1] | pending)
                pending = set()
                named = item.get(f"{{{MC}}}Ignorable", "").split()
                problems += [f"{name}: {p}" for p in named if p not in scopes[-1]]
            else:
                scopes.pop()
    return problems


def lxml_parse(data: bytes):
    etree = pytest.importorskip("lxml.etree")
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def openpyxl_view(path: Path, folder: Path) -> Path:
    """``path`` itself, or for a Strict package a copy with its namespaces and relationship types
    mapped back to Transitional (a plain URI substitution), which openpyxl can read."""
    parts = stored_parts(path)
    if STRICT_MAIN.encode() not in parts[workbook_part(parts)][0]:
        return path
    back = {SCRIPT.STRICT_NAMESPACES[SCRIPT.REL] + "/" + strict: SCRIPT.REL + "/" + name
            for name, strict in SCRIPT.STRICT_TYPE_NAMES.items()}
    back |= {strict: transitional for transitional, strict in SCRIPT.STRICT_NAMESPACES.items()}
    copy = folder / ("transitional-" + path.name)
    with zipfile.ZipFile(copy, "w") as z:
        for name, (data, _) in parts.items():
            for strict, transitional in back.items():
                data = data.replace(strict.encode(), transitional.encode())
            z.writestr(name, data)
    return copy


def trimmed(rows) -> list[list[object]]:
    """``rows`` (lists or tuples of values) with each row's trailing blanks and the trailing
    empty rows dropped, so that two readers' extents compare equal."""
    out = [list(r) for r in rows]
    for row in out:
        while row and row[-1] is None:
            row.pop()
    while out and not out[-1]:
        out.pop()
    return out


# ============================================================================ running the engine
@dataclass
class Refreshed:
    """One fixture refreshed by ``xlflows refresh`` on a copy."""

    name: str
    source: Path
    output: Path
    status: int
    stderr: str

    def ok(self) -> Path:
        """The output, or fail with the command's one-line reason."""
        assert self.status == 0, f"xlflows refresh exited {self.status}: {self.stderr}"
        return self.output


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    """``refreshed(name)``: the fixture refreshed once per module, through the command line."""
    done: dict[str, Refreshed] = {}

    def refresh(name: str) -> Refreshed:
        if name not in done:
            book = tmp_path_factory.mktemp("refreshed") / name
            shutil.copyfile(FOLDER / name, book)
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                status = xlflows_main(["refresh", str(book)])
            done[name] = Refreshed(name, FOLDER / name, book, status, err.getvalue().strip())
        return done[name]

    return refresh


# ============================================================================ the fixtures
def test_the_folder_holds_exactly_the_recorded_fixtures():
    assert sorted(p.name for p in FOLDER.glob("*.xlsx")) == sorted(NAMES)
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    assert all(f"| `{name}` |" in readme for name in NAMES)


@pytest.mark.filterwarnings("ignore:File contains an invalid specification")   # Strict
@pytest.mark.parametrize("fixture", SCRIPT.FIXTURES, ids=NAMES)
def test_each_fixture_opens(fixture):
    parts = stored_parts(FOLDER / fixture.name)
    assert unparsable_parts(parts, ET.fromstring) == []
    with zipfile.ZipFile(FOLDER / fixture.name) as z:
        assert z.testzip() is None
    assert list(sheet_parts(parts)) == [*DATA_SHEETS, "Notes"]
    seen = openpyxl.load_workbook(FOLDER / fixture.name).sheetnames
    assert seen == ([*DATA_SHEETS, "Notes"] if fixture.openpyxl_reads else [])


def test_the_openpyxl_lxml_fixture_declares_r_on_each_sheet_element():
    """The shape of issue 16's first bug: ``xmlns:r`` on every ``<sheet>``, not on the root."""
    assert SCRIPT.check_xmlns_r_on_sheets(FOLDER / "openpyxl-lxml.xlsx") == 4
    workbook = stored_parts(FOLDER / "openpyxl-lxml.xlsx")["xl/workbook.xml"][0]
    assert workbook.count(b'<sheet xmlns:r="') == 4 and b"<workbook xmlns:r" not in workbook


def test_the_1904_fixture_uses_the_1904_date_system():
    workbook = stored_parts(FOLDER / "libreoffice-1904.xlsx")["xl/workbook.xml"][0]
    assert ET.fromstring(workbook).find(f"{{{MAIN}}}workbookPr").get("date1904") == "true"
    assert openpyxl.load_workbook(FOLDER / "libreoffice-1904.xlsx").epoch == dt.datetime(1904, 1, 1)


def test_the_x_prefix_fixture_writes_spreadsheetml_with_x():
    parts = stored_parts(FOLDER / "excel-x-prefix.xlsx")
    for name in ["xl/workbook.xml", "xl/styles.xml", "xl/sharedStrings.xml",
                 *sheet_parts(parts).values()]:
        assert b"<x:" in parts[name][0] and b'xmlns="' + MAIN.encode() not in parts[name][0]


def test_the_strict_fixture_has_no_transitional_uri():
    parts = stored_parts(FOLDER / "strict.xlsx")
    assert transitional_uris(parts) == []
    assert ET.fromstring(parts["xl/workbook.xml"][0]).get("conformance") == "strict"


@pytest.mark.parametrize("name", NAMES)
def test_the_engine_reads_each_data_sheet_as_openpyxl_does(name, tmp_path):
    """The engine's SheetSource against openpyxl on the same file (a Strict file mapped back to
    Transitional for openpyxl): same values, dates as dates (the 1904 file included)."""
    book = openpyxl.load_workbook(openpyxl_view(FOLDER / name, tmp_path), data_only=True)
    with SheetSource(FOLDER / name) as source:
        for sheet in DATA_SHEETS:
            assert trimmed(source.rows(sheet)) == trimmed(book[sheet].values), sheet
    assert trimmed(book["Flows"].values)[-1][0] == LAST_WEEK


# ============================================================================ refresh
@pytest.mark.parametrize("name", NAMES)
def test_refresh_writes_the_report(name, refreshed, tmp_path):
    book = openpyxl.load_workbook(openpyxl_view(refreshed(name).ok(), tmp_path))
    cells = {c.coordinate: c.value for row in book[REPORT].iter_rows() for c in row
             if c.value is not None}
    texts = [v for v in cells.values() if isinstance(v, str)]
    assert any(t.startswith(MONEY_MARKET_HEADLINE) for t in texts), texts
    assert AS_OF_LINE in texts              # the as-of date shown is the last Flows date
    # no Retail MMF sheet: the Report it gets has no retail row, and no text names one
    assert not [t for t in texts if "Retail" in t or "retail" in t]
    # the category table: each category's "week to" is the last week (a date, in any epoch)
    week_to = {cells[c]: cells.get("B" + c[1:]) for c in cells
               if c.startswith("A") and cells[c] in ("Equity", "Bond", "Money market")}
    assert week_to == {"Equity": LAST_WEEK, "Bond": LAST_WEEK, "Money market": LAST_WEEK}
    assert book[STORE].sheet_state == "hidden"
    (tmp_path / "input").mkdir()
    before = openpyxl.load_workbook(openpyxl_view(FOLDER / name, tmp_path / "input"))
    assert set(before.defined_names) <= set(book.defined_names)   # the analyst's names stay


@pytest.mark.parametrize("name", NAMES)
def test_refresh_output_parses_with_elementtree(name, refreshed):
    parts = stored_parts(refreshed(name).ok())
    assert unparsable_parts(parts, ET.fromstring) == []
    assert undeclared_ignorable_prefixes(parts) == []


@pytest.mark.parametrize("name", NAMES)
def test_refresh_output_parses_with_lxml(name, refreshed):
    pytest.importorskip("lxml.etree")
    assert unparsable_parts(stored_parts(refreshed(name).ok()), lxml_parse) == []


@pytest.mark.parametrize("name", NAMES)
def test_refresh_copies_every_part_it_does_not_own(name, refreshed):
    result = refreshed(name)
    before, after = stored_parts(result.source), stored_parts(result.ok())
    owned = owned_parts(before, after, (REPORT, STORE), core=True)
    assert part_differences(before, after, owned) == []


@pytest.mark.parametrize("name", NAMES)
def test_written_parts_put_every_element_in_a_namespace(name, refreshed):
    """An element added unprefixed to an ``x:``-prefixed part would parse but sit in no
    namespace: the sheet, defined names and styles refresh writes must be SpreadsheetML."""
    result = refreshed(name)
    before, after = stored_parts(result.source), stored_parts(result.ok())
    owned = owned_parts(before, after, (REPORT, STORE), core=True)
    assert unqualified_elements(before, after, owned) == {}
    assert REPORT in sheet_parts(after) and STORE in sheet_parts(after)


@pytest.mark.parametrize("name", NAMES)
def test_a_second_refresh_gives_the_same_bytes(name, refreshed, tmp_path):
    first = refreshed(name).ok()
    again = tmp_path / name
    refresh_file(first, output=again)
    assert again.read_bytes() == first.read_bytes()


def test_a_strict_workbook_stays_strict(refreshed):
    parts = stored_parts(refreshed("strict.xlsx").ok())
    assert transitional_uris(parts) == []
    book = parsed(parts, workbook_part(parts))
    assert book.tag == f"{{{STRICT_MAIN}}}workbook" and book.get("conformance") == "strict"


def test_the_x_prefixed_workbook_gets_its_report_in_spreadsheetml(refreshed):
    """Written parts of the ``x:`` file keep its prefix style, or at least bind every prefix they
    use (the parse) and put the Report's ``<sheet>`` in SpreadsheetML."""
    parts = stored_parts(refreshed("excel-x-prefix.xlsx").ok())
    book = parsed(parts, workbook_part(parts))
    names = [s.get("name") for s in book.iter(f"{{{MAIN}}}sheet")]
    assert names[:1] == [REPORT] and STORE in names


# ============================================================================ LibreOffice
def _soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("XLFLOWS_REQUIRE_LIBREOFFICE") == "1" or os.environ.get("CI"):
            pytest.fail("LibreOffice is required here (CI or XLFLOWS_REQUIRE_LIBREOFFICE=1) "
                        "but soffice is missing")
        pytest.skip("needs soffice")
    return found


def libreoffice_csv(book: Path, sheet: str, folder: Path) -> str:
    """Sheet ``sheet`` of ``book`` as LibreOffice shows it, as CSV text.

    Its own profile folder, so parallel runs do not collide. The CSV filter's 12th option -1
    exports every sheet, each to ``<stem>-<sheet>.csv``: the output is not parsed here first.
    """
    options = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
    done = subprocess.run(
        [_soffice(), f"-env:UserInstallation=file://{folder / 'profile'}", "--headless",
         "--convert-to", options, "--outdir", str(folder), str(book)],
        capture_output=True, text=True, timeout=300, check=False)
    made = folder / f"{book.stem}-{sheet}.csv"
    said = " ".join(line for line in done.stderr.splitlines() if "javaldx" not in line)
    assert made.exists(), f"LibreOffice exported no sheet {sheet} of {book.name}: {said}"
    return made.read_text(encoding="utf-8")


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", NAMES)
def test_libreoffice_shows_the_refreshed_report(name, refreshed, tmp_path):
    text = libreoffice_csv(refreshed(name).ok(), REPORT, tmp_path)
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert any(c.startswith(MONEY_MARKET_HEADLINE) for c in cells), text
    assert AS_OF_LINE in cells
    assert [mark for mark in ERROR_MARKS if mark in text] == []


# ============================================================================ write_cells
SCRATCH = "xlflows.scratch"
WRITES = [
    CellWrite("Notes", "D5", 42.5),
    CellWrite("Notes", "D6", "written by xlflows"),
    CellWrite("Notes", "E7", LAST_WEEK, "yyyy-mm-dd"),
    CellWrite(SCRATCH, "A1", 1.5),
]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """``written(name)``: the fixture after ``write_cells(WRITES)`` into a copy, once per module."""
    done: dict[str, Path] = {}

    def write(name: str) -> Path:
        if name not in done:
            out = tmp_path_factory.mktemp("written") / name
            write_cells(FOLDER / name, WRITES, output=out, hidden_sheets=[SCRATCH])
            done[name] = out
        return done[name]

    return write


@pytest.mark.parametrize("name", NAMES)
def test_write_cells_into_the_analysts_sheet_and_a_new_hidden_one(name, written, tmp_path):
    out = written(name)
    before, after = stored_parts(FOLDER / name), stored_parts(out)
    assert unparsable_parts(after, ET.fromstring) == []
    assert undeclared_ignorable_prefixes(after) == []
    owned = owned_parts(before, after, ("Notes", SCRATCH), core=False)
    assert part_differences(before, after, owned) == []
    assert unqualified_elements(before, after, owned) == {}
    book = openpyxl.load_workbook(openpyxl_view(out, tmp_path))
    notes = book["Notes"]
    assert (notes["D5"].value, notes["D6"].value, notes["E7"].value) == (
        42.5, "written by xlflows", LAST_WEEK)
    assert book[SCRATCH].sheet_state == "hidden" and book[SCRATCH]["A1"].value == 1.5


@pytest.mark.parametrize("name", NAMES)
def test_write_cells_output_parses_with_lxml(name, written):
    pytest.importorskip("lxml.etree")
    assert unparsable_parts(stored_parts(written(name)), lxml_parse) == []


def test_write_cells_keeps_a_strict_workbook_strict(written):
    assert transitional_uris(stored_parts(written("strict.xlsx"))) == []


# ============================================================================ the helpers
def test_part_differences_names_every_kind_of_change():
    before = {"a.xml": (b"<a/>", 1), "b.xml": (b"<b/>", 2), "c.xml": (b"<c/>", 3),
              "d.xml": (b"<d/>", 4), "owned.xml": (b"<o/>", 5)}
    after = {"a.xml": (b"<a/>", 1), "b.xml": (b"<b />", 2), "c.xml": (b"<c/>", 9),
             "owned.xml": (b"<p/>", 6), "new.xml": (b"<n/>", 7), "mine.xml": (b"<m/>", 8)}
    assert part_differences(before, after, {"owned.xml", "mine.xml"}) == [
        "b.xml: bytes differ", "c.xml: CRC differs", "d.xml: missing from the output",
        "new.xml: new part not owned"]


def test_xml_part_names_follow_content_types_and_extensions():
    types = (f'<Types xmlns="{OPC_TYPES}"><Default Extension="bin" ContentType="application/x"/>'
             '<Default Extension="data" ContentType="application/vnd.thing+xml"/>'
             '<Override PartName="/xl/custom.part" ContentType="text/xml"/></Types>').encode()
    parts = {CONTENT_TYPES: (types, 0), "a/b.data": (b"", 0), "xl/custom.part": (b"", 0),
             "xl/vbaProject.bin": (b"", 0), "d/vmlDrawing1.vml": (b"", 0), "_rels/.rels": (b"", 0)}
    assert xml_part_names(parts) == [CONTENT_TYPES, "_rels/.rels", "a/b.data",
                                     "d/vmlDrawing1.vml", "xl/custom.part"]


def test_an_ignorable_prefix_must_be_declared_where_it_is_used():
    good = (f'<a xmlns="{MAIN}" xmlns:mc="{MC}" xmlns:x14ac="urn:x14ac" mc:Ignorable="x14ac">'
            '<b/></a>').encode()
    sibling = (f'<a xmlns="{MAIN}" xmlns:mc="{MC}"><b xmlns:x14ac="urn:x14ac"/>'
               '<c mc:Ignorable="x14ac"/></a>').encode()
    parts = {CONTENT_TYPES: (f'<Types xmlns="{OPC_TYPES}"/>'.encode(), 0),
             "good.xml": (good, 0), "sibling.xml": (sibling, 0)}
    assert undeclared_ignorable_prefixes(parts) == ["sibling.xml: x14ac"]
