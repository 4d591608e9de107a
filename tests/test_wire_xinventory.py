"""The XInventory codec: form bodies as OpenSimulator writes and reads them, and
<ServerResponse> documents read as tolerantly as real servers vary."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.wire.xinventory import (
    ITEM_FIELDS,
    XML_DECLARATION,
    ZERO_UUID,
    Folder,
    Item,
    decode_folder,
    decode_item,
    encode_form,
    encode_pairs,
    encode_response,
    encode_result,
    is_null_slot,
    ordered_values,
    parse_form,
    parse_response,
    parse_result,
    parse_result_or_empty,
    untyped_lists,
)
from conformance.wire.xml import WireError

ID = "f87f97ff-a493-4fb6-b263-1c8a0f1efc12"
OWNER = "efc1b932-20e3-4298-8824-0f891fe3dc59"

# ---------------------------------------------------------------------- forms


def test_form_encodes_spaces_as_plus_and_escapes_specials() -> None:
    assert encode_form({"Name": "a b+c=d&e%"}) == b"Name=a+b%2Bc%3Dd%26e%25"


def test_form_writes_lists_with_brackets_and_booleans_as_csharp() -> None:
    body = encode_form({"METHOD": "DELETEITEMS", "ITEMS": ["x", "y"], "GroupOwned": True})
    assert body == b"METHOD=DELETEITEMS&ITEMS[]=x&ITEMS[]=y&GroupOwned=True"


def test_pairs_keep_order_and_repeats() -> None:
    assert encode_pairs([("A", "1"), ("A", "2"), ("B[]", "é")]) == b"A=1&A=2&B[]=%C3%A9"


def test_parse_collects_lists_and_decodes_plus() -> None:
    params = parse_form(b"  METHOD=MOVEITEMS&IDLIST[]=a&IDLIST[]=b&Name=a+b%2Bc\r\n")
    assert params == {"METHOD": "MOVEITEMS", "IDLIST": ["a", "b"], "Name": "a b+c"}


def test_parse_first_plain_value_wins_and_values_are_cut_at_equals() -> None:
    assert parse_form(b"A=1&A=2&B=x=y&C") == {"A": "1", "B": "x", "C": ""}


def test_parse_ignores_a_list_after_a_plain_key_of_that_name() -> None:
    assert parse_form(b"A=1&A[]=2") == {"A": "1"}


def test_parse_never_raises_on_garbage() -> None:
    assert parse_form(b"\xff\xfe%zz=%&&") == {"\ufffd\ufffd%zz": "%", "": ""}


@given(st.dictionaries(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}", fullmatch=True),
                       st.one_of(st.text(), st.lists(st.text(), min_size=1, max_size=3)),
                       min_size=1, max_size=6))
def test_any_form_round_trips(params: dict[str, str | list[str]]) -> None:
    assert parse_form(encode_form(params)) == params


# ---------------------------------------------------------------------- replies

DATA_REPLY = (b'<?xml version="1.0"?><ServerResponse><FOLDERS type="List"><folder_0 type="List">'
              b"<ParentID>" + ZERO_UUID.encode() + b"</ParentID><Type>8</Type><Version>1</Version>"
              b"<Name>My Inventory</Name><Owner>" + OWNER.encode() + b"</Owner><ID>"
              + ID.encode() + b"</ID></folder_0></FOLDERS><ITEMS type=\"List\" /></ServerResponse>")


def test_nested_lists_become_dictionaries() -> None:
    data = parse_response(DATA_REPLY)
    assert data["ITEMS"] == {}
    folder = decode_folder(data["FOLDERS"]["folder_0"])
    assert folder == Folder(id=ID, parent_id=ZERO_UUID, owner=OWNER, name="My Inventory",
                            type=8, version=1)


def test_the_wiki_sample_reads() -> None:
    body = f"""<?xml version="1.0"?>
<ServerResponse>
  <folder type="List">
    <ParentID>00000000-0000-0000-0000-000000000000</ParentID>
    <Type>9</Type>
    <Version>1</Version>
    <Name>My Inventory</Name>
    <Owner>{OWNER}</Owner>
    <ID>035f457b-a0f6-4580-a10c-e4f908e176ac</ID>
  </folder>
