"""What real peers send and depend on beyond the wiki's tables (docs/interop/ais.md):
the viewer's PATCH forms, LibreMetaverse's Content-Type, the library capability, and a
change made through AIS3 showing in XInventory at once."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.clients.ais import AisClient
from conformance.clients.http import HttpClient
from conformance.clients.xinventory import XInventoryClient
from conformance.expect import check, equal, present, step
from conformance.ledger import owned_name
from conformance.run import ConformanceRun
from conformance.suites.ais.steps import (
    contents,
    create_folder,
    create_item,
    created_ids,
    document,
    implemented,
    key,
    same,
    uid,
    version,
)
from conformance.wire import ais as wire
from conformance.wire import xinventory as xwire

# ---------------------------------------------------------------------- PATCH forms


@pytest.mark.requirement("AIS-PATCH-VIEWER-FORMS")
@pytest.mark.writes
def test_category_patch_in_the_viewers_full_form(ais: AisClient, folder: str) -> None:
    """PATCH /category/{id} with the viewer's full category map (item_id, parent_id,
    type, name, as LLViewerInventoryCategory::exportLLSD writes it) renames the
    category and moves nothing."""
    current = document(ais.get_category(folder), 200)
    name = owned_name("viewer form")
    body = {"item_id": folder, "parent_id": current.get("parent_id"),
            "type": current.get("type_default", -1), "name": name}
    document(ais.patch_category(folder, body), 200)
    after = document(ais.get_category(folder), 200)
    equal(after.get("name"), name, "the name")
    check(same(after.get("parent_id"), str(current.get("parent_id"))),
          "the category moved")


@pytest.mark.requirement("AIS-PATCH-VIEWER-FORMS")
@pytest.mark.writes
def test_item_patch_in_the_viewers_full_form(ais: AisClient, folder: str) -> None:
    """PATCH /item/{id} with the viewer's full item map (LLInventoryItem::asLLSD: type and
    inv_type as words, flags as 4 binary bytes, sale_type as a word) changes the name and
    keeps the type."""
    item = create_item(ais, folder)
    current = document(ais.get_item(item), 200)
    name = owned_name("viewer item form")
    body = {"item_id": item, "parent_id": folder, "name": name, "desc": "",
            "type": "notecard", "inv_type": "notecard", "flags": struct.pack(">I", 0),
            "sale_info": {"sale_type": "not", "sale_price": 10},
            "permissions": current.get("permissions", {}),
            "created_at": current.get("created_at", 0)}
    document(ais.patch_item(item, body), 200)
    after = document(ais.get_item(item), 200)
    equal(after.get("name"), name, "the name")
    equal(after.get("type"), current.get("type"), "the type (unchanged)")


# ---------------------------------------------------------------------- Content-Type


@pytest.mark.requirement("AIS-CONTENT-TYPE-CHARSET")
@pytest.mark.writes
def test_llsd_with_a_charset_parameter_is_accepted(ais: AisClient, folder: str) -> None:
    """A POST whose Content-Type is ``application/llsd+xml; charset=utf-8`` (as
    LibreMetaverse sends it) is read like plain application/llsd+xml."""
    reply = ais.create(folder, {"categories": [wire.category_body(owned_name("cs"), folder)]},
                       tid=ais.new_id(),
                       headers={"Content-Type": "application/llsd+xml; charset=utf-8"})
    created_ids(reply, "_created_categories")


# ---------------------------------------------------------------------- library


@pytest.fixture(scope="session")
def library_root(request: pytest.FixtureRequest, ais_library: AisClient) -> str:
    """The library's root folder: as the login named it (the viewer's
    inventory-lib-root), else as GET /category/root on LibraryAPIv3 answers."""
    if not request.config.getoption("ais_library_url"):
        root = getattr(request.getfixturevalue("viewer"), "library_root", None)
        if root:
            return str(root)
    with step("could not read the library's root (GET /category/root on LibraryAPIv3)"):
        return uid(document(ais_library.get_category("root"), 200).get("category_id"),
                   "the library root's category_id")


@pytest.mark.requirement("AIS-LIBRARY-GET")
@pytest.mark.reads
def test_library_root_reads_with_its_children(ais_library: AisClient,
                                              library_root: str) -> None:
    """GET /category/{library root}/children on LibraryAPIv3 answers 200 with the root
    and its children embedded (all three collections)."""
    answer = document(ais_library.get_category(library_root, "children"), 200,
                      schema="ais-category-children")
    check(same(answer.get("category_id"), library_root), "the answer is another category")


@pytest.mark.requirement("AIS-LIBRARY-COPY")
@pytest.mark.writes
def test_copy_of_a_library_category_as_the_viewer_sends_it(
        ais: AisClient, ais_library: AisClient, library_root: str, folder: str) -> None:
    """COPY /category/{library folder}?tid=…,depth=0 on LibraryAPIv3 with Destination a
    folder of the agent's (AISAPI::CopyLibraryCategory) answers 201, lists the copy in
    _created_categories, and the copy is in the destination."""
    with step("could not list the library's folders"):
        library = document(ais_library.get_category(library_root, "children"), 200)
    sources = sorted(wire.embedded(library, "categories")) or [library_root]
    source = sources[0]
    reply = ais_library.copy_category(source, folder,
                                      query_text=f"tid={ais.new_id()},depth=0")
    copies = set(created_ids(reply, "_created_categories"))
    inside = contents(ais, folder)["categories"]
    check(inside and inside <= copies, f"the destination holds {inside}, "
                                       f"_created_categories lists {copies}")


# ---------------------------------------------------------------------- XInventory


@pytest.fixture(scope="module")
def xinventory(run: ConformanceRun, ais: AisClient) -> Iterator[XInventoryClient]:
    if not run.serves("xinventory"):
        pytest.skip("XInventory not tested: the run has no XInventory URL")
    http = run.http("xinventory")
    yield XInventoryClient(http, run.ledger, ais.agent_id)
    http.close()


@pytest.mark.requirement("AIS-SHARED-STORE")
@pytest.mark.writes
def test_changes_through_ais3_show_in_xinventory(ais: AisClient, xinventory: XInventoryClient,
                                                 folder: str) -> None:
    sub = create_folder(ais, folder)
    item = create_item(ais, folder)
    ais_version = version(ais, folder)
    reply = xinventory.get_folder_content(folder)
    equal(reply.status, 200, "the status GETFOLDERCONTENT answered")
    content = present(xwire.parse_response(reply.body), "the GETFOLDERCONTENT reply")
    text = reply.text
    check(sub in text and item in text, "GETFOLDERCONTENT does not list the category and "
                                        "item created through AIS3")
    check(str(content.get("VERSION")) == str(ais_version),
          f"XInventory gives VERSION {content.get('VERSION')}, AIS3 version {ais_version}")
    name = owned_name("renamed through AIS3")
    document(ais.patch_category(sub, {"name": name}), 200)
    folder_reply = xinventory.get_folder(sub)
    check(name in folder_reply.text, "GETFOLDER does not show the AIS3 rename")
    key(document(ais.get_category(sub), 200), "name")


# ---------------------------------------------------------------------- /orphans


@pytest.mark.requirement("AIS-ORPHANS")
@pytest.mark.writes
def test_orphans_lists_only_objects_without_a_parent(ais: AisClient, folder: str) -> None:
    """GET /orphans (the viewer's FetchOrphans), when the target has it, answers 200 with
    an LLSD map whose _embedded categories, items and links are maps, and lists nothing
    whose parent category exists (an item just created in a folder is not an orphan)."""
    item = create_item(ais, folder)
    reply = ais.request("GET", "/orphans")
    implemented(reply, "GET /orphans")
    answer = document(reply, 200)
    section = answer.get("_embedded", {})
    check(isinstance(section, dict), f"_embedded is {section!r}, expected a map")
    listed: set[str] = set()
    for part in ("categories", "items", "links"):
        value = section.get(part, {})
        check(isinstance(value, dict), f"_embedded.{part} is an LLSD "
                                       f"{type(value).__name__}, expected a map")
        listed |= set(wire.embedded(answer, part))
    check(item not in listed, f"the item {item}, in the existing folder {folder}, is "
                              f"listed as an orphan")


# ---------------------------------------------------------------------- children=


@pytest.mark.requirement("AIS-CHILDREN-SUBSET")
@pytest.mark.writes
def test_children_subset_embeds_the_children_asked_for(ais: AisClient, folder: str,
                                                       observe: Any) -> None:
    """GET /category/{id}/children?depth=0&children=a,b (the viewer's
    FetchCategorySubset) embeds the children named; whether it leaves the others out is
    recorded."""
    wanted = [create_folder(ais, folder), create_item(ais, folder)]
    other = create_folder(ais, folder)
    reply = ais.request("GET", f"/category/{folder}/children",
                        query_text=f"depth=0&children={','.join(wanted)}")
    answer = document(reply, 200)
    embedded = set(wire.embedded(answer, "categories")) | set(wire.embedded(answer, "items"))
    check(set(wanted) <= embedded, f"children={','.join(wanted)} embedded {sorted(embedded)}")
    observe("children= honoured: the other children were left out" if other not in embedded
            else "children= ignored: every child was embedded")


@pytest.fixture(scope="module")
def fetch_descendents(request: pytest.FixtureRequest, run: ConformanceRun,
                      ais: AisClient) -> Iterator[HttpClient]:
    """The FetchInventoryDescendents2 capability the login granted beside AIS3."""
    if run.profile.services.get("ais"):
        pytest.skip("FetchInventoryDescendents2 not tested: AIS3 was given with --ais-url")
    url = request.getfixturevalue("viewer").capabilities.get("FetchInventoryDescendents2")
    if not url:
        pytest.skip("FetchInventoryDescendents2 not offered by the target")
    http = HttpClient(url, timeout=run.profile.timeout, recorder=run.recorder)
    yield http
    http.close()


@pytest.mark.requirement("AIS-SHARED-STORE")
@pytest.mark.writes
def test_changes_through_ais3_show_in_fetch_descendents(
        ais: AisClient, fetch_descendents: HttpClient, folder: str) -> None:
    """A category and an item created through AIS3 are in FetchInventoryDescendents2's
    answer for the folder at once, with the folder's AIS3 version."""
    sub = create_folder(ais, folder)
    item = create_item(ais, folder)
    ais_version = version(ais, folder)
    body = wire.encode(wire.request_value({"folders": [{
        "folder_id": folder, "owner_id": ais.agent_id, "fetch_folders": True,
        "fetch_items": True, "sort_order": 0}]}))
    reply = fetch_descendents.request("POST", "", body=body, headers=wire.HEADERS,
                                      writes=False)
    equal(reply.status, 200, "the status FetchInventoryDescendents2 answered")
    check(sub in reply.text and item in reply.text,
          "FetchInventoryDescendents2 does not list the category and item created through "
          "AIS3")
    answer = document(reply, 200)
    folders = answer.get("folders")
    entry = folders[0] if isinstance(folders, list) and folders else {}
    check(isinstance(entry, dict) and entry.get("version") == ais_version,
          f"FetchInventoryDescendents2 gives version "
          f"{entry.get('version') if isinstance(entry, dict) else entry!r}, AIS3 "
          f"{ais_version}")
