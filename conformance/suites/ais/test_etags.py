"""Entity tags: every GET of a category resource carries an ETag; If-None-Match with the
current tag answers 304; If-Match with a stale tag answers 412 on GET and on every
method that writes, and changes nothing; the tag changes exactly when the resource
does (seeds/sl-inventory-api-v3-ais.txt, request headers and status codes)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.clients.ais import AisClient
from conformance.clients.http import Exchange
from conformance.expect import check, equal, expect, fail, present, step
from conformance.ledger import owned_name
from conformance.suites.ais.steps import contents, create_folder, document, error
from conformance.wire import ais as wire

STALE = '"opensim-conformance-stale-tag"'
PARTS = ["", "children", "items", "categories"]


def etag(reply: Exchange) -> str:
    expect(reply).status(200)
    return present(reply.header("ETag"), "the ETag header")


#: The writes of the category resources, each of which takes If-Match and If-None-Match.
WRITES = ["POST", "PUT", "PATCH", "COPY", "DELETE", "DELETE children", "DELETE items",
          "DELETE categories"]


@pytest.mark.requirement("AIS-ETAG-GET")
@pytest.mark.writes
@pytest.mark.parametrize("part", PARTS, ids=lambda p: p or "category")
def test_get_carries_an_etag(ais: AisClient, folder: str, part: str) -> None:
    tag = etag(ais.get_category(folder, part))
    check(tag.strip(), "the ETag header is empty")


@pytest.mark.requirement("AIS-ETAG-304")
@pytest.mark.writes
@pytest.mark.parametrize("part", PARTS, ids=lambda p: p or "category")
def test_if_none_match_with_the_current_tag_is_304(ais: AisClient, folder: str,
                                                   part: str) -> None:
    with step("could not read the current ETag", requirement="AIS-ETAG-GET"):
        tag = etag(ais.get_category(folder, part))
    reply = ais.get_category(folder, part, headers={"If-None-Match": tag})
    expect(reply).status(304)
    equal(reply.header("ETag"), tag, "the 304's ETag")


@pytest.mark.requirement("AIS-ETAG-IF-MATCH-GET")
@pytest.mark.writes
@pytest.mark.parametrize("part", PARTS, ids=lambda p: p or "category")
def test_if_match_on_get(ais: AisClient, folder: str, part: str) -> None:
    """GET of the category, its children, items or categories with If-Match: the current
    tag answers 200; a stale tag answers 412 with errorPreconditionFailed (etags, an
    array of tags, and condition) carrying the current ETag."""
    with step("could not read the current ETag", requirement="AIS-ETAG-GET"):
        tag = etag(ais.get_category(folder, part))
    expect(ais.get_category(folder, part, headers={"If-Match": tag})).status(200)
    reply = ais.get_category(folder, part, headers={"If-Match": STALE})
    error(reply, 412, "ais-error-precondition")
    equal(reply.header("ETag"), tag, "the 412's ETag (against the current one)")


@pytest.mark.requirement("AIS-ETAG-IF-MATCH-GET")
@pytest.mark.writes
def test_if_match_with_several_tags_matches_any(ais: AisClient, folder: str) -> None:
    """"any supplied entity tags": If-Match with a stale tag and the current one
    answers 200."""
    with step("could not read the current ETag", requirement="AIS-ETAG-GET"):
        tag = etag(ais.get_category(folder, "children"))
    expect(ais.get_category(folder, "children",
                            headers={"If-Match": f"{STALE}, {tag}"})).status(200)


@pytest.mark.requirement("AIS-ETAG-IF-NONE-MATCH-GET")
@pytest.mark.writes
@pytest.mark.parametrize("part", PARTS, ids=lambda p: p or "category")
def test_if_none_match_with_other_tags_is_200(ais: AisClient, folder: str, part: str) -> None:
    with step("could not read the current ETag", requirement="AIS-ETAG-GET"):
        tag = etag(ais.get_category(folder, part))
    reply = ais.get_category(folder, part, headers={"If-None-Match": STALE})
    document(reply, 200)
    expect(ais.get_category(folder, part,
                            headers={"If-None-Match": f"{STALE}, {tag}"})).status(304)


def _writes(ais: AisClient, folder: str) -> dict[str, Callable[[dict[str, str]], Exchange]]:
    """Each method that writes to ``folder``, sending the given headers."""
    return {
        "POST": lambda h: ais.create(folder, {"categories": [wire.category_body(
            owned_name("x"), folder)]}, tid=ais.new_id(), headers=h),
        "PATCH": lambda h: ais.patch_category(folder, {"name": owned_name("renamed")},
                                              headers=h),
        "COPY": lambda h: ais.copy_category(folder, folder, tid=ais.new_id(), headers=h),
        "DELETE": lambda h: ais.delete_category(folder, headers=h),
        "DELETE children": lambda h: ais.delete_category(folder, "children", headers=h),
        "PUT": lambda h: ais.put_category("trash", creates=False, tid=ais.new_id(),
                                          headers=h),
        "DELETE items": lambda h: ais.delete_category(folder, "items", headers=h),
        "DELETE categories": lambda h: ais.delete_category(folder, "categories", headers=h),
    }


@pytest.mark.requirement("AIS-ETAG-IF-MATCH-WRITE")
@pytest.mark.destructive
@pytest.mark.parametrize("method", WRITES)
def test_stale_if_match_refuses_a_write(ais: AisClient, area: str, method: str) -> None:
    """A write with If-Match: a stale tag answers 412 and changes nothing."""
    folder = create_folder(ais, area)
    create_folder(ais, folder)
    with step("could not read the category before the write"):
        before = document(ais.get_category(folder, "children"), 200)
    error(_writes(ais, folder)[method]({"If-Match": STALE}), 412, "ais-error-precondition")
    after = document(ais.get_category(folder, "children"), 200)
    check(after == before, f"{method} with a stale If-Match changed the category")


@pytest.mark.requirement("AIS-ETAG-IF-MATCH-WRITE")
@pytest.mark.destructive
def test_current_if_match_lets_a_write_through(ais: AisClient, folder: str) -> None:
    """A write with If-Match: the current tag is carried out."""
    with step("could not read the current ETag", requirement="AIS-ETAG-GET"):
        tag = etag(ais.get_category(folder))
    name = owned_name("renamed under If-Match")
    document(ais.patch_category(folder, {"name": name}, headers={"If-Match": tag}), 200)
    equal(document(ais.get_category(folder), 200).get("name"), name,
          "the name after the PATCH under a current If-Match")


@pytest.mark.requirement("AIS-ETAG-CHANGES")
@pytest.mark.writes
def test_the_tag_changes_with_the_resource_and_only_then(ais: AisClient, folder: str) -> None:
    """Two GETs of an unchanged category give the same ETag; after a child is added and
    after a rename, the ETag differs."""
    first = etag(ais.get_category(folder, "children"))
    equal(etag(ais.get_category(folder, "children")), first,
          "the ETag of a second GET of an unchanged category")
    create_folder(ais, folder)
    second = etag(ais.get_category(folder, "children"))
    check(second != first, "the ETag stayed the same after a child was added")
    with step("could not rename the category"):
        document(ais.patch_category(folder, {"name": owned_name("renamed")}), 200)
    third = etag(ais.get_category(folder, "children"))
    if third == second:
        fail("the ETag stayed the same after the category was renamed")
    check(contents(ais, folder)["categories"], "the child vanished")


@pytest.mark.requirement("AIS-VARY-HEADER")
@pytest.mark.reads
def test_answers_carry_vary(ais: AisClient, root: str) -> None:
    """A GET answers with a Vary header (a global response header the wiki does not mark
    optional)."""
    reply = ais.get_category(root)
    expect(reply).status(200)
    check(reply.header("Vary"), "the answer has no Vary header")


@pytest.mark.requirement("AIS-ETAG-IF-NONE-MATCH-WRITE")
@pytest.mark.writes
@pytest.mark.parametrize("method", WRITES)
def test_if_none_match_with_the_current_tag_refuses_a_write(ais: AisClient, area: str,
                                                            method: str) -> None:
    """A write with If-None-Match holding the resource's current tag answers 412 and
    changes nothing; with only a stale tag it is carried out."""
    folder = create_folder(ais, area)
    create_folder(ais, folder)
    part = method.split(" ")[1] if " " in method else ""
    writes = _writes(ais, folder)
    destination = create_folder(ais, area)
    writes["COPY"] = lambda h: ais.copy_category(folder, destination, tid=ais.new_id(),
                                                 headers=h)
    if method == "PUT" and ais.get_category("trash").status != 200:
        pytest.skip("the agent has no Trash folder to PUT")
    with step("could not read the category before the write", requirement="AIS-ETAG-GET"):
        tag = etag(ais.get_category("trash" if method == "PUT" else folder, part))
        before = document(ais.get_category(folder, "children"), 200)
    error(writes[method]({"If-None-Match": tag}), 412, "ais-error-precondition")
    after = document(ais.get_category(folder, "children"), 200)
    check(after == before, f"{method} with a matching If-None-Match changed the category")
    check(not contents(ais, destination)["categories"],
          f"{method} with a matching If-None-Match copied")
    expect(writes[method]({"If-None-Match": STALE})).status(
        *((409,) if method == "PUT" else (200, 201)))


@pytest.mark.requirement("AIS-ETAG-WRITE-HEADER")
@pytest.mark.writes
@pytest.mark.parametrize("method", ["PATCH", "COPY"])
def test_write_answers_carry_an_etag(ais: AisClient, folder: str, method: str) -> None:
    """The 200 of a Category PATCH and the 201 of a Category COPY carry an ETag header
    (the tables' response headers); the PATCH's, the current value after the rename, is
    not the tag the category had before it."""
    destination = create_folder(ais, folder)
    source = create_folder(ais, folder)
    with step("could not read the current ETag", requirement="AIS-ETAG-GET"):
        old = etag(ais.get_category(source))
    if method == "PATCH":
        reply = ais.patch_category(source, {"name": owned_name("renamed")})
        expect(reply).status(200)
    else:
        reply = ais.copy_category(source, destination, tid=ais.new_id())
        expect(reply).status(201)
    tag = present(reply.header("ETag"), f"the ETag header of the {method} answer")
    check(tag.strip(), f"the ETag header of the {method} answer is empty")
    if method == "PATCH":
        check(tag != old, f"the PATCH answers the ETag {tag!r} the category had before the "
                          f"rename")


@pytest.mark.requirement("AIS-ETAG-WRITE-HEADER")
@pytest.mark.writes
@pytest.mark.parametrize("method", WRITES)
def test_a_refused_write_carries_the_current_etag(ais: AisClient, folder: str,
                                                  method: str) -> None:
    """The 412 of a write with a stale If-Match carries an ETag header."""
    if method == "PUT" and ais.get_category("trash").status != 200:
        pytest.skip("the agent has no Trash folder to PUT")
    reply = _writes(ais, folder)[method]({"If-Match": STALE})
    error(reply, 412, "ais-error-precondition")
    tag = present(reply.header("ETag"), f"the ETag header of the 412 of {method}")
    check(tag.strip(), f"the ETag header of the 412 of {method} is empty")
