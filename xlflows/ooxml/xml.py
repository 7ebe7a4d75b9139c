"""XML parts: parsed by expat into located elements, edited by byte splices.

Every XML part the engine reads or edits (workbook, relationships, content types, styles, the
sheets it writes) goes through :func:`parse`: expat with namespace processing, so elements and
attributes are found by namespace URI whatever prefix a writer chose (``x:`` as the Open XML SDK
writes, a default namespace, or ``xmlns:r`` declared on each ``<sheet>`` as openpyxl with lxml
does). A DOCTYPE or ENTITY declaration is refused before any entity could be expanded.

Each :class:`Element` knows its byte span in the part (expat's byte offsets), so an edit is a
splice of the original bytes (:class:`Edits`): every byte outside the spliced spans — comments,
whitespace, attribute order, prefixes, other writers' extensions — stays as it was. New markup is
written with the prefixes bound at the place it goes (:meth:`Document.qname`), and a namespace
that is not bound there is declared on the new element itself, so a written part never uses an
undeclared prefix.
"""

from __future__ import annotations

import codecs
import pyexpat
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from xlflows.errors import WorkbookError
from xlflows.ooxml import ns
from xlflows.ooxml.escape import xml_attr, xml_text

#: The rest of a start or end tag after its ``<``: up to the first ``>`` outside quotes.
_TAG_REST = re.compile(rb"""[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>""")
#: One attribute of a start tag, walked from the tag name onwards (so never inside a value).
_ATTRIBUTE = re.compile(rb"""\s+([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")
_NAME = re.compile(rb"<([^\s/>]+)")
_DECLARATION = re.compile(rb"^(\xef\xbb\xbf)?<\?xml[^>]*\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")


def tag_end(data: bytes, start: int) -> int:
    """The index just past the ``>`` of the tag whose ``<`` is at ``start``.

    Only for a tag the parser has read (it is well formed, so the pattern matches it)."""
    match = _TAG_REST.match(data, start + 1)
    assert match is not None, "a tag the parser read"
    return match.end()


def tag_name(data: bytes, start: int) -> bytes:
    """The name of the start tag whose ``<`` is at ``start``, as written (with its prefix).

    Only for a tag the parser has read, as :func:`tag_end`."""
    match = _NAME.match(data, start)
    assert match is not None, "a tag the parser read"
    return match.group(1)


def tag_attributes(data: bytes, start: int, end: int) -> Iterator[re.Match[bytes]]:
    """The attributes of the start tag at ``start`` (its ``<``) that ends at ``end``, in order:
    each a match of its name as written (group 1) and its quoted value (group 2)."""
    position = start + 1 + len(tag_name(data, start))
    while (attribute := _ATTRIBUTE.match(data, position, end)) is not None:
        yield attribute
        position = attribute.end()


def clark(uri: str, name: str) -> str:
    """``{uri}name`` (``name`` when ``uri`` is empty): how attributes are keyed."""
    return f"{{{uri}}}{name}" if uri else name


class Element:
    """One element of a parsed part.

    Attributes
    ----------
    uri, name : str
        Namespace URI (canonical: Strict URIs mapped to Transitional) and local name.
    written_uri : str
        The URI as written in the part (differs from ``uri`` in a Strict part).
    attrs : dict
        Attribute values keyed ``name`` or ``{uri}name`` (canonical URIs), entity-decoded.
    start, inner, close, end : int
        Byte offsets in :attr:`Document.data`: the ``<`` of the start tag, just after the start
        tag, the ``<`` of the end tag, just after the end tag (``inner == close == end`` for an
        empty-element tag ``<x/>``).
    scope : dict
        Namespace prefix (``""`` for the default) → URI in scope on this element, as written.
    """

    __slots__ = (
        "_text",
        "attrs",
        "children",
        "close",
        "empty",
        "end",
        "inner",
        "name",
        "parent",
        "scope",
        "start",
        "uri",
        "written_uri",
    )

    def __init__(self, uri: str, written_uri: str, name: str, attrs: dict[str, str],
                 start: int, inner: int, empty: bool, parent: Element | None,
                 scope: dict[str, str]):
        self.uri = uri
        self.written_uri = written_uri
        self.name = name
        self.attrs = attrs
        self.start = start
        self.inner = inner
        self.close = inner
        self.end = inner
        self.empty = empty
        self.parent = parent
        self.children: list[Element] = []
        self.scope = scope
        self._text: list[str] = []

    @property
    def text(self) -> str:
        """The character data directly inside this element (references and CDATA decoded)."""
        return "".join(self._text)

    def __repr__(self) -> str:
        return f"<Element {{{self.uri}}}{self.name} at {self.start}>"

    def is_(self, uri: str, name: str) -> bool:
        """Whether this is element ``name`` of namespace ``uri`` (either conformance class)."""
        return self.name == name and self.uri == uri

    def get(self, name: str, uri: str = "", default: str | None = None) -> str | None:
        """An attribute's value (``uri`` for a qualified attribute such as ``r:id``)."""
        return self.attrs.get(clark(uri, name), default)

    def find(self, uri: str, name: str) -> Element | None:
        """The first child ``name`` of namespace ``uri``, or None."""
        for child in self.children:
            if child.name == name and child.uri == uri:
                return child
        return None

    def findall(self, uri: str, name: str) -> list[Element]:
        """The children ``name`` of namespace ``uri``, in order."""
        return [c for c in self.children if c.name == name and c.uri == uri]

    def iter(self, uri: str | None = None, name: str | None = None) -> Iterator[Element]:
        """This element and its descendants in document order, optionally filtered."""
        stack = [self]
        while stack:
            element = stack.pop()
            if (uri is None or element.uri == uri) and (name is None or element.name == name):
                yield element
            stack.extend(reversed(element.children))


@dataclass
class Document:
    """A parsed XML part: its bytes (UTF-8), its root element and where it came from."""

    data: bytes
    root: Element
    part: str
    label: str
    #: whether the bytes were transcoded to UTF-8 from the part's own encoding
    transcoded: bool = False

    def qname(self, where: Element, uri: str, name: str, *, attribute: bool = False,
              prefer: str = "x") -> tuple[str, str]:
        """The qualified name to write for ``{uri}name`` inside ``where``, and the namespace
        declaration it needs (``""`` when the URI is already bound there).

        ``uri`` is canonical; it is written as the part itself writes that namespace (its Strict
        URI in a Strict part). Attributes never take the default namespace.
        """
        written = self.written(uri)
        if not attribute and where.scope.get("") == written:
            return name, ""
        for prefix, bound in where.scope.items():
            if prefix and bound == written:
                return f"{prefix}:{name}", ""
        taken = set(where.scope)
        prefix, number = prefer, 1
        while prefix in taken:
            number += 1
            prefix = f"{prefer}{number}"
        return f"{prefix}:{name}", f' xmlns:{prefix}="{xml_attr(written)}"'

    def written(self, uri: str) -> str:
        """A canonical namespace URI as this part writes it (Strict in a Strict part)."""
        return ns.for_class(uri, self.conformance)

    @property
    def conformance(self) -> str:
        """``strict`` when the root element is in a Strict namespace, else ``transitional``."""
        return ns.STRICT if ns.is_strict(self.root.written_uri) else ns.TRANSITIONAL

    def element(self, where: Element, uri: str, name: str,
                attrs: Sequence[tuple[str, str, str]] = (), content: bytes | None = None
                ) -> bytes:
        """The bytes of a new element placed inside ``where``.

        Parameters
        ----------
        attrs : sequence of (uri, name, value)
            ``uri`` empty for an unqualified attribute.
        content : bytes, optional
            Element content (already markup); None writes an empty-element tag.
        """
        qname, declarations = self.qname(where, uri, name)
        scope = dict(where.scope)
        if declarations:
            scope[qname.partition(":")[0]] = self.written(uri)
        parts = [f"<{qname}"]
        for attr_uri, attr_name, value in attrs:
            if attr_uri:
                probe = Element(uri, self.written(uri), name, {}, 0, 0, True, None, scope)
                attr_qname, declaration = self.qname(probe, attr_uri, attr_name, attribute=True,
                                                     prefer="r")
                if declaration:
                    declarations += declaration
                    scope[attr_qname.partition(":")[0]] = self.written(attr_uri)
            else:
                attr_qname = attr_name
            parts.append(f' {attr_qname}="{xml_attr(value)}"')
        head = (parts[0] + declarations + "".join(parts[1:])).encode("utf-8")
        if content is None:
            return head + b"/>"
        return head + b">" + content + f"</{qname}>".encode()


def parse(data: bytes, part: str, label: str) -> Document:
    """Parse an XML part into located elements.

    Parameters
    ----------
    data : bytes
        The part as stored (any encoding XML allows; other than UTF-8 it is transcoded first,
        so offsets always refer to UTF-8 bytes).
    part, label : str
        The part name and the file name, for messages.

    Raises
    ------
    WorkbookError
        Not well-formed XML, or a DOCTYPE/ENTITY declaration (refused before expansion).
    """
    data, transcoded = transcode(data, part, label)
    builder = _Builder(data)
    parse_utf8(data, builder.attach, part, label)
    if builder.root is None:
        raise WorkbookError(f"{label}: part {part} has no XML element; the file is damaged")
    return Document(data, builder.root, part, label, transcoded)


def refuse_declaration(kind: str, part: str, label: str) -> WorkbookError:
    """The refusal of a DOCTYPE or ENTITY declaration in a part."""
    return WorkbookError(f"{label}: part {part} declares an XML {kind}; spreadsheet parts never "
                         "do (refused as a possible entity bomb)")


def _refuse_declarations(parser: pyexpat.XMLParserType, part: str, label: str) -> None:
    """Make ``parser`` raise :func:`refuse_declaration` at a DOCTYPE or an ENTITY declaration."""

    def doctype(*_args) -> None:
        raise refuse_declaration("DOCTYPE", part, label)

    def entity(*_args) -> None:
        raise refuse_declaration("ENTITY", part, label)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity


def safe_parser(part: str, label: str, encoding: str | None = "utf-8") -> pyexpat.XMLParserType:
    """A namespace-aware expat parser (names ``"uri local"``) that expands no parameter entity
    and raises :func:`refuse_declaration` at a DOCTYPE or an ENTITY declaration: the one way the
    engine makes a parser. ``encoding`` None lets the part's own declaration choose."""
    parser = pyexpat.ParserCreate(encoding, " ")
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    _refuse_declarations(parser, part, label)
    return parser


def parse_utf8(data: bytes, attach: Callable[[pyexpat.XMLParserType], None], part: str,
               label: str, sheet: str | None = None) -> None:
    """Run a whole UTF-8 part (see :func:`transcode`) through a :func:`safe_parser` whose
    handlers ``attach`` sets.

    Raises
    ------
    WorkbookError
        ``{label}: part {part} [(sheet '{sheet}')] is not readable XML (line …, column …:
        expat's reason); the file is damaged``, a declaration refused, or whatever a handler
        raises.
    """
    parser = safe_parser(part, label)
    attach(parser)
    try:
        parser.Parse(data, True)
    except pyexpat.ExpatError as exc:
        where = f"{label}: part {part}" + ("" if sheet is None else f" (sheet '{sheet}')")
        raise WorkbookError(f"{where} is not readable XML (line {exc.lineno}, column "
                            f"{exc.offset + 1}: {pyexpat.errors.messages[exc.code]}); the file "
                            "is damaged") from None


def transcode(data: bytes, part: str, label: str) -> tuple[bytes, bool]:
    """The part in UTF-8 (a UTF-16/other declared encoding is transcoded, its declaration
    rewritten), and whether it was transcoded."""
    encoding = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data.startswith((b"<\x00?\x00", b"<\x00<\x00")):
        encoding = "utf-16-le"
    elif data.startswith((b"\x00<\x00?", b"\x00<\x00<")):
        encoding = "utf-16-be"
    else:
        declaration = _DECLARATION.match(data)
        if declaration is not None:
            declared = _ENCODING.search(declaration.group(0))
            if declared is not None and declared.group(1).lower() not in (
                    b"utf-8", b"utf8", b"us-ascii", b"ascii"):
                encoding = declared.group(1).decode("ascii")
    if encoding is None:
        return data, False
    try:
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        raise WorkbookError(f"{label}: part {part} is not readable text in its declared "
                            f"encoding ({encoding}); the file is damaged") from None
    text = text.lstrip("\ufeff")
    body = text.encode("utf-8")
    declaration = _DECLARATION.match(body)
    if declaration is not None:
        fixed = _ENCODING.sub(b'encoding="UTF-8"', declaration.group(0), count=1)
        body = fixed + body[declaration.end():]
    return body, True


class _Builder:
    """expat handlers that build the located element tree."""

    def __init__(self, data: bytes):
        self.data = data
        self.root: Element | None = None
        self.stack: list[Element] = []
        self.pending: dict[str, str] | None = None

    def attach(self, parser) -> None:
        self.parser = parser
        parser.ordered_attributes = True
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.CharacterDataHandler = self.characters
        parser.EndElementHandler = self.end
        parser.StartNamespaceDeclHandler = self.namespace

    def namespace(self, prefix: str | None, uri: str | None) -> None:
        if self.pending is None:
            self.pending = dict(self.stack[-1].scope) if self.stack else {}
        self.pending[prefix or ""] = uri or ""

    def characters(self, text: str) -> None:
        if self.stack:
            self.stack[-1]._text.append(text)

    def start(self, name: str, attributes: list[str]) -> None:
        offset = self.parser.CurrentByteIndex
        inner = tag_end(self.data, offset)
        empty = self.data[inner - 2:inner - 1] == b"/"
        written_uri, _, local = name.rpartition(" ")
        attrs = {}
        for i in range(0, len(attributes), 2):
            attr_uri, _, attr_name = attributes[i].rpartition(" ")
            attrs[clark(ns.canonical(attr_uri), attr_name)] = attributes[i + 1]
        parent = self.stack[-1] if self.stack else None
        scope = self.pending if self.pending is not None else (parent.scope if parent else {})
        self.pending = None
        element = Element(ns.canonical(written_uri), written_uri, local, attrs, offset, inner,
                          empty, parent, scope)
        if parent is None:
            self.root = element
        else:
            parent.children.append(element)
        self.stack.append(element)

    def end(self, name: str) -> None:
        element = self.stack.pop()
        if not element.empty:
            element.close = self.parser.CurrentByteIndex
            element.end = tag_end(self.data, element.close)


# --------------------------------------------------------------------------- editing
@dataclass
class Edits:
    """Byte splices on one document, applied together (non-overlapping, in any order)."""

    doc: Document
    splices: list[tuple[int, int, bytes]] = field(default_factory=list)

    def replace(self, start: int, end: int, data: bytes) -> None:
        """Replace bytes ``[start, end)``."""
        self.splices.append((start, end, data))

    def insert(self, offset: int, data: bytes) -> None:
        """Insert bytes at ``offset``."""
        self.splices.append((offset, offset, data))

    def remove(self, element: Element) -> None:
        """Remove an element (its whole span)."""
        self.splices.append((element.start, element.end, b""))

    def append(self, parent: Element, content: bytes) -> None:
        """Append markup as the last content of ``parent`` (an empty-element tag is opened)."""
        if not parent.empty:
            self.insert(parent.close, content)
            return
        self._open_empty(parent, content)

    def _open_empty(self, element: Element, content: bytes) -> None:
        """``<x a="1"/>`` → ``<x a="1">content</x>``."""
        qname = tag_name(self.doc.data, element.start)
        at = element.inner - 2
        while self.doc.data[at - 1:at] in (b" ", b"\t", b"\r", b"\n"):
            at -= 1
        self.replace(at, element.inner, b">" + content + b"</" + qname + b">")

    def set_text(self, element: Element, text: str) -> None:
        """Replace the content of an element that holds only text."""
        encoded = xml_text(text).encode("utf-8")
        if element.empty:
            self._open_empty(element, encoded)
        else:
            self.replace(element.inner, element.close, encoded)

    def set_attr(self, element: Element, name: str, value: str, uri: str = "") -> None:
        """Set an attribute of ``element`` (replaced in place, or added at the tag's end)."""
        encoded = xml_attr(value).encode("utf-8")
        span = attribute_span(self.doc, element, name, uri)
        if span is not None:
            self.replace(span[0], span[1], b'"' + encoded + b'"')
            return
        qname = name
        declaration = ""
        if uri:
            qname, declaration = self.doc.qname(element, uri, name, attribute=True, prefer="r")
        at = element.inner - (2 if element.empty else 1)
        while self.doc.data[at - 1:at] in (b" ", b"\t", b"\r", b"\n"):
            at -= 1
        self.insert(at, f'{declaration} {qname}="'.encode() + encoded + b'"')

    def remove_attr(self, element: Element, name: str, uri: str = "") -> None:
        """Remove an attribute of ``element`` (with the space before it), if present."""
        span = attribute_span(self.doc, element, name, uri, whole=True)
        if span is not None:
            self.replace(span[0], span[1], b"")

    def apply(self) -> bytes:
        """The edited bytes."""
        data = self.doc.data
        out, position = [], 0
        for start, end, piece in sorted(self.splices, key=lambda s: (s[0], s[1])):
            if start < position:
                raise AssertionError(f"overlapping edits in {self.doc.part}")
            out.append(data[position:start])
            out.append(piece)
            position = end
        out.append(data[position:])
        return b"".join(out)


def attribute_span(doc: Document, element: Element, name: str, uri: str = "", *,
                   whole: bool = False) -> tuple[int, int] | None:
    """The byte span of an attribute's quoted value in ``element``'s start tag (``whole``:
    from the space before its name), or None."""
    for m in tag_attributes(doc.data, element.start, element.inner):
        qname = m.group(1).decode("utf-8")
        prefix, _, local = qname.rpartition(":")
        if local == name and prefix != "xmlns" and qname != "xmlns":
            bound = element.scope.get(prefix) if prefix else ""
            if (ns.canonical(bound) if bound else "") == uri:
                return (m.start() if whole else m.start(2)), m.end(2)
    return None


def copy_element(src: Document, element: Element, dst: Document, parent: Element,
                 attrs: dict[str, str | None] | None = None) -> bytes:
    """``element`` of ``src`` written for a place inside ``parent`` of ``dst``.

    Element and attribute names take the prefixes bound there (namespaces not bound are declared
    on the copied element), in ``dst``'s conformance class; text, comments and whitespace between
    the tags are kept as they are. ``attrs`` changes attributes of the copied element itself
    (keyed like :attr:`Element.attrs`; None removes one).

    Parameters
    ----------
    src, dst : Document
        May be the same document (a modified copy of an element).
    """
    scope = dict(parent.scope)
    declared: list[tuple[str, str]] = []

    def qname(uri: str, name: str, attribute: bool) -> str:
        if uri == ns.XML:
            return f"xml:{name}"
        if not uri:
            return name
        written = dst.written(uri)
        if not attribute and scope.get("") == written:
            return name
        for prefix, bound in scope.items():
            if prefix and bound == written:
                return f"{prefix}:{name}"
        base = "r" if uri == ns.REL else "x"
        prefix, number = base, 1
        while prefix in scope:
            number += 1
            prefix = f"{base}{number}"
        scope[prefix] = written
        declared.append((prefix, written))
        return f"{prefix}:{name}"

    pieces: list[bytes] = []
    position = element.start
    top_tag = -1

    def emit(el: Element, changes: dict[str, str | None] | None) -> None:
        nonlocal position, top_tag
        pieces.append(src.data[position:el.start])
        name = qname(el.uri, el.name, False)
        values = dict(el.attrs)
        for key, value in (changes or {}).items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        tag = [f"<{name}"]
        for key, value in values.items():
            uri, _, local = key[1:].partition("}") if key.startswith("{") else ("", "", key)
            tag.append(f' {qname(uri, local, True)}="{xml_attr(value)}"')
        if top_tag < 0:
            top_tag = len(pieces)
        if el.empty:
            pieces.append(("".join(tag) + "/>").encode("utf-8"))
            position = el.end
            return
        pieces.append(("".join(tag) + ">").encode("utf-8"))
        position = el.inner
        for child in el.children:
            emit(child, None)
        pieces.append(src.data[position:el.close])
        pieces.append(f"</{name}>".encode())
        position = el.end

    emit(element, attrs)
    if declared:
        head = pieces[top_tag]
        at = head.index(b" ") if b" " in head else len(head) - (2 if head.endswith(b"/>") else 1)
        extra = "".join(f' xmlns:{p}="{xml_attr(u)}"' for p, u in declared).encode("utf-8")
        pieces[top_tag] = head[:at] + extra + head[at:]
    return b"".join(pieces[1:]) if pieces and pieces[0] == b"" else b"".join(pieces)


def rewrite_uris(doc: Document, mapping: Callable[[str], str], attributes: tuple[str, ...] = ()
                 ) -> bytes:
    """The part with every namespace declaration's URI, and the values of the unprefixed
    ``attributes`` named (e.g. a relationship's ``Type``), passed through ``mapping``."""
    edits = Edits(doc)
    wanted = {a.encode() for a in attributes}
    for element in doc.root.iter():
        for m in tag_attributes(doc.data, element.start, element.inner):
            name = m.group(1)
            if not (name == b"xmlns" or name.startswith(b"xmlns:") or name in wanted):
                continue
            raw = m.group(2)[1:-1]
            if b"&" in raw:
                continue
            value = raw.decode("utf-8")
            new = mapping(value)
            if new != value:
                edits.replace(m.start(2), m.end(2), b'"' + xml_attr(new).encode("utf-8") + b'"')
    return edits.apply()


XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def canonical_xml(data: bytes) -> bytes:
    """A part in canonical form (C14N 2.0, with the usual XML declaration): the same bytes for
    the same document whoever serialised it (openpyxl writes different bytes with and without
    lxml installed: where namespaces are declared, how empty elements are closed)."""
    from xml.etree.ElementTree import canonicalize

    return XML_DECLARATION + canonicalize(data.decode("utf-8")).encode("utf-8")
