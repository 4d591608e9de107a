"""The asset codec reads what the wiki allows and refuses what it cannot read."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.wire.asset import (
    DOCUMENTED_ELEMENTS,
    asset_fields,
    build_array_of_boolean,
    build_array_of_string,
    build_asset,
    build_region_asset,
    flags_by_comma,
    flags_by_whitespace,
    format_flags,
    parse_array_of_boolean,
    parse_array_of_string,
    parse_asset,
    parse_boolean,
    parse_boolean_reply,
    parse_flags,
    parse_string_reply,
)
from conformance.wire.xml import WireError

ID = "f87f97ff-a493-4fb6-b263-1c8a0f1efc12"


@given(data=st.binary(max_size=512), name=st.text(max_size=64).filter(
    lambda t: all(c.isprintable() for c in t)), asset_type=st.integers(-128, 127),
    order=st.permutations(DOCUMENTED_ELEMENTS))
def test_a_built_asset_parses_back(data: bytes, name: str, asset_type: int,
                                   order: list[str]) -> None:
    document = parse_asset(build_asset(ID, data, name=name, asset_type=asset_type,
                                       local=True, flags="Maptile", order=order))
    assert (document.data, document.name, document.type, document.local) == (
        data, name, asset_type, True)
    assert document.id == document.full_id == ID
    assert document.flags == {"Maptile"}


def test_bom_namespaces_and_extra_elements_are_read() -> None:
    body = codecs.BOM_UTF8 + (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<AssetBase xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f'  <UploadAttempts>0</UploadAttempts><ID>{ID}</ID><Data>AQI=</Data>'
        '<Type>7</Type><Flags>Maptile Collectable</Flags></AssetBase>').encode()
    document = parse_asset(body)
    assert document.data == b"\x01\x02"
    assert document.flags == {"Maptile", "Collectable"}
    assert document.fields["UploadAttempts"] == "0"
    assert document.full_id is None


@pytest.mark.parametrize(("text", "flags"), [
    ("Normal", set()), ("", set()), (None, set()), ("  Maptile  ", {"Maptile"}),
    ("Maptile,Collectable", {"Maptile", "Collectable"}),
    (" Maptile , Rewritable ", {"Maptile", "Rewritable"}),
    ("Maptile\tCollectable", {"Maptile", "Collectable"}),
    ("Bogus", {"Bogus"}),
])
def test_flags_are_a_set_of_names_whatever_the_separator(text: str | None,
                                                         flags: set[str]) -> None:
    assert parse_flags(text) == flags


@pytest.mark.parametrize(("text", "by_comma", "by_whitespace"), [
    ("Normal", set(), set()),
    ("Maptile,Collectable", {"Maptile", "Collectable"}, {"Maptile,Collectable"}),
    (" Maptile , Rewritable ", {"Maptile", "Rewritable"}, {"Maptile", ",", "Rewritable"}),
    ("Maptile Collectable", {"Maptile Collectable"}, {"Maptile", "Collectable"}),
    ("\n  Maptile\t Collectable\n", {"Maptile\t Collectable"}, {"Maptile", "Collectable"}),
    ("  Maptile  ", {"Maptile"}, {"Maptile"}),
])
def test_flags_read_the_wikis_way_or_opensimulators_way(
        text: str, by_comma: set[str], by_whitespace: set[str]) -> None:
    """A separator the reader does not split on stays inside a name, so several flags
    written the other way read as one name that is no flag."""
    assert flags_by_comma(text) == by_comma
    assert flags_by_whitespace(text) == by_whitespace


def test_the_region_connectors_document_is_what_xmlserializer_writes() -> None:
    body = build_region_asset(ID, b"\x01", name="n", description="d", asset_type=7,
                              creator_id=ID, flags="Maptile Collectable")
    assert body.startswith(codecs.BOM_UTF8 + b"<?xml")
    assert b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' in body
    fields = asset_fields(body)
    assert list(fields) == ["Data", "FullID", "ID", "Name", "Description", "Type",
                            "UploadAttempts", "Local", "Temporary", "CreatorID", "Flags"]
    document = parse_asset(body)
    assert (document.local, document.temporary, document.full_id) == (False, False, ID)


def test_flags_format_in_enum_order() -> None:
    assert format_flags({"Collectable", "Maptile"}) == "Maptile,Collectable"
    assert format_flags(set(), " ") == "Normal"


@pytest.mark.parametrize(("text", "value"), [("true", True), (" false ", False), ("1", True),
                                             ("0", False), ("True", True)])
def test_booleans_are_read(text: str, value: bool) -> None:
    assert parse_boolean(text, "x") is value


def test_a_boolean_that_is_not_one_is_an_error() -> None:
    with pytest.raises(WireError, match="not a boolean"):
        parse_boolean("yes", "Local")


@pytest.mark.parametrize(("body", "message"), [
    (b"", "empty"), (b"<AssetBase>", "not well-formed"), (b"<Asset/>", "expected <AssetBase>"),
    (b"<AssetBase><Data>!!</Data><Type>0</Type></AssetBase>", "not valid base64"),
    (b"<AssetBase><Data/><Type>x</Type></AssetBase>", "not an integer"),
])
def test_unreadable_documents_say_why(body: bytes, message: str) -> None:
    with pytest.raises(WireError, match=message):
        parse_asset(body)


def test_replies_round_trip() -> None:
    assert parse_string_reply(codecs.BOM_UTF8 + b"<string> " + ID.encode() + b" </string>") == ID
    assert parse_boolean_reply(b"<boolean>false</boolean>") is False
    assert parse_array_of_string(build_array_of_string([ID, "x"])) == [ID, "x"]
    assert parse_array_of_boolean(build_array_of_boolean([True, False])) == [True, False]
    assert parse_array_of_boolean(b"<ArrayOfBoolean/>") == []
    with pytest.raises(WireError, match="expected <string>"):
        parse_string_reply(b"<boolean>true</boolean>")


def test_fields_keep_nested_elements_as_objects() -> None:
    fields = asset_fields(build_asset(ID, b"x"))
    assert fields["FullID"] == {"Guid": ID}
    assert fields["Data"] == "eA=="
