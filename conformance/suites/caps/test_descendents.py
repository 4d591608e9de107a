"""Fetch inventory descendents: FetchInventoryDescendents2's request and answer
(seeds/sl-inventory-api-caps.txt, "Fetch inventory descendents"; docs/interop/caps.md)."""

from __future__ import annotations

import pytest

from conformance.clients.caps import CapsClient, viewer_folder, wiki_folder
from conformance.expect import ConformanceFailure, check, contains, equal, one_of, step
from conformance.ledger import owned_name
from conformance.side_by_side import each
from conformance.suites.caps.steps import (
    Observe,
    Scratch,
    answer,
    array,
    bad_folder_ids,
    category_ids,
    children,
    conforms,
    entries_for,
    entry_for,
    fetch_entry,
    has_links,
    integer,
    inventory_root,
    item_ids,
    items_by_id,
    missing_id,
    walk,
)
from conformance.viewer import Viewer
from conformance.wire import llsd
from conformance.wire.ids import ZERO_UUID
from conformance.wire.xml import WireError


def descendents_is_the_listing(entry: dict[str, object], where: str) -> None:
    """The wiki's count: descendents == len(items) + len(categories)."""
    listed = len(array(entry, "items")) + len(array(entry, "categories"))
    descendents = integer(entry.get("descendents"), f"descendents of {where}")
    check(descendents == listed,
          f"{where}: descendents is {descendents}, but items + categories hold {listed}")


def descendents_is_the_children(entry: dict[str, object], where: str) -> None:
    """descendents == distinct categories and items whose parent is the folder."""
    categories, items = children(entry)
    descendents = integer(entry.get("descendents"), f"descendents of {where}")
    check(descendents == len(categories) + len(items),
          f"{where}: descendents is {descendents}, but the folder's distinct children are "
          f"{len(categories)} categories and {len(items)} items")


# ---------------------------------------------------------------------- the answer


@pytest.mark.requirement("CAPS-FID-RESPONSE")
@pytest.mark.reads
def test_the_answer_is_a_folders_array_of_folder_structures(caps: CapsClient, viewer: Viewer,
                                                           observe: Observe) -> None:
    """The inventory root, asked as the viewer asks, comes back as {folders: [{folder_id,
    version, descendents, categories, items}]} with the documented types."""
    root_id = inventory_root(viewer)
    reply = caps.folder(root_id)
    value = answer(reply, observe)
    conforms(reply, "caps-descendents-response", value)
    entry = entry_for(value, root_id)
    for key in ("agent_id", "owner_id"):
        kind = llsd.llsd_type(entry.get(key)) if key in entry else "absent"
        observe(f"folder entry {key}: {kind}")
    observe(f"Content-Type: {reply.header('Content-Type')}")


@pytest.mark.requirement("CAPS-FID-DESCENDENTS")
@pytest.mark.writes
def test_descendents_counts_the_items_and_categories_listed(caps: CapsClient, scratch: Scratch,
                                                           observe: Observe) -> None:
    """A folder holding two subfolders and three items is answered with descendents 5,
    the number of entries in its items and categories."""
    scratch.subfolder(name="sub a")
    scratch.subfolder(name="sub b")
    scratch.items(3)
    _, entry = fetch_entry(caps, scratch.id, observe=observe)
    descendents_is_the_listing(entry, "the test's folder")
    equal(entry.get("descendents"), 5, "descendents of a folder of 2 folders and 3 items")


@pytest.mark.requirement("CAPS-FID-DESCENDENTS")
@pytest.mark.reads
def test_descendents_counts_the_listing_in_every_folder_without_links(
        caps: CapsClient, viewer: Viewer) -> None:
    """Every folder of the avatar's inventory (the first 40, read as the viewer walks it)
    that holds no links has descendents = len(items) + len(categories)."""
    root_id = inventory_root(viewer)
    for _, entry in walk(caps, root_id, viewer.agent_id):
        if not has_links(entry):
            descendents_is_the_listing(entry, f"folder {entry.get('folder_id')}")


