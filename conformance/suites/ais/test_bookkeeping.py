"""What viewers read from AIS3 answers beyond the wiki's tables (docs/interop/ais.md): the
``_embedded`` collections as maps keyed by UUID, the created and removed ids, and
``_updated_category_versions`` as a map of the touched folders' new versions."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.clients.ais import AisClient
from conformance.expect import check, contains, equal, fail, step
from conformance.ledger import owned_name
from conformance.suites.ais.steps import (
    category_exists,
    contents,
    create_folder,
    create_item,
    create_link,
    document,
    ids,
    item_exists,
    key,
    version,
)
from conformance.wire import ais as wire
from conformance.wire.ids import canonical_uuid


def versions_map(answer: dict[str, Any]) -> dict[str, int]:
    """``_updated_category_versions`` must be a map from UUID to integer."""
    value = key(answer, "_updated_category_versions")
    if not isinstance(value, dict):
        fail(f"_updated_category_versions is an LLSD {type(value).__name__} ({value!r}), "
             f"expected a map from category UUID to version")
    result = {}
    for folder_id, folder_version in value.items():
        uid = canonical_uuid(folder_id)
        check(uid is not None and isinstance(folder_version, int),
              f"_updated_category_versions has the entry {folder_id!r}: {folder_version!r}, "
              f"expected UUID: integer")
        result[str(uid)] = folder_version
    return result


def check_versions(ais: AisClient, answer: dict[str, Any], touched: set[str]) -> None:
    """Every touched folder that still exists is listed with the version GET now gives;
    nothing else is listed."""
    listed = versions_map(answer)
    expected = {folder for folder in touched if category_exists(ais, folder)}
    equal(set(listed), expected, "_updated_category_versions (the touched folders)")
    for folder_id, folder_version in listed.items():
        now = version(ais, folder_id)
        equal(folder_version, now,
              f"the version _updated_category_versions gives {folder_id} (against GET's)")


# ---------------------------------------------------------------------- _embedded


@pytest.mark.requirement("AIS-EMBEDDED-MAPS")
@pytest.mark.writes
def test_embedded_collections_are_maps_keyed_by_uuid(ais: AisClient, folder: str) -> None:
    """/children embeds all three of categories, items and links, each a map from the
    object's UUID to the object (whose own id is that key)."""
    sub = create_folder(ais, folder)
    item = create_item(ais, folder)
    link = create_link(ais, folder, item)
    answer = document(ais.get_category(folder, "children"), 200)
    section = answer.get("_embedded")
    if not isinstance(section, dict):
        fail(f"_embedded is {section!r}, expected a map")
    for part, own_key, expected in (("categories", "category_id", sub),
                                    ("items", "item_id", item), ("links", "item_id", link)):
        value = section.get(part)
        if not isinstance(value, dict):
            fail(f"_embedded.{part} is an LLSD {type(value).__name__}, expected a map keyed "
                 f"by UUID")
        check(set(map(canonical_uuid, value)) == {expected},
              f"_embedded.{part} is keyed {sorted(value)}, expected {{{expected}}}")
        for object_id, entry in value.items():
            check(isinstance(entry, dict) and wire.same_id(entry.get(own_key), object_id),
                  f"_embedded.{part}[{object_id}] has {own_key} {entry.get(own_key)!r}"
                  if isinstance(entry, dict) else f"_embedded.{part}[{object_id}] is no map")


# ---------------------------------------------------------------------- created


