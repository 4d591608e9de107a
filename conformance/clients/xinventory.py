"""Client of the OpenSimulator XInventory service: one URI, POST /xinventory, with the
operation chosen by the METHOD form parameter (seeds/opensim-xinventory-service.txt;
docs/interop/xinventory.md)."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from conformance.clients.http import Exchange, HttpClient
from conformance.clients.service import ServiceClient
from conformance.ledger import Entry, owned_name
from conformance.side_by_side import each
from conformance.wire import xinventory as wire
from conformance.wire.ids import new_id
from conformance.wire.xml import WireError

PATH = "/xinventory"
FORM_HEADERS = {"Content-Type": wire.FORM_CONTENT_TYPE}

#: The METHOD values that change the target's data.
WRITE_METHODS = frozenset({
    "CREATEUSERINVENTORY", "ADDFOLDER", "UPDATEFOLDER", "MOVEFOLDER", "DELETEFOLDERS",
    "PURGEFOLDER", "ADDITEM", "UPDATEITEM", "MOVEITEMS", "DELETEITEMS",
})
#: The METHOD values that only read.
READ_METHODS = frozenset({
    "GETINVENTORYSKELETON", "GETROOTFOLDER", "GETFOLDERFORTYPE", "GETFOLDERCONTENT",
    "GETMULTIPLEFOLDERSCONTENT", "GETFOLDERITEMS", "GETITEM", "GETMULTIPLEITEMS", "GETFOLDER",
    "GETACTIVEGESTURES", "GETASSETPERMISSIONS",
})
#: Methods that create the folder or item named by their ID parameter.
_CREATES = {"ADDFOLDER": "folder", "ADDITEM": "item"}

TRASH_TYPE = 14


@dataclass(eq=False)
class XInventoryClient(ServiceClient):
    """Sends XInventory calls as ``principal`` and records what they create in the ledger
    before the request goes out."""

    principal: str

    def as_principal(self, principal: str) -> XInventoryClient:
        """The same connection, acting as another principal."""
        return XInventoryClient(self.http, self.ledger, principal)

    new_id = staticmethod(new_id)

    # ------------------------------------------------------------------ raw calls

    def call(self, method: str | None, **params: wire.FormValue) -> Exchange:
        """Send METHOD (left out when None) with the parameters as given."""
        form: dict[str, wire.FormValue] = {} if method is None else {"METHOD": method}
        form.update(params)
        kind = _CREATES.get(method or "")
        created = params.get("ID")
        if kind and isinstance(created, str) and wire.canonical_uuid(created):
            parent = params.get("ParentID") if kind == "folder" else None
            self.ledger.created(self.entry(kind, created, parent if isinstance(parent, str)
                                           else ""))
        return self.post(wire.encode_form(form), writes=method in WRITE_METHODS)

    def post(self, body: bytes, *, writes: bool) -> Exchange:
        """POST a form body exactly as given."""
        return self.http.request("POST", PATH, body=body, headers=FORM_HEADERS, writes=writes)

    def entry(self, kind: str, object_id: str, parent: str = "") -> Entry:
        return Entry("xinventory", kind, object_id, self.http.base_url, self.principal,
                     parent)

    # ------------------------------------------------------------------ user inventory

    def create_user_inventory(self, principal: str | None = None) -> Exchange:
        """CREATEUSERINVENTORY. No XInventory method removes a user's root folder, so the
        ledger lists the inventory and the run reports it as left on the target."""
        principal = principal or self.principal
        self.ledger.created(Entry("xinventory", "inventory", principal, self.http.base_url,
                                  principal))
        return self.call("CREATEUSERINVENTORY", PRINCIPAL=principal)

    def get_inventory_skeleton(self, principal: str | None = None) -> Exchange:
        return self.call("GETINVENTORYSKELETON", PRINCIPAL=principal or self.principal)

    def get_root_folder(self, principal: str | None = None) -> Exchange:
        """The wiki's request, field for field: ``PRINCIPAL=…&METHOD=GETROOTFOLDER``."""
        body = wire.encode_pairs([("PRINCIPAL", principal or self.principal),
                                  ("METHOD", "GETROOTFOLDER")])
        return self.post(body, writes=False)

    def get_folder_for_type(self, folder_type: int, principal: str | None = None) -> Exchange:
        return self.call("GETFOLDERFORTYPE", PRINCIPAL=principal or self.principal,
                         TYPE=folder_type)

    # ------------------------------------------------------------------ content

    def get_folder_content(self, folder_id: str) -> Exchange:
        return self.call("GETFOLDERCONTENT", PRINCIPAL=self.principal, FOLDER=folder_id)

    def get_multiple_folders_content(self, folder_ids: Iterable[str],
                                     count: int | None = None) -> Exchange:
        ids = list(folder_ids)
        return self.call("GETMULTIPLEFOLDERSCONTENT", PRINCIPAL=self.principal,
                         FOLDERS=",".join(ids), COUNT=len(ids) if count is None else count)

    def get_folder_items(self, folder_id: str) -> Exchange:
        return self.call("GETFOLDERITEMS", PRINCIPAL=self.principal, FOLDER=folder_id)

    # ------------------------------------------------------------------ folders

    def new_folder(self, parent_id: str, name: str | None = None, *, folder_type: int = -1,
                   version: int = 1) -> wire.Folder:
        """A folder record the suite owns (not sent)."""
        return wire.Folder(id=self.new_id(), parent_id=parent_id, owner=self.principal,
                           name=name if name is not None else owned_name("folder"),
                           type=folder_type, version=version)

    def add_folder(self, folder: wire.Folder) -> Exchange:
        return self.call("ADDFOLDER", **folder.fields())

    def update_folder(self, folder: wire.Folder, *, creates: bool = False) -> Exchange:
        """UPDATEFOLDER; ``creates`` when the folder does not exist yet (the server then
        adds it), so it goes into the ledger."""
        if creates:
            self.ledger.created(self.entry("folder", folder.id))
        return self.call("UPDATEFOLDER", **folder.fields())

    def move_folder(self, folder_id: str, parent_id: str) -> Exchange:
        return self.call("MOVEFOLDER", ParentID=parent_id, ID=folder_id,
                         PRINCIPAL=self.principal)

    def delete_folders(self, folder_ids: Iterable[str]) -> Exchange:
        return self.call("DELETEFOLDERS", PRINCIPAL=self.principal, FOLDERS=list(folder_ids))

    def purge_folder(self, folder_id: str) -> Exchange:
        return self.call("PURGEFOLDER", ID=folder_id)

    def get_folder(self, folder_id: str) -> Exchange:
        return self.call("GETFOLDER", ID=folder_id, PRINCIPAL=self.principal)

    # ------------------------------------------------------------------ items

    def new_item(self, folder_id: str, name: str | None = None, **fields: Any) -> wire.Item:
        """An item record the suite owns (a notecard unless ``fields`` say otherwise)."""
        item = wire.Item(id=self.new_id(), folder=folder_id, owner=self.principal,
                         name=name if name is not None else owned_name("item"),
                         asset_id=self.new_id(), creator_id=self.principal,
                         creation_date=int(time.time()))
        return replace(item, **fields)

    def add_item(self, item: wire.Item) -> Exchange:
        return self.call("ADDITEM", **item.fields())

    def update_item(self, item: wire.Item) -> Exchange:
        return self.call("UPDATEITEM", **item.fields())

    def move_items(self, moves: Mapping[str, str] | Iterable[tuple[str, str]]) -> Exchange:
        """Move items: item id -> destination folder id (sent as paired lists)."""
        pairs = list(moves.items() if isinstance(moves, Mapping) else moves)
        return self.call("MOVEITEMS", PRINCIPAL=self.principal,
                         IDLIST=[item for item, _ in pairs], DESTLIST=[dest for _, dest in pairs])

    def delete_items(self, item_ids: Iterable[str]) -> Exchange:
        return self.call("DELETEITEMS", PRINCIPAL=self.principal, ITEMS=list(item_ids))

    def get_item(self, item_id: str) -> Exchange:
        return self.call("GETITEM", ID=item_id, PRINCIPAL=self.principal)

    def get_multiple_items(self, item_ids: Iterable[str]) -> Exchange:
        ids = list(item_ids)
        return self.call("GETMULTIPLEITEMS", PRINCIPAL=self.principal, ITEMS=",".join(ids),
                         COUNT=len(ids))

    def get_active_gestures(self) -> Exchange:
        return self.call("GETACTIVEGESTURES", PRINCIPAL=self.principal)

    def get_asset_permissions(self, asset_id: str) -> Exchange:
        return self.call("GETASSETPERMISSIONS", PRINCIPAL=self.principal, ASSET=asset_id)