@pytest.mark.requirement("CAPS-FID-DESCENDENTS-CHILDREN")
@pytest.mark.writes
def test_descendents_counts_distinct_children_with_links_and_targets(
        caps: CapsClient, scratch: Scratch, observe: Observe) -> None:
    """A folder holding an item, a link to it, a link to an item elsewhere, a broken
    link and a subfolder has descendents 5, however the targets are listed."""
    elsewhere = scratch.subfolder(name="elsewhere")
    outside = scratch.item(elsewhere.id)
    folder = scratch.subfolder(name="with links")
    inside = scratch.item(folder.id)
    scratch.item_link(inside, folder.id)
    scratch.item_link(outside, folder.id)
    scratch.item_link(missing_id(), folder.id)
    scratch.subfolder(folder.id, name="sub")
    _, entry = fetch_entry(caps, folder.id, observe=observe)
    descendents_is_the_children(entry, "the folder with links")
    equal(entry.get("descendents"), 5, "descendents of a folder of 1 folder and 4 items")
    ids = item_ids(entry)
    if len(ids) != len(set(ids)):
        observe("an item is listed twice in one folder (link target and itself)")


@pytest.mark.requirement("CAPS-FID-DESCENDENTS-CHILDREN")
@pytest.mark.reads
def test_descendents_counts_distinct_children_in_every_folder(caps: CapsClient,
                                                             viewer: Viewer) -> None:
    """Every folder of the avatar's inventory (the first 40) has descendents = its
    distinct categories and items whose parent it is."""
    root_id = inventory_root(viewer)
    for _, entry in walk(caps, root_id, viewer.agent_id):
        descendents_is_the_children(entry, f"folder {entry.get('folder_id')}")


# ---------------------------------------------------------------------- requests


@pytest.mark.requirement("CAPS-FID-MULTIPLE")
@pytest.mark.writes
def test_several_folders_in_one_request_are_each_answered(caps: CapsClient, scratch: Scratch,
                                                         observe: Observe) -> None:
    """Three folders in one request (one asked twice) are each answered with their own
    contents."""
    folders = [scratch.subfolder(name=f"multi {n}") for n in range(3)]
    content = {folder.id: {item.id for item in scratch.items(n + 1, folder.id)}
               for n, folder in enumerate(folders)}
    asked = [viewer_folder(f.id, scratch.owner) for f in folders]
    reply = caps.descendents([*asked, asked[0]])
    value = answer(reply, observe)
    for folder in folders:
        entry = entry_for(value, folder.id)
        equal(set(item_ids(entry)), content[folder.id], f"the items of folder {folder.id}")
    twice = len(entries_for(value, folders[0].id))
    observe(f"a folder asked twice in one request was answered {twice} time(s)")


@pytest.mark.requirement("CAPS-FID-BATCH")
@pytest.mark.writes
def test_a_batch_of_ten_folders_is_answered_exactly(caps: CapsClient, scratch: Scratch,
                                                   observe: Observe) -> None:
    """Ten folders in one request, as the viewer batches them, holding 0 to 9 items: each
    is answered with exactly its items and descendents."""
    folders = each(lambda n: scratch.subfolder(name=f"batch {n}"), range(10))
    filled = each(lambda pair: scratch.item(pair[1].id, name=owned_name(f"item {pair[0]}")),
                  [(n, folder) for count, folder in enumerate(folders) for n in range(count)])
    content = {folder.id: {item.id for item in filled if item.folder == folder.id}
               for folder in folders}
    value = answer(caps.descendents([viewer_folder(f.id, scratch.owner) for f in folders]),
                   observe)
    for folder in folders:
        entry = entry_for(value, folder.id)
        check(set(item_ids(entry)) == content[folder.id],
              f"folder {folder.id} was answered with {len(item_ids(entry))} items, expected "
              f"{len(content[folder.id])}")
        equal(entry.get("descendents"), len(content[folder.id]),
              f"descendents of folder {folder.id}")


LARGE = 1000


@pytest.mark.requirement("CAPS-FID-LARGE-FOLDER")
@pytest.mark.writes
@pytest.mark.requests(LARGE + 10)
def test_a_folder_of_a_thousand_items_is_answered_in_full(caps: CapsClient, scratch: Scratch,
                                                           observe: Observe) -> None:
    folder = scratch.subfolder(name="large")
    items = scratch.items(LARGE, folder.id)
    written = {item.id for item in items}
    try:
        _, entry = fetch_entry(caps, folder.id, observe=observe)
    finally:
        scratch.remove_tree(folder, items)
    listed = set(item_ids(entry))
    check(listed == written, f"the folder was answered with {len(listed)} items "
                             f"({len(written - listed)} missing), expected {LARGE}")
    equal(entry.get("descendents"), LARGE, "descendents")


