"""LLSD as the capabilities carry it: every top-level map is read, what real servers
emit is tolerated, and requests are written as the viewer writes them."""

from __future__ import annotations

import uuid

import pytest

from conformance.wire import llsd
from conformance.wire.xml import WireError

OPENSIM_BAD_FOLDERS = (
    b"<llsd><map><key>folders</key><array /></map><map><key>bad_folders</key><array><map>"
    b"<key>folder_id</key><uuid>6e570000-0000-4000-8000-00000000beef</uuid><key>error</key>"
    b"<string>Unknown</string></map></array></map></llsd>"
)


def test_a_second_top_level_map_is_read_and_noted() -> None:
    document = llsd.parse(OPENSIM_BAD_FOLDERS, "text/html;charset=UTF-8")
    merged = document.merged_map()
    assert merged["folders"] == []
    assert merged["bad_folders"][0]["folder_id"] == uuid.UUID(
        "6e570000-0000-4000-8000-00000000beef")
    assert document.quirks and "2 top-level values" in document.quirks[0]


def test_self_closed_elements_are_zero_and_empty() -> None:
    value = llsd.parse(b"<llsd><map><key>i</key><integer /><key>u</key><uuid /><key>s</key>"
                       b"<string /></map></llsd>").value
    assert value == {"i": 0, "u": uuid.UUID(int=0), "s": ""}


def test_an_xml_declaration_and_a_bom_are_allowed() -> None:
    body = b'\xef\xbb\xbf<?xml version="1.0" ?><llsd><integer>3</integer></llsd>'
    assert llsd.parse(body).value == 3


@pytest.mark.parametrize("body", [b"", b"not xml", b"<html></html>", b"<llsd><map><key>a"])
def test_what_is_not_llsd_is_a_wire_error(body: bytes) -> None:
    with pytest.raises(WireError):
        llsd.parse(body)


def test_binary_and_notation_are_read_by_content_type_or_header() -> None:
    value = {"folders": [{"folder_id": uuid.UUID(int=5), "version": 2}]}
    assert llsd.parse(llsd.format_binary(value), llsd.BINARY_TYPE).value == value
    assert llsd.parse(llsd.format_binary(value)).value == value
    assert llsd.parse(llsd.format_notation(value), llsd.NOTATION_TYPE).value == value


def test_requests_write_booleans_as_the_viewer_does() -> None:
    body = llsd.format_xml({"fetch_items": True, "fetch_folders": False})
    assert b"<boolean>1</boolean>" in body and b"<boolean>0</boolean>" in body
    assert b"true" not in body
    text = llsd.format_xml_text_booleans({"fetch_items": True})
    assert b"<boolean>true</boolean>" in text


def test_to_json_gives_plain_data() -> None:
    value = {"u": uuid.UUID(int=1), "b": b"\x01", "n": [1, True, "s"]}
    assert llsd.to_json(value) == {"u": "00000000-0000-0000-0000-000000000001", "b": "AQ==",
                                   "n": [1, True, "s"]}


def test_readers_of_uuids_and_integers() -> None:
    assert llsd.as_uuid(" 6E570000-0000-4000-8000-00000000BEEF ") == (
        "6e570000-0000-4000-8000-00000000beef")
    assert llsd.as_uuid(5) is None
    assert llsd.as_int("24") == 24 and llsd.as_int(True) is None and llsd.as_int(7) == 7


def test_a_top_level_value_that_is_not_a_map_cannot_merge() -> None:
    with pytest.raises(WireError):
        llsd.parse(b"<llsd><array /></llsd>").merged_map()
