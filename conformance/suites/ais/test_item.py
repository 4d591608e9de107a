"""Item: /item/{item} — GET, PATCH, DELETE (seeds/sl-inventory-api-v3-ais.txt, "Item")."""

from __future__ import annotations

import pytest

from conformance.clients.ais import AisClient
from conformance.expect import check, step
from conformance.ledger import owned_name
from conformance.suites.ais.steps import contents, create_item, document, error, item_exists, same

pytestmark = pytest.mark.ais


@pytest.mark.requirement("AIS-ITEM-GET")
@pytest.mark.writes
def test_get_item_answers_the_item(ais: AisClient, folder: str) -> None:
    """GET /item/{id} answers 200 with an itemResponse of that item, in its folder."""
    name = owned_name("fetched item")
    item = create_item(ais, folder, name)
    answer = document(ais.get_item(item), 200, schema="ais-item")
    check(same(answer.get("item_id"), item), f"item_id is {answer.get('item_id')}")
    check(same(answer.get("parent_id"), folder), f"parent_id is {answer.get('parent_id')}, "
                                                 f"expected {folder}")
    check(answer.get("name") == name, f"name is {answer.get('name')!r}, expected {name!r}")


@pytest.mark.requirement("AIS-ITEM-GET-404")
@pytest.mark.reads
def test_get_unknown_item_is_404(ais: AisClient) -> None:
    """GET of an item that does not exist answers 404 (errorItemNotFound)."""
    error(ais.get_item(ais.new_id()), 404, "ais-error-item")


@pytest.mark.requirement("AIS-ITEM-PATCH")
@pytest.mark.writes
def test_patch_changes_name_and_description(ais: AisClient, folder: str) -> None:
    """PATCH /item/{id} with modifyItem {name, desc} answers 200 with an
    itemModifyResponse; the item then reads back with both changed and nothing else."""
    item = create_item(ais, folder)
    before = document(ais.get_item(item), 200)
    name, desc = owned_name("patched"), "patched description"
    document(ais.patch_item(item, {"name": name, "desc": desc}), 200, schema="ais-item-modify")
    after = document(ais.get_item(item), 200)
    check(after.get("name") == name and after.get("desc") == desc,
          f"the item reads back name {after.get('name')!r}, desc {after.get('desc')!r}")
    for field in ("asset_id", "type", "inv_type", "parent_id", "permissions"):
        check(after.get(field) == before.get(field),
              f"{field} changed from {before.get(field)!r} to {after.get(field)!r}")


@pytest.mark.requirement("AIS-ITEM-PATCH-404")
@pytest.mark.writes
def test_patch_of_unknown_item_is_404(ais: AisClient) -> None:
    """PATCH of an item that does not exist answers 404."""
    error(ais.patch_item(ais.new_id(), {"name": owned_name("x")}), 404, "ais-error-item")


@pytest.mark.requirement("AIS-ITEM-PATCH-400")
@pytest.mark.writes
def test_patch_with_a_name_that_is_not_a_string_is_400(ais: AisClient, folder: str) -> None:
    """PATCH whose ``name`` is not a string answers 400 (errorInvalidItemRequest); the
    item keeps its name."""
    name = owned_name("kept")
    item = create_item(ais, folder, name)
    error(ais.patch_item(item, {"name": {"not": "a string"}}), 400, "ais-error-item")
    after = document(ais.get_item(item), 200)
    check(after.get("name") == name, f"the name became {after.get('name')!r}")


@pytest.mark.requirement("AIS-ITEM-DELETE")
@pytest.mark.destructive
def test_delete_removes_the_item(ais: AisClient, folder: str) -> None:
    """DELETE /item/{id} answers 200 with an itemDeleteResponse; the item is gone from
    GET and from its folder."""
    item = create_item(ais, folder)
    document(ais.delete_item(item), 200, schema="ais-item-delete")
    check(not item_exists(ais, item), "the deleted item still answers GET")
    check(item not in contents(ais, folder)["items"], "the folder still lists the item")


@pytest.mark.requirement("AIS-ITEM-DELETE-410")
@pytest.mark.destructive
def test_deleting_an_item_twice_is_410(ais: AisClient, folder: str) -> None:
    """A second DELETE of the same item answers 410 (errorItemGone, with item_id)."""
    item = create_item(ais, folder)
    with step("could not delete the item the first time"):
        document(ais.delete_item(item), 200)
    answer = error(ais.delete_item(item), 410, "ais-error-item-gone")
    check(same(answer.get("item_id"), item), f"item_id is {answer.get('item_id')}, "
                                             f"expected {item}")


@pytest.mark.requirement("AIS-ITEM-DELETE-410")
@pytest.mark.writes
def test_deleting_an_item_that_never_existed_is_410(ais: AisClient) -> None:
    """DELETE of an item id that never existed answers 410 (the page lists no 404 for
    Item DELETE: its error is errorItemGone)."""
    error(ais.delete_item(ais.new_id()), 410, "ais-error-item-gone")
