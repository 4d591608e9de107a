"""Steps the AIS3 tests share: read answers into plain data, create what a test needs
inside the run's own folder, and look the inventory up again afterwards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conformance.clients.ais import NAMED_CATEGORY, AisClient
from conformance.clients.http import Exchange
from conformance.expect import attempt, check, expect, fail, note, step
from conformance.ledger import owned_name
from conformance.wire import ais as wire
from conformance.wire.ids import canonical_uuid

#: Statuses a target answers a method it does not implement with.
NOT_IMPLEMENTED = (404, 405, 501)


def document(reply: Exchange, *statuses: int, schema: str | None = None) -> dict[str, Any]:
    """The answer must have one of ``statuses`` and an LLSD map as its body (valid under
    ``schemas/{schema}.schema.json`` when given)."""
    expect(reply).status(*statuses)
    value = expect(reply).parsed(wire.decode, "an LLSD XML document")
    if not isinstance(value, dict):
        fail(f"the body is an LLSD {type(value).__name__}, expected a map")
    if schema is not None:
        expect(reply).conforms(schema, value)
    return value


def error(reply: Exchange, status: int, schema: str = "ais-error") -> dict[str, Any]:
    """An error answer: ``status`` with the wiki's error body (error_code,
    error_description and the schema's context keys)."""
    return document(reply, status, schema=schema)


def uid(value: Any, what: str) -> str:
    """A UUID the answer must carry."""
    text = canonical_uuid(value) if isinstance(value, str) else None
    if text is None:
        fail(f"{what} is {value!r}, expected a UUID")
    return text


def ids(value: Any, what: str) -> set[str]:
    """The UUIDs of a bookkeeping key (an array of UUIDs)."""
    if not isinstance(value, list):
        fail(f"{what} is {type(value).__name__} {value!r}, expected an array of UUIDs")
    return {uid(entry, f"an entry of {what}") for entry in value}


def key(document: dict[str, Any], name: str) -> Any:
    if name not in document:
        fail(f"the answer has no {name} (it has {sorted(document)})")
    return document[name]


def created_ids(reply: Exchange, name: str) -> list[str]:
    """``_created_categories`` / ``_created_items`` of a 201 answer."""
    answer = document(reply, 201)
    return sorted(ids(key(answer, name), name))


# ---------------------------------------------------------------------- creating


#: How each AIS3 capability (by URL) took the creates of the folders the tests work in:
#: as the viewer writes them, or only with the minimal body (after the viewer's failed).
VIEWER_SHAPE = "viewer"
MINIMAL_BODY = "minimal"
_create_way: dict[str, str] = {}


def minimal_category_body(name: str, type_default: int = -1) -> dict[str, Any]:
    """One entry of ``categories`` with only what a category needs: its name and type
    (no client category_id, no parent_id: the parent is the URL's)."""
    return {"name": name, "type_default": type_default}


def new_category(ais: AisClient, parent: str, name: str, what: str, *,
                 named: bool = False) -> str:
    """POST /category/{parent} creating one category, first as the viewer writes it
    (``category_id`` null and ``parent_id`` in the entry: asAISCreateCatLLSD). When the
    target fails that, the failure is AIS-CATEGORY-POST's, and the minimal body is tried,
    so that the tests that only need a folder are still judged; which way worked is
    observed. ``named``: a folder of the run's own, listed in the ledger by its name."""
    def post(body: dict[str, Any]) -> str:
        reply = ais.create(parent, {"categories": [body]}, tid=ais.new_id())
        return one(created_ids(reply, "_created_categories"), "_created_categories")

    if named:
        ais.ledger.created(ais.entry(NAMED_CATEGORY, name))
    if _create_way.get(ais.url) != MINIMAL_BODY:
        made = attempt(f"{what} in the viewer's shape (POST /category with category_id "
                       f"null and parent_id in the entry)", "AIS-CATEGORY-POST",
                       lambda: post(wire.category_body(name, parent)))
        if made is not None:
            return made
    with step(f"{what}: POST /category failed in the viewer's shape and with the minimal "
              f"body {{name, type_default}}", requirement="AIS-CATEGORY-POST"):
        made = post(minimal_category_body(name))
    if _create_way.get(ais.url) != MINIMAL_BODY:
        _create_way[ais.url] = MINIMAL_BODY
        note("creates folders only from the minimal body {name, type_default}: the "
             "viewer's create (category_id null, parent_id) failed", about="OBS-AIS-CREATE-BODY")
    return made


def category_entry(ais: AisClient, parent: str, name: str) -> dict[str, Any]:
    """One entry of ``categories`` in the shape this target creates folders from: the
    viewer's, unless it failed that earlier in the run and took only the minimal body."""
    if _create_way.get(ais.url) == MINIMAL_BODY:
        return minimal_category_body(name)
    return wire.category_body(name, parent)


