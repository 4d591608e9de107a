"""'Special' category names: /category/root, /category/trash, … resolve like the UUIDs
of those folders; PUT creates a missing special category and answers 409 for an
existing one (seeds/sl-inventory-api-v3-ais.txt, "Category", parameters and PUT)."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from conformance.clients.ais import AisClient
from conformance.expect import check, contains, equal, one_of, step
from conformance.ledger import owned_name
from conformance.suites.ais.steps import (
    children,
    create_folder,
    created_ids,
    document,
    error,
    ids,
    key,
    same,
    uid,
)
from conformance.wire import ais as wire


def typed_children(ais: AisClient, root: str) -> list[tuple[int, str]]:
    """(type_default, id) of each of the root's child categories that has a type."""
    found = []
    for folder_id, child in wire.embedded(children(ais, root), "categories").items():
        folder_type = child.get("type_default") if isinstance(child, dict) else None
        if isinstance(folder_type, int):
            found.append((folder_type, folder_id))
    return found


def folders_of_type(ais: AisClient, root: str, folder_type: int) -> set[str]:
    """The ids of the root's children of ``folder_type``."""
    return {folder_id for kind, folder_id in typed_children(ais, root) if kind == folder_type}


def system_folders(ais: AisClient, root: str) -> dict[int, str]:
    """type_default -> id of the root's typed children."""
    found: dict[int, str] = {}
    for folder_type, folder_id in typed_children(ais, root):
        if folder_type >= 0:
            found.setdefault(folder_type, folder_id)
    return found


@pytest.mark.requirement("AIS-CATEGORY-SPECIAL")
@pytest.mark.reads
@pytest.mark.parametrize("name", sorted(wire.SPECIAL_CATEGORIES))
def test_special_name_resolves_like_its_uuid(ais: AisClient, root: str, name: str) -> None:
    """GET /category/{special name} answers a folder of that type under the root, as GET
    of its UUID does (the root for ``root``); a name whose folder the agent lacks is 404.

    A folder of the type may come or go while the test asks (another client, or
    AIS-CATEGORY-PUT's test on another xdist worker, which makes a missing special
    folder and removes it): an answer that disagrees with the root's listing before
    the GET is judged against a listing after it too."""
    folder_type = wire.SPECIAL_CATEGORIES[name]
    is_root = folder_type == wire.ROOT_TYPE

    def listed() -> set[str]:
        if is_root:
            return {root.lower()}
        return {found.lower() for found in folders_of_type(ais, root, folder_type)}

    before = listed()
    reply = ais.get_category(name)
    if reply.status == 404 and not is_root:
        there = before & listed() if before else set()
        check(not there, f"/category/{name} answered 404, but the agent's folder "
                         f"{sorted(there)} of type {folder_type} is listed under the root "
                         f"before and after it")
        return
    answer = document(reply, 200)
    answered = str(answer.get("category_id", "")).lower()
    known = before if answered in before else before | listed()
    by_id = ais.get_category(answered) if answered else None
    if not is_root and by_id is not None and by_id.status in (404, 410):
        # removed since it was answered (made and removed by another client meanwhile):
        # judged by its own fields
        check(answer.get("type_default") == folder_type and same(answer.get("parent_id"),
                                                                 root),
              f"/category/{name} answered category {answered} (type "
              f"{answer.get('type_default')}, in {answer.get('parent_id')}), which is no "
              f"folder of type {folder_type} under the root {root}")
        return
    check(answered in known,
          f"/category/{name} answered category {answer.get('category_id')}, expected "
          + (f"the folder of type {folder_type}: {sorted(known)}" if known else
             f"404: the agent has no folder of type {folder_type}"))
    assert by_id is not None
    by_id_answer = document(by_id, 200)
    fields = ("category_id", "parent_id", "name", "type_default", "agent_id")
    differ = [f for f in fields if answer.get(f) != by_id_answer.get(f)]
    # The version may grow between the two reads (other test modules, on other xdist
    # workers, add folders of their own under the root meanwhile); it never goes back.
    first, then = answer.get("version"), by_id_answer.get("version")
    if not (isinstance(first, int) and isinstance(then, int) and then >= first) \
            and first != then:
        differ.append("version")
    check(not differ, f"/category/{name} and /category/{answered} differ in {differ}")


