"""The XInventory service of each release double (see tests/doubles/__init__.py).

The reference already writes replies as OpenSimulator does (the declaration without an
encoding, indented result-only replies, one-line data replies, True/False); a double
overrides only the rules where its release answers otherwise (docs/interop/xinventory.md
says where in each release's source).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from conformance.reference.xinventory import (
    SYSTEM_FOLDERS,
    Params,
    Reply,
    XInventoryService,
)
from conformance.wire.ids import canonical_uuid
from conformance.wire.xinventory import ZERO_UUID, Item, ServerData

#: The system folders of 0.9.1: the classic ones, Favorites and Current Outfit.
SYSTEM_FOLDERS_0_9_1 = tuple(kind for kind in SYSTEM_FOLDERS
                             if kind[1] not in ("Settings", "Materials"))


class OpenSimulator091(XInventoryService):
    """OpenSimulator 0.9.1.1: CREATEUSERINVENTORY makes the root with Type 8
    (FolderType.Root), not the wiki's 9, and no Settings or Materials folder; UPDATEITEM
    keeps CreatorData given to an item stored without it (the invariant reset in
    XInventoryService.UpdateItem assigns the creator's bare UUID, which leaves it)."""

    root_type = 8
    system_folder_kinds = SYSTEM_FOLDERS_0_9_1

    def keep_invariants(self, existing: Item, update: Item) -> Item:
        kept = super().keep_invariants(existing, update)
        if not existing.creator_data:
            kept = replace(kept, creator_data=update.creator_data)
        return kept


class OpenSimulatorMaster(OpenSimulator091):
    """OpenSimulator master: as 0.9.1, with every system folder of today, and a
    whitespace-only Description stored empty (the InventoryItemBase.Description setter,
    since 2020)."""

    system_folder_kinds: ClassVar[tuple[tuple[int, str], ...]] = SYSTEM_FOLDERS

    def build_item(self, params: Params) -> Item:
        item = super().build_item(params)
        if item.description.isspace():
            item = replace(item, description="")
        return item


#: The system folders of 0.9.2: no Materials folder yet.
SYSTEM_FOLDERS_0_9_2 = tuple(kind for kind in SYSTEM_FOLDERS if kind[1] != "Materials")


class OpenSimulator092(OpenSimulatorMaster):
    """OpenSimulator 0.9.2.2: reads scoped to a non-zero PRINCIPAL, UPDATEITEM that
    changes Owner answers False and changes nothing, GETMULTIPLEITEMS leaves unknown IDs
    out, GETFOLDERCONTENT of an unknown folder answers FID zero, no Materials folder."""

    system_folder_kinds = SYSTEM_FOLDERS_0_9_2

    def scope(self, params: Params) -> str | None:
        """The PRINCIPAL reads are scoped to: None when absent or zero."""
        principal = canonical_uuid(params.text("PRINCIPAL")) if "PRINCIPAL" in params else None
        return None if principal in (None, ZERO_UUID) else principal

    def owned_by(self, owner: str, params: Params) -> bool:
        scope = self.scope(params)
        return scope is None or canonical_uuid(owner) == scope

    def get_folder(self, params: Params) -> Reply:
        folder = self.store.folder(params.try_uuid("ID"))
        if folder is None or not self.owned_by(folder.owner, params):
            return {}
        return {"folder": self.encode_folder(folder)}

    def get_item(self, params: Params) -> Reply:
        item = self.store.item(params.try_uuid("ID"))
        if item is None or not self.owned_by(item.owner, params):
            return {}
        return {"item": self.encode_item(item)}

    def get_folder_content(self, params: Params) -> Reply:
        folder = self.store.folder(params.try_uuid("FOLDER"))
        if folder is None or not self.owned_by(folder.owner, params):
            return {"FID": ZERO_UUID, "VERSION": "0", "FOLDERS": {}, "ITEMS": {}}
        return self.folder_content(folder.id)

    def get_multiple_items(self, params: Params) -> Reply:
        if canonical_uuid(params.text("PRINCIPAL")) is None:
            return {}
        found: list[ServerData] = []
        for text in params.text("ITEMS").split(","):
            item = self.store.item(canonical_uuid(text) or ZERO_UUID)
            if item is not None and self.owned_by(item.owner, params):
                found.append(self.encode_item(item))
        return {f"item_{index}": slot for index, slot in enumerate(found)}

    def update_item(self, params: Params) -> Reply:
        item = self.build_item(params)
        existing = self.store.item(item.id)
        if existing is not None and canonical_uuid(existing.owner) != canonical_uuid(item.owner):
            return False  # looked up under the new owner: not found
        return super().update_item(params)


#: ReferenceConfig keyword arguments of each double's XInventory service.
RELEASE_0_9_1: dict[str, Any] = {"xinventory_service": OpenSimulator091}
MASTER: dict[str, Any] = {"xinventory_service": OpenSimulatorMaster}
RELEASE_0_9_2: dict[str, Any] = {"xinventory_service": OpenSimulator092}
#: The wiki documents GETROOTFOLDER only, and the reference does what it says.
WIKI_LITERAL: dict[str, Any] = {}
