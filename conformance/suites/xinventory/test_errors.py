"""Error conventions (docs/interop/xinventory.md): a missing or unknown METHOD, a missing or
unreadable parameter, and any malformed body are answered 200 with RESULT False (or,
for a read, the empty <ServerResponse />); never an HTTP error or a crash."""

from __future__ import annotations

import pytest

from conformance.clients.xinventory import XInventoryClient
from conformance.suites.xinventory.steps import (
    Inventory,
    add_refused,
    false_or_empty,
    refused,
)
from conformance.wire.ids import new_id
from conformance.wire.xinventory import Folder, encode_form, encode_pairs


@pytest.mark.requirement("XINV-ERR-NO-METHOD")
@pytest.mark.reads
@pytest.mark.parametrize("params", [
    pytest.param({"PRINCIPAL": "{principal}"}, id="principal-only"),
    pytest.param({}, id="empty-body"),
    pytest.param({"method": "GETROOTFOLDER", "PRINCIPAL": "{principal}"}, id="lower-case-key"),
])
def test_missing_method_is_result_false(xinventory: XInventoryClient,
                                        params: dict[str, str]) -> None:
    form = {key: value.replace("{principal}", new_id()) for key, value in params.items()}
    refused(xinventory.post(encode_form(form), writes=False), "a request without METHOD")


@pytest.mark.requirement("XINV-ERR-UNKNOWN-METHOD")
@pytest.mark.reads
@pytest.mark.parametrize("method", ["NOSUCHMETHOD", "", "GETROOTFOLDER2"])
def test_unknown_method_is_result_false(xinventory: XInventoryClient, method: str) -> None:
    refused(xinventory.call(method, PRINCIPAL=new_id()), f"METHOD={method!r}")


@pytest.mark.requirement("XINV-ERR-MISSING-PARAMETER")
@pytest.mark.reads
@pytest.mark.parametrize("method", ["GETROOTFOLDER", "GETINVENTORYSKELETON"])
def test_read_without_principal_is_result_false(xinventory: XInventoryClient,
                                                method: str) -> None:
    """A read without its PRINCIPAL parameter is answered RESULT False."""
    refused(xinventory.call(method), f"{method} without PRINCIPAL")


@pytest.mark.requirement("XINV-ERR-MISSING-PARAMETER")
@pytest.mark.writes
def test_create_user_inventory_without_principal_is_result_false(
        xinventory: XInventoryClient) -> None:
    """CREATEUSERINVENTORY without PRINCIPAL is answered RESULT False."""
    refused(xinventory.call("CREATEUSERINVENTORY"), "CREATEUSERINVENTORY without PRINCIPAL")


@pytest.mark.requirement("XINV-ERR-MISSING-PARAMETER")
@pytest.mark.writes
@pytest.mark.parametrize("left_out", ["Name", "ParentID", "Type", "Version", "Owner"])
def test_addfolder_without_a_field_is_refused(inventory: Inventory, scratch: Folder,
                                              left_out: str) -> None:
    """ADDFOLDER without one of its six fields is answered RESULT False and no folder is
    created."""
    folder = inventory.client.new_folder(scratch.id)
    add_refused(inventory.client, folder,
                {k: v for k, v in folder.fields().items() if k != left_out}, f"without {left_out}")


BAD_VALUES = [
    pytest.param("folder", "ID", "not-a-uuid", id="ADDFOLDER-ID-not-a-uuid"),
    pytest.param("folder", "Owner", "12345", id="ADDFOLDER-Owner-not-a-uuid"),
    pytest.param("folder", "Type", "folder", id="ADDFOLDER-Type-not-an-integer"),
    pytest.param("folder", "Version", "-1", id="ADDFOLDER-Version-negative"),
    pytest.param("folder", "Version", "1.5", id="ADDFOLDER-Version-not-an-integer"),
    pytest.param("folder", "Type", "70000", id="ADDFOLDER-Type-outside-a-short"),
    pytest.param("item", "AssetID", "not-a-uuid", id="ADDITEM-AssetID-not-a-uuid"),
    pytest.param("item", "CurrentPermissions", "-1", id="ADDITEM-CurrentPermissions-negative"),
    pytest.param("item", "Flags", "many", id="ADDITEM-Flags-not-a-number"),
    pytest.param("item", "GroupOwned", "maybe", id="ADDITEM-GroupOwned-not-a-boolean"),
    pytest.param("item", "CreationDate", "yesterday", id="ADDITEM-CreationDate-not-an-integer"),
]


