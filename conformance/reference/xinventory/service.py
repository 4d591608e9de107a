"""The XInventory service's routes and rules: one URI, the operation chosen by METHOD,
one small handler per METHOD and one small method per rule."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import ClassVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.reference.xinventory.params import (
    BYTE,
    INT16,
    UINT16,
    UINT32,
    BadRequest,
    Params,
    Reply,
)
from conformance.reference.xinventory.store import (
    CALLING_CARD_TYPE,
    DELETABLE_UNDER,
    GESTURE_ASSET_TYPE,
    LEGACY_ROOT_TYPE,
    LINK_ASSET_TYPES,
    OUTFIT_TYPE,
    PLAIN_TYPE,
    ROOT_NAME,
    SCHEMA,
    SYSTEM_FOLDERS,
    VIEWER_ROOT_TYPE,
    InventoryStore,
)
from conformance.wire import xinventory as wire
from conformance.wire.xinventory import ZERO_UUID, Folder, Item, ServerData, canonical_uuid

XML_TYPE = "application/xml"


@dataclass
class XInventorySettings:
    """Robust.ini's [InventoryService] AllowDelete."""

    allow_delete: bool = True


class XInventoryService:
    """The routes and rules of the XInventory service."""

    schema: ClassVar[str] = SCHEMA
    #: The Type of a root folder: 9, as the wiki says it always is (RootCategory). Peers
    #: read 8 (FolderType.Root, what OpenSimulator creates today) as the root too.
    root_type: ClassVar[int] = LEGACY_ROOT_TYPE
    #: The system folders CREATEUSERINVENTORY makes under the root.
    system_folder_kinds: ClassVar[tuple[tuple[int, str], ...]] = SYSTEM_FOLDERS

    def __init__(self, db: sqlite3.Connection,
                 settings: XInventorySettings | None = None) -> None:
        self.store = InventoryStore(db)
        self.settings = settings or XInventorySettings()
        self.methods: dict[str, Callable[[Params], Reply]] = {
            "CREATEUSERINVENTORY": self.create_user_inventory,
            "GETINVENTORYSKELETON": self.get_inventory_skeleton,
            "GETROOTFOLDER": self.get_root_folder,
            "GETFOLDERFORTYPE": self.get_folder_for_type,
            "GETFOLDERCONTENT": self.get_folder_content,
            "GETMULTIPLEFOLDERSCONTENT": self.get_multiple_folders_content,
            "GETFOLDERITEMS": self.get_folder_items,
            "ADDFOLDER": self.add_folder,
            "UPDATEFOLDER": self.update_folder,
            "MOVEFOLDER": self.move_folder,
            "DELETEFOLDERS": self.delete_folders,
            "PURGEFOLDER": self.purge_folder,
            "ADDITEM": self.add_item,
            "UPDATEITEM": self.update_item,
            "MOVEITEMS": self.move_items,
            "DELETEITEMS": self.delete_items,
            "GETITEM": self.get_item,
            "GETMULTIPLEITEMS": self.get_multiple_items,
            "GETFOLDER": self.get_folder,
            "GETACTIVEGESTURES": self.get_active_gestures,
            "GETASSETPERMISSIONS": self.get_asset_permissions,
        }

    def routes(self) -> list[Route]:
        # One URI; OpenSimulator matches it as a prefix.
        return [
            Route("/xinventory", self.handle, methods=["POST"]),
            Route("/xinventory/{rest:path}", self.handle, methods=["POST"]),
        ]

    # ------------------------------------------------------------------ transport

    async def handle(self, request: Request) -> Response:
        params = Params(self.parse_params(await request.body()))
        try:
            reply = self.dispatch(params)
        except Exception:  # OpenSimulator answers any failure with RESULT False
            reply = False
        body = self.render_result(reply) if isinstance(reply, bool) else self.render_data(reply)
        return Response(body, media_type=XML_TYPE)

    def parse_params(self, body: bytes) -> dict[str, str | list[str]]:
        return wire.parse_form(body)

    def dispatch(self, params: Params) -> Reply:
        method = params.values.get("METHOD")
        handler = self.methods.get(method) if isinstance(method, str) else None
        if handler is None:
            return False  # METHOD missing or unknown
        return handler(params)

    def render_result(self, value: bool) -> bytes:
        return wire.encode_result(value)

    def render_data(self, data: ServerData) -> bytes:
        return wire.encode_response(data)

    def boolean_text(self, value: bool) -> str:
        return "True" if value else "False"

    def encode_folder(self, folder: Folder) -> ServerData:
        return dict(folder.fields())

    def encode_item(self, item: Item) -> ServerData:
        fields = item.fields()
        fields["GroupOwned"] = self.boolean_text(item.group_owned)
        return dict(fields)

    def numbered(self, prefix: str, records: Iterable[ServerData]) -> ServerData:
        return {f"{prefix}_{index}": record for index, record in enumerate(records)}

    def folder_list(self, folders: Iterable[Folder]) -> ServerData:
        return self.numbered("folder", (self.encode_folder(f) for f in folders))

    def item_list(self, items: Iterable[Item]) -> ServerData:
        return self.numbered("item", (self.encode_item(i) for i in items))

    # ------------------------------------------------------------------ user inventory

    def create_user_inventory(self, params: Params) -> Reply:
        """True only when the root is new; missing system folders are always added."""
        principal = params.uuid("PRINCIPAL")
        root = self.root_folder(principal)
        created = root is None
        if root is None:
            root = self.create_folder(principal, ZERO_UUID, self.root_type, ROOT_NAME)
        present = {f.type for f in self.system_folders(root)}
        for folder_type, name in self.system_folder_kinds:
            if folder_type not in present:
                folder = self.create_folder(principal, root.id, folder_type, name)
                if folder_type == CALLING_CARD_TYPE:
                    friends = self.create_folder(principal, folder.id, folder_type, "Friends")
                    self.create_folder(principal, friends.id, folder_type, "All")
        return {"RESULT": self.boolean_text(created)}

    def create_folder(self, owner: str, parent_id: str, folder_type: int, name: str) -> Folder:
        folder = Folder(id=str(uuid.uuid4()), parent_id=parent_id, owner=owner, name=name,
                        type=folder_type, version=1)
        self.store_folder(folder)
        return folder

    def system_folders(self, root: Folder) -> list[Folder]:
        return [f for f in self.store.folders_where("parent_id = ? AND owner = ?", root.id,
                                                   root.owner) if f.type >= 0]

    def get_inventory_skeleton(self, params: Params) -> Reply:
        principal = params.uuid("PRINCIPAL")
        return {"FOLDERS": self.folder_list(self.store.folders_where("owner = ?", principal))}

    def get_root_folder(self, params: Params) -> Reply:
        root = self.root_folder(params.try_uuid("PRINCIPAL"))
        return {"folder": self.encode_folder(root)} if root else {}

    def root_folder(self, principal: str) -> Folder | None:
        """The principal's parentless folder named "My Inventory", else the first one."""
        roots = self.store.folders_where("owner = ? AND parent_id = ?", principal, ZERO_UUID)
        named = [f for f in roots if f.name == ROOT_NAME]
        return next(iter(named or roots), None)

    def get_folder_for_type(self, params: Params) -> Reply:
        principal = params.try_uuid("PRINCIPAL")
        folder_type = params.try_integer("TYPE")
        root = self.root_folder(principal)
        folder = self.folder_for_type(root, folder_type) if root else None
        return {"folder": self.encode_folder(folder)} if folder else {}

    def folder_for_type(self, root: Folder, folder_type: int) -> Folder | None:
        """The root itself for the root's type (and for 8, FolderType.Root, as
        OpenSimulator's GetFolderForType answers it), else the root's child of that type."""
        if folder_type in (root.type, VIEWER_ROOT_TYPE):
            return root
        children = self.store.folders_where("parent_id = ? AND owner = ? AND type = ?",
                                            root.id, root.owner, folder_type)
        return children[0] if children else None

    # ------------------------------------------------------------------ content

    def get_folder_content(self, params: Params) -> Reply:
        params.try_uuid("PRINCIPAL")
        return self.folder_content(params.try_uuid("FOLDER"))

    def folder_content(self, folder_id: str) -> ServerData:
        """FID, VERSION (0 for an unknown folder), FOLDERS and ITEMS of one folder."""
        folder = self.store.folder(folder_id)
        return {
            "FID": folder_id,
            "VERSION": str(folder.version if folder else 0),
            "FOLDERS": self.folder_list(self.child_folders(folder_id)),
            "ITEMS": self.item_list(self.folder_items(folder_id)),
        }

    def child_folders(self, folder_id: str) -> list[Folder]:
        return self.store.folders_where("parent_id = ?", folder_id)

    def folder_items(self, folder_id: str) -> list[Item]:
        return self.store.items_where("folder = ?", folder_id)

    def get_multiple_folders_content(self, params: Params) -> Reply:
        principal = params.try_uuid("PRINCIPAL")
        ids = params.text("FOLDERS").split(",")
        if params.try_integer("COUNT") < len(ids):
            return False  # OpenSimulator sizes its array by COUNT and overruns it
        result: ServerData = {}
        for text in ids:
            folder_id = canonical_uuid(text) or ZERO_UUID
            content = self.folder_content(folder_id)
            folder = self.store.folder(folder_id)
            content["OWNER"] = folder.owner if folder else principal
            result[f"F_{folder_id}"] = content
        return result

    def get_folder_items(self, params: Params) -> Reply:
        params.try_uuid("PRINCIPAL")
        return {"ITEMS": self.item_list(self.folder_items(params.try_uuid("FOLDER")))}

    # ------------------------------------------------------------------ folders

    def build_folder(self, params: Params) -> Folder:
        return Folder(
            parent_id=params.uuid("ParentID"), type=params.integer("Type", INT16),
            version=params.integer("Version", UINT16), name=params.text("Name"),
            owner=params.uuid("Owner"), id=params.uuid("ID"),
        )

    def add_folder(self, params: Params) -> Reply:
        return self.add_folder_record(self.build_folder(params))

    def add_folder_record(self, folder: Folder) -> bool:
        if self.store.folder(folder.id) is not None:
            return False
        if folder.type != PLAIN_TYPE and not self.may_add_typed_folder(folder):
            return False
        self.store_folder(folder)
        return True

    def may_add_typed_folder(self, folder: Folder) -> bool:
        """A typed folder needs a root, and the root holds one system folder per type."""
        root = self.root_folder(folder.owner)
        if root is None:
            return False
        return folder.parent_id != root.id or self.folder_for_type(root, folder.type) is None

    def update_folder(self, params: Params) -> Reply:
        folder = self.build_folder(params)
        existing = self.store.folder(folder.id)
        if existing is None:
            return self.add_folder_record(folder)
        if self.is_system_update(existing, folder):
            if folder.version < existing.version:
                return False
            self.store_folder(replace(existing, version=folder.version))
            return True
        self.store_folder(replace(folder, version=self.kept_version(existing, folder)))
        return True

    def kept_version(self, existing: Folder, update: Folder) -> int:
        """The Version of a folder never goes down."""
        return max(existing.version, update.version)

    def is_system_update(self, existing: Folder, update: Folder) -> bool:
        """Only the Version of a typed folder changes (outfits excepted)."""
        typed = existing.type != PLAIN_TYPE or update.type != PLAIN_TYPE
        outfit = existing.type == OUTFIT_TYPE and update.type == OUTFIT_TYPE
        return typed and not outfit

    def store_folder(self, folder: Folder) -> None:
        """Store a folder; its parent's version goes up."""
        self.store.store_folder(folder)
        self.bump_version(folder.parent_id)

    def move_folder(self, params: Params) -> Reply:
        parent_id = params.try_uuid("ParentID")
        folder = self.store.folder(params.try_uuid("ID"))
        params.try_uuid("PRINCIPAL")
        if folder is None or folder.id in self.lineage(parent_id):
            return False  # unknown, or a move into itself or its own subtree
        self.store.store_folder(replace(folder, parent_id=parent_id))
        self.bump_version(folder.parent_id)
        self.bump_version(parent_id)
        return True

    def lineage(self, folder_id: str) -> list[str]:
        return self.store.lineage(folder_id)

    def delete_folders(self, params: Params) -> Reply:
        params.try_uuid("PRINCIPAL")
        ids = params.many("FOLDERS")
        if not self.settings.allow_delete:
            return False
        for text in ids:
            folder_id = canonical_uuid(text)
            if folder_id and self.may_delete_in(folder_id):
                self.delete_folder_tree(folder_id)
        return True

    def delete_folder_tree(self, folder_id: str) -> None:
        """Delete a folder with everything in it."""
        self.empty_folder(folder_id)
        self.store.delete_folder(folder_id)

    def purge_folder(self, params: Params) -> Reply:
        folder_id = params.try_uuid("ID")
        if not self.settings.allow_delete or not self.may_delete_in(folder_id, itself=True):
            return False
        self.empty_folder(folder_id)
        return True

    def may_delete_in(self, folder_id: str, *, itself: bool = False) -> bool:
        """Only what is inside Trash or Lost And Found may be deleted; ``itself``: the
        folder may be Trash or Lost And Found (PURGEFOLDER empties Trash itself)."""
        lineage = self.lineage(folder_id)
        for ancestor in lineage if itself else lineage[1:]:
            folder = self.store.folder(ancestor)
            if folder is not None and folder.type in DELETABLE_UNDER:
                return True
        return False

    def empty_folder(self, folder_id: str) -> None:
        """Delete every folder and item below ``folder_id``, keeping the folder."""
        for child in self.child_folders(folder_id):
            self.delete_folder_tree(child.id)
        for item in self.folder_items(folder_id):
            self.remove_item(item)

    def bump_version(self, folder_id: str) -> None:
        """A folder's contents changed: its version goes up (an unsigned short)."""
        folder = self.store.folder(folder_id)
        if folder is not None:
            self.store.set_folder_version(folder_id, (folder.version + 1) % (UINT16[1] + 1))

    # ------------------------------------------------------------------ items

    def build_item(self, params: Params) -> Item:
        """Every field is required (ADDITEM, docs/interop/xinventory.md)."""
        return Item(
            asset_id=params.uuid("AssetID"), asset_type=params.integer("AssetType"),
            name=params.text("Name"), owner=params.uuid("Owner"), id=params.uuid("ID"),
            inv_type=params.integer("InvType"), folder=params.uuid("Folder"),
            creator_id=params.text("CreatorId"), creator_data=params.text("CreatorData"),
            description=params.text("Description"),
            next_permissions=params.integer("NextPermissions", UINT32),
            current_permissions=params.integer("CurrentPermissions", UINT32),
            base_permissions=params.integer("BasePermissions", UINT32),
            everyone_permissions=params.integer("EveryOnePermissions", UINT32),
            group_permissions=params.integer("GroupPermissions", UINT32),
            group_id=params.uuid("GroupID"), group_owned=params.boolean("GroupOwned"),
            sale_price=params.integer("SalePrice"), sale_type=params.integer("SaleType", BYTE),
            flags=params.integer("Flags", UINT32),
            creation_date=params.integer("CreationDate"),
        )

    def add_item(self, params: Params) -> Reply:
        self.store_item(self.build_item(params))
        return True

    def store_item(self, item: Item) -> None:
        """Store an item; its folder's version goes up."""
        self.store.store_item(item)
        self.bump_version(item.folder)

    def update_item(self, params: Params) -> Reply:
        item = self.build_item(params)
        if not self.settings.allow_delete and item.asset_type in LINK_ASSET_TYPES:
            return False
        existing = self.store.item(item.id)
        if existing is None:
            return False
        self.store_item(self.keep_invariants(existing, item))
        return True

    def keep_invariants(self, existing: Item, update: Item) -> Item:
        """UPDATEITEM cannot change the type, folder, creator or owner (MOVEITEMS moves)."""
        return replace(update, inv_type=existing.inv_type, asset_type=existing.asset_type,
                       folder=existing.folder, creator_id=existing.creator_id,
                       creator_data=existing.creator_data, owner=existing.owner)

    def move_items(self, params: Params) -> Reply:
        ids, destinations = params.many("IDLIST"), params.many("DESTLIST")
        params.try_uuid("PRINCIPAL")
        for item_id, destination in self.move_pairs(ids, destinations):
            self.move_item(item_id, destination)
        return True

    def move_pairs(self, ids: list[str], destinations: list[str]) -> list[tuple[str, str]]:
        """IDLIST[n] goes to DESTLIST[n]; unreadable ids are skipped."""
        pairs = []
        index = 0
        for text in ids:
            item_id = canonical_uuid(text)
            if item_id is None:
                continue
            if index >= len(destinations):
                raise BadRequest("DESTLIST is shorter than IDLIST")
            destination = canonical_uuid(destinations[index])
            index += 1
            if destination is not None:
                pairs.append((item_id, destination))
        return pairs

    def move_item(self, item_id: str, destination: str) -> None:
        item = self.store.item(item_id)
        if item is None:
            return
        self.store.store_item(replace(item, folder=destination))
        self.bump_version(item.folder)
        self.bump_version(destination)

    def delete_items(self, params: Params) -> Reply:
        params.try_uuid("PRINCIPAL")
        for text in params.many("ITEMS"):
            item = self.store.item(canonical_uuid(text) or ZERO_UUID)
            if item is not None and self.may_delete_item(item):
                self.remove_item(item)
        return True

    def may_delete_item(self, item: Item) -> bool:
        """With AllowDelete off only links go (they would pile up otherwise)."""
        return self.settings.allow_delete or item.asset_type in LINK_ASSET_TYPES

    def remove_item(self, item: Item) -> None:
        self.store.delete_item(item.id)
        self.bump_version(item.folder)

    def get_item(self, params: Params) -> Reply:
        item = self.store.item(params.try_uuid("ID"))
        return {"item": self.encode_item(item)} if item else {}

    def get_multiple_items(self, params: Params) -> Reply:
        if canonical_uuid(params.text("PRINCIPAL")) is None:
            return {}
        slots: list[ServerData | str] = []
        for text in params.text("ITEMS").split(","):
            item = self.store.item(canonical_uuid(text) or ZERO_UUID)
            slots.append(self.encode_item(item) if item else wire.NULL_SLOT)
        return {f"item_{index}": slot for index, slot in enumerate(slots)}

    def get_folder(self, params: Params) -> Reply:
        folder = self.store.folder(params.try_uuid("ID"))
        return {"folder": self.encode_folder(folder)} if folder else {}

    def get_active_gestures(self, params: Params) -> Reply:
        principal = params.try_uuid("PRINCIPAL")
        gestures = [item for item in self.store.items_where("owner = ?", principal)
                    if self.is_active_gesture(item)]
        return {"ITEMS": self.item_list(gestures)}

    def is_active_gesture(self, item: Item) -> bool:
        return item.asset_type == GESTURE_ASSET_TYPE and bool(item.flags & 1)

    def get_asset_permissions(self, params: Params) -> Reply:
        principal = params.try_uuid("PRINCIPAL")
        asset_id = params.try_uuid("ASSET")
        return {"RESULT": str(self.asset_permissions(principal, asset_id))}

    def asset_permissions(self, principal: str, asset_id: str) -> int:
        """The bitwise OR of CurrentPermissions of the principal's items of the asset."""
        permissions = 0
        for item in self.store.items_where("owner = ? AND asset_id = ?", principal, asset_id):
            permissions |= item.current_permissions
        return permissions
