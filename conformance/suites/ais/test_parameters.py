"""The query parameters: ``depth``, ``tid`` and ``simulate``
(seeds/sl-inventory-api-v3-ais.txt, "Parameters")."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.clients.ais import AisClient
from conformance.expect import check, contains, equal, expect, fail, step
from conformance.ledger import owned_name
from conformance.suites.ais.steps import (
    category_entry,
    contents,
    create_folder,
    create_item,
    created_ids,
    document,
    error,
    one,
    same,
    version,
)
from conformance.wire import ais as wire

# ---------------------------------------------------------------------- depth


@pytest.mark.requirement("AIS-DEPTH-PATTERN")
@pytest.mark.writes
@pytest.mark.parametrize("depth", ["0", "1", "7", "*", ""])
def test_depth_matching_the_pattern_is_accepted(ais: AisClient, folder: str,
                                                depth: str) -> None:
    """depth values that match ^(\\*|[0-9]+)?$ are accepted (200)."""
    expect(ais.get_category(folder, "children", depth=depth)).status(200)


@pytest.mark.requirement("AIS-DEPTH-PATTERN")
@pytest.mark.writes
@pytest.mark.parametrize("depth", ["abc", "-1", "1.5", "**"])
def test_depth_not_matching_the_pattern_is_400(ais: AisClient, folder: str,
                                               depth: str) -> None:
    """depth values that do not match ^(\\*|[0-9]+)?$ answer 400 (Invalid request)."""
    error(ais.get_category(folder, "children", depth=depth), 400)


def chain(ais: AisClient, top: str, length: int) -> list[str]:
    """``length`` nested folders below ``top``: top > c1 > c2 > …"""
    ids, parent = [], top
    for _ in range(length):
        parent = create_folder(ais, parent)
        ids.append(parent)
    return ids


def embedded_depth(document: Any) -> int:
    """How many levels of categories are embedded below ``document``."""
    deepest = 0
    for child in wire.embedded(document, "categories").values():
        deepest = max(deepest, 1 + embedded_depth(child))
    return deepest


@pytest.mark.requirement("AIS-DEPTH-TREE")
@pytest.mark.writes
@pytest.mark.parametrize("depth,levels", [("1", 1), ("*", 4)])
def test_category_embeds_as_deep_as_asked(ais: AisClient, folder: str, depth: str,
                                          levels: int) -> None:
    """GET /category/{id}?depth=1 embeds the direct children; depth=* the whole tree."""
    chain(ais, folder, 4)
    answer = document(ais.get_category(folder, depth=depth), 200)
    found = embedded_depth(answer)
    check(found >= levels, f"/category?depth={depth} embedded {found} levels of categories, "
                           f"expected at least {levels}")


@pytest.mark.requirement("AIS-DEPTH-TREE")
@pytest.mark.writes
@pytest.mark.parametrize("depth,levels", [("0", 1), ("1", 2), ("2", 3), ("*", 4)])
def test_children_embed_as_deep_as_asked(ais: AisClient, folder: str, depth: str,
                                         levels: int) -> None:
    """GET /category/{id}/children?depth=N embeds the direct children and at least N levels
    below them (depth=* the whole tree); every category within the asked depth embeds all three
    of categories, items and links."""
    chain(ais, folder, 4)
    answer = document(ais.get_category(folder, "children", depth=depth), 200)
    found = embedded_depth(answer)
    check(found >= levels, f"depth={depth} embedded {found} levels of categories, expected "
                           f"at least {levels} (the direct children and {depth} more)")
    node, level = answer, 0
    while level < levels:
        section = node.get("_embedded")
        check(isinstance(section, dict) and {"categories", "items", "links"} <= set(section),
              f"the category {level} levels down lacks _embedded categories/items/links")
        node = next(iter(wire.embedded(node, "categories").values()))
        level += 1


@pytest.mark.requirement("AIS-DEPTH-CATEGORIES")
@pytest.mark.writes
def test_categories_take_depth(ais: AisClient, folder: str) -> None:
    chain(ais, folder, 4)
    levels = {depth: embedded_depth(document(ais.get_category(folder, "categories",
                                                              depth=depth), 200))
              for depth in ("0", "2", "*")}
    check(levels["*"] == 4, f"/categories?depth=* embedded {levels['*']} levels of "
                            f"categories, expected the whole tree of 4")
    check(levels["0"] <= levels["2"] <= levels["*"],
          f"levels embedded by depth 0, 2 and *: {levels}, expected them not to shrink")


# ---------------------------------------------------------------------- tid


@pytest.mark.requirement("AIS-TID-409")
@pytest.mark.writes
def test_a_replayed_transaction_is_409_and_changes_nothing(ais: AisClient,
                                                           folder: str) -> None:
    """A POST with the tid of an earlier one answers 409 with errorDuplicateTransaction
    (transaction_id the tid) and creates nothing."""
    tid = ais.new_id()
    body = {"categories": [category_entry(ais, folder, owned_name("once"))]}
    with step("could not make the first request of the transaction",
              requirement="AIS-CATEGORY-POST"):
        one(created_ids(ais.create(folder, body, tid=tid), "_created_categories"),
            "_created_categories")
    before = contents(ais, folder)
    before_version = version(ais, folder)
    answer = error(ais.create(folder, body, tid=tid), 409, "ais-error-transaction")
    equal(answer.get("transaction_id"), tid, "transaction_id")
    equal(contents(ais, folder), before, "the folder's contents after the replayed POST")
    equal(version(ais, folder), before_version, "the version after the replayed POST")


@pytest.mark.requirement("AIS-TID-409")
@pytest.mark.writes
def test_a_replayed_transaction_of_a_copy_is_409(ais: AisClient, folder: str) -> None:
    """A COPY with the tid of an earlier COPY answers 409 and copies nothing more."""
    tid = ais.new_id()
    source = create_folder(ais, folder)
    destination = create_folder(ais, folder)
    with step("could not make the first request of the transaction",
              requirement="AIS-CATEGORY-COPY"):
        created_ids(ais.copy_category(source, destination, tid=tid), "_created_categories")
    error(ais.copy_category(source, destination, tid=tid), 409, "ais-error-transaction")
    copies = contents(ais, destination)["categories"]
    equal(len(copies), 1, "the number of copies the destination holds")


# ---------------------------------------------------------------------- simulate


@pytest.mark.requirement("AIS-SIMULATE")
@pytest.mark.writes
@pytest.mark.parametrize("value", ["1", "true"])
def test_simulated_post_describes_and_writes_nothing(ais: AisClient, folder: str,
                                                     value: str) -> None:
    """POST with simulate=1 (or true) answers as the real one would (201 with the new
    category in _created_categories), and the inventory is unchanged afterwards."""
    before, before_version = contents(ais, folder), version(ais, folder)
    reply = ais.create(folder, {"categories": [wire.category_body(owned_name("sim"), folder)]},
                       tid=ais.new_id(), simulate=value)
    described = created_ids(reply, "_created_categories")
    check(len(described) == 1, f"_created_categories lists {described}, expected the one "
                               f"category the request would create")
    equal(contents(ais, folder), before, "the folder's contents after the simulated POST")
    equal(version(ais, folder), before_version, "the version after the simulated POST")


@pytest.mark.requirement("AIS-SIMULATE")
@pytest.mark.destructive
@pytest.mark.parametrize("value", ["1", "true"])
def test_simulated_delete_describes_and_deletes_nothing(ais: AisClient, folder: str,
                                                        value: str) -> None:
    """DELETE /item/{id}?simulate=1 answers 200 naming the item, and the item remains."""
    item = create_item(ais, folder)
    answer = document(ais.delete_item(item, simulate=value), 200)
    listed = answer.get("_category_items_removed")
    if not isinstance(listed, list) or not any(same(entry, item) for entry in listed):
        fail(f"_category_items_removed is {listed!r}, expected it to name the item")
    contains(contents(ais, folder)["items"], item, "the folder's items after the simulated DELETE")


@pytest.mark.requirement("AIS-SIMULATE")
@pytest.mark.writes
def test_simulated_copy_describes_and_copies_nothing(ais: AisClient, folder: str) -> None:
    """COPY with simulate=1 (as LibreMetaverse may send it) answers 201 naming the copy,
    and the destination stays empty."""
    source = create_folder(ais, folder)
    destination = create_folder(ais, folder)
    described = created_ids(ais.copy_category(source, destination, tid=ais.new_id(),
                                              simulate="1"), "_created_categories")
    check(len(described) == 1, f"_created_categories lists {described}, expected the copy")
    check(not contents(ais, destination)["categories"], "the simulated COPY copied")


@pytest.mark.requirement("AIS-SIMULATE")
@pytest.mark.writes
def test_simulated_patch_describes_and_changes_nothing(ais: AisClient, folder: str) -> None:
    """PATCH with simulate=1 answers 200 with the new name, and the name is unchanged."""
    before = document(ais.get_category(folder), 200).get("name")
    name = owned_name("simulated name")
    answer = document(ais.patch_category(folder, {"name": name}, simulate="1"), 200)
    check(answer.get("name") == name, f"the answer's name is {answer.get('name')!r}, "
                                      f"expected the name the PATCH would set")
    equal(document(ais.get_category(folder), 200).get("name"), before,
          "the category's name after the simulated PATCH")


@pytest.mark.requirement("AIS-SIMULATE")
@pytest.mark.writes
@pytest.mark.parametrize("value", ["0", "false", ""], ids=["0", "false", "empty"])
def test_simulate_false_still_writes(ais: AisClient, folder: str, value: str) -> None:
    """POST with simulate=0, simulate=false or an empty simulate (the pattern allows all
    three) writes: the new category is in the folder afterwards."""
    reply = ais.create(folder, {"categories": [wire.category_body(owned_name("real"), folder)]},
                       tid=ais.new_id(), simulate=value)
    created = one(created_ids(reply, "_created_categories"), "_created_categories")
    contains(contents(ais, folder)["categories"], created,
             f"the folder's categories after the POST with simulate={value!r}")
