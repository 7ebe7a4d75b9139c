"""The xlwings Lite add-in part: value encoding, merging main.py and requirements.txt, the CLI."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import given, settings, strategies as st

from update_support import venv_in
from xlflows.cli import main as cli_main
from xlflows.errors import WorkbookError
from xlflows.litecode import IMPORT_LINE, block, wheel_block
from xlflows.ooxml.opc import open_package
from xlflows.webextension import (
    ADDIN_ID,
    XLWINGS_VERSION,
    add_lite,
    decode_value,
    encode_value,
    install_lite,
    merge_main,
    merge_requirements,
    read_properties,
    requirement_name,
    set_properties,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE = FIXTURES / "webextension1.example.xml"
_ATTR = re.compile(rb'<we:property name="([^"]*)" value="([^"]*)"/>')


# --------------------------------------------------------------------------- encoding


def test_example_part_round_trips_byte_for_byte():
    data = EXAMPLE.read_bytes()
    props = read_properties(data)
    assert list(props) == ["main.py", "pyodideVersion", "addinVersion", "requirements.txt"]
    assert set_properties(data, props) == data
    for _name, raw in _ATTR.findall(data):
        assert encode_value(decode_value(raw.decode("utf-8"))).encode("utf-8") == raw


def test_example_values_decode_to_the_files_text():
    props = read_properties(EXAMPLE.read_bytes())
    assert props["main.py"] == ('# main.py (trimmed; original code not copied)\n'
                                '# escapes shown: "quotes" a/b x<y & z>0\n'
                                'from xlwings import func\n')
    assert props["pyodideVersion"] == "0.27.5"
    assert props["addinVersion"] == "1.0.0.0-18"
    assert props["requirements.txt"].splitlines()[:2] == ["xlwings==0.33.11  # required",
                                                          "python-dotenv==1.0.1  # required"]


@pytest.mark.parametrize("text, stored", [
    ("a/b", "&quot;a\\/b&quot;"),
    ('say "hi"', "&quot;say \\&quot;hi\\&quot;&quot;"),
    ("x<y & z>0", "&quot;x&lt;y &amp; z&gt;0&quot;"),
    ("it's", "&quot;it's&quot;"),
    ("line\n\tend\\", "&quot;line\\n\\tend\\\\&quot;"),
    ("café 😀", "&quot;café 😀&quot;"),
    ("0.27.5", "&quot;0.27.5&quot;"),
], ids=["slash", "quotes", "xml specials", "apostrophe kept", "newline tab backslash",
        "non-ascii raw", "version"])
def test_encode_value_matches_the_add_in(text, stored):
    assert encode_value(text) == stored
    assert decode_value(stored) == text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_any_text_round_trips_and_stays_one_attribute(text):
    stored = encode_value(text)
    assert decode_value(stored) == text
    assert '"' not in stored and "<" not in stored and "\n" not in stored
    assert re.sub(r"&(quot|amp|lt|gt);", "", stored).count("&") == 0


@pytest.mark.parametrize("raw", ["&quot;abc", "42", "[&quot;a&quot;]", "abc"],
                         ids=["unterminated", "number", "list", "bare text"])
def test_a_value_in_an_unknown_encoding_is_refused(raw):
    with pytest.raises(WorkbookError, match="is not stored as a JSON string"):
        decode_value(raw, "main.py")


def test_set_properties_changes_only_the_value_it_sets():
    data = EXAMPLE.read_bytes()
    new = set_properties(data, {"requirements.txt": "xlflows==0.1.0\n"})
    start = data.index(b'<we:property name="requirements.txt" value="') + 44
    end = data.index(b'"/>', start)
    assert new[:start] == data[:start] and new[new.index(b'"/>', start):] == data[end:]
    assert new[start:new.index(b'"/>', start)] == b"&quot;xlflows==0.1.0\\n&quot;"
    assert new.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<we:')


def test_set_properties_adds_a_missing_property_last():
    data = re.sub(rb'<we:property name="requirements.txt" value="[^"]*"/>', b"",
                  EXAMPLE.read_bytes())
    new = set_properties(data, {"requirements.txt": "xlflows\n"})
    assert list(read_properties(new)) == ["main.py", "pyodideVersion", "addinVersion",
                                          "requirements.txt"]
    assert new.replace(b'<we:property name="requirements.txt" value="&quot;xlflows\\n&quot;"/>',
                       b"") == data


# --------------------------------------------------------------------------- merging


BLOCK = "# ----- xlflows 9.9: the functions and the Refresh report script -----\nB\n" \
        "# ----- end of xlflows -----\n"


@pytest.mark.parametrize("existing, expected", [
    (None, BLOCK),
    ("", BLOCK),
    ("import xlwings as xw\n", "import xlwings as xw\n\n" + BLOCK),
    ("x = 1", "x = 1\n\n" + BLOCK),
    ("x = 1\n" + IMPORT_LINE + "\n# end\n", "x = 1\n" + BLOCK + "# end\n"),
    ("x = 1\n" + BLOCK.replace("B\n", "old code\n") + "y = 2\n", "x = 1\n" + BLOCK + "y = 2\n"),
    ("def mine():\n    return flow_streak\n", "def mine():\n    return flow_streak\n\n" + BLOCK),
], ids=["none", "empty", "code kept, block appended", "no final newline",
        "the old import line replaced in place", "an earlier block replaced in place",
        "a name used, not defined"])
def test_merge_main(existing, expected):
    assert merge_main(existing, BLOCK) == expected


@pytest.mark.parametrize("code, message", [
    ("def flow_streak(x):\n    return 1\n", ("main.py defines flow_streak (line 1), a name xlflows "
                                             "also puts into main")),
    ("import xlwings as xw\n\n@xw.func(name='FLOW_RANK')\ndef mine(x):\n    return 1\n",
     "main.py defines FLOW_RANK (line 3, the Excel name of mine)"),
    ("refresh_report = None\n", "main.py defines refresh_report (line 1)"),
    ("from mylib import abnormality\n", "main.py defines abnormality (line 1)"),
    ("def broken(:\n", "main.py does not parse (line 1: "),
], ids=["a function", "an Excel name", "an assignment", "an import", "a syntax error"])
def test_merge_main_refuses_what_would_be_replaced_silently(code, message):
    with pytest.raises(WorkbookError, match=re.escape(message)):
        merge_main(code, BLOCK)


def test_merge_requirements_keeps_lines_and_drops_the_unpublished_name():
    existing = ("xlwings==0.33.15  # required\npython-dotenv==1.0.1  # required\n"
                "pyodide-http  # required\nblack  # required\npandas\nxlflows==0.0.9\nrequests\n")
    text, notes = merge_requirements(existing)
    assert text.splitlines() == [
        "xlwings==0.33.15  # required", "python-dotenv==1.0.1  # required",
        "pyodide-http  # required", "black  # required", "pandas", "requests", "numpy"]
    assert notes == [
        ("requirements.txt has 'xlwings==0.33.15  # required' (kept); xlflows is tested with "
         f"xlwings {XLWINGS_VERSION}: if a function misbehaves, pin xlwings=={XLWINGS_VERSION} "
         "and use Restart in the add-in's menu"),
        ("removed the line 'xlflows==0.0.9' from requirements.txt: xlflows is embedded in main.py, "
         "and no package of that name is published (whoever published one would run in this "
         "workbook)")]


def test_merge_requirements_new_file_and_wheel_url():
    text, notes = merge_requirements(None)
    assert text.splitlines() == [f"xlwings=={XLWINGS_VERSION}  # required",
                                 "python-dotenv==1.0.1  # required", "pyodide-http  # required",
                                 "black  # required", "pandas", "numpy"] and notes == []
    url = "https://example.org/wheels/xlflows-0.1.0-py3-none-any.whl"
    hosted, _ = merge_requirements(None, url)
    assert hosted == text + url + "\n"
    assert merge_requirements(hosted, url) == (hosted, [])
    assert merge_requirements(hosted)[0] == text
    assert merge_requirements("pandas")[0].splitlines() == [
        f"xlwings=={XLWINGS_VERSION}  # required", "pandas", "numpy"]


@pytest.mark.parametrize("line, name", [
    ("xlwings==0.33.15  # required", "xlwings"), ("pyodide-http  # required", "pyodide-http"),
    ("XLFlows>=0.1", "xlflows"), ("xlflows @ https://h/x.whl", "xlflows"),
    ("https://h/p/xlflows-0.1.0-py3-none-any.whl#sha256=ab", "xlflows"),
    ("# a comment", None), ("", None), ("-r more.txt", None), ("python_dotenv", "python-dotenv"),
])
def test_requirement_name(line, name):
    assert requirement_name(line) == name


# --------------------------------------------------------------------------- packages


def xlsxwriter_book(path: Path) -> None:
    """An analyst's workbook made by XlsxWriter (not openpyxl): a sheet, a comment, a name."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, ["Week ending", "Equity"])
    ws.write_number(1, 1, 12.5, wb.add_format({"num_format": "0.00"}))
    ws.write_comment(1, 1, "analyst's note")
    wb.define_name("Latest", "=Data!$B$2")
    wb.close()


