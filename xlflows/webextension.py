"""The xlwings Lite add-in part of a workbook: its ``main.py`` and ``requirements.txt``.

Excel stores the code of an xlwings Lite workbook as settings of the add-in, in
``xl/webextensions/webextension1.xml``: one ``we:property`` per file (``main.py``,
``pyodideVersion``, ``addinVersion``, ``requirements.txt``), each value the file's text as a JSON
string literal, quotes included, with every ``/`` written ``\\/`` and non-ASCII left as it is, then
escaped for an XML attribute (``&quot; &amp; &lt; &gt;``; the apostrophe stays). The part is
reached from the package's ``_rels/.rels`` through ``xl/webextensions/taskpanes.xml``.

This module reads and writes those values (:func:`encode_value`, :func:`decode_value`,
:func:`read_properties`, :func:`set_properties`), lays the parts into a package that has none and
updates an existing one (:func:`add_lite`, through the file engine's OPC module), and updates a
workbook file (:func:`install_lite`): ``main.py`` keeps the analyst's code and gains xlflows'
block (:mod:`xlflows.litecode`: xlflows embedded, nothing to install), refusing a name clash;
``requirements.txt`` keeps every other line, loses a line naming xlflows and gains what the
embedded code needs (xlwings, pandas, numpy). Every other part of the package is copied byte for
byte; the file is replaced atomically.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from xlflows.errors import WorkbookError
from xlflows.litecode import block, clashes, split_main, syntax_problem, wheel_block
from xlflows.ooxml import Transaction, target_paths
from xlflows.ooxml.opc import Package, open_package
from xlflows.ooxml.xml import Edits, parse

#: The xlwings Lite add-in's id in Microsoft's store (AppSource), as Excel records it.
ADDIN_ID = "wa200008175"
#: Add-in and Pyodide versions recorded in a new part (what Lite 1.0.0.0-18 writes).
ADDIN_VERSION = "1.0.0.0-18"
PYODIDE_VERSION = "0.27.5"
#: The xlwings that xlflows is built and tested with (the classic workbook's VBA needs exactly
#: this one too); a new Lite workbook pins it, an analyst's other pin is kept with a note.
XLWINGS_VERSION = "0.37.8"
#: Property order in the part, as the add-in writes it.
PROPERTY_ORDER = ("main.py", "pyodideVersion", "addinVersion", "requirements.txt")
#: Lines the add-in itself needs in ``requirements.txt`` (``# required``), xlwings first.
REQUIRED_LINES = (f"xlwings=={XLWINGS_VERSION}  # required",
                  "python-dotenv==1.0.1  # required",
                  "pyodide-http  # required",
                  "black  # required")

WEBEXTENSION_PART = "xl/webextensions/webextension1.xml"
TASKPANES_PART = "xl/webextensions/taskpanes.xml"
CT_WEBEXTENSION = "application/vnd.ms-office.webextension+xml"
CT_TASKPANES = "application/vnd.ms-office.webextensiontaskpanes+xml"
REL_TASKPANES = "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes"
REL_WEBEXTENSION = "http://schemas.microsoft.com/office/2011/relationships/webextension"
NS_WE = "http://schemas.microsoft.com/office/webextensions/webextension/2010/11"
NS_WETP = "http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
#: A fixed id for the parts xlflows writes, so a build is deterministic (Excel does not need
#: it to be unique: two of the reference workbooks share theirs).
WEBEXTENSION_GUID = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "xlflows:lite")).upper() + "}"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'

_ENTITIES = {"&quot;": '"', "&amp;": "&", "&lt;": "<", "&gt;": ">", "&apos;": "'"}
_ENTITY = re.compile(r"&(?:quot|amp|lt|gt|apos|#[0-9]+|#x[0-9A-Fa-f]+);")
_REQ_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_DIRECT = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*@")


# --------------------------------------------------------------------------- one value


def encode_value(text: str) -> str:
    """A file's text as the add-in stores it in a ``value="…"`` attribute.

    Parameters
    ----------
    text : str
        e.g. ``'from xlflows.lite import *\\n'``.

    Returns
    -------
    str
        JSON string literal (``/`` as ``\\/``, non-ASCII raw) escaped for an XML attribute:
        ``&quot;from xlflows.lite import *\\n&quot;``.
    """
    literal = json.dumps(text, ensure_ascii=False).replace("/", "\\/")
    return (literal.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def decode_value(raw: str, name: str = "value") -> str:
    """The text behind a stored ``value`` attribute (the inverse of :func:`encode_value`).

    Raises
    ------
    WorkbookError
        The value is not a JSON string literal: an encoding xlflows does not know.
    """
    return _from_json(_ENTITY.sub(_unescape_entity, raw), name)


def _unescape_entity(match: re.Match) -> str:
    entity = match.group(0)
    if entity in _ENTITIES:
        return _ENTITIES[entity]
    code = entity[3:-1] if entity.startswith("&#x") else entity[2:-1]
    return chr(int(code, 16 if entity.startswith("&#x") else 10))


# --------------------------------------------------------------------------- the part


def _json_literal(text: str) -> str:
    """A file's text as the add-in's JSON string literal (``/`` written ``\\/``)."""
    return json.dumps(text, ensure_ascii=False).replace("/", "\\/")


def _from_json(value: str, name: str) -> str:
    """The text of a property's (parsed, entity-decoded) value."""
    try:
        text = json.loads(value)
    except ValueError:
        text = None
    if not isinstance(text, str):
        raise WorkbookError(f"{WEBEXTENSION_PART}: property '{name}' is not stored as a JSON "
                            f"string (it starts {value[:20]!r}); expected the xlwings Lite "
                            "encoding, so it was left alone and nothing was written")
    return text


