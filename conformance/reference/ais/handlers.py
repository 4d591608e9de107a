"""The reference AIS3's resources, each method one small handler as the page states it:
Category and its children, links, items and categories (the methods the wiki marks NONE
too), Item, and /orphans."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from conformance.reference.ais.base import (
    PERM_COPY,
    SPECIAL_NAMES,
    AisError,
    Answer,
    Call,
    ExistingCategory,
    flags_value,
    integer,
    is_link,
    sale_type,
)
from conformance.reference.ais.tree import AisTree
from conformance.wire import ais as wire
from conformance.wire.ids import ZERO_UUID, canonical_uuid
from conformance.wire.xinventory import Folder, Item


class AisHandlers(AisTree):
    """One handler per resource and method: ``(call, name) -> Answer``."""

    # ------------------------------------------------------------------ Category

    def get_category(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        return Answer(200, self.category_document(call, folder, call.depth))

    def children_levels(self, call: Call) -> int | None:
        """/children, /categories: the direct children always, ``depth`` levels more."""
        return None if call.depth is None else call.depth + 1

    # ---------------------------------------------------------- the parts: GET

    def get_children(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        document = self.category_document(call, folder, self.children_levels(call))
        if "children" in call.query:
            self.keep_children(document, call.query["children"])
        return Answer(200, document)

    def keep_children(self, document: dict[str, Any], wanted: str) -> None:
        """``children=id1,id2`` (the viewer's FetchCategorySubset): only those children."""
        ids = {uid for text in wanted.split(",") if (uid := canonical_uuid(text))}
        for part, members in document.get("_embedded", {}).items():
            document["_embedded"][part] = {k: v for k, v in members.items() if k in ids}

    def get_links(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        return Answer(200, self.category_document(call, folder, 1, ("links",)))

    def get_items(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        return Answer(200, self.category_document(call, folder, 1, ("items", "links")))

    def get_categories(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        return Answer(200, self.category_document(call, folder, self.children_levels(call),
                                                  ("categories",)))

    # ------------------------------------------------------------------ Category writes

    def post_category(self, call: Call, name: str) -> Answer:
        """Create the categories, items and links of the body in the category."""
        parent = self.category(call, name)
        body = self.read_body(call)
        if not isinstance(body, dict):
            raise AisError(400, "the body must be a map of categories, items and links")
        touched: dict[str, int] = {}
        created_categories: list[str] = []
        created_items: list[str] = []
        for entry in self.entries(body, "categories"):
            created_categories.append(self.create_category(call, parent.id, entry, touched))
        for entry in self.entries(body, "items"):
            created_items.append(self.create_item(call, parent.id, entry, touched))
        self.check_link_targets(call, self.entries(body, "links"))
        for entry in self.entries(body, "links"):
            created_items.append(self.create_link(call, parent.id, entry, touched))
        document = self.category_document(call, self.category(call, parent.id))
        document["_embedded"] = self.created_embedded(call, created_categories, created_items)
        document["_created_categories"] = [uuid.UUID(i) for i in created_categories]
        document["_created_items"] = [uuid.UUID(i) for i in created_items]
        document["_updated_category_versions"] = self.versions(touched)
        location = call.url(f"/category/{parent.id}/children")
        return Answer(201, document, {"Location": location})

    def created_embedded(self, call: Call, categories: list[str],
                         items: list[str]) -> dict[str, Any]:
        section: dict[str, Any] = {"categories": {}, "items": {}, "links": {}}
        for folder_id in categories:
            folder = self.store.folder(folder_id)
            if folder is not None:
                section["categories"][folder_id] = self.category_document(call, folder, 1)
        for item_id in items:
            item = self.store.item(item_id)
            if item is not None:
                key = "links" if is_link(item) else "items"
                section[key][item_id] = self.object_document(call, item)
        return section

    def put_category(self, call: Call, name: str) -> Answer:
        """Create a missing 'special' category (201); an existing one is 409."""
        folder_id = self.resolve(call, name)
        if folder_id is not None:
            existing = self.store.folder(folder_id)
            if existing is not None and existing.owner == call.owner:
                raise ExistingCategory(self.category_document(call, existing))
            raise AisError(404, "category not found", category_id=folder_id)
        folder_type = wire.SPECIAL_CATEGORIES.get(name)
        root = self.root_id(call.owner)
        if folder_type is None or root is None:
            raise AisError(404, f"{name!r} is not a special category name")
        touched: dict[str, int] = {}
        folder = Folder(id=str(uuid.uuid4()), parent_id=root, owner=call.owner,
                        name=SPECIAL_NAMES.get(folder_type, name), type=folder_type,
                        version=1)
        self.store.store_folder(folder)
        self.bump(root, touched)
        document = self.category_document(call, folder)
        document["_created_categories"] = [uuid.UUID(folder.id)]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(201, document, {"Location": call.url(f"/category/{folder.id}")})

    def patch_category(self, call: Call, name: str) -> Answer:
        """Rename (``name``); the viewer's full form (``item_id``, ``type``, …) is read
        for its name; a new ``parent_id`` moves the category."""
        folder = self.category(call, name)
        body = self.read_body(call)
        if not isinstance(body, dict):
            raise AisError(400, "the body must be a map", category_id=folder.id)
        new_name = body.get("name", folder.name)
        if not isinstance(new_name, str):
            raise AisError(400, "name must be a string", category_id=folder.id)
        touched: dict[str, int] = {}
        parent_id = canonical_uuid(str(body.get("parent_id") or "")) or folder.parent_id
        updated = replace(folder, name=new_name)
        if parent_id != folder.parent_id:
            self.category(call, parent_id)
            updated = replace(updated, parent_id=parent_id)
            self.bump(parent_id, touched)
        if updated != folder:
            self.store.store_folder(updated)
            self.bump(folder.parent_id, touched)
        document = self.category_document(call, self.category(call, folder.id))
        document["_updated_categories"] = [uuid.UUID(folder.id)]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(200, document)

    def copy_category(self, call: Call, name: str) -> Answer:
        """Copy the category (with its subfolders unless depth=0) into Destination."""
        source = self.category(call, name)
        inventory = self.inventory_call(call)
        destination = self.destination(call)
        touched: dict[str, int] = {}
        created_categories: list[str] = []
        created_items: list[str] = []
        self.check_copyable(source)
        top = self.copy_tree(inventory, source, destination.id, self.copies_subfolders(call),
                             touched,
                             created_categories, created_items)
        document = self.category_document(inventory, self.store.folder(top) or source, None)
        document["_created_categories"] = [uuid.UUID(i) for i in created_categories]
        document["_created_items"] = [uuid.UUID(i) for i in created_items]
        document["_updated_category_versions"] = self.versions(touched)
        document["_top_category_id"] = uuid.UUID(top)
        document["_removed_items"] = []
        document["_moved_items"] = []
        return Answer(201, document, {"Location": inventory.url(f"/category/{top}")})

    def move_category(self, call: Call, name: str) -> Answer:
        folder = self.category(call, name)
        destination = self.destination(call)
        if destination.id in self.lineage(destination.id) and \
                folder.id in self.lineage(destination.id):
            raise AisError(400, "a category cannot move into itself", category_id=folder.id)
        touched: dict[str, int] = {}
        self.store.store_folder(replace(folder, parent_id=destination.id))
        self.bump(folder.parent_id, touched)
        self.bump(destination.id, touched)
        document = self.category_document(call, self.category(call, folder.id))
        document["_updated_categories"] = [uuid.UUID(folder.id)]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(200, document, {"Location": call.url(f"/category/{folder.id}")})

    def delete_category(self, call: Call, name: str) -> Answer:
        """DELETE of a category or of one of its parts: what the resource covers goes
        (the category with all it holds; its children; its links; its items, links
        included; its subcategories), and the answer lists what was removed."""
        folder = self.gone_category(call, name)
        part = self.part_of(call)
        if part:
            categories, items = self.members(folder, part)
        elif folder.parent_id == ZERO_UUID:
            raise AisError(403, "the root category cannot be deleted", category_id=folder.id)
        else:
            categories, items = [folder], []
        removed, touched = self.removal(), dict[str, int]()
        self.remove_members(categories, items, removed, touched)
        return self.removal_answer(removed, touched)

    def put_links(self, call: Call, name: str) -> Answer:
        """Replace the category's links with those of the body (a bare array, as the
        viewer sends it; a map with ``links`` is read too)."""
        folder = self.category(call, name)
        body = self.read_body(call)
        entries = body.get("links") if isinstance(body, dict) else body
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise AisError(400, "the body must be an array of links")
        self.check_link_targets(call, entries)
        touched: dict[str, int] = {}
        removed = self.removal()
        for item in self.store.items_where("folder = ?", folder.id):
            if is_link(item):
                self.remove_item(item, removed, touched)
        created = [self.create_link(call, folder.id, entry, touched) for entry in entries]
        document = self.category_document(call, self.category(call, folder.id), 1, ("links",))
        document["_created_items"] = [uuid.UUID(i) for i in created]
        document["_category_items_removed"] = removed["_category_items_removed"]
        document["_linked_ids"] = [uuid.UUID(canonical_uuid(str(e.get("linked_id")))
                                             or ZERO_UUID) for e in entries]
        document["_updated_items"] = []
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(201, document, {"Location": call.url(f"/category/{folder.id}/links")})

    # ---------------------------------------------------------- the NONE methods on parts

    def copy_part(self, call: Call, name: str) -> Answer:
        """COPY of a category's part (NONE on the wiki): its members, copied into the
        Destination."""
        source = self.category(call, name)
        inventory = self.inventory_call(call)
        destination = self.destination(call)
        categories, items = self.members(source, self.part_of(call))
        self.check_part_copyable(categories, items)
        touched: dict[str, int] = {}
        created_categories: list[str] = []
        created_items = [self.copy_one(inventory, item, destination.id, touched)
                         for item in items]
        for child in categories:
            self.copy_tree(inventory, child, destination.id, True, touched,
                           created_categories, created_items)
        document = self.category_document(inventory, destination, 1)
        document["_created_categories"] = [uuid.UUID(i) for i in created_categories]
        document["_created_items"] = [uuid.UUID(i) for i in created_items]
        document["_updated_category_versions"] = self.versions(touched)
        document["_top_category_id"] = uuid.UUID(destination.id)
        document["_removed_items"] = []
        document["_moved_items"] = []
        return Answer(201, document, {"Location": inventory.url(f"/category/{destination.id}")})

    def move_part(self, call: Call, name: str) -> Answer:
        """MOVE of a category's part (NONE on the wiki): its members, moved into the
        Destination."""
        source = self.category(call, name)
        destination = self.destination(call)
        if source.id in self.lineage(destination.id):
            raise AisError(400, "a category cannot move into itself", category_id=source.id)
        categories, items = self.members(source, self.part_of(call))
        touched: dict[str, int] = {}
        for child in categories:
            self.store.store_folder(replace(child, parent_id=destination.id))
        for item in items:
            self.store.store_item(replace(item, folder=destination.id))
        if categories or items:
            self.bump(source.id, touched)
            self.bump(destination.id, touched)
        document = self.category_document(call, self.category(call, source.id), 1)
        document["_updated_items"] = [uuid.UUID(i.id) for i in items]
        document["_updated_categories"] = [uuid.UUID(c.id) for c in categories]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(200, document, {"Location": call.url(f"/category/{destination.id}")})

    def put_part(self, call: Call, name: str) -> Answer:
        """PUT of a category's children, items or categories (NONE on the wiki): the
        members are replaced by those of the body (newEmbeddedChildren; an array of
        categories for /categories)."""
        folder = self.category(call, name)
        part = self.part_of(call)
        body = self.read_body(call)
        if part == "categories" and isinstance(body, list):
            body = {"categories": body}
        if not isinstance(body, dict):
            raise AisError(400, "the body must be newEmbeddedChildren")
        removed, touched = self.removal(), dict[str, int]()
        categories, items = self.members(folder, part)
        self.remove_members(categories, items, removed, touched)
        created_categories = [self.create_category(call, folder.id, entry, touched)
                              for entry in self.entries(body, "categories")]
        created_items = [self.create_item(call, folder.id, entry, touched)
                         for entry in self.entries(body, "items")]
        self.check_link_targets(call, self.entries(body, "links"))
        created_items += [self.create_link(call, folder.id, entry, touched)
                          for entry in self.entries(body, "links")]
        document = {**self.category_document(call, self.category(call, folder.id), 1),
                    **{k: v for k, v in removed.items() if k != "_removed_items"}}
        document["_created_categories"] = [uuid.UUID(i) for i in created_categories]
        document["_created_items"] = [uuid.UUID(i) for i in created_items]
        document["_linked_ids"] = [uuid.UUID(canonical_uuid(str(e.get("linked_id")))
                                             or ZERO_UUID) for e in self.entries(body, "links")]
        document["_updated_items"] = []
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(201, document, {"Location": call.url(f"/category/{folder.id}/{part}")})

    # ------------------------------------------------------------------ orphans

    def get_orphans(self, call: Call, _: str) -> Answer:
        """GET /orphans (the viewer's FetchOrphans, not on the wiki): the agent's
        categories and items whose parent category does not exist."""
        folders = {f.id: f for f in self.store.folders_where("owner = ?", call.owner)}
        categories = {f.id: self.category_document(call, f) for f in folders.values()
                      if f.parent_id != ZERO_UUID and f.parent_id not in folders}
        items: dict[str, Any] = {}
        links: dict[str, Any] = {}
        for item in self.store.items_where("owner = ?", call.owner):
            if item.folder not in folders:
                (links if is_link(item) else items)[item.id] = self.object_document(call, item)
        return Answer(200, {"_embedded": {"categories": categories, "items": items,
                                          "links": links}})

    # ------------------------------------------------------------------ Item

    def get_item(self, call: Call, item_id: str) -> Answer:
        return Answer(200, self.object_document(call, self.item(call, item_id)))

    def patch_item(self, call: Call, item_id: str) -> Answer:
        """Change what modifyItem / modifyLink name; the viewer's full item (types as
        words, flags as binary) is read too; a new ``parent_id`` moves the item."""
        item = self.item(call, item_id)
        body = self.read_body(call)
        if not isinstance(body, dict):
            raise AisError(400, "the body must be a map", item_id=item.id)
        updated = self.apply_item_patch(call, item, body)
        touched: dict[str, int] = {}
        if updated != item:
            self.store.store_item(updated)
            self.bump(item.folder, touched)
            if updated.folder != item.folder:
                self.bump(updated.folder, touched)
        document = self.object_document(call, updated)
        document["_updated_items"] = [uuid.UUID(item.id)]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(200, document)

    def apply_item_patch(self, call: Call, item: Item, body: dict[str, Any]) -> Item:
        def text(key: str, current: str) -> str:
            value = body.get(key, current)
            if not isinstance(value, str):
                raise AisError(400, f"{key} must be a string", item_id=item.id)
            return value

        updated = replace(item, name=text("name", item.name),
                          description=text("desc", item.description))
        if "flags" in body:
            updated = replace(updated, flags=flags_value(body["flags"], item))
        sale = body.get("sale_info")
        if isinstance(sale, dict):
            updated = replace(updated, sale_price=integer(sale.get("sale_price"),
                                                          item.sale_price),
                              sale_type=sale_type(sale.get("sale_type"), item.sale_type))
        permissions = body.get("permissions")
        if isinstance(permissions, dict):
            updated = replace(
                updated,
                current_permissions=integer(permissions.get("owner_mask"),
                                            item.current_permissions) & item.base_permissions,
                everyone_permissions=integer(permissions.get("everyone_mask"),
                                             item.everyone_permissions),
                next_permissions=integer(permissions.get("next_owner_mask"),
                                         item.next_permissions),
                group_permissions=integer(permissions.get("group_mask"),
                                          item.group_permissions))
        asset = canonical_uuid(str(body.get("linked_id" if is_link(item) else "asset_id")
                                   or ""))
        if asset is not None:
            updated = replace(updated, asset_id=asset)
        parent = canonical_uuid(str(body.get("parent_id") or ""))
        if parent is not None and parent != item.folder:
            updated = replace(updated, folder=self.category(call, parent).id)
        return updated

    def copy_item(self, call: Call, item_id: str) -> Answer:
        item = self.item(call, item_id)
        inventory = self.inventory_call(call)
        destination = self.destination(call)
        if not is_link(item) and not item.current_permissions & PERM_COPY:
            raise AisError(403, "permissions check failed: the item is not copyable")
        touched: dict[str, int] = {}
        copy_id = self.copy_one(inventory, item, destination.id, touched)
        copy = self.store.item(copy_id) or item
        document = self.object_document(inventory, copy)
        document["_created_items"] = [uuid.UUID(copy_id)]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(201, document, {"Location": inventory.url(f"/item/{copy_id}")})

    def move_item(self, call: Call, item_id: str) -> Answer:
        item = self.item(call, item_id)
        destination = self.destination(call)
        touched: dict[str, int] = {}
        moved = replace(item, folder=destination.id)
        self.store.store_item(moved)
        self.bump(item.folder, touched)
        self.bump(destination.id, touched)
        document = self.object_document(call, moved)
        document["_updated_items"] = [uuid.UUID(item.id)]
        document["_updated_category_versions"] = self.versions(touched)
        return Answer(200, document, {"Location": call.url(f"/item/{item.id}")})

    def delete_item(self, call: Call, item_id: str) -> Answer:
        try:
            item = self.item(call, item_id)
        except AisError as error:
            if error.status == 404:
                raise AisError(410, "item gone", **error.context) from error
            raise
        removed, touched = self.removal(), dict[str, int]()
        self.remove_item(item, removed, touched)
        return self.removal_answer(removed, touched)
