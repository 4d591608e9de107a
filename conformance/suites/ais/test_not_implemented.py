"""Methods the wiki marks NONE (not implemented): MOVE of a category, COPY and MOVE of an
item, and PUT, COPY, MOVE on the children, links, items and categories of a category.
A target that implements one is held to what the wiki documents for it; a target that
answers 404, 405 or 501 gets the test skipped as "not implemented", never failed."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.clients.ais import AisClient
from conformance.clients.http import Exchange
from conformance.expect import check, contains, equal, expect, present, step
from conformance.ledger import owned_name
from conformance.suites.ais.steps import (
    contents,
    create_folder,
    create_item,
    create_link,
    create_no_copy_item,
    document,
    error,
    ids,
    implemented,
    key,
    same,
)


def carried_out(reply: Exchange, what: str, status: int, schema: str) -> dict[str, Any]:
    """The answer of a method the wiki marks NONE, where the target implements it:
    ``status`` with the document of its table (``schema``) and a Location header."""
    implemented(reply, what)
    answer = document(reply, status, schema=schema)
    present(reply.header("Location"), f"the Location header of the {what.split()[0]}")
    return answer


@pytest.mark.requirement("AIS-CATEGORY-MOVE")
@pytest.mark.writes
def test_move_category(ais: AisClient, folder: str) -> None:
    """MOVE /category/{id} with Destination answers 200 (categoryMoveResponse); the
    category is then in the destination and no longer in its old parent."""
    moved = create_folder(ais, folder)
    destination = create_folder(ais, folder)
    reply = ais.move_category(moved, destination, tid=ais.new_id())
    carried_out(reply, "MOVE /category/{category}", 200, "ais-category-move")
    present(reply.header("ETag"), "the ETag header of the MOVE")
    contains(contents(ais, destination)["categories"], moved, "the destination's categories")
    check(moved not in contents(ais, folder)["categories"], "the category is still in its "
                                                            "old parent")


@pytest.mark.requirement("AIS-ITEM-COPY")
@pytest.mark.writes
def test_copy_item(ais: AisClient, folder: str) -> None:
    """COPY /item/{id} with Destination answers 201 (itemCopyResponse) with the copy in
    _created_items; the copy is in the destination, the original stays."""
    item = create_item(ais, folder)
    destination = create_folder(ais, folder)
    reply = ais.copy_item(item, destination, tid=ais.new_id())
    answer = carried_out(reply, "COPY /item/{item}", 201, "ais-item-copy")
    copies = ids(key(answer, "_created_items"), "_created_items")
    check(copies and copies == contents(ais, destination)["items"],
          f"_created_items lists {copies}, the destination holds "
          f"{contents(ais, destination)['items']}")
    contains(contents(ais, folder)["items"], item, "the original folder's items")


@pytest.mark.requirement("AIS-ITEM-MOVE")
@pytest.mark.writes
def test_move_item(ais: AisClient, folder: str) -> None:
    """MOVE /item/{id} with Destination answers 200 (itemMoveResponse); the item is then
    in the destination."""
    item = create_item(ais, folder)
    destination = create_folder(ais, folder)
    reply = ais.move_item(item, destination, tid=ais.new_id())
    answer = carried_out(reply, "MOVE /item/{item}", 200, "ais-item-move")
    check(same(answer.get("parent_id"), destination), "the answer's parent_id is not the "
                                                      "destination")
    contains(contents(ais, destination)["items"], item, "the destination's items")


@pytest.mark.requirement("AIS-CATEGORY-MOVE")
@pytest.mark.writes
def test_move_category_to_an_unknown_destination_is_404(ais: AisClient, folder: str) -> None:
    """MOVE /category/{id} to a Destination that does not exist answers 404 (Destination
    category not found) and the category stays."""
    moved = create_folder(ais, folder)
    reply = ais.move_category(moved, ais.new_id(), tid=ais.new_id())
    if reply.status in (405, 501):
        implemented(reply, "MOVE /category/{category}")
    not_found(reply)
    contains(contents(ais, folder)["categories"], moved, "the parent's categories")


@pytest.mark.requirement("AIS-ITEM-COPY")
@pytest.mark.writes
def test_copy_item_to_an_unknown_destination_is_404(ais: AisClient, folder: str) -> None:
    """COPY /item/{id} to a Destination that does not exist answers 404 (Destination
    category not found)."""
    item = create_item(ais, folder)
    reply = ais.copy_item(item, ais.new_id(), tid=ais.new_id())
    if reply.status in (405, 501):
        implemented(reply, "COPY /item/{item}")
    not_found(reply)
    equal(contents(ais, folder)["items"], {item}, "the folder's items")


def not_found(reply: Exchange) -> None:
    """404; the body, when it is one (a target without the method may answer a bare 404),
    is errorCategoryNotFound."""
    expect(reply).status(404)
    if reply.body.strip():
        document(reply, 404, schema="ais-error-category")


#: (method, part) the wiki marks NONE below /category/{category}, and the status it
#: documents for success.
NONE_METHODS = [("PUT", "children", 201), ("COPY", "children", 201), ("MOVE", "children", 200),
                ("COPY", "links", 201), ("MOVE", "links", 200), ("PUT", "items", 201),
                ("COPY", "items", 201), ("MOVE", "items", 200), ("PUT", "categories", 201),
                ("COPY", "categories", 201), ("MOVE", "categories", 200)]

#: The response table of each: schemas/{name}.schema.json.
NONE_SCHEMAS = {("PUT", "children"): "ais-category-children-replace",
                ("COPY", "children"): "ais-category-copy",
                ("MOVE", "children"): "ais-category-children-move",
                ("COPY", "links"): "ais-category-links-copy",
                ("MOVE", "links"): "ais-category-links-move",
                ("PUT", "items"): "ais-category-items-replace",
                ("COPY", "items"): "ais-category-items-copy",
                ("MOVE", "items"): "ais-category-items-move",
                ("PUT", "categories"): "ais-category-children-replace",
                ("COPY", "categories"): "ais-category-copy",
                ("MOVE", "categories"): "ais-category-categories-move"}


@pytest.mark.requirement("AIS-NONE-STATUS")
@pytest.mark.writes
@pytest.mark.parametrize("method,part,status", NONE_METHODS,
                         ids=[f"{m}-{p}" for m, p, _ in NONE_METHODS])
def test_none_method_on_a_part(ais: AisClient, folder: str, method: str, part: str,
                               status: int) -> None:
    """A NONE method on /children, /links, /items or /categories that the target
    implements answers the documented success status (or an error, never another
    success), and does what it documents: COPY puts copies of the part's members in the
    Destination, MOVE moves them there, PUT with nothing to create leaves the part empty."""
    source = create_folder(ais, folder)
    create_folder(ais, source)
    create_link(ais, source, create_item(ais, source))
    kinds = {"links": ("links",), "items": ("items", "links"), "categories": ("categories",),
             "children": ("categories", "items", "links")}[part]
    destination = create_folder(ais, folder)
    headers = {"Destination": destination} if method in ("COPY", "MOVE") else {}
    body: object = ([] if part == "categories" else {}) if method == "PUT" else None
    reply = ais.request(method, f"/category/{source}/{part}", body=body, headers=headers,
                        query={"tid": ais.new_id()}, writes=True)
    implemented(reply, f"{method} /category/{{category}}/{part}")
    expect(reply).status(status, 400, 403, 409, 410, 412, 415)
    if reply.status != status:
        return
    document(reply, status, schema=NONE_SCHEMAS[(method, part)])
    present(reply.header("Location"), f"the Location header of the {status} of {method}")
    if part != "links":  # the CategoryLinks tables list a Location only
        present(reply.header("ETag"), f"the ETag header of the {status} of {method}")
    left = {kind: ids for kind, ids in contents(ais, source).items() if kind in kinds}
    gained = contents(ais, destination)
    if method == "COPY":
        check(any(gained[kind] for kind in kinds), f"COPY of /{part} put nothing in the "
                                                   f"Destination")
    elif method == "MOVE":
        check(not any(left.values()), f"MOVE of /{part} left {left} in the source")
        check(any(gained[kind] for kind in kinds), f"MOVE of /{part} put nothing in the "
                                                   f"Destination")
    else:
        check(not any(left.values()), f"PUT of an empty /{part} left {left}")


#: The NONE methods that take a Destination, and what they name: a part of a category,
#: the category itself, or an item.
NONE_DESTINATION_METHODS = [(m, p) for m, p, _ in NONE_METHODS if m != "PUT"] + [
    ("MOVE", "category"), ("COPY", "item"), ("MOVE", "item")]


def none_path(kind: str, target: str) -> str:
    if kind == "item":
        return f"/item/{target}"
    return f"/category/{target}" + ("" if kind == "category" else f"/{kind}")


@pytest.mark.requirement("AIS-NONE-410")
@pytest.mark.writes
@pytest.mark.parametrize("method,kind", NONE_DESTINATION_METHODS,
                         ids=[f"{m}-{k}" for m, k in NONE_DESTINATION_METHODS])
def test_none_method_on_a_gone_source_is_410(ais: AisClient, folder: str, method: str,
                                             kind: str) -> None:
    """A NONE method with a Destination (COPY, MOVE) whose source was deleted answers
    410 (Source category gone, Source item gone), when the target implements it."""
    destination = create_folder(ais, folder)
    if kind == "item":
        source = create_item(ais, folder)
        with step("could not delete the item the test needs gone"):
            document(ais.delete_item(source), 200)
    else:
        source = create_folder(ais, folder)
        with step("could not delete the category the test needs gone"):
            document(ais.delete_category(source), 200)
    reply = ais.request(method, none_path(kind, source), headers={"Destination": destination},
                        query={"tid": ais.new_id()}, writes=True)
    implemented(reply, f"{method} {none_path(kind, '{id}')}")
    answer = error(reply, 410, "ais-error-item-gone" if kind == "item" else "ais-error-category")
    if kind == "item":
        check(same(answer.get("item_id"), source), f"item_id is {answer.get('item_id')}, "
                                                   f"expected the gone item {source}")
    check(not any(contents(ais, destination).values()),
          f"{method} of a gone source put something in the Destination")


#: The NONE methods whose tables list 412: PUT, COPY and MOVE of the children, items and
#: categories (not of the links: their tables list 403, 404 and 410 only), and MOVE of a
#: category.
NONE_412 = [(m, p) for m, p, _ in NONE_METHODS if p != "links"] + [("MOVE", "category")]


@pytest.mark.requirement("AIS-NONE-412")
@pytest.mark.writes
@pytest.mark.parametrize("condition", ["If-Match", "If-None-Match"])
@pytest.mark.parametrize("method,kind", NONE_412, ids=[f"{m}-{k}" for m, k in NONE_412])
def test_none_method_whose_precondition_fails_is_412(ais: AisClient, folder: str,
                                                     method: str, kind: str,
                                                     condition: str) -> None:
    """A NONE method with If-Match holding only a stale tag, or If-None-Match holding
    the current one, answers 412 (errorPreconditionFailed, with an ETag) and changes
    nothing, when the target implements it."""
    source = create_folder(ais, folder)
    create_item(ais, source)
    destination = create_folder(ais, folder)
    part = "" if kind == "category" else kind
    if condition == "If-Match":
        headers = {"If-Match": '"opensim-conformance-stale-tag"'}
    else:
        with step("could not read the current ETag", requirement="AIS-ETAG-GET"):
            reply = ais.get_category(source, part)
            expect(reply).status(200)
            headers = {"If-None-Match": present(reply.header("ETag"), "the ETag header")}
    if method in ("COPY", "MOVE"):
        headers["Destination"] = destination
    body: object = ([] if kind == "categories" else {}) if method == "PUT" else None
    before = contents(ais, source)
    reply = ais.request(method, none_path(kind, source), body=body, headers=headers,
                        query={"tid": ais.new_id()}, writes=True)
    implemented(reply, f"{method} {none_path(kind, '{id}')}")
    error(reply, 412, "ais-error-precondition")
    present(reply.header("ETag"), f"the ETag header of the 412 of {method}")
    equal(contents(ais, source), before, f"the source's contents after {method} of {kind}")
    check(not any(contents(ais, destination).values()),
          f"{method} of {kind} put something in the Destination")


@pytest.mark.requirement("AIS-NONE-403")
@pytest.mark.writes
@pytest.mark.parametrize("part", ["children", "items", "categories", "item"])
def test_none_copy_of_a_no_copy_item_is_403(ais: AisClient, folder: str, part: str) -> None:
    """COPY of a category's children, items or categories holding an item its owner may
    not copy (in a subcategory for /categories), or COPY of that item itself, answers
    403 (Permissions check failed) and copies nothing, when the target implements it."""
    source = create_folder(ais, folder, owned_name("no-copy source"))
    holder = create_folder(ais, source) if part == "categories" else source
    item = create_no_copy_item(ais, holder)
    destination = create_folder(ais, folder)
    path = f"/item/{item}" if part == "item" else f"/category/{source}/{part}"
    reply = ais.request("COPY", path, headers={"Destination": destination},
                        query={"tid": ais.new_id()}, writes=True)
    implemented(reply, f"COPY {path}")
    error(reply, 403)
    check(not any(contents(ais, destination).values()), "the Destination received a copy")

