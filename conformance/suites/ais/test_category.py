"""Category: /category/{category} — GET, POST, PUT, PATCH, COPY, DELETE
(seeds/sl-inventory-api-v3-ais.txt, "Category")."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from conformance.clients.ais import AisClient
from conformance.expect import check, contains, equal, step
from conformance.ledger import owned_name
from conformance.suites.ais.steps import (
    category_exists,
    contents,
    create_folder,
    create_item,
    create_link,
    create_no_copy_item,
    created_ids,
    deleted_twice,
    document,
    error,
    ids,
    item_exists,
    key,
    one,
    same,
    uid,
)
from conformance.wire import ais as wire


def link_response(ais: AisClient, link: str, target: str, kind: str) -> dict[str, object]:
    """GET /item/{link}: a linkResponse naming ``target`` as linked_id and embedding it as
    ``_embedded.{kind}`` (an item or a category, with its ``{kind}_id``)."""
    answer = document(ais.get_item(link), 200, schema="ais-item")
    check(same(answer.get("linked_id"), target), f"linked_id is {answer.get('linked_id')}")
    embedded = answer.get("_embedded")
    found = embedded.get(kind) if isinstance(embedded, dict) else None
    check(isinstance(found, dict) and same(found.get(f"{kind}_id"), target),
          f"the link does not embed its target as _embedded.{kind}")
    return answer


@pytest.mark.requirement("AIS-ITEM-GET")
@pytest.mark.writes
def test_a_folder_link_reads_as_a_link_response(ais: AisClient, folder: str) -> None:
    """GET /item/{link to a category} answers a linkResponse: _links.category and the
    target category embedded as _embedded.category, _broken false."""
    target = create_folder(ais, folder)
    with step("could not create the link to a category this test needs (POST with links)"):
        link = one(created_ids(ais.create(folder, {"links": [wire.link_body(
            target, owned_name("folder link"), link_type=wire.LINK_FOLDER_TYPE,
            inv_type=8)]}, tid=ais.new_id()), "_created_items"), "_created_items")
    answer = link_response(ais, link, target, "category")
    check(answer.get("_broken") in (False, 0), f"_broken is {answer.get('_broken')!r}, "
                                               f"expected false for a link whose target "
                                               f"exists")


# ---------------------------------------------------------------------- GET


@pytest.mark.requirement("AIS-CATEGORY-GET")
@pytest.mark.reads
def test_get_category_answers_the_category(ais: AisClient, root: str) -> None:
    """GET /category/{uuid} answers 200 with a categoryResponse of that category."""
    answer = document(ais.get_category(root), 200, schema="ais-category")
    check(same(answer["category_id"], root),
          f"category_id is {answer['category_id']}, expected {root}")
    check(same(answer["agent_id"], ais.agent_id),
          f"agent_id is {answer['agent_id']}, expected the agent {ais.agent_id}")


@pytest.mark.requirement("AIS-CATEGORY-GET-404")
@pytest.mark.reads
@pytest.mark.parametrize("part", ["", "children", "links", "items", "categories"],
                         ids=lambda p: p or "category")
def test_get_unknown_category_is_404(ais: AisClient, part: str) -> None:
    """GET of a category (or of its children, links, items, categories) that does not
    exist answers 404 with errorCategoryNotFound."""
    error(ais.get_category(ais.new_id(), part), 404, "ais-error-category")


# ---------------------------------------------------------------------- POST


@pytest.mark.requirement("AIS-CATEGORY-POST")
@pytest.mark.writes
def test_post_creates_the_categories_of_the_body(ais: AisClient, folder: str) -> None:
    name = owned_name("posted")
    reply = ais.create(folder, {"categories": [wire.category_body(name, folder)]},
                       tid=ais.new_id())
    answer = document(reply, 201, schema="ais-category-new-children")
    new = one(sorted(ids(key(answer, "_created_categories"), "_created_categories")),
              "_created_categories")
    contains(contents(ais, folder)["categories"], new, "the parent's categories")
    created = document(ais.get_category(new), 200)
    equal(created.get("name"), name, "the new category's name")


@pytest.mark.requirement("AIS-CATEGORY-POST-LOCATION")
@pytest.mark.writes
def test_post_location_is_the_parents_children(ais: AisClient, folder: str) -> None:
    """The Location of a POST's 201 is the URL of the parent's children."""
    reply = ais.create(folder, {"categories": [wire.category_body(owned_name("x"), folder)]},
                       tid=ais.new_id())
    document(reply, 201)
    location = reply.header("Location")
    check(location, "the 201 has no Location header")
    resolved = urljoin(reply.url, location or "")
    check(resolved.rstrip("/").endswith(f"/category/{folder}/children"),
          f"Location is {location!r}, expected the URL of /category/{folder}/children")


@pytest.mark.requirement("AIS-CATEGORY-POST-ITEMS")
@pytest.mark.writes
def test_post_creates_items(ais: AisClient, folder: str) -> None:
    name = owned_name("posted item")
    reply = ais.create(folder, {"items": [wire.item_body(name)]}, tid=ais.new_id())
    new = one(created_ids(reply, "_created_items"), "_created_items")
    contains(contents(ais, folder)["items"], new, "the folder's items")
    item = document(ais.get_item(new), 200)
    equal(item.get("name"), name, "the item's name")


@pytest.mark.requirement("AIS-CATEGORY-POST-LINKS")
@pytest.mark.writes
def test_post_creates_links_as_the_viewer_sends_them(ais: AisClient, folder: str) -> None:
    """POST with ``links`` ({linked_id, type 24, inv_type, name, desc}, as the viewer's
    link_inventory_array) creates the link: listed in _created_items, in the folder's
    links, pointing at the item."""
    target = create_item(ais, folder)
    reply = ais.create(folder, {"links": [wire.link_body(target, owned_name("link"))]},
                       tid=ais.new_id())
    link = one(created_ids(reply, "_created_items"), "_created_items")
    contains(contents(ais, folder)["links"], link, "the folder's links")
    fetched = document(ais.get_item(link), 200)
    check(same(fetched.get("linked_id"), target),
          f"the link's linked_id is {fetched.get('linked_id')}, expected {target}")


@pytest.mark.requirement("AIS-CATEGORY-POST-404")
@pytest.mark.writes
def test_post_to_unknown_category_is_404(ais: AisClient) -> None:
    parent = ais.new_id()
    error(ais.create(parent, {"categories": [wire.category_body(owned_name("x"), parent)]},
                     tid=ais.new_id()), 404, "ais-error-category")


@pytest.mark.requirement("AIS-CATEGORY-POST-400")
@pytest.mark.writes
@pytest.mark.parametrize("body", [["not", "a", "map"], {"categories": "not an array"},
                                  {"links": ["not a map"]}],
                         ids=["array-body", "categories-not-array", "link-not-a-map"])
def test_post_of_an_invalid_body_is_400(ais: AisClient, folder: str, body: object) -> None:
    """POST with a body that is not newEmbeddedChildren answers 400 and creates nothing."""
    before = contents(ais, folder)
    error(ais.create(folder, body, tid=ais.new_id()), 400, "ais-error-links-shape")
    equal(contents(ais, folder), before, "the folder's contents after the refused POST")


# ---------------------------------------------------------------------- PATCH


@pytest.mark.requirement("AIS-CATEGORY-PATCH")
@pytest.mark.writes
def test_patch_renames_the_category(ais: AisClient, folder: str) -> None:
    name = owned_name("renamed")
    answer = document(ais.patch_category(folder, {"name": name}), 200,
                      schema="ais-category-modify")
    equal(answer.get("name"), name, "the answer's name")
    fetched = document(ais.get_category(folder), 200)
    equal(fetched.get("name"), name, "the name GET gives")


@pytest.mark.requirement("AIS-CATEGORY-PATCH-404")
@pytest.mark.writes
def test_patch_of_unknown_category_is_404(ais: AisClient) -> None:
    """PATCH of a category that does not exist answers 404."""
    error(ais.patch_category(ais.new_id(), {"name": owned_name("x")}), 404,
          "ais-error-category")


@pytest.mark.requirement("AIS-CATEGORY-PATCH-400")
@pytest.mark.writes
def test_patch_with_a_name_that_is_not_a_string_is_400(ais: AisClient, folder: str) -> None:
    before = document(ais.get_category(folder), 200).get("name")
    error(ais.patch_category(folder, {"name": ["not", "a", "string"]}), 400,
          "ais-error-category")
    after = document(ais.get_category(folder), 200).get("name")
    equal(after, before, "the name")


# ---------------------------------------------------------------------- COPY


@pytest.mark.requirement("AIS-CATEGORY-COPY")
@pytest.mark.writes
def test_copy_copies_the_tree_into_the_destination(ais: AisClient, folder: str) -> None:
    """COPY /category/{id} with Destination answers 201 with a categoryCopyResponse and a
    Location; the destination then holds a copy with the same name, items and
    subcategories."""
    source = create_folder(ais, folder, owned_name("source"))
    create_item(ais, source, owned_name("copied item"))
    create_folder(ais, source, owned_name("copied sub"))
    destination = create_folder(ais, folder, owned_name("destination"))
    reply = ais.copy_category(source, destination, tid=ais.new_id())
    answer = document(reply, 201, schema="ais-category-copy")
    check(reply.header("Location"), "the 201 has no Location header")
    copies = contents(ais, destination)["categories"]
    equal(len(copies), 1, "the number of categories the destination holds (the copy)")
    copy = next(iter(copies))
    contains(ids(key(answer, "_created_categories"), "_created_categories"), copy,
             "_created_categories")
    inside = contents(ais, copy)
    check(len(inside["items"]) == 1 and len(inside["categories"]) == 1,
          f"the copy holds {len(inside['items'])} items and {len(inside['categories'])} "
          f"categories, expected 1 and 1")
    check(inside["items"] <= ids(key(answer, "_created_items"), "_created_items"),
          "the copied item is not in _created_items")


@pytest.mark.requirement("AIS-CATEGORY-COPY-403")
@pytest.mark.writes
def test_copy_of_a_tree_holding_a_no_copy_item_is_403(ais: AisClient, folder: str) -> None:
    source = create_folder(ais, folder, owned_name("no-copy source"))
    create_no_copy_item(ais, source)
    destination = create_folder(ais, folder, owned_name("destination"))
    error(ais.copy_category(source, destination, tid=ais.new_id()), 403)
    check(not contents(ais, destination)["categories"], "the destination received a copy")


@pytest.mark.requirement("AIS-CATEGORY-COPY-404")
@pytest.mark.writes
def test_copy_to_unknown_destination_is_404(ais: AisClient, folder: str) -> None:
    error(ais.copy_category(folder, ais.new_id(), tid=ais.new_id()), 404, "ais-error-category")


@pytest.mark.requirement("AIS-CATEGORY-COPY-410")
@pytest.mark.destructive
def test_copy_of_a_deleted_source_is_410(ais: AisClient, folder: str) -> None:
    """COPY of a category that was deleted answers 410 (Source category gone)."""
    source = create_folder(ais, folder)
    with step("could not delete the category this test copies"):
        document(ais.delete_category(source), 200)
    error(ais.copy_category(source, folder, tid=ais.new_id()), 410, "ais-error-category")


# ---------------------------------------------------------------------- DELETE


@pytest.mark.requirement("AIS-CATEGORY-DELETE")
@pytest.mark.destructive
def test_delete_removes_the_category_and_its_contents(ais: AisClient, folder: str) -> None:
    doomed = create_folder(ais, folder)
    sub = create_folder(ais, doomed)
    item = create_item(ais, sub)
    document(ais.delete_category(doomed), 200, schema="ais-category-delete")
    check(not category_exists(ais, doomed), "the deleted category still answers GET")
    check(not category_exists(ais, sub), "its subcategory still answers GET")
    check(not item_exists(ais, item), "an item inside it still answers GET")
    check(doomed not in contents(ais, folder)["categories"], "the parent still lists it")


@pytest.mark.requirement("AIS-CATEGORY-DELETE-410")
@pytest.mark.destructive
def test_deleting_twice_is_410(ais: AisClient, folder: str) -> None:
    doomed = create_folder(ais, folder)
    error(deleted_twice(ais.delete_category, doomed, "category"), 410, "ais-error-category")


# ---------------------------------------------------------------------- links in a tree


@pytest.mark.requirement("AIS-ITEM-GET")
@pytest.mark.writes
def test_a_link_reads_as_a_link_response(ais: AisClient, folder: str) -> None:
    """GET /item/{link} answers a linkResponse: linked_id, and the target embedded as
    _embedded.item."""
    target = create_item(ais, folder)
    link = create_link(ais, folder, target)
    answer = link_response(ais, link, target, "item")
    uid(answer.get("item_id"), "the link's item_id")
