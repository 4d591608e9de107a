"""GETROOTFOLDER, the one method the wiki documents (seeds/opensim-xinventory-service.txt,
"GETROOTFOLDER")."""

from __future__ import annotations

import pytest

from conformance.clients.xinventory import XInventoryClient
from conformance.expect import Observe, check, equal, expect, one_of, present
from conformance.suites.xinventory.steps import (
    ROOT_TYPES,
    data,
    fetch_folder,
    folder_reply,
    skeleton,
)
from conformance.wire.ids import new_id, same_uuid
from conformance.wire.xinventory import ZERO_UUID, Folder, untyped_lists

pytestmark = pytest.mark.reads


def root_of(xinventory: XInventoryClient, principal: str) -> Folder:
    return present(folder_reply(xinventory.get_root_folder(principal)),
                   f"the root folder of {principal}, who has an inventory (GETROOTFOLDER "
                   f"answered the empty <ServerResponse />)")


@pytest.mark.requirement("XINV-GETROOTFOLDER-REQUEST")
def test_the_wiki_request_is_answered_with_a_folder(xinventory: XInventoryClient,
                                                    known: str) -> None:
    reply = xinventory.get_root_folder(known)
    answer = data(reply)
    check("folder" in answer, f"the reply holds {sorted(answer) or 'nothing'}, "
                              f"expected a <folder>")


@pytest.mark.requirement("XINV-GETROOTFOLDER-ELEMENTS")
def test_the_folder_has_the_documented_elements(xinventory: XInventoryClient,
                                                known: str) -> None:
    """<folder type="List"> holds ParentID, Type, Version, Name, Owner and ID as text of
    their types (schemas/xinventory-folder.schema.json); nested records are marked
    type="List", as OpenSimulator's own client needs to read them."""
    reply = xinventory.get_root_folder(known)
    answer = data(reply)
    check("folder" in answer, f"the reply holds {sorted(answer) or 'nothing'}, "
                              f"expected a <folder>")
    expect(reply).conforms("xinventory-folder", answer["folder"])
    untyped = expect(reply).parsed(untyped_lists, "a <ServerResponse> document")
    check(not untyped, f"<{untyped[0] if untyped else ''}> holds elements but has no "
                       f"type=\"List\" attribute")


@pytest.mark.requirement("XINV-GETROOTFOLDER-PARENTID")
def test_parent_id_is_the_zero_uuid(xinventory: XInventoryClient, known: str) -> None:
    root = root_of(xinventory, known)
    equal(root.parent_id, ZERO_UUID, "ParentID")


@pytest.mark.requirement("XINV-GETROOTFOLDER-TYPE")
def test_type_is_9(xinventory: XInventoryClient, known: str) -> None:
    """The root folder's Type is 9 (RootCategory), as the wiki says it always is."""
    root = root_of(xinventory, known)
    equal(root.type, 9, "Type")


@pytest.mark.requirement("XINV-GETROOTFOLDER-TYPE-ROOT")
def test_type_is_a_root_type_viewers_accept(xinventory: XInventoryClient, known: str,
                                            observe: Observe) -> None:
    """The root folder's Type is one peers read as the root: 8 (FolderType.Root, what
    OpenSimulator creates) or 9 (the wiki's RootCategory, in older data). The results
    record which one the target uses."""
    root = root_of(xinventory, known)
    observe(f"the root folder's Type is {root.type}", about="OBS-XINV-ROOT-TYPE")
    one_of(root.type, ROOT_TYPES, "Type")


@pytest.mark.requirement("XINV-GETROOTFOLDER-NAME")
def test_name_is_my_inventory(xinventory: XInventoryClient, known: str) -> None:
    """The root folder is the user's "My Inventory" folder."""
    root = root_of(xinventory, known)
    equal(root.name, "My Inventory", "Name")


@pytest.mark.requirement("XINV-GETROOTFOLDER-OWNER")
def test_owner_is_the_principal(xinventory: XInventoryClient, known: str) -> None:
    """Owner matches the PRINCIPAL of the request."""
    root = root_of(xinventory, known)
    check(same_uuid(root.owner, known), f"Owner is {root.owner}, expected the PRINCIPAL "
                                        f"{known}")


@pytest.mark.requirement("XINV-GETROOTFOLDER-ID")
def test_id_is_the_folders_own_id(xinventory: XInventoryClient, known: str) -> None:
    """ID is the root folder's own id: the same on every call, GETFOLDER of it (asked by
    its owner, as a region simulator asks) answers the same folder, and the folders under
    the root name it as their ParentID."""
    owner = xinventory.as_principal(known)
    root = root_of(owner, known)
    again = root_of(owner, known)
    equal(again.id, root.id, "the ID a second GETROOTFOLDER gives")
    fetched = fetch_folder(owner, root.id)
    equal(fetched, root, "GETFOLDER of the root's ID")
    children = [f for f in skeleton(owner) if f.parent_id == root.id]
    check(children, f"no folder of the skeleton has the root's ID {root.id} as ParentID")


@pytest.mark.requirement("XINV-GETROOTFOLDER-UNKNOWN")
def test_unknown_principal_gets_an_empty_response(xinventory: XInventoryClient) -> None:
    answer = data(xinventory.get_root_folder(new_id()))
    check(answer == {}, f"the reply holds {sorted(answer)}, expected an empty "
                        f"<ServerResponse />")