</ServerResponse>""".encode()
    folder = decode_folder(parse_response(body)["folder"])
    assert (folder.type, folder.owner, folder.name) == (9, OWNER, "My Inventory")
    assert untyped_lists(body) == []


def test_empty_response_and_results() -> None:
    assert parse_response(b'<?xml version="1.0"?><ServerResponse />') == {}
    assert parse_result_or_empty(b"<ServerResponse/>") is None
    for text, value in [("True", True), ("true", True), ("TRUE", True), (" False ", False)]:
        assert parse_result(f"<ServerResponse><RESULT>{text}</RESULT></ServerResponse>"
                            .encode()) is value


def test_bom_declaration_with_encoding_comments_and_order_are_fine() -> None:
    body = (codecs.BOM_UTF8 + b'<?xml version="1.0" encoding="utf-8"?>\n<ServerResponse>'
            b"<!-- c --><item type=\"List\"><Extra>1</Extra>" + b"".join(
                f"<{name}>{value}</{name}>".encode() for name, value in
                reversed(list(Item(id=ID, folder=ID, owner=OWNER, name="n").fields().items())))
            + b"</item></ServerResponse>")
    item = decode_item(parse_response(body)["item"])
    assert item.id == ID and item.extra == {"Extra": "1"}


@pytest.mark.parametrize("body", [b"", b"<ServerResponse>", b"<Other/>",
                                  b"<ServerResponse><RESULT>maybe</RESULT></ServerResponse>",
                                  b"<ServerResponse><folder/></ServerResponse>"])
def test_unreadable_results_raise(body: bytes) -> None:
    with pytest.raises(WireError):
        parse_result(body)


def test_records_name_what_is_wrong() -> None:
    fields = Folder(id=ID, parent_id=ZERO_UUID, owner=OWNER, name="x").fields()
    with pytest.raises(WireError, match="Version"):
        decode_folder({k: v for k, v in fields.items() if k != "Version"})
    with pytest.raises(WireError, match="not a UUID"):
        decode_folder({**fields, "Owner": "nobody"})
    with pytest.raises(WireError, match="text"):
        decode_folder("NULL")
    item = Item(id=ID, folder=ID, owner=OWNER, name="x").fields()
    with pytest.raises(WireError, match="GroupOwned"):
        decode_item({**item, "GroupOwned": "yes"})


def test_item_records_have_the_21_fields_and_round_trip() -> None:
    item = Item(id=ID, folder=ID, owner=OWNER, name="<&>", creator_id=OWNER.upper(),
                group_owned=True, base_permissions=2**32 - 1)
    assert tuple(item.fields()) == ITEM_FIELDS and len(ITEM_FIELDS) == 21
    read = decode_item(parse_response(encode_response({"item": item.fields()}))["item"])
    assert read == Item(**{**item.__dict__, "creator_id": OWNER})


def test_ordered_values_sort_by_number_whatever_the_prefix() -> None:
    assert ordered_values({"ite_10": "c", "ite_2": "b", "ite_0": "a"}, "x") == ["a", "b", "c"]
    assert ordered_values({"F_b": 1, "F_a": 2}, "x") == [1, 2]
    assert ordered_values("", "x") == []
    with pytest.raises(WireError):
        ordered_values("text", "x")
    assert is_null_slot(" NULL ") and not is_null_slot({})


# ---------------------------------------------------------------------- writing


def test_data_replies_are_one_line_after_the_opensim_declaration() -> None:
    body = encode_response({"FOLDERS": {}, "folder": {"Name": "a<b"}, "skip": None})
    assert body == (XML_DECLARATION + b'<ServerResponse><FOLDERS type="List"/>'
                    b'<folder type="List"><Name>a&lt;b</Name></folder></ServerResponse>')
    assert encode_response({}) == XML_DECLARATION + b"<ServerResponse/>"


def test_result_replies_are_indented() -> None:
    assert encode_result(False) == (XML_DECLARATION
                                    + b"\n<ServerResponse>\n  <RESULT>False</RESULT>\n"
                                    b"</ServerResponse>")


def test_the_encoder_drops_characters_xml_cannot_carry() -> None:
    assert parse_response(encode_response({"Name": "a\x00b\x1fc"})) == {"Name": "abc"}


def test_untyped_lists_are_found() -> None:
    assert untyped_lists(b"<ServerResponse><folder><ID>x</ID></folder></ServerResponse>") == [
        "folder"]
