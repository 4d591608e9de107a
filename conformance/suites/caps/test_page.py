"""Sentences of the capabilities page checked as written: the root category, the
categories the user made, the page's own FetchInventory2 request and the page's count in
a folder holding links (seeds/sl-inventory-api-caps.txt)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.clients.caps import ITEMS, CapsClient, llsd_uuid
from conformance.expect import check, step
from conformance.suites.caps.steps import (
    Observe,
    Scratch,
    answer,
    answers_each,
    array,
    fetch_entry,
    integer,
    items_by_id,
    listed_category_id,
    missing_id,
    needs,
)
from conformance.viewer import Viewer
from conformance.wire import llsd
from conformance.wire.ids import ZERO_UUID

#: The null asset type (LLAssetType::AT_NONE): a category the user made.
NULL_TYPE = -1


def skeleton_root(viewer: Viewer) -> dict[str, Any]:
    for entry in viewer.skeleton:
        if llsd.as_uuid(entry.get("folder_id")) == viewer.inventory_root:
            return entry
    pytest.skip("the login reply's inventory-skeleton does not hold the inventory root "
                "(log in with --login-uri)")


@pytest.mark.requirement("CAPS-ROOT-CATEGORY")
@pytest.mark.reads
def test_the_root_category_has_the_null_parent_and_a_system_type(viewer: Viewer,
                                                                 observe: Observe) -> None:
    """The inventory root, as the login's inventory-skeleton gives it, has parent_id
    00000000-0000-0000-0000-000000000000 and a type_default that is not the null type
    (which number stands for "folder" is recorded, not judged)."""
    root = skeleton_root(viewer)
    check(llsd.as_uuid(root.get("parent_id")) == ZERO_UUID,
          f"the root category's parent_id is {root.get('parent_id')!r}, the page says the "
          f"null UUID {ZERO_UUID}")
    kind = integer(root.get("type_default"), "the root category's type_default")
    check(kind != NULL_TYPE, f"the root category's type_default is {kind}, the null type of "
                             f"categories the user made; the page says type_default = folder")
    observe(f"the root category's type_default: {kind}")


@pytest.mark.requirement("CAPS-CATEGORY-USER-TYPE")
@pytest.mark.writes
def test_a_folder_the_user_made_has_the_null_type(caps: CapsClient, scratch: Scratch,
                                                  observe: Observe) -> None:
    """A folder made with type -1 is listed in its parent with type_default -1 (the null
    asset type) or LLSD undef."""
    made = scratch.subfolder(name="user made")
    _, entry = fetch_entry(caps, scratch.id, observe=observe)
    listed = [c for c in array(entry, "categories") if listed_category_id(c) == made.id]
    check(listed, f"the folder {made.id} is not listed in its parent's categories")
    with step("the folder's entry has no type_default", requirement="CAPS-CATEGORY-KEYS"):
        check("type_default" in listed[0], f"the category entry has keys "
                                           f"{sorted(listed[0])}, no type_default")
    kind = listed[0].get("type_default")
    check(kind is None or (isinstance(kind, int) and not isinstance(kind, bool)
                           and kind == NULL_TYPE),
          f"a folder the user made is listed with type_default {kind!r}, the page says "
          f"null (-1 or undef)")
    observe(f"a user's folder: type_default {kind!r}")


@pytest.mark.requirement("CAPS-FI2-WIKI-REQUEST")
@pytest.mark.writes
def test_the_pages_fetchinventory_request_is_answered(caps: CapsClient, scratch: Scratch,
                                                      observe: Observe) -> None:
    """{items: [{item_id}, ...]}, the page's request without agent_id or owner_id, is
    answered with each item asked for."""
    needs(caps, ITEMS)
    items = scratch.items(2)
    reply = caps.post_llsd(ITEMS, {"items": [{"item_id": llsd_uuid(item.id)}
                                             for item in items]})
    answers_each(reply, items, observe, " (asked the page's way, item_id only)")


@pytest.mark.requirement("CAPS-FID-DESCENDENTS-LINKS")
@pytest.mark.writes
def test_descendents_counts_the_listing_of_a_folder_with_links(
        caps: CapsClient, scratch: Scratch, observe: Observe) -> None:
    """A folder holding an item, a link to that item, a broken link, a link to a folder
    and a subfolder: descendents = len(items) + len(categories) of its entry."""
    folder = scratch.subfolder(name="links at home")
    target = scratch.item(folder.id)
    scratch.item_link(target, folder.id)
    scratch.item_link(missing_id(), folder.id)
    sub = scratch.subfolder(folder.id, name="sub")
    scratch.folder_link(sub, folder.id)
    _, entry = fetch_entry(caps, folder.id, observe=observe)
    listed = len(array(entry, "items")) + len(array(entry, "categories"))
    descendents = integer(entry.get("descendents"), "descendents")
    check(descendents == listed,
          f"descendents is {descendents}, but items + categories hold {listed} "
          f"({len(array(entry, 'items'))} items, {len(array(entry, 'categories'))} categories)")
    ids = [llsd.as_uuid(i.get("item_id")) for i in array(entry, "items")]
    if len(ids) != len(set(ids)):
        observe("an item is listed twice in one folder (a link target beside itself)")


@pytest.mark.requirement("CAPS-PERMISSIONS-OWNER")
@pytest.mark.writes
def test_the_owner_is_always_the_agent(caps: CapsClient, scratch: Scratch, viewer: Viewer,
                                       observe: Observe) -> None:
    """The items of the agent's folder, listed by FetchInventoryDescendents2 and answered
    by FetchInventory2, each have permissions owner_id = their agent_id (the logged-in
    agent where the item carries no agent_id)."""
    items = scratch.items(2)
    _, entry = fetch_entry(caps, scratch.id, observe=observe)
    listed = array(entry, "items")
    check(listed, "the folder lists no items")
    answered = []
    if caps.offers(ITEMS):
        answered = array(answer(caps.items([item.id for item in items])), "items")
    for where, found in (("FetchInventoryDescendents2", listed), ("FetchInventory2", answered)):
        for item in found:
            agent = llsd.as_uuid(item.get("agent_id")) if "agent_id" in item else None
            permissions = item.get("permissions")
            owner = (llsd.as_uuid(permissions.get("owner_id"))
                     if isinstance(permissions, dict) else None)
            check(owner == (agent or viewer.agent_id),
                  f"{where}: the item {item.get('item_id')} has permissions owner_id "
                  f"{owner!r}, its agent_id is {agent or viewer.agent_id}")


@pytest.mark.requirement("CAPS-PERMISSIONS-GROUP")
@pytest.mark.writes
def test_a_group_owned_item_carries_its_group(caps: CapsClient, scratch: Scratch,
                                              observe: Observe) -> None:
    if scratch.through != "XInventory":
        pytest.skip("a group-owned item is written through XInventory only (AIS3 creates "
                    "items owned by the agent)")
    group = missing_id()
    item = scratch.item(group_id=group, group_owned=True)
    _, entry = fetch_entry(caps, scratch.id, observe=observe)
    found = items_by_id(entry).get(item.id)
    check(found is not None, f"the item {item.id} is not listed")
    assert found is not None
    permissions = found.get("permissions")
    permissions = permissions if isinstance(permissions, dict) else {}
    check(llsd.as_uuid(permissions.get("group_id")) == group,
          f"a group-owned item is listed with group_id {permissions.get('group_id')!r}, "
          f"its group is {group}")
    check(permissions.get("is_owner_group") is True,
          f"a group-owned item is listed with is_owner_group "
          f"{permissions.get('is_owner_group')!r}")


@pytest.mark.requirement("CAPS-NAMES-NOT-UNIQUE")
@pytest.mark.writes
def test_children_of_one_name_are_all_listed(caps: CapsClient, scratch: Scratch,
                                             observe: Observe) -> None:
    """Two subfolders named alike and two items named alike are all four listed."""
    from conformance.ledger import owned_name

    folders = {scratch.subfolder(name="twin folder").id for _ in range(2)}
    name = owned_name("twin item")
    items = {scratch.item(name=name).id for _ in range(2)}
    _, entry = fetch_entry(caps, scratch.id, observe=observe)
    categories = {listed_category_id(c) for c in array(entry, "categories")}
    listed = set(items_by_id(entry))
    check(folders <= categories, f"of two folders of one name, {sorted(folders - categories)} "
                                 f"is not listed")
    check(items <= listed, f"of two items of one name, {sorted(items - listed)} is not listed")
