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
import zipfile
from dataclasses import dataclass
from pathlib import Path

from xlflows import __version__
from xlflows.errors import WorkbookError
from xlflows.ooxml.files import Transaction
from xlflows.ooxml.zippkg import ZipPackage, write_zip

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
TASKPANES_RELS = "xl/webextensions/_rels/taskpanes.xml.rels"
PACKAGE_RELS = "_rels/.rels"
CONTENT_TYPES = "[Content_Types].xml"
CT_WEBEXTENSION = "application/vnd.ms-office.webextension+xml"
CT_TASKPANES = "application/vnd.ms-office.webextensiontaskpanes+xml"
REL_TASKPANES = "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes"
REL_WEBEXTENSION = "http://schemas.microsoft.com/office/2011/relationships/webextension"
NS_WE = "http://schemas.microsoft.com/office/webextensions/webextension/2010/11"
NS_WETP = "http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
#: A fixed id for the parts xlflows writes, so a build is deterministic (Excel does not need
#: it to be unique: two of the reference workbooks share theirs).
WEBEXTENSION_GUID = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "xlflows:lite")).upper() + "}"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'

_PROPERTY = re.compile(rb'<we:property\s+name="([^"]*)"\s+value="([^"]*)"\s*/>')
_PROPERTIES_END = re.compile(rb"</we:properties>|<we:properties\s*/>")
_REFERENCE = re.compile(rb'<we:reference\b[^>]*\bid="([^"]*)"')
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


def read_properties(xml: bytes) -> dict[str, str]:
    """``{name: text}`` of every ``we:property`` in a ``webextension1.xml`` part, in order."""
    return {name.decode("utf-8"): decode_value(raw.decode("utf-8"), name.decode("utf-8"))
            for name, raw in _PROPERTY.findall(xml)}


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
    pending = dict(values)

    def replace(match: re.Match) -> bytes:
        name = match.group(1).decode("utf-8")
        if name not in pending:
            return match.group(0)
        raw = encode_value(pending.pop(name)).encode("utf-8")
        start, end = match.span(2)
        offset = match.start(0)
        whole = match.group(0)
        return whole[:start - offset] + raw + whole[end - offset:]

    xml = _PROPERTY.sub(replace, xml)
    if not pending:
        return xml
    order = {name: i for i, name in enumerate(PROPERTY_ORDER)}
    added = b"".join(_property(name, pending[name])
                     for name in sorted(pending, key=lambda n: order.get(n, len(order))))
    end = _PROPERTIES_END.search(xml)
    if end is None:
        raise WorkbookError(f"{WEBEXTENSION_PART} has no we:properties element; expected the "
                            "xlwings Lite add-in's settings, so nothing was written")
    if end.group(0).startswith(b"</"):
        return xml[:end.start()] + added + xml[end.start():]
    return xml[:end.start()] + b"<we:properties>" + added + b"</we:properties>" + xml[end.end():]


def _property(name: str, text: str) -> bytes:
    return f'<we:property name="{name}" value="{encode_value(text)}"/>'.encode("utf-8")


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


def new_taskpanes() -> bytes:
    """A ``taskpanes.xml`` with the add-in's task pane docked right, hidden until opened."""
    body = (f'<wetp:taskpanes xmlns:wetp="{NS_WETP}"><wetp:taskpane dockstate="right" '
            f'visibility="0" width="350" row="3"><wetp:webextensionref xmlns:r="{NS_R}" '
            'r:id="rId1"/></wetp:taskpane></wetp:taskpanes>')
    return XML_DECLARATION + body.encode("utf-8")


def new_taskpanes_rels() -> bytes:
    """``taskpanes.xml.rels``: the task pane's link to ``webextension1.xml``."""
    body = (f'<Relationships xmlns="{NS_RELS}"><Relationship Id="rId1" '
            f'Type="{REL_WEBEXTENSION}" Target="webextension1.xml"/></Relationships>')
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


