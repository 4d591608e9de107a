"""LLSD and HTTP: bodies that are not LLSD, GET instead of POST, booleans written
true/false (docs/interop/caps.md)."""

from __future__ import annotations

import pytest

from conformance.clients.caps import DESCENDENTS, ITEMS, CapsClient, viewer_folder
from conformance.clients.http import Exchange
from conformance.expect import check, fail
from conformance.suites.caps.steps import (
    Observe,
    Scratch,
    answer,
    entry_for,
    folder_entries,
    item_ids,
    needs,
)
from conformance.wire import llsd
from conformance.wire.xml import WireError

MALFORMED = [b"<llsd><map><key>folders</key><array><map>", b"this is not LLSD", b""]


def no_inventory_data(reply: Exchange, what: str, observe: Observe) -> None:
    """4xx, or 200 with no folder and no item; never 5xx."""
    observe(f"{what}: answered {reply.status}")
    check(reply.status is not None and reply.status < 500,
          f"{what} was answered {reply.status}, a server error")
    if reply.status != 200:
        check(400 <= (reply.status or 0) < 500,
              f"{what} was answered {reply.status}, expected 4xx or 200")
        return
    if not reply.body.strip():
        return
    try:
        value = llsd.parse(reply.body, reply.header("Content-Type")).merged_map()
    except WireError:
        return  # not LLSD, but no inventory data either
    folders = value.get("folders") or []
    items = value.get("items") or []
    check(not folders and not items,
          f"{what} was answered with {len(folders)} folders and {len(items)} items")


@pytest.mark.requirement("CAPS-LLSD-MALFORMED")
@pytest.mark.reads
@pytest.mark.parametrize("capability", [DESCENDENTS, ITEMS])
@pytest.mark.parametrize("body", MALFORMED, ids=["truncated", "text", "empty"])
def test_a_body_that_is_not_llsd_gets_no_server_error(caps: CapsClient, capability: str,
                                                     body: bytes, observe: Observe) -> None:
    """A truncated document, plain text, or nothing: 4xx, or 200 with no inventory data."""
    needs(caps, capability)
    no_inventory_data(caps.post(capability, body), f"{capability} with a body that is not "
                                                   f"LLSD", observe)


@pytest.mark.requirement("CAPS-METHOD-GET")
@pytest.mark.reads
@pytest.mark.parametrize("capability", [DESCENDENTS, ITEMS])
def test_a_get_gets_no_inventory_data(caps: CapsClient, capability: str,
                                     observe: Observe) -> None:
    """GET instead of POST: 4xx, or 200 with no inventory data."""
    needs(caps, capability)
    no_inventory_data(caps.get(capability), f"GET {capability}", observe)


@pytest.mark.requirement("CAPS-LLSD-BOOLEAN-TEXT")
@pytest.mark.writes
def test_booleans_written_true_are_read_as_true(caps: CapsClient, scratch: Scratch,
                                               observe: Observe) -> None:
    """The viewer's request with its booleans written <boolean>true</boolean> lists the
    folder's item as the same request written with 1 does."""
    needs(caps, DESCENDENTS)
    item = scratch.item()
    body = llsd.format_xml_text_booleans({"folders": [viewer_folder(scratch.id,
                                                                    scratch.owner)]})
    if b"<boolean>true</boolean>" not in body:
        fail("the suite did not write the booleans as true")  # pragma: no cover
    reply = caps.post(DESCENDENTS, body)
    observe(f"booleans written true: answered {reply.status}")
    entry = entry_for(answer(reply, observe), scratch.id)
    check(item.id in item_ids(entry), "the folder's item is not listed when the request's "
                                      "booleans are written true")


@pytest.mark.requirement("CAPS-LLSD-FORMATS")
@pytest.mark.writes
@pytest.mark.parametrize("form", ["binary", "notation"])
def test_a_request_in_binary_or_notation_is_refused_or_answered_alike(
        caps: CapsClient, scratch: Scratch, form: str, observe: Observe) -> None:
    """The viewer's request written as LLSD binary or notation (Accept: that format or
    XML): 4xx, or no folders (the body was not read), or the folder's item listed as for
    the XML request."""
    needs(caps, DESCENDENTS)
    item = scratch.item()
    value = {"folders": [viewer_folder(scratch.id, scratch.owner)]}
    media = llsd.BINARY_TYPE if form == "binary" else llsd.NOTATION_TYPE
    body = llsd.format_binary(value) if form == "binary" else llsd.format_notation(value)
    reply = caps.post(DESCENDENTS, body, {"Content-Type": media,
                                          "Accept": f"{media}, {llsd.XML_TYPE}"})
    if reply.status is not None and 400 <= reply.status < 500:
        observe(f"a request in LLSD {form} was refused ({reply.status})")
        return
    value = answer(reply, observe)
    if not folder_entries(value):
        observe(f"a request in LLSD {form} was answered with no folders (not read)")
        return
    entry = entry_for(value, scratch.id)
    observe(f"a request in LLSD {form} was answered as {reply.header('Content-Type')}")
    check(item.id in item_ids(entry), f"the folder's item is not listed when the request is "
                                      f"written in LLSD {form}")