# ---------------------------------------------------------------------- cleanup


def cleanup_call(http: HttpClient, method: str, writes: bool,
                 **params: wire.FormValue) -> wire.ServerData | None:
    """One call of the cleanup: what the target answered, or None when the answer is not
    a 200 ServerResponse (the caller then cannot tell, and says so)."""
    exchange = http.request("POST", PATH, headers=FORM_HEADERS, writes=writes,
                            body=wire.encode_form({"METHOD": method, **params}))
    if exchange.status != 200:
        return None
    try:
        return wire.parse_response(exchange.body)
    except WireError:
        return None


def remove_inventory_object(http: HttpClient, entry: Entry) -> bool:
    """Remove a folder or item the suite created under ``entry.principal`` (an inventory
    cannot be removed: it counts as gone only when the target has no root for it).

    DELETEFOLDERS (and on some servers DELETEITEMS) only deletes inside Trash, so the
    object is first moved into the principal's Trash. It is gone when GETFOLDER or GETITEM
    then answers the empty ``<ServerResponse />``; a remover that cannot tell says False.
    """
    send = functools.partial(cleanup_call, http)

    if entry.kind == "inventory":  # gone only if it never came to be: nothing removes a root
        return send("GETROOTFOLDER", False, PRINCIPAL=entry.id) == {}
    getter, key = ("GETITEM", "item") if entry.kind == "item" else ("GETFOLDER", "folder")
    if entry.kind not in ("item", "folder"):
        return False
    found = send(getter, False, ID=entry.id, PRINCIPAL=entry.principal)
    if found == {}:
        return True
    trash_reply = send("GETFOLDERFORTYPE", False, PRINCIPAL=entry.principal, TYPE=TRASH_TYPE)
    if found is None or not trash_reply or key not in found:
        return False
    try:
        trash = wire.decode_folder(trash_reply.get("folder"))
    except WireError:
        return False
    if entry.kind == "item":
        send("MOVEITEMS", True, PRINCIPAL=entry.principal, IDLIST=[entry.id],
             DESTLIST=[trash.id])
        send("DELETEITEMS", True, PRINCIPAL=entry.principal, ITEMS=[entry.id])
    else:
        if entry.id == trash.id:
            return False
        send("MOVEFOLDER", True, ParentID=trash.id, ID=entry.id, PRINCIPAL=entry.principal)
        send("DELETEFOLDERS", True, PRINCIPAL=entry.principal, FOLDERS=[entry.id])
    return send(getter, False, ID=entry.id, PRINCIPAL=entry.principal) == {}