def add_lite_parts(parts: dict[str, bytes], requirement: str | None = None
                   ) -> tuple[dict[str, bytes], bool]:
    """Return the package with the Lite add-in part added or updated, and whether it was new.

    Parameters
    ----------
    parts : dict
        Part name -> bytes (in the package's order; new parts are appended).
    requirement : str, optional
        The xlflows line of ``requirements.txt`` (default ``xlflows==<this version>``).

    Raises
    ------
    WorkbookError
        A second web extension, another add-in's part, or a value xlflows cannot decode.
    """
    requirement = requirement or default_requirement()
    _check_requirement(requirement)
    parts = dict(parts)
    found = sorted(n for n in parts if re.fullmatch(r"xl/webextensions/webextension\d+\.xml", n))
    if len(found) > 1:
        raise WorkbookError(f"the workbook has {len(found)} web extensions ({', '.join(found)}); "
                            "expected at most one, the xlwings Lite add-in; nothing was written")
    if found:
        name = found[0]
        xml = parts[name]
        ids = list(dict.fromkeys(i.decode("utf-8", "replace").lower()
                                 for i in _REFERENCE.findall(xml)))
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
            parts[name] = set_properties(xml, changed)
        return parts, False
    if TASKPANES_PART in parts:
        raise WorkbookError(f"the workbook has {TASKPANES_PART} but no web extension part; "
                            "expected both or neither, so nothing was written")
    parts[WEBEXTENSION_PART] = new_webextension({
        "main.py": merge_main(None), "pyodideVersion": PYODIDE_VERSION,
        "addinVersion": ADDIN_VERSION, "requirements.txt": merge_requirements(None, requirement)})
    parts[TASKPANES_PART] = new_taskpanes()
    parts[TASKPANES_RELS] = new_taskpanes_rels()
    parts[CONTENT_TYPES] = _with_overrides(parts[CONTENT_TYPES], {
        "/" + TASKPANES_PART: CT_TASKPANES, "/" + WEBEXTENSION_PART: CT_WEBEXTENSION})
    parts[PACKAGE_RELS] = _with_relationship(parts[PACKAGE_RELS], REL_TASKPANES, TASKPANES_PART)
    return parts, True


def _check_requirement(requirement: str) -> None:
    if "\n" in requirement or "\r" in requirement or requirement_name(requirement) != "xlflows":
        raise WorkbookError(f"--requirement '{requirement.strip()}' does not install xlflows; "
                            "expected e.g. xlflows==0.1.0 or the URL of an xlflows-….whl")


def _with_overrides(xml: bytes, overrides: dict[str, str]) -> bytes:
    text = xml.decode("utf-8")
    add = "".join(f'<Override PartName="{part}" ContentType="{ctype}"/>'
                  for part, ctype in overrides.items() if f'PartName="{part}"' not in text)
    if "</Types>" not in text:
        raise WorkbookError(f"{CONTENT_TYPES} is damaged (no </Types>); nothing was written")
    return text.replace("</Types>", add + "</Types>").encode("utf-8")


def _with_relationship(xml: bytes, rel_type: str, target: str) -> bytes:
    text = xml.decode("utf-8")
    if f'Target="{target}"' in text or f'Target="/{target}"' in text:
        return xml
    used = {int(n) for n in re.findall(r'Id="rId(\d+)"', text)}
    rel_id = f"rId{max(used, default=0) + 1}"
    if "</Relationships>" not in text:
        raise WorkbookError(f"{PACKAGE_RELS} is damaged (no </Relationships>); nothing was written")
    rel = f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"/>'
    return text.replace("</Relationships>", rel + "</Relationships>").encode("utf-8")


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
    source = Path(path)
    target = Path(output) if output is not None else source
    if source.suffix.lower() not in (".xlsx", ".xlsm"):
        raise WorkbookError(f"{source.name} has extension '{source.suffix}'; expected .xlsx or "
                            ".xlsm")
    if target.suffix.lower() != source.suffix.lower():
        raise WorkbookError(f"--output {target.name} has extension '{target.suffix}'; expected "
                            f"'{source.suffix}' like the input")
    infos, parts = _read_package(source)
    before = read_properties(parts[WEBEXTENSION_PART]) if WEBEXTENSION_PART in parts else {}
    new_parts, added = add_lite_parts(parts, requirement)
    after = read_properties(new_parts[WEBEXTENSION_PART])
    write_package(infos, new_parts, target, source)
    return LiteResult(target, added, before.get("main.py") != after["main.py"],
                      after["requirements.txt"])


def _read_package(path: Path) -> tuple[list[zipfile.ZipInfo], dict[str, bytes]]:
    with ZipPackage(path) as package:
        return package.infos, {name: package.read(name) for name in package.names}


def write_package(infos: list[zipfile.ZipInfo], parts: dict[str, bytes], target: Path,
                  source: Path | None = None) -> None:
    """Write ``parts`` as a zip, atomically, through the file engine's writer: the parts in their
    old order (new ones after), fixed entry times, a temporary file beside ``target`` (a symbolic
    link is followed), synced, then the replace."""
    known = [info.filename for info in infos if info.filename in parts]
    order = known + [name for name in parts if name not in set(known)]
    with Transaction(Path(source or target), Path(target)) as transaction:
        transaction.replace(lambda out: write_zip(((name, parts[name]) for name in order), out))
