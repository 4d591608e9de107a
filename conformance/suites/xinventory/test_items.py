"""Items: ADDITEM, GETITEM, UPDATEITEM, MOVEITEMS, DELETEITEMS, GETMULTIPLEITEMS
(docs/interop/xinventory.md)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.clients.xinventory import XInventoryClient
from conformance.expect import Observe, check, equal
from conformance.ledger import owned_name
from conformance.suites.xinventory.steps import (
    Inventory,
    add_folder,
    add_item,
    add_refused,
    data,
    fetch_item,
    item_exists,
    item_record,
    item_reply,
    moved_between,
    refused,
    result,
    succeeds,
)
from conformance.wire.ids import new_id
from conformance.wire.xinventory import Folder, is_null_slot, ordered_values

FOREIGN_CREATOR = "http://grid.example.org:8002/;Ada Lovelace"


@pytest.mark.requirement("XINV-ADDITEM-ROUNDTRIP")
@pytest.mark.writes
def test_added_item_reads_back_field_for_field(inventory: Inventory, scratch: Folder) -> None:
    client = inventory.client
    item = client.new_item(
        scratch.id, owned_name("round-trip <&> item"), description="a description",
        asset_type=20, inv_type=19, base_permissions=0x7FFFE, current_permissions=0x82000,
        next_permissions=0x8000, everyone_permissions=0x4000, group_permissions=0x2000,
        group_id=new_id(), group_owned=True, sale_price=25, sale_type=2, flags=0x100,
        creation_date=1_700_000_000)
    succeeds(client.add_item(item), "ADDITEM")
    fetched = fetch_item(client, item.id)
    differences = {name: (sent, fetched.fields()[name])
                   for name, sent in item.fields().items() if fetched.fields()[name] != sent}
    check(not differences, f"GETITEM differs from what was added (field: sent, read): "
                           f"{differences}")


@pytest.mark.requirement("XINV-ADDITEM-CREATOR")
@pytest.mark.writes
@pytest.mark.parametrize("creator_data", ["", FOREIGN_CREATOR], ids=["local", "foreign"])
def test_creator_id_and_data_read_back(inventory: Inventory, scratch: Folder,
                                       creator_data: str) -> None:
    """CreatorId and CreatorData are stored together and read back split as sent: a local
    creator (no CreatorData) and a foreign one (url;name)."""
    client = inventory.client
    item = add_item(client, scratch.id, subject=True, creator_data=creator_data)
    fetched = fetch_item(client, item.id)
    equal((fetched.creator_id, fetched.creator_data), (item.creator_id, creator_data),
          "(CreatorId, CreatorData) read back")


@pytest.mark.requirement("XINV-ADDITEM-REQUIRED")
@pytest.mark.writes
@pytest.mark.parametrize("left_out", ["Folder", "CreatorData", "GroupOwned", "Flags",
                                      "CreationDate", "SalePrice"])
def test_additem_without_a_field_is_refused(inventory: Inventory, scratch: Folder,
                                            left_out: str) -> None:
    """Every ADDITEM field is required: without one, ADDITEM answers False and creates
    nothing."""
    item = inventory.client.new_item(scratch.id)
    add_refused(inventory.client, item,
                {k: v for k, v in item.fields().items() if k != left_out}, f"without {left_out}")


@pytest.mark.requirement("XINV-UPDATEITEM-APPLIES")
@pytest.mark.writes
def test_update_changes_the_mutable_fields(inventory: Inventory, scratch: Folder) -> None:
    client = inventory.client
    item = add_item(client, scratch.id)
    update = replace(item, name=owned_name("updated"), description="updated", flags=0x200,
                     current_permissions=0x8000, next_permissions=0x2000,
                     everyone_permissions=0x8000, group_permissions=0x4000,
                     base_permissions=0x8000, sale_price=99, sale_type=1, asset_id=new_id(),
                     group_id=new_id(), group_owned=True)
    succeeds(client.update_item(update), "UPDATEITEM")
    fetched = fetch_item(client, item.id)
    equal(fetched, update, "after UPDATEITEM the item")


#: What UPDATEITEM can never change (MOVEITEMS moves items; the creator's UUID is the
#: creator's identity). CreatorData, the creator's display data, is not among them.
INVARIANT_FIELDS = ("owner", "folder", "inv_type", "asset_type", "creator_id")


@pytest.mark.requirement("XINV-UPDATEITEM-INVARIANTS")
@pytest.mark.writes
@pytest.mark.parametrize("changes_owner", [False, True], ids=["same-owner", "new-owner"])
def test_update_keeps_owner_folder_types_and_creator(
        inventory: Inventory, scratch: Folder, changes_owner: bool,
        observe: Observe) -> None:
    """UPDATEITEM that tries to change Folder, InvType, AssetType or the creator's UUID
    (and, in the second case, Owner) leaves each as stored. The reply may be True (the
    rest of the update applied) or False (nothing applied, as OpenSimulator 0.9.2 answers
    when Owner changes); the results record which, and whether CreatorData sent to an
    item stored without it was kept."""
    client = inventory.client
    item = add_item(client, scratch.id)
    elsewhere = add_folder(client, scratch.id)
    update = replace(item, owner=new_id() if changes_owner else item.owner,
                     folder=elsewhere.id, inv_type=10, asset_type=10, creator_id=new_id(),
                     creator_data=FOREIGN_CREATOR, name=owned_name("invariants"))
    applied = result(client.update_item(update))
    what = "and Owner " if changes_owner else ""
    observe(f"changing Folder, the types, the creator {what}answered {applied}",
            about="OBS-XINV-UPDATEITEM-REPLY")
    fetched = fetch_item(client, item.id)
    changed = {name: getattr(fetched, name) for name in INVARIANT_FIELDS
               if getattr(fetched, name) != getattr(item, name)}
    check(not changed, f"UPDATEITEM changed fields that must keep their values: {changed}")
    if applied:
        equal(fetched.name, update.name, "UPDATEITEM answered True, and the item's Name")
        kept = "kept" if fetched.creator_data == FOREIGN_CREATOR else "not kept"
        observe(f"CreatorData sent to an item stored without it: {kept}",
                about="OBS-XINV-UPDATEITEM-CREATORDATA")
    else:
        equal(fetched, item, "UPDATEITEM answered False, and the item")


@pytest.mark.requirement("XINV-UPDATEITEM-MISSING")
@pytest.mark.writes
def test_update_of_a_missing_item_is_false(inventory: Inventory, scratch: Folder) -> None:
    client = inventory.client
    item = client.new_item(scratch.id)
    client.ledger.created(client.entry("item", item.id))
    refused(client.update_item(item), "UPDATEITEM of a missing item")
    check(not item_exists(client, item.id), "UPDATEITEM of a missing item created it")


@pytest.mark.requirement("XINV-MOVEITEMS")
@pytest.mark.writes
def test_moved_item_has_its_new_folder(inventory: Inventory, scratch: Folder) -> None:
    client = inventory.client
    source, destination = add_folder(client, scratch.id), add_folder(client, scratch.id)
    item = add_item(client, source.id)
    succeeds(client.move_items({item.id: destination.id}), "MOVEITEMS")
    equal(fetch_item(client, item.id).folder, destination.id,
          "after MOVEITEMS, the item's Folder (GETITEM)")
    moved_between(client, item, source.id, destination.id)


@pytest.mark.requirement("XINV-DELETEITEMS")
@pytest.mark.destructive
def test_deleted_item_is_gone(inventory: Inventory) -> None:
    client = inventory.client
    folder = add_folder(client, inventory.trash.id)
    item = add_item(client, folder.id)
    kept = add_item(client, folder.id)
    succeeds(client.delete_items([item.id]), "DELETEITEMS")
    check(not item_exists(client, item.id), "the item is still there after DELETEITEMS")
    check(item_exists(client, kept.id), "DELETEITEMS deleted an item it was not given")


@pytest.mark.requirement("XINV-GETITEM-UNKNOWN")
@pytest.mark.reads
def test_getitem_of_an_unknown_id_is_empty(xinventory: XInventoryClient) -> None:
    item = item_reply(xinventory.get_item(new_id()))
    check(item is None, f"GETITEM of an unknown ID gave {item}")


@pytest.mark.requirement("XINV-GETMULTIPLEITEMS")
@pytest.mark.writes
def test_multiple_items_come_in_request_order_with_null_for_missing(
        inventory: Inventory, scratch: Folder, observe: Observe) -> None:
    """GETMULTIPLEITEMS answers one slot per requested id, in request order: the item,
    or the text NULL for an id no item has. The results record how the unknown id was
    answered."""
    client = inventory.client
    first, second = add_item(client, scratch.id), add_item(client, scratch.id)
    missing = new_id()
    reply = client.get_multiple_items([second.id, missing, first.id])
    slots = ordered_values(data(reply), "GETMULTIPLEITEMS")
    nulls = sum(1 for slot in slots if is_null_slot(slot))
    form = ("a NULL slot for the unknown id" if (len(slots), nulls) == (3, 1) else
            "the unknown id left out" if (len(slots), nulls) == (2, 0) else
            f"{len(slots)} slots for 3 ids with {nulls} NULL")
    observe(form, about="OBS-XINV-MULTIPLEITEMS-UNKNOWN")
    equal(len(slots), 3, "the number of slots for 3 items asked")
    check(is_null_slot(slots[1]), f"the slot of the unknown id holds {slots[1]!r}, not NULL")
    got = [item_record(slots[i], reply, f"slot {i}") for i in (0, 2)]
    equal([g.id for g in got], [second.id, first.id], "the items the slots hold")
    equal(got[0], second, "slot 0")

