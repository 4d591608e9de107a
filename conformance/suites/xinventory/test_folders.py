"""Folders: ADDFOLDER, GETFOLDER, UPDATEFOLDER, MOVEFOLDER, DELETEFOLDERS, PURGEFOLDER
(docs/interop/xinventory.md)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.clients.xinventory import XInventoryClient
from conformance.expect import check, equal
from conformance.ledger import owned_name
from conformance.suites.xinventory.steps import (
    TRASH,
    Inventory,
    add_folder,
    add_item,
    fetch_content,
    fetch_folder,
    folder_exists,
    folder_reply,
    item_exists,
    moved_between,
    refused,
    result,
    succeeds,
)
from conformance.wire.ids import new_id
from conformance.wire.xinventory import Folder


@pytest.mark.requirement("XINV-ADDFOLDER-ROUNDTRIP")
@pytest.mark.writes
@pytest.mark.parametrize("version", [1, 7])
def test_added_folder_reads_back_field_for_field(inventory: Inventory, scratch: Folder,
                                                 version: int) -> None:
    client = inventory.client
    folder = client.new_folder(scratch.id, owned_name("round-trip <&>"), version=version)
    succeeds(client.add_folder(folder), "ADDFOLDER")
    fetched = fetch_folder(client, folder.id)
    equal(fetched, folder, "GETFOLDER of the folder added")


@pytest.mark.requirement("XINV-ADDFOLDER-EXISTING")
@pytest.mark.writes
def test_adding_an_existing_id_is_false_and_keeps_the_folder(inventory: Inventory,
                                                             scratch: Folder) -> None:
    """A second ADDFOLDER with an ID that exists answers False; the folder is unchanged."""
    client = inventory.client
    folder = add_folder(client, scratch.id, owned_name("first"))
    refused(client.add_folder(replace(folder, name=owned_name("second"))),
            "ADDFOLDER of an existing ID")
    fetched = fetch_folder(client, folder.id)
    equal(fetched.name, folder.name, "the folder's Name")


@pytest.mark.requirement("XINV-ADDFOLDER-SYSTEM-TYPE")
@pytest.mark.writes
def test_a_second_trash_under_the_root_is_refused(inventory: Inventory) -> None:
    client = inventory.client
    second = client.new_folder(inventory.root.id, owned_name("second trash"),
                               folder_type=TRASH)
    refused(client.add_folder(second), "ADDFOLDER of a second Trash under the root")
    check(not folder_exists(client, second.id), "the second Trash was created anyway")
    trash = folder_reply(client.get_folder_for_type(TRASH))
    check(trash is not None and trash.id == inventory.trash.id,
          f"GETFOLDERFORTYPE Trash now gives {trash}, expected the original Trash")


@pytest.mark.requirement("XINV-GETFOLDER-UNKNOWN")
@pytest.mark.reads
def test_getfolder_of_an_unknown_id_is_empty(xinventory: XInventoryClient) -> None:
    folder = folder_reply(xinventory.get_folder(new_id()))
    check(folder is None, f"GETFOLDER of an unknown ID gave {folder}")


@pytest.mark.requirement("XINV-UPDATEFOLDER-APPLIES")
@pytest.mark.writes
def test_update_renames_and_reparents_a_plain_folder(inventory: Inventory,
                                                     scratch: Folder) -> None:
    client = inventory.client
    folder = add_folder(client, scratch.id)
    other = add_folder(client, scratch.id)
    update = replace(folder, name=owned_name("renamed"), parent_id=other.id)
    succeeds(client.update_folder(update), "UPDATEFOLDER")
    fetched = fetch_folder(client, folder.id)
    equal((fetched.name, fetched.parent_id), (update.name, update.parent_id),
          "after UPDATEFOLDER the folder's (Name, ParentID)")


@pytest.mark.requirement("XINV-UPDATEFOLDER-VERSION")
@pytest.mark.writes
def test_update_never_lowers_the_version(inventory: Inventory, scratch: Folder) -> None:
    """UPDATEFOLDER with a lower Version keeps the folder's Version."""
    client = inventory.client
    folder = add_folder(client, scratch.id, version=5)
    result(client.update_folder(replace(folder, name=owned_name("older"), version=2)))
    fetched = fetch_folder(client, folder.id)
    check(fetched.version >= 5, f"the Version went down from 5 to {fetched.version}")


