"""The xlwings Lite add-in part of a workbook: its ``main.py`` and ``requirements.txt``.

Excel stores the code of an xlwings Lite workbook as settings of the add-in, in
``xl/webextensions/webextension1.xml``: one ``we:property`` per file (``main.py``,
``pyodideVersion``, ``addinVersion``, ``requirements.txt``), each value the file's text as a JSON
string literal, quotes included, with every ``/`` written ``\\/`` and non-ASCII left as it is, then
escaped for an XML attribute (``&quot; &amp; &lt; &gt;``; the apostrophe stays). The part is
reached from the package's ``_rels/.rels`` through ``xl/webextensions/taskpanes.xml``.

This module reads and writes those values (:func:`encode_value`, :func:`decode_value`,
:func:`read_properties`, :func:`set_properties`), lays the parts into a package that has none
(:func:`add_lite_parts`) and updates a workbook file (:func:`install_lite`): ``main.py`` keeps the
analyst's code and gains ``from xlflows.lite import *`` when missing; ``requirements.txt`` keeps
every other line and gets the xlflows requirement and the xlwings line it needs. Every other part
of the package is copied byte for byte; the file is replaced atomically.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from xlflows import __version__
from xlflows.errors import WorkbookError
from xlflows.ooxml.files import Transaction
from xlflows.ooxml.opc import Package, open_package
from xlflows.ooxml.workbook import target_paths
from xlflows.ooxml.xml import Edits, parse

#: The xlwings Lite add-in's id in Microsoft's store (AppSource), as Excel records it.
ADDIN_ID = "wa200008175"
#: Add-in and Pyodide versions recorded in a new part (what Lite 1.0.0.0-18 writes).
ADDIN_VERSION = "1.0.0.0-18"
PYODIDE_VERSION = "0.27.5"
#: The xlwings that xlflows is built and tested with (the classic workbook's VBA needs exactly
#: this one too); a Lite workbook must load the same, since the xlflows wheel requires it.
XLWINGS_VERSION = "0.37.8"
#: The line ``main.py`` needs.
IMPORT_LINE = "from xlflows.lite import *"
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
    unescaped = _ENTITY.sub(_unescape_entity, raw)
    try:
        text = json.loads(unescaped)
    except ValueError:
        text = None
    if not isinstance(text, str):
        raise WorkbookError(f"{WEBEXTENSION_PART}: property '{name}' is not stored as a JSON "
                            f"string (it starts {unescaped[:20]!r}); expected the xlwings Lite "
                            "encoding, so it was left alone and nothing was written")
    return text


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


def merge_main(existing: str | None) -> str:
    """``main.py`` with ``from xlflows.lite import *`` appended unless it is already there.

    The analyst's code is kept as it is; the import goes last so that xlflows' names are the
    ones registered (the add-in registers what the module holds after it runs).
    """
    if not existing:
        return IMPORT_LINE + "\n"
    if any(line.strip() == IMPORT_LINE for line in existing.splitlines()):
        return existing
    separator = "" if existing.endswith("\n") else "\n"
    return f"{existing}{separator}\n{IMPORT_LINE}\n"


def default_requirement() -> str:
    """``xlflows==<this version>``."""
    return f"xlflows=={__version__}"


def merge_requirements(existing: str | None, requirement: str) -> str:
    """``requirements.txt`` with ``requirement`` for xlflows and the xlwings line it needs.

    Every other line is kept where it is. A line for xlflows (by name, or a wheel URL of an
    ``xlflows-…whl``) is replaced in place by ``requirement``; the xlwings line becomes
    ``xlwings==<XLWINGS_VERSION>``, keeping its comment; further lines for either are dropped. Missing lines are
    added: the add-in's ``# required`` lines first for a new file, xlflows last.
    """
    lines = existing.splitlines() if existing else list(REQUIRED_LINES)
    out: list[str] = []
    placed = xlwings_done = False
    for line in lines:
        name = requirement_name(line)
        if name == "xlflows":
            if not placed:
                out.append(requirement)
                placed = True
            continue
        if name == "xlwings":
            if not xlwings_done:
                comment = line[line.index("#"):] if "#" in line else "# required"
                out.append(f"xlwings=={XLWINGS_VERSION}  {comment}")
                xlwings_done = True
            continue
        out.append(line)
    if not xlwings_done:
        out.insert(0, REQUIRED_LINES[0])
    if not placed:
        out.append(requirement)
    return "\n".join(out) + "\n"


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
    requirements: str


def web_extensions(package: Package) -> list[str]:
    """The package's web extension parts (by content type), sorted."""
    return sorted(name for name in package.part_names()
                  if package.content_type(name) == CT_WEBEXTENSION)


