"""The parts of a category: /children, /links, /items, /categories — GET and DELETE,
and PUT of the links (seeds/sl-inventory-api-v3-ais.txt, "CategoryChildren",
"CategoryLinks", "CategoryItems", "CategoryCategories")."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import pytest

from conformance.clients.ais import AisClient
from conformance.expect import check, equal
from conformance.ledger import owned_name
from conformance.suites.ais.steps import (
    category_exists,
    contents,
    create_folder,
    create_item,
    create_link,
    document,
    error,
    ids,
    key,
)
from conformance.wire import ais as wire


@dataclass(frozen=True)
class Filled:
    """A folder holding one subcategory, one item and one link (to the item)."""

    id: str
    sub: str
    item: str
    link: str


@pytest.fixture
def filled(ais: AisClient, folder: str) -> Filled:
    sub = create_folder(ais, folder, owned_name("sub"))
    item = create_item(ais, folder)
    link = create_link(ais, folder, item)
    return Filled(folder, sub, item, link)


def holds_only(ais: AisClient, filled: Filled, *kept: str) -> None:
    """After a DELETE of a part, the category holds what it held of the ``kept`` parts
    (categories, items, links) and nothing of the others."""
    held = {"categories": {filled.sub}, "items": {filled.item}, "links": {filled.link}}
    equal(contents(ais, filled.id), {part: held[part] if part in kept else set()
                                     for part in held}, "what the category holds afterwards")


# ---------------------------------------------------------------------- GET


@pytest.mark.requirement("AIS-CHILDREN-GET")
@pytest.mark.writes
def test_children_embeds_categories_items_and_links(ais: AisClient, filled: Filled) -> None:
    answer = document(ais.get_category(filled.id, "children"), 200,
                      schema="ais-category-children")
    found = {part: set(wire.embedded(answer, part)) for part in ("categories", "items", "links")}
    equal(found, {"categories": {filled.sub}, "items": {filled.item}, "links": {filled.link}},
          "_embedded")


@pytest.mark.requirement("AIS-LINKS-GET")
@pytest.mark.writes
def test_links_embeds_the_links_only(ais: AisClient, filled: Filled) -> None:
    """GET /category/{id}/links answers 200 with a categoryLinksResponse whose
    _embedded.links holds the link and not the item."""
    answer = document(ais.get_category(filled.id, "links"), 200, schema="ais-category-links")
    found = set(wire.embedded(answer, "links"))
    equal(found, {filled.link}, "_embedded.links")


@pytest.mark.requirement("AIS-ITEMS-GET")
@pytest.mark.writes
def test_items_embeds_items_and_links(ais: AisClient, filled: Filled) -> None:
    """GET /category/{id}/items answers 200 with a categoryItemsResponse: the item in
    _embedded.items and the link in _embedded.links; no categories."""
    answer = document(ais.get_category(filled.id, "items"), 200, schema="ais-category-items")
    items, links = set(wire.embedded(answer, "items")), set(wire.embedded(answer, "links"))
    check(items == {filled.item} and links == {filled.link},
          f"_embedded holds items {items} and links {links}")
    check(not wire.embedded(answer, "categories"), "categories are embedded in /items")


@pytest.mark.requirement("AIS-CATEGORIES-GET")
@pytest.mark.writes
def test_categories_embeds_the_subcategories_only(ais: AisClient, filled: Filled) -> None:
    answer = document(ais.get_category(filled.id, "categories"), 200,
                      schema="ais-category-categories")
    found = set(wire.embedded(answer, "categories"))
    equal(found, {filled.sub}, "_embedded.categories")
    check(not wire.embedded(answer, "items"), "items are embedded in /categories")


# ---------------------------------------------------------------------- DELETE


@pytest.mark.requirement("AIS-CHILDREN-DELETE")
@pytest.mark.destructive
def test_delete_children_empties_the_category_and_keeps_it(ais: AisClient,
                                                           filled: Filled) -> None:
    document(ais.delete_category(filled.id, "children"), 200, schema="ais-category-delete")
    check(category_exists(ais, filled.id), "the category itself is gone")
    holds_only(ais, filled)


@pytest.mark.requirement("AIS-LINKS-DELETE")
@pytest.mark.destructive
def test_delete_links_removes_only_links(ais: AisClient, filled: Filled) -> None:
    """DELETE /category/{id}/links answers 200 (categoryLinksDeleteResponse); the link is
    gone, the item and the subcategory stay."""
    document(ais.delete_category(filled.id, "links"), 200, schema="ais-category-links-delete")
    holds_only(ais, filled, "categories", "items")


@pytest.mark.requirement("AIS-ITEMS-DELETE")
@pytest.mark.destructive
def test_delete_items_removes_items_and_links(ais: AisClient, filled: Filled) -> None:
    document(ais.delete_category(filled.id, "items"), 200, schema="ais-category-items-delete")
    holds_only(ais, filled, "categories")


@pytest.mark.requirement("AIS-CATEGORIES-DELETE")
@pytest.mark.destructive
def test_delete_categories_removes_only_subcategories(ais: AisClient, filled: Filled) -> None:
    document(ais.delete_category(filled.id, "categories"), 200, schema="ais-category-delete")
    holds_only(ais, filled, "items", "links")


@pytest.mark.requirement("AIS-PARTS-DELETE-410")
@pytest.mark.destructive
@pytest.mark.parametrize("part", ["children", "links", "items", "categories"])
def test_delete_of_a_part_of_a_deleted_category_is_410(ais: AisClient, folder: str,
                                                       part: str) -> None:
    """DELETE /category/{id}/{part} of a deleted category answers 410 (Category gone)."""
    doomed = create_folder(ais, folder)
    document(ais.delete_category(doomed), 200)
    error(ais.delete_category(doomed, part), 410, "ais-error-category")


# ---------------------------------------------------------------------- PUT links


@pytest.mark.requirement("AIS-LINKS-PUT")
@pytest.mark.destructive
def test_put_links_replaces_the_links(ais: AisClient, filled: Filled) -> None:
    """PUT /category/{id}/links with a bare array of links (as the viewer slams the
    Current Outfit) replaces the category's links: the old link is gone, the new ones are
    there, each listed in _created_items; the item stays."""
    second = create_item(ais, filled.id)
    reply = ais.put_links(filled.id, [wire.link_body(filled.item, owned_name("new link 1")),
                                      wire.link_body(second, owned_name("new link 2"))],
                          tid=ais.new_id())
    answer = document(reply, 200, 201, schema="ais-category-links-replace")
    location = reply.header("Location")
    check(location and urljoin(reply.url, location).split("?")[0].rstrip("/").endswith(
        f"/category/{filled.id}/links"), f"Location is {location!r}, expected the URL of "
                                         f"/category/{filled.id}/links")
    created = ids(key(answer, "_created_items"), "_created_items")
    left = contents(ais, filled.id)
    check(filled.link not in left["links"], "the old link is still there")
    check(len(left["links"]) == 2 and left["links"] == created,
          f"the category's links are {left['links']}, _created_items lists {created}")
    equal(left["items"], {filled.item, second}, "the items")


@pytest.mark.requirement("AIS-LINKS-PUT-400")
@pytest.mark.writes
def test_put_links_with_a_body_that_is_not_links_is_400(ais: AisClient,
                                                        filled: Filled) -> None:
    """PUT /category/{id}/links whose body is not an array of links answers 400; the
    links stay."""
    error(ais.put_links(filled.id, "not an array", tid=ais.new_id()), 400,
          "ais-error-links-shape")
    equal(contents(ais, filled.id)["links"], {filled.link}, "the links")


@pytest.mark.requirement("AIS-LINKS-PUT-404")
@pytest.mark.writes
def test_put_links_of_an_unknown_category_is_404(ais: AisClient, folder: str) -> None:
    """PUT /category/{id}/links of a category that does not exist answers 404
    (errorCategoryNotFound)."""
    target = create_item(ais, folder)
    error(ais.put_links(ais.new_id(), [wire.link_body(target, owned_name("l"))],
                        tid=ais.new_id()), 404, "ais-error-category")
