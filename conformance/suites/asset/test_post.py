"""POST /assets (seeds/opensim-asset-service.txt, "POST /assets")."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conformance.clients.asset import AssetClient
from conformance.expect import check, equal, expect
from conformance.ledger import owned_name
from conformance.resources import fixture_path
from conformance.suites.asset.steps import fetch, store, stored
from conformance.wire.asset import (
    DOCUMENTED_ELEMENTS,
    build_asset,
    build_region_asset,
    parse_string_reply,
)
from conformance.wire.ids import same_uuid

pytestmark = pytest.mark.writes

FEW = settings(max_examples=15, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.requirement("ASSET-POST-RETURNS-ID")
@pytest.mark.parametrize("document", ["wiki-sample", "without-optional-elements",
                                      "second-post"])
def test_post_answers_a_string_with_the_posted_uuid(assets: AssetClient, principal: str,
                                                    document: str) -> None:
    """POST of a well-formed asset answers 200 with <string> holding the posted UUID:
    the wiki's own sample document; one without the elements the wiki marks optional
    (Local, Temporary, CreatorID, Flags); and a second POST of an ID already stored
    ("is always returned")."""
    asset_id = assets.new_id()
    if document == "wiki-sample":
        text = fixture_path("asset", "wiki-sample.xml").read_text("utf-8")
        body = text.replace("{ID}", asset_id).replace("{PRINCIPAL}", principal).encode()
    elif document == "without-optional-elements":
        body = build_asset(asset_id, b"minimal", name=owned_name("minimal"),
                           description="without optional elements",
                           order=["Data", "FullID", "ID", "Name", "Description", "Type"])
    else:
        asset_id = stored(assets, b"first post")
        body = build_asset(asset_id, b"second post", name=owned_name("second post"),
                           creator_id=principal)
    first_post = document != "second-post"  # the ledger has the asset already
    reply = assets.post(body, asset_id=asset_id if first_post else None)
    expect(reply).status(200)
    returned = expect(reply).parsed(parse_string_reply, "a <string> document")
    check(same_uuid(returned, asset_id), f"<string> holds {returned!r}, expected {asset_id}")


@pytest.mark.requirement("ASSET-POST-REGION-CONNECTOR")
def test_the_document_a_region_posts_is_stored(assets: AssetClient, principal: str) -> None:
    asset_id = assets.new_id()
    data = bytes(range(256))
    body = build_region_asset(asset_id, data, name=owned_name("region"),
                              description="as a region posts it", asset_type=7,
                              creator_id=principal)
    reply = assets.post(body, asset_id=asset_id, path="/assets/")
    expect(reply).status(200)
    returned = expect(reply).parsed(parse_string_reply, "a <string> document")
    check(same_uuid(returned, asset_id), f"<string> holds {returned!r}, expected {asset_id}")
    stored_data = fetch(assets, asset_id).data
    check(stored_data == data, f"the region's asset read back with {len(stored_data)} bytes "
                               f"of data that differ from the {len(data)} posted")


@pytest.mark.requirement("ASSET-POST-DEFAULTS")
def test_omitted_temporary_means_false(assets: AssetClient) -> None:
    asset_id = store(assets, b"defaults", temporary=None)
    document = fetch(assets, asset_id)
    check(document.temporary is False,
          f"posted without Temporary, read back Temporary "
          f"{document.fields.get('Temporary')!r}, expected the default false")


@pytest.mark.requirement("ASSET-POST-DATA-ROUNDTRIP")
@pytest.mark.parametrize("data", [
    pytest.param(b"", id="empty"),
    pytest.param(bytes(range(256)), id="every-byte-value"),
    pytest.param(bytes(range(256)) * (3 * 4096 + 7), id="3-MiB"),
], )
def test_data_round_trips_byte_for_byte(assets: AssetClient, data: bytes) -> None:
    """Data comes back byte for byte: empty, every byte value, several MiB."""
    asset_id = store(assets, data)
    returned = fetch(assets, asset_id).data
    check(returned == data, f"stored {len(data)} bytes, read back {len(returned)} "
                            f"that differ")


@pytest.mark.requirement("ASSET-POST-DATA-ROUNDTRIP")
@FEW
@given(data=st.binary(max_size=2048))
@example(data=b"\x00\xff\xfe\x80 not UTF-8 \xc3")
def test_any_data_round_trips(assets: AssetClient, data: bytes) -> None:
    """Data of any content comes back byte for byte."""
    asset_id = store(assets, data)
    check(fetch(assets, asset_id).data == data, f"{data!r} did not round-trip")


@pytest.mark.requirement("ASSET-POST-TEXT-64")
@pytest.mark.parametrize("field", ["name", "description"])
def test_name_and_description_of_64_characters_round_trip(assets: AssetClient,
                                                           field: str) -> None:
    """A Name or Description of exactly 64 characters (the maximum) reads back unchanged,
    XML-special characters included."""
    text = (owned_name("<&>\"'") + "x" * 64)[:64]
    asset_id = store(assets, b"text", **{field: text})
    document = fetch(assets, asset_id)
    returned = document.name if field == "name" else document.description
    equal(returned, text, f"{field} read back")


@pytest.mark.requirement("ASSET-POST-TEXT-OVER-64")
@pytest.mark.parametrize("field", ["name", "description"])
@pytest.mark.parametrize("length", [65, 200])
def test_name_and_description_over_64_characters_are_cut_or_refused(
        assets: AssetClient, field: str, length: int,
        observe: Callable[[str], None]) -> None:
    """A Name or Description over 64 characters is refused with 400 or stored cut to its
    first 64 characters (which one is recorded); it is never stored longer than the
    maximum."""
    text = (owned_name("long") + "-" + "abcdefghij" * 20)[:length]
    asset_id, reply = assets.store(data=b"long", **{field: text})
    expect(reply).status(200, 400)
    observe(f"a {field} over 64 characters was "
            f"{'refused with 400' if reply.status == 400 else 'accepted'}")
    if reply.status == 400:
        return
    document = fetch(assets, asset_id)
    returned = document.name if field == "name" else document.description
    check(returned == text[:64],
          f"{field} of {length} characters read back as {len(returned)} characters "
          f"({returned!r}); expected its first 64")


@pytest.mark.requirement("ASSET-POST-TYPE-RANGE")
@pytest.mark.parametrize("asset_type", [-128, -1, 0, 49, 127])
def test_type_round_trips_across_the_signed_byte_range(assets: AssetClient,
                                                       asset_type: int) -> None:
    """Type is a signed byte: -128..127 read back unchanged."""
    asset_id = store(assets, b"type", asset_type=asset_type)
    returned = fetch(assets, asset_id).type
    equal(returned, asset_type, "Type read back")


@pytest.mark.requirement("ASSET-POST-TEMPORARY-LOCAL")
@pytest.mark.parametrize("temporary", [True, False])
def test_temporary_round_trips(assets: AssetClient, temporary: bool) -> None:
    """Temporary posted true or false reads back as posted. Local is posted false, as
    every real peer posts it."""
    asset_id = store(assets, b"temporary", local=False, temporary=temporary)
    document = fetch(assets, asset_id)
    check(document.temporary is temporary,
          f"sent Temporary={str(temporary).lower()}, read back "
          f"{document.fields.get('Temporary')!r}")


@pytest.mark.requirement("ASSET-POST-CREATOR")
@pytest.mark.parametrize("creator", ["principal", "not-a-uuid", "left-out"])
def test_creator_id_round_trips_uuid_or_not(assets: AssetClient, principal: str,
                                            creator: str) -> None:
    """CreatorID reads back as sent, whether a UUID or not ("not mandatory"), and blank
    when it was left out ("Optional, the default is blank")."""
    creator_id = {"principal": principal, "not-a-uuid": "opensim-conformance@example",
                  "left-out": None}[creator]
    asset_id = store(assets, b"creator", creator_id=creator_id)
    returned = fetch(assets, asset_id).creator_id
    check(returned == (creator_id or ""),
          f"CreatorID {creator_id!r} read back as {returned!r}"
          + (", expected blank" if creator_id is None else ""))


@pytest.mark.requirement("ASSET-POST-ELEMENT-ORDER")
@FEW
@given(order=st.permutations(DOCUMENTED_ELEMENTS))
@example(order=list(reversed(DOCUMENTED_ELEMENTS)))
def test_elements_are_accepted_in_any_order(assets: AssetClient,
                                            order: list[str]) -> None:
    """The elements of a POST may come in any order."""
    data = ",".join(order).encode()
    asset_id = store(assets, data, description="order", asset_type=7, order=order)
    document = fetch(assets, asset_id)
    check((document.data, document.description, document.type) == (data, "order", 7),
          f"posted with elements in the order {order}, read back a different asset")


@pytest.mark.requirement("ASSET-POST-IMMUTABLE")
def test_reposting_a_normal_asset_keeps_the_original(
        assets: AssetClient, observe: Callable[[str], None]) -> None:
    """A Normal asset is immutable: after a second POST with its ID and other data, the
    asset keeps its original data. What the second POST answered is recorded (the wiki
    says the ID "is always returned"; ASSET-POST-RETURNS-ID checks that)."""
    asset_id = stored(assets, b"original", flags="Normal")
    _, reply = assets.store(asset_id, data=b"replacement", flags="Normal")
    observe(f"a re-POST of an existing Normal asset answered {reply.status}")
    data = fetch(assets, asset_id).data
    equal(data, b"original", "after a re-POST the asset's data")
