"""The reference AIS3's vocabulary: the request and answer as the handlers see them, the
error answer, the values read from bodies, and :class:`AisBase`, which finds the
categories and items a request names."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from conformance.reference.xinventory.store import InventoryStore
from conformance.wire import ais as wire
from conformance.wire.ids import ZERO_UUID, canonical_uuid
from conformance.wire.xinventory import Folder, Item

SCHEMA = """
CREATE TABLE IF NOT EXISTS ais_transactions (
    agent TEXT NOT NULL,
    tid TEXT NOT NULL,
    PRIMARY KEY (agent, tid)
);
CREATE TABLE IF NOT EXISTS ais_removed (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL
);
"""

INVENTORY_CAP = "InventoryAPIv3"
LIBRARY_CAP = "LibraryAPIv3"
#: OpenSimulator's library: its owner and root folder.
LIBRARY_OWNER = "11111111-1111-0000-0000-000100bba000"
LIBRARY_ROOT = "00000112-000f-0000-0000-000100bba000"

PERM_COPY = 0x8000
PERM_ALL = 0x7FFFFFFF
UINT16_MAX = 0xFFFF
#: The sale types the viewer writes as words (LLSaleInfo).
SALE_TYPES = {"not": 0, "orig": 1, "copy": 2, "cntn": 3}
#: Names PUT gives the special folders it creates.
SPECIAL_NAMES = {20: "Animations", 13: "Body Parts", 5: "Clothing", 46: "Current Outfit",
                 23: "Favorites", 21: "Gestures", 50: "Received Items", 3: "Landmarks",
                 10: "Scripts", 16: "Lost And Found", 48: "My Outfits", 7: "Notecards",
                 6: "Objects", 51: "Merchant Outbox", 15: "Photo Album", 1: "Sounds",
                 0: "Textures", 14: "Trash"}
#: The resources below /category/{category}: the part of the tree each covers.
CATEGORY_PARTS = ("children", "links", "items", "categories")


def storable(value: Any) -> Any:
    """``value`` when the store can hold all of it: integers within SQLite's 64 bits and
    text that is Unicode (no lone surrogates); else a ValueError naming what is not."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not -(1 << 63) <= value < (1 << 63):
        raise ValueError(f"the integer {value} is out of range (64-bit)")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("a string holds a lone surrogate (not Unicode text)") from None
    if isinstance(value, dict):
        for key, item in value.items():
            storable(key)
            storable(item)
    if isinstance(value, list):
        for item in value:
            storable(item)
    return value


class AisError(Exception):
    """An error answer: status, error_description and the context keys."""

    def __init__(self, status: int, description: str, **context: Any) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.context = context


@dataclass
class AisSettings:
    """Where the library lives (OpenSimulator's ids by default)."""

    library_owner: str = LIBRARY_OWNER


@dataclass
class Call:
    """One AIS3 request as the handlers see it."""

    owner: str
    agent: str
    cap: str
    base: str
    method: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    content_type: str
    library: bool = False
    path_part: str = "category"
    depth: int | None = None
    simulate: bool = False
    tid: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@dataclass
class Answer:
    status: int
    document: Any
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call, str], Answer]


class ExistingCategory(AisError):
    """PUT of a special category that exists: 409 with the category."""

    def __init__(self, document: dict[str, Any]) -> None:
        super().__init__(409, "category already exists")
        self.document = document


def is_link(item: Item) -> bool:
    return item.asset_type in (wire.LINK_TYPE, wire.LINK_FOLDER_TYPE)


def integer(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return default


def flags_value(value: Any, item: Item) -> int:
    """Flags as an integer, or as the viewer writes them: 4 bytes, big-endian."""
    if isinstance(value, bytes):
        return int.from_bytes(value[:4].rjust(4, b"\0"), "big")
    return integer(value, item.flags)


def sale_type(value: Any, default: int) -> int:
    if isinstance(value, str) and value in SALE_TYPES:
        return SALE_TYPES[value]
    return integer(value, default)


class AisBase:
    """The store, and the lookups every handler starts from: a category or item the
    request names (404, or 410 when AIS3 deleted it), the Destination of COPY and MOVE,
    and the request body."""

    schema: ClassVar[str] = SCHEMA

    def __init__(self, db: sqlite3.Connection, settings: AisSettings | None = None) -> None:
        self.db = db
        self.store = InventoryStore(db)
        self.settings = settings or AisSettings()

    # --------------------------------------------------------------- lookups

    def root_id(self, owner: str) -> str | None:
        roots = self.store.folders_where("owner = ? AND parent_id = ?", owner, ZERO_UUID)
        named = [f for f in roots if f.name == "My Inventory"]
        found = next(iter(named or roots), None)
        return found.id if found else None

    def resolve(self, call: Call, name: str) -> str | None:
        """A category UUID or special name -> the folder id (None: no such folder)."""
        uid = canonical_uuid(name)
        if uid is not None:
            return uid
        folder_type = wire.SPECIAL_CATEGORIES.get(name)
        if folder_type is None:
            return None
        root = self.root_id(call.owner)
        if root is None:
            return None
        if folder_type == wire.ROOT_TYPE:
            return root
        found = self.store.folders_where("parent_id = ? AND owner = ? AND type = ?", root,
                                         call.owner, folder_type)
        return found[0].id if found else None

    def category(self, call: Call, name: str, *, status: int = 404) -> Folder:
        """The caller's category, or 404 (410 when AIS3 deleted it)."""
        folder_id = self.resolve(call, name)
        folder = self.store.folder(folder_id) if folder_id else None
        if folder is None or folder.owner != call.owner:
            if folder_id and self.was_removed(folder_id):
                raise AisError(410, "category gone", category_id=folder_id)
            raise AisError(status, "category not found",
                           **({"category_id": folder_id} if folder_id else {}))
        return folder

    def item(self, call: Call, item_id: str) -> Item:
        uid = canonical_uuid(item_id)
        item = self.store.item(uid) if uid else None
        if item is None or item.owner != call.owner:
            if uid and self.was_removed(uid):
                raise AisError(410, "item gone", item_id=uid)
            raise AisError(404, "item not found", **({"item_id": uid} if uid else {}))
        return item

    def was_removed(self, object_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM ais_removed WHERE id = ?",
                               (object_id,)).fetchone() is not None

    def destination(self, call: Call) -> Folder:
        """The Destination header of COPY and MOVE: a category of the agent's own."""
        name = call.headers.get("destination", "").strip().rstrip("/").rsplit("/", 1)[-1]
        inventory = replace(call, owner=call.agent, library=False)
        if not name:
            raise AisError(400, "Destination header missing")
        return self.category(inventory, name)

    def lineage(self, folder_id: str) -> list[str]:
        return self.store.lineage(folder_id)

    def read_body(self, call: Call) -> Any:
        if not call.body.strip():
            return None
        try:
            if call.content_type == "application/json":
                return storable(json.loads(call.body))
            return storable(wire.decode(call.body))  # no DTD: refused as a WireError
        except Exception as exc:
            raise AisError(400, f"the body cannot be read: {exc}") from exc