def _properties(doc):
    """The ``we:properties`` element of a parsed part (None when it has none)."""
    return doc.root.find(NS_WE, "properties")


def read_properties(xml: bytes) -> dict[str, str]:
    """``{name: text}`` of every ``we:property`` in a ``webextension1.xml`` part, in order."""
    block = _properties(parse(xml, WEBEXTENSION_PART, "the workbook"))
    if block is None:
        return {}
    return {el.get("name") or "": _from_json(el.get("value") or "", el.get("name") or "")
            for el in block.findall(NS_WE, "property")}


def set_properties(xml: bytes, values: dict[str, str]) -> bytes:
    """Set property values in a ``webextension1.xml`` part, changing nothing else.

    Existing properties are rewritten in place; missing ones are added at the end of
    ``we:properties`` in the add-in's order. Every other byte of the part is kept.

    Parameters
    ----------
    xml : bytes
        The part.
    values : dict
        Property name -> the file's text.

    Returns
    -------
    bytes
    """
    doc = parse(xml, WEBEXTENSION_PART, "the workbook")
    block = _properties(doc)
    if block is None:
        raise WorkbookError(f"{WEBEXTENSION_PART} has no we:properties element; expected the "
                            "xlwings Lite add-in's settings, so nothing was written")
    pending = dict(values)
    edits = Edits(doc)
    for element in block.findall(NS_WE, "property"):
        name = element.get("name") or ""
        if name in pending:
            edits.set_attr(element, "value", _json_literal(pending.pop(name)))
    order = {name: i for i, name in enumerate(PROPERTY_ORDER)}
    added = b"".join(doc.element(block, NS_WE, "property",
                                 [("", "name", name), ("", "value", _json_literal(pending[name]))])
                     for name in sorted(pending, key=lambda n: order.get(n, len(order))))
    if added:
        edits.append(block, added)
    return edits.apply()


def new_webextension(values: dict[str, str]) -> bytes:
    """A ``webextension1.xml`` for the xlwings Lite add-in holding ``values`` (deterministic)."""
    body = (
        f'<we:webextension xmlns:we="{NS_WE}" id="{WEBEXTENSION_GUID}">'
        f'<we:reference id="{ADDIN_ID}" version="1.0.0.0" store="en-US" storeType="OMEX"/>'
        f'<we:alternateReferences><we:reference id="{ADDIN_ID}" version="1.0.0.0" '
        f'store="{ADDIN_ID.upper()}" storeType="OMEX"/></we:alternateReferences>'
        "<we:properties></we:properties><we:bindings/>"
        f'<we:snapshot xmlns:r="{NS_R}"/>'
        "<we:extLst>"
        f'<a:ext xmlns:a="{NS_A}" uri="{{D87F86FE-615C-45B5-9D79-34F1136793EB}}">'
        "<we:containsCustomFunctions/></a:ext>"
        f'<a:ext xmlns:a="{NS_A}" uri="{{7C84B067-C214-45C3-A712-C9D94CD141B2}}">'
        "<we:customFunctionIdList/></a:ext>"
        "</we:extLst></we:webextension>")
    return set_properties(XML_DECLARATION + body.encode("utf-8"), values)


def new_taskpanes(rel_id: str) -> bytes:
    """A ``taskpanes.xml`` with the add-in's task pane docked right, hidden until opened; its
    ``webextensionref`` is relationship ``rel_id``."""
    body = (f'<wetp:taskpanes xmlns:wetp="{NS_WETP}"><wetp:taskpane dockstate="right" '
            f'visibility="0" width="350" row="3"><wetp:webextensionref xmlns:r="{NS_R}" '
            f'r:id="{rel_id}"/></wetp:taskpane></wetp:taskpanes>')
    return XML_DECLARATION + body.encode("utf-8")


