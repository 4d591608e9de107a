"""Steps the XInventory tests share: read replies into records, create what a test
needs under the test's own principal, and fetch it back."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar

from conformance.clients.http import Exchange
from conformance.clients.xinventory import XInventoryClient
from conformance.expect import check, contains, expect, fail, present, step
from conformance.ledger import owned_name
from conformance.wire import xinventory as wire
from conformance.wire.xinventory import Folder, Item, ServerData
from conformance.wire.xml import WireError

T = TypeVar("T")

TRASH = 14
LOST_AND_FOUND = 16
#: The system folders every OpenSimulator since 2012 creates under the root (FolderType:
#: name). Newer versions add Current Outfit, Favorites, Settings and Materials.
CLASSIC_SYSTEM_FOLDERS = {
    20: "Animations", 13: "Body Parts", 2: "Calling Cards", 5: "Clothing", 21: "Gestures",
    3: "Landmarks", 16: "Lost And Found", 7: "Notecards", 6: "Objects", 15: "Photo Album",
    10: "Scripts", 1: "Sounds", 0: "Textures", 14: "Trash",
}
NEWER_SYSTEM_FOLDERS = {46: "Current Outfit", 23: "Favorites", 56: "Settings", 57: "Materials"}
#: Root folder Types: 8 (FolderType.Root, what OpenSimulator creates) or 9 (the wiki's
#: RootCategory, found in older data).
ROOT_TYPES = (8, 9)


# ---------------------------------------------------------------------- reading replies


def data(reply: Exchange) -> ServerData:
    """The reply must be 200 with a <ServerResponse> document."""
    expect(reply).status(200)
    return expect(reply).parsed(wire.parse_response, "a <ServerResponse> document")


def result(reply: Exchange) -> bool:
    """The reply must be 200 with <ServerResponse><RESULT>True|False</RESULT>."""
    expect(reply).status(200)
    return expect(reply).parsed(wire.parse_result, "a <ServerResponse> with a <RESULT>")


def succeeds(reply: Exchange, what: str) -> None:
    check(result(reply) is True, f"{what} answered RESULT False, expected True")


def refused(reply: Exchange, what: str) -> None:
    check(result(reply) is False, f"{what} answered RESULT True, expected False")


def false_or_empty(reply: Exchange, what: str) -> None:
    """An error answer: 200 with RESULT False or the empty <ServerResponse />."""
    expect(reply).status(200)
    answer = expect(reply).parsed(wire.parse_result_or_empty,
                                  "RESULT False or an empty <ServerResponse />")
    check(answer is not True, f"{what} answered RESULT True, expected False or empty")


def decoded(decoder: Callable[[Any], T], value: Any, what: str) -> T:
    try:
        return decoder(value)
    except WireError as exc:
        fail(f"{what} cannot be read: {exc}")


def folder_record(value: Any, reply: Exchange, what: str = "the folder") -> Folder:
    """A folder record; it must also conform to xinventory-folder.schema.json."""
    if isinstance(value, dict):
        expect(reply).conforms("xinventory-folder", value)
    return decoded(wire.decode_folder, value, what)


def item_record(value: Any, reply: Exchange, what: str = "the item") -> Item:
    """An item record; it must also conform to xinventory-item.schema.json."""
    if isinstance(value, dict):
        expect(reply).conforms("xinventory-item", value)
    return decoded(wire.decode_item, value, what)


def folder_reply(reply: Exchange, key: str = "folder") -> Folder | None:
    """A ``<folder>`` reply, or None for the empty <ServerResponse />."""
    answer = data(reply)
    if not answer:
        return None
    check(key in answer, f"the reply has no <{key}> (it holds {sorted(answer)})")
    return folder_record(answer[key], reply, f"<{key}>")


def item_reply(reply: Exchange) -> Item | None:
    answer = data(reply)
    if not answer:
        return None
    check("item" in answer, f"the reply has no <item> (it holds {sorted(answer)})")
    return item_record(answer["item"], reply, "<item>")


def folder_list(value: Any, reply: Exchange, what: str) -> list[Folder]:
    entries = decoded(lambda v: wire.ordered_values(v, what), value, what)
    return [folder_record(entry, reply, f"a folder of {what}") for entry in entries]


def item_list(value: Any, reply: Exchange, what: str) -> list[Item]:
    entries = decoded(lambda v: wire.ordered_values(v, what), value, what)
    return [item_record(entry, reply, f"an item of {what}") for entry in entries]


@dataclass(frozen=True)
class Content:
    """A folder's content as GETFOLDERCONTENT (or one F_ entry) gives it."""

    fid: str | None
    version: int | None
    folders: list[Folder]
    items: list[Item]
    owner: str | None = None

    def folder_ids(self) -> set[str]:
        return {folder.id for folder in self.folders}

    def item_ids(self) -> set[str]:
        return {item.id for item in self.items}


def content_of(answer: ServerData, reply: Exchange, what: str) -> Content:
    missing = [key for key in ("FOLDERS", "ITEMS") if key not in answer]
    check(not missing, f"{what} has no {', '.join(f'<{k}>' for k in missing)} "
                       f"(it holds {sorted(answer)})")
    version = answer.get("VERSION")
    if version is not None:
        version = decoded(lambda v: wire.parse_integer(v, "VERSION"), version, what)
    fid, owner = answer.get("FID"), answer.get("OWNER")
    return Content(
        fid=wire.canonical_uuid(fid) or fid if isinstance(fid, str) else None,
        version=version,
        folders=folder_list(answer["FOLDERS"], reply, f"{what} FOLDERS"),
        items=item_list(answer["ITEMS"], reply, f"{what} ITEMS"),
        owner=wire.canonical_uuid(owner) or owner if isinstance(owner, str) else None,
    )


