"""The viewer's inventory capabilities of the release doubles: the capabilities page
(seeds/sl-inventory-api-caps.txt) read literally."""

from __future__ import annotations

from typing import Any

from conformance.reference.caps import CapsService
from conformance.wire.ids import ZERO_UUID
from conformance.wire.xinventory import Folder, Item

#: PERM_MODIFY of an owner mask: the owner may see the asset behind the item.
PERM_MODIFY = 0x4000


class WikiLiteral(CapsService):
    """Exactly what the capabilities page says where it says it: descendents is
    len(items) + len(categories) of the listing, link targets from other folders
    included; a category the user made has type_default null (LLSD undef); asset_id only
    for downloadable assets (an item its owner may modify)."""

    def folder_entry(self, agent_id: str, folder: Folder, asked: dict[str, Any]) -> dict[str, Any]:
        entry = super().folder_entry(agent_id, folder, asked)
        entry["descendents"] = len(entry["items"]) + len(entry["categories"])
        return entry

    def category(self, folder: Folder) -> dict[str, Any]:
        category = super().category(folder)
        if folder.type == -1:  # "All user-generated categories have type_default null."
            category["type_default"] = None
        return category

    def item(self, item: Item) -> dict[str, Any]:
        record = super().item(item)
        if not item.current_permissions & PERM_MODIFY and item.asset_type not in (24, 25):
            del record["asset_id"]  # "#(available only for downloadable assets)"
        return record


WIKI_LITERAL: dict[str, Any] = {"caps_service": WikiLiteral}


# ---------------------------------------------------------------- OpenSimulator


class OpenSimulatorMaster(CapsService):
    """The region's FetchInventoryDescendents2 and FetchInventory2 as OpenSimulator writes
    them (FetchInvDescHandler, InventoryItemBase.ToLLSDxml): categories and items without
    agent_id, permissions without last_owner_id and with the current permissions as
    base_mask; an absent fetch_folders or fetch_items read as false; every item link's
    target put in front of the items after descendents was counted, also a target that
    is in the folder already."""

    def category(self, folder: Folder) -> dict[str, Any]:
        category = super().category(folder)
        del category["agent_id"]
        return category

    def item(self, item: Item) -> dict[str, Any]:
        record = super().item(item)
        del record["agent_id"]
        return record

    def permissions(self, item: Item) -> dict[str, Any]:
        permissions = super().permissions(item)
        del permissions["last_owner_id"]
        permissions["base_mask"] = item.current_permissions
        return permissions

    def wants(self, asked: dict[str, Any], key: str) -> bool:
        return key in asked and super().wants(asked, key)

    def with_link_targets(self, items: list[Item]) -> list[Item]:
        targets = [target for item in items if item.asset_type == 24
                   if (target := self.link_target(item)) is not None]
        return targets + items


class OpenSimulator092(OpenSimulatorMaster):
    """0.9.2.2: the OpenMetaverse.StructuredData it ships writes a permissions group_id
    other than the zero UUID under the key cgroup_id (the zero UUID as group_id)."""

    def permissions(self, item: Item) -> dict[str, Any]:
        permissions = super().permissions(item)
        if item.group_id != ZERO_UUID:
            permissions["cgroup_id"] = permissions.pop("group_id")
        return permissions


MASTER: dict[str, Any] = {"caps_service": OpenSimulatorMaster}
RELEASE_0_9_2: dict[str, Any] = {"caps_service": OpenSimulator092}
