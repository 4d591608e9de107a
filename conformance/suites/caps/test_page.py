"""Sentences of the capabilities page checked as written: the root category, the
categories the user made, the page's own FetchInventory2 request and the page's count in
a folder holding links (seeds/sl-inventory-api-caps.txt)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.clients.caps import ITEMS, CapsClient, llsd_uuid
from conformance.expect import check
from conformance.suites.caps.steps import (
    Observe,
    Scratch,
    answer,
    array,
    conforms,
    fetch_entry,
    integer,
    items_by_id,
    missing_id,
    needs,
)
from conformance.viewer import Viewer
from conformance.wire import llsd
from conformance.wire.ids import ZERO_UUID

pytestmark = pytest.mark.caps

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
    listed = [c for c in array(entry, "categories")
              if llsd.as_uuid(c.get("category_id")) == made.id]
    check(listed, f"the folder {made.id} is not listed in its parent's categories")
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
    value = answer(reply, observe)
    conforms(reply, "caps-items-response", value)
    found = items_by_id(value)
    for item in items:
        check(item.id in found, f"the item {item.id}, asked the page's way (item_id only), "
                                f"is not answered (answered: {sorted(found)})")
        got = (llsd.as_uuid(found[item.id].get("parent_id")), found[item.id].get("name"))
        check(got == (item.folder, item.name),
              f"the item {item.id} reads parent_id, name {got}, expected "
              f"{(item.folder, item.name)}")


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