def zip_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_lite_adds_the_part_and_keeps_every_other_part(tmp_path):
    book = tmp_path / "mine.xlsx"
    xlsxwriter_book(book)
    before = zip_parts(book)
    result = install_lite(book)
    after = zip_parts(book)
    assert result.added and result.output == book
    new = {"xl/webextensions/webextension1.xml", "xl/webextensions/taskpanes.xml",
           "xl/webextensions/_rels/taskpanes.xml.rels"}
    assert set(after) == set(before) | new
    changed = {n for n in before if before[n] != after[n]}
    assert changed == {"[Content_Types].xml", "_rels/.rels"}
    assert after["[Content_Types].xml"].replace(
        b'<Override PartName="/xl/webextensions/taskpanes.xml" ContentType="application/vnd.ms-'
        b'office.webextensiontaskpanes+xml"/><Override PartName="/xl/webextensions/webextension1'
        b'.xml" ContentType="application/vnd.ms-office.webextension+xml"/>', b"") \
        == before["[Content_Types].xml"]
    assert b'Type="http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes"' \
           b' Target="xl/webextensions/taskpanes.xml"' in after["_rels/.rels"]
    props = read_properties(after["xl/webextensions/webextension1.xml"])
    assert props == {"main.py": block(), "pyodideVersion": "0.27.5",
                     "addinVersion": "1.0.0.0-18", "requirements.txt": merge_requirements(None)[0]}
    assert f'id="{ADDIN_ID}"'.encode() in after["xl/webextensions/webextension1.xml"]