@pytest.mark.requirement("XINV-UPDATEFOLDER-MISSING")
@pytest.mark.writes
def test_update_of_a_missing_folder_adds_it(inventory: Inventory, scratch: Folder) -> None:
    client = inventory.client
    folder = client.new_folder(scratch.id, owned_name("added by update"))
    succeeds(client.update_folder(folder, creates=True), "UPDATEFOLDER of a missing folder")
    fetched = fetch_folder(client, folder.id)
    equal(fetched, folder, "GETFOLDER")


@pytest.mark.requirement("XINV-UPDATEFOLDER-SYSTEM")
@pytest.mark.writes
def test_update_of_a_system_folder_keeps_its_name_and_place(inventory: Inventory,
                                                            scratch: Folder) -> None:
    client = inventory.client
    trash = fetch_folder(client, inventory.trash.id)
    update = replace(trash, name=owned_name("not trash"), parent_id=scratch.id,
                     version=trash.version + 1)
    result(client.update_folder(update))
    fetched = fetch_folder(client, trash.id)
    check((fetched.name, fetched.parent_id, fetched.type) == (trash.name, trash.parent_id,
                                                              trash.type),
          f"UPDATEFOLDER changed the Trash folder to {fetched}")


@pytest.mark.requirement("XINV-MOVEFOLDER")
@pytest.mark.writes
def test_moved_folder_has_its_new_parent(inventory: Inventory, scratch: Folder) -> None:
    client = inventory.client
    source, destination = add_folder(client, scratch.id), add_folder(client, scratch.id)
    folder = add_folder(client, source.id)
    succeeds(client.move_folder(folder.id, destination.id), "MOVEFOLDER")
    equal(fetch_folder(client, folder.id).parent_id, destination.id,
          "after MOVEFOLDER the folder's ParentID")
    moved_between(client, folder, source.id, destination.id)


@pytest.mark.requirement("XINV-DELETEFOLDERS-OUTSIDE-TRASH")
@pytest.mark.destructive
def test_delete_outside_trash_is_true_but_keeps_the_folder(inventory: Inventory,
                                                           scratch: Folder) -> None:
    client = inventory.client
    folder = add_folder(client, scratch.id)
    succeeds(client.delete_folders([folder.id]), "DELETEFOLDERS")
    check(folder_exists(client, folder.id), "a folder outside Trash was deleted")


@pytest.mark.requirement("XINV-DELETEFOLDERS-IN-TRASH")
@pytest.mark.destructive
def test_delete_inside_trash_removes_the_folder_and_its_content(inventory: Inventory) -> None:
    client = inventory.client
    folder = add_folder(client, inventory.trash.id)
    inner = add_folder(client, folder.id)
    item = add_item(client, inner.id)
    succeeds(client.delete_folders([folder.id]), "DELETEFOLDERS")
    remaining = [what for what, there in [("the folder", folder_exists(client, folder.id)),
                                          ("its sub-folder", folder_exists(client, inner.id)),
                                          ("its item", item_exists(client, item.id))] if there]
    check(not remaining, f"after DELETEFOLDERS inside Trash, {', '.join(remaining)} remain")


@pytest.mark.requirement("XINV-PURGEFOLDER-OUTSIDE-TRASH")
@pytest.mark.destructive
def test_purge_outside_trash_is_false_and_keeps_the_content(inventory: Inventory,
                                                            scratch: Folder) -> None:
    client = inventory.client
    item = add_item(client, scratch.id)
    inner = add_folder(client, scratch.id)
    refused(client.purge_folder(scratch.id), "PURGEFOLDER of a folder outside Trash")
    check(item_exists(client, item.id) and folder_exists(client, inner.id),
          "PURGEFOLDER outside Trash deleted content")


@pytest.mark.requirement("XINV-PURGEFOLDER-TRASH")
@pytest.mark.destructive
def test_purging_trash_empties_it_and_keeps_it(inventory: Inventory) -> None:
    client = inventory.client
    folder = add_folder(client, inventory.trash.id)
    item = add_item(client, inventory.trash.id)
    nested = add_item(client, folder.id)
    succeeds(client.purge_folder(inventory.trash.id), "PURGEFOLDER of Trash")
    check(folder_exists(client, inventory.trash.id), "PURGEFOLDER deleted Trash itself")
    content = fetch_content(client, inventory.trash.id)
    check(not content.folders and not content.items,
          f"after PURGEFOLDER Trash still holds {len(content.folders)} folders and "
          f"{len(content.items)} items")
    left = [i for i in (item.id, nested.id) if item_exists(client, i)]
    check(not folder_exists(client, folder.id) and not left,
          "objects that were in Trash can still be fetched after PURGEFOLDER")
