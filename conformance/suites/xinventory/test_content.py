"""Folder content and versions: GETFOLDERCONTENT, GETMULTIPLEFOLDERSCONTENT,
GETFOLDERITEMS, and the version bumps viewers cache by (docs/interop/xinventory.md)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.clients.xinventory import XInventoryClient
from conformance.expect import Observe, check, equal, one_of
from conformance.suites.xinventory.steps import (
    Inventory,
    add_folder,
    add_item,
    content_of,
    data,
    fetch_content,
    fetch_folder,
    item_list,
    refused,
    succeeds,
    version_of,
)
from conformance.wire.ids import new_id, same_uuid
from conformance.wire.xinventory import Folder, canonical_uuid


@pytest.mark.requirement("XINV-GETFOLDERCONTENT")
@pytest.mark.writes
def test_content_lists_the_folders_and_items_of_the_folder(inventory: Inventory,
                                                           scratch: Folder) -> None:
    client = inventory.client
    children = [add_folder(client, scratch.id), add_folder(client, scratch.id)]
    items = [add_item(client, scratch.id), add_item(client, scratch.id)]
    deeper = add_item(client, children[0].id)
    content = fetch_content(client, scratch.id)
    check(content.fid is not None and same_uuid(content.fid, scratch.id),
          f"FID is {content.fid}, expected the folder {scratch.id}")
    equal(content.version, version_of(client, scratch.id), "VERSION (against GETFOLDER's)")
    listed = {replace(folder, version=0) for folder in content.folders}
    equal(listed, {replace(folder, version=0) for folder in children},
          "FOLDERS (versions aside)")
    equal(sorted(content.items, key=lambda i: i.id), sorted(items, key=lambda i: i.id),
          "ITEMS")
    check(deeper.id not in content.item_ids(), "ITEMS lists an item of a sub-folder")


@pytest.mark.requirement("XINV-GETFOLDERCONTENT-UNKNOWN")
@pytest.mark.reads
def test_content_of_an_unknown_folder_is_empty_with_version_0(
        xinventory: XInventoryClient, observe: Observe) -> None:
    """GETFOLDERCONTENT of an unknown folder answers FID = the requested id, VERSION 0
    and no folders or items (an entirely empty reply is accepted too)."""
    unknown = new_id()
    reply = xinventory.get_folder_content(unknown)
    answer = data(reply)
    if not answer:
        observe("an empty <ServerResponse />", about="OBS-XINV-UNKNOWN-FOLDER-CONTENT")
        return
    content = content_of(answer, reply, "GETFOLDERCONTENT")
    fid = ("none" if content.fid is None else "the requested id"
           if same_uuid(content.fid, unknown) else content.fid)
    observe(f"FID {fid}", about="OBS-XINV-UNKNOWN-FOLDER-CONTENT")
    check(content.fid is None or same_uuid(content.fid, unknown),
          f"FID is {content.fid}, expected the requested {unknown}")
    one_of(content.version, (None, 0), "VERSION")
    check(not content.folders and not content.items,
          f"an unknown folder has {len(content.folders)} folders and {len(content.items)} "
          f"items")


@pytest.mark.requirement("XINV-GETMULTIPLEFOLDERSCONTENT")
@pytest.mark.writes
def test_multiple_folders_content_has_one_entry_per_folder(inventory: Inventory,
                                                           scratch: Folder) -> None:
    client = inventory.client
    full, empty = add_folder(client, scratch.id), add_folder(client, scratch.id)
    child, item = add_folder(client, full.id), add_item(client, full.id)
    reply = client.get_multiple_folders_content([full.id, empty.id])
    answer = data(reply)
    entries = {canonical_uuid(key[2:]): value for key, value in answer.items()
               if key.startswith("F_") and isinstance(value, dict)}
    check(set(entries) == {full.id, empty.id},
          f"the reply holds {sorted(answer)}, expected F_{full.id} and F_{empty.id}")
    expected = {full.id: ({child.id}, {item.id}), empty.id: (set(), set())}
    for folder_id, (folders, items) in expected.items():
        content = content_of(entries[folder_id], reply, f"F_{folder_id}")
        check(content.fid is not None and same_uuid(content.fid, folder_id),
              f"F_{folder_id} has FID {content.fid}")
        equal(content.version, version_of(client, folder_id),
              f"F_{folder_id}'s VERSION (against GETFOLDER's)")
        check(content.owner is not None and same_uuid(content.owner, inventory.principal),
              f"F_{folder_id} has OWNER {content.owner}, expected {inventory.principal}")
        equal({"folders": content.folder_ids(), "items": content.item_ids()},
              {"folders": folders, "items": items}, f"what F_{folder_id} lists")


@pytest.mark.requirement("XINV-GETMULTIPLEFOLDERSCONTENT-COUNT")
@pytest.mark.writes
def test_a_count_below_the_number_of_folders_is_false(inventory: Inventory,
                                                      scratch: Folder) -> None:
    client = inventory.client
    other = add_folder(client, scratch.id)
    refused(client.get_multiple_folders_content([scratch.id, other.id], count=1),
            "GETMULTIPLEFOLDERSCONTENT with COUNT=1 for two folders")


@pytest.mark.requirement("XINV-GETFOLDERITEMS")
@pytest.mark.writes
def test_folder_items_are_the_folders_own_items(inventory: Inventory,
                                                scratch: Folder) -> None:
    client = inventory.client
    items = [add_item(client, scratch.id), add_item(client, scratch.id)]
    add_item(client, add_folder(client, scratch.id).id)
    reply = client.get_folder_items(scratch.id)
    answer = data(reply)
    check("ITEMS" in answer, f"GETFOLDERITEMS has no <ITEMS> (it holds {sorted(answer)})")
    listed = item_list(answer["ITEMS"], reply, "ITEMS")
    equal(sorted(listed, key=lambda i: i.id), sorted(items, key=lambda i: i.id), "ITEMS")
    unknown = data(client.get_folder_items(new_id()))
    check(not unknown or not item_list(unknown.get("ITEMS", {}), reply, "ITEMS"),
          "GETFOLDERITEMS of an unknown folder lists items")


def went_up(client: XInventoryClient, folder_id: str, before: int, what: str) -> int:
    after = version_of(client, folder_id)
    check(after > before, f"{what}: the folder's Version stayed at {before} (now {after})")
    return after


@pytest.mark.requirement("XINV-VERSION-ITEM-STORE")
@pytest.mark.writes
def test_adding_and_updating_an_item_raise_the_folders_version(inventory: Inventory,
                                                               scratch: Folder) -> None:
    """The folder's version goes up when an item is added to it and when that item is
    updated."""
    client = inventory.client
    version = version_of(client, scratch.id)
    item = add_item(client, scratch.id)
    version = went_up(client, scratch.id, version, "after ADDITEM")
    succeeds(client.update_item(item), "UPDATEITEM")
    went_up(client, scratch.id, version, "after UPDATEITEM")


@pytest.mark.requirement("XINV-VERSION-ITEM-DELETE")
@pytest.mark.destructive
def test_deleting_an_item_raises_the_folders_version(inventory: Inventory) -> None:
    """The folder's version goes up when an item in it is deleted."""
    client = inventory.client
    folder = add_folder(client, inventory.trash.id)
    item = add_item(client, folder.id)
    version = version_of(client, folder.id)
    succeeds(client.delete_items([item.id]), "DELETEITEMS")
    went_up(client, folder.id, version, "after DELETEITEMS")


