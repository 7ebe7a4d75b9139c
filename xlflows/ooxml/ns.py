"""Namespace URIs and relationship types of the parts the engine reads and writes.

OOXML comes in two conformance classes with different URIs for the same markup: Transitional
(what Excel, LibreOffice, openpyxl and XlsxWriter write) and Strict (ISO/IEC 29500 Strict, Excel's
"Strict Open XML Spreadsheet"). The engine finds elements by URI in either class
(:func:`canonical` maps a Strict URI to its Transitional twin) and writes in the class of the
package it edits (:func:`for_class`), so a Strict workbook stays Strict. The package layer (content
types, package relationships, core properties) is the same in both.
"""

from __future__ import annotations

TRANSITIONAL = "transitional"
STRICT = "strict"

# --------------------------------------------------------------------------- OPC (both classes)
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CORE_PROPERTIES = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DCTERMS = "http://purl.org/dc/terms/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML = "http://www.w3.org/XML/1998/namespace"
XMLNS = "http://www.w3.org/2000/xmlns/"
CORE_PROPERTIES_REL = ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
                       "core-properties")

# --------------------------------------------------------------------------- markup (Transitional)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
DRAWINGML = "http://schemas.openxmlformats.org/drawingml/2006/main"
CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
VTYPES = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"

#: Transitional -> Strict namespace URIs (ECMA-376 Part 1, Strict schemas).
_STRICT_NAMESPACES = {
    MAIN: "http://purl.oclc.org/ooxml/spreadsheetml/main",
    REL: "http://purl.oclc.org/ooxml/officeDocument/relationships",
    DRAWING: "http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing",
    DRAWINGML: "http://purl.oclc.org/ooxml/drawingml/main",
    CHART: "http://purl.oclc.org/ooxml/drawingml/chart",
    "http://schemas.openxmlformats.org/drawingml/2006/chartDrawing":
        "http://purl.oclc.org/ooxml/drawingml/chartDrawing",
    "http://schemas.openxmlformats.org/drawingml/2006/picture":
        "http://purl.oclc.org/ooxml/drawingml/picture",
    "http://schemas.openxmlformats.org/drawingml/2006/diagram":
        "http://purl.oclc.org/ooxml/drawingml/diagram",
    EXTENDED: "http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
    VTYPES: "http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes",
    "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties":
        "http://purl.oclc.org/ooxml/officeDocument/customProperties",
    "http://schemas.openxmlformats.org/officeDocument/2006/math":
        "http://purl.oclc.org/ooxml/officeDocument/math",
}
_TRANSITIONAL_NAMESPACES = {strict: transitional
                            for transitional, strict in _STRICT_NAMESPACES.items()}

# --------------------------------------------------------------------------- relationship types
_REL_TYPE_BASE = {TRANSITIONAL: REL + "/", STRICT: _STRICT_NAMESPACES[REL] + "/"}
#: Relationship types whose last word differs between the classes (Transitional -> Strict).
_STRICT_REL_WORDS = {"extended-properties": "extendedProperties",
                     "custom-properties": "customProperties"}
_TRANSITIONAL_REL_WORDS = {v: k for k, v in _STRICT_REL_WORDS.items()}

OFFICE_DOCUMENT = "officeDocument"
WORKSHEET = "worksheet"
CHARTSHEET = "chartsheet"
STYLES = "styles"
SHARED_STRINGS = "sharedStrings"
CALC_CHAIN = "calcChain"
DRAWING_REL = "drawing"
CHART_REL = "chart"

# --------------------------------------------------------------------------- content types
WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": ".xlsx",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": ".xlsm",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": ".xltx",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": ".xltm",
}
MAIN_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_CONTENT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
SHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
RELS_CONTENT = "application/vnd.openxmlformats-package.relationships+xml"


def canonical(uri: str) -> str:
    """The Transitional URI of a namespace (Strict URIs mapped, others unchanged)."""
    return _TRANSITIONAL_NAMESPACES.get(uri, uri)


def for_class(uri: str, conformance: str) -> str:
    """A Transitional namespace URI as the package of ``conformance`` writes it."""
    return _STRICT_NAMESPACES.get(uri, uri) if conformance == STRICT else uri


def is_strict(uri: str) -> bool:
    """Whether ``uri`` is one of the Strict markup namespaces."""
    return uri in _TRANSITIONAL_NAMESPACES


def rel_type(word: str, conformance: str) -> str:
    """The relationship type ``…/relationships/<word>`` of a conformance class."""
    if conformance == STRICT:
        word = _STRICT_REL_WORDS.get(word, word)
    return _REL_TYPE_BASE[conformance] + word


def rel_word(rel_type_uri: str) -> str | None:
    """``worksheet`` for a worksheet relationship type of either class; None for other types
    (package-level types such as core properties, and vendor types)."""
    for base in _REL_TYPE_BASE.values():
        if rel_type_uri.startswith(base):
            word = rel_type_uri[len(base):]
            return _TRANSITIONAL_REL_WORDS.get(word, word)
    return None


def strict_counterpart(text: str) -> str:
    """A namespace URI or relationship type of the Transitional class in its Strict form
    (unchanged when it has none)."""
    if text in _STRICT_NAMESPACES:
        return _STRICT_NAMESPACES[text]
    word = rel_word(text)
    if word is not None and text.startswith(_REL_TYPE_BASE[TRANSITIONAL]):
        return rel_type(word, STRICT)
    return text