@pytest.mark.requirement("AIS-CREATED-IDS")
@pytest.mark.writes
def test_created_ids_are_exactly_what_was_created(ais: AisClient, folder: str) -> None:
    """A POST of two categories, an item and a link lists exactly the new categories in
    _created_categories and the item and link in _created_items (arrays of UUIDs), each
    also embedded in the answer."""
    target = create_item(ais, folder)
    before = contents(ais, folder)
    body = {"categories": [wire.category_body(owned_name("c1"), folder),
                           wire.category_body(owned_name("c2"), folder)],
            "items": [wire.item_body(owned_name("i"))],
            "links": [wire.link_body(target, owned_name("l"))]}
    answer = document(ais.create(folder, body, tid=ais.new_id()), 201)
    categories = ids(key(answer, "_created_categories"), "_created_categories")
    items = ids(key(answer, "_created_items"), "_created_items")
    after = contents(ais, folder)
    equal(categories, after["categories"] - before["categories"],
          "_created_categories (the categories the folder gained)")
    gained = (after["items"] | after["links"]) - (before["items"] | before["links"])
    equal(items, gained, "_created_items (the items and links the folder gained)")
    embedded = set(wire.embedded(answer, "categories")) | set(
        wire.embedded(answer, "items")) | set(wire.embedded(answer, "links"))
    check(categories | items <= embedded, "a created object is not embedded in the answer")


# ---------------------------------------------------------------------- versions


@pytest.mark.requirement("AIS-UPDATED-VERSIONS")
@pytest.mark.writes
def test_versions_after_create(ais: AisClient, folder: str) -> None:
    """After a POST, _updated_category_versions maps the parent (and only it) to its new
    version, which went up."""
    before = version(ais, folder)
    answer = document(ais.create(folder, {"categories": [wire.category_body(
        owned_name("v"), folder)]}, tid=ais.new_id()), 201)
    check_versions(ais, answer, {folder})
    check(version(ais, folder) > before, "the parent's version did not go up")


@pytest.mark.requirement("AIS-UPDATED-VERSIONS")
@pytest.mark.destructive
def test_versions_after_item_patch_and_delete(ais: AisClient, folder: str) -> None:
    """An item PATCH lists the item's folder; a DELETE of a folder lists its parent (not
    the deleted folder), each with the version GET then gives."""
    sub = create_folder(ais, folder)
    item = create_item(ais, sub)
    check_versions(ais, document(ais.patch_item(item, {"name": owned_name("p")}), 200), {sub})
    check_versions(ais, document(ais.delete_category(sub), 200), {folder, sub})


# ---------------------------------------------------------------------- removed


def removed(answer: dict[str, Any], name: str) -> set[str]:
    return ids(answer.get(name, []), name)


@pytest.mark.requirement("AIS-REMOVED-IDS")
@pytest.mark.destructive
def test_removal_keys_list_exactly_what_is_gone(ais: AisClient, folder: str) -> None:
    """DELETE of a folder lists it and its subfolders in _categories_removed and its
    items in _category_items_removed (or _removed_items), _total_items_removed counts
    them, and everything listed is gone afterwards."""
    doomed = create_folder(ais, folder)
    sub = create_folder(ais, doomed)
    items = {create_item(ais, doomed), create_item(ais, sub)}
    answer = document(ais.delete_category(doomed), 200)
    categories = removed(answer, "_categories_removed")
    equal(categories, {doomed, sub}, "_categories_removed")
    listed = removed(answer, "_category_items_removed") | removed(answer, "_removed_items")
    equal(listed, items, "the removed items listed")
    total = key(answer, "_total_items_removed")
    equal(total, len(items), "_total_items_removed")
    with step("could not look the removed objects up"):
        still = [i for i in items if item_exists(ais, i)]
    check(not still, f"listed as removed but still there: {still}")


@pytest.mark.requirement("AIS-REMOVED-IDS")
@pytest.mark.destructive
def test_broken_links_listed_are_gone(ais: AisClient, folder: str, observe: Any) -> None:
    """DELETE of an item that a link points at: the item is listed as removed, and every
    link listed in _broken_links_removed is gone afterwards."""
    item = create_item(ais, folder)
    link = create_link(ais, folder, item)
    answer = document(ais.delete_item(item), 200)
    listed = removed(answer, "_category_items_removed") | removed(answer, "_removed_items")
    contains(listed, item, "the items listed as removed")
    broken = removed(answer, "_broken_links_removed")
    for gone in broken:
        check(not item_exists(ais, gone), f"{gone} is listed in _broken_links_removed but "
                                          f"still there")
    observe("deleting an item removed the link to it" if link in broken
            else "deleting an item kept the link to it (now broken)")