def test_lite_twice_changes_nothing(tmp_path):
    book = tmp_path / "mine.xlsx"
    xlsxwriter_book(book)
    install_lite(book)
    first = book.read_bytes()
    result = install_lite(book)
    assert not result.added and not result.main_changed
    assert book.read_bytes() == first


def with_part(source: Path, target: Path, extra: dict[str, bytes]) -> None:
    """Copy a package adding parts (an XML edit of the zip, as Excel would have saved them)."""
    parts = zip_parts(source)
    parts.update(extra)
    for name in extra:
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>", b'<Override PartName="/' + name.encode() + b'" ContentType='
            b'"application/vnd.ms-office.webextension+xml"/></Types>')
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


def test_lite_updates_an_existing_lite_workbook_keeping_its_code(tmp_path):
    base, book = tmp_path / "base.xlsx", tmp_path / "lite.xlsx"
    xlsxwriter_book(base)
    example = EXAMPLE.read_bytes()
    with_part(base, book, {"xl/webextensions/webextension1.xml": example})
    before = zip_parts(book)
    url = "https://example.org/xlflows-0.1.0-py3-none-any.whl"
    assert cli_main(["lite", str(book), "--requirement", url]) == 0
    after = zip_parts(book)
    assert {n for n in before if before[n] != after[n]} == {"xl/webextensions/webextension1.xml"}
    old = read_properties(example)
    new = read_properties(after["xl/webextensions/webextension1.xml"])
    separator = "" if old["main.py"].endswith("\n") else "\n"
    assert new["main.py"] == old["main.py"] + separator + "\n" + wheel_block()
    assert new["requirements.txt"].splitlines() == [
        "xlwings==0.33.11  # required", "python-dotenv==1.0.1  # required",
        "pyodide-http  # required", "black  # required", "pandas", "matplotlib", "seaborn",
        "requests", "numpy", url]
    for name in ("pyodideVersion", "addinVersion"):
        raw = re.search(rb'<we:property name="' + name.encode() + rb'" value="[^"]*"/>', example)
        assert raw.group(0) in after["xl/webextensions/webextension1.xml"]


def test_lite_refuses_a_second_web_extension_and_writes_nothing(tmp_path, capsys):
    base, book = tmp_path / "base.xlsx", tmp_path / "two.xlsx"
    xlsxwriter_book(base)
    example = EXAMPLE.read_bytes()
    with_part(base, book, {"xl/webextensions/webextension1.xml": example,
                           "xl/webextensions/webextension2.xml": example})
    data = book.read_bytes()
    assert cli_main(["lite", str(book)]) == 2
    err = capsys.readouterr().err
    assert err == ("xlflows: the workbook has 2 web extensions (xl/webextensions/webextension1.xml,"
                   " xl/webextensions/webextension2.xml); expected at most one, the xlwings Lite "
                   "add-in; nothing was written\n")
    assert book.read_bytes() == data
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~xlflows")]


