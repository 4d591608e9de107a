"""The form encoding of requests (docs/interop/xinventory.md): URL-decoding with + for a
space, and lists sent as KEY[]=a&KEY[]=b."""

from __future__ import annotations

import pytest

from conformance.expect import check, equal
from conformance.ledger import owned_name
from conformance.suites.xinventory.steps import (
    Inventory,
    add_folder,
    add_item,
    fetch_folder,
    fetch_item,
    folder_exists,
    item_exists,
    succeeds,
)
from conformance.wire.xinventory import Folder, encode_pairs


@pytest.mark.requirement("XINV-FORM-ENCODING")
@pytest.mark.writes
@pytest.mark.parametrize("text", ["a b", "a+b", "1+1=2", "this & that", "100% ok",
                                  "key=value&METHOD=ADDITEM", "#?/;:@$,"])
def test_form_special_characters_in_values_read_back(inventory: Inventory,
                                                     scratch: Folder, text: str) -> None:
    """Values are URL-decoded: a name sent percent-encoded with + for a space reads back
    exactly, whatever +, =, & or % it holds."""
    client = inventory.client
    name = owned_name(text)
    folder = add_folder(client, scratch.id, name, subject=True)
    equal(fetch_folder(client, folder.id).name, name, "the folder name read back")


@pytest.mark.requirement("XINV-FORM-ENCODING")
@pytest.mark.writes
def test_percent_encoded_space_reads_as_a_space(inventory: Inventory, scratch: Folder) -> None:
    """%20 and + both decode to a space."""
    client = inventory.client
    folder = client.new_folder(scratch.id, owned_name("a b c"))
    client.ledger.created(client.entry("folder", folder.id))
    fields = {**folder.fields(), "METHOD": "ADDFOLDER"}
    body = encode_pairs(fields.items()).replace(b"a+b+c", b"a%20b+c")
    succeeds(client.post(body, writes=True), "ADDFOLDER")
    equal(fetch_folder(client, folder.id).name, folder.name,
          "the name sent as a%20b+c, read back")


@pytest.mark.requirement("XINV-FORM-LIST")
@pytest.mark.destructive
def test_deletefolders_takes_every_folder_of_the_list(inventory: Inventory) -> None:
    """FOLDERS[]=a&FOLDERS[]=b is a list: DELETEFOLDERS deletes both folders (in
    Trash)."""
    client = inventory.client
    folders = [add_folder(client, inventory.trash.id) for _ in range(3)]
    succeeds(client.delete_folders([f.id for f in folders]), "DELETEFOLDERS of three")
    left = [f.id for f in folders if folder_exists(client, f.id)]
    check(not left, f"DELETEFOLDERS of a list of three left {len(left)} of them")


@pytest.mark.requirement("XINV-FORM-LIST")
@pytest.mark.destructive
def test_deleteitems_takes_every_item_of_the_list(inventory: Inventory) -> None:
    """ITEMS[]=a&ITEMS[]=b is a list: DELETEITEMS deletes every item given."""
    client = inventory.client
    folder = add_folder(client, inventory.trash.id)
    items = [add_item(client, folder.id) for _ in range(3)]
    succeeds(client.delete_items([i.id for i in items]), "DELETEITEMS of three")
    left = [i.id for i in items if item_exists(client, i.id)]
    check(not left, f"DELETEITEMS of a list of three left {len(left)} of them")


@pytest.mark.requirement("XINV-FORM-LIST")
@pytest.mark.writes
def test_moveitems_pairs_the_two_lists(inventory: Inventory, scratch: Folder) -> None:
    """IDLIST[] and DESTLIST[] are paired lists: the n-th item goes to the n-th folder."""
    client = inventory.client
    destinations = [add_folder(client, scratch.id) for _ in range(3)]
    items = [add_item(client, scratch.id) for _ in range(3)]
    moves = {item.id: folder.id for item, folder in zip(items, destinations, strict=True)}
    succeeds(client.move_items(moves), "MOVEITEMS of three")
    landed = {item_id: fetch_item(client, item_id).folder for item_id in moves}
    equal(landed, moves, "where the items landed")
