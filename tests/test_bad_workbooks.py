"""Bad workbooks: one clear line on stderr, a non-zero exit, and nothing written.

Each row builds a broken or dangerous workbook, runs ``xlflows refresh`` on it in place, and checks
that the exit status is not 0, that stderr is exactly one ``xlflows: ...`` line naming the problem,
that the file's bytes are unchanged and that no temporary file is left beside it.
"""

from __future__ import annotations

import inspect
import io
import random
import re
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import StandIn, make_workbook, parts, run
from xlflows.ooxml import files, zippkg


def rezip(source: Path, target: Path, *, replace: dict[str, bytes] | None = None,
          add: dict[str, bytes] | None = None) -> Path:
    """Copy a workbook zip with some parts replaced or added."""
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
        for name, data in add.items():
            zout.writestr(name, data)
    return target


def good(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir(exist_ok=True)
    return make_workbook(folder / "good.xlsx")


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
                  b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
                  b' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n')


def not_a_zip(tmp_path):
    path = tmp_path / "flows.xlsx"
    path.write_bytes(b"Week ending,Equity\n2024-01-03,1.5\n")
    return path


def empty_file(tmp_path):
    path = tmp_path / "flows.xlsx"
    path.write_bytes(b"")
    return path


def truncated(tmp_path):
    data = good(tmp_path).read_bytes()
    path = tmp_path / "flows.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def legacy_xls(tmp_path):
    path = tmp_path / "flows.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    return path


def entity_in_workbook_part(tmp_path):
    src = good(tmp_path)
    with zipfile.ZipFile(src) as z:
        body = z.read("xl/workbook.xml")
    body = body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body
    return rezip(src, tmp_path / "flows.xlsx", replace={"xl/workbook.xml": BILLION_LAUGHS + body})


def entity_in_shared_strings(tmp_path):
    src = good(tmp_path)
    with zipfile.ZipFile(src) as z:
        body = z.read("xl/sharedStrings.xml").split(b"?>", 1)[1]
    body = body.replace(b"<t>Equity</t>", b"<t>&lol3;</t>")
    return rezip(src, tmp_path / "flows.xlsx",
                 replace={"xl/sharedStrings.xml": BILLION_LAUGHS + body})


def high_ratio_part(tmp_path):
    # 20 MiB of spaces inside a valid shared-strings part deflates about 1,000 to 1
    src = good(tmp_path)
    with zipfile.ZipFile(src) as z:
        body = z.read("xl/sharedStrings.xml")
    padded = body.replace(b"</sst>", b" " * (20 << 20) + b"</sst>")
    return rezip(src, tmp_path / "flows.xlsx", replace={"xl/sharedStrings.xml": padded})


def huge_part(tmp_path, monkeypatch):
    # with the limit lowered to 1 MiB, a 1.5 MiB part of random bytes (ratio ~1) is refused
    monkeypatch.setattr(zippkg, "MAX_PART_BYTES", 1 << 20)
    src = good(tmp_path)
    noise = random.Random(7).randbytes(3 << 19)
    return rezip(src, tmp_path / "flows.xlsx", add={"xl/media/blob.bin": noise})


def too_many_parts(tmp_path, monkeypatch):
    monkeypatch.setattr(zippkg, "MAX_PARTS", 12)
    src = good(tmp_path)
    return rezip(src, tmp_path / "flows.xlsx",
                 add={f"xl/extra/part{i}.bin": b"x" for i in range(20)})


def no_workbook_part(tmp_path):
    path = tmp_path / "flows.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("hello.txt", b"hi")
    return path


def corrupt_part_data(tmp_path):
    # flip bytes inside the compressed Flows sheet: the zip directory is intact, the data is not
    data = bytearray(good(tmp_path).read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet2.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 10, start + min(info.compress_size, 60)):
        data[i] ^= 0x5A
    path = tmp_path / "flows.xlsx"
    path.write_bytes(bytes(data))
    return path


def with_textbox(tmp_path):
    return _decorated(tmp_path, lambda ws: ws.insert_textbox("E2", "Sample data only"))


def with_sparkline(tmp_path):
    return _decorated(tmp_path, lambda ws: ws.add_sparkline("E2", {"range": "Flows!B2:B7"}))


def with_comment_on_button_sheet(tmp_path):
    return _decorated(tmp_path, lambda ws: ws.write_comment("E2", "hello"),
                      report=lambda ws: (ws.insert_button("H1", {"macro": "SampleCall"}),
                                         ws.write_comment("A3", "note")))


