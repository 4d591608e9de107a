"""Generated checks: text and permission masks of any value round-trip, and any sequence
of adds, moves and deletes leaves the tree (contents and versions) a model predicts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conformance.clients.xinventory import XInventoryClient
from conformance.expect import Observe, check
from conformance.ledger import NAME_PREFIX
from conformance.suites.model import (
    InventoryTree,
    TreeSequence,
    operation,
    pick,
    sequence_settings,
)
from conformance.suites.xinventory.steps import (
    Inventory,
    add_folder,
    add_item,
    fetch_content,
    fetch_folder,
    fetch_item,
    folder_exists,
    item_exists,
    refused,
    result,
    succeeds,
    version_of,
)
from conformance.wire.xinventory import Folder

FEW = settings(max_examples=15, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture])
UINT32_MAX = 2**32 - 1

#: Text a real server stores: the Basic Multilingual Plane (MySQL's utf8 columns hold no
#: more) without control characters and non-characters, which XML cannot carry.
bmp_text = st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs", "Cc", "Cn"))
xml_special = st.sampled_from([*"<>&'\"", "]]>", "&amp;", "<![CDATA[", "&#x41;"])
form_special = st.sampled_from([*"+=&%?#;/ ", "%20", "%2B", "[]", "METHOD="])


def text_of(*pieces: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Text of at most 30 characters made of the pieces (single characters or tokens),
    empty or holding something besides whitespace: a whitespace-only value is a
    behaviour of its own (test_whitespace_only_text_reads_back_as_sent_or_empty)."""
    return (st.lists(st.one_of(*pieces), max_size=12)
            .map(lambda parts: "".join(parts)[:30])
            .filter(lambda text: text == "" or not text.isspace()))


def owned_text(body: str) -> str:
    """A name the suite owns: the prefix, the generated text, and an end marker (so no
    server trims trailing spaces away); at most 64 characters."""
    return f"{NAME_PREFIX} {body}|"


@pytest.mark.requirement("XINV-TEXT-ROUNDTRIP")
@pytest.mark.writes
@FEW
@given(text=text_of(bmp_text, xml_special))
@example(text="<a href='x'>&amp; \"ü\" ✓</a>")
def test_names_and_descriptions_round_trip(inventory: Inventory, text: str) -> None:
    """A folder Name and an item Name and Description with XML-special and non-ASCII
    characters read back exactly."""
    client = inventory.client
    name = owned_text(text)
    folder = add_folder(client, inventory.root.id, name, subject=True)
    item = add_item(client, folder.id, subject=True, name=name, description=text)
    check(fetch_folder(client, folder.id).name == name, f"the folder name {name!r} changed")
    fetched = fetch_item(client, item.id)
    check((fetched.name, fetched.description) == (name, text),
          f"the item read back as {fetched.name!r} / {fetched.description!r}")


@pytest.mark.requirement("XINV-TEXT-ROUNDTRIP")
@pytest.mark.writes
@pytest.mark.parametrize("blank", [" ", "  ", "\t"], ids=["space", "two-spaces", "tab"])
def test_whitespace_only_text_reads_back_as_sent_or_empty(
        inventory: Inventory, blank: str, observe: Observe) -> None:
    """An item whose Description is only whitespace is stored; the Description reads
    back as sent or empty (OpenSimulator stores it empty since 2020, 0.9.1 as sent: no
    peer depends on either), and the results record which."""
    client = inventory.client
    item = add_item(client, inventory.root.id, subject=True, description=blank)
    fetched = fetch_item(client, item.id)
    check(fetched.description in (blank, ""), f"a Description of {blank!r} read back as "
                                              f"{fetched.description!r}")
    kept = "as sent" if fetched.description == blank else "empty"
    observe(f"{blank!r} reads back {kept}", about="OBS-XINV-WHITESPACE-DESCRIPTION")


@pytest.mark.requirement("XINV-FORM-ENCODING")
@pytest.mark.writes
@FEW
@given(text=text_of(form_special, st.sampled_from("ab é")))
@example(text="a+b=c&d %20e")
def test_form_special_text_round_trips(inventory: Inventory, text: str) -> None:
    """Item text full of +, =, & and % (sent percent-encoded) reads back exactly."""
    client = inventory.client
    item = add_item(client, inventory.root.id, subject=True, name=owned_text(text),
                    description=text,
                    creator_data=f"http://example.org/?{text};{text}" if text else "")
    fetched = fetch_item(client, item.id)
    check((fetched.name, fetched.description) == (item.name, text),
          f"sent {item.name!r} / {text!r}, read back {fetched.name!r} / "
          f"{fetched.description!r}")