@pytest.mark.requirement("XINV-ERR-BAD-VALUE")
@pytest.mark.writes
@pytest.mark.parametrize(("kind", "name", "value"), BAD_VALUES)
def test_an_add_with_an_unreadable_value_is_refused(inventory: Inventory, scratch: Folder,
                                                    kind: str, name: str, value: str) -> None:
    """ADDFOLDER or ADDITEM with a value that is not of its field's type (a UUID, a short,
    an unsigned integer, True/False, an integer) is answered RESULT False and nothing is
    created."""
    client = inventory.client
    record = client.new_folder(scratch.id) if kind == "folder" else client.new_item(scratch.id)
    add_refused(client, record, {**record.fields(), name: value}, f"with {name}={value!r}")


@pytest.mark.requirement("XINV-ERR-BAD-VALUE")
@pytest.mark.writes
def test_create_user_inventory_for_a_non_uuid_is_refused(
        xinventory: XInventoryClient) -> None:
    """CREATEUSERINVENTORY with a PRINCIPAL that is not a UUID is answered RESULT False."""
    refused(xinventory.call("CREATEUSERINVENTORY", PRINCIPAL="not-a-uuid"),
            "CREATEUSERINVENTORY for PRINCIPAL=not-a-uuid")


SOMEONE = new_id()
#: Malformed bodies of reads.
READ_BODIES = {
    "empty": b"",
    "only-separators": b"&&&",
    "key-without-value": b"METHOD",
    "principal-without-value": b"METHOD=GETROOTFOLDER&PRINCIPAL",
    "principal-empty": b"METHOD=GETROOTFOLDER&PRINCIPAL=",
    "bad-percent-escapes": b"%zz=%&METHOD=%G0",
    "not-utf8": b"\xff\xfe\x00\x01METHOD=\x80",
    "list-for-a-plain-key": encode_pairs([("METHOD", "GETFOLDER"), ("ID[]", SOMEONE)]),
    "list-method": encode_pairs([("METHOD[]", "GETROOTFOLDER"), ("PRINCIPAL", SOMEONE)]),
    "repeated-method": encode_pairs([("METHOD", "GETROOTFOLDER"), ("METHOD", "NOSUCHMETHOD"),
                                     ("PRINCIPAL", SOMEONE)]),
    "100-KB-value": encode_pairs([("METHOD", "GETITEM"), ("ID", "x" * 100_000)]),
}
#: Malformed bodies of writes (about objects that do not exist).
WRITE_BODIES = {
    "deletefolders-without-list-syntax": encode_pairs([
        ("METHOD", "DELETEFOLDERS"), ("PRINCIPAL", SOMEONE), ("FOLDERS", new_id())]),
    "moveitems-without-destlist": encode_pairs([
        ("METHOD", "MOVEITEMS"), ("PRINCIPAL", SOMEONE), ("IDLIST[]", new_id())]),
    "moveitems-short-destlist": encode_pairs([
        ("METHOD", "MOVEITEMS"), ("PRINCIPAL", SOMEONE), ("IDLIST[]", new_id()),
        ("IDLIST[]", new_id()), ("DESTLIST[]", new_id())]),
}
BODIES = [pytest.param(body, id=name, marks=pytest.mark.reads)
          for name, body in READ_BODIES.items()]
BODIES += [pytest.param(body, id=name, marks=pytest.mark.writes)
           for name, body in WRITE_BODIES.items()]


@pytest.mark.requirement("XINV-ERR-MALFORMED-200")
@pytest.mark.parametrize("body", BODIES)
def test_malformed_body_is_answered_200_false_or_empty(xinventory: XInventoryClient,
                                                       request: pytest.FixtureRequest,
                                                       body: bytes) -> None:
    writes = request.node.get_closest_marker("writes") is not None
    false_or_empty(xinventory.post(body, writes=writes), "a malformed body")
