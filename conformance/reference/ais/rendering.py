"""How the reference AIS3 writes what it holds: the category document (categoryResponse)
with ``_links`` and ``_embedded`` collections keyed by UUID, the item and link documents,
and ``_updated_category_versions``."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from conformance.reference.ais.base import AisBase, Call, is_link
from conformance.reference.xinventory.store import viewer_folder_type
from conformance.wire import ais as wire
from conformance.wire.ids import ZERO_UUID, canonical_uuid
from conformance.wire.xinventory import Folder, Item


class AisRendering(AisBase):
    """The documents of categories, items and links."""

    base_uri: ClassVar[str] = "slcap://"

    def link_href(self, path: str) -> dict[str, str]:
        return {"href": path}

    def category_links(self, folder: Folder) -> dict[str, Any]:
        base = f"/category/{folder.id}"
        return {"self": self.link_href(base), "parent": self.link_href(
                    f"/category/{folder.parent_id}"),
                "links": self.link_href(f"{base}/links"),
                "items": self.link_href(f"{base}/items"),
                "children": self.link_href(f"{base}/children"),
                "categories": self.link_href(f"{base}/categories")}

    def category_document(self, call: Call, folder: Folder, levels: int | None = 0,
                          parts: tuple[str, ...] = ("categories", "items", "links")
                          ) -> dict[str, Any]:
        """A category; with ``levels`` > 0 (None: unlimited) its children embedded that
        many levels deep, each level a map keyed by UUID."""
        document: dict[str, Any] = {
            "_links": self.category_links(folder),
            "_base_uri": self.base_uri + call.cap,
            "name": folder.name,
            "type_default": viewer_folder_type(folder.type),
            "parent_id": uuid.UUID(folder.parent_id),
            "version": folder.version,
            "agent_id": uuid.UUID(folder.owner),
            "category_id": uuid.UUID(folder.id),
        }
        if levels is None or levels > 0:
            document["_embedded"] = self.embedded(call, folder, None if levels is None
                                                  else levels - 1, parts)
        return document

    def embedded(self, call: Call, folder: Folder, levels: int | None,
                 parts: tuple[str, ...]) -> dict[str, Any]:
        section: dict[str, Any] = {}
        if "categories" in parts:
            section["categories"] = self.keyed(
                (child.id, self.category_document(call, child, levels, parts))
                for child in self.store.folders_where("parent_id = ?", folder.id))
        contents = self.store.items_where("folder = ?", folder.id)
        if "items" in parts:
            section["items"] = self.keyed((item.id, self.item_document(call, item))
                                          for item in contents if not is_link(item))
        if "links" in parts:
            section["links"] = self.keyed((item.id, self.link_document(call, item))
                                          for item in contents if is_link(item))
        return section

    def keyed(self, pairs: Any) -> Any:
        """An ``_embedded`` collection: a map from UUID to object."""
        return dict(pairs)

    def item_document(self, call: Call, item: Item) -> dict[str, Any]:
        return {
            "_links": {"self": self.link_href(f"/item/{item.id}"),
                       "parent": self.link_href(f"/category/{item.folder}")},
            "_base_uri": self.base_uri + call.cap,
            "item_id": uuid.UUID(item.id),
            "parent_id": uuid.UUID(item.folder),
            "agent_id": uuid.UUID(item.owner),
            "asset_id": uuid.UUID(item.asset_id),
            "name": item.name,
            "desc": item.description,
            "type": item.asset_type,
            "inv_type": item.inv_type,
            "flags": item.flags,
            "created_at": item.creation_date,
            "sale_info": {"sale_price": item.sale_price, "sale_type": item.sale_type},
            "permissions": {
                "base_mask": item.base_permissions, "owner_mask": item.current_permissions,
                "group_mask": item.group_permissions,
                "everyone_mask": item.everyone_permissions,
                "next_owner_mask": item.next_permissions,
                "creator_id": uuid.UUID(canonical_uuid(item.creator_id) or ZERO_UUID),
                "owner_id": uuid.UUID(item.owner),
                "last_owner_id": uuid.UUID(item.owner),
                "group_id": uuid.UUID(item.group_id),
            },
        }

    def link_document(self, call: Call, link: Item) -> dict[str, Any]:
        target_key = "category" if link.asset_type == wire.LINK_FOLDER_TYPE else "item"
        document: dict[str, Any] = {
            "_links": {"self": self.link_href(f"/item/{link.id}"),
                       "parent": self.link_href(f"/category/{link.folder}"),
                       target_key: self.link_href(f"/{target_key}/{link.asset_id}")},
            "_base_uri": self.base_uri + call.cap,
            "item_id": uuid.UUID(link.id),
            "linked_id": uuid.UUID(link.asset_id),
            "parent_id": uuid.UUID(link.folder),
            "agent_id": uuid.UUID(link.owner),
            "name": link.name,
            "desc": link.description,
            "type": link.asset_type,
            "inv_type": link.inv_type,
            "created_at": link.creation_date,
        }
        target = self.link_target(link)
        if isinstance(target, Folder):
            document["_embedded"] = {"category": self.category_document(call, target)}
        elif isinstance(target, Item):
            document["_embedded"] = {"item": self.item_document(call, target)}
        document["_broken"] = target is None
        return document

    def link_target(self, link: Item) -> Folder | Item | None:
        if link.asset_type == wire.LINK_FOLDER_TYPE:
            return self.store.folder(link.asset_id)
        return self.store.item(link.asset_id)

    def object_document(self, call: Call, item: Item) -> dict[str, Any]:
        return self.link_document(call, item) if is_link(item) else \
            self.item_document(call, item)

    def versions(self, touched: dict[str, int]) -> dict[str, int]:
        """``_updated_category_versions``: a map from each touched folder that still
        exists to its version now."""
        result = {}
        for folder_id in touched:
            folder = self.store.folder(folder_id)
            if folder is not None:
                result[folder_id] = folder.version
        return result