PERMISSION_FIELDS = ("base_permissions", "current_permissions", "next_permissions",
                     "everyone_permissions", "group_permissions", "flags")


@pytest.mark.requirement("XINV-PERMISSIONS-RANGE")
@pytest.mark.writes
@pytest.mark.parametrize("mask", [0, 1, 2**31 - 1, 2**31, UINT32_MAX])
def test_permission_masks_at_the_edges_round_trip(inventory: Inventory, scratch: Folder,
                                                  mask: int) -> None:
    """Permissions and Flags are unsigned 32-bit: 0, 2**31 and 2**32-1 read back as
    sent (not as negative numbers)."""
    client = inventory.client
    item = add_item(client, scratch.id, subject=True, **{name: mask for name in PERMISSION_FIELDS})
    fetched = fetch_item(client, item.id)
    wrong = {name: getattr(fetched, name) for name in PERMISSION_FIELDS
             if getattr(fetched, name) != mask}
    check(not wrong, f"sent {mask} in every mask, read back {wrong}")


@pytest.mark.requirement("XINV-PERMISSIONS-RANGE")
@pytest.mark.writes
@FEW
@given(masks=st.tuples(*[st.integers(0, UINT32_MAX)] * len(PERMISSION_FIELDS)))
@example(masks=(0, 1, 2**31 - 1, 2**31, 0xDEADBEEF, UINT32_MAX))
def test_any_permission_masks_round_trip(inventory: Inventory,
                                         masks: tuple[int, ...]) -> None:
    """Any unsigned 32-bit permission masks and Flags read back as sent."""
    client = inventory.client
    fields = dict(zip(PERMISSION_FIELDS, masks, strict=True))
    item = add_item(client, inventory.root.id, subject=True, **fields)
    fetched = fetch_item(client, item.id)
    returned = {name: getattr(fetched, name) for name in PERMISSION_FIELDS}
    check(returned == fields, f"sent {fields}, read back {returned}")


# ---------------------------------------------------------------------- the tree model