@pytest.mark.requirement("CAPS-FID-WIKI-REQUEST")
@pytest.mark.writes
def test_the_wiki_request_with_folder_id_only_is_answered(caps: CapsClient, scratch: Scratch,
                                                         observe: Observe) -> None:
    """{folders: [{folder_id}]}, the wiki's request, answers the folder with its
    subfolder and its two items (the page: "the category you want information about",
    whose entry holds categories and items), and descendents = len(items) +
    len(categories)."""
    sub = scratch.subfolder(name="sub")
    items = {item.id for item in scratch.items(2)}
    value = answer(caps.descendents([wiki_folder(scratch.id)]), observe)
    entry = entry_for(value, scratch.id)
    descendents_is_the_listing(entry, "the folder asked the wiki's way")
    equal(set(category_ids(entry)), {sub.id},
          "asked the wiki's way (folder_id only), the folder's categories")
    equal(set(item_ids(entry)), items,
          "asked the wiki's way (folder_id only), the folder's items")


@pytest.mark.requirement("CAPS-FID-VIEWER-REQUEST")
@pytest.mark.writes
def test_the_viewer_request_lists_every_child(caps: CapsClient, scratch: Scratch,
                                             observe: Observe) -> None:
    """The viewer's request (owner_id, fetch_folders 1, fetch_items 1, sort_order) lists
    every subfolder and item of the folder."""
    folders = {scratch.subfolder(name=f"child {n}").id for n in range(2)}
    items = {item.id for item in scratch.items(3)}
    _, entry = fetch_entry(caps, scratch.id, observe=observe)
    equal(set(category_ids(entry)), folders, "the categories")
    equal(set(item_ids(entry)), items, "the items")
    # No client depends on fetch_items 0 (the viewer always sends 1): only recorded.
    reply = caps.descendents([viewer_folder(scratch.id, scratch.owner, fetch_items=False)])
    try:
        listed = item_ids(entry_for(answer(reply), scratch.id))
        observe(f"fetch_items 0 answered {len(listed)} of {len(items)} items")
    except ConformanceFailure:
        observe(f"fetch_items 0 got no usable answer ({reply.status})")


# ---------------------------------------------------------------------- versions


@pytest.mark.requirement("CAPS-FID-VERSION")
@pytest.mark.reads
def test_a_folder_version_matches_its_category_in_the_parent(caps: CapsClient,
                                                            viewer: Viewer) -> None:
    root_id = inventory_root(viewer)
    _, root = fetch_entry(caps, root_id)
    categories = {llsd.as_uuid(c.get("category_id")): c for c in array(root, "categories")}
    check(categories, "the inventory root lists no categories")
    asked = [viewer_folder(folder_id, viewer.agent_id) for folder_id in list(categories)[:10]
             if folder_id]
    value = answer(caps.descendents(asked))
    for request in asked:
        folder_id = str(request["folder_id"])
        entry = entry_for(value, folder_id)
        listed = categories[folder_id].get("version")
        check(entry.get("version") == listed,
              f"folder {folder_id}: version {entry.get('version')!r} in its entry, "
              f"{listed!r} as a category of the root")


@pytest.mark.requirement("CAPS-FID-VERSION")
@pytest.mark.writes
def test_a_folder_version_is_the_stored_version(caps: CapsClient, scratch: Scratch) -> None:
    """The version of a folder's entry is the Version XInventory GETFOLDER gives."""
    scratch.items(2)
    stored = scratch.version()
    _, entry = fetch_entry(caps, scratch.id)
    check(entry.get("version") == stored,
          f"version is {entry.get('version')!r}, {scratch.through} holds {stored}")


@pytest.mark.requirement("CAPS-FID-VERSION-CHANGES")
@pytest.mark.writes
def test_adding_to_a_folder_changes_its_version_and_shows_at_once(
        caps: CapsClient, scratch: Scratch) -> None:
    _, before = fetch_entry(caps, scratch.id)
    item = scratch.item()
    _, after_item = fetch_entry(caps, scratch.id)
    contains(item_ids(after_item), item.id, "the items listed after the item was added")
    check(after_item.get("version") != before.get("version"),
          f"version stayed {before.get('version')!r} after an item was added")
    folder = scratch.subfolder(name="new")
    _, after_folder = fetch_entry(caps, scratch.id)
    contains(category_ids(after_folder), folder.id,
             "the categories listed after the folder was added")
    check(after_folder.get("version") != after_item.get("version"),
          f"version stayed {after_item.get('version')!r} after a folder was added")


# ---------------------------------------------------------------------- odd folders


