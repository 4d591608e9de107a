"""Item Links and Folder Links (seeds/sl-inventory-api-caps.txt; docs/interop/caps.md)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.clients.caps import CapsClient
from conformance.expect import check, contains, equal
from conformance.suites.caps.steps import (
    FOLDER_LINK,
    ITEM_LINK,
    Observe,
    Scratch,
    array,
    fetch_entry,
    item_ids,
    missing_id,
)
from conformance.wire import llsd


def listed_item(entry: dict[str, Any], item_id: str) -> dict[str, Any]:
    """The item's entry in the folder's items (the last, if listed more than once: a
    link target ahead of itself)."""
    found = [i for i in array(entry, "items") if llsd.as_uuid(i.get("item_id")) == item_id]
    check(found, f"the item {item_id} is not listed (items: {item_ids(entry)})")
    return found[-1]


def link_reads(link: dict[str, Any], asset_type: int, inv_type: int, target: str,
               what: str) -> None:
    actual = (llsd.as_int(link.get("type")), llsd.as_int(link.get("inv_type")),
              llsd.as_uuid(link.get("asset_id")))
    equal(actual, (asset_type, inv_type, target), f"(type, inv_type, asset_id) of {what}")


@pytest.mark.requirement("CAPS-LINK-ITEM-WIKI")
@pytest.mark.writes
def test_an_item_link_of_inventory_type_24_points_to_an_item(caps: CapsClient,
                                                            scratch: Scratch) -> None:
    target = scratch.item()
    link = scratch.item_link(target, inv_type=ITEM_LINK)
    _, entry = fetch_entry(caps, scratch.id)
    link_reads(listed_item(entry, link.id), ITEM_LINK, ITEM_LINK, target.id, "the item link")


@pytest.mark.requirement("CAPS-LINK-FOLDER-WIKI")
@pytest.mark.writes
def test_a_folder_link_of_inventory_type_25_points_to_a_folder(caps: CapsClient,
                                                              scratch: Scratch) -> None:
    target = scratch.subfolder(name="link target")
    link = scratch.folder_link(target, inv_type=FOLDER_LINK)
    _, entry = fetch_entry(caps, scratch.id)
    link_reads(listed_item(entry, link.id), FOLDER_LINK, FOLDER_LINK, target.id,
               "the folder link")


@pytest.mark.requirement("CAPS-LINK-ITEM")
@pytest.mark.writes
def test_an_item_link_as_viewers_create_it(caps: CapsClient, scratch: Scratch) -> None:
    """A link of asset type 24 carrying the target's inventory type (a notecard, 7) is
    listed with type 24, inv_type 7 and the target item as asset_id."""
    target = scratch.item()
    link = scratch.item_link(target)
    _, entry = fetch_entry(caps, scratch.id)
    link_reads(listed_item(entry, link.id), ITEM_LINK, target.inv_type, target.id,
               "the item link")


@pytest.mark.requirement("CAPS-LINK-FOLDER")
@pytest.mark.writes
def test_a_folder_link_as_viewers_create_it(caps: CapsClient, scratch: Scratch) -> None:
    """A link of asset type 25 (inventory type 8, a category) is listed with type 25 and
    the target folder as asset_id."""
    target = scratch.subfolder(name="link target")
    link = scratch.folder_link(target)
    _, entry = fetch_entry(caps, scratch.id)
    link_reads(listed_item(entry, link.id), FOLDER_LINK, 8, target.id, "the folder link")


@pytest.mark.requirement("CAPS-LINK-TARGETS")
@pytest.mark.writes
def test_a_link_and_its_target_elsewhere_both_appear(caps: CapsClient, scratch: Scratch,
                                                    observe: Observe) -> None:
    """A folder holding a link to an item in another folder lists the link and the target
    item; where the target comes is recorded."""
    elsewhere = scratch.subfolder(name="target's folder")
    target = scratch.item(elsewhere.id)
    folder = scratch.subfolder(name="link's folder")
    link = scratch.item_link(target, folder.id)
    _, entry = fetch_entry(caps, folder.id, observe=observe)
    ids = item_ids(entry)
    contains(ids, link.id, "the items listed")
    contains(ids, target.id, "the items listed beside the link")
    before = ids.index(target.id) < ids.index(link.id)
    observe(f"link target listed {'before' if before else 'after'} the link")


@pytest.mark.requirement("CAPS-LINK-BROKEN")
@pytest.mark.writes
def test_a_broken_link_is_still_listed(caps: CapsClient, scratch: Scratch) -> None:
    """A link whose target does not exist is listed (the viewer shows it as broken), and
    the folder's other item is too."""
    other = scratch.item()
    broken = scratch.item_link(missing_id())
    _, entry = fetch_entry(caps, scratch.id)
    ids = item_ids(entry)
    check(broken.id in ids, "the broken link is not listed: the viewer cannot show it")
    contains(ids, other.id, "the items listed beside a broken link")