class Operations(TreeSequence):
    """Sequences of XInventory operations below two sandboxes: ``outside`` (under the
    root) and ``bin`` (under Trash, where deleting is allowed); checks versions as it
    goes."""

    def __init__(self, client: XInventoryClient, outside: str, bin_folder: str) -> None:
        super().__init__(InventoryTree((outside, bin_folder)))
        self.client = client
        self.outside = outside
        self.bin = bin_folder

    def in_bin(self, folder_id: str, *, itself: bool) -> bool:
        return self.model.within(folder_id, self.bin, itself=itself)

    def bumped(self, folders: list[str], action: str, send: Callable[[], None]) -> None:
        """Send and check each folder's version went up."""
        before = {folder: version_of(self.client, folder) for folder in folders}
        send()
        for folder, version in before.items():
            after = version_of(self.client, folder)
            check(after > version, f"{action}: the Version of {folder} stayed at {version} "
                                   f"(now {after})")

    @operation
    def add_folder(self, a: int, b: int) -> None:
        parent = self.model.folder_at(a)

        def send() -> None:
            folder = add_folder(self.client, parent, subject=True)
            self.model.parents[folder.id] = parent
        self.bumped([parent], "ADDFOLDER", send)

    @operation
    def add_item(self, a: int, b: int) -> None:
        folder = self.model.folder_at(a)

        def send() -> None:
            self.model.items[add_item(self.client, folder, subject=True).id] = folder
        self.bumped([folder], "ADDITEM", send)

    @operation
    def move_item(self, a: int, b: int) -> None:
        item = pick(sorted(self.model.items), a)
        destination = pick(self.model.folders(), b)
        if item is None or destination is None or self.model.items[item] == destination:
            return
        source = self.model.items[item]

        def send() -> None:
            succeeds(self.client.move_items({item: destination}), "MOVEITEMS")
            self.model.items[item] = destination
        self.bumped([source, destination], "MOVEITEMS", send)

    @operation
    def move_folder(self, a: int, b: int) -> None:
        folder = pick(sorted(self.model.parents), a)
        if folder is None:
            return
        destination = pick(self.model.folders_outside(folder), b)
        if destination is None or destination == self.model.parents[folder]:
            return

        def send() -> None:
            succeeds(self.client.move_folder(folder, destination), "MOVEFOLDER")
            self.model.parents[folder] = destination
        self.bumped([destination], "MOVEFOLDER", send)

    @operation
    def delete_item(self, a: int, b: int) -> None:
        item = pick(sorted(i for i, f in self.model.items.items()
                           if self.in_bin(f, itself=True)), a)
        if item is None:
            return
        folder = self.model.items[item]

        def send() -> None:
            succeeds(self.client.delete_items([item]), "DELETEITEMS")
            self.model.forget(set(), {item})
        self.bumped([folder], "DELETEITEMS", send)

    @operation
    def delete_folder(self, a: int, b: int) -> None:
        folder = pick(sorted(self.model.parents), a)
        if folder is None:
            return
        succeeds(self.client.delete_folders([folder]), "DELETEFOLDERS")
        if self.in_bin(folder, itself=False):
            self.model.remove(folder)

    @operation
    def purge(self, a: int, b: int) -> None:
        folder = self.model.folder_at(a)
        if self.in_bin(folder, itself=True):
            succeeds(self.client.purge_folder(folder), "PURGEFOLDER inside Trash")
            self.model.empty(folder)
        else:
            refused(self.client.purge_folder(folder), "PURGEFOLDER outside Trash")

    def check_tree(self) -> None:
        """Every folder of the model holds exactly the folders and items the model says;
        whatever the model deleted is gone."""
        for folder in self.model.folders():
            content = fetch_content(self.client, folder)
            check(content.folder_ids() == self.model.children(folder),
                  f"folder {folder} holds folders {sorted(content.folder_ids())}, the model "
                  f"says {sorted(self.model.children(folder))}")
            check(content.item_ids() == self.model.items_in(folder),
                  f"folder {folder} holds items {sorted(content.item_ids())}, the model "
                  f"says {sorted(self.model.items_in(folder))}")
            check(content.version == version_of(self.client, folder),
                  f"folder {folder}: GETFOLDERCONTENT VERSION {content.version} differs "
                  f"from GETFOLDER's")
        for folder in self.model.removed_folders:
            check(not folder_exists(self.client, folder), f"deleted folder {folder} remains")
        for item in self.model.removed_items:
            check(not item_exists(self.client, item), f"deleted item {item} remains")

    def discard(self) -> None:
        """Best effort: put the outside sandbox in the bin and delete the bin."""
        result(self.client.move_folder(self.outside, self.bin))
        trash = fetch_folder(self.client, self.bin).parent_id
        if trash:
            result(self.client.delete_folders([self.bin]))


@pytest.mark.requirement("XINV-TREE-CONSISTENT")
@pytest.mark.destructive
@sequence_settings(12)
@given(steps=Operations.steps(max_size=10))
@example(steps=[("add_item", 0, 0), ("move_item", 0, 1), ("add_folder", 1, 0),
                ("move_folder", 0, 0)])
@example(steps=[("add_folder", 0, 0), ("add_item", 2, 0), ("move_item", 0, 1),
                ("move_folder", 0, 1), ("add_item", 1, 0), ("delete_item", 0, 0),
                ("purge", 1, 0), ("delete_folder", 0, 0)])
def test_any_sequence_of_operations_leaves_the_tree_the_model_predicts(
        inventory: Inventory, steps: list[tuple[str, int, int]]) -> None:
    """After any sequence of ADDFOLDER, ADDITEM, MOVEITEMS, MOVEFOLDER, DELETEITEMS (in
    Trash), DELETEFOLDERS and PURGEFOLDER, every folder holds what a model of the rules
    predicts (deletes only inside Trash), and each operation raised the versions of the
    folders whose content it changed."""
    client = inventory.client
    outside = add_folder(client, inventory.root.id)
    bin_folder = add_folder(client, inventory.trash.id)
    operations = Operations(client, outside.id, bin_folder.id)
    operations.run(steps)
    operations.check_tree()
    operations.discard()
