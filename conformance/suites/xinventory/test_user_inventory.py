"""CREATEUSERINVENTORY, GETINVENTORYSKELETON and GETFOLDERFORTYPE (docs/interop/xinventory.md):
a user's inventory, its root and its system folders."""

from __future__ import annotations

import pytest

from conformance.clients.xinventory import XInventoryClient
from conformance.expect import Observe, check, equal, present
from conformance.suites.xinventory.steps import (
    CLASSIC_SYSTEM_FOLDERS,
    LOST_AND_FOUND,
    TRASH,
    Inventory,
    add_folder,
    create_inventory,
    folder_reply,
    ids,
    result,
    skeleton,
)
from conformance.wire.ids import new_id, same_uuid
from conformance.wire.xinventory import ZERO_UUID

PHOTO_ALBUM = 15
OUTFIT = 47


@pytest.mark.requirement("XINV-CREATEUSERINVENTORY-NEW")
@pytest.mark.writes
def test_creating_a_new_users_inventory_is_true(fresh: XInventoryClient) -> None:
    check(result(fresh.create_user_inventory()) is True,
          "CREATEUSERINVENTORY for a new principal answered RESULT False")
    check(folder_reply(fresh.get_root_folder()) is not None,
          "after CREATEUSERINVENTORY, GETROOTFOLDER answered empty")


@pytest.mark.requirement("XINV-CREATEUSERINVENTORY-AGAIN")
@pytest.mark.writes
def test_creating_it_again_is_false_and_keeps_the_root(fresh: XInventoryClient) -> None:
    result(fresh.create_user_inventory())
    first = folder_reply(fresh.get_root_folder())
    check(result(fresh.create_user_inventory()) is False,
          "a second CREATEUSERINVENTORY answered RESULT True")
    second = folder_reply(fresh.get_root_folder())
    check(first is not None and second is not None and first.id == second.id,
          f"the root folder changed on the second call: {first} then {second}")


@pytest.mark.requirement("XINV-CREATEUSERINVENTORY-SYSTEM-FOLDERS")
@pytest.mark.writes
def test_the_skeleton_holds_the_root_and_the_system_folders(
        fresh: XInventoryClient, observe: Observe) -> None:
    """After CREATEUSERINVENTORY the skeleton holds one parentless root and, directly
    under it, a system folder of each standard type, all owned by the principal. The
    results record every system folder it made, by type."""
    inventory = create_inventory(fresh)
    folders = skeleton(fresh)
    roots = [f for f in folders if f.parent_id == ZERO_UUID]
    check([f.id for f in roots] == [inventory.root.id],
          f"the skeleton has {len(roots)} parentless folders, expected the root only")
    missing = {t: name for t, name in CLASSIC_SYSTEM_FOLDERS.items()
               if not any(f.type == t and f.parent_id == inventory.root.id for f in folders)}
    check(not missing, f"no system folder under the root for {sorted(missing.values())}")
    foreign = [f for f in folders if not same_uuid(f.owner, fresh.principal)]
    check(not foreign, f"{len(foreign)} folders of the skeleton are owned by someone else")
    made = sorted({(f.type, f.name) for f in folders
                   if f.parent_id == inventory.root.id and f.type >= 0})
    observe(", ".join(f"{folder_type} {name}" for folder_type, name in made),
            about="OBS-XINV-SYSTEM-FOLDERS")


@pytest.mark.requirement("XINV-CREATEUSERINVENTORY-RECREATES")
@pytest.mark.writes
def test_a_missing_system_folder_is_created_again(fresh: XInventoryClient) -> None:
    """CREATEUSERINVENTORY adds a system folder the root no longer holds: with Photo
    Album moved away from the root, a call makes a new one under the root."""
    inventory = create_inventory(fresh)
    album = inventory.folder_of_type(PHOTO_ALBUM)
    elsewhere = add_folder(fresh, inventory.root.id)
    check(result(fresh.move_folder(album.id, elsewhere.id)) is True,
          "MOVEFOLDER of Photo Album answered RESULT False")
    result(fresh.create_user_inventory())
    again = folder_reply(fresh.get_folder_for_type(PHOTO_ALBUM))
    check(again is not None and again.id != album.id and again.parent_id == inventory.root.id,
          f"after CREATEUSERINVENTORY the root's Photo Album folder is {again}, expected a "
          f"new one")


