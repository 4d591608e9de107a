"""The global status codes and the simulate parameter's validation
(seeds/sl-inventory-api-v3-ais.txt, "Global Response Status Codes", "Parameters")."""

from __future__ import annotations

import pytest

from conformance.clients.ais import AisClient
from conformance.expect import check, contains, equal, expect, fail
from conformance.ledger import owned_name
from conformance.suites.ais.steps import contents, created_ids, error, one, same
from conformance.wire import ais as wire


@pytest.mark.requirement("AIS-MEDIA-415")
@pytest.mark.writes
def test_a_body_of_an_unsupported_media_type_is_415(ais: AisClient, folder: str) -> None:
    before = contents(ais, folder)
    body = wire.encode(wire.request_value({"categories": [wire.category_body(
        owned_name("x"), folder)]}))
    error(ais.create(folder, None, raw=body, tid=ais.new_id(),
                     headers={"Content-Type": "application/x-opensim-conformance-unknown"}),
          415)
    equal(contents(ais, folder), before, "the folder's contents after the refused POST")


@pytest.mark.requirement("AIS-SIMULATE-PATTERN")
@pytest.mark.writes
@pytest.mark.parametrize("value", ["yes", "2", "TRUE!"])
def test_simulate_not_matching_the_pattern_is_400(ais: AisClient, folder: str,
                                                  value: str) -> None:
    before = contents(ais, folder)
    error(ais.create(folder, {"categories": [wire.category_body(owned_name("x"), folder)]},
                     tid=ais.new_id(), simulate=value), 400)
    equal(contents(ais, folder), before, "the folder's contents after the refused POST")


@pytest.mark.requirement("AIS-JSON-BODY")
@pytest.mark.writes
def test_a_json_body_is_read(ais: AisClient, folder: str) -> None:
    name = owned_name("from json")
    body = wire.encode_json({"categories": [wire.category_body(name, folder)]})
    reply = ais.create(folder, None, raw=body, tid=ais.new_id(),
                       headers={"Content-Type": wire.JSON_TYPE})
    created = one(created_ids(reply, "_created_categories"), "_created_categories")
    contains(contents(ais, folder)["categories"], created,
             "the folder's categories (one asked for in the JSON body)")


@pytest.mark.requirement("AIS-ACCEPT")
@pytest.mark.writes
@pytest.mark.parametrize("accept", [wire.JSON_TYPE, wire.CONTENT_TYPE])
def test_the_answer_is_in_the_type_it_names(ais: AisClient, folder: str,
                                            accept: str) -> None:
    """GET with Accept: application/json (or application/llsd+xml), the two types the
    page names, answers 200 with a body in the type its Content-Type names (the
    preferred one or the other) holding the category."""
    reply = ais.get_category(folder, headers={"Accept": accept})
    expect(reply).status(200)
    labelled = reply.header("Content-Type")
    media = (labelled or "").split(";")[0].strip().lower()
    if labelled is not None and media not in (wire.JSON_TYPE, wire.CONTENT_TYPE,
                                              "application/xml", "text/xml"):
        fail(f"the answer is labelled {labelled!r}, neither of the page's two types")
    value = expect(reply).parsed(wire.decoder(labelled), f"a body of {media or 'LLSD XML'}")
    if not isinstance(value, dict):
        fail(f"the body is a {type(value).__name__}, expected a map")
    check(same(value.get("category_id"), folder),
          f"the answer's category_id is {value.get('category_id')!r}, expected {folder}")
