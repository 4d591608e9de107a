"""Steps the capability tests share: read LLSD answers (every top-level map, noting
what breaks the LLSD specification), pick folder entries, and write the folders, items
and links a test reads back: through XInventory, or, where the run has no XInventory of
the grid, through the avatar's AIS3 (as a viewer writes its inventory)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from conformance.clients.ais import AisClient
from conformance.clients.caps import CapsClient
from conformance.clients.http import Exchange, SuiteError, TargetFailure
from conformance.clients.xinventory import XInventoryClient
from conformance.expect import Observe, check, contains, equal, expect, fail, present, step
from conformance.ledger import owned_name
from conformance.side_by_side import each
from conformance.suites.xinventory.steps import add_folder, add_item
from conformance.viewer import Viewer
from conformance.wire import llsd
from conformance.wire.ids import ZERO_UUID
from conformance.wire.xinventory import Folder, Item
from conformance.wire.xml import WireError

ITEM_LINK = 24
FOLDER_LINK = 25
NOTECARD = 7
FOLDER_INV_TYPE = 8


# ---------------------------------------------------------------------- answers


def answer(reply: Exchange, observe: Observe | None = None) -> dict[str, Any]:
    """200 with an LLSD map (every top-level map read); departures from the LLSD
    specification are observed, not failed."""
    expect(reply).status(200)
    try:
        document = llsd.parse(reply.body, reply.header("Content-Type"))
        merged = document.merged_map()
    except WireError as exc:
        fail(f"the body is not an LLSD map: {exc}")
    if observe is not None:
        for quirk in document.quirks:
            observe(f"LLSD: {quirk}")
    return merged


def folder_entries(value: dict[str, Any]) -> list[dict[str, Any]]:
    folders = present(value.get("folders"), "the key folders")
    check(isinstance(folders, list), f"folders is {llsd.llsd_type(folders)}, expected an array")
    check(all(isinstance(entry, dict) for entry in folders),
          "an element of folders is not a map")
    return list(folders)


def bad_folder_ids(value: dict[str, Any]) -> set[str]:
    """The folder_ids listed in bad_folders (in the top map or a second one)."""
    bad = value.get("bad_folders")
    if not isinstance(bad, list):
        return set()
    return {uuid for entry in bad if isinstance(entry, dict)
            if (uuid := llsd.as_uuid(entry.get("folder_id"))) is not None}


def entries_for(value: dict[str, Any], folder_id: str) -> list[dict[str, Any]]:
    return [entry for entry in folder_entries(value)
            if llsd.as_uuid(entry.get("folder_id")) == folder_id]


def entry_for(value: dict[str, Any], folder_id: str) -> dict[str, Any]:
    """The folder's entry in the answer (the first, if it came more than once)."""
    entries = entries_for(value, folder_id)
    check(entries, f"the answer has no entry for folder {folder_id} "
                   f"(it answered {[str(e.get('folder_id')) for e in folder_entries(value)]})")
    return entries[0]


