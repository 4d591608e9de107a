"""The library twins: FetchLibDescendents2 and FetchLib2 (seeds/sl-inventory-api-caps.txt,
"Viewer Capabilities")."""

from __future__ import annotations

import pytest

from conformance.clients.caps import LIB_DESCENDENTS, LIB_ITEMS, CapsClient
from conformance.expect import check, contains
from conformance.suites.caps.steps import (
    Observe,
    answer,
    array,
    conforms,
    entry_for,
    integer,
    items_by_id,
    needs,
    walk,
)
from conformance.viewer import Viewer
from conformance.wire import llsd


def library(viewer: Viewer) -> tuple[str, str]:
    if not (viewer.library_root and viewer.library_owner):
        pytest.skip("the login reply names no library (inventory-lib-root, inventory-lib-owner)")
    return viewer.library_root, viewer.library_owner


@pytest.mark.requirement("CAPS-LIB-DESCENDENTS")
@pytest.mark.reads
def test_the_library_root_is_answered_with_its_contents(caps: CapsClient, viewer: Viewer,
                                                       observe: Observe) -> None:
    """FetchLibDescendents2 of the library root answers its entry with categories and
    items, descendents = len(items) + len(categories)."""
    needs(caps, LIB_DESCENDENTS)
    root, owner = library(viewer)
    reply = caps.folder(root, owner, library=True)
    value = answer(reply, observe)
    conforms(reply, "caps-descendents-response", value)
    entry = entry_for(value, root)
    listed = len(array(entry, "items")) + len(array(entry, "categories"))
    check(listed, "the library root was answered with no categories and no items")
    descendents = integer(entry.get("descendents"), "descendents of the library root")
    check(descendents == listed, f"descendents is {descendents}, but items + categories "
                                 f"hold {listed}")
    agent = llsd.as_uuid(entry.get("agent_id"))
    names = {viewer.agent_id: "the agent", owner: "the library owner"}
    observe(f"FetchLibDescendents2 agent_id: {names.get(agent or '', repr(entry.get('agent_id')))}")


@pytest.mark.requirement("CAPS-LIB-ITEMS")
@pytest.mark.reads
def test_a_library_item_is_answered_by_fetchlib2(caps: CapsClient, viewer: Viewer,
                                                observe: Observe) -> None:
    """An item found in the library through FetchLibDescendents2 is answered by FetchLib2
    with its item structure (same id, name and parent)."""
    needs(caps, LIB_DESCENDENTS)
    needs(caps, LIB_ITEMS)
    root, owner = library(viewer)
    found = [item for _, entry in walk(caps, root, owner, library=True, limit=10)
             for item in array(entry, "items")]
    if not found:
        pytest.skip("the library holds no item in its first folders")
    listed = found[0]
    item_id = llsd.as_uuid(listed.get("item_id")) or ""
    reply = caps.items([item_id], owner, library=True)
    value = answer(reply, observe)
    conforms(reply, "caps-items-response", value)
    answered = items_by_id(value)
    contains(answered, item_id, "the library items FetchLib2 answered")
    got = answered[item_id]
    check((got.get("name"), llsd.as_uuid(got.get("parent_id")))
          == (listed.get("name"), llsd.as_uuid(listed.get("parent_id"))),
          f"FetchLib2 reads name, parent {got.get('name')!r}, {got.get('parent_id')!r}; the "
          f"library listing {listed.get('name')!r}, {listed.get('parent_id')!r}")
