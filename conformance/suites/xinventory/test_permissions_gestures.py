"""GETACTIVEGESTURES and GETASSETPERMISSIONS (docs/interop/xinventory.md)."""

from __future__ import annotations

import pytest

from conformance.expect import check, equal
from conformance.suites.xinventory.steps import (
    Inventory,
    add_folder,
    add_item,
    data,
    decoded,
    ids,
    item_list,
)
from conformance.wire.ids import new_id
from conformance.wire.xinventory import Folder, parse_integer

GESTURE = 21  # the asset type and inventory type of a gesture
NOTECARD = 7
COPY, MODIFY, TRANSFER, MOVE = 0x8000, 0x4000, 0x2000, 0x80000


@pytest.mark.requirement("XINV-GETACTIVEGESTURES")
@pytest.mark.writes
def test_active_gestures_are_the_gestures_flagged_active(inventory: Inventory,
                                                         scratch: Folder) -> None:
    """GETACTIVEGESTURES answers ITEMS: the principal's gesture items whose Flags have
    bit 1 set; not inactive gestures, not other items with that flag."""
    client = inventory.client
    active = add_item(client, scratch.id, asset_type=GESTURE, inv_type=GESTURE, flags=1)
    elsewhere = add_item(client, add_folder(client, scratch.id).id, asset_type=GESTURE,
                         inv_type=GESTURE, flags=1)
    add_item(client, scratch.id, asset_type=GESTURE, inv_type=GESTURE, flags=0)
    add_item(client, scratch.id, asset_type=NOTECARD, inv_type=NOTECARD, flags=1)
    reply = client.get_active_gestures()
    answer = data(reply)
    check("ITEMS" in answer, f"GETACTIVEGESTURES has no <ITEMS> (it holds {sorted(answer)})")
    listed = item_list(answer["ITEMS"], reply, "ITEMS")
    equal(ids(listed), {active.id, elsewhere.id}, "the active gestures")
    equal(next(i for i in listed if i.id == active.id), active,
          "the active gesture's record")


def asset_permissions(inventory: Inventory, asset_id: str) -> int:
    answer = data(inventory.client.get_asset_permissions(asset_id))
    check("RESULT" in answer, f"GETASSETPERMISSIONS has no <RESULT> (it holds {sorted(answer)})")
    return decoded(lambda text: parse_integer(text, "RESULT"), answer["RESULT"],
                   "GETASSETPERMISSIONS")


@pytest.mark.requirement("XINV-GETASSETPERMISSIONS")
@pytest.mark.writes
def test_asset_permissions_are_the_or_of_the_items_current_permissions(
        inventory: Inventory, scratch: Folder) -> None:
    client = inventory.client
    asset = new_id()
    add_item(client, scratch.id, asset_id=asset, current_permissions=COPY | TRANSFER)
    add_item(client, add_folder(client, scratch.id).id, asset_id=asset,
             current_permissions=MODIFY)
    add_item(client, scratch.id, current_permissions=MOVE)
    permissions = asset_permissions(inventory, asset)
    equal(permissions, COPY | MODIFY | TRANSFER, "RESULT (expected Copy|Modify|Transfer)")
    none = asset_permissions(inventory, new_id())
    equal(none, 0, "RESULT for an asset the principal has no item of")
