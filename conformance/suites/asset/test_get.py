"""GET /assets/{id} (seeds/opensim-asset-service.txt, "GET /assets")."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from conformance.clients.asset import AssetClient
from conformance.expect import check, equal, expect, present
from conformance.suites.asset.steps import Sample, fetch, stored
from conformance.wire.asset import asset_fields, parse_asset
from conformance.wire.ids import same_uuid


@pytest.mark.requirement("ASSET-GET-200")
@pytest.mark.writes
def test_stored_asset_is_returned_as_an_assetbase_document(assets: AssetClient,
                                                           sample: Sample) -> None:
    document = fetch(assets, sample.id)
    check(same_uuid(document.id, sample.id), f"ID is {document.id!r}, expected {sample.id}")


@pytest.mark.requirement("ASSET-GET-DATA")
@pytest.mark.writes
def test_data_decodes_to_the_stored_bytes(assets: AssetClient, sample: Sample) -> None:
    document = fetch(assets, sample.id)
    check(document.data == sample.data,
          f"Data decodes to {len(document.data)} bytes that differ from the "
          f"{len(sample.data)} stored (first difference at byte "
          f"{first_difference(document.data, sample.data)})")


@pytest.mark.requirement("ASSET-GET-ELEMENTS")
@pytest.mark.writes
def test_every_documented_element_is_present_with_its_type(assets: AssetClient,
                                                           sample: Sample) -> None:
    """Every element of the wiki's table is present with the documented type (JSON
    Schema schemas/asset.schema.json) and holds what was stored."""
    reply = assets.get(sample.id)
    expect(reply).status(200)
    fields = expect(reply).parsed(asset_fields, "an <AssetBase> document")
    expect(reply).conforms("asset", fields)
    document = expect(reply).parsed(parse_asset, "an <AssetBase> document")
    stored_fields = {"Name": sample.name, "Description": sample.description,
                     "Type": sample.type, "CreatorID": sample.creator_id}
    returned = {"Name": document.name, "Description": document.description,
                "Type": document.type, "CreatorID": document.creator_id}
    equal(returned, stored_fields, "what GET returned of what was stored")


@pytest.mark.requirement("ASSET-GET-FULLID")
@pytest.mark.writes
def test_fullid_guid_equals_id(assets: AssetClient, sample: Sample) -> None:
    """<FullID><Guid> holds the same UUID as <ID>."""
    document = fetch(assets, sample.id)
    full_id = present(document.full_id, "the <Guid> element of FullID")
    check(same_uuid(full_id, document.id),
          f"FullID/Guid is {document.full_id!r} but ID is {document.id!r}")


@pytest.mark.requirement("ASSET-GET-LOCAL-FALSE")
@pytest.mark.writes
@pytest.mark.parametrize("local", [pytest.param(False, id="local-false"),
                                   pytest.param(None, id="local-left-out")])
def test_local_reads_back_false(assets: AssetClient, local: bool | None) -> None:
    """An asset posted as real peers post it, with Local false or without Local, reads
    back with Local false ("In the context of the asset service this should always be
    false"). The suite never posts Local true: no real peer does."""
    asset_id = stored(assets, b"local", local=local)
    document = fetch(assets, asset_id)
    check(document.local is False,
          f"an asset posted with Local {'left out' if local is None else 'false'} "
          f"read back with Local {document.fields.get('Local')!r}")


@pytest.mark.requirement("ASSET-GET-404")
@pytest.mark.reads
@pytest.mark.parametrize("form", ["lower-case", "upper-case"])
def test_unknown_asset_is_404_with_an_empty_body(assets: AssetClient, form: str) -> None:
    unknown = str(uuid.uuid4())
    reply = assets.get(unknown.upper() if form == "upper-case" else unknown)
    expect(reply).status(404).empty_body()


#: The ids of the pages' own GET samples: the sample script of the asset page and the
#: URI example of the 2012 page.
PAGE_SAMPLE_IDS = ("f87f97ff-a493-4fb6-b263-1c8a0f1efc11", "e0eb480b-e405-491d-8ed1-6d0ababe822c")


@pytest.mark.requirement("ASSET-GET-404")
@pytest.mark.reads
@pytest.mark.parametrize("asset_id", PAGE_SAMPLE_IDS)
def test_the_pages_sample_get_is_answered(assets: AssetClient, asset_id: str,
                                          observe: Callable[[str], None]) -> None:
    """GET /assets/<id> of the pages' samples, as printed: 404 with an empty body, or,
    where the target holds that asset, 200 with an <AssetBase> of that ID (recorded)."""
    reply = assets.get(asset_id)
    expect(reply).status(404, 200)
    if reply.status == 404:
        expect(reply).empty_body()
        return
    document = expect(reply).parsed(parse_asset, "an <AssetBase> document")
    check(same_uuid(document.id, asset_id), f"ID is {document.id!r}, expected {asset_id}")
    observe(f"the target holds the page's sample asset {asset_id}")


@pytest.mark.requirement("ASSET-GET-NON-UUID")
@pytest.mark.reads
@pytest.mark.parametrize("asset_id", ["not-a-uuid", "12345", "f87f97ff-a493-4fb6-b263"])
def test_non_uuid_id_is_not_found(assets: AssetClient, asset_id: str,
                                  observe: Callable[[str], None]) -> None:
    """GET of an id that is not a UUID answers 404 (400 is accepted too: both say
    "no such asset" to a region; which one came is recorded); never 200 or a server
    error."""
    reply = assets.get(asset_id)
    expect(reply).status(404, 400)
    observe(f"GET of an id that is not a UUID answered {reply.status}")


def first_difference(left: bytes, right: bytes) -> int:
    for index, (a, b) in enumerate(zip(left, right, strict=False)):
        if a != b:
            return index
    return min(len(left), len(right))
