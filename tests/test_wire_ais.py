"""The AIS3 codec: LLSD written as the viewer writes it, read into plain data."""

from __future__ import annotations

import uuid

import llsd
import pytest

from conformance.wire import ais as wire
from conformance.wire.xml import WireError

ID = "3cd90d99-4fd6-4a2a-88a0-080bfa35d4a6"


def test_booleans_are_written_as_the_viewer_writes_them() -> None:
    body = wire.encode({"yes": True, "no": False})
    assert b"<boolean>1</boolean>" in body and b"<boolean>0</boolean>" in body
    assert b"true" not in body and b"false" not in body
    assert llsd.parse_xml(body) == {"yes": True, "no": False}


def test_uuid_strings_become_llsd_uuids() -> None:
    body = wire.encode(wire.request_value({"parent_id": ID, "name": "not a uuid",
                                           "list": [ID]}))
    assert body.count(b"<uuid>") == 2
    assert b"<string>not a uuid</string>" in body


def test_decode_gives_plain_data() -> None:
    body = llsd.format_xml({"id": uuid.UUID(ID), "n": 1, "m": {"x": [uuid.UUID(ID)]},
                            "u": llsd.uri("http://x/")})
    assert wire.decode(body) == {"id": ID, "n": 1, "m": {"x": [ID]}, "u": "http://x/"}


@pytest.mark.parametrize("body", [b"", b"   ", b"not xml", b"<llsd><map><key>a</key>"])
def test_decode_refuses_what_is_not_llsd(body: bytes) -> None:
    with pytest.raises(WireError):
        wire.decode(body)


def test_embedded_reads_maps_and_leniently_arrays() -> None:
    upper = ID.upper()
    assert set(wire.embedded({"_embedded": {"items": {upper: {}}}}, "items")) == {ID}
    as_array = {"_embedded": {"categories": [{"category_id": ID}]}}
    assert set(wire.embedded(as_array, "categories")) == {ID}
    assert wire.embedded({"_embedded": {}}, "links") == {}
    assert wire.embedded("not a map", "links") == {}


def test_ids_of_arrays_and_maps() -> None:
    assert wire.ids_of([ID, "junk"]) == {ID}
    assert wire.ids_of({ID.upper(): 3}) == {ID}
    assert wire.ids_of(None) == set()


def test_etag_lists() -> None:
    assert wire.etag_list('"a", W/"b"') == ['"a"', 'W/"b"']
    assert wire.etag_list(None) == []


@pytest.mark.parametrize("depth,valid", [("", True), ("0", True), ("50", True), ("*", True),
                                         ("-1", False), ("abc", False), ("**", False)])
def test_depth_pattern_is_the_wikis(depth: str, valid: bool) -> None:
    assert bool(wire.DEPTH_PATTERN.match(depth)) is valid


def test_special_names_are_those_of_the_wikis_patterns() -> None:
    assert set(wire.SPECIAL_CATEGORIES) == {
        "animatn", "bodypart", "clothing", "current", "favorite", "gesture", "inbox",
        "landmark", "lsltext", "lstndfnd", "my_otfts", "notecard", "object", "outbox", "root",
        "snapshot", "sound", "texture", "trash"}


def test_request_bodies_have_the_viewers_shapes() -> None:
    category = wire.category_body("n", ID)
    assert str(category["category_id"]) == wire.ZERO and category["type_default"] == -1
    link = wire.link_body(ID, "l")
    assert link["type"] == wire.LINK_TYPE and isinstance(link["linked_id"], uuid.UUID)
