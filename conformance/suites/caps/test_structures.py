"""Category and Item: the data structures of the answers (seeds/sl-inventory-api-caps.txt,
"Category", "Item", "Permission", "Sale info"; docs/interop/caps.md)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.clients.caps import CapsClient
from conformance.clients.http import Exchange
from conformance.expect import check, equal
from conformance.suites.caps.steps import (
    Observe,
    Scratch,
    array,
    conforms,
    fetch_entry,
    walk,
)
from conformance.viewer import Viewer
from conformance.wire import llsd


def listed(caps: CapsClient, viewer: Viewer) -> list[tuple[Exchange, dict[str, Any]]]:
    """Folder entries of the avatar's inventory and of the library (read-only)."""
    entries = []
    if viewer.inventory_root:
        entries += walk(caps, viewer.inventory_root, viewer.agent_id, limit=20)
    if viewer.library_root and viewer.library_owner and caps.offers("FetchLibDescendents2"):
        entries += walk(caps, viewer.library_root, viewer.library_owner, library=True, limit=20)
    if not entries:
        pytest.skip("neither the avatar's inventory nor the library could be read")
    return entries


@pytest.mark.requirement("CAPS-CATEGORY-KEYS")
@pytest.mark.reads
def test_every_category_carries_the_documented_keys(caps: CapsClient, viewer: Viewer) -> None:
    """Each category listed in the avatar's inventory and the library carries agent_id,
    category_id, name, parent_id, type_default and version, typed as the table says."""
    seen = 0
    for reply, entry in listed(caps, viewer):
        for category in array(entry, "categories"):
            conforms(reply, "caps-category", category)
            seen += 1
    check(seen, "no category was listed in the inventory or the library")


@pytest.mark.requirement("CAPS-CATEGORY-VALUES")
@pytest.mark.writes
def test_a_subfolder_is_listed_with_its_own_values(caps: CapsClient, scratch: Scratch) -> None:
    folder = scratch.subfolder(name="values <&>")
    _, entry = fetch_entry(caps, scratch.id)
    found = [c for c in array(entry, "categories")
             if llsd.as_uuid(c.get("category_id")) == folder.id]
    check(found, f"the subfolder {folder.id} is not listed")
    category = found[0]
    expected = {"parent_id": scratch.id, "name": folder.name, "type_default": folder.type,
                "version": folder.version}
    actual = {"parent_id": llsd.as_uuid(category.get("parent_id")),
              "name": category.get("name"),
              "type_default": llsd.as_int(category.get("type_default",
                                                       category.get("type"))),
              "version": category.get("version")}
    equal(actual, expected, "the category")


@pytest.mark.requirement("CAPS-ITEM-KEYS")
@pytest.mark.reads
def test_every_item_carries_the_documented_keys(caps: CapsClient, viewer: Viewer) -> None:
    """Each item listed in the avatar's inventory and the library carries the documented
    keys, and its permissions and sale_info maps theirs, typed as the tables say."""
    seen = 0
    for reply, entry in listed(caps, viewer):
        for item in array(entry, "items"):
            conforms(reply, "caps-item", item)
            seen += 1
    if not seen:
        pytest.skip("no item is listed in the first folders of the inventory or the library")


@pytest.mark.requirement("CAPS-ITEM-KEYS")
@pytest.mark.writes
def test_a_written_item_carries_the_documented_keys(caps: CapsClient, scratch: Scratch) -> None:
    """An item written through XInventory is listed with every documented key."""
    scratch.item()
    reply, entry = fetch_entry(caps, scratch.id)
    items = array(entry, "items")
    check(items, "the item just written is not listed")
    for item in items:
        conforms(reply, "caps-item", item)


ITEM_FIELDS: dict[str, Any] = dict(
    name="opensim-conformance values <&>", description="a description", asset_type=7,
    inv_type=7, flags=0x45, creation_date=1700000000, base_permissions=0x7FFFFFFF,
    current_permissions=0x000FE000 | 0x2000, next_permissions=0x00082000,
    everyone_permissions=0x8000, group_permissions=0x4000, sale_price=25, sale_type=2)


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def item_values(item: dict[str, Any]) -> dict[str, Any]:
    permissions = mapping(item.get("permissions"))
    sale = mapping(item.get("sale_info"))
    return {
        "item_id": llsd.as_uuid(item.get("item_id")),
        "parent_id": llsd.as_uuid(item.get("parent_id")),
        "asset_id": llsd.as_uuid(item.get("asset_id")),
        "name": item.get("name"), "desc": item.get("desc"),
        "type": llsd.as_int(item.get("type")), "inv_type": llsd.as_int(item.get("inv_type")),
        "flags": item.get("flags"), "created_at": item.get("created_at"),
        "creator_id": llsd.as_uuid(permissions.get("creator_id")),
        "owner_id": llsd.as_uuid(permissions.get("owner_id")),
        "group_id": llsd.as_uuid(permissions.get("group_id")),
        "owner_mask": permissions.get("owner_mask"),
        "group_mask": permissions.get("group_mask"),
        "everyone_mask": permissions.get("everyone_mask"),
        "next_owner_mask": permissions.get("next_owner_mask"),
        "is_owner_group": permissions.get("is_owner_group"),
        "sale_price": sale.get("sale_price"), "sale_type": sale.get("sale_type"),
    }


@pytest.mark.requirement("CAPS-ITEM-VALUES")
@pytest.mark.writes
def test_an_item_is_listed_with_the_values_written(caps: CapsClient, scratch: Scratch,
                                                  observe: Observe) -> None:
    """An item written through XInventory is listed with the ids, name, description,
    types, flags, date, creator, owner, group, masks and sale info written."""
    item = scratch.item(**ITEM_FIELDS)
    _, entry = fetch_entry(caps, scratch.id)
    found = [i for i in array(entry, "items") if llsd.as_uuid(i.get("item_id")) == item.id]
    check(found, f"the item {item.id} is not listed")
    expected = {
        "item_id": item.id, "parent_id": scratch.id, "asset_id": item.asset_id,
        "name": item.name, "desc": item.description, "type": item.asset_type,
        "inv_type": item.inv_type, "flags": item.flags, "created_at": item.creation_date,
        "creator_id": item.creator_id, "owner_id": item.owner, "group_id": item.group_id,
        "owner_mask": item.current_permissions, "group_mask": item.group_permissions,
        "everyone_mask": item.everyone_permissions, "next_owner_mask": item.next_permissions,
        "is_owner_group": item.group_owned, "sale_price": item.sale_price,
        "sale_type": item.sale_type,
    }
    actual = item_values(found[0])
    wrong = {key: (actual[key], value) for key, value in expected.items() if actual[key] != value}
    check(not wrong, "fields differ from what was written (got, written): " + ", ".join(
        f"{key} {got!r} != {want!r}" for key, (got, want) in wrong.items()))
    permissions = found[0].get("permissions")
    if isinstance(permissions, dict):
        base = permissions.get("base_mask")
        observe(f"base_mask is {'the base' if base == item.base_permissions else 'another'} "
                f"permission mask ({base!r}; base {item.base_permissions}, "
                f"current {item.current_permissions})")