def test_lite_refuses_another_add_in_and_an_unknown_encoding(tmp_path):
    base = tmp_path / "base.xlsx"
    xlsxwriter_book(base)
    other = tmp_path / "other.xlsx"
    with_part(base, other, {"xl/webextensions/webextension1.xml":
                            EXAMPLE.read_bytes().replace(b"wa200008175", b"wa104379955")})
    with pytest.raises(WorkbookError, match=r"belongs to another add-in \(wa104379955\)"):
        install_lite(other)
    odd = tmp_path / "odd.xlsx"
    broken = re.sub(rb'(<we:property name="main.py" value=")[^"]*', rb"\1print(1)",
                    EXAMPLE.read_bytes())
    with_part(base, odd, {"xl/webextensions/webextension1.xml": broken})
    data = odd.read_bytes()
    with pytest.raises(WorkbookError, match="property 'main.py' is not stored as a JSON string"):
        install_lite(odd)
    assert odd.read_bytes() == data


def test_lite_output_read_only_and_symlink(tmp_path, capsys):
    book = tmp_path / "mine.xlsx"
    xlsxwriter_book(book)
    data = book.read_bytes()
    assert cli_main(["lite", str(book), "--output", str(tmp_path / "copy.xlsm")]) == 2
    assert "expected '.xlsx' like the input" in capsys.readouterr().err
    assert cli_main(["lite", str(book), "--output", str(tmp_path / "copy.xlsx")]) == 0
    assert book.read_bytes() == data
    assert "webextension1.xml" in str(zip_parts(tmp_path / "copy.xlsx").keys())
    link = tmp_path / "link.xlsx"
    link.symlink_to(book)
    assert cli_main(["lite", str(link)]) == 0
    assert link.is_symlink() and book.read_bytes() != data
    book.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        assert cli_main(["lite", str(book)]) == 2
        assert capsys.readouterr().err == ("xlflows: mine.xlsx is read-only; Excel would not save "
                                           "over it either. Make it writable, or write a copy "
                                           "with --output\n")
    finally:
        book.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_lite_cli_messages(tmp_path, capsys):
    book = tmp_path / "mine.xlsx"
    xlsxwriter_book(book)
    for wrong in ("pandas", "xlflows==0.1.0", "http://example.org/xlflows-0.1.0-py3-none-any.whl"):
        assert cli_main(["lite", str(book), "--requirement", wrong]) == 2
        assert capsys.readouterr().err == (
            f"xlflows: --requirement '{wrong}' is not the https address of an xlflows wheel; "
            "expected e.g. https://example.org/xlflows-0.1.0-py3-none-any.whl (without "
            "--requirement, the workbook carries xlflows itself)\n")
    assert cli_main(["lite", str(tmp_path / "missing.xlsx")]) == 2
    assert "missing.xlsx: no such file" in capsys.readouterr().err
    assert cli_main(["lite"]) == 2
    assert capsys.readouterr().err == ("xlflows: the following arguments are required: WORKBOOK "
                                       "(see xlflows lite --help)\n")
    assert cli_main(["lite", str(book)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Added the xlwings Lite code to {book}"
    assert out[1] == f"  main.py: xlflows embedded ({len(block()):,} characters); your code kept"
    assert out[2] == ("  requirements.txt: xlwings==0.37.8  # required; python-dotenv==1.0.1  # "
                      "required; pyodide-http  # required; black  # required; pandas; numpy")


def test_add_lite_refuses_taskpanes_without_extension(tmp_path):
    base, book = tmp_path / "base.xlsx", tmp_path / "panes.xlsx"
    xlsxwriter_book(base)
    parts = zip_parts(base)
    parts["xl/webextensions/taskpanes.xml"] = b"<x/>"
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/webextensions/taskpanes.xml" ContentType='
        b'"application/vnd.ms-office.webextensiontaskpanes+xml"/></Types>')
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    package = open_package(book)
    try:
        with pytest.raises(WorkbookError, match="has xl/webextensions/taskpanes.xml but no web "
                                                "extension part"):
            add_lite(package)
    finally:
        package.zip.close()


def test_new_part_is_what_real_lite_workbooks_hold(tmp_path):
    """Same layout as the reference part: declaration + CRLF, one line, no final newline; the
    task pane's relationship takes the next free id of the package's relationships."""
    book = tmp_path / "mine.xlsx"
    xlsxwriter_book(book)
    package = open_package(book)
    try:
        ids = [rel.id for rel in package.relationships("")]
        assert add_lite(package) == []
        xml = package.read("xl/webextensions/webextension1.xml")
        rels = package.read("_rels/.rels")
    finally:
        package.zip.close()
    assert xml.count(b"\r\n") == 1 and xml.count(b"\n") == 1 and not xml.endswith(b"\n")
    assert json.loads(decode_value(_ATTR.findall(xml)[1][1].decode()).join('""')) == "0.27.5"
    new_id = f"rId{len(ids) + 1}".encode()
    assert ids == [f"rId{i}" for i in range(1, len(ids) + 1)]
    assert b'Id="' + new_id + b'" Type="http://schemas.microsoft.com/office/2011/relationships/' \
           b'webextensiontaskpanes"' in rels


def test_readme_lite_commands_run_as_written(tmp_path):
    """The ``xlflows lite`` lines of README's "Use it in Excel for Mac or the web", run by the
    shell as written from a folder with README's ``.venv`` beside them."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use it in Excel for Mac or the web", 1)[1].split("\n## ", 1)[0]
    lines = [line for block in re.findall(r"```sh\n(.*?)\n```", section, flags=re.DOTALL)
             for line in block.splitlines() if "xlflows lite " in line]
    assert len(lines) == 2 and all(line.startswith(".venv/bin/xlflows lite ") for line in lines)
    venv_in(tmp_path)
    xlsxwriter_book(tmp_path / "my-workbook.xlsx")
    for line in lines:
        done = subprocess.run(line, shell=True, cwd=tmp_path, capture_output=True, text=True,
                              timeout=300, env=dict(os.environ), check=False)
        assert done.returncode == 0, done.stderr
    props = read_properties(zip_parts(tmp_path / "my-workbook-lite.xlsx")
                            ["xl/webextensions/webextension1.xml"])
    assert props["requirements.txt"].splitlines()[-1] == \
        "https://example.org/wheels/xlflows-0.1.0-py3-none-any.whl"
    assert props["main.py"] == wheel_block()
    first = read_properties(zip_parts(tmp_path / "my-workbook.xlsx")
                            ["xl/webextensions/webextension1.xml"])
    assert first["main.py"] == block()
    assert "xlflows" not in first["requirements.txt"]


@pytest.mark.parametrize("umask", [0o022, 0o077], ids=["usual", "private"])
def test_a_new_output_file_is_readable_and_the_umask_is_never_read(tmp_path, monkeypatch, umask):
    """Pyodide 0.27 reports a umask of 0o777 (0o666 & ~umask would make a mode-000 file): the
    writer never calls os.umask; the system applies the real one to the new file."""
    book = tmp_path / "mine.xlsx"
    xlsxwriter_book(book)
    previous = os.umask(umask)
    try:
        def refuse(mask):
            raise AssertionError("os.umask must not be called")

        monkeypatch.setattr(os, "umask", refuse)
        out = tmp_path / "new.xlsx"
        install_lite(book, output=out)
    finally:
        monkeypatch.undo()
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


_LINES = st.sampled_from(["pandas", "requests>=2", "# a comment", "", "black  # required",
                          "xlwings==0.33.15  # required", "xlflows==0.0.1", "pyodide-http",
                          "https://h/w/xlflows-0.0.2-py3-none-any.whl", "python-dotenv==1.0.1"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINES, max_size=12), st.booleans())
def test_merge_requirements_keeps_other_lines_in_order(lines, hosted):
    """Whatever requirements.txt holds: every line not naming xlflows is kept, in order; xlflows
    is named only by the hosted wheel's address, once; xlwings, pandas and numpy are there; a
    second merge changes nothing."""
    url = "https://example.org/xlflows-0.1.0-py3-none-any.whl" if hosted else None
    source = "\n".join(lines)
    text, _ = merge_requirements(source, url)
    out = text.splitlines()
    names = [requirement_name(line) for line in out]
    assert names.count("xlflows") == (1 if hosted else 0)
    assert {"xlwings", "pandas", "numpy"} <= set(names)
    kept = [line for line in out if requirement_name(line) != "xlflows"]
    before = [line for line in (source.splitlines() if source else
                                ["python-dotenv==1.0.1  # required", "pyodide-http  # required",
                                 "black  # required"]) if requirement_name(line) != "xlflows"]
    assert [line for line in kept if line in before] == before
    assert merge_requirements(text, url)[0] == text