def _decorated(tmp_path, decorate_flows, report=None):
    """make_workbook's layout, with ``decorate_flows(Flows sheet)`` (and ``report(Report)``)."""
    return make_workbook(tmp_path / "flows.xlsx", decorate_flows=decorate_flows,
                         decorate_report=report)


PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0f01f0005000201a5d5f06a0000000049454e44ae426082")


def with_picture(tmp_path):
    return _decorated(tmp_path, lambda ws: ws.insert_image("E2", "logo.png",
                                                           {"image_data": io.BytesIO(PNG_1X1)}))


def doctype_after_long_comment(tmp_path):
    # a DOCTYPE hidden behind 70 KiB of comment: expat reads the prolog up to the root element
    src = good(tmp_path)
    with zipfile.ZipFile(src) as z:
        body = z.read("xl/workbook.xml").split(b"?>", 1)[1]
    padded = b"<?xml version='1.0'?><!--" + b"x" * (70 << 10) + b"-->" + BILLION_LAUGHS[22:] + body
    return rezip(src, tmp_path / "flows.xlsx", replace={"xl/workbook.xml": padded})


def no_root_in_first_mib(tmp_path):
    src = good(tmp_path)
    with zipfile.ZipFile(src) as z:
        body = z.read("xl/workbook.xml").split(b"?>", 1)[1]
    noise = random.Random(3).randbytes(550 << 10).hex().encode()   # 1.1 MiB, ratio about 2
    padded = b"<?xml version='1.0'?>" + b"<!--" + noise + b"-->" + body
    return rezip(src, tmp_path / "flows.xlsx", replace={"xl/workbook.xml": padded})


def doctype_behind_a_processing_instruction(tmp_path):
    # "<a" inside a processing instruction before the DOCTYPE looked like the root element to
    # the old prolog scan, which then stopped looking
    src = good(tmp_path)
    with zipfile.ZipFile(src) as z:
        body = z.read("xl/workbook.xml").split(b"?>", 1)[1]
    hidden = b"<?xml version='1.0'?><?pi <a b?>" + BILLION_LAUGHS[22:] + body
    return rezip(src, tmp_path / "flows.xlsx", replace={"xl/workbook.xml": hidden})


def doctype_in_utf16_without_bom(tmp_path):
    src = good(tmp_path)
    with zipfile.ZipFile(src) as z:
        body = z.read("xl/workbook.xml").split(b"?>", 1)[1]
    text = ('<?xml version="1.0" encoding="UTF-16LE"?>' + BILLION_LAUGHS[22:].decode()
            + body.decode())
    return rezip(src, tmp_path / "flows.xlsx",
                 replace={"xl/workbook.xml": text.encode("utf-16-le")})


def doctype_in_a_part_named_otherwise(tmp_path):
    # an XML part by content type only (a worksheet stored as .dat): its DOCTYPE is refused too
    src = good(tmp_path)
    with zipfile.ZipFile(src) as z:
        types = z.read("[Content_Types].xml")
        sheet = z.read("xl/worksheets/sheet2.xml").split(b"?>", 1)[1]
        rels = z.read("xl/_rels/workbook.xml.rels")
    types = types.replace(b"/xl/worksheets/sheet2.xml", b"/xl/worksheets/sheet2.dat")
    rels = rels.replace(b"worksheets/sheet2.xml", b"worksheets/sheet2.dat")
    path = tmp_path / "flows.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            name, data = info.filename, zin.read(info.filename)
            if name == "xl/worksheets/sheet2.xml":
                name, data = "xl/worksheets/sheet2.dat", BILLION_LAUGHS + sheet
            elif name == "[Content_Types].xml":
                data = types
            elif name == "xl/_rels/workbook.xml.rels":
                data = rels
            zout.writestr(name, data)
    return path


def duplicate_entry(tmp_path):
    src = good(tmp_path)
    path = tmp_path / "flows.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        with pytest.warns(UserWarning, match="Duplicate name"):
            zout.writestr("xl/worksheets/sheet2.xml", b"<worksheet/>")
    return path


def case_duplicate_entry(tmp_path):
    src = good(tmp_path)
    return rezip(src, tmp_path / "flows.xlsx", add={"XL/Worksheets/Sheet2.xml": b"<worksheet/>"})


def lzma_part(tmp_path):
    src = good(tmp_path)
    path = tmp_path / "flows.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            method = zipfile.ZIP_LZMA if info.filename.endswith(".rels") else zipfile.ZIP_DEFLATED
            zout.writestr(info.filename, zin.read(info.filename), compress_type=method)
    return path