# --------------------------------------------------------------------------- the files


def merge_main(existing: str | None, code: str) -> str:
    """``main.py`` with xlflows' block ``code``.

    The analyst's code is kept as it is. An earlier xlflows block (or the old
    ``from xlflows.lite import *`` line) is replaced where it stands; otherwise the block goes
    last, after a blank line.

    Raises
    ------
    WorkbookError
        The analyst's code does not parse, or defines a name xlflows also puts into ``main``
        (the add-in would register one of the two silently).
    """
    before, old, after = split_main(existing or "")
    mine = before + after
    problem = syntax_problem(mine)
    if problem is not None:
        raise WorkbookError(f"main.py does not parse ({problem}); fix it in the add-in's editor, "
                            "then run `xlflows lite` again; nothing was written")
    clash = clashes(mine)
    if clash:
        raise WorkbookError(f"main.py defines {', '.join(clash)}, a name xlflows also puts into "
                            "main (the add-in would register only one of the two); rename or "
                            "remove yours, then run `xlflows lite` again; nothing was written")
    if old is not None:
        return before + code + after
    if not before.strip():
        return code
    separator = "" if before.endswith("\n") else "\n"
    return f"{before}{separator}\n{code}"


def merge_requirements(existing: str | None, requirement: str | None = None
                       ) -> tuple[str, list[str]]:
    """``requirements.txt`` for xlflows' code, and notes for the analyst.

    Every other line is kept where it is. A line naming xlflows is removed (the embedded code
    needs no package of that name, and none is published: whoever published one would run in
    the workbook), or replaced by ``requirement`` (an https URL of an xlflows wheel) when given.
    xlwings, pandas and numpy are added when missing (xlwings pinned to the version xlflows is
    tested with, as the add-in's ``# required`` line); an existing xlwings pin is kept, with a
    note when it is another version.
    """
    lines = existing.splitlines() if existing else list(REQUIRED_LINES)
    out: list[str] = []
    notes: list[str] = []
    placed = False
    names = set()
    for line in lines:
        name = requirement_name(line)
        names.add(name)
        if name == "xlflows":
            if requirement is not None and not placed:
                out.append(requirement)
                placed = True
            elif requirement is None:
                notes.append(f"removed the line '{line.strip()}' from requirements.txt: xlflows is "
                             "embedded in main.py, and no package of that name is published "
                             "(whoever published one would run in this workbook)")
            continue
        if name == "xlwings":
            pin = re.search(r"==\s*([0-9][^\s#;]*)", line)
            if pin is None or pin.group(1) != XLWINGS_VERSION:
                notes.append(f"requirements.txt has '{line.strip()}' (kept); xlflows is tested "
                             f"with xlwings {XLWINGS_VERSION}: if a function misbehaves, pin "
                             f"xlwings=={XLWINGS_VERSION} and use Restart in the add-in's menu")
        out.append(line)
    if "xlwings" not in names:
        out.insert(0, REQUIRED_LINES[0])
    out += [package for package in ("pandas", "numpy") if package not in names]
    if requirement is not None and not placed:
        out.append(requirement)
    return "\n".join(out) + "\n", notes


def requirement_name(line: str) -> str | None:
    """The normalised project name a requirements line installs, or None (blank, comment).

    ``xlwings==0.33.15  # required`` -> ``xlwings``; a URL or path of a wheel ->
    the name in its file name (``…/xlflows-0.1.0-py3-none-any.whl`` -> ``xlflows``).
    """
    text = "" if line.lstrip().startswith("#") else re.split(r"\s#", line, maxsplit=1)[0].strip()
    if not text or text.startswith("-"):
        return None
    direct = _DIRECT.match(text)
    if direct:
        return _normalise(direct.group(1))
    if "/" in text or text.endswith(".whl"):
        wheel = text.rsplit("/", 1)[-1].split("?", 1)[0].split("#", 1)[0]
        return _normalise(wheel.split("-", 1)[0]) if wheel.endswith(".whl") else None
    match = _REQ_NAME.match(text)
    return _normalise(match.group(1)) if match else None


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --------------------------------------------------------------------------- the package


@dataclass
class LiteResult:
    """What :func:`install_lite` did."""

    output: Path
    added: bool            # the add-in part was new
    main_changed: bool
    main_size: int         # characters of main.py
    requirements: str
    notes: list[str]


def web_extensions(package: Package) -> list[str]:
    """The package's web extension parts (by content type), sorted."""
    return sorted(name for name in package.part_names()
                  if package.content_type(name) == CT_WEBEXTENSION)