# ---------------------------------------------------------------------- fetching


def fetch_folder(client: XInventoryClient, folder_id: str) -> Folder:
    return present(folder_reply(client.get_folder(folder_id)),
                   f"the folder {folder_id} (GETFOLDER answered empty)")


def fetch_item(client: XInventoryClient, item_id: str) -> Item:
    return present(item_reply(client.get_item(item_id)),
                   f"the item {item_id} (GETITEM answered empty)")


def folder_exists(client: XInventoryClient, folder_id: str) -> bool:
    return folder_reply(client.get_folder(folder_id)) is not None


def item_exists(client: XInventoryClient, item_id: str) -> bool:
    return item_reply(client.get_item(item_id)) is not None


def moved_between(client: XInventoryClient, record: Folder | Item, source: str,
                  destination: str) -> None:
    """After a move of ``record``, GETFOLDERCONTENT of ``destination`` lists it and
    that of ``source`` no longer does."""
    kind = "folder" if isinstance(record, Folder) else "item"

    def listed(content: Content) -> set[str]:
        return content.folder_ids() if kind == "folder" else content.item_ids()

    contains(listed(fetch_content(client, destination)), record.id, f"the destination's {kind}s")
    check(record.id not in listed(fetch_content(client, source)),
          f"the source's content still lists the moved {kind}")


def add_refused(client: XInventoryClient, record: Folder | Item, fields: dict[str, str],
                what: str) -> None:
    """ADDFOLDER (of a folder) or ADDITEM (of an item) with ``fields`` instead of the
    record's own (``what``: "without Name") is answered RESULT False, and creates
    nothing."""
    folder = isinstance(record, Folder)
    method, kind = ("ADDFOLDER", "folder") if folder else ("ADDITEM", "item")
    refused(client.call(method, **fields), f"{method} {what}")
    check(not (folder_exists if folder else item_exists)(client, record.id),
          f"{method} {what} answered False, yet the {kind} was created")


def fetch_content(client: XInventoryClient, folder_id: str) -> Content:
    reply = client.get_folder_content(folder_id)
    answer = data(reply)
    check(bool(answer), f"GETFOLDERCONTENT {folder_id} answered empty")
    return content_of(answer, reply, "GETFOLDERCONTENT")


def version_of(client: XInventoryClient, folder_id: str) -> int:
    return fetch_folder(client, folder_id).version


def skeleton(client: XInventoryClient, principal: str | None = None) -> list[Folder]:
    reply = client.get_inventory_skeleton(principal)
    answer = data(reply)
    if not answer:
        return []
    check("FOLDERS" in answer, f"GETINVENTORYSKELETON has no <FOLDERS> (it holds {sorted(answer)})")
    return folder_list(answer["FOLDERS"], reply, "FOLDERS")


# ---------------------------------------------------------------------- creating


def add_folder(client: XInventoryClient, parent_id: str, name: str | None = None, *,
               subject: bool = False, **fields: Any) -> Folder:
    """ADDFOLDER of a plain folder the suite owns; it must answer True. A step the test
    needs (its failure blocks the test), unless storing the folder is the ``subject`` of
    the test."""
    folder = client.new_folder(parent_id, name or owned_name("folder"), **fields)
    with needed(not subject, "could not create the folder this test needs"):
        succeeds(client.add_folder(folder), "ADDFOLDER")
    return folder


def add_item(client: XInventoryClient, folder_id: str, *, subject: bool = False,
             **fields: Any) -> Item:
    """ADDITEM of an item the suite owns; it must answer True. A step the test needs
    (its failure blocks the test), unless storing the item is the ``subject`` of the
    test."""
    item = client.new_item(folder_id, **fields)
    with needed(not subject, "could not create the item this test needs"):
        succeeds(client.add_item(item), "ADDITEM")
    return item


def needed(is_step: bool, description: str) -> AbstractContextManager[None]:
    return step(description) if is_step else nullcontext()


@dataclass
class Inventory:
    """A principal the run created with CREATEUSERINVENTORY, its root and system folders."""

    client: XInventoryClient
    root: Folder
    system: dict[int, Folder] = field(default_factory=dict)

    @property
    def principal(self) -> str:
        return self.client.principal

    def folder_of_type(self, folder_type: int) -> Folder:
        return present(self.system.get(folder_type),
                       f"a system folder of type {folder_type} under the root")

    @property
    def trash(self) -> Folder:
        return self.folder_of_type(TRASH)


def create_inventory(client: XInventoryClient) -> Inventory:
    """CREATEUSERINVENTORY for the client's principal, then its root and system folders
    from the skeleton (whatever the RESULT and GETROOTFOLDER say: their own tests check
    them)."""
    expect(client.create_user_inventory()).status(200)
    folders = skeleton(client)
    roots = [f for f in folders if f.parent_id == wire.ZERO_UUID]
    check(roots, "after CREATEUSERINVENTORY the skeleton holds no parentless (root) folder")
    root = next((f for f in roots if f.name == "My Inventory"), roots[0])
    system: dict[int, Folder] = {}
    for folder in folders:
        if folder.parent_id == root.id and folder.type >= 0:
            system.setdefault(folder.type, folder)
    return Inventory(client, root, system)


def ids(records: Iterable[Folder | Item]) -> set[str]:
    return {record.id for record in records}