def array(entry: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """``categories`` or ``items`` of a folder entry: an array of maps (absent: empty)."""
    value = entry.get(key, [])
    check(isinstance(value, list), f"{key} is {llsd.llsd_type(value)}, expected an array")
    check(all(isinstance(element, dict) for element in value), f"an element of {key} is not a map")
    return list(value)


def integer(value: Any, what: str) -> int:
    check(isinstance(value, int) and not isinstance(value, bool),
          f"{what} is {llsd.llsd_type(value)} {value!r}, expected an integer")
    return int(value)


def listed_category_id(category: dict[str, Any]) -> str | None:
    """A category entry's UUID: its ``category_id``, or, where a target keys it
    ``folder_id`` (CAPS-CATEGORY-KEYS' failure, not the failure of a test that only
    asks whether a folder is listed), that."""
    return llsd.as_uuid(category.get("category_id")) or llsd.as_uuid(category.get("folder_id"))


def category_ids(entry: dict[str, Any]) -> list[str]:
    return [llsd.as_uuid(c.get("category_id")) or "?" for c in array(entry, "categories")]


def item_ids(entry: dict[str, Any]) -> list[str]:
    return [llsd.as_uuid(i.get("item_id")) or "?" for i in array(entry, "items")]


def items_by_id(entry_or_answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {llsd.as_uuid(i.get("item_id")) or "?": i for i in array(entry_or_answer, "items")}


def children(entry: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The distinct categories and items whose parent is the folder (an entry whose id
    cannot be read counts once on its own: its keys are another requirement's matter)."""
    folder_id = llsd.as_uuid(entry.get("folder_id"))
    categories = {llsd.as_uuid(c.get("category_id")) or f"unreadable {n}"
                  for n, c in enumerate(array(entry, "categories"))
                  if llsd.as_uuid(c.get("parent_id")) == folder_id}
    items = {llsd.as_uuid(i.get("item_id")) or f"unreadable {n}"
             for n, i in enumerate(array(entry, "items"))
             if llsd.as_uuid(i.get("parent_id")) == folder_id}
    return categories, items


def has_links(entry: dict[str, Any]) -> bool:
    return any(llsd.as_int(i.get("type")) in (ITEM_LINK, FOLDER_LINK)
               or llsd.as_int(i.get("inv_type")) in (ITEM_LINK, FOLDER_LINK)
               for i in array(entry, "items"))


def conforms(reply: Exchange, schema: str, value: Any) -> None:
    expect(reply).conforms(schema, llsd.to_json(value))


def fetch_entry(caps: CapsClient, folder_id: str, owner_id: str | None = None,
                observe: Observe | None = None, *, library: bool = False
                ) -> tuple[Exchange, dict[str, Any]]:
    """One folder fetched as the viewer asks: the exchange and the folder's entry."""
    reply = caps.folder(folder_id, owner_id, library=library)
    return reply, entry_for(answer(reply, observe), folder_id)


def answers_each(reply: Exchange, items: Iterable[Item], observe: Observe,
                 asked: str = "") -> None:
    """FetchInventory2's ``reply`` (to a request ``asked`` some way) answers each of
    ``items`` with its item structure: its parent and name."""
    value = answer(reply, observe)
    conforms(reply, "caps-items-response", value)
    found = items_by_id(value)
    for item in items:
        contains(found, item.id, f"the items answered{asked}")
        got = (llsd.as_uuid(found[item.id].get("parent_id")), found[item.id].get("name"))
        equal(got, (item.folder, item.name), f"(parent_id, name) of the item {item.id}")


def needs(caps: CapsClient, name: str) -> None:
    if not caps.offers(name):
        pytest.skip(f"{name} not offered by the target (the seed capability did not grant it)")


def inventory_root(viewer: Viewer) -> str:
    """The avatar's inventory root (skips when the login did not name it)."""
    if not viewer.inventory_root:
        pytest.skip("the avatar's inventory root is unknown (log in with --login-uri)")
    return viewer.inventory_root


# ---------------------------------------------------------------------- reading a tree


def walk(caps: CapsClient, root: str, owner: str, *, library: bool = False,
         limit: int = 40) -> list[tuple[Exchange, dict[str, Any]]]:
    """Folder entries of the tree below ``root`` (breadth first, at most ``limit``
    folders, 10 per request as the viewer batches)."""
    from conformance.clients.caps import viewer_folder

    found: list[tuple[Exchange, dict[str, Any]]] = []
    queue, seen = [root], {root}
    while queue and len(found) < limit:
        batch, queue = queue[:10], queue[10:]
        reply = caps.descendents([viewer_folder(f, owner) for f in batch], library=library)
        value = answer(reply)
        for folder_id in batch:
            entries = entries_for(value, folder_id)
            if not entries:
                continue
            found.append((reply, entries[0]))
            for child in category_ids(entries[0]):
                if child != "?" and child not in seen:  # "?": a category without an id
                    seen.add(child)
                    queue.append(child)
    return found


# ---------------------------------------------------------------------- writing


@dataclass
class Scratch:
    """A folder of one test inside the run's folder, and how the test writes: XInventory
    as the avatar (``client``), or the avatar's AIS3 (``ais``) when the run has no
    XInventory of the grid."""

    client: XInventoryClient | None
    folder: Folder
    ais: AisClient | None = None

    @property
    def id(self) -> str:
        return self.folder.id

    @property
    def owner(self) -> str:
        if self.client is not None:
            return self.client.principal
        return self.writer_ais().agent_id

    @property
    def through(self) -> str:
        """The service the test's data is written through, as a sentence says it."""
        return "XInventory" if self.client is not None else "AIS3"

    def writer_ais(self) -> AisClient:
        if self.ais is None:
            raise SuiteError("a Scratch needs XInventory or AIS3 to write through")
        return self.ais

    def subfolder(self, parent: str | None = None, name: str = "folder") -> Folder:
        if self.client is None:
            return ais_folder(self.writer_ais(), parent or self.id, owned_name(name))
        with step("could not create a folder through XInventory ADDFOLDER",
                  requirement="XINV-ADDFOLDER-ROUNDTRIP"):
            return add_folder(self.client, parent or self.id, owned_name(name))

    def item(self, folder: str | None = None, **fields: Any) -> Item:
        if self.client is None:
            return ais_item(self.writer_ais(), folder or self.id, **fields)
        with step("could not create an item through XInventory ADDITEM",
                  requirement="XINV-ADDITEM-ROUNDTRIP"):
            return add_item(self.client, folder or self.id, **fields)

    def items(self, count: int, folder: str | None = None) -> list[Item]:
        """``count`` items, their ADDITEMs sent side by side (conformance.side_by_side)."""
        return each(lambda n: self.item(folder, name=owned_name(f"item {n}")), range(count))

    def version(self, folder: str | None = None) -> int:
        """The folder's version as the service written through holds it (XInventory
        GETFOLDER, or AIS3 GET /category)."""
        if self.client is None:
            from conformance.suites.ais.steps import version

            with step("could not read the folder's version through AIS3 GET /category",
                      requirement="AIS-CATEGORY-GET"):
                return version(self.writer_ais(), folder or self.id)
        from conformance.suites.xinventory.steps import fetch_folder

        with step("could not read the folder through XInventory GETFOLDER"):
            return fetch_folder(self.client, folder or self.id).version

    def rename(self, item: Item, name: str) -> Item:
        """Rename an item (XInventory UPDATEITEM, or AIS3 PATCH /item {name})."""
        renamed = replace(item, name=name)
        if self.client is None:
            from conformance.suites.ais.steps import document

            with step("could not rename the item through AIS3 PATCH /item",
                      requirement="AIS-ITEM-PATCH"):
                document(self.writer_ais().patch_item(item.id, {"name": name}), 200)
            return renamed
        from conformance.suites.xinventory.steps import succeeds

        with step("could not rename the item through XInventory UPDATEITEM",
                  requirement="XINV-UPDATEITEM-APPLIES"):
            succeeds(self.client.update_item(renamed), "UPDATEITEM")
        return renamed

    def remove_tree(self, folder: Folder, items: Iterable[Item]) -> None:
        """Remove a folder with its items at once (one move and one delete instead of five
        requests per item at the end of the run); the ledger learns they are gone when
        GETFOLDER no longer finds the folder."""
        from conformance.clients.xinventory import remove_inventory_object

        if self.client is None:  # inside the run's folder: the run removes it anyway
            with contextlib.suppress(TargetFailure):
                self.writer_ais().delete_category(folder.id)
            return
        entry = self.client.entry("folder", folder.id)
        try:
            gone = remove_inventory_object(self.client.http, entry)
        except TargetFailure:
            return  # the run's cleanup tries again
        if gone:
            self.client.ledger.removed(entry)
            for item in items:
                self.client.ledger.removed(self.client.entry("item", item.id))

    def item_link(self, target: Item | str, folder: str | None = None, *,
                  inv_type: int | None = None) -> Item:
        """A link to an item (asset type 24; its asset_id is the target item), with the
        target's inventory type, as viewers create them (``inv_type`` overrides)."""
        target_id = target if isinstance(target, str) else target.id
        target_inv = NOTECARD if isinstance(target, str) else target.inv_type
        fields: dict[str, Any] = dict(name=owned_name("link"), asset_type=ITEM_LINK,
                      inv_type=target_inv if inv_type is None else inv_type,
                      asset_id=target_id)
        if self.client is None:
            return ais_link(self.writer_ais(), folder or self.id, self.owner, **fields)
        return self.item(folder, **fields)

    def folder_link(self, target: Folder | str, folder: str | None = None, *,
                    inv_type: int = FOLDER_INV_TYPE) -> Item:
        """A link to a folder (asset type 25; its asset_id is the target folder)."""
        target_id = target if isinstance(target, str) else target.id
        fields: dict[str, Any] = dict(name=owned_name("folder link"), asset_type=FOLDER_LINK,
                      inv_type=inv_type, asset_id=target_id)
        if self.client is None:
            return ais_link(self.writer_ais(), folder or self.id, self.owner, **fields)
        return self.item(folder, **fields)


# ---------------------------------------------------------------------- writing through AIS3


def ais_folder(ais: AisClient, parent: str, name: str, *, named: bool = False) -> Folder:
    """A folder made through AIS3 (the viewer's create first, then the minimal body: the
    AIS3 steps), as XInventory would record it."""
    from conformance.suites.ais.steps import new_category

    folder_id = new_category(ais, parent, name, "could not create the folder this test "
                             "needs through AIS3", named=named)
    return Folder(id=folder_id, parent_id=parent, owner=ais.agent_id, name=name)


def ais_item(ais: AisClient, folder: str, **fields: Any) -> Item:
    """An item made through AIS3 POST /category {items}: the record of what was sent, with
    the id, creator and date the server chose (AIS3 chooses them)."""
    from conformance.suites.ais.steps import created_ids, one
    from conformance.wire import ais as wire

    item = Item(id=ZERO_UUID, folder=folder, owner=ais.agent_id,
                name=fields.pop("name", None) or owned_name("item"),
                asset_id=missing_id(), creator_id=ais.agent_id)
    item = replace(item, **fields)
    body = wire.item_body(item.name, asset_type=item.asset_type, inv_type=item.inv_type,
                          desc=item.description, asset_id=item.asset_id)
    body.update(flags=item.flags,
                sale_info={"sale_type": item.sale_type, "sale_price": item.sale_price},
                permissions={"base_mask": item.base_permissions,
                             "owner_mask": item.current_permissions,
                             "group_mask": item.group_permissions,
                             "everyone_mask": item.everyone_permissions,
                             "next_owner_mask": item.next_permissions})
    with step("could not create the item this test needs through AIS3 (POST /category "
              "with items)", requirement="AIS-CATEGORY-POST-ITEMS"):
        reply = ais.create(folder, {"items": [body]}, tid=ais.new_id())
        item_id = one(created_ids(reply, "_created_items"), "_created_items")
    return replace(item, id=item_id, creation_date=created_at(reply, item_id))


def ais_link(ais: AisClient, folder: str, owner: str, *, name: str, asset_type: int,
             inv_type: int, asset_id: str) -> Item:
    """A link made through AIS3 POST /category {links}, as the viewer creates links."""
    from conformance.suites.ais.steps import created_ids, one
    from conformance.wire import ais as wire

    body = wire.link_body(asset_id, name, link_type=asset_type, inv_type=inv_type)
    with step("could not create the link this test needs through AIS3 (POST /category "
              "with links)", requirement="AIS-CATEGORY-POST-LINKS"):
        reply = ais.create(folder, {"links": [body]}, tid=ais.new_id())
        link_id = one(created_ids(reply, "_created_items"), "_created_items")
    return Item(id=link_id, folder=folder, owner=owner, name=name, asset_id=asset_id,
                asset_type=asset_type, inv_type=inv_type, creator_id=owner,
                creation_date=created_at(reply, link_id))


def created_at(reply: Exchange, item_id: str) -> int:
    """The created_at the 201 embeds for a new item (0 when it embeds none)."""
    from conformance.wire import ais as wire

    try:
        document = wire.decode(reply.body)
    except WireError:
        return 0
    for part in ("items", "links"):
        entry = wire.embedded(document, part).get(item_id)
        value = entry.get("created_at") if isinstance(entry, dict) else None
        with contextlib.suppress(TypeError, ValueError):
            return int(value)  # type: ignore[arg-type]
    return 0


def missing_id() -> str:
    """An id no server holds."""
    from conformance.wire.ids import new_id

    return new_id()


def ids_of(records: Iterable[Folder | Item]) -> set[str]:
    return {record.id for record in records}


__all__ = ["ZERO_UUID"]