def add_lite(package: Package, requirement: str | None = None) -> bool:
    """Add or update the xlwings Lite add-in part of a package; whether it was new.

    Parameters
    ----------
    package : Package
        The workbook's package (changed in memory).
    requirement : str, optional
        The xlflows line of ``requirements.txt`` (default ``xlflows==<this version>``).

    Raises
    ------
    WorkbookError
        A second web extension, another add-in's part, or a value xlflows cannot decode.
    """
    requirement = requirement or default_requirement()
    _check_requirement(requirement)
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
        values = {"main.py": merge_main(props.get("main.py")),
                  "requirements.txt": merge_requirements(props.get("requirements.txt"),
                                                         requirement)}
        for key, default in (("pyodideVersion", PYODIDE_VERSION),
                             ("addinVersion", ADDIN_VERSION)):
            if key not in props:
                values[key] = default
        changed = {k: v for k, v in values.items() if props.get(k) != v}
        if changed:
            package.write(name, set_properties(xml, changed))
        return False
    if any(package.content_type(n) == CT_TASKPANES for n in package.part_names()):
        raise WorkbookError(f"the workbook has {TASKPANES_PART} but no web extension part; "
                            "expected both or neither, so nothing was written")
    package.write(WEBEXTENSION_PART, new_webextension({
        "main.py": merge_main(None), "pyodideVersion": PYODIDE_VERSION,
        "addinVersion": ADDIN_VERSION, "requirements.txt": merge_requirements(None, requirement)}))
    rel_id = package.add_relationship(TASKPANES_PART, REL_WEBEXTENSION, WEBEXTENSION_PART)
    package.write(TASKPANES_PART, new_taskpanes(rel_id))
    package.set_content_type(TASKPANES_PART, CT_TASKPANES)
    package.set_content_type(WEBEXTENSION_PART, CT_WEBEXTENSION)
    package.add_relationship("", REL_TASKPANES, TASKPANES_PART)
    return True


def _check_requirement(requirement: str) -> None:
    if "\n" in requirement or "\r" in requirement or requirement_name(requirement) != "xlflows":
        raise WorkbookError(f"--requirement '{requirement.strip()}' does not install xlflows; "
                            "expected e.g. xlflows==0.1.0 or the URL of an xlflows-….whl")


def install_lite(path: str | os.PathLike, *, output: str | os.PathLike | None = None,
                 requirement: str | None = None) -> LiteResult:
    """Add or update the xlwings Lite part of a workbook file, in place or into ``output``.

    Parameters
    ----------
    path : path-like
        An ``.xlsx``/``.xlsm`` workbook.
    output : path-like, optional
        Write here instead (same extension as ``path``).
    requirement : str, optional
        The xlflows line of ``requirements.txt`` (default ``xlflows==<this version>``): a wheel
        URL while xlflows is not on PyPI.

    Returns
    -------
    LiteResult

    Raises
    ------
    WorkbookError
        The file cannot be read or written, or its add-in part cannot be kept; nothing is
        written then.
    """
    source, target = target_paths(path, output)
    with Transaction(source, target) as transaction:
        package = open_package(source)
        try:
            name = web_extensions(package)[:1]
            before = read_properties(package.read(name[0])) if name else {}
            added = add_lite(package, requirement)
            after = read_properties(package.read(web_extensions(package)[0]))
            package.save(transaction, before_replace=package.zip.close)
        finally:
            package.zip.close()
    return LiteResult(target, added, before.get("main.py") != after["main.py"],
                      after["requirements.txt"])