def encrypted_flag(tmp_path):
    # the "encrypted" bit set on a copied part's entries (local header and central directory)
    data = bytearray(good(tmp_path).read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("docProps/app.xml")
        local = info.header_offset
    data[local + 6] |= 1
    central = data.find(b"PK\x01\x02" + b"\x00" * 0, 0)
    while central >= 0:
        name_length = int.from_bytes(data[central + 28:central + 30], "little")
        if data[central + 46:central + 46 + name_length] == b"docProps/app.xml":
            data[central + 8] |= 1
        central = data.find(b"PK\x01\x02", central + 4)
    path = tmp_path / "flows.xlsx"
    path.write_bytes(bytes(data))
    return path


def formula_without_value(tmp_path):
    return make_workbook(tmp_path / "flows.xlsx", flows_formula="=2*1.25")


CASES = [
    # (id, maker, expected text in the one stderr line, needs the stand-in report)
    ("a text file named .xlsx", not_a_zip,
     "flows.xlsx is not an Excel workbook (not a zip file); expected an .xlsx/.xlsm file"),
    ("an empty file", empty_file, "flows.xlsx is empty; expected an .xlsx/.xlsm workbook"),
    ("a file cut in half", truncated,
     "flows.xlsx is truncated or damaged (its zip directory is missing)"),
    ("a legacy or encrypted file", legacy_xls,
     "flows.xlsx is a legacy .xls or a password-protected"),
    ("a zip without a workbook part", no_workbook_part,
     "flows.xlsx has no workbook part (xl/workbook.xml); expected an .xlsx/.xlsm workbook"),
    ("billion laughs in workbook.xml", entity_in_workbook_part,
     "flows.xlsx: part xl/workbook.xml declares an XML DOCTYPE; spreadsheet parts never do"),
    ("billion laughs in the shared strings", entity_in_shared_strings,
     "flows.xlsx: part xl/sharedStrings.xml declares an XML DOCTYPE"),
    ("a DOCTYPE behind a 70 KiB comment", doctype_after_long_comment,
     "flows.xlsx: part xl/workbook.xml declares an XML DOCTYPE"),
    ("no root element in the first MiB", no_root_in_first_mib,
     ("flows.xlsx: part xl/workbook.xml has no root element in its first 1 MiB; expected "
      "spreadsheet XML")),
    ("a DOCTYPE behind a processing instruction holding '<a'",
     doctype_behind_a_processing_instruction,
     "flows.xlsx: part xl/workbook.xml declares an XML DOCTYPE"),
    ("a DOCTYPE in UTF-16 without a byte order mark", doctype_in_utf16_without_bom,
     "flows.xlsx: part xl/workbook.xml declares an XML DOCTYPE"),
    ("a DOCTYPE in an XML part named .dat", doctype_in_a_part_named_otherwise,
     "flows.xlsx: part xl/worksheets/sheet2.dat declares an XML DOCTYPE"),
    ("two zip entries of one name", duplicate_entry,
     "flows.xlsx holds the part xl/worksheets/sheet2.xml twice"),
    ("two zip entries whose names differ in case only", case_duplicate_entry,
     "flows.xlsx holds the part XL/Worksheets/Sheet2.xml twice (as xl/worksheets/sheet2.xml"),
    ("a part compressed with LZMA", lzma_part,
     ("flows.xlsx: part _rels/.rels is compressed with LZMA, which Excel neither writes nor "
      "reads")),
    ("a part flagged encrypted", encrypted_flag,
     "flows.xlsx: part docProps/app.xml is encrypted; expected an unprotected .xlsx/.xlsm file"),
    ("20 MiB of spaces at ~1000:1", high_ratio_part,
     # 20 MiB / ~20 KiB; the exact ratio depends on the zlib build
     re.compile(r"flows\.xlsx: part xl/sharedStrings\.xml inflates 1,0\d\d times \(\d+\.\d KiB to "
                r"20\.0 MiB\); expected at most 100 times \(refused as a possible zip bomb\)")),
    ("a part above the size limit", huge_part,
     "flows.xlsx: part xl/media/blob.bin inflates to 1.5 MiB; expected at most 1.0 MiB"),
    ("more parts than the limit", too_many_parts, "parts; expected at most 12"),
    ("damaged compressed data", corrupt_part_data,
     "flows.xlsx: part xl/worksheets/sheet2.xml is damaged (its data does not decompress)"),
    ("Flows!B7 a formula with no saved value", formula_without_value,
     ("Flows!B7 is a formula with no saved value; open and save the workbook in Excel, or "
      "replace it with its value")),
]


@pytest.mark.parametrize("maker, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_with_one_line_and_nothing_written(tmp_path, monkeypatch, capsys, maker, expected):
    standin = StandIn()  # the report layer must never be reached with a bad file, or fail cleanly

    from xlflows.report import xlsx as engine

    monkeypatch.setattr(engine, "plan_refresh", standin.plan_refresh)
    wants_monkeypatch = "monkeypatch" in inspect.signature(maker).parameters
    path = maker(tmp_path, monkeypatch) if wants_monkeypatch else maker(tmp_path)
    before = path.read_bytes()
    listing = sorted(p.name for p in path.parent.iterdir())
    status, out, err = run(["refresh", path], capsys)
    assert status == 2 and out == ""
    assert err.startswith("xlflows: ") and err.count("\n") == 1, err
    if isinstance(expected, re.Pattern):
        assert expected.search(err), err
    else:
        assert expected in err
    assert "Traceback" not in err and "Error" not in err.split(":", 1)[1][:20]
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == listing


@pytest.mark.parametrize("maker", [with_textbox, with_sparkline, with_picture,
                                   with_comment_on_button_sheet],
                         ids=["a text box", "a sparkline", "a picture",
                              "a comment on the button's sheet"])
def test_what_openpyxl_dropped_is_now_kept_byte_for_byte(tmp_path, monkeypatch, capsys, maker):
    """These were refused (openpyxl's round trip lost them); the engine now copies every part it
    does not own as stored, so the refresh goes ahead in place and keeps them."""
    from xlflows.report import xlsx as engine

    monkeypatch.setattr(engine, "plan_refresh", StandIn().plan_refresh)
    path = maker(tmp_path)
    before = parts(path)
    status, out, err = run(["refresh", path], capsys)
    assert (status, err) == (0, "") and out.startswith(f"Refreshed {path}")
    after = parts(path)
    owned = {"[Content_Types].xml", "xl/_rels/workbook.xml.rels", "xl/workbook.xml",
             "xl/styles.xml", "docProps/core.xml", "xl/worksheets/sheet1.xml"}
    for name in before:
        if name not in owned:
            assert after[name] == before[name], name


# ----------------------------------------------------------------------------- data problems
# These go through the real report layer (data.py reads the sheets).


def _data_case(tmp_path, edit):
    import openpyxl

    path = make_workbook(tmp_path / "flows.xlsx")
    wb = openpyxl.load_workbook(path)
    edit(wb)
    wb.save(path)
    return path


DATA_CASES = [
    ("no Policy rate sheet", lambda wb: wb.remove(wb["Policy rate"]), ["Policy rate"]),
    ("Flows header 'Week' instead of 'Week ending'",
     lambda wb: wb["Flows"].__setitem__("A1", "Week"), ["Week ending", "Flows"]),
    ("text 'n/a' in Flows!B4", lambda wb: wb["Flows"].__setitem__("B4", "n/a"),
     ["Flows!B4", "n/a"]),
    ("#N/A error in MMF assets!B2",
     lambda wb: wb["MMF assets"].__setitem__("B2", "#N/A"), ["MMF assets!B2", "#N/A"]),
]


@pytest.mark.parametrize("edit, expected", [c[1:] for c in DATA_CASES],
                         ids=[c[0] for c in DATA_CASES])
def test_data_problems_name_the_cell(tmp_path, capsys, edit, expected):
    pytest.importorskip("xlflows.report.compute")
    path = _data_case(tmp_path, edit)
    before = path.read_bytes()
    status, out, err = run(["refresh", path], capsys)
    assert status == 2 and out == "", err
    assert err.startswith("xlflows: ") and err.count("\n") == 1
    for text in expected:
        assert text in err
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flows.xlsx"]


def test_openpyxl_parses_through_defusedxml():
    """defusedxml is installed (a dependency): openpyxl refuses entity declarations itself too."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_a_file_open_elsewhere_cannot_be_replaced(tmp_path, monkeypatch, capsys):
    """Excel on Windows locks an open workbook: os.replace fails; the message says what to do."""

    standin = StandIn()
    from xlflows.report import xlsx as engine

    monkeypatch.setattr(engine, "plan_refresh", standin.plan_refresh)
    path = make_workbook(tmp_path / "flows.xlsx")
    before = path.read_bytes()

    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.os, "replace", locked)
    status, out, err = run(["refresh", path], capsys)
    assert status == 2 and out == ""
    assert err == (f"xlflows: cannot replace {path} (Permission denied); if it is open in Excel, "
                   "close it and try again\n")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flows.xlsx"]