def create_folder(ais: AisClient, parent: str, name: str | None = None) -> str:
    """A plain folder in ``parent``; the target failing to create it (in any way the
    pages allow) blocks the test, by AIS-CATEGORY-POST."""
    return new_category(ais, parent, name or owned_name("folder"),
                        "could not create the category this test needs")


def create_item(ais: AisClient, parent: str, name: str | None = None, **fields: Any) -> str:
    """A notecard in ``parent`` (POST with ``items``)."""
    with step("could not create the item this test needs (POST /category with items)",
              requirement="AIS-CATEGORY-POST-ITEMS"):
        body = wire.item_body(name or owned_name("item"))
        body.update(fields)
        reply = ais.create(parent, {"items": [body]}, tid=ais.new_id())
        return one(created_ids(reply, "_created_items"), "_created_items")


#: Permission bits: copy, and every bit.
PERM_COPY, PERM_ALL = 0x8000, 0x7FFFFFFF


def create_no_copy_item(ais: AisClient, parent: str) -> str:
    """An item in ``parent`` its owner may not copy (a step: the target must keep the
    masks it was created with)."""
    item = create_item(ais, parent, permissions={
        "base_mask": PERM_ALL & ~PERM_COPY, "owner_mask": PERM_ALL & ~PERM_COPY,
        "group_mask": 0, "everyone_mask": 0, "next_owner_mask": PERM_ALL & ~PERM_COPY})
    with step("could not create an item without copy permission"):
        masks = document(ais.get_item(item), 200).get("permissions")
        check(isinstance(masks, dict) and isinstance(masks.get("owner_mask"), int)
              and not masks["owner_mask"] & PERM_COPY,
              f"the item was created with permissions {masks!r}, which allow copying")
    return item


def create_link(ais: AisClient, parent: str, target: str, name: str | None = None) -> str:
    """A link to the item ``target`` in ``parent`` (POST with ``links``, as the viewer)."""
    with step("could not create the link this test needs (POST /category with links)",
              requirement="AIS-CATEGORY-POST-LINKS"):
        reply = ais.create(parent, {"links": [wire.link_body(target, name or owned_name(
            "link"))]}, tid=ais.new_id())
        return one(created_ids(reply, "_created_items"), "_created_items")


def one(values: list[str], what: str) -> str:
    check(len(values) == 1, f"{what} lists {values}, expected exactly one id")
    return values[0]


# ---------------------------------------------------------------------- reading back


def children(ais: AisClient, category: str) -> dict[str, Any]:
    """GET /category/{category}/children?depth=1: the category with its direct children
    embedded (depth=1 embeds them whether a server counts the direct children as a level
    or not). A listing without ``_embedded`` cannot tell what the category holds, so it
    blocks the test that needs it rather than failing that test's requirement."""
    with step(f"could not list the children of {category} (GET /children?depth=1)"):
        answer = document(ais.get_category(category, "children", depth=1), 200)
        check(isinstance(answer.get("_embedded"), dict),
              "the listing has no _embedded map to read the children from")
    return answer


def contents(ais: AisClient, category: str) -> dict[str, set[str]]:
    """The ids of the category's direct categories, items and links."""
    answer = children(ais, category)
    return {part: set(wire.embedded(answer, part)) for part in ("categories", "items", "links")}


def version(ais: AisClient, category: str) -> int:
    value = key(document(ais.get_category(category), 200), "version")
    if not isinstance(value, int):
        fail(f"version is {value!r}, expected an integer")
    return value


def deleted_twice(delete: Callable[[str], Exchange], uuid: str, kind: str) -> Exchange:
    """The answer to a second DELETE of ``uuid`` (a ``kind``: category or item); the
    first must answer 200."""
    with step(f"could not delete the {kind} the first time"):
        document(delete(uuid), 200)
    return delete(uuid)


def category_exists(ais: AisClient, category: str) -> bool:
    """GET answers 200 (it exists) or 404/410 (it does not)."""
    reply = ais.get_category(category)
    expect(reply).status(200, 404, 410)
    return reply.status == 200


def item_exists(ais: AisClient, item: str) -> bool:
    reply = ais.get_item(item)
    expect(reply).status(200, 404, 410)
    return reply.status == 200


def implemented(reply: Exchange, what: str) -> None:
    """A method the wiki marks NONE: skip as "not implemented" when the target says so."""
    if reply.status in NOT_IMPLEMENTED:
        pytest.skip(f"not implemented: {what} answered {reply.status} (the wiki marks it NONE)")


def same(left: Any, right: str) -> bool:
    return wire.same_id(left, right)
