"""Fetch inventory items: FetchInventory2 (seeds/sl-inventory-api-caps.txt, "Fetch
inventory items"; docs/interop/caps.md)."""

from __future__ import annotations

import pytest

from conformance.clients.caps import ITEMS, LIB_DESCENDENTS, CapsClient
from conformance.expect import check, contains
from conformance.suites.caps.steps import (
    Observe,
    Scratch,
    answer,
    answers_each,
    array,
    conforms,
    item_ids,
    items_by_id,
    missing_id,
    needs,
    walk,
)
from conformance.viewer import Viewer
from conformance.wire import llsd


@pytest.mark.requirement("CAPS-FI2-ITEMS")
@pytest.mark.writes
def test_items_asked_by_id_are_answered(caps: CapsClient, scratch: Scratch,
                                       observe: Observe) -> None:
    """Two items asked by id are answered with their item structures (id, parent, name)."""
    needs(caps, ITEMS)
    items = scratch.items(2)
    answers_each(caps.items([item.id for item in items]), items, observe)


@pytest.mark.requirement("CAPS-FI2-AGENT")
@pytest.mark.writes
def test_the_answer_names_the_logged_in_agent(caps: CapsClient, scratch: Scratch,
                                             viewer: Viewer) -> None:
    """The agent_id of the answer is the agent that logged in."""
    needs(caps, ITEMS)
    item = scratch.item()
    value = answer(caps.items([item.id]))
    agent = llsd.as_uuid(value.get("agent_id"))
    check(agent == viewer.agent_id, f"agent_id is {value.get('agent_id')!r}, the agent that "
                                    f"logged in is {viewer.agent_id}")


@pytest.mark.requirement("CAPS-FI2-UNKNOWN")
@pytest.mark.writes
def test_an_unknown_item_beside_a_known_one(caps: CapsClient, scratch: Scratch,
                                           observe: Observe) -> None:
    """An unknown id asked beside a known item gets no item structure; the known item is
    answered."""
    needs(caps, ITEMS)
    item = scratch.item()
    unknown = missing_id()
    value = answer(caps.items([unknown, item.id]), observe)
    ids = item_ids(value)
    contains(ids, item.id, "the items answered (a known one asked beside an unknown one)")
    check(unknown not in ids, "an item structure was answered for an id that does not exist")
    if set(value) - {"agent_id", "items"}:
        observe(f"FetchInventory2 with an unknown id answered keys {sorted(value)}")


@pytest.mark.requirement("CAPS-FI2-OTHER-AGENT")
@pytest.mark.writes
def test_another_agents_item_beside_an_own_one(caps: CapsClient, scratch: Scratch,
                                              viewer: Viewer, observe: Observe) -> None:
    """A library item (the library owner's, not the agent's) asked beside one of the
    agent's items: the agent's item is answered; whether the other is, is recorded."""
    needs(caps, ITEMS)
    if not (viewer.library_root and viewer.library_owner and caps.offers(LIB_DESCENDENTS)):
        pytest.skip("no library to take another agent's item from")
    others = [llsd.as_uuid(i.get("item_id"))
              for _, entry in walk(caps, viewer.library_root, viewer.library_owner,
                                   library=True, limit=10)
              for i in array(entry, "items")]
    other = next((item for item in others if item), None)
    if other is None:
        pytest.skip("the library holds no item in its first folders")
    own = scratch.item()
    value = answer(caps.items([other, own.id]), observe)
    ids = item_ids(value)
    contains(ids, own.id,
             "the items answered (the agent's own asked beside another agent's)")
    observe(f"another agent's item asked through FetchInventory2 was "
            f"{'answered' if other in ids else 'left out'}")


@pytest.mark.requirement("CAPS-ITEM-KEYS")
@pytest.mark.writes
def test_items_answered_by_fetchinventory2_carry_the_documented_keys(
        caps: CapsClient, scratch: Scratch) -> None:
    """An item answered by FetchInventory2 carries every documented key, and its
    permissions and sale_info maps theirs, typed as the tables say."""
    needs(caps, ITEMS)
    item = scratch.item()
    reply = caps.items([item.id])
    found = items_by_id(answer(reply))
    contains(found, item.id, "the items answered")
    conforms(reply, "caps-item", found[item.id])
