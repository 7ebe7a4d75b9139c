"""xlflows.ooxml.escape: XML text/attribute escaping and Excel's _xHHHH_ escape, both ways."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings, strategies as st

from xlflows.ooxml.escape import excel_decode, excel_encode, xml_attr, xml_text

#: XML 1.0 ``Char``: TAB, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF.
XML_CHAR = re.compile("[\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
#: Any code point, surrogates included (a Python str may hold them), mixed with the pieces
#: escapes are made of, so that near-escapes meet escaped characters often.
ANY_TEXT = st.lists(st.one_of(
    st.characters(codec=None, exclude_categories=()),
    st.sampled_from(["_", "_x", "x", "X", "0041", "005F", "005f", "004", "F", "a", "_x0041",
                     "_x0041_", "\x00", "\x01", "\x1f", "\t", "\n", "\r", "\ud800",
                     "\udfff", "\ufffe", "\uffff", "&", "<"]))).map("".join)
LEGAL_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)).filter(
    lambda c: XML_CHAR.fullmatch(c) is not None))


@pytest.mark.parametrize("text, encoded", [
    ("plain", "plain"),
    ("", ""),
    ("a\x01b", "a_x0001_b"),                       # C0 control: escaped
    ("\x00", "_x0000_"),
    ("\x1f\x0b\x0c", "_x001F__x000B__x000C_"),
    ("\t\n\r", "\t\n\r"),                          # legal in XML: kept
    ("\ufffe\uffff", "_xFFFE__xFFFF_"),            # not XML characters
    ("\ud800", "_xD800_"),                         # a lone surrogate
    ("\U0001F600", "\U0001F600"),                  # a real non-BMP character: kept
    ("_x0041_", "_x005F_x0041_"),                  # literal escape: its underscore escaped
    ("_x004a_", "_x005F_x004a_"),                  # lower-case hex too
    ("_x0041", "_x0041"),                          # no closing underscore: not an escape
    ("_x004_", "_x004_"),                          # three digits: not an escape
    ("_x0041\x01", "_x005F_x0041_x0001_"),         # the next escape would close it
    ("_x005F_", "_x005F_x005F_"),
    ("__x0041_", "__x005F_x0041_"),                # only the underscore before x
    ("x0041_", "x0041_"),
], ids=repr)
def test_excel_encode_known_values(text, encoded):
    assert excel_encode(text) == encoded
    assert excel_decode(encoded) == text


@pytest.mark.parametrize("stored, text", [
    ("_x0041_", "A"),
    ("_x004a_", "J"),                              # either case
    ("_x004A__x004a_", "JJ"),
    ("_x005F_x0041_", "_x0041_"),                  # left to right: the first escape wins
    ("_x000D_", "\r"),
    ("_x0041", "_x0041"),                          # incomplete: as is
    ("_x00G1_", "_x00G1_"),                        # not hex: as is
    ("_X0041_", "_X0041_"),                        # capital X is not the escape
    ("a_x0020_b", "a b"),
    ("_xD83D__xDE00_", "\ud83d\ude00"),            # code units are not paired
], ids=repr)
def test_excel_decode_known_values(stored, text):
    assert excel_decode(stored) == text


@pytest.mark.parametrize("text, content, attribute", [
    ("a&b", "a&amp;b", "a&amp;b"),
    ("<tag>", "&lt;tag&gt;", "&lt;tag&gt;"),
    ('say "hi"', 'say "hi"', "say &quot;hi&quot;"),
    ("it's", "it's", "it's"),
    ("a\tb\nc\rd", "a\tb\nc&#13;d", "a&#9;b&#10;c&#13;d"),
    ("]]>", "]]&gt;", "]]&gt;"),
    ("&amp;", "&amp;amp;", "&amp;amp;"),
], ids=repr)
def test_xml_escapes_known_values(text, content, attribute):
    assert xml_text(text) == content
    assert xml_attr(text) == attribute


@settings(max_examples=400)
@given(ANY_TEXT)
def test_excel_escape_round_trips_and_is_legal_xml(text):
    encoded = excel_encode(text)
    assert excel_decode(encoded) == text
    encoded.encode("utf-8")                       # no lone surrogate left
    assert XML_CHAR.fullmatch(encoded)


@settings(max_examples=400)
@given(LEGAL_TEXT)
def test_xml_escapes_round_trip_through_a_parser(text):
    document = f'<a v="{xml_attr(text)}">{xml_text(text)}</a>'.encode()
    element = ET.fromstring(document)
    assert element.get("v") == text
    assert (element.text or "") == text


@settings(max_examples=300)
@given(ANY_TEXT)
def test_any_text_survives_both_escapes_and_a_parser(text):
    """What the writer does (encode, then escape) and the reader undoes (parse, then decode)."""
    document = f'<a v="{xml_attr(excel_encode(text))}">{xml_text(excel_encode(text))}</a>'
    element = ET.fromstring(document.encode("utf-8"))
    assert excel_decode(element.get("v")) == text
    assert excel_decode(element.text or "") == text