def add_lite(package: Package, requirement: str | None = None) -> list[str]:
    """Add or update the xlwings Lite add-in part of a package with xlflows' code; the notes.

    Parameters
    ----------
    package : Package
        The workbook's package (changed in memory).
    requirement : str, optional
        An https URL of an xlflows wheel the workbook installs instead of the embedded code.

    Raises
    ------
    WorkbookError
        A second web extension, another add-in's part, a value xlflows cannot decode, the
        analyst's code defining a name xlflows registers, or a requirement that is not an https
        URL of an xlflows wheel.
    """
    if requirement is not None:
        _check_requirement(requirement)
    code = wheel_block() if requirement is not None else block()
    found = web_extensions(package)
    if len(found) > 1:
        raise WorkbookError(f"the workbook has {len(found)} web extensions ({', '.join(found)}); "
                            "expected at most one, the xlwings Lite add-in; nothing was written")
    if found:
        name = found[0]
        xml = package.read(name)
        doc = parse(xml, name, package.label)
        ids = list(dict.fromkeys((el.get("id") or "").lower()
                                 for el in doc.root.iter(NS_WE, "reference")))
        if ADDIN_ID not in ids:
            raise WorkbookError(f"{name} belongs to another add-in ({', '.join(ids) or 'no id'}); "
                                "expected the xlwings Lite add-in, so nothing was written")
        props = read_properties(xml)
        requirements, notes = merge_requirements(props.get("requirements.txt"), requirement)
        values = {"main.py": merge_main(props.get("main.py"), code),
                  "requirements.txt": requirements}
        for key, default in (("pyodideVersion", PYODIDE_VERSION),
                             ("addinVersion", ADDIN_VERSION)):
            if key not in props:
                values[key] = default
        changed = {k: v for k, v in values.items() if props.get(k) != v}
        if changed:
            package.write(name, set_properties(xml, changed))
        return notes
    if any(package.content_type(n) == CT_TASKPANES for n in package.part_names()):
        raise WorkbookError(f"the workbook has {TASKPANES_PART} but no web extension part; "
                            "expected both or neither, so nothing was written")
    requirements, notes = merge_requirements(None, requirement)
    package.write(WEBEXTENSION_PART, new_webextension({
        "main.py": merge_main(None, code), "pyodideVersion": PYODIDE_VERSION,
        "addinVersion": ADDIN_VERSION, "requirements.txt": requirements}))
    rel_id = package.add_relationship(TASKPANES_PART, REL_WEBEXTENSION, WEBEXTENSION_PART)
    package.write(TASKPANES_PART, new_taskpanes(rel_id))
    package.set_content_type(TASKPANES_PART, CT_TASKPANES)
    package.set_content_type(WEBEXTENSION_PART, CT_WEBEXTENSION)
    package.add_relationship("", REL_TASKPANES, TASKPANES_PART)
    return notes


def _check_requirement(requirement: str) -> None:
    wheel = requirement.strip().rsplit("/", 1)[-1].split("?", 1)[0].split("#", 1)[0]
    if "\n" in requirement or "\r" in requirement or not requirement.strip().startswith(
            "https://") or not wheel.endswith(".whl") or requirement_name(requirement) != "xlflows":
        raise WorkbookError(f"--requirement '{requirement.strip()}' is not the https address of "
                            "an xlflows wheel; expected e.g. https://example.org/xlflows-0.1.0-"
                            "py3-none-any.whl (without --requirement, the workbook carries xlflows "
                            "itself)")


def install_lite(path: str | os.PathLike, *, output: str | os.PathLike | None = None,
                 requirement: str | None = None) -> LiteResult:
    """Add or update the xlwings Lite code of a workbook file, in place or into ``output``.

    Parameters
    ----------
    path : path-like
        An ``.xlsx``/``.xlsm`` workbook.
    output : path-like, optional
        Write here instead (same extension as ``path``).
    requirement : str, optional
        An https URL of an xlflows wheel to install instead of embedding the code.

    Raises
    ------
    WorkbookError
        The file cannot be read or written, its add-in part cannot be kept, or its code clashes;
        nothing is written then.
    """
    source, target = target_paths(path, output)
    with Transaction(source, target) as transaction:
        package = open_package(source)
        try:
            found = web_extensions(package)
            before = read_properties(package.read(found[0])) if found else {}
            notes = add_lite(package, requirement)
            after = read_properties(package.read(web_extensions(package)[0]))
            package.save(transaction, before_replace=package.zip.close)
        finally:
            package.zip.close()
    return LiteResult(target, not found, before.get("main.py") != after["main.py"],
                      len(after["main.py"]), after["requirements.txt"], notes)