@pytest.mark.requirement("XINV-VERSION-ITEM-MOVE")
@pytest.mark.writes
def test_moving_an_item_raises_both_folders_versions(inventory: Inventory,
                                                     scratch: Folder) -> None:
    client = inventory.client
    source, destination = add_folder(client, scratch.id), add_folder(client, scratch.id)
    item = add_item(client, source.id)
    before = {source.id: version_of(client, source.id),
              destination.id: version_of(client, destination.id)}
    succeeds(client.move_items({item.id: destination.id}), "MOVEITEMS")
    went_up(client, source.id, before[source.id], "after MOVEITEMS (source)")
    went_up(client, destination.id, before[destination.id], "after MOVEITEMS (destination)")


@pytest.mark.requirement("XINV-VERSION-FOLDER")
@pytest.mark.writes
def test_adding_and_moving_a_folder_raise_the_parents_version(inventory: Inventory,
                                                              scratch: Folder) -> None:
    """A parent's version goes up when a folder is added to it and when a folder is
    moved into it; the old parent's version does not go down."""
    client = inventory.client
    source, destination = add_folder(client, scratch.id), add_folder(client, scratch.id)
    version = version_of(client, source.id)
    folder = add_folder(client, source.id)
    version = went_up(client, source.id, version, "after ADDFOLDER into it")
    target_version = version_of(client, destination.id)
    succeeds(client.move_folder(folder.id, destination.id), "MOVEFOLDER")
    went_up(client, destination.id, target_version, "after MOVEFOLDER into it")
    check(version_of(client, source.id) >= version,
          "after MOVEFOLDER out of it, the old parent's Version went down")
    equal(fetch_folder(client, folder.id).parent_id, destination.id,
          "after MOVEFOLDER the folder's ParentID")