def empty_or_absent(value: dict[str, object], folder_id: str, observe: Observe,
                    what: str) -> None:
    """The folder has no entry with contents; which form the target used is recorded."""
    entries = entries_for(value, folder_id)
    bad = folder_id in bad_folder_ids(value)
    for entry in entries:
        listed = len(array(entry, "items")) + len(array(entry, "categories"))
        equal(listed, 0, f"the number of children {what} was answered with")
        one_of(entry.get("descendents"), (0, None), f"the descendents {what} was answered with")
    forms = []
    if bad:
        forms.append("in bad_folders")
    if entries:
        forms.append(f"as an empty entry with version {entries[0].get('version')!r}")
    observe(f"{what}: answered {' and '.join(forms) or 'by leaving it out'}")


@pytest.mark.requirement("CAPS-FID-UNKNOWN")
@pytest.mark.writes
def test_an_unknown_folder_beside_a_known_one(caps: CapsClient, scratch: Scratch,
                                             observe: Observe) -> None:
    """An unknown folder asked beside a known one gets no contents, and the known one is
    answered in full."""
    items = {item.id for item in scratch.items(2)}
    unknown = missing_id()
    value = answer(caps.descendents([viewer_folder(unknown, scratch.owner),
                                     viewer_folder(scratch.id, scratch.owner)]), observe)
    empty_or_absent(value, unknown, observe, "an unknown folder")
    entry = entry_for(value, scratch.id)
    equal(set(item_ids(entry)), items,
          "the items of the known folder asked beside an unknown one")


@pytest.mark.requirement("CAPS-FID-ZERO")
@pytest.mark.reads
def test_the_zero_folder_beside_the_root(caps: CapsClient, viewer: Viewer,
                                        observe: Observe) -> None:
    """The zero folder, as the viewer asks it (fetch_folders 0), beside the inventory root:
    200, and the root is answered with its categories: every category the root lists
    when asked alone just before and just after (other modules may add folders to the
    root meanwhile), and none it lists in neither."""
    root_id = inventory_root(viewer)
    _, before = fetch_entry(caps, root_id)
    value = answer(caps.descendents([
        viewer_folder(ZERO_UUID, viewer.agent_id, fetch_folders=False),
        viewer_folder(root_id, viewer.agent_id)]), observe)
    _, after = fetch_entry(caps, root_id)
    empty_or_absent(value, ZERO_UUID, observe, "the zero folder")
    beside = set(category_ids(entry_for(value, root_id)))
    alone = (set(category_ids(before)), set(category_ids(after)))
    missing = (alone[0] & alone[1]) - beside
    check(not missing, f"asked beside the zero folder, the root does not list "
                       f"{sorted(missing)}, which it lists alone before and after")
    extra = beside - (alone[0] | alone[1])
    check(not extra, f"asked beside the zero folder, the root lists {sorted(extra)}, which "
                     f"it lists alone neither before nor after")


@pytest.mark.requirement("CAPS-FID-VERSION-CHANGES")
@pytest.mark.writes
def test_an_updated_item_reads_new_at_once_through_descendents(
        caps: CapsClient, scratch: Scratch, observe: Observe) -> None:
    """An item renamed through XInventory UPDATEITEM after FetchInventory2 read it is
    listed with its new name by FetchInventoryDescendents2 at once. Whether
    FetchInventory2 (which a simulator may serve from an item cache) still gives the old
    name is recorded with its age, not failed."""
    import time

    from conformance.clients.caps import ITEMS

    item = scratch.item(name=owned_name("before"))
    first_read = time.monotonic()
    if caps.offers(ITEMS):
        with step("could not read the item through FetchInventory2 first"):
            answer(caps.items([item.id]))
    renamed = scratch.rename(item, owned_name("after"))
    _, entry = fetch_entry(caps, scratch.id, observe=observe)
    names = [i.get("name") for i in array(entry, "items")
             if llsd.as_uuid(i.get("item_id")) == item.id]
    equal(names, [renamed.name], "after the rename, the names the folder lists the item by")
    if caps.offers(ITEMS):
        reply = caps.items([item.id])
        try:
            name = items_by_id(llsd.parse(reply.body).merged_map()).get(item.id, {}).get("name")
        except (WireError, ConformanceFailure):
            name = None  # FetchInventory2's own tests judge its answers
        if name is not None and name != renamed.name:
            observe(f"FetchInventory2 gave a stale item {time.monotonic() - first_read:.1f} s "
                    f"after its first read (name {name!r})")
