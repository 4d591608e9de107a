"""The viewer's inventory capabilities of the release doubles: the capabilities page
(seeds/sl-inventory-api-caps.txt) read literally."""

from __future__ import annotations

from typing import Any

from conformance.reference.caps import CapsService
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
