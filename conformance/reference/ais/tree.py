"""The reference AIS3's tree operations: creating, copying, moving and removing
categories, items and links, and the folder versions each change raises."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from typing import Any

from conformance.reference.ais.base import (
    INVENTORY_CAP,
    LIBRARY_CAP,
    PERM_ALL,
    PERM_COPY,
    UINT16_MAX,
    AisError,
    Answer,
    Call,
    integer,
    is_link,
)
from conformance.reference.ais.rendering import AisRendering
from conformance.wire import ais as wire
from conformance.wire.ids import ZERO_UUID, canonical_uuid
from conformance.wire.xinventory import Folder, Item


class AisTree(AisRendering):
    """What each change does to the tree, one small method per rule."""

    # -------------------------------------------------------------- versions

    def bump(self, folder_id: str, touched: dict[str, int]) -> None:
        """A folder's contents changed: its version goes up by one (as XInventory's),
        and it is listed in ``_updated_category_versions``."""
        folder = self.store.folder(folder_id)
        if folder is None:
            return
        version = (folder.version + 1) % (UINT16_MAX + 1)
        self.store.set_folder_version(folder_id, version)
        touched[folder_id] = version

    # -------------------------------------------------------------- creation

    def entries(self, body: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = body.get(key, [])
        if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
            raise AisError(400, f"{key} must be an array of maps")
        return value

    def create_category(self, call: Call, parent_id: str, entry: dict[str, Any],
                        touched: dict[str, int]) -> str:
        name = entry.get("name")
        folder_type = entry.get("type_default", -1)
        if not isinstance(name, str) or not isinstance(folder_type, int):
            raise AisError(400, "a category needs a name (string) and type_default (integer)")
        folder = Folder(id=str(uuid.uuid4()), parent_id=parent_id, owner=call.owner,
                        name=name, type=folder_type, version=1)
        self.store.store_folder(folder)
        self.bump(parent_id, touched)
        for child in self.entries(entry.get("_embedded", {}) if isinstance(
                entry.get("_embedded"), dict) else {}, "categories"):
            self.create_category(call, folder.id, child, touched)
        return folder.id

    def create_item(self, call: Call, parent_id: str, entry: dict[str, Any],
                    touched: dict[str, int]) -> str:
        name = entry.get("name")
        if not isinstance(name, str):
            raise AisError(400, "an item needs a name")
        permissions: dict[str, Any] = entry.get("permissions") or {}
        sale: dict[str, Any] = entry.get("sale_info") or {}
        if not isinstance(permissions, dict) or not isinstance(sale, dict):
            raise AisError(400, "permissions and sale_info must be maps")
        item = Item(
            id=str(uuid.uuid4()), folder=parent_id, owner=call.owner, name=name,
            asset_id=canonical_uuid(str(entry.get("asset_id") or "")) or ZERO_UUID,
            asset_type=integer(entry.get("type"), 7), inv_type=integer(entry.get("inv_type"), 7),
            description=str(entry.get("desc") or ""), creator_id=call.owner,
            base_permissions=integer(permissions.get("base_mask"), PERM_ALL),
            current_permissions=integer(permissions.get("owner_mask"), PERM_ALL),
            next_permissions=integer(permissions.get("next_owner_mask"), PERM_ALL),
            everyone_permissions=integer(permissions.get("everyone_mask"), 0),
            group_permissions=integer(permissions.get("group_mask"), 0),
            sale_price=integer(sale.get("sale_price"), 0),
            sale_type=integer(sale.get("sale_type"), 0),
            flags=integer(entry.get("flags"), 0), creation_date=int(time.time()),
        )
        self.store.store_item(item)
        self.bump(parent_id, touched)
        return item.id

    def check_link_targets(self, call: Call, entries: list[dict[str, Any]]) -> None:
        """Every link must name an object of the agent's (or the library's): 400
        with ``invalid_linked_ids`` otherwise."""
        invalid = []
        for entry in entries:
            linked = canonical_uuid(str(entry.get("linked_id") or ""))
            link_type = entry.get("type", wire.LINK_TYPE)
            target = None
            if linked is not None:
                target = self.store.folder(linked) if link_type == wire.LINK_FOLDER_TYPE \
                    else self.store.item(linked)
            if target is None or link_type not in (wire.LINK_TYPE, wire.LINK_FOLDER_TYPE):
                invalid.append(uuid.UUID(linked) if linked else str(entry.get("linked_id")))
        if invalid:
            raise AisError(400, "invalid links shape", invalid_linked_ids=invalid)

    def create_link(self, call: Call, parent_id: str, entry: dict[str, Any],
                    touched: dict[str, int]) -> str:
        linked = canonical_uuid(str(entry.get("linked_id"))) or ZERO_UUID
        link_type = integer(entry.get("type"), wire.LINK_TYPE)
        target = self.store.item(linked) if link_type == wire.LINK_TYPE else None
        link = Item(id=str(uuid.uuid4()), folder=parent_id, owner=call.owner,
                    name=str(entry.get("name") or (target.name if target else "")),
                    asset_id=linked, asset_type=link_type,
                    inv_type=integer(entry.get("inv_type"),
                                     target.inv_type if target else 8),
                    description=str(entry.get("desc") or ""), creator_id=call.owner,
                    creation_date=int(time.time()))
        self.store.store_item(link)
        self.bump(parent_id, touched)
        return link.id

    # ---------------------------------------------------------------- copies

    def copies_subfolders(self, call: Call) -> bool:
        """COPY takes the subfolders along unless depth=0 asks for the folder alone."""
        return call.query.get("depth") != "0"

    def inventory_call(self, call: Call) -> Call:
        """The agent's side of a call (a library COPY writes into the agent's inventory)."""
        if not call.library:
            return call
        return replace(call, owner=call.agent, library=False,
                       cap=INVENTORY_CAP, base=call.base.replace(LIBRARY_CAP, INVENTORY_CAP))

    def check_copyable(self, folder: Folder) -> None:
        """403 when an item of the tree may not be copied (no copy permission)."""
        for item in self.tree_items(folder.id):
            if not is_link(item) and not item.current_permissions & PERM_COPY:
                raise AisError(403, "permissions check failed: an item is not copyable")

    def tree_items(self, folder_id: str) -> list[Item]:
        items = self.store.items_where("folder = ?", folder_id)
        for child in self.store.folders_where("parent_id = ?", folder_id):
            items += self.tree_items(child.id)
        return items

    def copy_tree(self, call: Call, source: Folder, parent_id: str, subfolders: bool,
                  touched: dict[str, int], categories: list[str], items: list[str]) -> str:
        copy = Folder(id=str(uuid.uuid4()), parent_id=parent_id, owner=call.owner,
                      name=source.name, type=-1 if source.type != 47 else 47, version=1)
        self.store.store_folder(copy)
        self.bump(parent_id, touched)
        categories.append(copy.id)
        for item in self.store.items_where("folder = ?", source.id):
            items.append(self.copy_one(call, item, copy.id, {}))
        if subfolders:
            for child in self.store.folders_where("parent_id = ?", source.id):
                self.copy_tree(call, child, copy.id, True, {}, categories, items)
        return copy.id

    def copy_one(self, call: Call, item: Item, folder_id: str, touched: dict[str, int]) -> str:
        copy = replace(item, id=str(uuid.uuid4()), folder=folder_id, owner=call.owner)
        self.store.store_item(copy)
        self.bump(folder_id, touched)
        return copy.id

    def check_part_copyable(self, categories: list[Folder], items: list[Item]) -> None:
        """403 when an item the COPY of a part would copy may not be copied."""
        for child in categories:
            self.check_copyable(child)
        for item in items:
            if not is_link(item) and not item.current_permissions & PERM_COPY:
                raise AisError(403, "permissions check failed: an item is not copyable")

    # --------------------------------------------------------------- removal

    def removal(self) -> dict[str, Any]:
        return {"_categories_removed": [], "_category_items_removed": [],
                "_removed_items": [], "_broken_links_removed": [],
                "_attachments_removed": [], "_active_gestures_removed": [],
                "_wearables_removed": [], "_total_items_removed": 0}

    def remove_item(self, item: Item, removed: dict[str, Any], touched: dict[str, int],
                    key: str = "_category_items_removed") -> None:
        """Remove one item; links to it elsewhere go too (``_broken_links_removed``)."""
        self.store.delete_item(item.id)
        self.mark_removed(item.id, "item", item.owner)
        removed[key].append(uuid.UUID(item.id))
        removed["_total_items_removed"] += 1
        self.bump(item.folder, touched)
        if not is_link(item):
            for link in self.store.items_where("asset_id = ? AND owner = ? AND asset_type = ?",
                                               item.id, item.owner, wire.LINK_TYPE):
                self.remove_item(link, removed, touched, "_broken_links_removed")

    def remove_tree(self, folder: Folder, removed: dict[str, Any],
                    touched: dict[str, int]) -> None:
        for child in self.store.folders_where("parent_id = ?", folder.id):
            self.remove_tree(child, removed, touched)
        for item in self.store.items_where("folder = ?", folder.id):
            self.remove_item(item, removed, touched)
        self.store.delete_folder(folder.id)
        self.mark_removed(folder.id, "category", folder.owner)
        removed["_categories_removed"].append(uuid.UUID(folder.id))
        self.bump(folder.parent_id, touched)

    def mark_removed(self, object_id: str, kind: str, owner: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO ais_removed VALUES (?, ?, ?)",
                        (object_id, kind, owner))

    def removal_answer(self, removed: dict[str, Any], touched: dict[str, int]) -> Answer:
        removed["_updated_category_versions"] = self.versions(touched)
        return Answer(200, removed)

    def gone_category(self, call: Call, name: str) -> Folder:
        """DELETE: an unknown or removed category is 410 (Category gone)."""
        try:
            return self.category(call, name)
        except AisError as error:
            if error.status == 404:
                raise AisError(410, "category gone", **error.context) from error
            raise

    # ---------------------------------------------------- a category's parts

    def part_of(self, call: Call) -> str:
        """Which part of the category the request names (its path's last segment)."""
        return call.path_part

    def members(self, folder: Folder, part: str) -> tuple[list[Folder], list[Item]]:
        """The subcategories and items (links included) a part of ``folder`` covers."""
        categories = self.store.folders_where("parent_id = ?", folder.id) \
            if part in ("children", "categories") else []
        items = [i for i in self.store.items_where("folder = ?", folder.id)
                 if part in ("children", "items") or (part == "links" and is_link(i))]
        return categories, items

    def remove_members(self, categories: list[Folder], items: list[Item],
                       removed: dict[str, Any], touched: dict[str, int]) -> None:
        """Remove the categories (with all they hold), then the items that are still
        there (removing an item has already removed the links to it)."""
        for child in categories:
            self.remove_tree(child, removed, touched)
        for item in items:
            if self.store.item(item.id) is not None:
                self.remove_item(item, removed, touched)