@pytest.mark.requirement("AIS-CATEGORY-SPECIAL")
@pytest.mark.reads
@pytest.mark.parametrize("part", ["children", "links", "items", "categories"])
def test_special_name_resolves_on_the_parts(ais: AisClient, root: str, part: str) -> None:
    """GET /category/root/{part} answers the part of the root, as its UUID does (every
    part's path takes a UUID or 'special' category name)."""
    answer = document(ais.get_category("root", part), 200)
    check(same(answer.get("category_id"), root),
          f"/category/root/{part} answered category {answer.get('category_id')}, expected "
          f"the root {root}")


@pytest.mark.requirement("AIS-CATEGORY-SPECIAL")
@pytest.mark.writes
def test_special_name_as_a_copy_destination(ais: AisClient, root: str, folder: str) -> None:
    """COPY with ``Destination: trash`` (a 'special' category) copies into the agent's
    Trash folder, as a COPY to Trash's UUID does (that one first: a COPY that fails
    whatever the destination is AIS-CATEGORY-COPY's failure, not the special name's)."""
    trash = system_folders(ais, root).get(wire.SPECIAL_CATEGORIES["trash"])
    if trash is None:
        pytest.skip("the agent has no Trash folder")
    source = create_folder(ais, folder, owned_name("copied to trash"))
    copies: list[str] = []
    try:
        with step("could not COPY a folder into Trash named by its UUID",
                  requirement="AIS-CATEGORY-COPY"):
            copies += created_ids(ais.copy_category(source, trash, tid=ais.new_id()),
                                  "_created_categories")
        named = created_ids(ais.copy_category(source, "trash", tid=ais.new_id()),
                            "_created_categories")
        copies += named
        check(len(named) == 1, f"_created_categories lists {named}, expected the one "
                               f"copy of the empty folder")
        parent = document(ais.get_category(named[0]), 200).get("parent_id")
        check(same(parent, trash), f"the copy is in {parent}, expected Trash {trash}")
    finally:
        for copy in copies:
            with step("could not remove the copy from Trash"):
                ais.delete_category(copy)


@pytest.mark.requirement("AIS-CATEGORY-PUT-409")
@pytest.mark.writes
def test_put_of_an_existing_special_category_is_409(ais: AisClient, root: str) -> None:
    """PUT /category/trash, which exists, answers 409 with the categoryResponse of Trash
    and creates no second Trash (other folders of the root are other tests' business:
    modules may run side by side)."""
    trash_type = wire.SPECIAL_CATEGORIES["trash"]
    trash = system_folders(ais, root).get(trash_type)
    if trash is None:
        pytest.skip("the agent has no Trash folder")
    before = folders_of_type(ais, root, trash_type)
    answer = document(ais.put_category("trash", creates=False, tid=ais.new_id()), 409,
                      schema="ais-category")
    check(same(answer.get("category_id"), trash),
          f"the 409 names category {answer.get('category_id')}, expected Trash {trash}")
    after = folders_of_type(ais, root, trash_type)
    equal(after, before, "the root's Trash folders after the PUT")


@pytest.mark.requirement("AIS-CATEGORY-PUT")
@pytest.mark.destructive
def test_put_creates_a_missing_special_category(ais: AisClient, root: str) -> None:
    present = system_folders(ais, root)
    missing = [name for name, kind in sorted(wire.SPECIAL_CATEGORIES.items())
               if kind != wire.ROOT_TYPE and kind not in present]
    if not missing:
        pytest.skip("the agent has a folder for every special name: nothing to create")
    name = missing[0]
    reply = ais.put_category(name, creates=True, tid=ais.new_id())
    created = None
    try:
        answer = document(reply, 201, schema="ais-category-new")
        new = created = uid(answer.get("category_id"), "category_id")
        contains(ids(key(answer, "_created_categories"), "_created_categories"), new,
                 "_created_categories")
        location = reply.header("Location")
        check(location and urljoin(reply.url, location).rstrip("/").endswith(
            f"/category/{new}"), f"Location is {location!r}, expected the URL of "
                                 f"/category/{new}")
        resolved = document(ais.get_category(name), 200)
        check(same(resolved.get("category_id"), new), f"/category/{name} does not resolve "
                                                      f"to the new category {new}")
        check(same(resolved.get("parent_id"), root), "the new special category is not "
                                                     "under the root")
    finally:
        if created is not None:
            ais.delete_category(created)


@pytest.mark.requirement("AIS-CATEGORY-PUT-404")
@pytest.mark.writes
def test_put_of_an_unknown_category_is_404(ais: AisClient) -> None:
    unknown = ais.new_id()
    error(ais.put_category(unknown, creates=False, tid=ais.new_id()), 404,
          "ais-error-category")
    reply = ais.get_category(unknown)
    one_of(reply.status, (404, 410), f"the status of a GET of {unknown} after the PUT")
