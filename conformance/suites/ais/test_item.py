"""Item: /item/{item} — GET, PATCH, DELETE (seeds/sl-inventory-api-v3-ais.txt, "Item")."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.clients.ais import AisClient
from conformance.expect import check, equal, expect, fail, step
from conformance.ledger import owned_name
from conformance.suites.ais.steps import (
    contents,
    create_item,
    create_link,
    deleted_twice,
    document,
    error,
    item_exists,
    same,
)
from conformance.wire.ids import new_id


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
    equal(answer.get("name"), name, "name")


@pytest.mark.requirement("AIS-ITEM-GET-404")
@pytest.mark.reads
def test_get_unknown_item_is_404(ais: AisClient) -> None:
    error(ais.get_item(ais.new_id()), 404, "ais-error-item")


@pytest.mark.requirement("AIS-ITEM-PATCH")
@pytest.mark.writes
def test_patch_changes_name_and_description(ais: AisClient, folder: str) -> None:
    item = create_item(ais, folder)
    before = document(ais.get_item(item), 200)
    name, desc = owned_name("patched"), "patched description"
    document(ais.patch_item(item, {"name": name, "desc": desc}), 200, schema="ais-item-modify")
    after = document(ais.get_item(item), 200)
    check(after.get("name") == name and after.get("desc") == desc,
          f"the item reads back name {after.get('name')!r}, desc {after.get('desc')!r}")
    for field in ("asset_id", "type", "inv_type", "parent_id", "permissions"):
        equal(after.get(field), before.get(field), f"{field} (unchanged)")


@pytest.mark.requirement("AIS-ITEM-PATCH-404")
@pytest.mark.writes
def test_patch_of_unknown_item_is_404(ais: AisClient) -> None:
    error(ais.patch_item(ais.new_id(), {"name": owned_name("x")}), 404, "ais-error-item")


@pytest.mark.requirement("AIS-ITEM-PATCH-400")
@pytest.mark.writes
def test_patch_with_a_name_that_is_not_a_string_is_400(ais: AisClient, folder: str) -> None:
    name = owned_name("kept")
    item = create_item(ais, folder, name)
    error(ais.patch_item(item, {"name": {"not": "a string"}}), 400, "ais-error-item")
    after = document(ais.get_item(item), 200)
    equal(after.get("name"), name, "the name")


@pytest.mark.requirement("AIS-ITEM-DELETE")
@pytest.mark.destructive
def test_delete_removes_the_item(ais: AisClient, folder: str) -> None:
    item = create_item(ais, folder)
    document(ais.delete_item(item), 200, schema="ais-item-delete")
    check(not item_exists(ais, item), "the deleted item still answers GET")
    check(item not in contents(ais, folder)["items"], "the folder still lists the item")


@pytest.mark.requirement("AIS-ITEM-DELETE-410")
@pytest.mark.destructive
def test_deleting_an_item_twice_is_410(ais: AisClient, folder: str) -> None:
    """A second DELETE of the same item answers 410 (errorItemGone, with item_id)."""
    item = create_item(ais, folder)
    answer = error(deleted_twice(ais.delete_item, item, "item"), 410, "ais-error-item-gone")
    check(same(answer.get("item_id"), item), f"item_id is {answer.get('item_id')}, "
                                             f"expected {item}")


@pytest.mark.requirement("AIS-ITEM-DELETE-410")
@pytest.mark.writes
def test_deleting_an_item_that_never_existed_is_410(ais: AisClient) -> None:
    """DELETE of an item id that never existed answers 410 (the page lists no 404 for
    Item DELETE: its error is errorItemGone)."""
    unknown = ais.new_id()
    answer = error(ais.delete_item(unknown), 410, "ais-error-item-gone")
    check(same(answer.get("item_id"), unknown), f"item_id is {answer.get('item_id')}, "
                                                f"expected {unknown}")


PERM_TRANSFER, PERM_COPY, PERM_MOVE = 0x2000, 0x8000, 0x80000


def patched_fields(field: str, before: dict[str, Any]) -> dict[str, Any]:
    """A modifyItem body that changes ``field`` of the item ``before``."""
    if field == "sale_info":
        return {"sale_info": {"sale_price": 42, "sale_type": 2}}
    if field == "flags":
        return {"flags": 1 if before.get("flags") != 1 else 0}
    if field == "asset_id":
        return {"asset_id": new_id()}
    permissions = before.get("permissions")
    base = permissions.get("base_mask") if isinstance(permissions, dict) else None
    if not isinstance(base, int):
        fail(f"the item's permissions.base_mask is {base!r}, expected an integer")
    return {"permissions": {"next_owner_mask": base & (PERM_MOVE | PERM_TRANSFER),
                            "everyone_mask": base & PERM_COPY, "group_mask": base & PERM_COPY}}


def holds(value: Any, wanted: Any) -> bool:
    """``value`` reads back as ``wanted``: maps key by key, UUIDs in any case."""
    if isinstance(wanted, dict):
        return isinstance(value, dict) and all(holds(value.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, str):
        return same(value, wanted)
    return bool(value == wanted)


@pytest.mark.requirement("AIS-ITEM-PATCH-FIELDS")
@pytest.mark.writes
@pytest.mark.parametrize("field", ["sale_info", "flags", "permissions", "asset_id"])
def test_patch_changes_each_field_of_modify_item(ais: AisClient, folder: str,
                                                 field: str) -> None:
    """PATCH /item/{id} with one of modifyItem's other fields (sale_info, flags, the
    permission masks, asset_id) answers 200 and the item then reads back with the new
    value (the answer's itemModifyResponse shape is AIS-ITEM-PATCH's)."""
    item = create_item(ais, folder)
    with step("could not read the item before the PATCH"):
        before = document(ais.get_item(item), 200)
    body = patched_fields(field, before)
    expect(ais.patch_item(item, body)).status(200)
    after = document(ais.get_item(item), 200)
    check(holds(after.get(field), body[field]),
          f"{field} reads back as {after.get(field)!r} after a PATCH of {body[field]!r}")
    equal(after.get("name"), before.get("name"), "the name after the PATCH")


@pytest.mark.requirement("AIS-LINK-PATCH")
@pytest.mark.writes
def test_patch_of_a_link_changes_its_target_name_and_description(ais: AisClient,
                                                                  folder: str) -> None:
    """PATCH /item/{link} with modifyLink {linked_id, name, desc} answers 200 with a
    linkModifyResponse; the link then points to the new target, with the new name and
    description."""
    first, second = create_item(ais, folder), create_item(ais, folder)
    link = create_link(ais, folder, first)
    name, desc = owned_name("relinked"), "relinked description"
    answer = document(ais.patch_item(link, {"linked_id": second, "name": name, "desc": desc}),
                      200, schema="ais-item-modify")
    check(same(answer.get("linked_id"), second),
          f"the linkModifyResponse's linked_id is {answer.get('linked_id')}, expected {second}")
    after = document(ais.get_item(link), 200)
    check(same(after.get("linked_id"), second),
          f"the link reads back linked to {after.get('linked_id')}, expected {second}")
    check(after.get("name") == name and after.get("desc") == desc,
          f"the link reads back name {after.get('name')!r}, desc {after.get('desc')!r}")