@pytest.mark.requirement("XINV-GETINVENTORYSKELETON")
@pytest.mark.writes
def test_the_skeleton_lists_every_folder_of_the_principal_and_no_other(
        inventory: Inventory, xinventory: XInventoryClient) -> None:
    """GETINVENTORYSKELETON lists every folder the principal owns, nested ones
    included, once each, and none of another principal's."""
    client = inventory.client
    outer = add_folder(client, inventory.root.id)
    inner = add_folder(client, outer.id)
    deep = add_folder(client, inner.id)
    other = create_inventory(xinventory.as_principal(new_id()))
    theirs = add_folder(other.client, other.root.id)
    folders = skeleton(client)
    listed = [f.id for f in folders]
    check(len(listed) == len(set(listed)), "the skeleton lists a folder more than once")
    expected = {inventory.root.id, outer.id, inner.id, deep.id, *ids(inventory.system.values())}
    check(expected <= set(listed), f"the skeleton lacks {sorted(expected - set(listed))}")
    strangers = {theirs.id, other.root.id} & set(listed)
    check(not strangers, f"the skeleton lists another principal's folders {sorted(strangers)}")
    equal(next(f for f in folders if f.id == deep.id).parent_id, inner.id,
          "the ParentID the skeleton gives the nested folder")


@pytest.mark.requirement("XINV-GETINVENTORYSKELETON")
@pytest.mark.reads
def test_the_skeleton_of_an_unknown_principal_is_empty(xinventory: XInventoryClient) -> None:
    """GETINVENTORYSKELETON for a principal without inventory lists no folder."""
    folders = skeleton(xinventory, new_id())
    check(folders == [], f"the skeleton of an unknown principal lists {len(folders)} folders")


@pytest.mark.requirement("XINV-GETFOLDERFORTYPE-SYSTEM")
@pytest.mark.writes
@pytest.mark.parametrize("folder_type", [TRASH, LOST_AND_FOUND, 7, 0, 20])
def test_folder_for_a_system_type_is_the_roots_child(inventory: Inventory,
                                                     folder_type: int) -> None:
    """GETFOLDERFORTYPE answers the root's child folder of that type."""
    folder = present(folder_reply(inventory.client.get_folder_for_type(folder_type)),
                     f"the folder of TYPE={folder_type} (GETFOLDERFORTYPE answered empty)")
    equal(folder.type, folder_type, f"the Type of the folder TYPE={folder_type} gave")
    equal(folder.parent_id, inventory.root.id,
          f"the ParentID of the folder TYPE={folder_type} gave")
    check(same_uuid(folder.owner, inventory.principal), "the folder has another Owner")


@pytest.mark.requirement("XINV-GETFOLDERFORTYPE-ROOT")
@pytest.mark.writes
def test_folder_for_the_root_type_is_the_root(inventory: Inventory) -> None:
    folder = folder_reply(inventory.client.get_folder_for_type(inventory.root.type))
    check(folder is not None and folder.id == inventory.root.id,
          f"TYPE={inventory.root.type} gave {folder}, expected the root folder "
          f"{inventory.root.id}")


@pytest.mark.requirement("XINV-GETFOLDERFORTYPE-NONE")
@pytest.mark.writes
def test_folder_for_a_type_the_root_lacks_is_empty(inventory: Inventory) -> None:
    """GETFOLDERFORTYPE for a type no child of the root has (47, an outfit) answers the
    empty <ServerResponse />."""
    folder = folder_reply(inventory.client.get_folder_for_type(OUTFIT))
    check(folder is None, f"TYPE={OUTFIT} gave {folder}, expected an empty reply")


@pytest.mark.requirement("XINV-GETFOLDERFORTYPE-NONE")
@pytest.mark.reads
def test_folder_for_type_of_an_unknown_principal_is_empty(
        xinventory: XInventoryClient) -> None:
    """GETFOLDERFORTYPE for a principal without inventory answers empty."""
    folder = folder_reply(xinventory.get_folder_for_type(TRASH, new_id()))
    check(folder is None, f"an unknown principal's Trash is {folder}, expected empty")
