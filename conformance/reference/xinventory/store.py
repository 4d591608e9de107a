"""The inventory tables XInventory, the login and AIS3 share: folders and items over
SQLite, the folder types the services give meaning to, and the creator as stored."""

from __future__ import annotations

import sqlite3
from typing import Any

from conformance.wire.xinventory import ZERO_UUID, Folder, Item

SCHEMA = """
CREATE TABLE IF NOT EXISTS xinventory_folders (
    id TEXT PRIMARY KEY,
    parent_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    type INTEGER NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS xinventory_folders_parent ON xinventory_folders (parent_id);
CREATE INDEX IF NOT EXISTS xinventory_folders_owner ON xinventory_folders (owner);
CREATE TABLE IF NOT EXISTS xinventory_items (
    id TEXT PRIMARY KEY,
    folder TEXT NOT NULL,
    owner TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    asset_type INTEGER NOT NULL,
    inv_type INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    creator TEXT NOT NULL,
    base_permissions INTEGER NOT NULL,
    current_permissions INTEGER NOT NULL,
    next_permissions INTEGER NOT NULL,
    everyone_permissions INTEGER NOT NULL,
    group_permissions INTEGER NOT NULL,
    group_id TEXT NOT NULL,
    group_owned INTEGER NOT NULL,
    sale_price INTEGER NOT NULL,
    sale_type INTEGER NOT NULL,
    flags INTEGER NOT NULL,
    creation_date INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS xinventory_items_folder ON xinventory_items (folder);
CREATE INDEX IF NOT EXISTS xinventory_items_owner ON xinventory_items (owner, asset_id);
"""

ROOT_NAME = "My Inventory"
PLAIN_TYPE = -1
CALLING_CARD_TYPE = 2
TRASH_TYPE = 14
LOST_AND_FOUND_TYPE = 16
GESTURE_ASSET_TYPE = 21
LINK_ASSET_TYPES = (24, 25)
OUTFIT_TYPE = 47

#: The system folders CREATEUSERINVENTORY makes under the root (FolderType, name).
SYSTEM_FOLDERS = (
    (20, "Animations"), (13, "Body Parts"), (CALLING_CARD_TYPE, "Calling Cards"),
    (5, "Clothing"), (46, "Current Outfit"), (23, "Favorites"), (21, "Gestures"),
    (3, "Landmarks"), (LOST_AND_FOUND_TYPE, "Lost And Found"), (7, "Notecards"),
    (6, "Objects"), (15, "Photo Album"), (10, "Scripts"), (1, "Sounds"), (0, "Textures"),
    (TRASH_TYPE, "Trash"), (56, "Settings"), (57, "Materials"),
)
#: Folders inside which DELETEFOLDERS and PURGEFOLDER may delete.
DELETABLE_UNDER = (TRASH_TYPE, LOST_AND_FOUND_TYPE)
#: The root's Type as the XInventory page has it (9, RootCategory) and as viewers know
#: it (8, FolderType.Root; 9 is no folder type of theirs). The store keeps the page's;
#: the viewer-facing views (login skeleton, capabilities, AIS3) give 8 (docs/interop/
#: real-clients.md).
LEGACY_ROOT_TYPE = 9
VIEWER_ROOT_TYPE = 8


def viewer_folder_type(folder_type: int) -> int:
    """A folder's type as a viewer-facing view gives it: the legacy root type 9 as 8."""
    return VIEWER_ROOT_TYPE if folder_type == LEGACY_ROOT_TYPE else folder_type


class InventoryStore:
    """The folders and items tables."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    # folders
    def folder(self, folder_id: str) -> Folder | None:
        return next(iter(self.folders_where("id = ?", folder_id)), None)

    def folders_where(self, condition: str, *args: Any) -> list[Folder]:
        rows = self.db.execute(
            f"SELECT * FROM xinventory_folders WHERE {condition} ORDER BY rowid", args)
        return [Folder(id=r["id"], parent_id=r["parent_id"], owner=r["owner"], name=r["name"],
                       type=r["type"], version=r["version"]) for r in rows]

    def store_folder(self, folder: Folder) -> None:
        self.db.execute(
            "INSERT INTO xinventory_folders VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE "
            "SET parent_id = excluded.parent_id, owner = excluded.owner, name = excluded.name, "
            "type = excluded.type, version = excluded.version",
            (folder.id, folder.parent_id, folder.owner, folder.name, folder.type,
             folder.version))

    def set_folder_version(self, folder_id: str, version: int) -> None:
        self.db.execute("UPDATE xinventory_folders SET version = ? WHERE id = ?",
                        (version, folder_id))

    def lineage(self, folder_id: str) -> list[str]:
        """``folder_id`` and the ids of its ancestors, nearest first."""
        chain: list[str] = []
        current: str | None = folder_id
        while current and current != ZERO_UUID and current not in chain:
            chain.append(current)
            folder = self.folder(current)
            current = folder.parent_id if folder else None
        return chain

    def delete_folder(self, folder_id: str) -> None:
        self.db.execute("DELETE FROM xinventory_folders WHERE id = ?", (folder_id,))

    # items
    def item(self, item_id: str) -> Item | None:
        return next(iter(self.items_where("id = ?", item_id)), None)

    def items_where(self, condition: str, *args: Any) -> list[Item]:
        rows = self.db.execute(
            f"SELECT * FROM xinventory_items WHERE {condition} ORDER BY rowid", args)
        return [self._item(row) for row in rows]

    def _item(self, r: sqlite3.Row) -> Item:
        creator_id, creator_data = split_creator(r["creator"])
        return Item(
            id=r["id"], folder=r["folder"], owner=r["owner"], name=r["name"],
            asset_id=r["asset_id"], asset_type=r["asset_type"], inv_type=r["inv_type"],
            description=r["description"], creator_id=creator_id, creator_data=creator_data,
            base_permissions=r["base_permissions"],
            current_permissions=r["current_permissions"],
            next_permissions=r["next_permissions"],
            everyone_permissions=r["everyone_permissions"],
            group_permissions=r["group_permissions"], group_id=r["group_id"],
            group_owned=bool(r["group_owned"]), sale_price=r["sale_price"],
            sale_type=r["sale_type"], flags=r["flags"], creation_date=r["creation_date"],
        )

    def store_item(self, item: Item) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO xinventory_items VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (item.id, item.folder, item.owner, item.asset_id, item.asset_type, item.inv_type,
             item.name, item.description, join_creator(item.creator_id, item.creator_data),
             item.base_permissions, item.current_permissions, item.next_permissions,
             item.everyone_permissions, item.group_permissions, item.group_id,
             int(item.group_owned), item.sale_price, item.sale_type, item.flags,
             item.creation_date))

    def delete_item(self, item_id: str) -> None:
        self.db.execute("DELETE FROM xinventory_items WHERE id = ?", (item_id,))


def join_creator(creator_id: str, creator_data: str) -> str:
    """The creator as OpenSimulator stores it: ``uuid[;url[;name]]``."""
    return f"{creator_id};{creator_data}" if creator_data else creator_id


def split_creator(stored: str) -> tuple[str, str]:
    """CreatorId and CreatorData back from ``uuid[;url[;name]]``."""
    parts = stored.split(";")
    return parts[0], ";".join(parts[1:3])