def still_there(send: Any, principal: str, item_ids: list[str]) -> set[str] | None:
    """Which of ``item_ids`` the principal still has, by one GETMULTIPLEITEMS (the item's
    record in its slot, NULL for an id no item has: OpenSimulator 0.9.1, the reference
    server); None when the answer does not tell: not one slot an id, or a record of
    another id. An empty answer tells nothing: OpenSimulator 0.9.2 leaves unknown ids out,
    so "all gone" and "no such method" look alike there."""
    answer = send("GETMULTIPLEITEMS", False, PRINCIPAL=principal, ITEMS=",".join(item_ids),
                  COUNT=len(item_ids))
    if answer is None:
        return None
    try:
        slots = wire.ordered_values(answer, "GETMULTIPLEITEMS")
    except WireError:
        return None
    if len(slots) != len(item_ids):
        return None
    left = set()
    for wanted, slot in zip(item_ids, slots, strict=True):
        if wire.is_null_slot(slot):
            continue
        if not isinstance(slot, Mapping) or \
                str(slot.get("ID", "")).strip().lower() != wanted.lower():
            return None
        left.add(wanted.lower())
    return left


#: The most IDs one MOVEITEMS, DELETEITEMS or DELETEFOLDERS of the cleanup lists.
BATCH = 100


