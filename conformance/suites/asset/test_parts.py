"""GET /assets/{id}/data and /assets/{id}/metadata: not in the wiki, served by
OpenSimulator and used by its region side (docs/interop/asset.md), at the interop level."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from conformance.clients.asset import AssetClient
from conformance.expect import check, equal, expect, present
from conformance.suites.asset.steps import Sample
from conformance.wire.ids import same_uuid
from conformance.wire.xml import local_name, parse_document


@pytest.mark.requirement("ASSET-DATA-RAW")
@pytest.mark.writes
def test_data_is_the_raw_bytes_as_octet_stream(assets: AssetClient, sample: Sample) -> None:
    reply = assets.get_part(sample.id, "data")
    expect(reply).status(200).content_type("application/octet-stream")
    check(reply.body == sample.data,
          f"/data answered {len(reply.body)} bytes, not the {len(sample.data)} stored")


@pytest.mark.requirement("ASSET-METADATA")
@pytest.mark.writes
def test_metadata_describes_the_asset_without_its_data(assets: AssetClient,
                                                       sample: Sample) -> None:
    reply = assets.get_part(sample.id, "metadata")
    expect(reply).status(200)
    root = expect(reply).parsed(parse_document, "an XML document")
    equal(local_name(root), "AssetMetadata", "the root element")
    fields: dict[str, Any] = {local_name(child): (child.text or "") for child in root
              if isinstance(child.tag, str) and not len(child)}
    fields["FullID"] = {"Guid": root.findtext("{*}FullID/{*}Guid") or ""}
    expect(reply).conforms("asset-metadata", fields)
    asset_id = present(fields.get("ID"), "the ID element")
    check(same_uuid(asset_id, sample.id), f"ID is {asset_id!r}, expected {sample.id}")
    type_text = str(present(fields.get("Type"), "the Type element")).strip()
    check(type_text.lstrip("-").isdigit(), f"Type is {type_text!r}, not an integer")
    returned = (fields.get("Name"), fields.get("Description"), int(type_text))
    equal(returned, (sample.name, sample.description, sample.type),
          "(Name, Description, Type)")


@pytest.mark.requirement("ASSET-SUBRESOURCE-404")
@pytest.mark.reads
@pytest.mark.parametrize("part", ["data", "metadata"])
def test_data_and_metadata_of_an_unknown_asset_are_404(assets: AssetClient,
                                                       part: str) -> None:
    expect(assets.get_part(str(uuid.uuid4()), part)).status(404)