def remove_inventory_objects(http: HttpClient, entries: list[Entry]) -> set[Entry]:
    """Remove many folders and items in few requests, in stages whose requests go side
    by side: each principal's Trash is asked once; all of a principal's items go into
    Trash in one MOVEITEMS and out in one DELETEITEMS (a hundred at a time); every folder
    whose parent stays goes into its principal's Trash (one MOVEFOLDER each) and out in
    one DELETEFOLDERS a principal, with the folders inside it. Then a folder is gone when
    its principal's GETINVENTORYSKELETON no longer lists it, an item when
    GETMULTIPLEITEMS (a hundred at a time) gives its slot NULL, or, where that answer is
    not one slot an id, when GETITEM answers empty. Inventories are left to the
    one-object remover."""
    send = functools.partial(cleanup_call, http)
    objects = [entry for entry in entries if entry.kind in ("item", "folder")]
    owned: dict[str, list[Entry]] = {}
    for entry in objects:
        owned.setdefault(entry.principal, []).append(entry)

    def trash_of(principal: str) -> str | None:
        try:
            return wire.decode_folder((send("GETFOLDERFORTYPE", False, PRINCIPAL=principal,
                                            TYPE=TRASH_TYPE) or {}).get("folder")).id
        except WireError:
            return None

    trash = {principal: found for principal, found in
             zip(owned, each(trash_of, list(owned)), strict=True) if found is not None}
    items = {principal: [e.id for e in owned[principal] if e.kind == "item"]
             for principal in trash}
    folders = {principal: [e for e in owned[principal]
                           if e.kind == "folder" and e.id != trash[principal]]
               for principal in trash}
    # A folder whose parent goes too moves into Trash with it, and DELETEFOLDERS purges
    # it with it (OpenSimulator purges a deleted folder's subtree; the skeleton below
    # tells whether the target did, and the caller removes what it left one by one).
    going = {principal: {e.id.lower() for e in folders[principal]} for principal in trash}
    tops = {principal: [e.id for e in folders[principal]
                        if e.parent.lower() not in going[principal]]
            for principal in trash}

    def delete_items(principal: str) -> None:
        for start in range(0, len(items[principal]), BATCH):
            chunk = items[principal][start:start + BATCH]
            send("MOVEITEMS", True, PRINCIPAL=principal, IDLIST=chunk,
                 DESTLIST=[trash[principal]] * len(chunk))
            send("DELETEITEMS", True, PRINCIPAL=principal, ITEMS=chunk)

    def delete_folders(principal: str) -> None:
        for start in range(0, len(tops[principal]), BATCH):
            send("DELETEFOLDERS", True, PRINCIPAL=principal,
                 FOLDERS=tops[principal][start:start + BATCH])

    each(delete_items, list(trash))
    each(lambda move: send("MOVEFOLDER", True, **move),
         [{"ParentID": trash[principal], "ID": folder, "PRINCIPAL": principal}
          for principal in trash for folder in tops[principal]])
    each(delete_folders, list(trash))

    def folders_left(principal: str) -> set[str] | None:
        """The folders the principal still has (GETINVENTORYSKELETON), None when the
        answer does not tell."""
        answer = send("GETINVENTORYSKELETON", False, PRINCIPAL=principal)
        records = (answer or {}).get("FOLDERS")
        if not isinstance(records, Mapping):
            return None
        return {str(record.get("ID", "")).strip().lower() for record in records.values()
                if isinstance(record, Mapping)}

    skeletons = dict(zip(owned, each(folders_left, list(owned)), strict=True))
    chunks = [(principal, ids[start:start + BATCH]) for principal, ids in items.items()
              for start in range(0, len(ids), BATCH)]
    items_left: dict[tuple[str, str], bool] = {}
    for (principal, chunk), left in zip(chunks, each(lambda c: still_there(send, *c), chunks),
                                        strict=True):
        if left is not None:
            items_left.update({(principal, item.lower()): item.lower() in left
                               for item in chunk})

    def gone(entry: Entry) -> bool:
        left = skeletons.get(entry.principal)
        if entry.kind == "folder" and left is not None:
            return entry.id.lower() not in left
        if (entry.principal, entry.id.lower()) in items_left:
            return not items_left[(entry.principal, entry.id.lower())]
        getter = "GETITEM" if entry.kind == "item" else "GETFOLDER"
        return send(getter, False, ID=entry.id, PRINCIPAL=entry.principal) == {}

    return {entry for entry, removed in zip(objects, each(gone, objects), strict=True)
            if removed}
